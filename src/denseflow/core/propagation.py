"""Forward and backward propagation, step by step, in the course's notation.

These are the functions a learner writes in the course's week-4 assignment, with the same names,
arguments and return values, so they can be compared line by line:

* forward: Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]), A[0] = X;
* backward: dZ[l] = dA[l] ⊙ g[l]'(Z[l]), dW[l] = (1/m) dZ[l] A[l−1]ᵀ,
  db[l] = (1/m) Σ_columns dZ[l], dA[l−1] = W[l]ᵀ dZ[l].

As in the course, ``dA`` and ``dZ`` are derivatives of the per-example loss (the 1/m of the cost
J appears in ``dW`` and ``db``), so ``dW`` and ``db`` are exactly ∂J/∂W[l] and ∂J/∂b[l], while
``dA[l]`` and ``dZ[l]`` equal m · ∂J/∂A[l] and m · ∂J/∂Z[l]. Each has the shape of its variable.

Caches are named, immutable records (:mod:`denseflow.core.caches`): :class:`LinearCache`
``(A_prev, W, b)`` and :class:`LayerCache` ``(linear_cache, Z)``. Plain tuples in the same order,
as the course passes them, are accepted too. ``update_parameters`` lives with the optimizers
(:mod:`denseflow.core.optimizers`) and is importable from here, as the course uses it.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.initializers import initialize_parameters
>>> from denseflow.core.propagation import model_forward, model_backward
>>> X = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
>>> Y = np.array([[1, 0, 1]])
>>> params = initialize_parameters([2, 3, 1], method="he", seed=0)
>>> AL, caches = model_forward(X, params)
>>> AL.shape, len(caches)
((1, 3), 2)
>>> grads = model_backward(AL, Y, caches)
>>> sorted(grads)
['dA0', 'dA1', 'dW1', 'dW2', 'db1', 'db2']
"""

from __future__ import annotations

import numpy as np

from denseflow.core.activations import Activation, get_activation
from denseflow.core.caches import (
    LayerCache,
    LinearCache,
    as_layer_cache,
    as_linear_cache,
)
from denseflow.core.losses import get_loss, output_dZ
from denseflow.core.validation import (
    check_array_2d,
    check_bias,
    check_parameters,
    check_X,
    check_XY,
    layer_count,
)

__all__ = [
    "linear_forward",
    "linear_activation_forward",
    "model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "model_backward",
    "num_layers",
]


def num_layers(parameters) -> int:
    """L, the number of layers with parameters (W1 … WL)."""
    return layer_count(parameters)


def _check_linear(A_prev, W, b):
    A_prev = check_array_2d(A_prev, "A_prev")
    W = check_array_2d(W, "W")
    b = check_array_2d(b, "b")
    if W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"W has shape {W.shape} but A_prev has {A_prev.shape[0]} rows: W[l] must have shape "
            f"(n[l], n[l-1]) = ({W.shape[0]}, {A_prev.shape[0]})."
        )
    check_bias(b, W.shape[0])
    return A_prev, W, b


# ---------------------------------------------------------------------------------------- forward


def _linear_forward(A_prev, W, b):
    Z = W @ A_prev + b  # Z[l] = W[l] A[l-1] + b[l]
    return Z, LinearCache(A_prev, W, b)


def linear_forward(A_prev, W, b):
    """Linear part of a layer's forward step.

    Z[l] = W[l] A[l−1] + b[l]

    Parameters
    ----------
    A_prev : ndarray, shape (n[l−1], m)
    W : ndarray, shape (n[l], n[l−1])
    b : ndarray, shape (n[l], 1)

    Returns
    -------
    Z : ndarray, shape (n[l], m)
    cache : LinearCache
        ``(A_prev, W, b)`` for the backward step.

    Examples
    --------
    >>> import numpy as np
    >>> Z, cache = linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1)))
    >>> Z
    array([[3., 3.]])
    """
    return _linear_forward(*_check_linear(A_prev, W, b))


