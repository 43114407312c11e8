"""Regularization, step by step: L2 weight decay and (inverted) dropout, for L layers.

The course's week-1 "Regularization" assignment, generalized from its three layers to L layers
and any hidden activation, with the same names, formulas and order of operations (so the
notebook's numbers come out exactly):

* **L2** — the cost J = cross-entropy + (λ / 2m) Σ_l ‖W[l]‖²_F
  (:func:`compute_cost_with_regularization`) and its gradient dW[l] += (λ / m) W[l]
  (:func:`backward_propagation_with_regularization`); db[l] is unchanged.
* **inverted dropout** — in each hidden layer l = 1 … L−1, a mask D[l] = (U < keep_prob[l]) with
  U ~ uniform[0, 1) of the shape of A[l] shuts units off and the survivors are scaled up,
  A[l] := A[l] ⊙ D[l] / keep_prob[l], so the expected value of A[l] is unchanged and nothing
  changes at test time (:func:`forward_propagation_with_dropout`). Back-propagation applies the
  same mask and scale to dA[l] (:func:`backward_propagation_with_dropout`). The output layer and
  the input X are never dropped.

The masks are kept in the caches (:class:`DropoutCache`). As in the notebook, an int ``seed``
(default 1) seeds a legacy ``RandomState`` at the start of every forward pass and draws
``rand(n[l], m)`` for l = 1, 2, … in order: every call with the same seed and shapes draws the
same masks — what the notebook does (its published numbers depend on it), and what gradient
checking needs. Pass a ``numpy.random.Generator`` to draw fresh masks at every call.

``dA[l]``, ``dW[l]`` and ``db[l]`` follow :mod:`denseflow.core.propagation`: dW and db are exactly
∂J/∂W[l] and ∂J/∂b[l] (of the regularized cost, for L2), ``dA[l]`` is m · ∂J/∂A[l].

Examples
--------
>>> import numpy as np
>>> from denseflow.core.initializers import initialize_parameters
>>> X = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.2, -0.3, 0.7]])
>>> Y = np.array([[1, 0, 1, 0]])
>>> params = initialize_parameters([2, 5, 3, 1], method="he", seed=3, course=True)
>>> AL, caches = forward_propagation_with_dropout(X, params, keep_prob=0.8)
>>> caches[0].D.shape, caches[0].D.dtype, caches[-1].D is None
((5, 4), dtype('bool'), True)
>>> grads = backward_propagation_with_dropout(AL, Y, caches, keep_prob=0.8)
>>> sorted(k for k in grads if k.startswith("dW"))
['dW1', 'dW2', 'dW3']
>>> round(compute_cost_with_regularization(AL, Y, params, lambd=0.7), 6) > 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy.special import xlogy

from denseflow.core.activations import Activation, get_activation
from denseflow.core.caches import LayerCache, LinearCache
from denseflow.core.losses import get_loss, output_dZ
from denseflow.core.propagation import _layer_backward, _layer_forward, _linear_backward
from denseflow.core.validation import (
    check_array_2d,
    check_parameters,
    check_positive,
    check_seed,
    check_X,
    check_XY,
)

__all__ = [
    "DropoutCache",
    "compute_cost_with_regularization",
    "backward_propagation_with_regularization",
    "forward_propagation_with_dropout",
    "backward_propagation_with_dropout",
]


class DropoutCache(NamedTuple):
    """What a layer keeps under dropout: its linear cache (A[l−1] after the previous layer's
    dropout, W[l], b[l]), Z[l] (n[l], m) and its mask D[l] (n[l], m) of bools (None for the
    output layer, which is never dropped)."""

    linear_cache: LinearCache
    Z: np.ndarray
    D: np.ndarray | None


# --------------------------------------------------------------------------------------- L2


def _l2_cost(parameters, lambd, m, L):
    # (1/m) (λ/2) Σ_l ‖W[l]‖²_F, summed layer by layer as the notebook does.
    total = np.sum(np.square(parameters["W1"]))
    for l in range(2, L + 1):
        total = total + np.sum(np.square(parameters[f"W{l}"]))
    return (1 / m) * (lambd / 2) * total


def _cross_entropy(AL, Y):
    # J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] with 0 · log 0 = 0 (xlogy): a confident right
    # answer costs 0 and a confident wrong one +inf, as the notebook's nansum gives.
    m = Y.shape[1]
    with np.errstate(divide="ignore"):
        return float((1.0 / m) * np.sum(-(xlogy(Y, AL) + xlogy(1 - Y, 1 - AL))))


def compute_cost_with_regularization(AL, Y, parameters, lambd, loss="binary_cross_entropy"):
    """The cost with L2 regularization.

    J = −(1/m) Σ_i [y(i) log a(i) + (1 − y(i)) log(1 − a(i))]  +  (1/m)(λ/2) Σ_{l=1..L} ‖W[l]‖²_F

    where ‖W‖²_F = Σ_jk W_jk² and a = AL. Binary cross-entropy is computed as the notebook
    does (0 · log 0 taken as 0, so a saturated but right output costs 0 and a saturated wrong
    one +inf); other losses use their record in :data:`denseflow.core.losses.LOSSES`.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
        The output of forward propagation (the notebook's A3).
    Y : ndarray of shape (n[L], m)
        The labels.
    parameters : dict
        ``{"W1", "b1", …, "WL", "bL"}``; the biases are not penalized.
    lambd : float
        λ ≥ 0 (``lambda`` is a Python keyword).
    loss : str, default 'binary_cross_entropy'
        A name from :data:`denseflow.core.losses.LOSSES`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[3.0, 4.0]]), "b1": np.zeros((1, 1))}
    >>> AL, Y = np.array([[0.5, 0.5]]), np.array([[1, 0]])
    >>> J0 = compute_cost_with_regularization(AL, Y, params, lambd=0)
    >>> round(J0, 6), round(compute_cost_with_regularization(AL, Y, params, lambd=0.1) - J0, 12)  # (1/2)(0.1/2)(9 + 16)
    (0.693147, 0.625)
    """
    owner = "compute_cost_with_regularization"
    lambd = check_positive(lambd, "lambd", owner, allow_zero=True)
    loss = get_loss(loss, "loss", owner)
    AL, Y = check_XY(AL, Y, X_name="AL", Y_name="Y", owner=owner)
    if AL.shape != Y.shape:
        raise ValueError(f"AL and Y must have the same shape (n[L], m); got {AL.shape} and {Y.shape}.")
    loss.check_labels(Y, "Y")
    L = check_parameters(parameters)
    if np.shape(parameters[f"W{L}"])[0] != AL.shape[0]:
        raise ValueError(
            f"W{L} has {np.shape(parameters[f'W{L}'])[0]} rows but AL has {AL.shape[0]}: pass the parameters "
            f"that produced AL."
        )
    if loss.name == "binary_cross_entropy":
        cross_entropy = _cross_entropy(AL, Y)
    else:
        cross_entropy = loss.cost(AL, Y)
    return float(cross_entropy + _l2_cost(parameters, lambd, Y.shape[1], L))


# --------------------------------------------------------------------------------- dropout


def _keep_probs(keep_prob, n_hidden: int, owner: str) -> list:
    """keep_prob as one float per hidden layer, each in (0, 1]."""
    if isinstance(keep_prob, np.ndarray) or (isinstance(keep_prob, Sequence) and not isinstance(keep_prob, str)):
        values = list(np.ravel(keep_prob))
        if len(values) != n_hidden:
            raise ValueError(
                f"The 'keep_prob' parameter of {owner} must be a number or a list of {n_hidden} numbers, one per "
                f"hidden layer (the output layer is never dropped). Got {len(values)} numbers instead."
            )
    else:
        values = [keep_prob] * n_hidden
    out = []
    for value in values:
        value = check_positive(value, "keep_prob", owner)
        if value > 1:
            raise ValueError(
                f"The 'keep_prob' parameter of {owner} must be a probability in (0, 1] (1 keeps every unit). "
                f"Got {value!r} instead."
            )
        out.append(value)
    return out


def _draw(rng, shape):
    """Uniform [0, 1) numbers: the notebook's ``np.random.rand(n, m)`` for a RandomState."""
    if isinstance(rng, np.random.RandomState):
        return rng.rand(*shape)
    return rng.random(shape)


