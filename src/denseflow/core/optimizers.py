"""Optimizers: the course's update rules, step by step, and as pure ``init`` / ``update`` pairs.

Two views of the same arithmetic (course 2, week 2 "Optimization Methods"):

* **the course's functions**, with its names, arguments and return values, on parameter dicts
  ``{"W1", "b1", …}`` and state dicts keyed like the gradients (``{"dW1", "db1", …}``):
  :func:`update_parameters` / :func:`update_parameters_with_gd`, :func:`initialize_velocity` /
  :func:`update_parameters_with_momentum`, :func:`initialize_rmsprop` /
  :func:`update_parameters_with_rmsprop`, :func:`initialize_adam` /
  :func:`update_parameters_with_adam`. They return new dicts and leave their inputs unchanged
  (the notebooks update in place).
* **pure optimizers** (optax's shape): ``init(params) -> state`` and
  ``update(grads, state, params, learning_rate=None) -> (params, state)`` over an explicit,
  immutable NamedTuple state, so a run can be checkpointed and replayed from
  (parameters, state, iteration) alone: :func:`gradient_descent`, :func:`momentum`,
  :func:`rmsprop`, :func:`adam`. The registry :data:`OPTIMIZERS` maps the names 'gd',
  'momentum', 'rmsprop' and 'adam' to them; :func:`get_optimizer` builds one by name.

The learning rate is given when an optimizer is built; ``update(..., learning_rate=α_t)``
overrides it for that one step (a learning-rate schedule passes the epoch's α_t, see
:mod:`denseflow.core.schedules`). Both views compute the same floating-point operations in the
same order as the notebooks, so they agree bit for bit.

==========  ====================================================================================
rule        one step for every parameter θ ∈ {W[l], b[l]} with gradient dθ (l = 1 … L, W before b)
==========  ====================================================================================
gd          θ := θ − α dθ
momentum    v := β v + (1 − β) dθ;  θ := θ − α v
rmsprop     s := β s + (1 − β) dθ²;  θ := θ − α dθ / (√s + ε)
adam        v := β₁ v + (1 − β₁) dθ,  v̂ = v / (1 − β₁ᵗ);  s := β₂ s + (1 − β₂) dθ²,
            ŝ = s / (1 − β₂ᵗ);  θ := θ − α v̂ / (√ŝ + ε)   (t = 1, 2, …: the step count)
==========  ====================================================================================

Examples
--------
>>> import numpy as np
>>> opt = gradient_descent(0.1)
>>> params = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
>>> state = opt.init(params)
>>> params, state = opt.update({"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, state, params)
>>> params["W1"], state.step
(array([[0.9, 0.9]]), 1)
>>> opt = get_optimizer("adam", learning_rate=0.01)
>>> state = opt.init(params)
>>> params, state = opt.update({"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, state, params)
>>> params["W1"], state.step, state.v["dW1"]
(array([[0.89, 0.89]]), 1, array([[0.1, 0.1]]))
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Callable, NamedTuple

import numpy as np

from denseflow.core.validation import (
    check_choice,
    check_parameters,
    check_positive,
    check_positive_int,
    layer_count,
)

__all__ = [
    "Optimizer",
    "OptimizerSpec",
    "OPTIMIZERS",
    "get_optimizer",
    "GradientDescentState",
    "MomentumState",
    "RMSpropState",
    "AdamState",
    "gradient_descent",
    "momentum",
    "rmsprop",
    "adam",
    "update_parameters",
    "update_parameters_with_gd",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_rmsprop",
    "update_parameters_with_rmsprop",
    "initialize_adam",
    "update_parameters_with_adam",
]


class Optimizer(NamedTuple):
    """A pair of pure functions.

    Attributes
    ----------
    init : callable
        ``init(params) -> state``.
    update : callable
        ``update(grads, state, params, learning_rate=None) -> (new_params, new_state)``; the
        inputs are not modified. ``learning_rate`` overrides the one given at construction for
        this step (a schedule's α_t).
    name : str
        The registry name ('gd', 'momentum', 'rmsprop', 'adam'); 'gradient_descent' for
        :func:`gradient_descent`, as before.
    hyperparameters : tuple of (name, value)
        What the optimizer was built with, e.g. ``(("learning_rate", 0.01), ("beta", 0.9))``.
    """

    init: Callable
    update: Callable
    name: str = "optimizer"
    hyperparameters: tuple = ()


class GradientDescentState(NamedTuple):
    """Gradient descent keeps only the number of steps taken."""

    step: int = 0


class MomentumState(NamedTuple):
    """Momentum's state: the step count and the velocity v, keyed like the gradients ('dW1', 'db1', …)."""

    step: int
    v: dict


class RMSpropState(NamedTuple):
    """RMSprop's state: the step count and s, the moving average of dθ², keyed 'dW1', 'db1', …"""

    step: int
    s: dict


class AdamState(NamedTuple):
    """Adam's state: the step count t and the two moving averages v (of dθ) and s (of dθ²)."""

    step: int
    v: dict
    s: dict


# ------------------------------------------------------------------------------------ helpers


def _check_beta(beta, param: str, owner: str) -> float:
    """β in [0, 1): the weight of the past in an exponentially weighted average."""
    beta = check_positive(beta, param, owner, allow_zero=True)
    if beta >= 1:
        raise ValueError(f"The {param!r} parameter of {owner} must be a number in [0, 1). Got {beta!r} instead.")
    return beta


def _course_layers(parameters, strict: bool) -> int:
    """L of a parameter dict {"W1", "b1", …}. ``strict`` also checks that the layers chain
    (W[l] is (n[l], n[l−1]), b[l] is (n[l], 1)); the course-2 update rules only need every
    parameter to have a gradient of its shape (the notebook's old test case has W1 (2, 3) and
    W2 (3, 3))."""
    if strict:
        return check_parameters(parameters)
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a dict with keys 'W1', 'b1', ...; got {type(parameters).__name__}.")
    L = layer_count(parameters)
    if L == 0:
        raise ValueError(f"parameters must hold 'W1', 'b1', ... as the course names them; got keys {sorted(parameters)}.")
    for l in range(1, L + 1):
        if f"b{l}" not in parameters:
            raise ValueError(f"parameters has 'W{l}' but no 'b{l}'.")
    return L


def _check_grads(parameters, grads, owner: str, strict: bool = False):
    """The course's parameter dict and a gradient of the same shape for each parameter; return L."""
    L = _course_layers(parameters, strict)
    for l in range(1, L + 1):
        for p in ("W", "b"):
            g = grads.get(f"d{p}{l}") if hasattr(grads, "get") else None
            if g is None:
                raise ValueError(f"grads is missing 'd{p}{l}'; pass the dict returned by model_backward.")
            if np.shape(g) != np.shape(parameters[f"{p}{l}"]):
                raise ValueError(
                    f"d{p}{l} has shape {np.shape(g)} but {p}{l} has shape {np.shape(parameters[f'{p}{l}'])}; "
                    f"a gradient must have the shape of its parameter."
                )
    return L


def _check_state(state, parameters, name: str, L: int, owner: str, init: str):
    """A state dict ('dW1', 'db1', …) with one array per parameter, of the parameter's shape."""
    if not hasattr(state, "get"):
        raise TypeError(f"{name} must be the dict returned by {init}; got {type(state).__name__}.")
    for l in range(1, L + 1):
        for p in ("W", "b"):
            value = state.get(f"d{p}{l}")
            if value is None or np.shape(value) != np.shape(parameters[f"{p}{l}"]):
                got = "nothing" if value is None else f"shape {np.shape(value)}"
                raise ValueError(
                    f"{name}['d{p}{l}'] must have the shape of {p}{l}, {np.shape(parameters[f'{p}{l}'])}; got "
                    f"{got}. Build {name} with {init}(parameters)."
                )


def _zeros_like_grads(parameters) -> dict:
    """{"dW1": zeros like W1, "db1": zeros like b1, …}: float64, or the parameters' float dtype."""
    zeros = {}
    for key, value in parameters.items():
        dtype = value.dtype if np.issubdtype(np.asarray(value).dtype, np.floating) else np.float64
        zeros["d" + key] = np.zeros(np.shape(value), dtype=dtype)
    return zeros


# The single arithmetic of each rule, shared by both views (so they agree bit for bit).


def _momentum_step(theta, g, v, beta, alpha):
    v = beta * v + (1 - beta) * g  # v := β v + (1 − β) dθ
    return theta - alpha * v, v  # θ := θ − α v


def _rmsprop_step(theta, g, s, beta, alpha, epsilon):
    s = beta * s + (1 - beta) * np.square(g)  # s := β s + (1 − β) dθ²
    return theta - alpha * g / (np.sqrt(s) + epsilon), s  # θ := θ − α dθ / (√s + ε)


def _adam_step(theta, g, v, s, t, beta1, beta2, alpha, epsilon):
    v = beta1 * v + (1 - beta1) * g  # v := β₁ v + (1 − β₁) dθ
    v_corrected = v / (1 - beta1**t)  # v̂ = v / (1 − β₁ᵗ)
    s = beta2 * s + (1 - beta2) * np.square(g)  # s := β₂ s + (1 − β₂) dθ²
    s_corrected = s / (1 - beta2**t)  # ŝ = s / (1 − β₂ᵗ)
    theta = theta - alpha * v_corrected / (np.sqrt(s_corrected) + epsilon)  # θ := θ − α v̂ / (√ŝ + ε)
    return theta, v, s, v_corrected, s_corrected


def _rate(learning_rate, default, owner):
    return default if learning_rate is None else check_positive(learning_rate, "learning_rate", owner)


# ------------------------------------------------------------------------- pure optimizers


def gradient_descent(learning_rate: float) -> Optimizer:
    """Plain gradient descent (full batch, or one mini-batch per step).

    θ := θ − α dθ for every parameter θ ∈ {W[l], b[l]}.

    Parameters
    ----------
    learning_rate : float
        α > 0.

    Returns
    -------
    Optimizer
        ``init(params) -> GradientDescentState(step=0)`` and
        ``update(grads, state, params, learning_rate=None) -> (new_params, new_state)``; the
        inputs are not modified; ``learning_rate`` overrides α for that step.

    Examples
    --------
    >>> import numpy as np
    >>> opt = gradient_descent(0.5)
    >>> p, state = opt.update({"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}, opt.init(None),
    ...                       {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}, learning_rate=0.25)
    >>> p["W1"], p["b1"], state
    (array([[0.75]]), array([[-0.25]]), GradientDescentState(step=1))
    """
    alpha = check_positive(learning_rate, "learning_rate", "gradient_descent")

    def init(params):
        return GradientDescentState(0)

    def update(grads, state, params, learning_rate=None):
        a = _rate(learning_rate, alpha, "gradient_descent.update")
        new = {key: value - a * grads["d" + key] for key, value in params.items()}
        return new, GradientDescentState(state.step + 1)

    return Optimizer(init, update, "gradient_descent", (("learning_rate", alpha),))


def momentum(learning_rate: float = 0.01, beta: float = 0.9) -> Optimizer:
    """Gradient descent with momentum, as the course writes it (an exponentially weighted average).

    v := β v + (1 − β) dθ,  θ := θ − α v, with v = 0 at the start.

    PyTorch's ``torch.optim.SGD(momentum=β)`` keeps b := β b + dθ instead (no (1 − β)), so
    b = v / (1 − β): the two take the same steps when PyTorch's learning rate is α (1 − β).

    Parameters
    ----------
    learning_rate : float, default 0.01
        α > 0.
    beta : float in [0, 1), default 0.9
        β; 0 is plain gradient descent.

    Returns
    -------
    Optimizer
        ``init(params) -> MomentumState(step=0, v=zeros)``,
        ``update(grads, state, params, learning_rate=None) -> (params, state)``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = momentum(learning_rate=0.1, beta=0.9)
    >>> params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    >>> grads = {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}
    >>> params, state = opt.update(grads, opt.init(params), params)
    >>> params, state = opt.update(grads, state, params)
    >>> state.v["dW1"], params["W1"]  # v = 0.1, then 0.19; W = −0.01 − 0.019
    (array([[0.19]]), array([[-0.029]]))
    """
    owner = "momentum"
    alpha = check_positive(learning_rate, "learning_rate", owner)
    beta = _check_beta(beta, "beta", owner)

    def init(params):
        return MomentumState(0, _zeros_like_grads(params))

    def update(grads, state, params, learning_rate=None):
        a = _rate(learning_rate, alpha, "momentum.update")
        new, v = {}, {}
        for key, value in params.items():
            new[key], v["d" + key] = _momentum_step(value, grads["d" + key], state.v["d" + key], beta, a)
        return new, MomentumState(state.step + 1, v)

    return Optimizer(init, update, "momentum", (("learning_rate", alpha), ("beta", beta)))


def rmsprop(learning_rate: float = 0.001, beta: float = 0.9, epsilon: float = 1e-8) -> Optimizer:
    """RMSprop: divide each step by the root of a moving average of the squared gradient.

    s := β s + (1 − β) dθ²,  θ := θ − α dθ / (√s + ε), with s = 0 at the start
    (the course's lecture; ``torch.optim.RMSprop(alpha=β, eps=ε)`` computes the same).

    Parameters
    ----------
    learning_rate : float, default 0.001
        α > 0.
    beta : float in [0, 1), default 0.9
        β (β₂ in the lecture; PyTorch calls it ``alpha``).
    epsilon : float, default 1e-8
        ε > 0, added to √s.

    Returns
    -------
    Optimizer
        ``init(params) -> RMSpropState(step=0, s=zeros)``,
        ``update(grads, state, params, learning_rate=None) -> (params, state)``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = rmsprop(learning_rate=0.01, beta=0.9, epsilon=0.0)
    >>> params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    >>> grads = {"dW1": np.full((1, 1), 4.0), "db1": np.ones((1, 1))}
    >>> params, state = opt.update(grads, opt.init(params), params)
    >>> state.s["dW1"], params["W1"].round(6)  # s = 0.1 · 16; step 0.01 · 4 / √1.6
    (array([[1.6]]), array([[-0.031623]]))
    """
    owner = "rmsprop"
    alpha = check_positive(learning_rate, "learning_rate", owner)
    beta = _check_beta(beta, "beta", owner)
    epsilon = check_positive(epsilon, "epsilon", owner, allow_zero=True)

    def init(params):
        return RMSpropState(0, _zeros_like_grads(params))

    def update(grads, state, params, learning_rate=None):
        a = _rate(learning_rate, alpha, "rmsprop.update")
        new, s = {}, {}
        for key, value in params.items():
            new[key], s["d" + key] = _rmsprop_step(value, grads["d" + key], state.s["d" + key], beta, a, epsilon)
        return new, RMSpropState(state.step + 1, s)

    return Optimizer(init, update, "rmsprop", (("learning_rate", alpha), ("beta", beta), ("epsilon", epsilon)))


def adam(learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> Optimizer:
    """Adam: momentum and RMSprop together, with bias correction by the step count t.

    v := β₁ v + (1 − β₁) dθ,  s := β₂ s + (1 − β₂) dθ²,  v̂ = v / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ),
    θ := θ − α v̂ / (√ŝ + ε), with t = 1 at the first step (the state's ``step`` counts the steps
    taken, so the update uses t = step + 1).

    Parameters
    ----------
    learning_rate : float, default 0.001
        α > 0 (the course's notebook uses 0.0007 on its moons).
    beta1, beta2 : float in [0, 1), default 0.9 and 0.999
    epsilon : float, default 1e-8

    Returns
    -------
    Optimizer
        ``init(params) -> AdamState(step=0, v=zeros, s=zeros)``,
        ``update(grads, state, params, learning_rate=None) -> (params, state)``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = adam(learning_rate=0.1)
    >>> params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    >>> grads = {"dW1": np.full((1, 1), 5.0), "db1": np.full((1, 1), -0.01)}
    >>> params, state = opt.update(grads, opt.init(params), params)
    >>> params["W1"].round(7), params["b1"].round(7)  # the first step is ≈ −α sign(dθ)
    (array([[-0.1]]), array([[0.0999999]]))
    """
    owner = "adam"
    alpha = check_positive(learning_rate, "learning_rate", owner)
    beta1 = _check_beta(beta1, "beta1", owner)
    beta2 = _check_beta(beta2, "beta2", owner)
    epsilon = check_positive(epsilon, "epsilon", owner, allow_zero=True)

    def init(params):
        return AdamState(0, _zeros_like_grads(params), _zeros_like_grads(params))

    def update(grads, state, params, learning_rate=None):
        a = _rate(learning_rate, alpha, "adam.update")
        t = state.step + 1
        new, v, s = {}, {}, {}
        for key, value in params.items():
            k = "d" + key
            new[key], v[k], s[k], _, _ = _adam_step(value, grads[k], state.v[k], state.s[k], t, beta1, beta2, a, epsilon)
        return new, AdamState(t, v, s)

    hyper = (("learning_rate", alpha), ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon))
    return Optimizer(init, update, "adam", hyper)


class OptimizerSpec(NamedTuple):
    """A registry entry: the factory that builds the :class:`Optimizer` and what it takes.

    Attributes
    ----------
    name : str
        'gd', 'momentum', 'rmsprop' or 'adam'.
    factory : callable
        ``factory(**hyperparameters) -> Optimizer``.
    rule : str
        The update rule, one line.
    """

    name: str
    factory: Callable
    rule: str

    @property
    def hyperparameters(self) -> tuple:
        """The names the factory accepts, e.g. ``('learning_rate', 'beta')``."""
        return tuple(inspect.signature(self.factory).parameters)


#: The optimizers by name (``get_optimizer(name, **hyperparameters)`` builds one).
OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec("gd", gradient_descent, "θ := θ − α dθ"),
        OptimizerSpec("momentum", momentum, "v := β v + (1 − β) dθ; θ := θ − α v"),
        OptimizerSpec("rmsprop", rmsprop, "s := β s + (1 − β) dθ²; θ := θ − α dθ / (√s + ε)"),
        OptimizerSpec("adam", adam, "θ := θ − α v̂ / (√ŝ + ε), v̂, ŝ bias-corrected moving averages of dθ, dθ²"),
    )
}


