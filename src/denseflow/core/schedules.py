"""Learning-rate schedules: α as a function of the epoch number t = 0, 1, 2, …

The course's week-2 functions, with its names and arithmetic:

* :func:`update_lr` — α = α₀ / (1 + k·t) (inverse-time decay, every epoch);
* :func:`schedule_lr_decay` — α = α₀ / (1 + k·⌊t / T⌋) (the same, in steps of T epochs).

and a small registry, :data:`SCHEDULES`, of the schedules the lectures name; :func:`get_schedule`
builds one as a :class:`LearningRateSchedule`, a callable ``lr(t)`` that also records its name
and hyperparameters (so a checkpoint can store it):

* ``constant``: α₀ (hyperparameter ``learning_rate0``);
* ``inverse-time``: α₀ / (1 + k·⌊t / T⌋) (``decay_rate`` k = 1, ``time_interval`` T = 1);
* ``exponential``: α₀ · k^(t / T) (k = 0.95, T = 1: the lecture's 0.95^t · α₀);
* ``step``: α₀ · k^⌊t / T⌋ (k = 0.5, T = 1000);
* ``cosine``: α_min + ½ (α₀ − α_min)(1 + cos(π · min(t, T) / T)) (``num_epochs`` T,
  ``min_learning_rate`` α_min = 0).

'inverse-time' with T = 1 is :func:`update_lr`, and with T = 1000 the notebook's
:func:`schedule_lr_decay`, bit for bit. The models, the command line and the sweeps write it
'inverse_time'; :func:`schedule_name` maps either spelling to the registry's key.

The notebook's model computes, after epoch i, ``learning_rate = decay(learning_rate0, i,
decay_rate)``, so epoch 0 and epoch 1 both run at α₀ and epoch i ≥ 1 runs at α(i − 1). A
training loop that wants α(i) during epoch i calls the schedule before the epoch instead.

Examples
--------
>>> update_lr(0.5, 2, 1)
0.16666666666666666
>>> schedule_lr_decay(0.5, 100, 1, time_interval=100)
0.25
>>> lr = get_schedule("step", learning_rate0=0.1, decay_rate=0.5, time_interval=10)
>>> [lr(t) for t in (0, 9, 10, 25)]
[0.1, 0.1, 0.05, 0.025]
>>> lr.name, lr.hyperparameters
('step', (('learning_rate0', 0.1), ('decay_rate', 0.5), ('time_interval', 10)))
"""

from __future__ import annotations

import inspect
import math
from typing import Callable, NamedTuple

import numpy as np

from denseflow.core.validation import check_choice, check_positive, check_positive_int

__all__ = [
    "update_lr",
    "schedule_lr_decay",
    "LearningRateSchedule",
    "Schedule",
    "SCHEDULES",
    "get_schedule",
    "schedule_name",
    "constant",
    "inverse_time",
    "exponential",
    "step",
    "cosine",
]


def _epoch(epoch_num, owner):
    return check_positive(epoch_num, "epoch_num", owner, allow_zero=True)


def update_lr(learning_rate0, epoch_num, decay_rate):
    """Inverse-time decay, every epoch (the course's ``update_lr``).

    α = α₀ / (1 + k · t), computed as the notebook does: ``1 / (1 + k t) * α₀``.

    Parameters
    ----------
    learning_rate0 : float
        α₀ > 0, the initial learning rate.
    epoch_num : int
        t ≥ 0.
    decay_rate : float
        k ≥ 0.

    Returns
    -------
    float
        α.

    Examples
    --------
    >>> update_lr(0.5, 2, 1)
    0.16666666666666666
    >>> update_lr(0.1, 0, 1)
    0.1
    """
    owner = "update_lr"
    learning_rate0 = check_positive(learning_rate0, "learning_rate0", owner)
    epoch_num = _epoch(epoch_num, owner)
    decay_rate = check_positive(decay_rate, "decay_rate", owner, allow_zero=True)
    return float(1 / (1 + decay_rate * epoch_num) * learning_rate0)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """Inverse-time decay in steps of ``time_interval`` epochs (the course's ``schedule_lr_decay``).

    α = α₀ / (1 + k · ⌊t / T⌋), computed as the notebook does.

    Parameters
    ----------
    learning_rate0 : float
        α₀ > 0.
    epoch_num : int
        t ≥ 0.
    decay_rate : float
        k ≥ 0.
    time_interval : int, default 1000
        T ≥ 1: α changes every T epochs.

    Returns
    -------
    float

    Examples
    --------
    >>> schedule_lr_decay(0.5, 10, 0.3, time_interval=100), schedule_lr_decay(0.5, 100, 0.3, time_interval=100)
    (0.5, 0.3846153846153846)
    """
    owner = "schedule_lr_decay"
    learning_rate0 = check_positive(learning_rate0, "learning_rate0", owner)
    epoch_num = _epoch(epoch_num, owner)
    decay_rate = check_positive(decay_rate, "decay_rate", owner, allow_zero=True)
    time_interval = check_positive_int(time_interval, "time_interval", owner)
    return float(1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0)


