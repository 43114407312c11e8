"""Gradient checking: back-propagation against two-sided (central) differences.

For every parameter θ (each entry of W1, b1, …, WL, bL) the numeric derivative is

    dθ_approx = (J(θ + ε) − J(θ − ε)) / (2ε),

whose error is O(ε²) (a one-sided difference is only O(ε)). It is compared with the analytic
gradient dθ from :func:`denseflow.core.propagation.model_backward` by the relative error

    error = ‖dθ − dθ_approx‖₂ / (‖dθ‖₂ + ‖dθ_approx‖₂),

computed per parameter array, so a wrong layer is named rather than hidden in one number.
With ε = 1e−7 in float64 the notes' rule of thumb reads: ≲ 1e−7 is right, ≳ 1e−3 is a bug.

Everything runs on float64 copies; the caller's parameters are never modified. Input checks and
the numerics of one array live in ``denseflow.gradcheck.differences``, the printed table in
``denseflow.gradcheck.report``.

Examples
--------
>>> import numpy as np
>>> from denseflow.gradcheck import gradient_check
>>> from denseflow.core.initializers import initialize_parameters
>>> rng = np.random.default_rng(0)
>>> params = initialize_parameters([3, 4, 1], method="he", seed=1)
>>> X, Y = rng.standard_normal((3, 5)), np.array([[1, 0, 1, 1, 0]])
>>> report = gradient_check(params, X, Y, hidden_activation="tanh")
>>> report.passed, [e.name for e in report.entries]
(True, ['W1', 'b1', 'W2', 'b2'])
>>> report.max_error < 1e-7
True

Notes
-----
Rounding limits the check: J itself carries a rounding error of about 1e−16·|J|, which the
difference quotient divides by 2ε, so each numeric derivative is off by about 1e−16·|J|/ε
(≈ 1e−9 for ε = 1e−7). For parameter arrays whose gradients are tiny (deep stacks of sigmoid
layers: vanishing gradients) that floor alone can exceed 1e−7; each entry reports an estimate of
it (``rounding_error``), and ``epsilon=1e-5`` (near the float64 optimum, the cube root of the
machine epsilon) lowers it a hundredfold. ReLU's kink at z = 0 is the other limit: if some
z[l] lies within about ε of 0, J(θ ± ε) straddles the kink; ``kink_distance`` reports min |z|.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from denseflow.core.activations import get_activation
from denseflow.core.initializers import INITIALIZERS
from denseflow.core.losses import get_loss
from denseflow.core.propagation import _model_forward, model_backward, model_forward
from denseflow.core.validation import (
    check_choice,
    check_layer_dims,
    check_positive,
    check_positive_int,
    check_seed,
)
from denseflow.gradcheck.differences import (
    _OWNER,
    _check_grads,
    _float64_inputs,
    _kink_distance,
    _param_names,
    _random_problem,
    _rounding_floor,
    _two_sided_difference,
    _worst_index,
)
from denseflow.gradcheck.report import _format_report

__all__ = ["ParameterCheck", "GradCheckReport", "gradient_check", "random_check", "relative_error"]


class ParameterCheck(NamedTuple):
    """The check of one parameter array.

    Attributes
    ----------
    name : str
        ``"W1"``, ``"b1"``, …
    shape : tuple of int
    relative_error : float
        ‖dθ − dθ_approx‖ / (‖dθ‖ + ‖dθ_approx‖) over this array (0 where both are 0).
    worst_index : tuple of int
        The entry with the largest |dθ − dθ_approx|.
    analytic : float
        dθ at that entry (back-propagation).
    numeric : float
        dθ_approx at that entry (two-sided difference).
    rounding_error : float
        Estimated relative error that rounding in J alone causes: √n · 1e−16·|J| / ε, divided
        by the norms. A relative error near it is noise, not a bug.
    passed : bool
        ``relative_error < threshold``.
    """

    name: str
    shape: tuple
    relative_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    rounding_error: float
    passed: bool


def relative_error(grad, approx) -> float:
    """‖grad − approx‖₂ / (‖grad‖₂ + ‖approx‖₂), and 0.0 when both are zero.

    Examples
    --------
    >>> import numpy as np
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> relative_error(np.array([1.0]), np.array([-1.0]))
    1.0
    """
    grad, approx = np.asarray(grad, dtype=np.float64), np.asarray(approx, dtype=np.float64)
    numerator = np.linalg.norm(grad - approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    if denominator == 0:
        return 0.0
    return float(numerator / denominator)


@dataclass(frozen=True)
class GradCheckReport:
    """The result of :func:`gradient_check`.

    Attributes
    ----------
    entries : tuple of ParameterCheck
        One per parameter array, in the order W1, b1, W2, b2, …
    max_error : float
        The largest per-array relative error.
    difference : float
        The course's single number: the relative error of all gradients stacked into one
        vector (dominated by the largest gradients, which is why ``max_error`` is the verdict).
    threshold : float
        ``passed`` means ``max_error < threshold``.
    epsilon : float
        The step ε.
    cost : float
        J at the given parameters.
    loss, hidden_activation, output_activation : str
        What was checked.
    kink_distance : float or None
        min |z| over the layers with a kinked activation (ReLU, leaky ReLU); None without any.

    Indexing by name gives one entry: ``report["W2"]``.
    """

    entries: tuple
    max_error: float
    difference: float
    threshold: float
    epsilon: float
    cost: float
    loss: str
    hidden_activation: str
    output_activation: str
    kink_distance: float | None = None

    @property
    def passed(self) -> bool:
        """True when every parameter array's relative error is below ``threshold``."""
        return bool(self.max_error < self.threshold)

    @property
    def failed(self) -> tuple:
        """Names of the arrays whose relative error is not below ``threshold``."""
        return tuple(e.name for e in self.entries if not e.passed)

    @property
    def failed_layers(self) -> tuple:
        """Layer numbers l of the failed arrays (W[l] or b[l]), sorted."""
        return tuple(sorted({int(name[1:]) for name in self.failed}))

    @property
    def worst(self) -> ParameterCheck:
        """The entry with the largest relative error."""
        return max(self.entries, key=lambda e: (np.nan_to_num(e.relative_error, nan=np.inf)))

    def __getitem__(self, name: str) -> ParameterCheck:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(f"No parameter {name!r} in this report; it has {[e.name for e in self.entries]}.")

    def format(self) -> str:
        """A table for the terminal (``denseflow gradcheck`` prints it)."""
        return _format_report(self)

    def __str__(self) -> str:
        return self.format()