def get_optimizer(name: str, **hyperparameters) -> Optimizer:
    """Build the optimizer called ``name`` in :data:`OPTIMIZERS` with the given hyperparameters.

    Parameters
    ----------
    name : {'gd', 'momentum', 'rmsprop', 'adam'}
    **hyperparameters
        Passed to the factory (``learning_rate``, ``beta``, ``beta1``, ``beta2``, ``epsilon``).
        'gd' needs ``learning_rate``; the others have defaults.

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones).
    TypeError
        A hyperparameter the optimizer does not take.

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.1).hyperparameters
    (('learning_rate', 0.1), ('beta', 0.9))
    >>> get_optimizer("adagrad")
    Traceback (most recent call last):
    ...
    ValueError: The 'optimizer' parameter of get_optimizer must be one of {'adam', 'gd', 'momentum', 'rmsprop'}. Got 'adagrad' instead.
    """
    spec = OPTIMIZERS[check_choice(name, OPTIMIZERS, "optimizer", "get_optimizer")]
    unknown = sorted(set(hyperparameters) - set(spec.hyperparameters))
    if unknown:
        raise TypeError(
            f"The optimizer {name!r} does not take {unknown}; it takes {list(spec.hyperparameters)}."
        )
    if name == "gd" and "learning_rate" not in hyperparameters:
        raise TypeError("The optimizer 'gd' needs a learning_rate, e.g. get_optimizer('gd', learning_rate=0.01).")
    return spec.factory(**hyperparameters)


