"""A network's hyperparameters: their checks and their JSON-able configuration.

A :class:`~denseflow.models.Network`'s ``__init__`` only stores its arguments (as in
scikit-learn); they are checked when they are used — at ``fit``, and when a model file or a run
is loaded — by :func:`validate_hyperparameters`, which names the model and the parameter in each
message and builds the lists of valid names from the registries
(:data:`~denseflow.core.activations.HIDDEN_ACTIVATIONS`, :data:`~denseflow.core.initializers.INITIALIZERS`,
:data:`~denseflow.core.losses.LOSSES`). :func:`network_config` writes them as the JSON-able dict of
``Network.get_config`` (what model files and checkpoints store).

Examples
--------
>>> from denseflow.models import DeepNetwork
>>> from denseflow.models.config import network_config, validate_hyperparameters
>>> network_config(DeepNetwork([2, 3, 1], seed=0))["layer_dims"]
[2, 3, 1]
>>> validate_hyperparameters(DeepNetwork([2, 3, 1], learning_rate=-1))
Traceback (most recent call last):
...
ValueError: The 'learning_rate' parameter of DeepNetwork must be a finite number > 0. Got -1 instead.
"""

from __future__ import annotations

import numpy as np

from denseflow.core.activations import HIDDEN_ACTIVATIONS
from denseflow.core.initializers import INITIALIZERS
from denseflow.core.losses import LOSSES
from denseflow.core.optimizers import OPTIMIZERS
from denseflow.core.schedules import schedule_name
from denseflow.core.validation import (
    check_choice,
    check_fraction,
    check_layer_dims,
    check_positive,
    check_positive_int,
    check_seed,
)

__all__: list[str] = []

_OUTPUTS = ("auto", "sigmoid", "softmax", "identity")
_DTYPES = ("float64", "float32")
#: Schedules whose decay rate is a factor in (0, 1] (inverse-time takes any rate >= 0). The models
#: name the schedules as :func:`denseflow.core.schedules.schedule_name` does ('inverse_time' or
#: 'inverse-time').
_FACTOR_SCHEDULES = ("exponential", "step")

#: The training hyperparameters of issue 15 and their defaults (the course's full-batch gradient
#: descent: files written before them load with these values).
TRAINING_DEFAULTS = dict(
    optimizer="gd",
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    nesterov=False,
    batch_size=None,
    num_epochs=None,
    shuffle=True,
    learning_rate_schedule="constant",
    decay_rate=None,
    time_interval=None,
    lambd=0.0,
    keep_prob=1.0,
    early_stopping=False,
    validation_fraction=0.1,
    patience=10,
    tol=1e-4,
    restore_best_weights=True,
    standardize_targets=False,
)


def validate_hyperparameters(model):
    """Check the hyperparameters of ``model`` (a :class:`~denseflow.models.Network`); raise on the first bad one.

    Raises
    ------
    ValueError, TypeError
        "The '<parameter>' parameter of <model class> must be …. Got … instead."
    """
    owner = type(model).__name__
    check_choice(model.hidden_activation, HIDDEN_ACTIVATIONS, "hidden_activation", owner)
    check_choice(model.output_activation, _OUTPUTS, "output_activation", owner)
    check_positive(model.learning_rate, "learning_rate", owner)
    check_positive_int(model.num_iterations, "num_iterations", owner)
    check_choice(model.initialization, INITIALIZERS, "initialization", owner)
    check_choice(str(np.dtype(model.dtype)) if _dtype_ok(model.dtype) else model.dtype, _DTYPES, "dtype", owner)
    check_positive(model.leaky_slope, "leaky_slope", owner, allow_zero=True)
    check_positive_int(model.cost_every, "cost_every", owner)
    if model.print_every is not None:
        check_positive_int(model.print_every, "print_every", owner)
    if model.loss is not None:
        check_choice(model.loss, LOSSES, "loss", owner)
    check_seed(model.seed, owner, allow_none=True)
    if model.layer_dims is not None:
        check_layer_dims(model.layer_dims, "layer_dims", owner)
    if isinstance(model.hidden_layers, (str, bytes)) or not isinstance(model.hidden_layers, (tuple, list)):
        raise TypeError(
            f"The 'hidden_layers' parameter of {owner} must be a tuple of hidden-layer sizes, e.g. (20, 7, 5). "
            f"Got {model.hidden_layers!r} instead."
        )
    for n in model.hidden_layers:
        check_positive_int(n, "hidden_layers", owner)
    if model.callback is not None and not callable(model.callback):
        raise TypeError(f"The 'callback' parameter of {owner} must be callable. Got {model.callback!r} instead.")
    validate_training(model, owner)