def gradient_check(
    parameters,
    X,
    Y,
    hidden_activation="relu",
    output_activation="sigmoid",
    loss=None,
    epsilon: float = 1e-7,
    threshold: float = 1e-7,
    grads=None,
) -> GradCheckReport:
    """Compare back-propagation's gradients with two-sided differences, array by array.

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε),
    error = ‖dθ − dθ_approx‖₂ / (‖dθ‖₂ + ‖dθ_approx‖₂) for each of W1, b1, …, WL, bL.

    J is the loss's cost, computed from Z[L] (``loss.cost(AL, Y, ZL)``, finite even for saturated
    outputs) when the output activation is the one the loss fuses with (sigmoid for binary,
    softmax for categorical cross-entropy), else from A[L]. The analytic gradients come from
    :func:`~denseflow.core.propagation.model_backward` unless ``grads`` is given. The denominator 2ε
    is taken as the float64 difference (θ + ε) − (θ − ε) actually applied, which removes the
    rounding of θ ± ε.

    Parameters
    ----------
    parameters : dict
        ``{"W1", "b1", …, "WL", "bL"}`` with W[l] (n[l], n[l−1]), b[l] (n[l], 1). Copied to float64;
        never modified.
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n[L], m)
        0/1 labels (binary cross-entropy), one-hot columns (categorical cross-entropy), or real
        targets (squared error).
    hidden_activation : str or Activation, default 'relu'
    output_activation : str or Activation, default 'sigmoid'
    loss : str or Loss, optional
        Defaults to ``categorical_cross_entropy`` for a softmax output, else
        ``binary_cross_entropy``.
    epsilon : float, default 1e-7
        The step ε (the course's value). See the module notes for when 1e−5 is better.
    threshold : float, default 1e-7
        The check passes when every array's relative error is below it.
    grads : dict, optional
        Analytic gradients to check instead (``dW1``, ``db1``, …, e.g. from your own
        backward pass), at ``parameters``.

    Returns
    -------
    GradCheckReport
        ``passed``, ``max_error``, per-array ``entries``, and a printable table.

    Raises
    ------
    ValueError
        Shapes that do not fit, labels the loss does not accept, a cost J that is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([[0.1]])}
    >>> X, Y = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[1, 0]])
    >>> report = gradient_check(params, X, Y, output_activation="sigmoid")
    >>> report.passed, report["W1"].shape
    (True, (1, 2))
    """
    params, X, Y, L = _float64_inputs(parameters, X, Y)
    hidden = get_activation(hidden_activation, "hidden_activation", _OWNER, hidden=True)
    output = get_activation(output_activation, "output_activation", _OWNER)
    loss = get_loss(loss, "loss", _OWNER, output=output)
    loss.check_labels(Y, "Y")
    epsilon = check_positive(epsilon, "epsilon", _OWNER)
    threshold = check_positive(threshold, "threshold", _OWNER)

    # J from Z[L] where the loss computes it stably from logits, which is only valid for the
    # output activation the loss assumes (sigmoid for BCE, softmax for CCE); else from AL.
    from_logits = loss.fused_activation is not None and output.name == loss.fused_activation

    def J(p) -> float:
        AL_, caches_ = _model_forward(X, p, hidden, output)
        return loss.cost(AL_, Y, caches_[-1].Z if from_logits else None)

    # Analytic gradients (back-propagation) and the cost at θ.
    AL, caches = model_forward(X, params, hidden, output)
    cost = loss.cost(AL, Y, caches[-1].Z if from_logits else None)
    if not np.isfinite(cost):
        raise ValueError(
            f"The cost J is not finite ({cost}) for loss {loss.name!r} with a {output.name!r} output. "
            f"binary_cross_entropy needs outputs in (0, 1): use output_activation='sigmoid', or "
            f"loss='squared_error' for an unbounded output."
        )
    if grads is None:
        grads = model_backward(AL, Y, caches, hidden, output, loss)
    grads = _check_grads(grads, params, L)
    kink = _kink_distance(caches, hidden, output)

    entries, all_grads, all_approx = [], [], []
    for name in _param_names(L):
        approx = _two_sided_difference(J, params, name, epsilon)
        grad = grads[f"d{name}"]
        error = relative_error(grad, approx)
        worst = _worst_index(grad, approx)
        entries.append(
            ParameterCheck(
                name,
                approx.shape,
                error,
                worst,
                float(grad[worst]),
                float(approx[worst]),
                _rounding_floor(grad, approx, cost, epsilon),
                bool(error < threshold),
            )
        )
        all_grads.append(grad.ravel())
        all_approx.append(approx.ravel())

    errors = np.array([e.relative_error for e in entries])
    max_error = float(np.inf if np.any(np.isnan(errors)) else errors.max())
    return GradCheckReport(
        entries=tuple(entries),
        max_error=max_error,
        difference=relative_error(np.concatenate(all_grads), np.concatenate(all_approx)),
        threshold=threshold,
        epsilon=epsilon,
        cost=float(cost),
        loss=loss.name,
        hidden_activation=hidden.name,
        output_activation=output.name,
        kink_distance=kink,
    )


