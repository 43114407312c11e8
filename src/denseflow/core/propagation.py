"""Forward and backward propagation, step by step, in the course's notation.

These are the functions a learner writes in the course's week-3 and week-4 assignments, with the
same names, arguments and return values, so they can be compared line by line:

* forward: Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]), A[0] = X;
* backward: dZ[l] = dA[l] ⊙ g[l]'(Z[l]), dW[l] = (1/m) dZ[l] A[l−1]ᵀ,
  db[l] = (1/m) Σ_columns dZ[l], dA[l−1] = W[l]ᵀ dZ[l].

As in the course, ``dA`` and ``dZ`` are derivatives of the per-example loss (the 1/m of the cost
J appears in ``dW`` and ``db``), so ``dW`` and ``db`` are exactly ∂J/∂W[l] and ∂J/∂b[l], while
``dA[l]`` and ``dZ[l]`` equal m · ∂J/∂A[l] and m · ∂J/∂Z[l]. Each has the shape of its variable.

Two ways to start the backward pass at the output layer, and where each is used:

* **the notes' path** — :func:`model_backward` (the course's ``L_model_backward``): first
  dA[L] = −(Y/AL − (1−Y)/(1−AL)), then dZ[L] = dA[L] ⊙ σ'(Z[L]) with σ' taken from the
  cached Z[L], exactly as the notes' ``sigmoid_backward`` does. It reproduces the course's
  published test, whose AL is not σ(Z[L]). :func:`linear_activation_backward` always takes
  this path (g' from the cached Z[l]).
* **the fused path** dZ[L] = AL − Y, exact for (sigmoid, binary cross-entropy) and (softmax,
  categorical cross-entropy) when AL = g(Z[L]): the week-3 network's
  :func:`backward_propagation` (as the week-3 notes write it), the softmax output of
  :func:`model_backward` (as course 2 writes dZ[L] = ŷ − y), the training engines
  (:mod:`denseflow.training`; the fast engine computes it in place) and the course-2 models of
  :mod:`denseflow.reproduce` (through the private ``_model_backward``). On a consistent forward
  pass (AL = σ(Z[L])) both paths agree to rounding: relative differences below 1e-13.

The week-3 network has its own pair, with the notes' dictionary cache ``{"Z1", "A1", "Z2",
"A2"}``: :func:`layer_sizes`, :func:`forward_propagation` and :func:`backward_propagation`
(which uses the cached A[1] in tanh'(Z[1]) = 1 − A[1]², as the notes do).

Caches are named, immutable records (:mod:`denseflow.core.caches`): :class:`LinearCache`
``(A_prev, W, b)`` and :class:`LayerCache` ``(linear_cache, Z)``. Plain tuples in the same order,
as the course passes them, are accepted too. ``update_parameters`` lives with the optimizers
(:func:`denseflow.core.optimizers.update_parameters`).

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

from collections.abc import Mapping

import numpy as np

from denseflow.core.activations import ACTIVATIONS, Activation, get_activation
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
    check_binary_labels,
    check_parameters,
    check_X,
    check_XY,
    layer_count,
)

__all__ = [
    "backward_propagation",
    "compute_cost",
    "forward_propagation",
    "layer_sizes",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "model_backward",
    "model_forward",
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
        A = act.forward(Z)  # g'(Z[l]) from the cached Z[l], as the notes' sigmoid_backward
    dZ = act.backward(dA, Z, A)  # dZ[l] = dA[l] ⊙ g'(Z[l])
    return _linear_backward(dZ, linear_cache, need_dA_prev)


def linear_activation_backward(dA, cache, activation="relu"):
    """One layer's backward step: through the activation, then the linear part.

    dZ[l] = dA[l] ⊙ g[l]'(Z[l]), then :func:`linear_backward`.

    This is the notes' path, never the fused one: g'(Z[l]) is computed from the cached Z[l]
    (``sigmoid_backward``: s = σ(Z), dZ = dA · s(1 − s); ``relu_backward``: dZ = dA where
    Z > 0, else 0), whatever A the forward pass produced.

    Parameters
    ----------
    dA : ndarray, shape (n[l], m)
    cache : LayerCache or tuple
        ``(linear_cache, Z)`` from :func:`linear_activation_forward`.
    activation : str or Activation

    Returns
    -------
    dA_prev : ndarray, shape (n[l−1], m)
    dW : ndarray, shape (n[l], n[l−1])
    db : ndarray, shape (n[l], 1)

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


