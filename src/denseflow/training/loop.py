"""The training loop: full-batch gradient descent, history, callbacks, divergence guard.

One iteration i (0-based, as the course counts) is

1. forward propagation with the current parameters θ(i);
2. the cost J(θ(i)) — *the cost at iteration i is the cost of the parameters before the i-th
   update*, so iteration 0 is the cost of the initial parameters;
3. backward propagation;
4. the update θ(i+1) = θ(i) − α dθ(i).

The arithmetic of one iteration lives in an *engine* (:mod:`denseflow.training`: the
:class:`~denseflow.training.ReferenceEngine`, built from the step-by-step course functions, or the
fast engine of :mod:`denseflow.training`, the same numbers on preallocated buffers). The loop around
it records the :class:`History`, runs callbacks, checks for divergence and supports resuming
from a :class:`Checkpoint`.

Examples
--------
>>> import numpy as np
>>> from denseflow.training import train
>>> from denseflow.core.initializers import initialize_parameters
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
>>> result = train(initialize_parameters([1, 1], "zeros"), X, Y, learning_rate=0.5, num_iterations=100)
>>> round(result.history.costs[0], 6), result.history.costs[-1] < 0.3
(0.693147, True)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np

from denseflow.core.activations import Activation, get_activation
from denseflow.core.losses import cost_of, get_loss
from denseflow.core.optimizers import GradientDescentState
from denseflow.core.propagation import _model_forward
from denseflow.training.engines import make_engine

__all__ = [
    "History",
    "TrainingEvent",
    "Checkpoint",
    "TrainingResult",
    "TrainingDivergedError",
    "TrainingWarning",
    "StopTraining",
    "train",
    "predict_labels",
    "accuracy_of",
]


class TrainingDivergedError(FloatingPointError):
    """Raised when the cost becomes NaN or infinite.

    Attributes
    ----------
    iteration : int
        The iteration whose cost was not finite.
    cost : float
    """

    def __init__(self, iteration: int, cost: float, learning_rate: float | None = None):
        self.iteration = iteration
        self.cost = cost
        self.learning_rate = learning_rate
        hint = f" (learning_rate={learning_rate:g})" if learning_rate is not None else ""
        super().__init__(
            f"Training diverged: the cost became {cost} at iteration {iteration}{hint}. "
            f"Try a smaller learning rate, e.g. a tenth of it. The model keeps the last parameters "
            f"whose cost was finite (iteration {max(iteration - 1, 0)})."
        )


class TrainingWarning(UserWarning):
    """Training finished, but its costs say it did not learn (see :attr:`History.problems`).

    Issued by :func:`train` (after at least :data:`MIN_UPDATES_TO_JUDGE` updates) when the cost
    ended above where it started (the learning rate is too large for gradient descent to
    settle), stopped moving (both: :attr:`History.problems`), or when every example gets exactly
    the same output (the network ignores its input, e.g. every ReLU unit of a layer is dead).
    """


#: A run is judged only after this many updates (one update on a batch proves nothing).
MIN_UPDATES_TO_JUDGE = 10
#: The cost "stopped moving" when it changed by less than this fraction of itself over the
#: second half of the run, and is not a perfect fit (at most ``FLAT_FLOOR``, e.g. an exact regression).
FLAT_RTOL = 1e-9
FLAT_FLOOR = 1e-10


class StopTraining(Exception):
    """Raise from a callback to end training after the current update (early stopping)."""


@dataclass
class History:
    """What training recorded.

    Attributes
    ----------
    iterations : list of int
        The iterations whose cost was computed (every iteration by default, so that
        ``costs[i]`` is the cost at iteration i).
    costs : list of float
        J(θ(i)) for each recorded iteration i: the cost *before* the i-th update.
    val_costs, val_accuracies : list of float
        The same for the validation data, when given (else empty).
    final_cost : float or None
        The cost of the parameters after the last update.
    """

    iterations: list = field(default_factory=list)
    costs: list = field(default_factory=list)
    val_costs: list = field(default_factory=list)
    val_accuracies: list = field(default_factory=list)
    final_cost: float | None = None

    def cost_at(self, iteration: int) -> float:
        """The cost recorded at ``iteration`` (KeyError-free: ValueError if not recorded)."""
        try:
            return self.costs[self.iterations.index(iteration)]
        except ValueError:
            raise ValueError(f"No cost was recorded at iteration {iteration}.") from None

    def truncated(self, n_iterations: int) -> "History":
        """A copy holding only the records of iterations < ``n_iterations``."""
        k = sum(1 for i in self.iterations if i < n_iterations)
        return History(
            list(self.iterations[:k]),
            list(self.costs[:k]),
            list(self.val_costs[:k]),
            list(self.val_accuracies[:k]),
            None,
        )

    def to_dict(self) -> dict:
        return {
            "iterations": [int(i) for i in self.iterations],
            "costs": [float(c) for c in self.costs],
            "val_costs": [float(c) for c in self.val_costs],
            "val_accuracies": [float(a) for a in self.val_accuracies],
            "final_cost": None if self.final_cost is None else float(self.final_cost),
        }

    @property
    def problems(self) -> list:
        """What the costs say went wrong: a list of sentences (empty when nothing did).

        Judged on runs of at least :data:`MIN_UPDATES_TO_JUDGE` updates, once training has ended
        (``final_cost`` is set):

        * the cost ended above where it started: J(θ_final) > J(θ(0)) (beyond float noise,
          1e−9 of J(θ(0))) — gradient descent overshoots;
        * the cost stopped moving: over the second half of the run, J changed by at most
          :data:`FLAT_RTOL` × J, and J > :data:`FLAT_FLOOR` (not a perfect fit) — the network
          stopped learning (dead ReLU units, saturated units), or it converged long ago.

        Examples
        --------
        >>> History([0, 10, 19], [0.69, 40.0, 130.0], final_cost=135.9).problems[0][:45]
        'The cost ended above where it started (0.69 a'
        >>> History(list(range(20)), [0.9] + [0.693147] * 19, final_cost=0.693147).problems[0][:30]
        'The cost stopped moving: it st'
        >>> History(list(range(20)), [0.9 - 0.01 * i for i in range(20)], final_cost=0.7).problems
        []
        """
        if self.final_cost is None or not self.costs or not self.iterations \
                or self.iterations[-1] + 1 < MIN_UPDATES_TO_JUDGE:
            return []
        first, last, n = float(self.costs[0]), float(self.final_cost), self.iterations[-1] + 1
        found = []
        if math.isfinite(first) and math.isfinite(last) and last - first > 1e-9 * abs(first):
            found.append(
                f"The cost ended above where it started ({first:.6g} at iteration 0, {last:.6g} after {n} "
                f"updates): gradient descent overshoots. Try a smaller learning rate, e.g. a tenth of it."
            )
        half = n // 2
        tail = [float(c) for i, c in zip(self.iterations, self.costs) if i >= half] + [last]
        if len(tail) >= 2 and abs(last) > FLAT_FLOOR and max(tail) - min(tail) <= FLAT_RTOL * abs(last):
            found.append(
                f"The cost stopped moving: it stayed at {last:.6g} from iteration {half} to {n} (changing "
                f"by less than {FLAT_RTOL:g} of itself). The network stopped learning (e.g. every ReLU "
                f"unit is dead: try a smaller learning rate), or it converged long before the last "
                f"iteration and fewer iterations would do."
            )
        return found

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(
            list(d.get("iterations", [])),
            list(d.get("costs", [])),
            list(d.get("val_costs", [])),
            list(d.get("val_accuracies", [])),
            d.get("final_cost"),
        )


class Checkpoint(NamedTuple):
    """Everything needed to continue a run exactly: θ after ``iteration`` updates."""

    parameters: dict
    optimizer_state: GradientDescentState
    iteration: int
    history: History


class TrainingEvent(NamedTuple):
    """What a callback receives after the update of iteration ``iteration``.

    ``cost`` is J(θ(iteration)) (``None`` if not computed at that iteration), ``completed`` the
    number of updates done; ``checkpoint()`` returns a :class:`Checkpoint` of the state after
    those updates and ``parameters()`` only its parameters (copies, safe to keep).
    """

    iteration: int
    completed: int
    num_iterations: int
    cost: float | None
    val_cost: float | None
    val_accuracy: float | None
    history: History
    checkpoint: Callable[[], Checkpoint]
    parameters: Callable[[], dict] | None = None


class TrainingResult(NamedTuple):
    parameters: dict
    history: History
    optimizer_state: GradientDescentState


def predict_labels(AL, output: Activation):
    """Labels from probabilities: 1 iff p > 0.5 (sigmoid), argmax (softmax)."""
    if output.name == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return (AL > 0.5).astype(np.int64)


def accuracy_of(AL, Y, output: Activation) -> float:
    """Fraction of examples predicted right (Y one-hot for softmax)."""
    if output.name == "softmax":
        return float(np.mean(np.argmax(AL, axis=0) == np.argmax(Y, axis=0)))
    return float(np.mean(predict_labels(AL, output) == Y))


def _diverged(iteration, cost, learning_rate, parameters, history, step):
    err = TrainingDivergedError(iteration, cost, learning_rate)
    err.result = TrainingResult(parameters, history, GradientDescentState(step))
    return err


def train(
    parameters,
    X,
    Y,
    *,
    hidden_activation="relu",
    output_activation="sigmoid",
    loss=None,
    learning_rate=0.0075,
    num_iterations=2500,
    X_val=None,
    Y_val=None,
    sample_weight=None,
    cost_every: int = 1,
    callbacks: Sequence[tuple[int, Callable[[TrainingEvent], None]]] = (),
    resume_from: Checkpoint | None = None,
    engine: str = "auto",
) -> TrainingResult:
    """Full-batch gradient descent from ``parameters`` (or ``resume_from``) for ``num_iterations``.

    Inputs are assumed validated (the models validate them); arrays are used as given.

    Parameters
    ----------
    parameters : dict
        θ(0), the course's ``{"W1", "b1", …}`` (ignored when ``resume_from`` is given).
    X, Y : ndarray
        (n_x, m) and (n_y, m).
    hidden_activation, output_activation, loss : str or record
    learning_rate : float
        α.
    num_iterations : int
        Total number of updates; with ``resume_from``, training continues from its iteration up
        to this number.
    X_val, Y_val : ndarray, optional
        Validation data; its cost and accuracy are recorded with the training cost.
    sample_weight : ndarray (1, m), optional
        Weights of the examples in the cost and its gradients.
    cost_every : int, default 1
        Compute (and record) the cost every this many iterations; iteration 0 and the last are
        always recorded. 1 records every iteration.
    callbacks : sequence of (every, fn)
        ``fn(TrainingEvent)`` runs after the update of iteration i whenever ``i % every == 0``
        and after the last iteration. A callback may raise :class:`StopTraining` to end
        training after that update (early stopping).
    resume_from : Checkpoint, optional
        Continue a run exactly (full-batch gradient descent is deterministic, so the result is
        bit-identical to an uninterrupted run).
    engine : {'auto', 'reference', 'fast'}
        'auto' (default) uses :class:`denseflow.training.FastEngine` (same numbers, buffered) when it
        supports the hidden activation, else :class:`ReferenceEngine`.

    Returns
    -------
    TrainingResult
        ``(parameters, history, optimizer_state)``.

    Raises
    ------
    TrainingDivergedError
        When a cost is NaN or infinite; its ``result`` attribute holds the last finite
        parameters and the history up to them.
    """
    hidden = get_activation(hidden_activation, "hidden_activation", "train", hidden=True)
    output = get_activation(output_activation, "output_activation", "train")
    loss = get_loss(loss, "loss", "train", output=output)
    if resume_from is not None:
        parameters = resume_from.parameters
        start = int(resume_from.iteration)
        if start > num_iterations:
            raise ValueError(
                f"The checkpoint is at iteration {start}, beyond num_iterations={num_iterations}: "
                f"ask for at least {start} iterations to resume it."
            )
        history = resume_from.history.truncated(start)
    else:
        start, history = 0, History()
    eng = make_engine(engine, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight)
    validating = X_val is not None
    callbacks = [(max(1, int(every)), fn) for every, fn in callbacks]
    last = num_iterations - 1

    def copy_parameters():
        return {k: v.copy() for k, v in eng.parameters.items()}

    def checkpoint(done):
        def make():
            return Checkpoint(
                {k: v.copy() for k, v in eng.parameters.items()},
                GradientDescentState(done),
                done,
                history.truncated(done),
            )

        return make

    # The hot loop: one engine step per iteration and as little Python as possible around it
    # (planar-sized networks take a few microseconds per step). e^x may overflow in the fast
    # engine's cost for a saturated logit; it then falls back to the stable formula, and a
    # diverging run is reported by the guard below, so overflow and invalid-value warnings are
    # silenced here (the guard names the iteration instead).
    step, isfinite = eng.step, math.isfinite
    iterations_append, costs_append = history.iterations.append, history.costs.append
    completed = num_iterations
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(start, num_iterations):
            record = i % cost_every == 0 or i == last
            cost = step(record)
            val_cost = val_acc = None
            if record:
                if not isfinite(cost):
                    raise _diverged(i, cost, learning_rate, eng.previous_parameters, history, i)
            elif cost is not None:
                # Not a recorded iteration, but the engine found Z[L] not finite: no update was made.
                raise _diverged(i, cost, learning_rate, eng.previous_parameters, history, i)
            if record:
                iterations_append(i)
                costs_append(cost)
                if validating:
                    # Validation metrics of θ(i), the parameters the training cost was computed with.
                    AL_val, caches_val = _model_forward(X_val, eng.previous_parameters, hidden, output)
                    val_cost = cost_of(loss, output, AL_val, Y_val, caches_val[-1].Z)
                    val_acc = accuracy_of(AL_val, Y_val, output)
                    history.val_costs.append(val_cost)
                    history.val_accuracies.append(val_acc)
            if callbacks:
                try:
                    for every, fn in callbacks:
                        if i % every == 0 or i == last:
                            fn(TrainingEvent(i, i + 1, num_iterations, cost, val_cost, val_acc, history,
                                             checkpoint(i + 1), copy_parameters))
                except StopTraining:
                    completed = i + 1
                    break
        final_cost = eng.cost()
    if not isfinite(final_cost):
        raise _diverged(num_iterations, final_cost, learning_rate, eng.previous_parameters, history, num_iterations - 1)
    history.final_cost = final_cost
    if completed - start >= MIN_UPDATES_TO_JUDGE:
        problems = list(history.problems)
        if X.shape[1] > 1 and not np.any(np.ptp(_model_forward(X, eng.parameters, hidden, output)[0], axis=1)):
            problems.append(
                "Every example gets the same output: the network ignores its input (e.g. every ReLU unit "
                "of a hidden layer is dead). Try a smaller learning rate or another initialization."
            )
        for problem in problems:
            warnings.warn(problem, TrainingWarning, stacklevel=2)
    return TrainingResult(eng.parameters, history, GradientDescentState(completed))