def random_check(
    layer_dims=(3, 4, 1),
    hidden_activation="relu",
    output_activation="sigmoid",
    seed=0,
    *,
    loss=None,
    m: int = 4,
    initialization: str = "he",
    epsilon: float = 1e-7,
    threshold: float = 1e-7,
) -> GradCheckReport:
    """Gradient-check a small random network on random data (``denseflow gradcheck``).

    Builds W[l] with ``initialization``, random biases b[l] ~ 0.1·N(0, 1) (so that the biases
    matter), X ~ N(0, 1) of shape (n_x, m) and labels that fit the loss, then runs
    :func:`gradient_check`. Everything is drawn from ``numpy.random.default_rng(seed)``, so a seed
    gives the same report every time.

    With a ReLU-type activation, X is redrawn (up to 20 times, deterministically) while some z
    lies within 1000·ε of the kink at 0, where two-sided differences are unreliable.

    Parameters
    ----------
    layer_dims : sequence of int, default (3, 4, 1)
        [n_x, n[1], …, n[L]]; n[L] is the output width.
    hidden_activation, output_activation : str
    seed : int or None, default 0
    loss : str, optional
        Default: categorical cross-entropy for softmax (one-hot Y), binary cross-entropy for
        sigmoid (0/1 Y), squared error otherwise (real-valued Y).
    m : int, default 4
        Number of examples.
    initialization : str, default 'he'
        A name from :data:`denseflow.core.initializers.INITIALIZERS`.
    epsilon, threshold : float
        As in :func:`gradient_check`.

    Returns
    -------
    GradCheckReport

    Examples
    --------
    >>> report = random_check([5, 3, 3], "tanh", "softmax", seed=0)
    >>> report.passed, report.loss
    (True, 'categorical_cross_entropy')
    """
    owner = "random_check"
    dims = check_layer_dims(layer_dims, "layer_dims", owner)
    m = check_positive_int(m, "m", owner)
    initialization = check_choice(initialization, INITIALIZERS, "initialization", owner)
    check_seed(seed, owner, allow_none=True)
    hidden = get_activation(hidden_activation, "hidden_activation", owner, hidden=True)
    output = get_activation(output_activation, "output_activation", owner)
    loss = get_loss(loss, "loss", owner, output=output)
    epsilon = check_positive(epsilon, "epsilon", owner)

    params, X, Y = _random_problem(
        dims, hidden, output, loss, m=m, initialization=initialization, epsilon=epsilon, seed=seed
    )
    return gradient_check(params, X, Y, hidden, output, loss, epsilon=epsilon, threshold=threshold)
