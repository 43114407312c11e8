"""Many models at once: K networks of one architecture trained in one stacked computation.

A sweep over learning rates or seeds trains the same layer sizes again and again on the same
data. :func:`train_stacked` trains all K of them together: every weight gets a leading axis,
W[l] (K, n[l], n[l−1]), every activation A[l] (K, n[l], m), and each step is one batched matrix
product per layer (``np.matmul`` on the stacks) instead of K small ones, with one Python loop for
all K models. Each model's arithmetic is exactly that of its own run — the stacked engine is
:class:`denseflow.training.FastEngine` with the leading axis — so the parameters and the costs are
bit-identical to K separate calls of :func:`denseflow.training.train` (tested).

A model whose cost becomes NaN or infinite stops being recorded (its result keeps θ(i−1), the last
parameters with a finite cost, and the history up to them, as
:class:`~denseflow.training.TrainingDivergedError` does), while the others go on.

Examples
--------
>>> import numpy as np
>>> from denseflow.training import train_stacked
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((2, 200)); Y = (X[:1] * X[1:] > 0).astype(float)
>>> run = train_stacked([2, 4, 1], X, Y, learning_rates=[0.1, 0.5, 1.2], seeds=1,
...                     hidden_activation="tanh", num_iterations=500)
>>> len(run.histories), [h.costs[-1] < h.costs[0] for h in run.histories]
(3, [True, True, True])
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from denseflow.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation
from denseflow.core.initializers import INITIALIZERS, initialize_parameters
from denseflow.core.losses import cost_of, get_loss
from denseflow.core.optimizers import GradientDescentState
from denseflow.core.propagation import _model_forward
from denseflow.core.validation import (
    check_choice,
    check_layer_dims,
    check_positive,
    check_positive_int,
    check_XY,
)
from denseflow.training.fast import SUPPORTED_HIDDEN, _Engine
from denseflow.training.loop import (
    History,
    TrainingDivergedError,
    TrainingResult,
    accuracy_of,
)

__all__ = ["StackedEngine", "StackedResult", "train_stacked"]


class StackedEngine(_Engine):
    """K models of one architecture, one batched step for all (see :class:`FastEngine`).

    Parameters
    ----------
    parameter_list : list of dict
        θ(0) of each model (copied), all with the same shapes.
    X, Y : ndarray
        (n_x, m) and (n[L], m), shared by all models.
    hidden, output : Activation
    loss : Loss
    learning_rates : sequence of float
        α of each model.
    sample_weight : ndarray (1, m), optional
    """

    def __init__(self, parameter_list, X, Y, hidden, output, loss, learning_rates, sample_weight=None):
        self.K = K = len(parameter_list)
        rates = [float(a) for a in learning_rates]
        self._build(parameter_list, X, Y, hidden, output, loss, rates, sample_weight, (K,))
        self.steps = 0
        self.last_finite = {}  # model → θ(i−1) saved when its cost first was not finite

    def step(self, compute_cost: bool = True):
        """One iteration for every model; returns the K costs J(θ(i)) (or None; when no cost is
        asked for but some model's Z[L] is not finite, an array with NaN for those models).

        A model whose cost is not finite is updated with the others (the stack moves as one),
        but its θ(i−1) — what a separate run keeps — is saved first in ``last_finite[k]``.
        """
        costs = self._forward_and_cost(compute_cost)
        if costs is None:
            # No cost asked for: still catch a model whose Z[L] overflowed (as FastEngine does),
            # marking it NaN (the other entries are placeholders, not costs).
            finite = np.isfinite(self._ZL).reshape(self.K, -1).all(axis=1)
            if not finite.all():
                costs = np.where(finite, 0.0, np.nan)
        if costs is not None and not np.isfinite(costs).all():
            for k in np.flatnonzero(~np.isfinite(costs)):
                self.last_finite.setdefault(int(k), self.parameters_of(int(k), previous=True))
        self._backward_and_update()
        self.steps += 1
        return costs

    def cost(self):
        """The K costs of the current parameters."""
        return self._cost()

    def parameters_of(self, k: int, previous: bool = False) -> dict:
        """Model k's θ (or θ before the last update) as a new dict of copies."""
        c = (1 - self._cur) if previous and self.steps else self._cur
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = self._W[c][l][k].copy()
            out[f"b{l}"] = self._b[c][l][k].copy()
        return out


class StackedResult(NamedTuple):
    """What :func:`train_stacked` returns, one entry per model.

    Attributes
    ----------
    parameters : list of dict
        θ after training (θ(i−1) for a model whose cost was not finite at iteration i).
    histories : list of History
    learning_rates : list of float
    seeds : list
    errors : list of TrainingDivergedError or None
        The error a separate :func:`~denseflow.training.train` would have raised.
    num_iterations : int
    """

    parameters: list
    histories: list
    learning_rates: list
    seeds: list
    errors: list
    num_iterations: int

    def result(self, k: int) -> TrainingResult:
        """Model k as :func:`~denseflow.training.train` would return it (or its error's result)."""
        if self.errors[k] is not None:
            return self.errors[k].result
        return TrainingResult(self.parameters[k], self.histories[k], GradientDescentState(self.num_iterations))


def _as_list(value, name):
    """A scalar as a one-item list (shared by all models); a sequence as a list."""
    if isinstance(value, (list, tuple, np.ndarray)):
        values = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
        if len(values) == 0:
            raise ValueError(f"The {name!r} parameter of train_stacked must not be empty.")
        return values
    return [value]


def train_stacked(
    layer_dims,
    X,
    Y,
    *,
    learning_rates=0.0075,
    seeds=None,
    initialization="scaled",
    course=False,
    initial_parameters=None,
    hidden_activation="relu",
    output_activation="sigmoid",
    loss=None,
    num_iterations=2500,
    cost_every=1,
    sample_weight=None,
    X_val=None,
    Y_val=None,
    dtype=None,
) -> StackedResult:
    """Train K networks with the same ``layer_dims`` at once, one per (learning rate, seed).

    Model k is exactly ``train(initialize_parameters(layer_dims, initialization, seeds[k], course,
    dtype), X, Y, learning_rate=learning_rates[k], ...)``: same parameters, same costs.

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n[1], …, n[L]].
    X, Y : ndarray
        (n_x, m) and (n[L], m), already encoded (binary row, one-hot) and standardized as wanted.
    learning_rates : float or sequence of float
        α per model; a single value is shared.
    seeds : int, None or sequence
        Initialization seed per model; a single value is shared. K is the longer of the two lists.
    initialization : {'zeros', 'random', 'scaled', 'he', 'xavier'}
    course : bool
        The legacy ``RandomState`` seeding of the course.
    initial_parameters : list of dict, optional
        θ(0) per model instead of ``seeds``/``initialization``.
    hidden_activation, output_activation, loss : str
        As in :func:`denseflow.training.train`.
    num_iterations, cost_every : int
    sample_weight : ndarray (1, m), optional
    X_val, Y_val : ndarray, optional
        Validation data, recorded per model as in ``train``.
    dtype : {'float64', 'float32'}, optional
        Defaults to X's floating dtype (float64 otherwise).

    Returns
    -------
    StackedResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0., 0., 1., 1.]])
    >>> run = train_stacked([1, 1], X, Y, learning_rates=[0.5, 1.0], initialization="zeros",
    ...                     num_iterations=50)
    >>> [round(h.costs[0], 6) for h in run.histories]
    [0.693147, 0.693147]
    """
    owner = "train_stacked"
    dims = check_layer_dims(layer_dims, "layer_dims", owner)
    X, Y = check_XY(X, Y, n_x=dims[0], owner=owner)
    if Y.shape[0] != dims[-1]:
        raise ValueError(f"Y has {Y.shape[0]} rows but layer_dims[-1] is {dims[-1]}; they must be equal.")
    if dtype is None:
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    dtype = np.dtype(check_choice(str(np.dtype(dtype)), ("float64", "float32"), "dtype", owner))
    check_choice(hidden_activation, HIDDEN_ACTIVATIONS, "hidden_activation", owner)
    if hidden_activation not in SUPPORTED_HIDDEN:
        raise ValueError(
            f"train_stacked supports the hidden activations {SUPPORTED_HIDDEN}; got {hidden_activation!r}."
        )
    check_choice(output_activation, ACTIVATIONS, "output_activation", owner)
    hidden = get_activation(hidden_activation, "hidden_activation", owner, hidden=True)
    output = get_activation(output_activation, "output_activation", owner)
    loss = get_loss(loss, "loss", owner, output=output)
    num_iterations = check_positive_int(num_iterations, "num_iterations", owner)
    cost_every = check_positive_int(cost_every, "cost_every", owner)
    rates = [check_positive(a, "learning_rates", owner) for a in _as_list(learning_rates, "learning_rates")]
    if initial_parameters is not None:
        params = [{k: np.array(v, dtype=dtype) for k, v in p.items()} for p in initial_parameters]
        seed_list = [None] * len(params)
    else:
        check_choice(initialization, INITIALIZERS, "initialization", owner)
        seed_list = _as_list(seeds, "seeds")
        params = None
    K = max(len(rates), len(seed_list))
    for name, values in (("learning_rates", rates), ("seeds", seed_list)):
        if len(values) not in (1, K):
            raise ValueError(
                f"The {name!r} parameter of {owner} has {len(values)} values but another list has {K}; "
                f"give one value (shared) or {K}."
            )
    rates = rates * K if len(rates) == 1 else rates
    seed_list = seed_list * K if len(seed_list) == 1 else seed_list
    if params is None:
        params = [initialize_parameters(dims, initialization, s, course, dtype) for s in seed_list]
    X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype).reshape(1, -1)
    validating = X_val is not None
    if validating:
        X_val, Y_val = check_XY(X_val, Y_val, X_name="X_val", Y_name="Y_val", n_x=dims[0], owner=owner)
        X_val, Y_val = X_val.astype(dtype, copy=False), Y_val.astype(dtype, copy=False)

    engine = StackedEngine(params, X, Y, hidden, output, loss, rates, weights)
    recorded = sorted(set(range(0, num_iterations, cost_every)) | {num_iterations - 1})
    costs = np.empty((len(recorded), K))  # row r: the K costs of the r-th recorded iteration
    val = np.empty((len(recorded), K, 2)) if validating else None
    diverged = {}  # model → (iteration, cost, θ(i), number of records)
    r = 0
    # A diverged model goes on computing inf and NaN beside the others: it is reported in errors.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            record = r < len(recorded) and recorded[r] == i
            J = engine.step(record)
            if record:
                costs[r] = J
                bad = ~np.isfinite(J)
                if bad.any():
                    for k in np.flatnonzero(bad):
                        if k not in diverged:
                            diverged[k] = (i, float(J[k]), engine.last_finite[int(k)], r)
                    if len(diverged) == K:
                        break
                if validating:
                    for k in range(K):
                        if k not in diverged:
                            AL, caches = _model_forward(X_val, engine.parameters_of(k, previous=True), hidden, output)
                            val[r, k] = cost_of(loss, output, AL, Y_val, caches[-1].Z), accuracy_of(AL, Y_val, output)
                r += 1
            elif J is not None:  # Z[L] of some model overflowed on an unrecorded iteration
                for k in np.flatnonzero(~np.isfinite(J)):
                    if k not in diverged:
                        diverged[k] = (i, math.nan, engine.last_finite[int(k)], r)
                if len(diverged) == K:
                    break
        final = engine.cost()

    histories, parameters, errors = [], [], []
    for k in range(K):
        n = diverged[k][3] if k in diverged else r
        h = History(recorded[:n], costs[:n, k].tolist(),
                    val[:n, k, 0].tolist() if validating else [], val[:n, k, 1].tolist() if validating else [],
                    learning_rates=[float(rates[k])] * n)
        err = None
        if k in diverged:
            i, J, theta, _ = diverged[k]
        elif not math.isfinite(final[k]):
            i, J, theta = num_iterations, float(final[k]), engine.parameters_of(k, previous=True)
        else:
            h.final_cost = float(final[k])
            theta = engine.parameters_of(k)
            i = None
        if i is not None:
            err = TrainingDivergedError(i, J, rates[k])
            err.result = TrainingResult(theta, h, GradientDescentState(min(i, num_iterations - 1)))
        histories.append(h)
        parameters.append(theta)
        errors.append(err)
    return StackedResult(parameters, histories, rates, seed_list, errors, num_iterations)
