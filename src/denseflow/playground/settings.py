"""The playground's settings: one checked record, the defaults, and the caps that bound a request.

Every setting a page can send is checked here, on the server, with the library's own checks
(:mod:`denseflow.core.validation`) and the library's wording ("The 'learning_rate' parameter of
the playground must be a finite number > 0. Got -1 instead."), before anything is built. The
data sets' own parameters (``m``, ``noise``, ``data_seed``) are then checked again by the
generators themselves (``planar_flower`` needs an even ``m``).

Caps bound what one request can ask of the machine:

===================== ========= ===============================================================
cap                   value     bounds
===================== ========= ===============================================================
``MAX_HIDDEN_LAYERS`` 6         hidden layers
``MAX_UNITS``         50        units in one hidden layer (the course's table goes to 50)
``MAX_POINTS``        2000      examples of a data set (generated or uploaded)
``MIN_GRID``,         10, 200   points per axis of the decision-boundary heat map
``MAX_GRID``
``MAX_ITERATIONS``    100,000   iterations of one run
``MAX_SPEED``         100,000   iterations per second of a slowed-down run
``MAX_BATCH_SIZE``    2000      examples per mini-batch (the cap on points: more is full batch)
``MAX_LAMBD``         100       the L2 strength λ
``MAX_DECAY_RATE``    100       the learning-rate schedule's decay rate
===================== ========= ===============================================================

The second course's training settings (``optimizer``, ``batch_size``, ``lambd``, ``keep_prob``,
``learning_rate_schedule``, ``decay_rate``) are the library's parameters of the same names; their
defaults are the first course's full-batch gradient descent at a constant α, without L2 or
dropout. With mini-batches (``batch_size`` not None) ``num_iterations`` counts epochs, as
``denseflow train --batch-size B --iterations N`` does.

Examples
--------
>>> s = update_settings(None, {})
>>> s.dataset, s.layers, s.hidden_activation, s.learning_rate, s.num_iterations, s.seed, s.course
('planar', (4,), 'tanh', 1.2, 10000, 2, True)
>>> update_settings(s, {"dataset": "moons"}).noise     # the generator's own default
0.2
>>> t = update_settings(s, {"optimizer": "adam", "batch_size": 32, "learning_rate_schedule": "exponential"})
>>> t.optimizer, t.batch_size, t.learning_rate_schedule, t.decay_rate
('adam', 32, 'exponential', None)
>>> update_settings(s, {"hidden_activation": "sigmod"})
Traceback (most recent call last):
...
ValueError: The 'hidden_activation' parameter of the playground must be one of {'identity', 'leaky_relu', 'linear', 'relu', 'sigmoid', 'tanh'}. Got 'sigmod' instead.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping

from denseflow.core.activations import HIDDEN_ACTIVATIONS
from denseflow.core.initializers import INITIALIZERS
from denseflow.core.optimizers import OPTIMIZERS
from denseflow.core.schedules import SCHEDULES
from denseflow.core.validation import (
    check_choice,
    check_positive,
    check_positive_int,
    check_seed,
)
from denseflow.playground.data import GENERATORS, LABELS

__all__ = ["Settings", "update_settings", "options", "check_int_in", "dataset_defaults", "MAX_HIDDEN_LAYERS", "MAX_UNITS", "MAX_POINTS", "MIN_GRID",
           "MAX_GRID", "MAX_ITERATIONS", "MAX_SPEED", "MAX_BATCH_SIZE", "MAX_LAMBD",
           "MAX_DECAY_RATE"]

OWNER = "the playground"

MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 50
MAX_POINTS = 2000
MIN_GRID, MAX_GRID = 10, 200
MAX_ITERATIONS = 100_000
MAX_SPEED = 100_000
MAX_TEST_FRACTION = 0.9
MAX_NOISE = 5.0
MAX_BATCH_SIZE = MAX_POINTS
MAX_LAMBD = 100.0
MAX_DECAY_RATE = 100.0

#: The learning-rate schedules by the models' parameter names (denseflow.core.schedules.SCHEDULES).
SCHEDULE_CHOICES = tuple(name.replace("-", "_") for name in SCHEDULES)
#: Schedules whose decay rate is a factor in (0, 1] (α times the rate every interval).
FACTOR_SCHEDULES = ("exponential", "step")

#: The data sets: the command line's planar sets, XOR and the spiral, and an uploaded CSV file.
DATASET_NAMES = (*GENERATORS, "csv")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that defines a playground run (data, network, training) and how it is shown.

    ``m``, ``noise`` and ``data_seed`` are None where they do not apply (``noise`` for the
    flower, the blobs and the Gaussian quantiles, whose generators have none; all three for an
    uploaded CSV). ``speed`` is None for full speed, else iterations per second.
    """

    dataset: str = "planar"
    m: int | None = 400
    noise: float | None = None
    data_seed: int | None = 1
    test_fraction: float = 0.0
    standardize: bool = False
    layers: tuple = (4,)
    hidden_activation: str = "tanh"
    initialization: str = "random"
    learning_rate: float = 1.2
    num_iterations: int = 10000
    seed: int = 2
    course: bool = True
    optimizer: str = "gd"
    batch_size: int | None = None
    lambd: float = 0.0
    keep_prob: float = 1.0
    learning_rate_schedule: str = "constant"
    decay_rate: float | None = None
    grid: int = 80
    speed: int | None = None

    def to_dict(self) -> dict:
        """The settings as JSON-able data (``layers`` as a list)."""
        d = dataclasses.asdict(self)
        d["layers"] = list(self.layers)
        return d

    @property
    def unit(self) -> str:
        """What one step of the run is: ``"iteration"`` (full batch, one update) or ``"epoch"``
        (mini-batches: one pass over the training set), as ``History.unit`` says."""
        return "iteration" if self.batch_size is None else "epoch"

    #: Settings that change what is computed: a change starts the run again.
    RUN_KEYS = ("dataset", "m", "noise", "data_seed", "test_fraction", "standardize", "layers",
                "hidden_activation", "initialization", "learning_rate", "seed", "course", "optimizer",
                "batch_size", "lambd", "keep_prob", "learning_rate_schedule", "decay_rate")
    DATA_KEYS = ("dataset", "m", "noise", "data_seed", "test_fraction", "standardize")