def _dropout_forward(X, parameters, keep_probs, rng, hidden: Activation, output: Activation):
    caches = []
    A = X
    L = len(keep_probs) + 1
    for l in range(1, L):
        A, (linear_cache, Z) = _layer_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], hidden)
        D = _draw(rng, A.shape) < keep_probs[l - 1]  # D[l] = (U < keep_prob), U ~ uniform[0, 1)
        A = A * D  # shut the dropped units off
        A = A / keep_probs[l - 1]  # inverted dropout: keep the expected value of A[l]
        caches.append(DropoutCache(linear_cache, Z, D))
    AL, (linear_cache, ZL) = _layer_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
    caches.append(DropoutCache(linear_cache, ZL, None))
    return AL, caches


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5, hidden_activation="relu",
                                     output_activation="sigmoid", seed=1):
    """Forward propagation with inverted dropout on every hidden layer.

    For l = 1 … L−1: Z[l] = W[l] A[l−1] + b[l], A[l] = g(Z[l]), D[l] = (U[l] < keep_prob[l]),
    A[l] := A[l] ⊙ D[l] / keep_prob[l]; then the output layer A[L] = g_out(W[L] A[L−1] + b[L]).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    parameters : dict
        ``{"W1", "b1", …, "WL", "bL"}``.
    keep_prob : float or list of float, default 0.5
        The probability of keeping a unit, in (0, 1]: one number for every hidden layer, or a list
        of L−1 numbers (layer 1 first). 1 keeps every unit of that layer (its mask is still drawn,
        so the other layers' masks do not move).
    hidden_activation : str, default 'relu'
    output_activation : str, default 'sigmoid'
    seed : int, numpy.random.RandomState or numpy.random.Generator, default 1
        An int seeds a new legacy ``RandomState`` at every call, as the notebook's
        ``np.random.seed(1)`` inside the function does (the same masks at every call); a
        generator is drawn from (new masks at every call).

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    caches : list of DropoutCache
        One per layer, in order 1 … L; ``caches[l-1].D`` is D[l] (None for layer L) and the
        linear caches hold the dropped, rescaled A[l−1].

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((2, 1000))
    >>> params = {"W1": np.ones((50, 2)), "b1": np.zeros((50, 1)), "W2": np.ones((1, 50)) / 100, "b2": np.zeros((1, 1))}
    >>> AL, caches = forward_propagation_with_dropout(X, params, keep_prob=0.8, output_activation="identity")
    >>> round(float(caches[0].D.mean()), 2), round(float(AL.mean()), 2)  # A[1] = 2 kept 80 % of the time, × 1/0.8
    (0.8, 1.0)
    """
    owner = "forward_propagation_with_dropout"
    L = check_parameters(parameters)
    X = check_X(X, np.shape(parameters["W1"])[1], owner="W1")
    hidden = get_activation(hidden_activation, "hidden_activation", owner, hidden=True)
    output = get_activation(output_activation, "output_activation", owner)
    keep_probs = _keep_probs(keep_prob, L - 1, owner)
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        rng = seed
    else:
        rng = np.random.RandomState(check_seed(seed, owner))
    return _dropout_forward(X, parameters, keep_probs, rng, hidden, output)


