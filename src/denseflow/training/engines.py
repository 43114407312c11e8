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
from typing import NamedTuple

import numpy as np

from denseflow.core.activations import Activation
from denseflow.core.losses import Loss, cost_of, output_dZ
from denseflow.core.optimizers import (
    GradientDescentState,
    MomentumState,
    Optimizer,
    _momentum_step,
    get_optimizer,
    gradient_descent,
    momentum,
)
from denseflow.core.propagation import _layer_backward, _linear_backward, _model_forward
from denseflow.core.regularization import _dropout_forward, _l2_cost

__all__ = ["ReferenceEngine", "make_engine", "TrainingSetup", "build_optimizer"]


class TrainingSetup(NamedTuple):
    """How each update is computed beyond the first course's full-batch gradient descent.

    Attributes
    ----------
    optimizer : {'gd', 'momentum', 'rmsprop', 'adam'}
    beta1, beta2, epsilon : float
        Momentum's β = ``beta1``; Adam's β₁, β₂, ε; RMSprop's β = ``beta2`` and ε.
    nesterov : bool
        Nesterov momentum (optimizer 'momentum' only).
    lambd : float
        L2 strength λ (0: none).
    keep_probs : tuple of float or None
        Inverted-dropout keep probability of each hidden layer (None: no dropout).
    course : bool
        Draw the dropout masks as the Regularization notebook does (a new ``RandomState(1)`` at
        every forward pass) instead of from the run's generator.
    """

    optimizer: str = "gd"
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    nesterov: bool = False
    lambd: float = 0.0
    keep_probs: tuple | None = None
    course: bool = False

    @property
    def plain(self) -> bool:
        """Plain gradient descent without L2 or dropout (the first course's update)."""
        return self.optimizer == "gd" and not self.lambd and self.keep_probs is None


def _nesterov(learning_rate: float, beta: float) -> Optimizer:
    """Nesterov momentum in the course's averaged form: v := β v + (1 − β) dθ, then
    θ := θ − α (β v + (1 − β) dθ) (the look-ahead step; the same steps as PyTorch's
    ``SGD(lr=α (1 − β), momentum=β, nesterov=True)``, whose velocity is v / (1 − β))."""
    base = momentum(learning_rate, beta)

    def update(grads, state, params, learning_rate=None):
        a = learning_rate
        new, v = {}, {}
        for key, value in params.items():
            g = grads["d" + key]
            _, v["d" + key] = _momentum_step(value, g, state.v["d" + key], beta, a)
            new[key] = value - a * (beta * v["d" + key] + (1 - beta) * g)
        return new, MomentumState(state.step + 1, v)

    return Optimizer(base.init, update, "momentum", base.hyperparameters + (("nesterov", True),))


