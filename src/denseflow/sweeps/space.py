"""The search space of a sweep: which hyperparameters vary, and over what values.

A hyperparameter varies over either

* a list of values (:class:`Choice`): ``--grid n_h=1,2,3,4,5,20,50`` — the grid sampler runs the
  Cartesian product of all lists, each point exactly once; random and TPE search pick among the
  values;
* a range (:class:`Range`): ``--range learning_rate=1e-4:1:log`` — for random and TPE search, drawn
  uniformly in [low, high], or uniformly in log(α) with ``:log``.

The names are those of :data:`HYPERPARAMETERS`: the first course's (α, the number of
iterations, the hidden units n[l], the number of layers L, the hidden activation g, the
initialization) and the second course's (the optimizer and its β1, β2, ε, the mini-batch size —
``full`` for full-batch —, the number of epochs, the learning-rate schedule with its decay rate
and interval, the L2 strength λ, dropout's keep_prob). The same space can be written as a small
TOML file::

    sampler = "tpe"          # optional: grid, random or tpe
    n_trials = 40            # the trial budget (random and TPE)

    [params]
    n_h = [1, 2, 3, 4, 5, 20, 50]
    learning_rate = { low = 1e-4, high = 1.0, log = true }
    hidden_activation = ["tanh", "relu"]
    layers = [[20, 7, 5], [10, 5]]       # deep networks: hidden sizes n[1] … n[L-1]
    optimizer = ["gd", "momentum", "adam"]
    batch_size = ["full", 64]            # "full": one batch of all m examples
    lambd = [0, 0.7]

    [fixed]                  # hyperparameters every trial uses
    iterations = 2500

Examples
--------
>>> space = parse_grid(["n_h=1,2,3", "learning_rate=1.2"])
>>> space["n_h"].values
(1, 2, 3)
>>> grid_points(space)[:2]
[{'n_h': 1, 'learning_rate': 1.2}, {'n_h': 2, 'learning_rate': 1.2}]
>>> parse_grid(["optimizer=gd,adam", "batch_size=full,64", "lambd=0,0.7"])["batch_size"].values
(None, 64)
"""

from __future__ import annotations

import difflib
import itertools
import math
from pathlib import Path
from typing import Any, NamedTuple

from denseflow.core.activations import HIDDEN_ACTIVATIONS
from denseflow.core.initializers import INITIALIZERS
from denseflow.core.optimizers import OPTIMIZERS
from denseflow.core.schedules import SCHEDULES, schedule_name

__all__ = [
    "Hyperparameter",
    "HYPERPARAMETERS",
    "MODEL_ARGUMENTS",
    "Choice",
    "Range",
    "parse_grid",
    "parse_ranges",
    "load_space_file",
    "check_value",
    "grid_points",
    "space_to_dict",
    "space_from_dict",
    "suggest",
    "describe",
    "format_value",
]


def format_value(value) -> str:
    """A hyperparameter's value as tables and figures show it (``batch_size`` None: ``full``).

    >>> format_value(None), format_value(0.012345), format_value("adam")
    ('full', '0.01235', 'adam')
    """
    if value is None:
        return "full"  # batch_size None: full batch, the only hyperparameter that may be None
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class Hyperparameter(NamedTuple):
    """One hyperparameter a sweep may vary.

    ``kind`` is ``'float'``, ``'int'`` or ``'name'`` (a word from ``names``); ``'layers'`` holds
    hidden sizes written ``20-7-5``. ``models`` are the CLI model names that use it. Numbers lie
    in ``low`` … ``high``, each end included or not as ``closed`` says (``(False, False)``: the
    open interval). ``none_word`` is the word that stands for None (``batch_size=full``).
    """

    name: str
    kind: str
    models: tuple
    description: str
    names: tuple = ()
    low: float = 0.0
    high: float = math.inf
    closed: tuple = (False, False)
    none_word: str | None = None

    def interval(self) -> str:
        """The allowed numbers in words, e.g. ``'in (0, 1]'`` or ``'>= 1'``."""
        if self.high == math.inf:
            return f"{'>=' if self.closed[0] else '>'} {self.low:g}"
        return f"in {'[' if self.closed[0] else '('}{self.low:g}, {self.high:g}{']' if self.closed[1] else ')'}"

    def contains(self, x: float) -> bool:
        above = x >= self.low if self.closed[0] else x > self.low
        below = x <= self.high if self.closed[1] else x < self.high
        return math.isfinite(x) and above and below