# --------------------------------------------------------------------- the course's functions


def _gd(parameters, grads, learning_rate, owner, strict=False):
    learning_rate = check_positive(learning_rate, "learning_rate", owner)
    L = _check_grads(parameters, grads, owner, strict)
    new = {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            new[f"{p}{l}"] = parameters[f"{p}{l}"] - learning_rate * grads[f"d{p}{l}"]  # θ := θ − α dθ
    return new


def update_parameters(parameters, grads, learning_rate):
    """One step of gradient descent, returning new parameters (the inputs are unchanged).

    W[l] := W[l] − α dW[l],  b[l] := b[l] − α db[l]

    Examples
    --------
    >>> import numpy as np
    >>> new = update_parameters({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))},
    ...                         {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}, 0.5)
    >>> new["W1"], new["b1"]
    (array([[0.5]]), array([[-0.5]]))
    """
    return _gd(parameters, grads, learning_rate, "update_parameters", strict=True)


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One step of (mini-batch) gradient descent: the course-2 name of :func:`update_parameters`.

    W[l] := W[l] − α dW[l],  b[l] := b[l] − α db[l]  for l = 1 … L.

    Parameters
    ----------
    parameters : dict
        ``{"W1": (n[1], n[0]), "b1": (n[1], 1), …}``.
    grads : dict
        ``{"dW1", "db1", …}`` of the same shapes (extra keys such as ``dA1`` are ignored).
    learning_rate : float
        α > 0.

    Returns
    -------
    dict
        The new parameters (the inputs are unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> update_parameters_with_gd({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))},
    ...                           {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, 0.01)["W1"]
    array([[0.99, 0.99]])
    """
    return _gd(parameters, grads, learning_rate, "update_parameters_with_gd")


def initialize_velocity(parameters):
    """The velocity of momentum, zeros: ``v["dW1"]`` (n[1], n[0]), ``v["db1"]`` (n[1], 1), …

    Parameters
    ----------
    parameters : dict
        ``{"W1", "b1", …, "WL", "bL"}``.

    Returns
    -------
    v : dict
        ``{"dW1": zeros like W1, "db1": zeros like b1, …}``.

    Examples
    --------
    >>> import numpy as np
    >>> v = initialize_velocity({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))})
    >>> sorted(v), v["dW1"].shape, float(v["db1"].sum())
    (['dW1', 'db1'], (2, 3), 0.0)
    """
    L = _course_layers(parameters, strict=False)
    return _zeros_like_grads({f"{p}{l}": parameters[f"{p}{l}"] for l in range(1, L + 1) for p in ("W", "b")})


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One step of gradient descent with momentum (the course's week-2 function).

    v["dW[l]"] := β v["dW[l]"] + (1 − β) dW[l],  W[l] := W[l] − α v["dW[l]"]  (likewise b[l]).

    Parameters
    ----------
    parameters : dict
        ``{"W1", "b1", …}``.
    grads : dict
        ``{"dW1", "db1", …}``.
    v : dict
        The velocity, from :func:`initialize_velocity` or the previous step.
    beta : float in [0, 1)
        The momentum β.
    learning_rate : float
        α > 0.

    Returns
    -------
    parameters : dict
        The new parameters.
    v : dict
        The new velocity (the inputs are unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> p = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}
    >>> g = {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}
    >>> p, v = update_parameters_with_momentum(p, g, initialize_velocity(p), beta=0.9, learning_rate=0.1)
    >>> v["dW1"], p["W1"]
    (array([[0.1]]), array([[0.99]]))
    """
    owner = "update_parameters_with_momentum"
    beta = _check_beta(beta, "beta", owner)
    learning_rate = check_positive(learning_rate, "learning_rate", owner)
    L = _check_grads(parameters, grads, owner)
    _check_state(v, parameters, "v", L, owner, "initialize_velocity")
    new, v_new = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            new[f"{p}{l}"], v_new[f"d{p}{l}"] = _momentum_step(
                parameters[f"{p}{l}"], grads[f"d{p}{l}"], v[f"d{p}{l}"], beta, learning_rate
            )
    return new, v_new