def build_optimizer(setup: TrainingSetup, learning_rate: float) -> Optimizer:
    """The pure ``init``/``update`` pair of :mod:`denseflow.core.optimizers` that ``setup`` names."""
    name = setup.optimizer
    if name == "gd":
        return gradient_descent(learning_rate)
    if name == "momentum":
        if setup.nesterov:
            return _nesterov(learning_rate, setup.beta1)
        return get_optimizer("momentum", learning_rate=learning_rate, beta=setup.beta1)
    if name == "rmsprop":
        return get_optimizer("rmsprop", learning_rate=learning_rate, beta=setup.beta2, epsilon=setup.epsilon)
    if name != "adam":
        raise ValueError(f"The 'optimizer' parameter of train must be one of {{'adam', 'gd', 'momentum', 'rmsprop'}}. "
                         f"Got {name!r} instead.")
    return get_optimizer("adam", learning_rate=learning_rate, beta1=setup.beta1, beta2=setup.beta2,
                         epsilon=setup.epsilon)


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
                 learning_rate: float, sample_weight=None, setup: TrainingSetup | None = None,
                 optimizer_state=None):
        self.X, self.Y = X, Y
        self.setup = setup = TrainingSetup() if setup is None else setup
        self._opt = build_optimizer(setup, learning_rate)
        self.hidden, self.output, self.loss = hidden, output, loss
        self.optimizer = gradient_descent(learning_rate)
        self.parameters = {k: np.array(v, copy=True) for k, v in parameters.items()}
        self.previous_parameters = self.parameters
        self.m = X.shape[1]
        self.weights = sample_weight
        # dZ[L] columns are scaled by w(i) · m / Σw so that dW = (1/m) dZ Aᵀ is the weighted gradient.
        self._dz_scale = None if sample_weight is None else sample_weight * (self.m / np.sum(sample_weight))
        self.opt_state = self._opt.init(self.parameters) if optimizer_state is None else optimizer_state

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


    # ------------------------------------------------------------------ mini-batches, optimizers, L2, dropout

    #: The loop gathers each batch's columns itself (see FastBatchEngine.gathers).
    gathers = False

    def snapshot_parameters(self) -> dict:
        """The current parameters (never modified in place: an update makes new arrays)."""
        return self.parameters

    def close(self):
        """Nothing to release (see FastBatchEngine.close)."""

    def batch_step(self, X, Y, scale, alpha, compute_cost=True, rng=None, index=None):
        """One update on the mini-batch (X, Y) of B examples with learning rate ``alpha``.

        Forward (with inverted dropout when ``setup.keep_probs``: masks D[l] = (U < keep_prob)
        drawn from ``rng``, or from a new ``RandomState(1)`` in course mode), the batch cost
        J = (1/B) Σ w'(i) L(i) + (λ/2B) Σ‖W[l]‖²_F when asked (``scale`` = w': the sample weights
        scaled to mean 1 over the whole training set, or None), backward (dropout's masks and
        1/keep_prob on dA[l], dW[l] += (λ/B) W[l]), and the optimizer's update. Returns the cost,
        None, or NaN (no update) as :meth:`step` does.
        """
        setup, params = self.setup, self.parameters
        B = X.shape[1]
        keep = setup.keep_probs
        if keep is not None:
            if setup.course:
                rng = np.random.RandomState(1)  # the notebook's np.random.seed(1) in every forward pass
            AL, caches = _dropout_forward(X, params, keep, rng, self.hidden, self.output)
        else:
            AL, caches = _model_forward(X, params, self.hidden, self.output)
        ZL = caches[-1].Z
        cost = None
        if compute_cost:
            cost = self._batch_cost(AL, Y, ZL, scale, B)
        elif not np.isfinite(ZL).all():
            cost = math.nan
        if cost is not None and not math.isfinite(cost):
            return cost
        grads = self._batch_gradients(AL, Y, caches, scale, B)
        self.previous_parameters = params
        self.parameters, self.opt_state = self._opt.update(grads, self.opt_state, params, learning_rate=alpha)
        return cost

    def state_snapshot(self):
        """The optimizer's state now (its arrays are never modified in place: safe to keep)."""
        return self.opt_state

    def updates(self) -> int:
        """The number of optimizer steps taken (Adam's t)."""
        return int(self.opt_state.step)

    def _batch_cost(self, AL, Y, ZL, scale, B):
        if scale is None:
            J = cost_of(self.loss, self.output, AL, Y, ZL)
        else:
            total = float(np.sum(scale))  # Σ w' over the batch: J = Σ w' L / B
            J = 0.0 if total == 0 else cost_of(self.loss, self.output, AL, Y, ZL, scale) * (total / B)
        if self.setup.lambd:
            J = J + float(_l2_cost(self.parameters, self.setup.lambd, B, len(self.parameters) // 2))
        return J

    def _batch_gradients(self, AL, Y, caches, scale, B):
        """dW[l], db[l] on a batch: :meth:`gradients` with dropout's masks and the L2 term."""
        setup = self.setup
        L = len(caches)
        keep = setup.keep_probs
        dZ = output_dZ(self.loss, self.output, AL, Y, caches[-1].Z)
        if scale is not None:
            dZ = dZ * scale
        grads = {}
        dA, grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZ, caches[-1][0], L > 1)
        for l in range(L - 1, 0, -1):
            cache = caches[l - 1]
            if keep is not None:
                dA = dA * cache.D  # the units shut off in the forward pass get no gradient
                dA = dA / keep[l - 1]  # and the survivors the same 1/keep_prob
            dA, grads[f"dW{l}"], grads[f"db{l}"] = _layer_backward(dA, (cache[0], cache[1]), self.hidden,
                                                                   need_dA_prev=l > 1)
        if setup.lambd:
            for l in range(1, L + 1):
                grads[f"dW{l}"] = grads[f"dW{l}"] + setup.lambd / B * self.parameters[f"W{l}"]  # dW += (λ/m) W
        return grads


def make_engine(kind, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight, setup=None,
                optimizer_state=None, batched=False, keep_previous=False):
    """The engine for ``kind``: 'fast' (buffered, same numbers), 'reference', or 'auto'.

    ``setup`` (a :class:`TrainingSetup`), ``optimizer_state`` and ``batched`` (mini-batches or
    another step than the first course's) select the general path: :meth:`ReferenceEngine.batch_step`
    or :class:`denseflow.training.FastBatchEngine` (``keep_previous``: keep θ before each update,
    for full batches).
    """
    if kind not in ("auto", "fast", "reference"):
        raise ValueError(
            f"The 'engine' parameter of train must be one of {{'auto', 'fast', 'reference'}}. Got {kind!r} instead."
        )
    if kind != "reference" and batched:
        from denseflow.training.fast import FastBatchEngine, batch_supports

        if batch_supports(hidden, output, loss, setup):
            return FastBatchEngine(parameters, X, Y, hidden, output, loss, learning_rate, sample_weight, setup,
                                   optimizer_state, keep_previous=keep_previous)
        if kind == "fast":
            raise ValueError(
                f"The fast engine does not compute this network's mini-batch step (hidden {hidden.name!r}, output "
                f"{output.name!r}, dropout {setup.keep_probs is not None}). Use engine='reference' (or 'auto')."
            )
    if kind != "reference" and not batched:
        from denseflow.training.fast import SUPPORTED_HIDDEN, FastEngine, supports

        if supports(hidden, output, loss):
            return FastEngine(parameters, X, Y, hidden, output, loss, learning_rate, sample_weight)
        if kind == "fast":
            raise ValueError(
                f"The fast engine computes the hidden activations {set(SUPPORTED_HIDDEN)} in place; got "
                f"{hidden.name!r}. Use engine='reference' (or 'auto') for it."
            )
    return ReferenceEngine(parameters, X, Y, hidden, output, loss, learning_rate, sample_weight, setup,
                           optimizer_state)