def check_bool(value, param: str, owner: str) -> bool:
    """True or False (NumPy's bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The {param!r} parameter of {owner} must be a bool (True or False). Got {value!r} instead.")
    return bool(value)


def keep_probs_of(keep_prob, n_hidden: int | None, owner: str) -> list | None:
    """``keep_prob`` as one probability in (0, 1] per hidden layer (``n_hidden`` of them; with
    ``n_hidden=None`` only the values are checked and None is returned)."""
    if isinstance(keep_prob, (str, bytes)) or not (
        isinstance(keep_prob, (list, tuple, np.ndarray)) or np.ndim(keep_prob) == 0
    ):
        raise TypeError(
            f"The 'keep_prob' parameter of {owner} must be a number in (0, 1] or a list of them, one per hidden "
            f"layer. Got {keep_prob!r} instead."
        )
    many = isinstance(keep_prob, (list, tuple, np.ndarray))
    values = list(np.ravel(keep_prob)) if many else [keep_prob]
    if many and not values:
        raise ValueError(f"The 'keep_prob' parameter of {owner} must not be an empty list. Got {keep_prob!r} instead.")
    checked = []
    for v in values:
        if isinstance(v, np.generic):
            v = v.item()
        checked.append(check_fraction(v, "keep_prob", owner, low_closed=False, high_closed=True))
    if n_hidden is None:
        return None
    if many and len(checked) != n_hidden:
        raise ValueError(
            f"The 'keep_prob' parameter of {owner} must be a number or a list of {n_hidden} numbers, one per hidden "
            f"layer (the output layer is never dropped). Got {len(checked)} numbers instead."
        )
    return checked if many else checked * n_hidden


def validate_training(model, owner: str):
    """Check the optimization and regularization hyperparameters (issue 15) of ``model``."""
    check_choice(model.optimizer, OPTIMIZERS, "optimizer", owner)
    check_fraction(model.beta1, "beta1", owner, low_closed=True, high_closed=False)
    check_fraction(model.beta2, "beta2", owner, low_closed=True, high_closed=False)
    check_positive(model.epsilon, "epsilon", owner)
    check_bool(model.nesterov, "nesterov", owner)
    if model.batch_size is not None:
        check_positive_int(model.batch_size, "batch_size", owner)
    if model.num_epochs is not None:
        check_positive_int(model.num_epochs, "num_epochs", owner)
    check_bool(model.shuffle, "shuffle", owner)
    schedule = schedule_name(model.learning_rate_schedule, "learning_rate_schedule", owner)
    if model.decay_rate is not None:
        if schedule in _FACTOR_SCHEDULES:
            check_fraction(model.decay_rate, "decay_rate", owner, low_closed=False, high_closed=True)
        else:
            check_positive(model.decay_rate, "decay_rate", owner, allow_zero=True)
    if model.time_interval is not None:
        check_positive_int(model.time_interval, "time_interval", owner)
    check_positive(model.lambd, "lambd", owner, allow_zero=True)
    keep_probs_of(model.keep_prob, None, owner)
    check_bool(model.early_stopping, "early_stopping", owner)
    check_fraction(model.validation_fraction, "validation_fraction", owner, low_closed=False, high_closed=False)
    check_positive_int(model.patience, "patience", owner)
    check_positive(model.tol, "tol", owner, allow_zero=True)
    check_bool(model.restore_best_weights, "restore_best_weights", owner)
    check_bool(model.standardize_targets, "standardize_targets", owner)
    if model.standardize_targets and model.output_activation not in ("identity", "auto"):
        raise ValueError(
            f"The 'standardize_targets' parameter of {owner} is for regression (output_activation='identity'); the "
            f"output is {model.output_activation!r}. Set standardize_targets=False or output_activation='identity'."
        )


def _dtype_ok(dtype):
    try:
        np.dtype(dtype)
        return True
    except TypeError:
        return False


def network_config(model) -> dict:
    """The hyperparameters of ``model`` as a JSON-able dict (what model files store).

    The keys are the arguments of :class:`~denseflow.models.Network` plus ``"model"``, the class
    name; the subclasses' ``get_config`` drop the arguments they fix and add their own (``n_h``).
    """
    cfg = {
        "model": type(model).__name__,
        "layer_dims": None if model.layer_dims is None else [int(n) for n in model.layer_dims],
        "hidden_layers": [int(n) for n in model.hidden_layers],
        "hidden_activation": model.hidden_activation,
        "output_activation": model.output_activation,
        "learning_rate": float(model.learning_rate),
        "num_iterations": int(model.num_iterations),
        "initialization": model.initialization,
        "seed": None if model.seed is None else int(model.seed),
        "course": bool(model.course),
        "dtype": str(model.dtype),
        "leaky_slope": float(model.leaky_slope),
        "standardize": bool(model.standardize),
        "loss": model.loss,
        "cost_every": int(model.cost_every),
    }
    cfg.update(training_config(model))
    return cfg


def training_config(model) -> dict:
    """The issue-15 hyperparameters of ``model`` as JSON-able values (keys of :data:`TRAINING_DEFAULTS`)."""
    def opt_int(v):
        return None if v is None else int(v)

    def opt_float(v):
        return None if v is None else float(v)

    keep = model.keep_prob
    keep = [float(k) for k in np.ravel(keep)] if isinstance(keep, (list, tuple, np.ndarray)) else float(keep)
    return {
        "optimizer": model.optimizer,
        "beta1": float(model.beta1),
        "beta2": float(model.beta2),
        "epsilon": float(model.epsilon),
        "nesterov": bool(model.nesterov),
        "batch_size": opt_int(model.batch_size),
        "num_epochs": opt_int(model.num_epochs),
        "shuffle": bool(model.shuffle),
        "learning_rate_schedule": model.learning_rate_schedule,
        "decay_rate": opt_float(model.decay_rate),
        "time_interval": opt_int(model.time_interval),
        "lambd": float(model.lambd),
        "keep_prob": keep,
        "early_stopping": bool(model.early_stopping),
        "validation_fraction": float(model.validation_fraction),
        "patience": int(model.patience),
        "tol": float(model.tol),
        "restore_best_weights": bool(model.restore_best_weights),
        "standardize_targets": bool(model.standardize_targets),
    }
