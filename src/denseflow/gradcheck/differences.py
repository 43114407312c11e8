"""The numerics under :mod:`denseflow.gradcheck`: two-sided differences, array by array.

What :func:`~denseflow.gradcheck.gradient_check` and :func:`~denseflow.gradcheck.random_check`
do with numbers, apart from back-propagation itself (which stays in ``denseflow.gradcheck``):

* the inputs: float64 copies of the network and data, checked, the arrays checked (``W1``,
  ``b1``, …) and the analytic gradients a caller passes, validated;
* the two-sided difference dθ_approx of one array, the entry where it differs most from dθ, and
  the rounding floor of the comparison;
* the distance of the nearest z to a ReLU kink, and the random test problem of ``random_check``,
  redrawn away from that kink.

The public names (the report, :func:`~denseflow.gradcheck.relative_error`) are imported from
``denseflow.gradcheck``.

Examples
--------
>>> import numpy as np
>>> _param_names(2)
['W1', 'b1', 'W2', 'b2']
>>> params = {"W1": np.array([[1.0, 2.0]])}
>>> approx = _two_sided_difference(lambda p: float(np.sum(p["W1"] ** 2)), params, "W1", 1e-5)
>>> np.allclose(approx, [[2.0, 4.0]]), params["W1"].tolist()  # d(w²)/dw = 2w; W1 restored
(True, [[1.0, 2.0]])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from denseflow.core.initializers import initialize_parameters
from denseflow.core.propagation import _model_forward
from denseflow.core.validation import check_parameters, check_X, check_XY

#: Activations with a kink (a point where g' jumps), at z = 0.
_KINKED = ("relu", "leaky_relu")
#: The float64 unit roundoff: the relative rounding error J carries.
_UNIT_ROUNDOFF = np.finfo(np.float64).eps
_OWNER = "gradient_check"


def _param_names(L: int) -> list:
    return [f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")]


def _float64_inputs(parameters, X, Y):
    """Checked float64 copies ``(params, X, Y, L)`` of :func:`~denseflow.gradcheck.gradient_check`'s inputs."""
    X = check_X(X, owner=_OWNER)
    L = check_parameters(parameters, n_x=X.shape[0])
    X, Y = check_XY(X, Y, dtype=np.float64, owner=_OWNER)
    params = {name: np.array(parameters[name], dtype=np.float64) for name in _param_names(L)}
    n_L = params[f"W{L}"].shape[0]
    if Y.shape[0] != n_L:
        raise ValueError(
            f"Y has {Y.shape[0]} rows, but the output layer has n[{L}] = {n_L} units (Y must have "
            f"shape (n[L], m); for softmax, one-hot columns built with np.eye(C)[labels].T)."
        )
    return params, X, Y, L


def _check_grads(grads, params: dict, L: int) -> dict:
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"The 'grads' parameter of gradient_check must be a dict with keys 'dW1', 'db1', ... as "
            f"returned by model_backward. Got {type(grads).__name__} instead."
        )
    out = {}
    for name in _param_names(L):
        key = f"d{name}"
        if key not in grads:
            raise ValueError(f"grads is missing {key!r}; pass the dict returned by model_backward.")
        g = np.array(grads[key], dtype=np.float64)
        if g.shape != params[name].shape:
            raise ValueError(
                f"{key} has shape {g.shape} but {name} has shape {params[name].shape}; a gradient "
                f"must have the shape of its parameter."
            )
        out[key] = g
    return out


def _kink_distance(caches, hidden, output) -> float | None:
    L = len(caches)
    Zs = [c.Z for l, c in enumerate(caches, start=1) if (output if l == L else hidden).name in _KINKED]
    if not Zs:
        return None
    return float(min(np.min(np.abs(Z)) for Z in Zs))


def _two_sided_difference(J, params: dict, name: str, epsilon: float) -> np.ndarray:
    """dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε) for θ = ``params[name]``.

    The denominator is the float64 difference (θ + ε) − (θ − ε) actually applied, which removes
    the rounding of θ ± ε. ``params[name]`` is restored entry by entry.
    """
    theta = params[name]  # perturbed in place, one entry at a time, then restored
    approx = np.empty_like(theta)
    for idx in np.ndindex(theta.shape):
        original = theta[idx]
        theta[idx] = original + epsilon
        J_plus, step_plus = J(params), theta[idx]
        theta[idx] = original - epsilon
        J_minus, step_minus = J(params), theta[idx]
        theta[idx] = original
        approx[idx] = (J_plus - J_minus) / (step_plus - step_minus)
    return approx


def _worst_index(grad, approx) -> tuple:
    """The index of the entry with the largest |dθ − dθ_approx| (a NaN counts as the largest)."""
    diff = np.abs(grad - approx)
    worst = np.unravel_index(int(np.argmax(np.nan_to_num(diff, nan=np.inf))), approx.shape)
    return tuple(int(i) for i in worst)


def _rounding_floor(grad, approx, cost: float, epsilon: float) -> float:
    """The relative error that rounding in J alone causes: √n · u·|J| / ε over the norms (u: the unit roundoff)."""
    norms = np.linalg.norm(grad) + np.linalg.norm(approx)
    # Rounding floor: each J carries ~unit_roundoff·|J|, divided by the step 2ε.
    rounding = 0.0
    if norms > 0:
        rounding = float(np.sqrt(approx.size) * _UNIT_ROUNDOFF * abs(cost) / epsilon / norms)
    return rounding


def _random_problem(dims, hidden, output, loss, *, m: int, initialization: str, epsilon: float, seed):
    """The small random network and data of :func:`~denseflow.gradcheck.random_check`.

    Returns ``(params, X, Y)``, all drawn from ``numpy.random.default_rng(seed)``: W[l] from
    ``initialization``, b[l] ~ 0.1·N(0, 1), labels that fit ``loss``, and X ~ N(0, 1) of shape
    (n_x, m), redrawn (up to 20 times) while some z lies within 1000·ε of a ReLU kink.
    """
    rng = np.random.default_rng(seed)
    params = initialize_parameters(dims, method=initialization, seed=rng)
    for l in range(1, len(dims)):
        params[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    C = dims[-1]
    if loss.name == "categorical_cross_entropy":
        Y = np.eye(C)[rng.integers(0, C, m)].T
    elif loss.name == "binary_cross_entropy":
        Y = rng.integers(0, 2, (C, m)).astype(np.float64)
    else:
        Y = rng.standard_normal((C, m))

    X = rng.standard_normal((dims[0], m))
    for _ in range(20):
        _, caches = _model_forward(X, params, hidden, output)
        kink = _kink_distance(caches, hidden, output)
        if kink is None or kink >= 1e3 * epsilon:
            break
        X = rng.standard_normal((dims[0], m))
    return params, X, Y