def _layer_forward(A_prev, W, b, act: Activation):
    Z, linear_cache = _linear_forward(A_prev, W, b)
    A = act.forward(Z)  # A[l] = g[l](Z[l])
    return A, LayerCache(linear_cache, Z)


def linear_activation_forward(A_prev, W, b, activation="relu"):
    """One layer's forward step: the linear part, then the activation.

    A[l] = g[l](W[l] A[l−1] + b[l])

    Parameters
    ----------
    A_prev, W, b : ndarray
        As in :func:`linear_forward`.
    activation : str or Activation
        A name from :data:`denseflow.core.activations.ACTIVATIONS`.

    Returns
    -------
    A : ndarray, shape (n[l], m)
    cache : LayerCache
        ``(linear_cache, Z)``.

    Examples
    --------
    >>> import numpy as np
    >>> A, cache = linear_activation_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1)), "sigmoid")
    >>> A.round(4)
    array([[0.9526, 0.9526]])
    """
    act = get_activation(activation, "activation", "linear_activation_forward")
    return _layer_forward(*_check_linear(A_prev, W, b), act)


def _model_forward(X, parameters, hidden: Activation, output: Activation):
    caches = []
    A = X
    L = num_layers(parameters)
    for l in range(1, L + 1):
        act = output if l == L else hidden
        A, cache = _layer_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], act)
        caches.append(cache)
    return A, caches


def model_forward(X, parameters, hidden_activation="relu", output_activation="sigmoid"):
    """Forward propagation through L layers: [LINEAR → g]×(L−1) → LINEAR → output.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        ``{"W1", "b1", …, "WL", "bL"}``; W[l] must be (n[l], n[l−1]).
    hidden_activation : str, default 'relu'
    output_activation : str, default 'sigmoid'

    Returns
    -------
    AL : ndarray, shape (n[L], m)
        The output ŷ = A[L].
    caches : list of LayerCache
        One per layer, in order 1 … L.

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.core.initializers import initialize_parameters
    >>> params = initialize_parameters([2, 3, 1], method="random", seed=1, course=True)
    >>> AL, caches = model_forward(np.ones((2, 4)), params)
    >>> AL.shape
    (1, 4)
    """
    X = check_X(X)
    check_parameters(parameters, n_x=X.shape[0])
    hidden = get_activation(hidden_activation, "hidden_activation", "model_forward", hidden=True)
    output = get_activation(output_activation, "output_activation", "model_forward")
    return _model_forward(X, parameters, hidden, output)


def compute_cost(AL, Y, loss="binary_cross_entropy", ZL=None):
    """The cost J of the predictions ``AL`` against the labels ``Y``.

    Binary cross-entropy (the default):
    J = −(1/m) Σ [y log a + (1−y) log(1−a)].

    Parameters
    ----------
    AL : ndarray, shape (n_y, m)
        Predicted probabilities.
    Y : ndarray, shape (n_y, m)
        True labels (0/1, or one-hot for categorical cross-entropy).
    loss : str, default 'binary_cross_entropy'
        A name from :data:`denseflow.core.losses.LOSSES`.
    ZL : ndarray, optional
        Z[L]; when given, the cost is computed from it in a form that stays finite even for
        saturated outputs (|z| in the hundreds).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> compute_cost(np.array([[.8, .9, .4]]), np.array([[1, 1, 0]]))
    0.2797765635793422
    """
    loss = get_loss(loss, "loss", "compute_cost")
    AL, Y = check_XY(AL, Y, X_name="AL", Y_name="Y")
    if AL.shape != Y.shape:
        raise ValueError(f"AL and Y must have the same shape; got {AL.shape} and {Y.shape}.")
    loss.check_labels(Y, "Y")
    if ZL is not None:
        ZL = check_array_2d(ZL, "ZL", finite=False)
        if ZL.shape != AL.shape:
            raise ValueError(f"ZL must have the shape of AL, (n[L], m) = {AL.shape}; got {ZL.shape}.")
    return loss.cost(AL, Y, ZL)


