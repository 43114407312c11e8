"""Model files and checkpoints: ``.npz`` arrays plus one JSON metadata string, never pickle.

A model file holds everything needed to use a fitted network again:

========================= ============================================================
entry                     contents
========================= ============================================================
``metadata`` (JSON text)  format name and version, the hyperparameters
                          (:meth:`Network.get_config`), ``layer_dims_``, the output
                          (sigmoid / softmax / identity), ``classes_``, class names, the
                          :class:`~denseflow.training.History`, the optimizer step, and a
                          SHA-256 digest of every array
``W1``, ``b1``, … ``bL``  the learned parameters, W[l] (n[l], n[l-1]), b[l] (n[l], 1)
``input_mean``,           the standardization (n_x, 1) applied to every input, when the
``input_std``             model was fitted with ``standardize=True``
========================= ============================================================

Files are read with ``np.load(..., allow_pickle=False)``; every array is checked against the
metadata (names, shapes, dtype, digest, finiteness), so truncated, corrupted or tampered files,
object arrays, files from a newer denseflow and weights that disagree with the architecture all
raise :class:`ModelFileError` (a ``ValueError``) naming the file and what is wrong.

Writes are atomic (:func:`atomic_write`): the bytes go to a temporary file in the same folder,
which is flushed, ``fsync``-ed and renamed over the target with :func:`os.replace`; the folder is
then ``fsync``-ed. A process killed during a save leaves the previous file intact.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> from denseflow import LogisticRegression, io
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
>>> model = LogisticRegression(learning_rate=0.5, num_iterations=100)
>>> _ = model.fit(X, Y)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
>>> io.save(model, path)
>>> again = io.load(path)
>>> bool(np.array_equal(again.parameters_["W1"], model.parameters_["W1"])), again.predict(X)
(True, array([[0, 0, 1, 1]]))
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._npzfile import (
    _CHECKPOINT_FORMAT,
    _MODEL_FORMAT,
    FORMAT_VERSION,
    ModelFileError,
    atomic_write,
    bad_file as _bad,
    digest as _digest,
    read_npz as _read_npz,
    write_npz as _write_npz,
)

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "CheckpointFile",
    "save",
    "load",
    "save_checkpoint",
    "load_checkpoint",
    "atomic_write",
]


class CheckpointFile(NamedTuple):
    """What :func:`load_checkpoint` returns.

    Attributes
    ----------
    checkpoint : denseflow.training.Checkpoint
        Parameters, optimizer state, iteration and history, ready for ``fit(resume_from=...)``.
    config : dict
        The model's :meth:`~denseflow.models.Network.get_config` at the time of the checkpoint.
    extra : dict
        Whatever JSON-able dict the writer stored (the CLI stores its training arguments).
    """

    checkpoint: object
    config: dict
    extra: dict



def _check_parameters(path, arrays, layer_dims, dtype):
    """The arrays W1..bL must exist and have the shapes of ``layer_dims``."""
    params = {}
    for l in range(1, len(layer_dims)):
        for key, shape in ((f"W{l}", (layer_dims[l], layer_dims[l - 1])), (f"b{l}", (layer_dims[l], 1))):
            if key not in arrays:
                raise _bad(path, f"is missing the parameter {key!r} of layer {l}.")
            arr = arrays[key]
            if arr.shape != shape:
                kind = "W" if key[0] == "W" else "b"
                formula = f"(n[{l}], n[{l - 1}])" if kind == "W" else f"(n[{l}], 1)"
                raise _bad(path, f"parameter {key!r} has shape {arr.shape} but the architecture "
                                 f"{list(layer_dims)} needs {formula} = {shape}.")
            if arr.dtype.kind != "f":
                raise _bad(path, f"parameter {key!r} has dtype {arr.dtype}; expected a float array.")
            if dtype is not None and arr.dtype != np.dtype(dtype):
                raise _bad(path, f"parameter {key!r} has dtype {arr.dtype} but the model's dtype is {dtype}.")
            if not np.all(np.isfinite(arr)):
                raise _bad(path, f"parameter {key!r} contains NaN or infinity.")
            params[key] = np.array(arr, copy=True)
    extra = sorted(k for k in arrays if k[:1] in "Wb" and k[1:].isdigit() and k not in params)
    if extra:
        raise _bad(path, f"holds parameter(s) {extra} beyond the {len(layer_dims) - 1} layers of "
                         f"the architecture {list(layer_dims)}.")
    return params


def _check_layer_dims(path, value):
    if (not isinstance(value, list) or len(value) < 2
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in value)):
        raise _bad(path, f"its metadata field 'layer_dims' must be a list of at least two positive ints; "
                         f"got {value!r}.")
    return [int(n) for n in value]


def _model_from_config(path, config):
    from .models import MODELS, Network

    if not isinstance(config, dict):
        raise _bad(path, f"its metadata field 'config' must be a JSON object; got {config!r}.")
    name = config.get("model")
    if name not in MODELS:
        raise _bad(path, f"names an unknown model class {name!r} (known: {sorted(MODELS)}).")
    try:
        model = Network.from_config(config)
        model._validate_hyperparameters()
    except (TypeError, ValueError) as exc:
        raise _bad(path, f"its model configuration is invalid: {exc}") from None
    return model


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------


def save(model, path) -> None:
    """Save a fitted model to ``path`` as an ``.npz`` file, atomically.

    Parameters
    ----------
    model : denseflow.models.Network
        A fitted model (``LogisticRegression``, ``ShallowNetwork``, ``DeepNetwork``, ``Network``).
    path : str or Path
        The file to write (written exactly as named; ``.npz`` is the usual suffix). An existing
        file is replaced only once the new one is complete.

    Raises
    ------
    TypeError
        ``model`` is not a denseflow network.
    ValueError
        The model is not fitted.

    Examples
    --------
    See the module docstring.
    """
    from .models import Network

    if not isinstance(model, Network):
        raise TypeError(f"save expects a denseflow model (Network, ShallowNetwork, ...); got {type(model).__name__}.")
    if not hasattr(model, "parameters_"):
        raise ValueError(f"This {type(model).__name__} is not fitted yet; call fit before save.")
    history = getattr(model, "history_", None)
    state = getattr(model, "optimizer_state_", None)
    classes = getattr(model, "classes_", None)
    meta = {
        "format": _MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "denseflow_version": _version(),
        "config": model.get_config(),
        "layer_dims": [int(n) for n in model.layer_dims_],
        "output": model.output_,
        "classes": None if classes is None else np.asarray(classes).tolist(),
        "class_names": getattr(model, "class_names_", None),
        "history": None if history is None else history.to_dict(),
        "optimizer_step": None if state is None else int(state.step),
        "standardized": model.input_mean_ is not None,
    }
    arrays = {k: np.asarray(v) for k, v in model.parameters_.items()}
    if model.input_mean_ is not None:
        arrays["input_mean"] = np.asarray(model.input_mean_, dtype=np.float64)
        arrays["input_std"] = np.asarray(model.input_std_, dtype=np.float64)
    _write_npz(path, meta, arrays)


def load(path):
    """Load a model written by :func:`save`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    denseflow.models.Network
        A fitted model of the saved class: ``predict``, ``accuracy``, … work at once and give
        the same numbers as before the save.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelFileError
        (a ``ValueError``) The file is empty, truncated, corrupted, not an ``.npz`` archive,
        holds an object array, was written by a newer denseflow, was modified after it was
        saved, or its weights disagree with its architecture. The message says which.
    """
    from .optimizers import GradientDescentState
    from .training import History

    path, meta, arrays = _read_npz(path, _MODEL_FORMAT)
    model = _model_from_config(path, meta.get("config"))
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    cfg_dims = model.get_config().get("layer_dims")
    if cfg_dims is not None and list(cfg_dims) != dims:
        raise _bad(path, f"its architecture {dims} disagrees with its configuration's layer_dims {cfg_dims}.")
    if getattr(model, "n_h", None) is not None and (len(dims) != 3 or dims[1] != model.n_h):
        raise _bad(path, f"its architecture {dims} disagrees with n_h = {model.n_h} of ShallowNetwork.")
    output = meta.get("output")
    if output not in ("sigmoid", "softmax", "identity"):
        raise _bad(path, f"its metadata field 'output' must be 'sigmoid', 'softmax' or 'identity'; got {output!r}.")
    params = _check_parameters(path, arrays, dims, model.dtype)
    classes = meta.get("classes")
    if output == "identity":
        classes = None
    else:
        if not isinstance(classes, list) or not classes:
            raise _bad(path, f"its metadata field 'classes' must be a non-empty list; got {classes!r}.")
        n_expected = 2 if output == "sigmoid" else dims[-1]
        if len(classes) != n_expected:
            raise _bad(path, f"lists {len(classes)} classes but its {output} output has {n_expected}.")
        classes = np.asarray(classes)
    names = meta.get("class_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise _bad(path, f"its metadata field 'class_names' must be a list of strings or null; got {names!r}.")
    mean = std = None
    if meta.get("standardized"):
        for key in ("input_mean", "input_std"):
            if key not in arrays:
                raise _bad(path, f"says the inputs are standardized but lacks the array {key!r}.")
            if arrays[key].shape != (dims[0], 1) or not np.all(np.isfinite(arrays[key])):
                raise _bad(path, f"array {key!r} must be finite with shape (n_x, 1) = ({dims[0]}, 1); "
                                 f"got shape {arrays[key].shape}.")
        mean, std = np.array(arrays["input_mean"]), np.array(arrays["input_std"])
        if np.any(std <= 0):
            raise _bad(path, "array 'input_std' must be > 0 for every feature.")
    history = meta.get("history")
    try:
        history = None if history is None else History.from_dict(history)
    except (TypeError, ValueError, AttributeError) as exc:
        raise _bad(path, f"its history is malformed: {exc}") from None
    model.parameters_ = params
    model.layer_dims_ = dims
    model.output_ = output
    model.classes_ = classes
    model.class_names_ = names
    model.input_mean_, model.input_std_ = mean, std
    if history is not None:
        model.history_ = history
    step = meta.get("optimizer_step")
    if isinstance(step, int) and not isinstance(step, bool):
        model.optimizer_state_ = GradientDescentState(step)
    return model


def _version() -> str:
    from . import __version__

    return __version__


# ---------------------------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------------------------


def save_checkpoint(path, checkpoint, config: dict, extra: dict | None = None) -> None:
    """Write a training :class:`~denseflow.training.Checkpoint` atomically.

    Parameters
    ----------
    path : str or Path
    checkpoint : denseflow.training.Checkpoint
        ``(parameters, optimizer_state, iteration, history)``, e.g. ``event.checkpoint()`` in a
        training callback.
    config : dict
        The model's :meth:`~denseflow.models.Network.get_config`.
    extra : dict, optional
        Any JSON-able information to keep with it (the CLI stores its arguments).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from denseflow import LogisticRegression
    >>> from denseflow.training import Checkpoint, History
    >>> from denseflow.optimizers import GradientDescentState
    >>> ck = Checkpoint({"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}, GradientDescentState(3), 3, History())
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> save_checkpoint(p, ck, LogisticRegression().get_config(), extra={"note": "demo"})
    >>> loaded = load_checkpoint(p)
    >>> loaded.checkpoint.iteration, loaded.extra
    (3, {'note': 'demo'})
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict (model.get_config()); got {type(config).__name__}.")
    params = {k: np.asarray(v) for k, v in checkpoint.parameters.items()}
    L = len(params) // 2
    dims = [int(params["W1"].shape[1])] + [int(params[f"W{l}"].shape[0]) for l in range(1, L + 1)]
    meta = {
        "format": _CHECKPOINT_FORMAT,
        "format_version": FORMAT_VERSION,
        "denseflow_version": _version(),
        "config": config,
        "layer_dims": dims,
        "iteration": int(checkpoint.iteration),
        "optimizer": {"name": "gradient_descent", "step": int(checkpoint.optimizer_state.step)},
        "history": checkpoint.history.to_dict(),
        "extra": {} if extra is None else extra,
    }
    _write_npz(path, meta, params)


def load_checkpoint(path) -> CheckpointFile:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Returns
    -------
    CheckpointFile
        ``(checkpoint, config, extra)``; pass ``checkpoint`` to ``model.fit(..., resume_from=...)``
        of a model rebuilt with ``Network.from_config(config)``.

    Raises
    ------
    FileNotFoundError, ModelFileError
        As :func:`load`.
    """
    from .optimizers import GradientDescentState
    from .training import Checkpoint, History

    path, meta, arrays = _read_npz(path, _CHECKPOINT_FORMAT)
    config = meta.get("config")
    _model_from_config(path, config)
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    params = _check_parameters(path, arrays, dims, config.get("dtype"))
    iteration = meta.get("iteration")
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise _bad(path, f"its metadata field 'iteration' must be an int >= 0; got {iteration!r}.")
    optimizer = meta.get("optimizer")
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("step"), int):
        raise _bad(path, f"its metadata field 'optimizer' must be {{'name': ..., 'step': int}}; got {optimizer!r}.")
    try:
        history = History.from_dict(meta.get("history") or {})
    except (TypeError, ValueError, AttributeError) as exc:
        raise _bad(path, f"its history is malformed: {exc}") from None
    extra = meta.get("extra") or {}
    if not isinstance(extra, dict):
        raise _bad(path, f"its metadata field 'extra' must be a JSON object; got {extra!r}.")
    checkpoint = Checkpoint(params, GradientDescentState(optimizer["step"]), iteration, history)
    return CheckpointFile(checkpoint, dict(config), extra)
