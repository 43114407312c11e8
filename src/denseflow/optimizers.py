"""Optimizers as pure ``init(params) -> state`` / ``update(grads, state, params) -> (params, state)``.

Nothing is hidden or mutated: the state is an explicit, immutable NamedTuple, so a run can be
checkpointed and replayed from (parameters, state, iteration) alone. Gradient descent is the
course's algorithm; momentum and Adam (course 2) will share this shape.

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

from ._validation import check_positive

__all__ = ["Optimizer", "GradientDescentState", "gradient_descent"]


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