# -------------------------------------------------------------------------------- backward


def _backward(AL, Y, caches, hidden, output, loss, keep_probs=None, lambd=0.0):
    """dZ[L] from the loss, then layer by layer: dA[l] (masked and rescaled under dropout),
    dZ[l], dW[l] (+ (λ/m) W[l]), db[l]."""
    grads = {}
    L = len(caches)
    m = Y.shape[1]
    dZ = output_dZ(loss, output, AL, Y, caches[-1].Z)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, caches[-1].linear_cache)
    for l in range(L - 1, 0, -1):
        dA = dA_prev
        if keep_probs is not None:
            dA = dA * caches[l - 1].D  # the units shut off in the forward pass get no gradient
            dA = dA / keep_probs[l - 1]  # and the survivors the same 1/keep_prob
        grads[f"dA{l}"] = dA
        layer = LayerCache(caches[l - 1].linear_cache, caches[l - 1].Z)
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = _layer_backward(dA, layer, hidden)
    grads["dA0"] = dA_prev
    if lambd:
        for l in range(1, L + 1):
            W = caches[l - 1].linear_cache.W
            grads[f"dW{l}"] = grads[f"dW{l}"] + lambd / m * W  # dW[l] += (λ/m) W[l]
    return grads


def _check_backward(AL, Y, caches, hidden_activation, output_activation, loss, owner, *, dropout):
    hidden = get_activation(hidden_activation, "hidden_activation", owner, hidden=True)
    output = get_activation(output_activation, "output_activation", owner)
    loss = get_loss(loss, "loss", owner, output=output)
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        source = "forward_propagation_with_dropout" if dropout else "model_forward"
        raise TypeError(f"caches must be the non-empty list returned by {source}.")
    AL, Y = check_XY(AL, Y, X_name="AL", Y_name="Y", owner=owner)
    if AL.shape != Y.shape:
        raise ValueError(f"AL and Y must have the same shape (n[L], m); got {AL.shape} and {Y.shape}.")
    loss.check_labels(Y, "Y")
    checked = []
    n_prev = None
    for l, cache in enumerate(caches, start=1):
        if dropout:
            if not isinstance(cache, tuple) or len(cache) != 3:
                raise TypeError(
                    f"caches[{l - 1}] must be a DropoutCache (linear_cache, Z, D) as returned by "
                    f"forward_propagation_with_dropout; got {type(cache).__name__}."
                )
            linear_cache, Z, D = cache
        else:
            if not isinstance(cache, tuple) or len(cache) != 2:
                raise TypeError(
                    f"caches[{l - 1}] must be a LayerCache (linear_cache, Z) as returned by model_forward; "
                    f"got {type(cache).__name__}."
                )
            (linear_cache, Z), D = cache, None
        if not isinstance(linear_cache, tuple) or len(linear_cache) != 3:
            raise TypeError(f"caches[{l - 1}] must hold a linear cache (A_prev, W, b); got {type(linear_cache).__name__}.")
        A_prev, W, b = (check_array_2d(a, n, finite=False) for a, n in zip(linear_cache, ("A_prev", "W", "b")))
        Z = check_array_2d(Z, "Z", finite=False)
        m = AL.shape[1]
        if Z.shape != (W.shape[0], m) or A_prev.shape != (W.shape[1], m) or b.shape != (W.shape[0], 1) or (
            n_prev is not None and W.shape[1] != n_prev
        ):
            raise ValueError(
                f"caches[{l - 1}] (layer {l}) does not fit the others: Z has shape {Z.shape}, W {W.shape}, b "
                f"{b.shape}, A_prev {A_prev.shape} for m = {m} examples. Pass the caches returned with AL."
            )
        if dropout and l < len(caches):
            D = np.asarray(D)
            if D.shape != Z.shape:
                raise ValueError(f"caches[{l - 1}].D must have the shape of Z[{l}], {Z.shape}; got {D.shape}.")
        n_prev = W.shape[0]
        checked.append(DropoutCache(LinearCache(A_prev, W, b), Z, D))
    if checked[-1].Z.shape != AL.shape:
        raise ValueError(f"The last cache's Z has shape {checked[-1].Z.shape} but AL has shape {AL.shape}.")
    return AL, Y, checked, hidden, output, loss


