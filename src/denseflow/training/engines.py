"""Engines: the arithmetic of one training iteration (forward, cost, backward, update).

:func:`~denseflow.training.train` runs the loop (history, callbacks, divergence guard, resume);
an engine does one iteration of it. :class:`ReferenceEngine` is written with the course's
step-by-step functions and makes new arrays at every update; :class:`denseflow.training.FastEngine`
computes the same numbers on buffers allocated once. :func:`make_engine` picks one.

Both expose ``step(compute_cost) -> cost or None``, ``cost()``, ``parameters`` and
``previous_parameters``.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.activations import get_activation
>>> from denseflow.training import make_engine
>>> from denseflow.core.initializers import initialize_parameters
>>> from denseflow.core.losses import get_loss
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
>>> engine = make_engine("reference", initialize_parameters([1, 1], "zeros"), X, Y, get_activation("relu"),
...                      get_activation("sigmoid"), get_loss("binary_cross_entropy"), 0.5, None)
>>> round(engine.step(), 6)  # J(θ(0)): the cost of the parameters before the update
0.693147
"""

from __future__ import annotations

import math

import numpy as np

from denseflow.core.activations import Activation
from denseflow.core.losses import Loss, cost_of, output_dZ
from denseflow.core.optimizers import GradientDescentState, gradient_descent
from denseflow.core.propagation import _layer_backward, _linear_backward, _model_forward

__all__ = ["ReferenceEngine", "make_engine"]


class ReferenceEngine:
    """One training iteration written with the course's step-by-step functions.

    Readable and pure (every update makes new arrays); :class:`denseflow.training.FastEngine` is the
    buffered equivalent used for speed. Both expose ``step(compute_cost) -> cost or None``,
    ``cost()`` and ``parameters`` / ``previous_parameters``. When the computed cost is not
    finite — or, on an iteration whose cost is not computed, Z[L] is not finite (``step`` then
    returns NaN instead of None) — ``step`` does not update, so ``previous_parameters`` is still
    θ(i−1), the last parameters with a finite cost.
    """

    def __init__(self, parameters, X, Y, hidden: Activation, output: Activation, loss: Loss,
                 learning_rate: float, sample_weight=None):
        self.X, self.Y = X, Y
        self.hidden, self.output, self.loss = hidden, output, loss
        self.optimizer = gradient_descent(learning_rate)
        self.parameters = {k: np.array(v, copy=True) for k, v in parameters.items()}
        self.previous_parameters = self.parameters
        self.m = X.shape[1]
        self.weights = sample_weight
        # dZ[L] columns are scaled by w(i) · m / Σw so that dW = (1/m) dZ Aᵀ is the weighted gradient.
        self._dz_scale = None if sample_weight is None else sample_weight * (self.m / np.sum(sample_weight))

    def _cost(self, AL, caches):
        return cost_of(self.loss, self.output, AL, self.Y, caches[-1].Z, self.weights)

    def cost(self) -> float:
        AL, caches = _model_forward(self.X, self.parameters, self.hidden, self.output)
        return self._cost(AL, caches)

    def step(self, compute_cost: bool = True):
        AL, caches = _model_forward(self.X, self.parameters, self.hidden, self.output)
        if compute_cost:
            cost = self._cost(AL, caches)
        elif not np.isfinite(caches[-1].Z).all():
            cost = math.nan  # a cost is not asked for, but Z[L] already overflowed: report it
        else:
            cost = None
        if cost is not None and not math.isfinite(cost):
            # Divergence: no update, so previous_parameters stays θ(i−1), the last finite-cost θ.
            return cost
        grads = self.gradients(AL, caches)
        self.previous_parameters = self.parameters
        self.parameters, _ = self.optimizer.update(grads, GradientDescentState(0), self.parameters)
        return cost

    def gradients(self, AL, caches):
        """dW[l], db[l] of one iteration: the backward step of every network, the shallow one included.

        The fused path, as the week-3 notes write the update: dZ[L] = AL − Y for (sigmoid, binary
        cross-entropy) and (softmax, categorical cross-entropy), through
        :func:`denseflow.core.losses.output_dZ`; the hidden layers take dZ[l] = dA[l] ⊙ g'(Z[l]),
        with tanh' = 1 − A[l]², A[l] = tanh(Z[l]) recomputed from the cached Z[l] (the same bits as
        the forward pass's A[l]). It is not :func:`denseflow.core.propagation.model_backward`,
        which starts from the notes' dA[L] and agrees with this to rounding; this path stays
        finite when AL saturates and is what :class:`denseflow.training.FastEngine` computes bit for
        bit. :func:`denseflow.core.propagation.backward_propagation` gives the same bits for the
        one-hidden-layer network.
        """
        L = len(caches)
        linear_cache, ZL = caches[-1]
        dZ = output_dZ(self.loss, self.output, AL, self.Y, ZL)
        if self._dz_scale is not None:
            dZ = dZ * self._dz_scale
        grads = {}
        dA, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, linear_cache, L > 1)
        for l in range(L - 1, 0, -1):
            dA, grads[f"dW{l}"], grads[f"db{l}"] = _layer_backward(dA, caches[l - 1], self.hidden, need_dA_prev=l > 1)
        return grads


def make_engine(kind, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight):
    """The engine for ``kind``: 'fast' (buffered, same numbers), 'reference', or 'auto'."""
    if kind not in ("auto", "fast", "reference"):
        raise ValueError(
            f"The 'engine' parameter of train must be one of {{'auto', 'fast', 'reference'}}. Got {kind!r} instead."
        )
    if kind != "reference":
        from denseflow.training.fast import SUPPORTED_HIDDEN, FastEngine, supports

        if supports(hidden, output, loss):
            return FastEngine(parameters, X, Y, hidden, output, loss, learning_rate, sample_weight)
        if kind == "fast":
            raise ValueError(
                f"The fast engine computes the hidden activations {set(SUPPORTED_HIDDEN)} in place; got "
                f"{hidden.name!r}. Use engine='reference' (or 'auto') for it."
            )
    return ReferenceEngine(parameters, X, Y, hidden, output, loss, learning_rate, sample_weight)