_ALL = ("logistic", "shallow", "deep")
_HIDDEN = ("shallow", "deep")
_UNIT = dict(low=0.0, high=1.0)
HYPERPARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        Hyperparameter("learning_rate", "float", _ALL, "α, the gradient-descent step size (α₀ with a schedule)"),
        Hyperparameter("iterations", "int", _ALL, "number of gradient-descent updates (epochs with mini-batches)",
                       low=1, closed=(True, False)),
        Hyperparameter("n_h", "int", _HIDDEN, "hidden units (per hidden layer for deep)", low=1, closed=(True, False)),
        Hyperparameter("num_layers", "int", ("deep",), "L, layers with parameters (L-1 hidden layers of n_h units)",
                       low=2, closed=(True, False)),
        Hyperparameter("layers", "layers", ("deep",), "hidden sizes n[1]-…-n[L-1], e.g. 20-7-5"),
        Hyperparameter("hidden_activation", "name", _HIDDEN, "hidden activation g", tuple(HIDDEN_ACTIVATIONS)),
        Hyperparameter("init", "name", _ALL, "parameter initialization", tuple(INITIALIZERS)),
        # the second course: optimization and regularization
        Hyperparameter("optimizer", "name", _ALL, "the update rule", tuple(OPTIMIZERS)),
        Hyperparameter("batch_size", "int", _ALL, "mini-batch size ('full': full-batch gradient descent)",
                       low=1, closed=(True, False), none_word="full"),
        Hyperparameter("num_epochs", "int", _ALL, "passes over the training data", low=1, closed=(True, False)),
        Hyperparameter("learning_rate_schedule", "name", _ALL, "how α decays with the epoch",
                       tuple(schedule_name(n, underscore=True) for n in SCHEDULES)),
        Hyperparameter("decay_rate", "float", _ALL, "the schedule's decay rate k"),
        Hyperparameter("time_interval", "int", _ALL, "the schedule's interval T in epochs", low=1,
                       closed=(True, False)),
        Hyperparameter("lambd", "float", _ALL, "λ, the L2 strength (0: none)", closed=(True, False)),
        Hyperparameter("keep_prob", "float", _HIDDEN, "dropout's keep probability in the hidden layers (1: none)",
                       **_UNIT, closed=(False, True)),
        Hyperparameter("beta1", "float", _ALL, "momentum's β, Adam's β1", **_UNIT, closed=(True, False)),
        Hyperparameter("beta2", "float", _ALL, "Adam's β2, RMSprop's β", **_UNIT, closed=(True, False)),
        Hyperparameter("epsilon", "float", _ALL, "Adam's and RMSprop's ε"),
    )
}

#: The hyperparameters a sweep passes to the model under another name (the rest keep theirs).
MODEL_ARGUMENTS = {"iterations": "num_iterations", "init": "initialization"}


class Choice(NamedTuple):
    """A list of values (a grid axis, or a categorical choice for random/TPE search)."""

    values: tuple


class Range(NamedTuple):
    """[low, high] for random/TPE search; ``log`` samples uniformly in log space."""

    low: float
    high: float
    log: bool = False


def _unknown(name: str, where: str) -> ValueError:
    close = difflib.get_close_matches(name, HYPERPARAMETERS, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    valid = "{" + ", ".join(repr(n) for n in HYPERPARAMETERS) + "}"
    return ValueError(f"Unknown hyperparameter {name!r} in {where}: it must be one of {valid}.{hint}")


def _hyperparameter(name, where: str) -> Hyperparameter:
    if not isinstance(name, str) or name not in HYPERPARAMETERS:
        raise _unknown(str(name), where)
    return HYPERPARAMETERS[name]


def _example(hp: Hyperparameter) -> str:
    return {"learning_rate": "0.01", "lambd": "0.7", "keep_prob": "0.86", "beta1": "0.9",
            "beta2": "0.999", "epsilon": "1e-8", "decay_rate": "1"}.get(hp.name, "1")


def check_value(name: str, value: Any, where: str = "the search space"):
    """Validate one value of hyperparameter ``name`` and return it in canonical form.

    Strings from the command line are converted (``"3"`` → 3); layers become ``"20-7-5"``;
    ``batch_size`` ``"full"`` (or None) becomes None, full-batch training; a schedule may be
    written with ``-`` (``inverse-time``, as :mod:`denseflow.core.schedules` names it).

    Examples
    --------
    >>> check_value("batch_size", "64"), check_value("batch_size", "full"), check_value("lambd", "0")
    (64, None, 0.0)
    >>> check_value("keep_prob", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: The value 1.5 of 'keep_prob' in the search space must be a number in (0, 1] (dropout's keep probability in the hidden layers (1: none)), e.g. keep_prob=0.86.
    """
    hp = _hyperparameter(name, where)
    bad = f"The value {value!r} of {name!r} in {where}"
    if hp.none_word is not None and (value is None or (isinstance(value, str)
                                                       and value.strip().lower() in (hp.none_word, "none"))):
        return None
    if hp.kind == "float":
        try:
            x = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            x = math.nan
        if not hp.contains(x):
            raise ValueError(f"{bad} must be a number {hp.interval()} ({hp.description}), "
                             f"e.g. {name}={_example(hp)}.")
        return x
    if hp.kind == "int":
        x = value
        if isinstance(value, str):
            try:
                x = int(value.strip())
            except ValueError:
                x = None
        if isinstance(x, bool) or not isinstance(x, int) or not hp.contains(x):
            full = f", or {hp.none_word!r}" if hp.none_word else ""
            raise ValueError(f"{bad} must be a whole number {hp.interval()}{full} ({hp.description}).")
        return int(x)
    if hp.kind == "name":
        text = value.strip() if isinstance(value, str) else value
        if name == "learning_rate_schedule" and isinstance(text, str):
            try:
                text = schedule_name(text, underscore=True)  # inverse-time (as SCHEDULES spells it) → inverse_time
            except ValueError:
                pass  # reported below, in the search space's words
        elif isinstance(text, str) and text not in hp.names and text.replace("-", "_") in hp.names:
            text = text.replace("-", "_")  # e.g. leaky-relu → leaky_relu
        if not isinstance(text, str) or text not in hp.names:
            valid = "{" + ", ".join(repr(n) for n in hp.names) + "}"
            raise ValueError(f"{bad} must be one of {valid}.")
        return text
    # layers: "20-7-5", [20, 7, 5] or a single int
    sizes = value
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace("x", "-").split("-")]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            sizes = None
    elif isinstance(value, int) and not isinstance(value, bool):
        sizes = [value]
    if (not isinstance(sizes, (list, tuple)) or not sizes
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes)):
        raise ValueError(f"{bad} must list the hidden layer sizes n[1]-…-n[L-1] as positive whole "
                         f"numbers, e.g. 20-7-5 (TOML: [20, 7, 5]).")
    return "-".join(str(int(n)) for n in sizes)