def _hidden_backward(grads, dA, caches, hidden: Activation, need_dA0):
    """Layers L−1 … 1: ``dA`` is dA[L−1]; fills ``grads`` with dW[l], db[l], dA[l−1]."""
    for l in range(len(caches) - 1, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _layer_backward(
            dA, caches[l - 1], hidden, need_dA_prev=need_dA0 or l > 1
        )
        grads[f"dA{l - 1}"] = dA
    if not need_dA0:
        grads.pop("dA0", None)
    return grads


def _model_backward(AL, Y, caches, hidden: Activation, output: Activation, loss, need_dA0=True):
    """The fused path, for training: dZ[L] = AL − Y where that is exact (sigmoid + BCE, softmax +
    CCE; :func:`denseflow.core.losses.output_dZ`), dA[L] through g' otherwise.

    The course-2 models of :mod:`denseflow.reproduce` use it, and the training engines compute the
    same numbers (``ReferenceEngine.gradients`` with these helpers, the fast engine in place, bit
    for bit): it is what the week-3 notes and course 2 write for the update, and it stays finite
    when AL saturates to exactly 0 or 1. :func:`model_backward` takes the notes' path instead.
    """
    grads = {}
    L = len(caches)
    linear_cache, ZL = caches[-1]
    dZ = output_dZ(loss, output, AL, Y, ZL)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, linear_cache, need_dA0 or L > 1)
    grads[f"dA{L - 1}"] = dA_prev
    return _hidden_backward(grads, dA_prev, caches, hidden, need_dA0)


def _notes_model_backward(AL, Y, caches, hidden: Activation, output: Activation, loss):
    """The notes' path (``L_model_backward``): dA[L] from AL, then dZ[L] = dA[L] ⊙ g'(Z[L])."""
    grads = {}
    L = len(caches)
    linear_cache, ZL = caches[-1]
    if output.name == "softmax":
        # Course 2 writes the softmax output's gradient fused, dZ[L] = ŷ − y (CCE only).
        dZ = output_dZ(loss, output, AL, Y, ZL)
    else:
        A = output.forward(ZL) if output.name in ("sigmoid", "tanh") else None  # g'(Z[L]) from Z[L]
        with np.errstate(divide="ignore", invalid="ignore"):
            dAL = loss.dAL(AL, Y)  # BCE: dA[L] = −(Y/AL − (1−Y)/(1−AL))
            dZ = output.backward(dAL, ZL, A)  # dZ[L] = dA[L] ⊙ σ(Z[L])(1 − σ(Z[L]))
        if output.name == "sigmoid" and loss.name == "binary_cross_entropy":
            # Where σ(Z[L]) rounds to exactly 0 or 1 (and AL is that value), the product is ∞ · 0
            # in float64; its limit, the exact value, is AL − Y.
            saturated = _saturated(AL, A)
            if saturated.any():
                dZ = np.where(saturated, AL - Y, dZ)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, linear_cache, True)
    grads[f"dA{L - 1}"] = dA_prev
    return _hidden_backward(grads, dA_prev, caches, hidden, True)


def _saturated(AL, A):
    """Entries where AL is a sigmoid output σ(Z[L]) = A that rounded to exactly 0 or 1."""
    return ((AL == 0) | (AL == 1)) & (AL == A)