def initialize_rmsprop(parameters):
    """The state of RMSprop, zeros: ``s["dW1"]`` (n[1], n[0]), ``s["db1"]`` (n[1], 1), …

    Examples
    --------
    >>> import numpy as np
    >>> initialize_rmsprop({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))})["dW1"]
    array([[0., 0.]])
    """
    return initialize_velocity(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, beta=0.9, learning_rate=0.001, epsilon=1e-8):
    """One step of RMSprop, in the course's style.

    s["dW[l]"] := β s["dW[l]"] + (1 − β) dW[l]²,  W[l] := W[l] − α dW[l] / (√s["dW[l]"] + ε)
    (likewise b[l]; the squares and roots are elementwise).

    Parameters
    ----------
    parameters, grads : dict
    s : dict
        From :func:`initialize_rmsprop` or the previous step.
    beta : float in [0, 1), default 0.9
    learning_rate : float, default 0.001
    epsilon : float, default 1e-8

    Returns
    -------
    parameters : dict
    s : dict

    Examples
    --------
    >>> import numpy as np
    >>> p = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}
    >>> g = {"dW1": np.full((1, 1), 3.0), "db1": np.ones((1, 1))}
    >>> p, s = update_parameters_with_rmsprop(p, g, initialize_rmsprop(p), beta=0.9, learning_rate=0.1, epsilon=0)
    >>> s["dW1"], p["W1"].round(6)
    (array([[0.9]]), array([[0.683772]]))
    """
    owner = "update_parameters_with_rmsprop"
    beta = _check_beta(beta, "beta", owner)
    learning_rate = check_positive(learning_rate, "learning_rate", owner)
    epsilon = check_positive(epsilon, "epsilon", owner, allow_zero=True)
    L = _check_grads(parameters, grads, owner)
    _check_state(s, parameters, "s", L, owner, "initialize_rmsprop")
    new, s_new = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            new[f"{p}{l}"], s_new[f"d{p}{l}"] = _rmsprop_step(
                parameters[f"{p}{l}"], grads[f"d{p}{l}"], s[f"d{p}{l}"], beta, learning_rate, epsilon
            )
    return new, s_new


