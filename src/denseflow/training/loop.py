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
from denseflow.core.validation import check_choice, check_fraction, check_positive, check_positive_int
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
    "make_schedule",
    "COURSE_MINI_BATCH_SEED",
]


class TrainingDivergedError(FloatingPointError):
    """Raised when the cost becomes NaN or infinite.

    Parameters
    ----------
    iteration : int
        The iteration (or epoch) whose cost was not finite.
    cost : float
    learning_rate : float, optional
        α of the run, named in the message.
    unit : {'iteration', 'epoch'}, default 'iteration'
        What ``iteration`` counts: full-batch updates, or epochs when the run counts epochs
        (mini-batches, or ``num_epochs`` given); the message names it.

    Attributes
    ----------
    iteration : int
        The iteration (or epoch, see ``unit``) whose cost was not finite.
    cost : float
    learning_rate : float or None
    unit : str

    Examples
    --------
    >>> err = TrainingDivergedError(7, float("nan"), 0.5, unit="epoch")
    >>> str(err).split(". ")[0], err.iteration
    ('Training diverged: the cost became nan at epoch 7 (learning_rate=0.5)', 7)
    """

    def __init__(self, iteration: int, cost: float, learning_rate: float | None = None, unit: str = "iteration"):
        check_choice(unit, ("iteration", "epoch"), "unit", "TrainingDivergedError")
        self.iteration = iteration
        self.cost = cost
        self.learning_rate = learning_rate
        self.unit = unit
        hint = f" (learning_rate={learning_rate:g})" if learning_rate is not None else ""
        super().__init__(
            f"Training diverged: the cost became {cost} at {unit} {iteration}{hint}. "
            f"Try a smaller learning rate, e.g. a tenth of it. The model keeps the last parameters "
            f"whose cost was finite ({unit} {max(iteration - 1, 0)})."
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
        The cost of the parameters after the last update (full batch); with mini-batches, the
        last recorded epoch's cost.
    unit : {'iteration', 'epoch'}
        What ``iterations`` counts: full-batch updates ('iteration', where one epoch is one
        update), or epochs of mini-batches ('epoch'; ``costs`` then holds the epoch cost, the
        sum over its batches of batch cost × batch size / m, the course's ``cost_total / m``, and
        the validation records are those of the parameters at the end of the epoch).
    learning_rates : list of float
        α at each record (the schedule's α_t; empty in histories written before it existed, and
        in :meth:`to_dict` and files when α was constant: the model's ``learning_rate`` then).
    """

    iterations: list = field(default_factory=list)
    costs: list = field(default_factory=list)
    val_costs: list = field(default_factory=list)
    val_accuracies: list = field(default_factory=list)
    final_cost: float | None = None
    unit: str = "iteration"
    learning_rates: list = field(default_factory=list)

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
            self.unit,
            list(self.learning_rates[:k]),
        )

    def to_dict(self) -> dict:
        return {
            "iterations": [int(i) for i in self.iterations],
            "costs": [float(c) for c in self.costs],
            "val_costs": [float(c) for c in self.val_costs],
            "val_accuracies": [float(a) for a in self.val_accuracies],
            "final_cost": None if self.final_cost is None else float(self.final_cost),
            "unit": self.unit,
            # A constant α is the model's learning_rate: listed only when a schedule changed it (as
            # model files store it), so a history compares equal with or without the constant list.
            "learning_rates": [float(a) for a in self.learning_rates]
            if any(a != self.learning_rates[0] for a in self.learning_rates) else [],
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
        done = "updates" if self.unit == "iteration" else "epochs"
        if math.isfinite(first) and math.isfinite(last) and last - first > 1e-9 * abs(first):
            found.append(
                f"The cost ended above where it started ({first:.6g} at {self.unit} 0, {last:.6g} after {n} "
                f"{done}): gradient descent overshoots. Try a smaller learning rate, e.g. a tenth of it."
            )
        half = n // 2
        tail = [float(c) for i, c in zip(self.iterations, self.costs) if i >= half] + [last]
        if len(tail) >= 2 and abs(last) > FLAT_FLOOR and max(tail) - min(tail) <= FLAT_RTOL * abs(last):
            found.append(
                f"The cost stopped moving: it stayed at {last:.6g} from {self.unit} {half} to {n} (changing "
                f"by less than {FLAT_RTOL:g} of itself). The network stopped learning (e.g. every ReLU "
                f"unit is dead: try a smaller learning rate), or it converged long before the last "
                f"{self.unit} and fewer {self.unit}s would do."
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
            d.get("unit", "iteration"),
            list(d.get("learning_rates", [])),
        )


class Checkpoint(NamedTuple):
    """Everything needed to continue a run exactly: θ after ``iteration`` updates (full batch)
    or epochs (mini-batches).

    ``optimizer_state`` is the optimizer's state (:class:`~denseflow.core.optimizers.AdamState`
    … with its step count t, v and s), ``iteration`` also the schedule's position, and
    ``rng_state`` the state of the generators that draw the data order and the dropout masks
    (``{"order": …, "dropout": …}``, each a bit generator's JSON-able ``state`` dict, or None
    when the run draws nothing or draws as the course does, from the epoch number).
    ``best_parameters`` are the parameters of the best validation epoch so far (the epoch and
    cost follow from ``history.val_costs``) when the run keeps them (early stopping with
    ``restore_best_weights``), else None: a resumed run then restores them as an uninterrupted one.
    """

    parameters: dict
    optimizer_state: GradientDescentState
    iteration: int
    history: History
    rng_state: dict | None = None
    best_parameters: dict | None = None


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
    """What :func:`train` returns: the parameters, the history, the optimizer's state, and

    ``n_epochs`` (epochs run), ``n_updates`` (optimizer steps, Adam's t), ``best_epoch`` /
    ``best_val_cost`` (the epoch with the lowest validation cost, improvements counted beyond
    ``tol`` under early stopping; None without validation data), ``stopped_early``, and
    ``rng_state`` (the data-order and dropout generators' states at the end, as in :class:`Checkpoint`).
    """

    parameters: dict
    history: History
    optimizer_state: GradientDescentState
    n_epochs: int = 0
    n_updates: int = 0
    best_epoch: int | None = None
    best_val_cost: float | None = None
    stopped_early: bool = False
    rng_state: dict | None = None


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


def _diverged(iteration, cost, learning_rate, parameters, history, step, unit="iteration"):
    err = TrainingDivergedError(iteration, cost, learning_rate, unit)
    history.learning_rates = [float(learning_rate)] * len(history.iterations)
    err.result = TrainingResult(parameters, history, GradientDescentState(step), step, step)
    return err


#: The course's mini-batch seed: the Optimization notebook's model sets ``seed = 10`` and
#: reshuffles epoch e with seed 10 + e + 1 (11, 12, …); course mode draws its permutations so.
COURSE_MINI_BATCH_SEED = 10


class _Best:
    """The lowest validation cost so far (an improvement must beat it by ``tol``) and, for
    early stopping, the parameters it was reached with (one copy, replaced at each improvement).

    A NaN or infinite validation cost is never the best (NaN compares False with everything, so
    it could never be improved on): while no cost has been finite, ``epoch`` and ``cost`` stay
    None, nothing is restored, and early stopping counts ``patience`` from the first record.
    """

    def __init__(self, tol, patience, keep_parameters, start_epoch, history, best_parameters=None):
        self.tol, self.patience, self.keep = tol, patience, keep_parameters
        self.epoch = self.cost = self.parameters = None
        self.first = None  # the first epoch recorded: patience counts from it while no cost is finite
        self.stopped = False
        # Resuming: the records before the checkpoint count (the same decisions as an uninterrupted run),
        # and the checkpoint's copy of the best epoch's parameters is the one restored at the end.
        for e, c in zip(history.iterations, history.val_costs):
            if e < start_epoch:
                self.first = e if self.first is None else self.first
                if math.isfinite(c) and (self.cost is None or c < self.cost - self.tol):
                    self.epoch, self.cost = e, c
        if self.keep and self.epoch is not None and best_parameters is not None:
            self.parameters = {k: np.array(v, copy=True) for k, v in best_parameters.items()}

    def kept(self):
        """The best epoch's parameters for a :class:`Checkpoint` (None when not kept)."""
        return self.parameters if self.keep else None

    def update(self, epoch, val_cost, parameters, stopping) -> bool:
        """Record epoch ``epoch``'s validation cost; True when early stopping says stop."""
        if self.first is None:
            self.first = epoch
        if math.isfinite(val_cost) and (self.cost is None or val_cost < self.cost - self.tol):
            self.epoch, self.cost = epoch, float(val_cost)
            if self.keep:
                self.parameters = {k: np.array(v, copy=True) for k, v in parameters.items()}
            return False
        if stopping and epoch - (self.first if self.epoch is None else self.epoch) >= self.patience:
            self.stopped = True
        return self.stopped


def _generators(seed, course):
    """The data-order and dropout generators of a run: two PCG64 streams spawned from
    ``SeedSequence(seed)`` (fresh entropy for None); none in course mode (it draws from the epoch)."""
    if course:
        return None, None
    order, dropout = np.random.SeedSequence(seed).spawn(2)
    return np.random.Generator(np.random.PCG64(order)), np.random.Generator(np.random.PCG64(dropout))


def _rng_state(order_rng, dropout_rng):
    if order_rng is None:
        return None
    return {"order": order_rng.bit_generator.state, "dropout": dropout_rng.bit_generator.state}


def make_schedule(name, learning_rate, num_epochs, decay_rate=None, time_interval=None):
    """The :class:`~denseflow.core.schedules.LearningRateSchedule` ``name`` from α₀ = ``learning_rate``.

    ``name`` is a schedule of :data:`denseflow.core.schedules.SCHEDULES` ('inverse_time' or
    'inverse-time'), or a schedule already built (returned as is). ``decay_rate`` and
    ``time_interval`` (None: the schedule's defaults) go to the schedules that take them;
    'cosine' goes from α₀ to 0 over ``num_epochs`` epochs.
    """
    from denseflow.core.schedules import get_schedule, schedule_name

    if callable(name):
        return name
    name = schedule_name(name, "learning_rate_schedule", "train")
    hyper = {"learning_rate0": learning_rate}
    if name == "cosine":
        hyper["num_epochs"] = num_epochs
    elif name != "constant":
        if decay_rate is not None:
            hyper["decay_rate"] = decay_rate
        if time_interval is not None:
            hyper["time_interval"] = time_interval
    return get_schedule(name, **hyper)


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
    optimizer: str = "gd",
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    nesterov: bool = False,
    batch_size: int | None = None,
    num_epochs: int | None = None,
    shuffle: bool = True,
    learning_rate_schedule="constant",
    decay_rate: float | None = None,
    time_interval: int | None = None,
    lambd: float = 0.0,
    keep_prob=1.0,
    seed=None,
    course: bool = False,
    early_stopping: bool = False,
    patience: int = 10,
    tol: float = 1e-4,
    restore_best_weights: bool = True,
) -> TrainingResult:
    """Train from ``parameters`` (or ``resume_from``): full-batch gradient descent as the first course
    does, or mini-batches, another optimizer, a learning-rate schedule, L2 and dropout (the second).

    Inputs are assumed validated (the models validate them); arrays are used as given.

    One epoch is one pass over the m examples: with ``batch_size=None`` one full-batch update
    (so epochs and iterations are the same, ``history.unit == 'iteration'``), else ⌈m / B⌉
    updates on mini-batches of B examples (the last one smaller), reshuffled every epoch
    (``history.unit == 'epoch'``).

    Parameters
    ----------
    parameters : dict
        θ(0), the course's ``{"W1", "b1", …}`` (ignored when ``resume_from`` is given).
    X, Y : ndarray
        (n_x, m) and (n_y, m).
    hidden_activation, output_activation, loss : str or record
    learning_rate : float
        α (α₀ of the schedule).
    num_iterations : int
        The number of epochs when ``num_epochs`` is None (full batch: updates); with
        ``resume_from``, training continues from its iteration up to this number.
    X_val, Y_val : ndarray, optional
        Validation data; its cost (without the L2 term) and accuracy are recorded with the
        training cost: of θ(i) for full batch (the parameters the training cost was computed
        with), of the parameters at the end of the epoch for mini-batches.
    sample_weight : ndarray (1, m), optional
        Weights of the examples in the cost and its gradients.
    cost_every : int, default 1
        Compute (and record) the cost every this many epochs; epoch 0 and the last are always
        recorded. 1 records every epoch.
    callbacks : sequence of (every, fn)
        ``fn(TrainingEvent)`` runs after epoch i whenever ``i % every == 0`` and after the last.
        A callback may raise :class:`StopTraining` to end training after that epoch.
    resume_from : Checkpoint, optional
        Continue a run exactly: the optimizer's state, the schedule's position and the
        generators' states come from the checkpoint, so the result is bit-identical to an
        uninterrupted run.
    engine : {'auto', 'reference', 'fast'}
        'auto' (default) uses :class:`denseflow.training.FastEngine` or
        :class:`~denseflow.training.FastBatchEngine` (the same numbers, buffered; Adam outside course
        mode to rounding, its step folded) when it supports the hidden activation and the step, else
        :class:`ReferenceEngine`.
    optimizer : {'gd', 'momentum', 'rmsprop', 'adam'}
    beta1, beta2, epsilon, nesterov
        Momentum's β = ``beta1`` (``nesterov``: the look-ahead step), RMSprop's β = ``beta2``
        and ε, Adam's β₁, β₂, ε.
    batch_size : int or None
        None: full batch; B: mini-batches of B examples.
    num_epochs : int or None
        Epochs; None: ``num_iterations``.
    shuffle : bool, default True
        Reshuffle the examples every epoch (mini-batches).
    learning_rate_schedule : str or LearningRateSchedule, default 'constant'
        α_t of epoch t (see :func:`make_schedule`); in course mode epoch t ≥ 1 uses α_{t−1}, as
        the notebook updates the rate after each epoch.
    decay_rate, time_interval : optional
        The schedule's k and T.
    lambd : float, default 0
        L2: J += (λ/2B) Σ‖W[l]‖²_F and dW[l] += (λ/B) W[l] on a batch of B examples.
    keep_prob : float or list of float, default 1
        Inverted dropout on the hidden layers (1: none).
    seed : int or None
        Seeds the data order and the dropout masks (two streams of ``SeedSequence(seed)``).
    course : bool, default False
        Draw as the second course's notebooks: epoch e's permutation from
        ``random_mini_batches(X, Y, B, seed=11 + e)`` and dropout masks from a new
        ``RandomState(1)`` at every forward pass.
    early_stopping : bool, default False
        Stop when the validation cost has not improved by ``tol`` for ``patience`` epochs
        (needs X_val, Y_val); the best epoch's parameters are returned when
        ``restore_best_weights``.
    patience, tol, restore_best_weights

    Returns
    -------
    TrainingResult

    Raises
    ------
    TrainingDivergedError
        When a cost is NaN or infinite; its ``result`` attribute holds the last finite
        parameters and the history up to them.

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.core.initializers import initialize_parameters
    >>> X = np.random.default_rng(0).normal(size=(2, 100)); Y = (X[:1] > 0).astype(float)
    >>> result = train(initialize_parameters([2, 3, 1], "he", seed=0), X, Y, optimizer="adam",
    ...                learning_rate=0.01, batch_size=32, num_epochs=20, seed=0)
    >>> result.history.unit, len(result.history.costs), result.n_updates  # 4 batches an epoch
    ('epoch', 20, 80)
    >>> result.history.costs[-1] < result.history.costs[0]
    True
    """
    from denseflow.training.engines import TrainingSetup

    hidden = get_activation(hidden_activation, "hidden_activation", "train", hidden=True)
    output = get_activation(output_activation, "output_activation", "train")
    loss = get_loss(loss, "loss", "train", output=output)
    n_epochs = num_iterations if num_epochs is None else num_epochs
    # What the run counts, as its History says (history.unit): epochs of mini-batches, else iterations
    # (full-batch updates, one an epoch); and the parameter the user set its length with.
    unit = "iteration" if batch_size is None else "epoch"
    length = "num_iterations" if num_epochs is None else "num_epochs"
    _check_training(optimizer, beta1, beta2, epsilon, learning_rate, batch_size, n_epochs, lambd, keep_prob)
    if early_stopping and X_val is None:
        raise ValueError("early_stopping needs validation data: pass X_val and Y_val to train.")
    L = num_layers_of(parameters if resume_from is None else resume_from.parameters)
    keep_probs = None
    if L > 1:
        keep = list(np.ravel(keep_prob)) if np.ndim(keep_prob) else [keep_prob] * (L - 1)
        if len(keep) != L - 1:
            raise ValueError(
                f"The 'keep_prob' parameter of train must be a number or a list of {L - 1} numbers, one per hidden "
                f"layer (the output layer is never dropped). Got {len(keep)} numbers instead."
            )
        keep_probs = tuple(float(k) for k in keep) if any(k < 1 for k in keep) else None
    setup = TrainingSetup(optimizer, float(beta1), float(beta2), float(epsilon), bool(nesterov), float(lambd),
                          keep_probs, bool(course))
    schedule = make_schedule(learning_rate_schedule, learning_rate, n_epochs, decay_rate, time_interval)
    constant = getattr(schedule, "name", None) == "constant"
    if resume_from is not None:
        parameters = resume_from.parameters
        start = int(resume_from.iteration)
        history = resume_from.history.truncated(start)
        _check_cosine_horizon(schedule, history, n_epochs, bool(course), start, length)
        if start > n_epochs:
            raise ValueError(
                f"The checkpoint is at {unit} {start}, beyond {length}={n_epochs}: set {length} to more than "
                f"{start} to train it further from the checkpoint."
            )
    else:
        start, history = 0, History()
    best = _Best(float(tol), int(patience), bool(early_stopping and restore_best_weights), start, history,
                 None if resume_from is None else getattr(resume_from, "best_parameters", None)) \
        if X_val is not None else None
    if setup.plain and batch_size is None and constant:
        result = _train_full_batch(parameters, X, Y, hidden, output, loss, learning_rate, n_epochs, X_val, Y_val,
                                   sample_weight, cost_every, callbacks, start, history, engine, best,
                                   early_stopping, unit)
    else:
        result = _train_epochs(parameters, X, Y, hidden, output, loss, learning_rate, n_epochs, X_val, Y_val,
                               sample_weight, cost_every, callbacks, start, history, engine, best, early_stopping,
                               setup, schedule, batch_size, shuffle, seed, resume_from, unit)
    return result


def _check_cosine_horizon(schedule, history, num_epochs, course, start=None, length="num_epochs"):
    """Refuse to resume a cosine schedule over another horizon than the checkpoint's: its learning
    rates (``history.learning_rates``) must be the ones the schedule gives now, else α would jump.
    Undetectable (and harmless to let pass) when every record so far is at α₀.

    A cosine schedule cannot be extended: its horizon T is ``num_epochs`` itself, and a longer
    one changes the rates of the epochs already run; past T, α stays at its minimum (0 unless the
    schedule says otherwise). The message says so, and what to do instead.
    """
    if getattr(schedule, "name", None) != "cosine" or len(history.learning_rates) != len(history.iterations):
        return
    for e, recorded in zip(history.iterations, history.learning_rates):
        now = float(schedule(max(e - 1, 0) if course else e))
        if math.isclose(now, recorded, rel_tol=1e-12, abs_tol=1e-300):
            continue
        seen = f"α was {recorded:.6g} at epoch {e}; over {length}={num_epochs} it would be {now:.6g}"
        horizon = _cosine_horizon(schedule, history, course)
        instead = (f"To train longer, start a new run with a larger {length} (from the trained parameters if you "
                   f"like: fit(..., initial_parameters=...) or train(parameters, ...)).")
        if horizon is not None and start is not None and start >= horizon:
            raise ValueError(
                f"The checkpoint is at epoch {start}, where its cosine schedule over {length}={horizon} has ended "
                f"(α decays to its minimum over {horizon} epochs), and a cosine run cannot be extended: a longer "
                f"{length} stretches the schedule and changes the learning rates of the epochs already run "
                f"({seen}). {instead}"
            )
        told = f"{length}={horizon}" if horizon is not None else f"the {length} the run started with"
        raise ValueError(
            f"The checkpoint's learning rates were laid by a cosine schedule over another number of epochs "
            f"or from another learning_rate ({seen}). A cosine schedule is laid over the run's epochs, so a "
            f"cosine run can only be resumed with {told} and the same learning_rate, and cannot be extended "
            f"beyond it. {instead}"
        )


def _cosine_horizon(schedule, history, course):
    """The horizon T (``num_epochs``) of the cosine schedule with ``schedule``'s α₀ and α_min that laid
    the history's learning rates, or None when they do not tell (every rate at α₀ or α_min, or
    another α₀).

    α = α_min + ½ (α₀ − α_min)(1 + cos(π t / T)) gives T = π t / arccos(2 (α − α_min) / (α₀ − α_min) − 1)
    from a rate strictly between α_min and α₀; the T found must give every recorded rate.
    """
    from denseflow.core.schedules import cosine

    hyper = dict(getattr(schedule, "hyperparameters", ()))
    a0, a_min = hyper.get("learning_rate0"), hyper.get("min_learning_rate", 0.0)
    if a0 is None or not a0 > a_min:
        return None
    epochs = [max(e - 1, 0) if course else e for e in history.iterations]
    for t, rate in zip(epochs, history.learning_rates):
        if t > 0 and a_min < rate < a0:
            angle = math.acos(min(1.0, max(-1.0, 2 * (rate - a_min) / (a0 - a_min) - 1)))  # π t / T
            if angle == 0.0:
                return None
            T = max(1, round(math.pi * t / angle))
            laid = cosine(a0, T, a_min)
            if all(math.isclose(laid(u), r, rel_tol=1e-9, abs_tol=1e-300)
                   for u, r in zip(epochs, history.learning_rates)):
                return T
            return None
    return None


def _check_training(optimizer, beta1, beta2, epsilon, learning_rate, batch_size, n_epochs, lambd, keep_prob):
    """The optimization and regularization settings of :func:`train`, with the library's messages
    (the models check theirs before; this guards direct calls)."""
    from denseflow.core.optimizers import OPTIMIZERS

    check_choice(optimizer, OPTIMIZERS, "optimizer", "train")
    check_fraction(beta1, "beta1", "train", low_closed=True, high_closed=False)
    check_fraction(beta2, "beta2", "train", low_closed=True, high_closed=False)
    check_positive(epsilon, "epsilon", "train")
    check_positive(learning_rate, "learning_rate", "train")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size", "train")
    check_positive_int(n_epochs, "num_epochs", "train")
    check_positive(lambd, "lambd", "train", allow_zero=True)
    for k in np.ravel(keep_prob):
        check_fraction(k.item() if isinstance(k, np.generic) else k, "keep_prob", "train", low_closed=False,
                       high_closed=True)


def num_layers_of(parameters) -> int:
    """L of a parameter dict ``{"W1", "b1", …}``."""
    return sum(1 for k in parameters if k.startswith("W"))


def _judge(history, X, parameters, hidden, output, updates):
    """Warn (:class:`TrainingWarning`) about what the costs say went wrong."""
    if updates < MIN_UPDATES_TO_JUDGE:
        return
    problems = list(history.problems)
    if X.shape[1] > 1 and not np.any(np.ptp(_model_forward(X, parameters, hidden, output)[0], axis=1)):
        problems.append(
            "Every example gets the same output: the network ignores its input (e.g. every ReLU unit "
            "of a hidden layer is dead). Try a smaller learning rate or another initialization."
        )
    for problem in problems:
        warnings.warn(problem, TrainingWarning, stacklevel=3)


def _finish(parameters, history, state, n_epochs, n_updates, best, early_stopping, rng_state=None):
    """The TrainingResult, with the best validation epoch's parameters under early stopping."""
    stopped = bool(best is not None and best.stopped)
    if best is not None and best.parameters is not None and best.keep:
        parameters = best.parameters
    return TrainingResult(
        parameters, history, state, n_epochs, n_updates,
        None if best is None else best.epoch, None if best is None else best.cost, stopped, rng_state,
    )


def _train_full_batch(parameters, X, Y, hidden, output, loss, learning_rate, num_iterations, X_val, Y_val,
                      sample_weight, cost_every, callbacks, start, history, engine, best, early_stopping,
                      unit="iteration"):
    """The first course's loop: full-batch gradient descent at a constant α (bit for bit as before)."""
    eng = make_engine(engine, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight)
    validating = X_val is not None
    callbacks = [(max(1, int(every)), fn) for every, fn in callbacks]
    last = num_iterations - 1

    def copy_parameters():
        return {k: v.copy() for k, v in eng.parameters.items()}

    def checkpoint(done):
        kept = None if best is None else best.kept()  # replaced, never changed in place, at an improvement

        def make():
            return Checkpoint(
                {k: v.copy() for k, v in eng.parameters.items()},
                GradientDescentState(done),
                done,
                history.truncated(done),
                None,
                None if kept is None else {k: v.copy() for k, v in kept.items()},
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
            stop = False
            if record:
                if not isfinite(cost):
                    raise _diverged(i, cost, learning_rate, eng.previous_parameters, history, i, unit)
            elif cost is not None:
                # Not a recorded iteration, but the engine found Z[L] not finite: no update was made.
                raise _diverged(i, cost, learning_rate, eng.previous_parameters, history, i, unit)
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
                    stop = best.update(i, val_cost, eng.previous_parameters, early_stopping)
            if callbacks:
                try:
                    for every, fn in callbacks:
                        if i % every == 0 or i == last or stop:  # the epoch early stopping ends on too
                            fn(TrainingEvent(i, i + 1, num_iterations, cost, val_cost, val_acc, history,
                                             checkpoint(i + 1), copy_parameters))
                except StopTraining:
                    stop = True
            if stop:
                completed = i + 1
                break
        final_cost = eng.cost()
    if not isfinite(final_cost):
        raise _diverged(num_iterations, final_cost, learning_rate, eng.previous_parameters, history, num_iterations - 1,
                        unit)
    history.final_cost = final_cost
    history.learning_rates = [float(learning_rate)] * len(history.iterations)
    _judge(history, X, eng.parameters, hidden, output, completed - start)
    return _finish(eng.parameters, history, GradientDescentState(completed), completed, completed, best,
                   early_stopping)


def _train_epochs(parameters, X, Y, hidden, output, loss, learning_rate, num_epochs, X_val, Y_val, sample_weight,
                  cost_every, callbacks, start, history, engine, best, early_stopping, setup, schedule, batch_size,
                  shuffle, seed, resume_from, unit):
    """Epochs of mini-batches (or full batches) with an optimizer, a schedule, L2 and dropout."""
    state = None if resume_from is None else resume_from.optimizer_state
    expected = {"gd": "GradientDescentState", "momentum": "MomentumState", "rmsprop": "RMSpropState",
                "adam": "AdamState"}[setup.optimizer]
    if state is not None and type(state).__name__ != expected:
        if start > 0:
            raise ValueError(
                f"The checkpoint holds the state of another optimizer ({type(state).__name__}); resume it with the "
                f"optimizer it was written with, not {setup.optimizer!r}."
            )
        state = None  # nothing done yet: start the optimizer afresh
    full = batch_size is None
    eng = make_engine(engine, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight, setup, state,
                      batched=True, keep_previous=full)
    try:
        return _epochs(eng, X, Y, hidden, output, loss, learning_rate, num_epochs, X_val, Y_val, sample_weight,
                       cost_every, callbacks, start, history, best, early_stopping, setup, schedule, batch_size,
                       shuffle, seed, resume_from, unit)
    finally:
        eng.close()


def _epochs(eng, X, Y, hidden, output, loss, learning_rate, num_epochs, X_val, Y_val, sample_weight, cost_every,
            callbacks, start, history, best, early_stopping, setup, schedule, batch_size, shuffle, seed, resume_from,
            unit):
    """The epoch loop of :func:`_train_epochs` on the engine ``eng``."""
    from denseflow.core.regularization import _l2_cost

    full = batch_size is None
    order_rng, dropout_rng = _generators(seed, setup.course)
    if resume_from is not None and resume_from.rng_state is not None and order_rng is not None:
        order_rng.bit_generator.state = resume_from.rng_state["order"]
        dropout_rng.bit_generator.state = resume_from.rng_state["dropout"]
    history.unit = unit  # train's: "iteration" for full batches, else "epoch"
    if len(history.learning_rates) != len(history.iterations):  # a checkpoint keeps a constant α implicitly
        history.learning_rates = [float(schedule(max(e - 1, 0) if setup.course else e)) for e in history.iterations]
    m = X.shape[1]
    B = m if full else int(batch_size)
    scale = None if sample_weight is None else sample_weight * (m / np.sum(sample_weight))
    validating = X_val is not None
    callbacks = [(max(1, int(every)), fn) for every, fn in callbacks]
    last = num_epochs - 1
    course = setup.course
    batch_step, isfinite, gathers = eng.batch_step, math.isfinite, eng.gathers
    epoch_start = eng.snapshot_parameters()

    def copy_parameters():
        return {k: v.copy() for k, v in eng.parameters.items()}

    def checkpoint(done, rng_state):
        state_now = eng.state_snapshot()
        kept = None if best is None else best.kept()  # replaced, never changed in place, at an improvement

        def make():
            return Checkpoint(copy_parameters(), state_now, done, history.truncated(done), rng_state,
                              None if kept is None else {k: v.copy() for k, v in kept.items()})

        return make

    def diverged(epoch, cost):
        # The last parameters known finite: θ before the failing update (full batch), or the
        # parameters at the start of the failing epoch (mini-batches; its history ends before it).
        err = TrainingDivergedError(epoch, cost, learning_rate, unit)
        theta = eng.previous_parameters if full else epoch_start
        err.result = _finish(theta, history, eng.state_snapshot(), epoch, eng.updates(), None, False)
        return err

    completed = num_epochs
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(start, num_epochs):
            # a Python float: NumPy computes a float32 network's step in float32 with it (a NumPy
            # float64 from a custom schedule would make the step float64, and not what the kernels compute)
            alpha = float(schedule(max(epoch - 1, 0) if course else epoch))
            record = epoch % cost_every == 0 or epoch == last
            if full:
                perm = None
            elif course and shuffle:  # random_mini_batches(X, Y, B, seed=11 + epoch): the notebook's permutation
                perm = np.random.RandomState(COURSE_MINI_BATCH_SEED + epoch + 1).permutation(m)
            elif shuffle:
                perm = order_rng.permutation(m)
            else:
                perm = None
            if not full and epoch > start:
                epoch_start = eng.snapshot_parameters()
            total = 0.0
            for k in range(0, m, B):
                if perm is None:
                    Xb, Yb = (X, Y) if full else (X[:, k:k + B], Y[:, k:k + B])
                    sb = None if scale is None or full else scale[:, k:k + B]
                    sb = scale if full else sb
                    cost = batch_step(Xb, Yb, sb, alpha, record, dropout_rng)
                    b = Xb.shape[1]
                elif gathers:  # the engine gathers the columns into its own buffers
                    idx = perm[k:k + B]
                    cost = batch_step(None, None, None, alpha, record, dropout_rng, idx)
                    b = idx.shape[0]
                else:
                    idx = perm[k:k + B]
                    Xb, Yb = X[:, idx], Y[:, idx]
                    sb = None if scale is None else scale[:, idx]
                    cost = batch_step(Xb, Yb, sb, alpha, record, dropout_rng)
                    b = idx.shape[0]
                if cost is not None:
                    if not isfinite(cost):
                        raise diverged(epoch, cost)
                    total += cost * b
            cost = total / m if record else None
            val_cost = val_acc = None
            stop = False
            if record:
                history.iterations.append(epoch)
                history.costs.append(cost)
                history.learning_rates.append(float(alpha))
                if validating:
                    # Full batch: θ(i), the parameters the training cost was computed with; mini-batches: the
                    # parameters at the end of the epoch.
                    theta = eng.previous_parameters if full else eng.parameters
                    AL_val, caches_val = _model_forward(X_val, theta, hidden, output)
                    val_cost = cost_of(loss, output, AL_val, Y_val, caches_val[-1].Z)
                    val_acc = accuracy_of(AL_val, Y_val, output)
                    history.val_costs.append(val_cost)
                    history.val_accuracies.append(val_acc)
                    stop = best.update(epoch, val_cost, theta, early_stopping)
            if callbacks:
                rng_state = _rng_state(order_rng, dropout_rng)
                try:
                    for every, fn in callbacks:
                        if epoch % every == 0 or epoch == last or stop:  # the epoch early stopping ends on too
                            fn(TrainingEvent(epoch, epoch + 1, num_epochs, cost, val_cost, val_acc, history,
                                             checkpoint(epoch + 1, rng_state), copy_parameters))
                except StopTraining:
                    stop = True
            if stop:
                completed = epoch + 1
                break
        if full:
            final_cost = eng.cost()
            if setup.lambd:
                final_cost = final_cost + float(_l2_cost(eng.parameters, setup.lambd, m, len(eng.parameters) // 2))
        else:
            # Mini-batches: the last epoch's cost (J over the whole set once more would cost a third of an epoch).
            final_cost = history.costs[-1] if history.costs else math.nan
    if not isfinite(final_cost):
        raise diverged(completed, final_cost)
    history.final_cost = final_cost
    _judge(history, X, eng.parameters, hidden, output, completed - start)
    return _finish(eng.parameters, history, eng.state_snapshot(), completed, eng.updates(), best, early_stopping,
                   _rng_state(order_rng, dropout_rng))
