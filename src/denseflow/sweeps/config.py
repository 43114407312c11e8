"""A sweep's settings: data, model, search space, sampler, budget and seeds.

:class:`SweepConfig` is validated once, before anything is written, and stored in the study's
user attributes, so that every worker — on this machine or another — trains on the same data with
the same settings. It also builds one trial's model from its hyperparameters and derives the
trial's seed.

Seeds
-----
Trial k's seed is drawn from the sweep seed s with NumPy's ``SeedSequence``::

    seed_k = SeedSequence(s, spawn_key=(k,)).generate_state(1)[0]   # = SeedSequence(s).spawn(k+1)[k]

where k is the grid index of a grid point (so a retried point keeps its seed) or the trial number
for random/TPE search. The seed is stored with the trial, so any trial can be rerun alone
bit-identically. With ``same_seed`` (implied by ``course``) every trial uses s itself, as the
course's hidden-layer-size table does (legacy seed 2 for the planar network).

Examples
--------
>>> from denseflow.sweeps.space import parse_grid
>>> cfg = SweepConfig(space=parse_grid(["n_h=1,2"]), fixed={"iterations": 100}, seed=2, course=True)
>>> cfg = cfg.validated()
>>> cfg.sampler, cfg.trial_seed(5)
('grid', 2)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.datasets.planar import DATASETS
from denseflow.sweeps.space import (
    HYPERPARAMETERS,
    MODEL_ARGUMENTS,
    Choice,
    Range,
    check_value,
    grid_points,
    space_from_dict,
    space_to_dict,
)

__all__ = ["SweepConfig", "SweepData", "MODEL_NAMES", "SAMPLERS", "DATASET_NAMES", "COURSE_SETS"]

MODEL_NAMES = ("logistic", "shallow", "deep")
SAMPLERS = ("grid", "random", "tpe")


#: The second course's generated sets, drawn as its notebooks draw them: name -> (what, the
#: planar generator's name, its training arguments, its test arguments or None).
COURSE_SETS = {
    "course-circles": ("the Initialization notebook's circles: 300 training points, 100 test points",
                       "circles", dict(m=300, factor=0.8, noise=0.05, seed=1),
                       dict(m=100, factor=0.8, noise=0.05, seed=2)),
    "course-moons": ("the Optimization notebook's moons: 300 points", "moons", dict(m=300, noise=0.2, seed=3), None),
}
DATASET_NAMES = tuple(DATASETS) + tuple(COURSE_SETS) + ("cat", "csv", "football")
# data sets that bring their own test set, used for validation
_HELD_OUT_SETS = ("cat", "football") + tuple(k for k, v in COURSE_SETS.items() if v[3] is not None)


class SweepData(NamedTuple):
    """Training data X (n_x, m), Y (1, m) and the validation data (or None)."""

    X: np.ndarray
    Y: np.ndarray
    X_val: np.ndarray | None
    Y_val: np.ndarray | None


def _choice_error(value, choices, param):
    listed = "{" + ", ".join(repr(c) for c in choices) + "}"
    return ValueError(f"The {param!r} parameter of the sweep must be one of {listed}. Got {value!r} instead.")


@dataclass(frozen=True)
class SweepConfig:
    """Everything a worker needs to run any trial of the sweep.

    Parameters
    ----------
    dataset : str
        A generated set (``'planar'``, ``'moons'``, ``'circles'``, ``'blobs'``,
        ``'gaussian-quantiles'``), the second course's ``'course-circles'`` (Initialization:
        300 points, its 100 test points validate) and ``'course-moons'`` (Optimization: 300
        points), ``'cat'`` (needs ``data_dir``; the test set validates),
        ``'football'`` (the second course's Regularization data: ``csv_path`` names your
        ``football.csv``; its 200 test rows validate) or ``'csv'`` (needs ``csv_path``).
    model : {'logistic', 'shallow', 'deep'}
    space : dict
        ``{name: Choice | Range}`` from :mod:`denseflow.sweeps.space`.
    fixed : dict
        Hyperparameters every trial uses (e.g. ``{"learning_rate": 1.2, "iterations": 5000}``);
        unset ones take the model's defaults.
    sampler : {'auto', 'grid', 'random', 'tpe'}
        'auto': grid when every hyperparameter has a list of values, else TPE.
    n_trials : int or None
        Total trial budget over all workers (random/TPE; a grid runs each point once).
    seed : int
        The sweep seed (trial seeds derive from it; also the train/validation split).
    same_seed, course : bool
        Every trial uses ``seed`` itself; ``course`` also uses the legacy ``RandomState`` draws
        and implies ``same_seed`` and no validation split.
    val_fraction : float or None
        Fraction of the examples held out for validation (default 0.2; 0 with ``course``; the
        cat and football sets always validate on their test sets).
    m : int or None
        Number of examples of a generated set (its default when None).
    data_dir, csv_path, label_column : optional
        Where the cat files / the CSV file are, and the CSV's label column.
    standardize : bool
        Standardize the features (stored with each model).
    cost_every : int
        Record the cost every this many iterations.
    heartbeat_interval, grace_period : int
        PostgreSQL: seconds between a running trial's heartbeats, and without one before
        the trial is failed and retried (default 2 × interval).
    """

    dataset: str = "planar"
    model: str = "shallow"
    space: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    sampler: str = "auto"
    n_trials: int | None = None
    seed: int = 1
    same_seed: bool = False
    course: bool = False
    val_fraction: float | None = None
    m: int | None = None
    data_dir: str | None = None
    csv_path: str | None = None
    label_column: int | str = -1
    standardize: bool = False
    cost_every: int = 1
    heartbeat_interval: int = 10
    grace_period: int | None = None

    # ------------------------------------------------------------------ validation

    def validated(self) -> "SweepConfig":
        """Return a checked copy with defaults resolved; raise ValueError/TypeError on bad input."""
        if self.dataset not in DATASET_NAMES:
            raise _choice_error(self.dataset, DATASET_NAMES, "dataset")
        if self.model not in MODEL_NAMES:
            raise _choice_error(self.model, MODEL_NAMES, "model")
        if not isinstance(self.space, dict) or not self.space:
            raise ValueError("The sweep's search space is empty: give at least one hyperparameter to vary, "
                             "e.g. --grid n_h=1,2,3 or --range learning_rate=1e-4:1:log.")
        for name, spec in self.space.items():
            if name not in HYPERPARAMETERS:
                raise ValueError(f"Unknown hyperparameter {name!r}; it must be one of {list(HYPERPARAMETERS)}.")
            if not isinstance(spec, (Choice, Range)):
                raise TypeError(f"The space entry {name!r} must be a Choice or a Range. Got {spec!r} instead.")
            if isinstance(spec, Choice) and not spec.values:
                raise ValueError(f"Empty grid for {name!r}: list at least one value.")
        fixed = {name: check_value(name, v, "the fixed hyperparameters") for name, v in self.fixed.items()
                 if v is not None}
        both = sorted(set(fixed) & set(self.space))
        if both:
            raise ValueError(f"{both} is both varied and fixed; give each hyperparameter once "
                             f"(drop --{both[0].replace('_', '-')} or its --grid/--range).")
        names = set(fixed) | set(self.space)
        for name in sorted(names):
            if self.model not in HYPERPARAMETERS[name].models:
                users = ", ".join(HYPERPARAMETERS[name].models)
                raise ValueError(f"The hyperparameter {name!r} does not apply to the {self.model!r} model "
                                 f"(it is for: {users}). Drop it or choose another --model.")
        if {"iterations", "num_epochs"} <= names:
            raise ValueError("Give either 'iterations' or 'num_epochs', not both: with mini-batches the model runs "
                             "num_epochs passes over the data (num_iterations when num_epochs is unset).")
        if self.model == "deep":
            if "layers" in names and names & {"num_layers", "n_h"}:
                raise ValueError("A deep sweep takes either 'layers' (e.g. 20-7-5) or 'num_layers' with 'n_h', "
                                 "not both.")
            if "layers" not in names and not {"num_layers", "n_h"} <= names:
                raise ValueError("A deep sweep needs its hidden layers: give 'layers' (e.g. --layers 20-7-5 or "
                                 "--grid layers=20-7-5,10-5) or both 'num_layers' and 'n_h'.")
        sampler = self.sampler
        all_lists = all(isinstance(s, Choice) for s in self.space.values())
        if sampler == "auto":
            sampler = "grid" if all_lists else "tpe"
        if sampler not in SAMPLERS:
            raise _choice_error(sampler, ("auto",) + SAMPLERS, "sampler")
        n_trials = self.n_trials
        if sampler == "grid":
            grid_points(self.space)  # raises for ranges
            if n_trials is not None:
                raise ValueError(f"n_trials is the budget of random/TPE search; a grid runs each of its "
                                 f"{len(grid_points(self.space))} points exactly once. Drop --n-trials.")
        else:
            if n_trials is None:
                raise ValueError(f"The {sampler!r} sampler needs a trial budget: pass --n-trials N "
                                 f"(n_trials in the space file).")
            if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
                raise ValueError(f"The 'n_trials' parameter of the sweep must be an int >= 1. "
                                 f"Got {n_trials!r} instead.")
        for param in ("seed",):
            value = getattr(self, param)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"The {param!r} parameter of the sweep must be an int >= 0. Got {value!r} instead.")
        for param in ("cost_every", "heartbeat_interval"):
            value = getattr(self, param)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"The {param!r} parameter of the sweep must be an int >= 1. Got {value!r} instead.")
        grace = self.grace_period if self.grace_period is not None else 2 * int(self.heartbeat_interval)
        if isinstance(grace, bool) or not isinstance(grace, (int, np.integer)) or grace <= self.heartbeat_interval:
            raise ValueError(f"The 'grace_period' parameter of the sweep must be an int larger than "
                             f"heartbeat_interval={self.heartbeat_interval}. Got {grace!r} instead.")
        val_fraction = self.val_fraction
        if val_fraction is None:
            val_fraction = 0.0 if (self.course or self.dataset in _HELD_OUT_SETS) else 0.2
        if (isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float))
                or not math.isfinite(val_fraction) or not 0 <= val_fraction < 1):
            raise ValueError(f"The 'val_fraction' parameter of the sweep must be a number in [0, 1). "
                             f"Got {val_fraction!r} instead.")
        data_dir, csv_path = self.data_dir, self.csv_path
        if self.dataset == "cat":
            if data_dir is None:
                raise ValueError("The cat data set needs its folder, the one holding train_catvnoncat.h5 and "
                                 "test_catvnoncat.h5: --data DIR (data_dir=… in Python).")
            data_dir = str(Path(data_dir).expanduser().resolve())
        if self.dataset == "football" and csv_path is None:
            raise ValueError("The football data set needs your copy of the Regularization assignment's data: "
                             "--data PATH/football.csv (csv_path=… in Python).")
        if self.dataset in ("csv", "football"):
            if csv_path is None:
                raise ValueError("The csv data set needs its file: --data PATH.csv (csv_path=… in Python), "
                                 "and --label-column when the labels are not the last column.")
            csv_path = str(Path(csv_path).expanduser().resolve())
        if self.m is not None and self.dataset in COURSE_SETS:
            raise ValueError(f"The {self.dataset!r} data set has the notebook's fixed size; drop --m (m=…).")
        if self.m is not None and (isinstance(self.m, bool) or not isinstance(self.m, (int, np.integer)) or self.m < 2):
            raise ValueError(f"The 'm' parameter of the sweep must be an int >= 2. Got {self.m!r} instead.")
        return replace(self, fixed=fixed, sampler=sampler, n_trials=None if n_trials is None else int(n_trials),
                       seed=int(self.seed), same_seed=bool(self.same_seed or self.course),
                       val_fraction=float(val_fraction), data_dir=data_dir, csv_path=csv_path,
                       grace_period=int(grace))

    # ------------------------------------------------------------------ storage form

    def to_dict(self) -> dict:
        d = asdict(self)
        d["space"] = space_to_dict(self.space)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SweepConfig":
        d = dict(d)
        d["space"] = space_from_dict(d["space"])
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    # ------------------------------------------------------------------ seeds

    def trial_seed(self, key: int) -> int:
        """The seed of trial ``key`` (grid index or trial number); the sweep seed with same_seed."""
        if self.same_seed or self.course:
            return int(self.seed)
        return int(np.random.SeedSequence(int(self.seed), spawn_key=(int(key),)).generate_state(1)[0])

    def sampler_seed(self, key: int) -> int:
        """Seed of the random/TPE draws of trial ``key`` (independent of the training seed)."""
        return int(np.random.SeedSequence(int(self.seed), spawn_key=(int(key), 1)).generate_state(1)[0])

    # ------------------------------------------------------------------ data and models

    def load_data(self) -> SweepData:
        """Load the sweep's data (and split off the validation set), the same on every worker."""
        from denseflow import datasets

        X_val = Y_val = None
        if self.dataset == "cat":
            data = datasets.load_cat(self.data_dir)
            X, Y, X_val, Y_val = data.train_X, data.train_Y, data.test_X, data.test_Y
        elif self.dataset in COURSE_SETS:
            _, generator, train_args, test_args = COURSE_SETS[self.dataset]
            X, Y = datasets.load_dataset(generator, **train_args)
            if test_args is not None:
                X_val, Y_val = datasets.load_dataset(generator, **test_args)
        elif self.dataset == "football":
            X, Y, X_val, Y_val = datasets.load_football(self.csv_path)
        elif self.dataset == "csv":
            data = datasets.load_csv(self.csv_path, label_column=self.label_column)
            X, Y = data.X, data.Y
        else:
            kwargs = {} if self.m is None else {"m": int(self.m)}
            X, Y = datasets.load_dataset(self.dataset, **kwargs)
        if self.dataset not in _HELD_OUT_SETS and self.val_fraction:
            X, Y, X_val, Y_val = datasets.train_val_split(X, Y, self.val_fraction, seed=self.seed)
        return SweepData(X, Y, X_val, Y_val)

    def hyperparameters(self, params: dict) -> dict:
        """The fixed hyperparameters overridden by one trial's ``params``."""
        return {**self.fixed, **params}

    def check_models(self, data: SweepData):
        """Build the model of every grid point (for random/TPE search: of every listed value and
        both ends of every range, one hyperparameter at a time) and check its hyperparameters,
        so that a combination the model refuses is reported before the sweep is created.

        Raises
        ------
        ValueError, TypeError
            The model's message, naming the trial's hyperparameters.
        """
        if self.sampler == "grid":
            points = grid_points(self.space)
        else:
            options = {name: list(spec.values) if isinstance(spec, Choice) else [spec.low, spec.high]
                       for name, spec in self.space.items()}
            first = {name: values[0] for name, values in options.items()}
            points = [first] + [{**first, name: v} for name, values in options.items() for v in values[1:]]
            for point in points:  # integers drawn from an integer range
                for name, v in point.items():
                    if HYPERPARAMETERS[name].kind == "int" and isinstance(v, float):
                        point[name] = int(v)
        for point in points:
            try:
                self.build_model(point, self.trial_seed(0), data)._validate_hyperparameters()
            except (ValueError, TypeError) as err:
                shown = ", ".join(f"{k}={v}" for k, v in point.items())
                raise type(err)(f"The trial {shown} cannot be trained: {err}") from None

    def build_model(self, params: dict, seed: int, data: SweepData):
        """The unfitted model of one trial."""
        from denseflow.models.networks import (
            DeepNetwork,
            LogisticRegression,
            ShallowNetwork,
        )

        hp = self.hyperparameters(params)
        kwargs = dict(seed=int(seed), course=self.course, cost_every=self.cost_every, standardize=self.standardize)
        for name, value in hp.items():
            if name in _ARCHITECTURE or (self.model == "logistic" and name == "hidden_activation"):
                continue
            kwargs[MODEL_ARGUMENTS.get(name, name)] = value
        if self.model == "logistic":
            return LogisticRegression(**kwargs)
        if self.model == "shallow":
            return ShallowNetwork(n_h=int(hp.get("n_h", 4)), **kwargs)
        if "layers" in hp:
            hidden = [int(n) for n in str(hp["layers"]).split("-")]
        else:
            hidden = [int(hp["n_h"])] * (int(hp["num_layers"]) - 1)
        return DeepNetwork([data.X.shape[0], *hidden, _n_outputs(data.Y)], **kwargs)


#: Hyperparameters that shape the network (the rest are passed to the model by name).
_ARCHITECTURE = ("n_h", "num_layers", "layers")


def _n_outputs(Y) -> int:
    """Output units: 1 for 0/1 labels, C for C integer classes or a one-hot (C, m) Y."""
    if Y.shape[0] > 1:
        return int(Y.shape[0])
    values = np.unique(Y)
    if np.all(np.isin(values, (0, 1))):
        return 1
    return int(values.max()) + 1