def _check_sigmoid_AL(AL, ZL, loss):
    """A sigmoid output's AL must be a probability: in (0, 1) for binary cross-entropy, whose
    dA[L] divides by AL and 1 − AL (exactly 0 or 1 only where σ(Z[L]) rounds to it); in [0, 1] for
    any other loss (σ never leaves it)."""
    open_interval = loss.name == "binary_cross_entropy"
    if open_interval:
        bad = ((AL <= 0) | (AL >= 1)) & ~_saturated(AL, ACTIVATIONS["sigmoid"].forward(ZL))
    else:
        bad = (AL < 0) | (AL > 1)
    if not bad.any():
        return
    i, j = np.argwhere(bad)[0]
    if open_interval:
        rule = ("strictly between 0 and 1 (the notes' dA[L] = −(Y/AL − (1−Y)/(1−AL)) divides by AL and "
                "1 − AL; exactly 0 or 1 only where σ of the cached Z[L] rounds to it)")
    else:
        rule = "between 0 and 1 (σ(z) never leaves [0, 1])"
    raise ValueError(
        f"The 'AL' parameter of model_backward must hold the sigmoid output's probabilities, {rule}. "
        f"Got AL[{i}, {j}] = {float(AL[i, j])!r} ({int(bad.sum())} of {AL.size} values outside). "
        f"Pass the AL that model_forward returned with these caches, or pass check_AL=False to apply "
        f"the formula to this AL as written (the course's L_model_backward test does)."
    )


def model_backward(AL, Y, caches, hidden_activation="relu", output_activation="sigmoid", loss=None, *,
                   check_AL=True):
    """Backward propagation through L layers, as the notes' ``L_model_backward`` writes it.

    The notes' path (see the module's notes on the two paths): the output layer starts from the
    loss's dA[L] — for binary cross-entropy dA[L] = −(Y/AL − (1−Y)/(1−AL)) — then
    dZ[L] = dA[L] ⊙ g'(Z[L]) with g' from the cached Z[L] (σ'(z) = σ(z)(1 − σ(z))); each hidden
    layer then takes :func:`linear_activation_backward`. A softmax output takes course 2's
    dZ[L] = AL − Y. The training engines use the fused dZ[L] = AL − Y for a sigmoid output as
    well; on a consistent forward pass (AL = σ(Z[L])) the two agree to rounding.

    Where σ(Z[L]) rounds to exactly 1 in float64 (z > 36.7) or to 0 (z < −744) and AL is that
    value, dA[L] ⊙ σ'(Z[L]) is ∞ · 0; there dZ[L] is its limit, AL − Y, so a saturated forward
    pass still gets finite, exact gradients.

    Parameters
    ----------
    AL : ndarray, shape (n[L], m)
        The output A[L] of :func:`model_forward`.
    Y : ndarray, shape (n[L], m)
    caches : list of LayerCache or tuples
        From :func:`model_forward`.
    hidden_activation, output_activation : str
    loss : str, optional
        Defaults to binary cross-entropy, or categorical cross-entropy for a softmax output.
    check_AL : bool, default True
        With a sigmoid output, reject an AL that is not a probability: outside the open interval
        (0, 1) with binary cross-entropy, where dA[L] is infinite or meaningless (exactly 0 or 1
        is accepted only where it is σ of the cached Z[L], rounded: a saturated output), and
        outside [0, 1] with any other loss. ``check_AL=False`` applies the formula to any AL as
        written: the course's published ``L_model_backward`` test passes AL = [[1.7886, 0.4365]],
        which is no probability, and its expected gradients come out only this way (an AL of
        exactly 0 or 1 that is not σ(Z[L]) then gives inf or NaN).

    Returns
    -------
    dict
        ``dW1 … dWL``, ``db1 … dbL`` (exactly ∂J/∂W[l], ∂J/∂b[l]) and ``dA0 … dA{L−1}``
        (``dA{l}`` is the course's dA[l] = m · ∂J/∂A[l]).

    Raises
    ------
    ValueError
        With a sigmoid output and ``check_AL``, an AL outside (0, 1) that is not a saturated
        σ(Z[L]) (outside [0, 1] for a loss other than binary cross-entropy); shapes that do not
        fit the caches; labels the loss is not defined for.

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.core.initializers import initialize_parameters
    >>> params = initialize_parameters([2, 1], method="zeros")
    >>> AL, caches = model_forward(np.ones((2, 2)), params)
    >>> model_backward(AL, np.array([[1, 0]]), caches)["db1"]
    array([[0.]])

    The course's test passes an AL that is no probability; it needs ``check_AL=False``:

    >>> Z = np.array([[0.2, -0.4]])
    >>> caches = [((np.ones((1, 2)), np.ones((1, 1)), np.zeros((1, 1))), Z)]
    >>> model_backward(np.array([[1.5, 0.4]]), np.array([[1, 0]]), caches)
    Traceback (most recent call last):
    ...
    ValueError: The 'AL' parameter of model_backward must hold the sigmoid output's probabilities, ...
    >>> model_backward(np.array([[1.5, 0.4]]), np.array([[1, 0]]), caches, check_AL=False)["db1"].round(6)
    array([[0.117712]])
    """
    hidden = get_activation(hidden_activation, "hidden_activation", "model_backward", hidden=True)
    output = get_activation(output_activation, "output_activation", "model_backward")
    loss = get_loss(loss, "loss", "model_backward", output=output)
    if not isinstance(check_AL, (bool, np.bool_)):
        raise TypeError(f"The 'check_AL' parameter of model_backward must be True or False. Got {check_AL!r} instead.")
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise TypeError("caches must be the non-empty list returned by model_forward.")
    caches = [as_layer_cache(c) for c in caches]
    AL, Y = check_XY(AL, Y, X_name="AL", Y_name="Y")
    if AL.shape != Y.shape:
        raise ValueError(f"AL and Y must have the same shape (n[L], m); got {AL.shape} and {Y.shape}.")
    loss.check_labels(Y, "Y")
    n_prev = None
    for l, cache in enumerate(caches, start=1):
        A_prev, W, _b = cache.linear_cache
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
    if check_AL and output.name == "sigmoid":
        _check_sigmoid_AL(AL, np.asarray(caches[-1].Z), loss)
    return _notes_model_backward(AL, Y, caches, hidden, output, loss)