_FIELDS = tuple(f.name for f in dataclasses.fields(Settings))


def dataset_defaults(name: str) -> dict:
    """``m``, ``noise`` and ``data_seed`` of a data set: its generator's defaults (None if it has none).

    >>> dataset_defaults("blobs")
    {'m': 200, 'noise': None, 'data_seed': 5}
    """
    if name == "csv":
        return {"m": None, "noise": None, "data_seed": None}
    params = inspect.signature(GENERATORS[name]).parameters
    noise = params.get("noise")
    return {"m": params["m"].default, "noise": None if noise is None else noise.default,
            "data_seed": params["seed"].default}


def check_int_in(value, param, low, high, why=""):
    """An int in [low, high] (``why`` says where the bounds come from), in the library's wording."""
    value = check_positive_int(value, param, OWNER, allow_zero=True)
    if not low <= value <= high:
        raise ValueError(f"The {param!r} parameter of {OWNER} must be an int in [{low}, {high}]{why}. "
                         f"Got {value!r} instead.")
    return value


def _number_in(value, param, low, high, why, *, allow_zero=True):
    value = check_positive(value, param, OWNER, allow_zero=allow_zero)
    if value > high or value < low:
        raise ValueError(f"The {param!r} parameter of {OWNER} must be a number in [{low}, {high}]{why}. "
                         f"Got {value!r} instead.")
    return value