def initialize_adam(parameters):
    """The two moving averages of Adam, zeros: ``v`` (of dθ) and ``s`` (of dθ²), keyed 'dW1', 'db1', …

    Returns
    -------
    v, s : dict

    Examples
    --------
    >>> import numpy as np
    >>> v, s = initialize_adam({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))})
    >>> v["dW1"].shape, s["db1"].shape, v["dW1"] is s["dW1"]
    ((2, 3), (2, 1), False)
    """
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    """One step of Adam (the course's week-2 function, 2021 release: it also returns v̂ and ŝ).

    v := β₁ v + (1 − β₁) dθ,  v̂ = v / (1 − β₁ᵗ),  s := β₂ s + (1 − β₂) dθ²,  ŝ = s / (1 − β₂ᵗ),
    θ := θ − α v̂ / (√ŝ + ε)  for θ = W[1], b[1], …, W[L], b[L].

    Parameters
    ----------
    parameters, grads : dict
    v, s : dict
        From :func:`initialize_adam` or the previous step.
    t : int
        The step count, 1 at the first step (the notebook's model counts every mini-batch).
    learning_rate : float, default 0.01
    beta1, beta2 : float in [0, 1), default 0.9 and 0.999
    epsilon : float, default 1e-8

    Returns
    -------
    parameters : dict
    v, s : dict
        The new moving averages.
    v_corrected, s_corrected : dict
        v̂ and ŝ of this step.

    Examples
    --------
    >>> import numpy as np
    >>> p = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}
    >>> g = {"dW1": np.full((1, 1), 2.0), "db1": np.ones((1, 1))}
    >>> v, s = initialize_adam(p)
    >>> p, v, s, v_hat, s_hat = update_parameters_with_adam(p, g, v, s, t=1, learning_rate=0.01)
    >>> v_hat["dW1"], s_hat["dW1"].round(12), p["W1"].round(8)
    (array([[2.]]), array([[4.]]), array([[0.99]]))
    """
    owner = "update_parameters_with_adam"
    t = check_positive_int(t, "t", owner)
    learning_rate = check_positive(learning_rate, "learning_rate", owner)
    beta1 = _check_beta(beta1, "beta1", owner)
    beta2 = _check_beta(beta2, "beta2", owner)
    epsilon = check_positive(epsilon, "epsilon", owner, allow_zero=True)
    L = _check_grads(parameters, grads, owner)
    _check_state(v, parameters, "v", L, owner, "initialize_adam")
    _check_state(s, parameters, "s", L, owner, "initialize_adam")
    new, v_new, s_new, v_corrected, s_corrected = {}, {}, {}, {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            k = f"d{p}{l}"
            new[f"{p}{l}"], v_new[k], s_new[k], v_corrected[k], s_corrected[k] = _adam_step(
                parameters[f"{p}{l}"], grads[k], v[k], s[k], t, beta1, beta2, learning_rate, epsilon
            )
    return new, v_new, s_new, v_corrected, s_corrected
