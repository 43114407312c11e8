"""Activation functions g(z), each kept beside its derivative.

One :class:`Activation` record per function holds

* ``forward(Z) -> A``, the activation A = g(Z);
* ``derivative(Z, A) -> g'(Z)``, elementwise (``A`` is passed so that sigmoid and tanh reuse it);
* ``backward(dA, Z, A) -> dZ``, the chain rule dZ = dA * g'(Z) (softmax, whose Jacobian is not
  diagonal, overrides it).

The registry :data:`ACTIVATIONS` maps names to records; :func:`get_activation` resolves a name
(or passes a record through) and lists the valid names when it does not know one.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.activations import get_activation
>>> relu = get_activation("relu")
>>> relu.forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
>>> relu.backward(np.array([[5.0, 5.0]]), np.array([[-1.0, 2.0]]), None)
array([[0., 5.]])
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy.special import expit
from scipy.special import softmax as _softmax

from denseflow.core.validation import check_choice, check_positive

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "leaky_relu", "HIDDEN_ACTIVATIONS"]


class Activation(NamedTuple):
    """A forward function and its derivative, kept together.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"relu"``.
    forward : callable
        ``forward(Z) -> A = g(Z)``.
    derivative : callable
        ``derivative(Z, A) -> g'(Z)`` elementwise; ``None`` for softmax.
    backward : callable
        ``backward(dA, Z, A) -> dZ``.
    params : tuple
        Extra parameters (``(("slope", 0.01),)`` for leaky ReLU).
    """

    name: str
    forward: Callable
    derivative: Callable | None
    backward: Callable
    params: tuple = ()


def _elementwise(name, forward, derivative, params=()):
    def backward(dA, Z, A):
        return dA * derivative(Z, A)

    return Activation(name, forward, derivative, backward, params)


# sigmoid: σ(z) = 1 / (1 + e^{-z}); σ'(z) = σ(z)(1 − σ(z)). expit never overflows.
SIGMOID = _elementwise("sigmoid", expit, lambda Z, A: A * (1.0 - A))

# tanh: tanh'(z) = 1 − tanh²(z).
TANH = _elementwise("tanh", np.tanh, lambda Z, A: 1.0 - A * A)


def _relu(Z):
    return np.maximum(Z, 0)


def _relu_backward(dA, Z, A):
    # ReLU'(z) = 1 if z > 0 else 0 (0 at z = 0, as the course's relu_backward).
    return np.where(Z > 0, dA, 0).astype(dA.dtype, copy=False)


RELU = Activation("relu", _relu, lambda Z, A: (Z > 0).astype(Z.dtype), _relu_backward)


def leaky_relu(slope: float = 0.01) -> Activation:
    """Leaky ReLU g(z) = z if z > 0 else slope·z, with g'(z) = 1 or slope.

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu(0.1).forward(np.array([[-2.0, 3.0]]))
    array([[-0.2,  3. ]])
    """
    slope = check_positive(slope, "slope", "leaky_relu", allow_zero=True)

    def forward(Z):
        return np.where(Z > 0, Z, slope * Z)

    def derivative(Z, A):
        return np.where(Z > 0, 1.0, slope).astype(Z.dtype, copy=False)

    return _elementwise("leaky_relu", forward, derivative, (("slope", slope),))


LEAKY_RELU = leaky_relu(0.01)

# identity / linear: g(z) = z, g'(z) = 1.
IDENTITY = Activation("identity", lambda Z: Z.copy(), lambda Z, A: np.ones_like(Z), lambda dA, Z, A: dA.copy())


def _softmax_forward(Z):
    # softmax(z)_k = e^{z_k} / Σ_j e^{z_j}, per column (one column per example).
    return _softmax(Z, axis=0)


def _softmax_backward(dA, Z, A):
    # Jacobian-vector product: dZ = A ⊙ (dA − Σ_k dA_k A_k), column by column.
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


SOFTMAX = Activation("softmax", _softmax_forward, None, _softmax_backward)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (SIGMOID, TANH, RELU, LEAKY_RELU, IDENTITY, SOFTMAX)
}
ACTIVATIONS["linear"] = IDENTITY._replace(name="linear")

#: Names that make sense for hidden layers (softmax is an output activation).
HIDDEN_ACTIVATIONS = tuple(n for n in ACTIVATIONS if n != "softmax")


def get_activation(activation, param: str = "activation", owner: str = "denseflow", *, hidden=False) -> Activation:
    """Resolve ``activation`` (a registry name or an :class:`Activation`) to a record.

    Raises ``ValueError`` naming the valid names (taken from :data:`ACTIVATIONS`) when the
    name is unknown.

    Examples
    --------
    >>> get_activation("tanh").name
    'tanh'
    """
    if isinstance(activation, Activation):
        return activation
    names = HIDDEN_ACTIVATIONS if hidden else tuple(ACTIVATIONS)
    check_choice(activation, names, param, owner)
    return ACTIVATIONS[activation]