class LearningRateSchedule(NamedTuple):
    """A learning-rate schedule: call it with the epoch number t to get α(t).

    Attributes
    ----------
    name : str
        Its name in :data:`SCHEDULES`.
    hyperparameters : tuple of (name, value)
        What it was built with: ``get_schedule(name, **dict(hyperparameters))`` builds it again.
    function : callable
        ``function(t) -> α(t)``.
    """

    name: str
    hyperparameters: tuple
    function: Callable

    def __call__(self, epoch_num) -> float:
        return self.function(epoch_num)


def _learning_rate0(value, owner):
    return check_positive(value, "learning_rate0", owner)


def _decay_factor(value, owner):
    value = check_positive(value, "decay_rate", owner)
    if value > 1:
        raise ValueError(f"The 'decay_rate' parameter of {owner} must be a number in (0, 1]. Got {value!r} instead.")
    return value


def constant(learning_rate0: float) -> LearningRateSchedule:
    """α(t) = α₀.

    Examples
    --------
    >>> constant(0.01)(1234)
    0.01
    """
    a0 = _learning_rate0(learning_rate0, "constant")

    def function(epoch_num):
        _epoch(epoch_num, "constant")
        return a0

    return LearningRateSchedule("constant", (("learning_rate0", a0),), function)


def inverse_time(learning_rate0: float, decay_rate: float = 1.0, time_interval: int = 1) -> LearningRateSchedule:
    """α(t) = α₀ / (1 + k · ⌊t / T⌋): :func:`update_lr` for T = 1, :func:`schedule_lr_decay` otherwise.

    Examples
    --------
    >>> lr = inverse_time(0.1, decay_rate=1, time_interval=1000)
    >>> lr(999), lr(1000), round(lr(2500), 6)
    (0.1, 0.05, 0.033333)
    """
    owner = "inverse_time"
    a0 = _learning_rate0(learning_rate0, owner)
    k = check_positive(decay_rate, "decay_rate", owner, allow_zero=True)
    T = check_positive_int(time_interval, "time_interval", owner)

    def function(epoch_num):
        return update_lr(a0, epoch_num, k) if T == 1 else schedule_lr_decay(a0, epoch_num, k, T)

    hyper = (("learning_rate0", a0), ("decay_rate", k), ("time_interval", T))
    return LearningRateSchedule("inverse-time", hyper, function)


def exponential(learning_rate0: float, decay_rate: float = 0.95, time_interval: int = 1) -> LearningRateSchedule:
    """α(t) = α₀ · k^(t / T) (the lecture's α = 0.95^t · α₀ with the defaults).

    Examples
    --------
    >>> lr = exponential(0.2, decay_rate=0.5, time_interval=2)
    >>> lr(0), lr(2), round(lr(1), 6)
    (0.2, 0.1, 0.141421)
    """
    owner = "exponential"
    a0 = _learning_rate0(learning_rate0, owner)
    k = _decay_factor(decay_rate, owner)
    T = check_positive_int(time_interval, "time_interval", owner)

    def function(epoch_num):
        return float(k ** (_epoch(epoch_num, owner) / T) * a0)

    hyper = (("learning_rate0", a0), ("decay_rate", k), ("time_interval", T))
    return LearningRateSchedule("exponential", hyper, function)


def step(learning_rate0: float, decay_rate: float = 0.5, time_interval: int = 1000) -> LearningRateSchedule:
    """α(t) = α₀ · k^⌊t / T⌋: multiply by k every T epochs.

    Examples
    --------
    >>> lr = step(1.0, decay_rate=0.1, time_interval=3)
    >>> [round(lr(t), 12) for t in range(7)]
    [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01]
    """
    owner = "step"
    a0 = _learning_rate0(learning_rate0, owner)
    k = _decay_factor(decay_rate, owner)
    T = check_positive_int(time_interval, "time_interval", owner)

    def function(epoch_num):
        return float(k ** math.floor(_epoch(epoch_num, owner) / T) * a0)

    hyper = (("learning_rate0", a0), ("decay_rate", k), ("time_interval", T))
    return LearningRateSchedule("step", hyper, function)


def cosine(learning_rate0: float, num_epochs: int, min_learning_rate: float = 0.0) -> LearningRateSchedule:
    """α(t) = α_min + ½ (α₀ − α_min)(1 + cos(π · min(t, T) / T)): from α₀ at t = 0 to α_min at t = T.

    Examples
    --------
    >>> lr = cosine(0.1, num_epochs=100, min_learning_rate=0.001)
    >>> lr(0), round(lr(50), 6), lr(100), lr(150)
    (0.1, 0.0505, 0.001, 0.001)
    """
    owner = "cosine"
    a0 = _learning_rate0(learning_rate0, owner)
    T = check_positive_int(num_epochs, "num_epochs", owner)
    a_min = check_positive(min_learning_rate, "min_learning_rate", owner, allow_zero=True)
    if a_min > a0:
        raise ValueError(
            f"The 'min_learning_rate' parameter of {owner} must be <= learning_rate0 = {a0!r}. Got {a_min!r} instead."
        )

    def function(epoch_num):
        t = min(_epoch(epoch_num, owner), T)
        return float(a_min + 0.5 * (a0 - a_min) * (1 + math.cos(math.pi * t / T)))

    hyper = (("learning_rate0", a0), ("num_epochs", T), ("min_learning_rate", a_min))
    return LearningRateSchedule("cosine", hyper, function)