def _fraction(value, param):
    """A number in (0, 1] (a keep probability, a decay factor), in the models' own wording."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"The {param!r} parameter of {OWNER} must be a number in (0, 1]. Got {value!r} instead.")
    if not 0 < value <= 1:  # NaN fails too
        raise ValueError(f"The {param!r} parameter of {OWNER} must be a number in (0, 1]. Got {value!r} instead.")
    return float(value)


def _bool(value, param):
    if not isinstance(value, bool):
        raise TypeError(f"The {param!r} parameter of {OWNER} must be true or false. Got {value!r} instead.")
    return value


def _layers(value):
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"The 'layers' parameter of {OWNER} must be a list of hidden-layer sizes, e.g. [4] or "
                        f"[20, 7, 5] ([] for logistic regression). Got {value!r} instead.")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"The 'layers' parameter of {OWNER} must hold at most {MAX_HIDDEN_LAYERS} hidden layers "
                         f"(the playground's cap). Got {len(value)} instead.")
    sizes = []
    for n in value:
        n = check_positive_int(n, "layers", OWNER)
        if n > MAX_UNITS:
            raise ValueError(f"The 'layers' parameter of {OWNER} must hold sizes in [1, {MAX_UNITS}] (the "
                             f"playground's cap on units per layer). Got {n!r} instead.")
        sizes.append(n)
    return tuple(sizes)


def _check(key, value):
    """One setting, checked (and normalized); None where None means 'the default'."""
    if key == "dataset":
        return check_choice(value, DATASET_NAMES, "dataset", OWNER)
    if key == "m":
        return None if value is None else check_int_in(value, "m", 2, MAX_POINTS, " (the playground's cap on points)")
    if key == "noise":
        return None if value is None else _number_in(value, "noise", 0, MAX_NOISE, "")
    if key == "data_seed":
        return check_seed(value, OWNER, allow_none=True, param="data_seed")
    if key == "test_fraction":
        return _number_in(value, "test_fraction", 0, MAX_TEST_FRACTION, " (0: no test set)")
    if key == "standardize":
        return None if value is None else _bool(value, "standardize")
    if key == "layers":
        return _layers(value)
    if key == "hidden_activation":
        return check_choice(value, HIDDEN_ACTIVATIONS, "hidden_activation", OWNER)
    if key == "initialization":
        return check_choice(value, INITIALIZERS, "initialization", OWNER)
    if key == "learning_rate":
        return check_positive(value, "learning_rate", OWNER)
    if key == "num_iterations":
        return check_int_in(value, "num_iterations", 1, MAX_ITERATIONS, " (the playground's cap)")
    if key == "seed":
        return check_seed(value, OWNER)
    if key == "course":
        return _bool(value, "course")
    if key == "optimizer":
        return check_choice(value, OPTIMIZERS, "optimizer", OWNER)
    if key == "batch_size":
        if value is None:
            return None
        return check_int_in(check_positive_int(value, "batch_size", OWNER), "batch_size", 1, MAX_BATCH_SIZE,
                            " (examples per mini-batch; null: full batch)")
    if key == "lambd":
        return _number_in(value, "lambd", 0, MAX_LAMBD, " (the L2 strength; 0: no L2)")
    if key == "keep_prob":
        return _fraction(value, "keep_prob")
    if key == "learning_rate_schedule":
        return check_choice(value, SCHEDULE_CHOICES, "learning_rate_schedule", OWNER)
    if key == "decay_rate":
        return None if value is None else _number_in(value, "decay_rate", 0, MAX_DECAY_RATE, "")
    if key == "grid":
        return check_int_in(value, "grid", MIN_GRID, MAX_GRID, " (points per axis of the heat map)")
    if key == "speed":
        return None if value is None else check_int_in(value, "speed", 1, MAX_SPEED, " (iterations per second; "
                                                                                 "null: full speed)")
    raise AssertionError(key)  # unreachable: keys are checked first


def update_settings(current: Settings | None, changes: Mapping) -> Settings:
    """``current`` with ``changes`` applied and checked; ``None`` starts from the defaults.

    A change of ``dataset`` resets ``m``, ``noise``, ``data_seed`` and ``standardize`` to the new
    set's defaults unless the same request gives them; None for one of them also means its
    default. ``standardize`` defaults to True for a CSV file (as ``denseflow train`` does) and
    False otherwise.

    Raises
    ------
    TypeError, ValueError
        An unknown setting, or a value of the wrong type or out of range (including the caps),
        with the library's wording.
    """
    if not isinstance(changes, Mapping):
        raise TypeError(f"The settings must be a JSON object such as {{\"layers\": [4]}}. Got {changes!r} instead.")
    unknown = sorted(str(k) for k in changes if k not in _FIELDS)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown} for {OWNER}; expected some of {list(_FIELDS)}.")
    base = Settings() if current is None else current
    values = base.to_dict()
    checked = {key: _check(key, changes[key]) for key in _FIELDS if key in changes}
    values.update(checked)
    dataset = values["dataset"]
    defaults = dataset_defaults(dataset)
    new_set = current is None or dataset != base.dataset
    for key in ("m", "noise", "data_seed"):
        if (new_set and key not in changes) or values[key] is None:
            values[key] = defaults[key]
        elif defaults[key] is None:
            why = ("an uploaded CSV file is used as it is" if dataset == "csv" else
                   f"{GENERATORS[dataset].__name__} has no {key if key != 'data_seed' else 'seed'} parameter")
            raise ValueError(f"The {key!r} parameter of {OWNER} does not apply to dataset {dataset!r} ({why}); "
                             f"send null.")
    if (new_set and "standardize" not in changes) or values["standardize"] is None:
        values["standardize"] = dataset == "csv"
    if values["learning_rate_schedule"] != base.learning_rate_schedule and "decay_rate" not in changes:
        values["decay_rate"] = None  # another schedule: its own default rate
    if values["decay_rate"] is not None and values["learning_rate_schedule"] in FACTOR_SCHEDULES:
        _fraction(changes.get("decay_rate", values["decay_rate"]), "decay_rate")  # as sent
    values["layers"] = tuple(values["layers"])
    return Settings(**values)


def options() -> dict:
    """What a page needs to build its controls: choices, defaults, caps (JSON-able).

    >>> sorted(options())
    ['activations', 'caps', 'datasets', 'defaults', 'initializers', 'optimizers', 'schedules']
    """
    return {
        "datasets": [{"name": name, "label": LABELS[name], **dataset_defaults(name)} for name in DATASET_NAMES],
        "activations": list(HIDDEN_ACTIVATIONS),
        "initializers": [{"name": name, "description": init.description} for name, init in INITIALIZERS.items()],
        "optimizers": list(OPTIMIZERS),
        "schedules": list(SCHEDULE_CHOICES),
        "defaults": Settings().to_dict(),
        "caps": {"hidden_layers": MAX_HIDDEN_LAYERS, "units": MAX_UNITS, "points": MAX_POINTS,
                 "grid": [MIN_GRID, MAX_GRID], "iterations": MAX_ITERATIONS, "speed": MAX_SPEED,
                 "test_fraction": MAX_TEST_FRACTION, "noise": MAX_NOISE, "batch_size": MAX_BATCH_SIZE,
                 "lambd": MAX_LAMBD, "decay_rate": MAX_DECAY_RATE},
    }
