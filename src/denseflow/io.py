"""Model files and checkpoints: ``.npz`` arrays plus one JSON metadata string, never pickle.

A model file holds everything needed to use a fitted network again:

========================= ============================================================
entry                     contents
========================= ============================================================
``metadata`` (JSON text)  format name and version, the hyperparameters
                          (:meth:`Network.get_config`), ``layer_dims_``, the output
                          (sigmoid / softmax / identity), ``classes_``, class names, the
                          :class:`~denseflow.training.History`, the optimizer step, a
                          SHA-256 digest of every array and one of the metadata itself
``W1``, ``b1``, … ``bL``  the learned parameters, W[l] (n[l], n[l-1]), b[l] (n[l], 1)
``input_mean``,           the standardization (n_x, 1) applied to every input, when the
``input_std``             model was fitted with ``standardize=True``
========================= ============================================================

Files are read with ``np.load(..., allow_pickle=False)``; every array is checked against the
metadata (names, shapes, dtype, digest, finiteness) and the metadata against its digest and
itself (output ↔ output units ↔ classes, model class ↔ architecture, numeric history), so
truncated, corrupted or tampered files, object arrays, files from a newer denseflow and weights
that disagree with the architecture all raise :class:`ModelFileError` (a ``ValueError``) naming
the file and what is wrong. :func:`save` refuses a model whose parameters disagree with its
``layer_dims_``, so a file that cannot be loaded back is never written.

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

import math

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


def _is_real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_HISTORY_FIELDS = ("iterations", "costs", "val_costs", "val_accuracies", "final_cost")


def _check_history(path, value):
    """The metadata ``history``: numeric lists of consistent lengths → a History."""
    from .training import History

    def bad(what):
        return _bad(path, f"its history is malformed: {what}")

    if not isinstance(value, dict):
        raise bad(f"expected a JSON object with {list(_HISTORY_FIELDS)}; got {value!r:.80}.")
    unknown = sorted(set(value) - set(_HISTORY_FIELDS))
    if unknown:
        raise bad(f"unknown field(s) {unknown}.")
    lists = {}
    for key in _HISTORY_FIELDS[:4]:
        items = value.get(key, [])
        if not isinstance(items, list):
            raise bad(f"{key!r} must be a list; got {type(items).__name__} {items!r:.80}.")
        for x in items:
            if key == "iterations":
                ok = isinstance(x, int) and not isinstance(x, bool) and x >= 0
            elif key == "val_costs":  # the validation cost is not guarded against overflow: inf is possible
                ok = _is_real(x) and not math.isnan(x)
            elif key == "val_accuracies":
                ok = _is_real(x) and 0 <= x <= 1
            else:
                ok = _is_real(x) and math.isfinite(x)
            if not ok:
                expected = {"iterations": "ints >= 0", "val_costs": "numbers",
                            "val_accuracies": "numbers in [0, 1]"}.get(key, "finite numbers")
                raise bad(f"{key!r} must hold {expected}; found {x!r:.40}.")
        lists[key] = items
    its = lists["iterations"]
    if any(b <= a for a, b in zip(its, its[1:])):
        raise bad("'iterations' must be increasing.")
    if len(lists["costs"]) != len(its):
        raise bad(f"{len(its)} iterations but {len(lists['costs'])} costs.")
    for key in ("val_costs", "val_accuracies"):
        if lists[key] and len(lists[key]) != len(its):
            raise bad(f"{key!r} must be empty or hold one value per iteration ({len(its)}); "
                      f"it holds {len(lists[key])}.")
    if bool(lists["val_costs"]) != bool(lists["val_accuracies"]):
        raise bad("'val_costs' and 'val_accuracies' must both be empty or both be filled.")
    final = value.get("final_cost")
    if final is not None and not (_is_real(final) and math.isfinite(final)):
        raise bad(f"'final_cost' must be a finite number or null; got {final!r:.40}.")
    return History(list(its), list(lists["costs"]), list(lists["val_costs"]), list(lists["val_accuracies"]),
                   final)


def _check_step(path, value, field):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, f"its metadata field {field!r} must be an int >= 0; got {value!r:.40}.")
    return value


def _check_output_and_classes(path, meta, model, dims):
    """output ↔ number of output units ↔ classes; the model class ↔ the architecture."""
    from .models import LogisticRegression

    output = meta.get("output")
    if output not in ("sigmoid", "softmax", "identity"):
        raise _bad(path, f"its metadata field 'output' must be 'sigmoid', 'softmax' or 'identity'; got {output!r}.")
    config = model.get_config()
    wanted = config.get("output_activation", "auto")
    if wanted not in ("auto", output):
        raise _bad(path, f"its output {output!r} disagrees with its configuration's output_activation {wanted!r}.")
    if output == "sigmoid" and dims[-1] != 1:
        raise _bad(path, f"its sigmoid output needs 1 output unit but its architecture {dims} has {dims[-1]}.")
    if output == "softmax" and dims[-1] < 2:
        raise _bad(path, f"its softmax output needs at least 2 output units but its architecture {dims} "
                         f"has {dims[-1]}.")
    if isinstance(model, LogisticRegression) and len(dims) != 2:
        raise _bad(path, f"is a LogisticRegression, which has no hidden layer, but its architecture {dims} "
                         f"has {len(dims) - 2}.")
    hidden = config.get("hidden_layers")
    if hidden is not None and list(hidden) != dims[1:-1]:
        raise _bad(path, f"its architecture {dims} disagrees with its configuration's hidden_layers "
                         f"{list(hidden)}.")
    classes = meta.get("classes")
    if output == "identity":
        if classes is not None:
            raise _bad(path, f"its identity (regression) output has no classes, but its metadata lists "
                             f"{classes!r:.80}.")
        return output, None
    if not isinstance(classes, list) or not classes:
        raise _bad(path, f"its metadata field 'classes' must be a non-empty list; got {classes!r:.80}.")
    if not all(isinstance(c, str) or _is_real(c) for c in classes) or len(set(classes)) != len(classes):
        raise _bad(path, f"its metadata field 'classes' must hold distinct numbers or strings; got {classes!r:.80}.")
    n_expected = 2 if output == "sigmoid" else dims[-1]
    if len(classes) != n_expected:
        raise _bad(path, f"lists {len(classes)} classes but its {output} output has {n_expected}.")
    return output, np.asarray(classes)


def _check_model_for_save(model):
    """The parameters must be exactly those of ``layer_dims_``, float of the model's dtype and finite."""
    from ._validation import check_parameters

    owner = type(model).__name__
    dims = getattr(model, "layer_dims_", None)
    if (not isinstance(dims, (list, tuple)) or len(dims) < 2
            or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in dims)):
        raise ValueError(f"Cannot save this {owner}: its layer_dims_ must be a list of at least two positive ints; "
                         f"got {dims!r}. Refit the model.")
    dims = [int(n) for n in dims]
    params = model.parameters_
    try:
        L = check_parameters(params, n_x=dims[0], name="parameters_")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"Cannot save this {owner}: its parameters_ are inconsistent: {exc}") from None
    if L != len(dims) - 1:
        raise ValueError(f"Cannot save this {owner}: its parameters_ hold {L} layer(s) but its layer_dims_ {dims} "
                         f"has {len(dims) - 1}. Refit the model or fix parameters_.")
    expected = {f"{kind}{l}" for l in range(1, L + 1) for kind in "Wb"}
    extra = sorted(map(str, set(params) - expected))
    if extra:
        raise ValueError(f"Cannot save this {owner}: its parameters_ hold unexpected key(s) {extra}; only "
                         f"'W1', 'b1', ..., 'W{L}', 'b{L}' are allowed.")
    dtype = model._np_dtype
    for l in range(1, L + 1):
        for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            arr = np.asarray(params[key])
            if arr.shape != shape:
                raise ValueError(f"Cannot save this {owner}: parameter {key!r} of layer {l} has shape {arr.shape} "
                                 f"but layer_dims_ {dims} needs {shape}. Refit the model or fix parameters_.")
            if arr.dtype != dtype:
                raise ValueError(f"Cannot save this {owner}: parameter {key!r} of layer {l} has dtype {arr.dtype} "
                                 f"but the model's dtype is {dtype}. Cast it with .astype({str(dtype)!r}).")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"Cannot save this {owner}: parameter {key!r} of layer {l} contains NaN or "
                                 f"infinity; refit the model (e.g. with a smaller learning_rate).")
    return dims


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
        The model is not fitted, or its ``parameters_`` disagree with its ``layer_dims_`` (shape,
        missing or extra layer, dtype, NaN): the message names the parameter and the layer.

    Examples
    --------
    See the module docstring.
    """
    from .models import Network

    if not isinstance(model, Network):
        raise TypeError(f"save expects a denseflow model (Network, ShallowNetwork, ...); got {type(model).__name__}.")
    if not hasattr(model, "parameters_"):
        raise ValueError(f"This {type(model).__name__} is not fitted yet; call fit before save.")
    dims = _check_model_for_save(model)
    history = getattr(model, "history_", None)
    state = getattr(model, "optimizer_state_", None)
    classes = getattr(model, "classes_", None)
    meta = {
        "format": _MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "denseflow_version": _version(),
        "config": model.get_config(),
        "layer_dims": dims,
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

    path, meta, arrays = _read_npz(path, _MODEL_FORMAT)
    model = _model_from_config(path, meta.get("config"))
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    cfg_dims = model.get_config().get("layer_dims")
    if cfg_dims is not None and list(cfg_dims) != dims:
        raise _bad(path, f"its architecture {dims} disagrees with its configuration's layer_dims {cfg_dims}.")
    if getattr(model, "n_h", None) is not None and (len(dims) != 3 or dims[1] != model.n_h):
        raise _bad(path, f"its architecture {dims} disagrees with n_h = {model.n_h} of ShallowNetwork.")
    output, classes = _check_output_and_classes(path, meta, model, dims)
    params = _check_parameters(path, arrays, dims, model.dtype)
    names = meta.get("class_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise _bad(path, f"its metadata field 'class_names' must be a list of strings or null; got {names!r}.")
    standardized = meta.get("standardized")
    if not isinstance(standardized, bool):
        raise _bad(path, f"its metadata field 'standardized' must be true or false; got {standardized!r:.40}.")
    mean = std = None
    if standardized:
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
    history = None if history is None else _check_history(path, history)
    step = meta.get("optimizer_step")
    step = None if step is None else _check_step(path, step, "optimizer_step")
    model.parameters_ = params
    model.layer_dims_ = dims
    model.output_ = output
    model.classes_ = classes
    model.class_names_ = names
    model.input_mean_, model.input_std_ = mean, std
    if history is not None:
        model.history_ = history
    if step is not None:
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
    from .training import Checkpoint

    path, meta, arrays = _read_npz(path, _CHECKPOINT_FORMAT)
    config = meta.get("config")
    _model_from_config(path, config)
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    params = _check_parameters(path, arrays, dims, config.get("dtype"))
    iteration = meta.get("iteration")
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise _bad(path, f"its metadata field 'iteration' must be an int >= 0; got {iteration!r}.")
    optimizer = meta.get("optimizer")
    if not isinstance(optimizer, dict):
        raise _bad(path, f"its metadata field 'optimizer' must be {{'name': ..., 'step': int}}; got {optimizer!r}.")
    _check_step(path, optimizer.get("step"), "optimizer.step")
    history = _check_history(path, meta.get("history") or {})
    extra = meta.get("extra") or {}
    if not isinstance(extra, dict):
        raise _bad(path, f"its metadata field 'extra' must be a JSON object; got {extra!r}.")
    checkpoint = Checkpoint(params, GradientDescentState(optimizer["step"]), iteration, history)
    return CheckpointFile(checkpoint, dict(config), extra)