# ------------------------------------------------------------ week 3: the one-hidden-layer network


def layer_sizes(X, Y):
    """The week-3 network's layer sizes: n_x inputs, n_h = 4 hidden units, n_y outputs.

    As the week-3 notes' ``layer_sizes``: n_x = X.shape[0], n_y = Y.shape[0], and the hidden
    size is fixed at 4 (the notebook's choice, later varied over 1, 2, 3, 4, 5, 20, 50).

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        The inputs, one column per example.
    Y : ndarray, shape (n_y, m)
        The labels, one column per example.

    Returns
    -------
    n_x, n_h, n_y : int

    Examples
    --------
    >>> import numpy as np
    >>> layer_sizes(np.zeros((5, 3)), np.zeros((2, 3)))
    (5, 4, 2)
    """
    X, Y = check_XY(X, Y, owner="layer_sizes")
    return int(X.shape[0]), 4, int(Y.shape[0])


def _check_shallow(parameters, X, owner):
    L = check_parameters(parameters)
    if L != 2:
        raise ValueError(
            f"The 'parameters' parameter of {owner} must hold one hidden layer, 'W1', 'b1', 'W2', 'b2' "
            f"(the week-3 network). Got {L} layers instead. Use model_forward / model_backward for L layers."
        )
    X = check_X(X, np.shape(parameters["W1"])[1], owner=owner)
    return X, {k: np.asarray(parameters[k], dtype=float) for k in ("W1", "b1", "W2", "b2")}


