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
from denseflow.core.validation import (
    check_choice,
    check_layer_dims,
    check_positive,
    check_positive_int,
    check_seed,
)

__all__: list[str] = []

_OUTPUTS = ("auto", "sigmoid", "softmax", "identity")
_DTYPES = ("float64", "float32")


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
    return cfg