def backward_propagation_with_regularization(AL, Y, caches, lambd, hidden_activation="relu",
                                             output_activation="sigmoid", loss=None):
    """Backward propagation of the L2-regularized cost.

    As :func:`denseflow.core.propagation.model_backward`, then for every layer

    dW[l] = (1/m) dZ[l] A[l−1]ᵀ + (λ/m) W[l]   (db[l] is unchanged),

    the gradient of (1/m)(λ/2) Σ ‖W[l]‖²_F being (λ/m) W[l].

    The notebook's version takes ``(X, Y, cache, lambd)`` with one flat 3-layer cache; here the
    L-layer caches of :func:`denseflow.core.propagation.model_forward` carry X (as A[0] in the
    first linear cache), and AL is passed as ``model_backward`` takes it.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
    Y : ndarray of shape (n[L], m)
    caches : list of LayerCache
        From ``model_forward``.
    lambd : float
        λ ≥ 0.
    hidden_activation, output_activation : str
    loss : str, optional
        Defaults to the output's loss (binary cross-entropy for a sigmoid).

    Returns
    -------
    dict
        ``dW1 … dWL``, ``db1 … dbL`` (exactly ∂J/∂W[l], ∂J/∂b[l] of the regularized cost) and
        ``dA0 … dA{L−1}``.

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.core.propagation import model_backward, model_forward
    >>> params = {"W1": np.array([[1.0, -2.0]]), "b1": np.zeros((1, 1))}
    >>> X, Y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1, 0]])
    >>> AL, caches = model_forward(X, params)
    >>> plain = model_backward(AL, Y, caches)["dW1"]
    >>> backward_propagation_with_regularization(AL, Y, caches, lambd=0.4)["dW1"] - plain  # (0.4/2) W1
    array([[ 0.2, -0.4]])
    """
    owner = "backward_propagation_with_regularization"
    lambd = check_positive(lambd, "lambd", owner, allow_zero=True)
    AL, Y, caches, hidden, output, loss = _check_backward(
        AL, Y, caches, hidden_activation, output_activation, loss, owner, dropout=False
    )
    return _backward(AL, Y, caches, hidden, output, loss, None, lambd)