def _split_spec(spec, option: str) -> tuple[str, str]:
    if not isinstance(spec, str) or "=" not in spec:
        raise ValueError(f"{option} takes NAME=VALUES (e.g. {option} n_h=1,2,3). Got {spec!r} instead.")
    name, _, rest = spec.partition("=")
    return name.strip(), rest.strip()


def parse_grid(specs) -> dict[str, Choice]:
    """Parse ``["n_h=1,2,3", "learning_rate=0.01,0.001"]`` into ``{name: Choice}``.

    Raises
    ------
    ValueError
        Unknown name, empty value list, a repeated value or hyperparameter, or a bad value.
    """
    space: dict[str, Choice] = {}
    for spec in specs or ():
        name, rest = _split_spec(spec, "--grid")
        where = f"--grid {spec}"
        _hyperparameter(name, where)
        raw = [v.strip() for v in rest.split(",")] if rest else []
        if not raw or any(v == "" for v in raw):
            raise ValueError(f"Empty grid value in {where!r}: list at least one value, e.g. {name}=1,2,3.")
        if name in space:
            raise ValueError(f"The hyperparameter {name!r} is given twice in --grid; list all its values once.")
        space[name] = _choice(name, raw, where)
    return space


def _choice(name, raw_values, where) -> Choice:
    values = tuple(check_value(name, v, where) for v in raw_values)
    if not values:
        raise ValueError(f"Empty grid for {name!r} in {where}: list at least one value.")
    if len(set(values)) != len(values):
        raise ValueError(f"The values of {name!r} in {where} repeat: {list(values)}. List each value once.")
    return Choice(values)


def _range(name, low, high, log, where) -> Range:
    hp = _hyperparameter(name, where)
    if hp.kind not in ("float", "int"):
        raise ValueError(f"{name!r} in {where} takes a list of values, not a range.")
    low, high = check_value(name, low, where), check_value(name, high, where)
    if low is None or high is None:
        raise ValueError(f"The range of {name!r} in {where} takes numbers; list {hp.none_word!r} with --grid.")
    if not low < high:
        raise ValueError(f"The range of {name!r} in {where} needs low < high. Got low={low}, high={high}.")
    if log and low <= 0:
        raise ValueError(f"The log range of {name!r} in {where} needs low > 0. Got low={low}; "
                         f"drop ':log' or start above 0.")
    return Range(low, high, bool(log))


def parse_ranges(specs) -> dict[str, Range]:
    """Parse ``["learning_rate=1e-4:1:log", "n_h=1:50"]`` into ``{name: Range}``."""
    space: dict[str, Range] = {}
    for spec in specs or ():
        name, rest = _split_spec(spec, "--range")
        where = f"--range {spec}"
        _hyperparameter(name, where)
        parts = rest.split(":")
        log = len(parts) == 3 and parts[2].strip().lower() == "log"
        if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
            raise ValueError(f"--range takes NAME=LOW:HIGH or NAME=LOW:HIGH:log (e.g. learning_rate=1e-4:1:log). "
                             f"Got {spec!r} instead.")
        if name in space:
            raise ValueError(f"The hyperparameter {name!r} is given twice in --range.")
        space[name] = _range(name, parts[0].strip(), parts[1].strip(), log, where)
    return space