# --------------------------------------------------------------------------------------- backward


def _linear_backward(dZ, cache: LinearCache, need_dA_prev=True):
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = (1.0 / m) * (dZ @ A_prev.T)  # dW[l] = (1/m) dZ[l] A[l-1]ᵀ
    db = (1.0 / m) * np.sum(dZ, axis=1, keepdims=True)  # db[l] = (1/m) Σ dZ[l], shape (n[l], 1)
    dA_prev = W.T @ dZ if need_dA_prev else None  # dA[l-1] = W[l]ᵀ dZ[l]
    return dA_prev, dW, db


def linear_backward(dZ, cache):
    """Linear part of a layer's backward step.

    dW[l] = (1/m) dZ[l] A[l−1]ᵀ,  db[l] = (1/m) Σ_i dZ[l](i),  dA[l−1] = W[l]ᵀ dZ[l]

    Parameters
    ----------
    dZ : ndarray, shape (n[l], m)
    cache : LinearCache or tuple
        ``(A_prev, W, b)`` from :func:`linear_forward`.

    Returns
    -------
    dA_prev : ndarray, shape (n[l−1], m)
    dW : ndarray, shape (n[l], n[l−1])
    db : ndarray, shape (n[l], 1)

    Examples
    --------
    >>> import numpy as np
    >>> _, cache = linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1)))
    >>> dA_prev, dW, db = linear_backward(np.array([[1.0, 3.0]]), cache)
    >>> dW, db
    (array([[2., 2., 2.]]), array([[2.]]))
    """
    cache = as_linear_cache(cache)
    A_prev, W, b = _check_linear(*cache)
    dZ = check_array_2d(dZ, "dZ")
    if dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dZ has shape {dZ.shape} but must have the shape of Z, (n[l], m) = ({W.shape[0]}, {A_prev.shape[1]})."
        )
    return _linear_backward(dZ, LinearCache(A_prev, W, b))


def _layer_backward(dA, cache: LayerCache, act: Activation, A=None, need_dA_prev=True):
    linear_cache, Z = cache
    if A is None and act.name in ("sigmoid", "tanh", "softmax"):
        A = act.forward(Z)
    dZ = act.backward(dA, Z, A)  # dZ[l] = dA[l] ⊙ g'(Z[l])
    return _linear_backward(dZ, linear_cache, need_dA_prev)


def linear_activation_backward(dA, cache, activation="relu"):
    """One layer's backward step: through the activation, then the linear part.

    dZ[l] = dA[l] ⊙ g[l]'(Z[l]), then :func:`linear_backward`.

    Parameters
    ----------
    dA : ndarray, shape (n[l], m)
    cache : LayerCache or tuple
        ``(linear_cache, Z)`` from :func:`linear_activation_forward`.
    activation : str or Activation

    Returns
    -------
    dA_prev, dW, db : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> A, cache = linear_activation_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1)), "relu")
    >>> linear_activation_backward(np.array([[1.0, 1.0]]), cache, "relu")[1]
    array([[1., 1., 1.]])
    """
    act = get_activation(activation, "activation", "linear_activation_backward")
    cache = as_layer_cache(cache)
    A_prev, W, b = _check_linear(*cache.linear_cache)
    dA = check_array_2d(dA, "dA")
    Z = check_array_2d(cache.Z, "Z", finite=False)
    if dA.shape != Z.shape or Z.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dA has shape {dA.shape} and Z has shape {Z.shape}; both must be (n[l], m) = "
            f"({W.shape[0]}, {A_prev.shape[1]})."
        )
    return _layer_backward(dA, LayerCache(LinearCache(A_prev, W, b), Z), act)