class Schedule(NamedTuple):
    """A registry entry: its name, the factory that builds the :class:`LearningRateSchedule`, the formula."""

    name: str
    factory: Callable
    formula: str

    @property
    def hyperparameters(self) -> tuple:
        """The names the factory accepts."""
        return tuple(inspect.signature(self.factory).parameters)


#: The schedules by name (see the module's table).
SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", constant, "α₀"),
        Schedule("inverse-time", inverse_time, "α₀ / (1 + k·⌊t / T⌋)"),
        Schedule("exponential", exponential, "α₀ · k^(t / T)"),
        Schedule("step", step, "α₀ · k^⌊t / T⌋"),
        Schedule("cosine", cosine, "α_min + ½ (α₀ − α_min)(1 + cos(π · min(t, T) / T))"),
    )
}


def schedule_name(name, param: str = "learning_rate_schedule", owner: str = "schedule_name", *,
                  underscore: bool = False) -> str:
    """The canonical name of the schedule ``name``, written with a hyphen or an underscore.

    :data:`SCHEDULES` spells inverse-time decay with a hyphen (``'inverse-time'``), the models,
    the command line and the sweeps with an underscore (``'inverse_time'``, a Python
    identifier); both spellings name the same schedule. This is the one place that maps one
    onto the other.

    Parameters
    ----------
    name : str
        A schedule of :data:`SCHEDULES`, in either spelling.
    param, owner : str
        The parameter and the function or class named in the error message.
    underscore : bool, default False
        Return the identifier spelling (``'inverse_time'``) instead of the registry's
        (``'inverse-time'``).

    Returns
    -------
    str
        The key of :data:`SCHEDULES` (``underscore=False``), or that key with ``-`` replaced by ``_``.

    Raises
    ------
    ValueError
        ``name`` is not a schedule (the message lists the valid names, as the models write them).

    Examples
    --------
    >>> schedule_name("inverse_time"), schedule_name("inverse-time", underscore=True), schedule_name("cosine")
    ('inverse-time', 'inverse_time', 'cosine')
    >>> schedule_name("linear", "learning_rate_schedule", "DeepNetwork")
    Traceback (most recent call last):
    ...
    ValueError: The 'learning_rate_schedule' parameter of DeepNetwork must be one of {'constant', 'cosine', 'exponential', 'inverse_time', 'step'}. Got 'linear' instead.
    """
    by_identifier = {key.replace("-", "_"): key for key in SCHEDULES}
    if isinstance(name, str) and name in SCHEDULES:
        key = name
    else:
        key = by_identifier[check_choice(name, by_identifier, param, owner)]
    return key.replace("-", "_") if underscore else key


def get_schedule(name: str, **hyperparameters) -> LearningRateSchedule:
    """Build the schedule called ``name`` in :data:`SCHEDULES`: a callable ``lr(epoch_num)``.

    Parameters
    ----------
    name : {'constant', 'inverse-time', 'exponential', 'step', 'cosine'}
    **hyperparameters
        Passed to the factory: ``learning_rate0`` (all), ``decay_rate`` and ``time_interval``
        (inverse-time, exponential, step), ``num_epochs`` and ``min_learning_rate`` (cosine).

    Returns
    -------
    LearningRateSchedule

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones) or a bad value.
    TypeError
        A hyperparameter the schedule does not take, or a missing one.

    Examples
    --------
    >>> get_schedule("inverse-time", learning_rate0=0.5, decay_rate=1)(2)
    0.16666666666666666
    >>> get_schedule("linear", learning_rate0=0.1)
    Traceback (most recent call last):
    ...
    ValueError: The 'learning_rate_schedule' parameter of get_schedule must be one of {'constant', 'cosine', 'exponential', 'inverse-time', 'step'}. Got 'linear' instead.
    """
    spec = SCHEDULES[check_choice(name, SCHEDULES, "learning_rate_schedule", "get_schedule")]
    accepted = spec.hyperparameters
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise TypeError(f"The schedule {name!r} does not take {unknown}; it takes {list(accepted)}.")
    required = [p.name for p in inspect.signature(spec.factory).parameters.values()
                if p.default is inspect.Parameter.empty and p.name not in hyperparameters]
    if required:
        raise TypeError(f"The schedule {name!r} needs {required} (it takes {list(accepted)}).")
    return spec.factory(**hyperparameters)