def backward_propagation_with_dropout(AL, Y, caches, keep_prob, hidden_activation="relu",
                                      output_activation="sigmoid", loss=None, lambd=0.0):
    """Backward propagation through inverted dropout.

    For l = L−1 … 1: dA[l] = W[l+1]ᵀ dZ[l+1], then dA[l] := dA[l] ⊙ D[l] / keep_prob[l] (the
    mask and scale of the forward pass), then dZ[l], dW[l], db[l] as without dropout.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
    Y : ndarray of shape (n[L], m)
    caches : list of DropoutCache
        From :func:`forward_propagation_with_dropout`.
    keep_prob : float or list of float
        The same as in the forward pass.
    hidden_activation, output_activation : str
    loss : str, optional
        Defaults to the output's loss.
    lambd : float, default 0
        λ ≥ 0 adds the L2 term (λ/m) W[l] to dW[l], for L2 and dropout together (the course
        uses them one at a time).

    Returns
    -------
    dict
        ``dW1 … dWL``, ``db1 … dbL``, and ``dA0 … dA{L−1}`` (dA[l] after the mask and scale).

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = np.ones((1, 4)), np.array([[1, 0, 1, 0]])
    >>> params = {"W1": np.ones((3, 1)), "b1": np.zeros((3, 1)), "W2": np.ones((1, 3)), "b2": np.zeros((1, 1))}
    >>> AL, caches = forward_propagation_with_dropout(X, params, keep_prob=0.5, seed=0)
    >>> grads = backward_propagation_with_dropout(AL, Y, caches, keep_prob=0.5)
    >>> bool(np.all((grads["dA1"] == 0) == ~caches[0].D))  # dropped units get no gradient
    True
    """
    owner = "backward_propagation_with_dropout"
    lambd = check_positive(lambd, "lambd", owner, allow_zero=True)
    AL, Y, caches, hidden, output, loss = _check_backward(
        AL, Y, caches, hidden_activation, output_activation, loss, owner, dropout=True
    )
    keep_probs = _keep_probs(keep_prob, len(caches) - 1, owner)
    return _backward(AL, Y, caches, hidden, output, loss, keep_probs, lambd)