def _model_backward(AL, Y, caches, hidden: Activation, output: Activation, loss, need_dA0=True):
    grads = {}
    L = len(caches)
    linear_cache, ZL = caches[-1]
    # Output layer: dZ[L] = AL − Y where that is exact (sigmoid + BCE, softmax + CCE);
    # otherwise dA[L] from the loss, then through the output activation.
    dZ = output_dZ(loss, output, AL, Y, ZL)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, linear_cache, need_dA0 or L > 1)
    grads[f"dA{L - 1}"] = dA_prev
    for l in range(L - 1, 0, -1):
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = _layer_backward(
            grads[f"dA{l}"], caches[l - 1], hidden, need_dA_prev=need_dA0 or l > 1
        )
        grads[f"dA{l - 1}"] = dA_prev
    if not need_dA0:
        grads.pop("dA0", None)
    return grads


def model_backward(AL, Y, caches, hidden_activation="relu", output_activation="sigmoid", loss=None):
    """Backward propagation through L layers.

    The output layer starts from dZ[L] = AL − Y when the (output activation, loss) pair makes that
    exact — (sigmoid, binary cross-entropy) and (softmax, categorical cross-entropy) — and from
    dA[L] = −(Y/AL − (1−Y)/(1−AL)) (or the loss's own dA[L]) otherwise.

    Parameters
    ----------
    AL : ndarray, shape (n[L], m)
    Y : ndarray, shape (n[L], m)
    caches : list of LayerCache or tuples
        From :func:`model_forward`.
    hidden_activation, output_activation : str
    loss : str, optional
        Defaults to binary cross-entropy, or categorical cross-entropy for a softmax output.

    Returns
    -------
    dict
        ``dW1 … dWL``, ``db1 … dbL`` (exactly ∂J/∂W[l], ∂J/∂b[l]) and ``dA0 … dA{L−1}``
        (``dA{l}`` is the course's dA[l] = m · ∂J/∂A[l]).

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.core.initializers import initialize_parameters
    >>> params = initialize_parameters([2, 1], method="zeros")
    >>> AL, caches = model_forward(np.ones((2, 2)), params)
    >>> model_backward(AL, np.array([[1, 0]]), caches)["db1"]
    array([[0.]])
    """
    hidden = get_activation(hidden_activation, "hidden_activation", "model_backward", hidden=True)
    output = get_activation(output_activation, "output_activation", "model_backward")
    loss = get_loss(loss, "loss", "model_backward", output=output)
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise TypeError("caches must be the non-empty list returned by model_forward.")
    caches = [as_layer_cache(c) for c in caches]
    AL, Y = check_XY(AL, Y, X_name="AL", Y_name="Y")
    if AL.shape != Y.shape:
        raise ValueError(f"AL and Y must have the same shape (n[L], m); got {AL.shape} and {Y.shape}.")
    loss.check_labels(Y, "Y")
    n_prev = None
    for l, cache in enumerate(caches, start=1):
        A_prev, W, b = cache.linear_cache
        Z = np.asarray(cache.Z)
        expected = (np.shape(W)[0], AL.shape[1]) if np.ndim(W) == 2 else None
        if expected is None or Z.shape != expected or np.shape(A_prev) != (np.shape(W)[1], AL.shape[1]) or (
            n_prev is not None and np.shape(W)[1] != n_prev
        ):
            raise ValueError(
                f"caches[{l - 1}] (layer {l}) does not fit the others: Z has shape {Z.shape}, W {np.shape(W)}, "
                f"A_prev {np.shape(A_prev)} for m = {AL.shape[1]} examples. Pass the caches that "
                f"model_forward returned with AL."
            )
        n_prev = np.shape(W)[0]
    if caches[-1].Z.shape != AL.shape:
        raise ValueError(f"The last cache's Z has shape {caches[-1].Z.shape} but AL has shape {AL.shape}.")
    return _model_backward(AL, Y, caches, hidden, output, loss)