def forward_propagation(X, parameters):
    """The week-3 network's forward pass: [LINEAR → tanh] → LINEAR → sigmoid.

    Z[1] = W[1] X + b[1],  A[1] = tanh(Z[1]),  Z[2] = W[2] A[1] + b[2],  A[2] = σ(Z[2])

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).

    Returns
    -------
    A2 : ndarray, shape (n_y, m)
        The output ŷ = σ(Z[2]).
    cache : dict
        ``{"Z1", "A1", "Z2", "A2"}``, as the notes' cache, for :func:`backward_propagation`.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.zeros((4, 2)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 4)), "b2": np.zeros((1, 1))}
    >>> A2, cache = forward_propagation(np.ones((2, 3)), params)
    >>> A2, sorted(cache)
    (array([[0.5, 0.5, 0.5]]), ['A1', 'A2', 'Z1', 'Z2'])
    """
    X, p = _check_shallow(parameters, X, "forward_propagation")
    A1, (_, Z1) = _layer_forward(X, p["W1"], p["b1"], ACTIVATIONS["tanh"])
    A2, (_, Z2) = _layer_forward(A1, p["W2"], p["b2"], ACTIVATIONS["sigmoid"])
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def backward_propagation(parameters, cache, X, Y):
    """The week-3 network's backward pass, as the notes write it.

    dZ[2] = A[2] − Y,  dW[2] = (1/m) dZ[2] A[1]ᵀ,  db[2] = (1/m) Σ dZ[2],
    dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²),  dW[1] = (1/m) dZ[1] Xᵀ,  db[1] = (1/m) Σ dZ[1]

    The fused path: the output starts from dZ[2] = A[2] − Y (sigmoid with binary cross-entropy),
    and tanh'(Z[1]) = 1 − A[1]² is taken from the cached A[1] — Z[1] is not used — as in the
    course's ``backward_propagation``. On a cache from :func:`forward_propagation` the gradients are
    bit for bit those of the training engines (:class:`~denseflow.models.ShallowNetwork`).

    Parameters
    ----------
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).
    cache : dict
        ``{"A1": (n_h, m), "A2": (n_y, m), …}`` from :func:`forward_propagation`.
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
        Labels 0/1 (booleans too).

    Returns
    -------
    grads : dict
        ``dW1``, ``db1``, ``dW2``, ``db2``, each the shape of its parameter.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.zeros((4, 2)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 4)), "b2": np.zeros((1, 1))}
    >>> X, Y = np.ones((2, 2)), np.array([[1, 1]])
    >>> A2, cache = forward_propagation(X, params)
    >>> grads = backward_propagation(params, cache, X, Y)
    >>> grads["db2"], grads["dW1"].shape
    (array([[-0.5]]), (4, 2))
    """
    owner = "backward_propagation"
    X, p = _check_shallow(parameters, X, owner)
    if not isinstance(cache, Mapping) or "A1" not in cache or "A2" not in cache:
        raise TypeError(
            f"The 'cache' parameter of {owner} must be the dict {{'Z1', 'A1', 'Z2', 'A2'}} that "
            f"forward_propagation returns. Got {type(cache).__name__}"
            f"{' with keys ' + repr(sorted(cache)) if isinstance(cache, Mapping) else ''} instead."
        )
    m = X.shape[1]
    n_h, n_y = p["W1"].shape[0], p["W2"].shape[0]
    Y = check_array_2d(Y, "Y")
    A1 = check_array_2d(cache["A1"], "cache['A1']")
    A2 = check_array_2d(cache["A2"], "cache['A2']")
    for name, arr, shape in (("Y", Y, (n_y, m)), ("cache['A1']", A1, (n_h, m)), ("cache['A2']", A2, (n_y, m))):
        if arr.shape != shape:
            raise ValueError(
                f"{name} has shape {arr.shape} but {owner} expects {shape} for these parameters and "
                f"m = {m} examples. Pass the cache forward_propagation returned for this X."
            )
    check_binary_labels(Y, "Y")
    dZ2 = A2 - Y  # dZ[2] = A[2] − Y (fused: sigmoid with binary cross-entropy)
    dA1, dW2, db2 = _linear_backward(dZ2, LinearCache(A1, p["W2"], p["b2"]))  # dA[1] = W[2]ᵀ dZ[2]
    dZ1 = dA1 * (1.0 - np.power(A1, 2))  # dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²), from the cached A[1]
    _, dW1, db1 = _linear_backward(dZ1, LinearCache(X, p["W1"], p["b1"]), need_dA_prev=False)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
