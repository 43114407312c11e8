"""Optimizers as pure ``init(params) -> state`` / ``update(grads, state, params) -> (params, state)``.

Nothing is hidden or mutated: the state is an explicit, immutable NamedTuple, so a run can be
checkpointed and replayed from (parameters, state, iteration) alone. Gradient descent is the
course's algorithm; momentum and Adam (course 2) will share this shape. The course's own
:func:`update_parameters` (also importable from :mod:`denseflow.core.propagation`) takes the same step
on a parameter dict, checking the gradients' names and shapes.

Examples
--------
>>> import numpy as np
>>> opt = gradient_descent(0.1)
>>> params = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
>>> state = opt.init(params)
>>> params, state = opt.update({"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, state, params)
>>> params["W1"], state.step
(array([[0.9, 0.9]]), 1)
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from denseflow.core.validation import check_parameters, check_positive

__all__ = ["Optimizer", "GradientDescentState", "gradient_descent", "update_parameters"]


class Optimizer(NamedTuple):
    """A pair of pure functions."""

    init: Callable
    update: Callable
    name: str = "optimizer"
    hyperparameters: tuple = ()


class GradientDescentState(NamedTuple):
    """Gradient descent keeps only the number of steps taken."""

    step: int = 0


def gradient_descent(learning_rate: float) -> Optimizer:
    """Plain (full-batch) gradient descent.

    θ := θ − α dθ for every parameter θ ∈ {W[l], b[l]}.

    Parameters
    ----------
    learning_rate : float
        α > 0.

    Returns
    -------
    Optimizer
        ``init(params) -> GradientDescentState(step=0)`` and
        ``update(grads, state, params) -> (new_params, new_state)``; the inputs are not modified.
    """
    alpha = check_positive(learning_rate, "learning_rate", "gradient_descent")

    def init(params):
        return GradientDescentState(0)

    def update(grads, state, params):
        new = {key: value - alpha * grads["d" + key] for key, value in params.items()}
        return new, GradientDescentState(state.step + 1)

    return Optimizer(init, update, "gradient_descent", (("learning_rate", alpha),))


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
    learning_rate = check_positive(learning_rate, "learning_rate", "update_parameters")
    L = check_parameters(parameters)
    new = {}
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
            new[f"{p}{l}"] = parameters[f"{p}{l}"] - learning_rate * g
    return new