_TOML_KEYS = ("sampler", "n_trials", "params", "fixed")


def load_space_file(path) -> dict:
    """Read a TOML search-space file: ``{"space", "fixed", "sampler", "n_trials"}``.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Malformed TOML (with the line), an unknown key or hyperparameter, or a bad value.
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError("Reading a TOML space file on Python 3.10 needs tomli: pip install tomli.") from None

    path = Path(path)
    where = f"the space file {path}"
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"The space file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"The space file {path} is not valid TOML: {err}.") from None
    unknown = sorted(set(doc) - set(_TOML_KEYS))
    if unknown:
        raise ValueError(f"Unknown key(s) {unknown} in {where}; the keys are {list(_TOML_KEYS)} "
                         f"(hyperparameters go in the [params] and [fixed] tables).")
    params, fixed = doc.get("params", {}), doc.get("fixed", {})
    for table, value in (("params", params), ("fixed", fixed)):
        if not isinstance(value, dict):
            raise ValueError(f"[{table}] in {where} must be a table of hyperparameters.")
    if not params:
        raise ValueError(f"The [params] table of {where} is empty: give at least one hyperparameter to vary.")
    space: dict = {}
    for name, spec in params.items():
        w = f"[params] of {where}"
        _hyperparameter(name, w)
        if isinstance(spec, list):
            if not spec:
                raise ValueError(f"Empty grid for {name!r} in {w}: list at least one value.")
            space[name] = _choice(name, spec, w)
        elif isinstance(spec, dict):
            extra = sorted(set(spec) - {"low", "high", "log"})
            if extra or "low" not in spec or "high" not in spec:
                raise ValueError(f"The range of {name!r} in {w} must be {{ low = …, high = …, log = true|false }}.")
            space[name] = _range(name, spec["low"], spec["high"], spec.get("log", False), w)
        else:
            space[name] = _choice(name, [spec], w)
    fixed = {name: check_value(name, v, f"[fixed] of {where}") for name, v in fixed.items()}
    out = {"space": space, "fixed": fixed, "sampler": doc.get("sampler"), "n_trials": doc.get("n_trials")}
    if out["sampler"] is not None and not isinstance(out["sampler"], str):
        raise ValueError(f"'sampler' in {where} must be a string: 'grid', 'random' or 'tpe'.")
    return out


def grid_points(space: dict) -> list[dict]:
    """All points of a space of :class:`Choice` axes, the first axis varying slowest."""
    names = list(space)
    for name in names:
        if not isinstance(space[name], Choice):
            raise ValueError(f"The grid sampler needs a list of values for every hyperparameter; "
                             f"{name!r} is a range. Use sampler 'random' or 'tpe', or list its values.")
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n].values for n in names))]


def space_to_dict(space: dict) -> dict:
    """JSON-able form of a space (stored with the study)."""
    out = {}
    for name, spec in space.items():
        if isinstance(spec, Choice):
            out[name] = {"values": list(spec.values)}
        else:
            out[name] = {"low": spec.low, "high": spec.high, "log": spec.log}
    return out


def space_from_dict(d: dict) -> dict:
    """Inverse of :func:`space_to_dict`."""
    return {name: Choice(tuple(s["values"])) if "values" in s else Range(s["low"], s["high"], s["log"])
            for name, s in d.items()}


def suggest(trial, space: dict) -> dict:
    """Ask an Optuna ``trial`` for one value of each hyperparameter of ``space``.

    Enqueued grid points and retried trials come back with their stored values; otherwise the
    study's sampler draws them (categorical for :class:`Choice`, float/int for :class:`Range`).
    """
    params = {}
    for name, spec in space.items():
        if isinstance(spec, Choice):
            params[name] = trial.suggest_categorical(name, list(spec.values))
        elif HYPERPARAMETERS[name].kind == "int":
            params[name] = trial.suggest_int(name, int(spec.low), int(spec.high), log=spec.log)
        else:
            params[name] = trial.suggest_float(name, spec.low, spec.high, log=spec.log)
    return params


def describe(space: dict) -> str:
    """One line per hyperparameter, for messages."""
    lines = []
    for name, spec in space.items():
        if isinstance(spec, Choice):
            word = HYPERPARAMETERS[name].none_word if name in HYPERPARAMETERS else None
            lines.append(f"{name} ∈ {{{', '.join(word if v is None else str(v) for v in spec.values)}}}")
        else:
            lines.append(f"{name} ∈ [{spec.low:g}, {spec.high:g}]{' (log)' if spec.log else ''}")
    return "; ".join(lines)

