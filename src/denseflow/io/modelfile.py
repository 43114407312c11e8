"""Model files and checkpoints: ``.npz`` arrays plus one JSON metadata string, never pickle.

A model file holds everything needed to use a fitted network again:

========================= ============================================================
entry                     contents
========================= ============================================================
``metadata`` (JSON text)  format name and version, the hyperparameters
                          (:meth:`Network.get_config`), ``layer_dims_``, the output
                          (sigmoid / softmax / identity), ``classes_``, class names, the
                          optimizer step, the table of the arrays (dtype, shape, SHA-256)
                          and a SHA-256 of the metadata itself (and an HMAC-SHA256
                          signature when ``$DENSEFLOW_MODEL_KEY`` is set)
``W1``, ``b1``, … ``bL``  the learned parameters, W[l] (n[l], n[l-1]), b[l] (n[l], 1)
``input_mean``,           the standardization (n_x, 1) applied to every input, when the
``input_std``             model was fitted with ``standardize=True``
``history_*``             the :class:`~denseflow.training.History`: iterations and costs
                          (and validation costs and accuracies), exact
                          (:mod:`denseflow.io.history`)
========================= ============================================================

Files are read by :func:`denseflow.io.npz.read_npz`, which checks the container (stored
``.npy`` members only, sizes, CRCs, the metadata's size and nesting) before reading any data,
then the arrays against the metadata (names, dtypes, shapes, digests) and the metadata against
its digest. This module then checks what the file says against itself: output ↔ output units ↔
classes ↔ class names, model class ↔ architecture ↔ every parameter's shape, standardization ↔
n_x, the numeric history, no array the model does not use. Anything wrong raises
:class:`ModelFileError` (a ``ValueError``) naming the file and what is wrong. The digests detect
damage, not deliberate edits (they can be recomputed); with ``$DENSEFLOW_MODEL_KEY`` set, files
are signed on save and unsigned or edited files are refused on load. :func:`save` refuses a model
whose parameters disagree with its ``layer_dims_``, so a file that cannot be loaded back is never
written.

Writes are atomic (:func:`atomic_write`; :func:`write_json` for JSON files): the bytes go to a temporary file in the same folder,
which is flushed, ``fsync``-ed and renamed over the target with :func:`os.replace`; the folder is
then ``fsync``-ed. A process killed during a save leaves the previous file intact.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> import denseflow
>>> from denseflow.models import LogisticRegression
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
>>> model = LogisticRegression(learning_rate=0.5, num_iterations=100)
>>> _ = model.fit(X, Y)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
>>> denseflow.save(model, path)
>>> again = denseflow.load(path)
>>> bool(np.array_equal(again.parameters_["W1"], model.parameters_["W1"])), again.predict(X)
(True, array([[0, 0, 1, 1]]))
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.io.history import (
    HISTORY_ARRAYS,
    has_rates,
    fill_constant_rates,
    history_arrays,
    history_from_arrays,
    history_meta,
    history_records,
    read_history_log,
    record_dtype,
)
from denseflow.io.metadata import (
    _check_class_names,
    _check_history,
    _check_layer_dims,
    _check_output_and_classes,
    _check_parameters,
    _check_step,
    _model_from_config,
)
from denseflow.io.npz import (
    _CHECKPOINT_FORMAT,
    _MODEL_FORMAT,
    FORMAT_VERSION,
)
from denseflow.io.npz import (
    bad_file as _bad,
)
from denseflow.io.npz import (
    read_npz as _read_npz,
)
from denseflow.io.npz import (
    write_npz as _write_npz,
)

__all__ = ["CheckpointFile", "CheckpointWriter", "save", "load", "save_checkpoint", "load_checkpoint"]


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


def _check_model_for_save(model):
    """The parameters must be exactly those of ``layer_dims_``, float of the model's dtype and finite."""
    from denseflow.core.validation import check_parameters

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
    names, classes = getattr(model, "class_names_", None), getattr(model, "classes_", None)
    if names is not None:
        n_classes = None if classes is None else len(np.asarray(classes).ravel())
        if (not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names)
                or len(set(names)) != len(names) or len(names) != n_classes):
            raise ValueError(f"Cannot save this {owner}: its class_names_ {names!r:.120} must be distinct strings, "
                             f"one for each of its {n_classes} classes. Fit it again with class_names holding one "
                             f"name per class.")
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
    from denseflow.models.networks import Network

    if not isinstance(model, Network):
        raise TypeError(f"save expects a denseflow model (Network, ShallowNetwork, ...); got {type(model).__name__}.")
    if not hasattr(model, "parameters_"):
        raise ValueError(f"This {type(model).__name__} is not fitted yet; call fit before save.")
    dims = _check_model_for_save(model)
    history = getattr(model, "history_", None)
    state = getattr(model, "optimizer_state_", None)
    classes = getattr(model, "classes_", None)
    arrays = {k: np.asarray(v) for k, v in model.parameters_.items()}
    history_meta = None
    if history is not None:
        history_meta, history_data = history_arrays(history)
        arrays.update(history_data)
    meta = {
        "format": _MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "denseflow_version": _version(),
        "config": model.get_config(),
        "layer_dims": dims,
        "output": model.output_,
        "classes": None if classes is None else np.asarray(classes).tolist(),
        "class_names": getattr(model, "class_names_", None),
        "history": history_meta,
        "optimizer_step": None if state is None else int(state.step),
        "standardized": model.input_mean_ is not None,
    }
    if model.input_mean_ is not None:
        arrays["input_mean"] = np.asarray(model.input_mean_, dtype=np.float64)
        arrays["input_std"] = np.asarray(model.input_std_, dtype=np.float64)
    if getattr(model, "target_mean_", None) is not None:  # standardize_targets: ŷ = A[L] · std + mean
        meta["targets_standardized"] = True
        arrays["target_mean"] = np.asarray(model.target_mean_, dtype=np.float64)
        arrays["target_std"] = np.asarray(model.target_std_, dtype=np.float64)
    if hasattr(model, "n_epochs_"):
        meta["training"] = {
            "n_epochs": int(model.n_epochs_), "n_updates": int(model.n_updates_),
            "best_epoch": None if model.best_epoch_ is None else int(model.best_epoch_),
            "best_val_cost": None if model.best_val_cost_ is None else float(model.best_val_cost_),
            "stopped_early": bool(model.stopped_early_),
        }
    _write_npz(path, meta, arrays)


def _read_training(path, value):
    """The metadata ``training``: what fit counted (epochs, updates, the best validation epoch)."""
    if value is None:
        return None
    keys = {"n_epochs", "n_updates", "best_epoch", "best_val_cost", "stopped_early"}
    if not isinstance(value, dict) or set(value) != keys:
        raise _bad(path, f"its metadata field 'training' must hold {sorted(keys)}; got {str(value)[:80]!r}.")
    for key in ("n_epochs", "n_updates"):
        _check_step(path, value[key], f"training.{key}")
    if value["best_epoch"] is not None:
        _check_step(path, value["best_epoch"], "training.best_epoch")
    cost = value["best_val_cost"]
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, (int, float))):
        raise _bad(path, f"its 'training.best_val_cost' must be a number or null; got {cost!r:.40}.")
    if not isinstance(value["stopped_early"], bool):
        raise _bad(path, "its 'training.stopped_early' must be true or false.")
    return dict(value)


def _read_history(path, meta, arrays, version, *, checkpoint=False):
    """The file's History (None if it has none): JSON (version 1), arrays, or a checkpoint's log."""
    value = meta.get("history")
    if version == 1:
        if value is None and not checkpoint:
            return None
        return _check_history(path, value or {})
    if value is None:
        if checkpoint:
            raise _bad(path, "its metadata field 'history' is missing; a checkpoint holds its history.")
        return None
    if checkpoint and isinstance(value, dict) and "log" in value:
        return read_history_log(path, value)
    return fill_constant_rates(history_from_arrays(path, value, arrays), meta.get("config"))


def _check_no_other_arrays(path, arrays, used):
    other = sorted(set(arrays) - set(used))
    if other:
        raise _bad(path, f"holds array(s) {other[:10]} that this kind of file never holds; it was tampered with.")


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
    from denseflow.core.optimizers import GradientDescentState

    path, meta, arrays = _read_npz(path, _MODEL_FORMAT)
    version = meta["format_version"]
    model = _model_from_config(path, meta.get("config"))
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    cfg_dims = model.get_config().get("layer_dims")
    if cfg_dims is not None and list(cfg_dims) != dims:
        raise _bad(path, f"its architecture {dims} disagrees with its configuration's layer_dims {cfg_dims}.")
    if getattr(model, "n_h", None) is not None and (len(dims) != 3 or dims[1] != model.n_h):
        raise _bad(path, f"its architecture {dims} disagrees with n_h = {model.n_h} of ShallowNetwork.")
    output, classes = _check_output_and_classes(path, meta, model, dims)
    params = _check_parameters(path, arrays, dims, model.dtype)
    names = _check_class_names(path, meta.get("class_names"), output, classes)
    standardized = meta.get("standardized")
    if not isinstance(standardized, bool):
        raise _bad(path, f"its metadata field 'standardized' must be true or false; got {standardized!r:.40}.")
    mean = std = None
    used = set(params)
    if standardized:
        for key in ("input_mean", "input_std"):
            if key not in arrays:
                raise _bad(path, f"says the inputs are standardized but lacks the array {key!r}.")
            arr = arrays[key]
            if arr.dtype.kind != "f" or arr.shape != (dims[0], 1) or not np.all(np.isfinite(arr)):
                raise _bad(path, f"array {key!r} must be finite floats with shape (n_x, 1) = ({dims[0]}, 1); "
                                 f"got {arr.dtype} {arr.shape}.")
        mean, std = np.array(arrays["input_mean"]), np.array(arrays["input_std"])
        if np.any(std <= 0):
            raise _bad(path, "array 'input_std' must be > 0 for every feature.")
        used |= {"input_mean", "input_std"}
    t_mean = t_std = None
    if meta.get("targets_standardized", False) is True:
        for key in ("target_mean", "target_std"):
            arr = arrays.get(key)
            if arr is None or arr.dtype.kind != "f" or arr.shape != (dims[-1], 1) or not np.all(np.isfinite(arr)):
                raise _bad(path, f"array {key!r} must be finite floats with shape (n[L], 1) = ({dims[-1]}, 1).")
        t_mean, t_std = np.array(arrays["target_mean"]), np.array(arrays["target_std"])
        if np.any(t_std <= 0) or output != "identity":
            raise _bad(path, "array 'target_std' must be > 0, for an identity output.")
        used |= {"target_mean", "target_std"}
    training = _read_training(path, meta.get("training"))
    history = _read_history(path, meta, arrays, version)
    if version > 1 and history is not None:
        used |= set(HISTORY_ARRAYS)
    _check_no_other_arrays(path, arrays, used)
    step = meta.get("optimizer_step")
    step = None if step is None else _check_step(path, step, "optimizer_step")
    model.parameters_ = params
    model.layer_dims_ = dims
    model.output_ = output
    model.classes_ = classes
    model.class_names_ = names
    model.input_mean_, model.input_std_ = mean, std
    model.target_mean_, model.target_std_ = t_mean, t_std
    for key, value in (training or {}).items():
        setattr(model, f"{key}_", value)
    if history is not None:
        model.history_ = history
    if step is not None:
        model.optimizer_state_ = GradientDescentState(step)
    return model


def _version() -> str:
    from denseflow import __version__

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
    >>> from denseflow.models import LogisticRegression
    >>> from denseflow.training import Checkpoint, History
    >>> from denseflow.core.optimizers import GradientDescentState
    >>> ck = Checkpoint({"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}, GradientDescentState(3), 3, History())
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> save_checkpoint(p, ck, LogisticRegression().get_config(), extra={"note": "demo"})
    >>> loaded = load_checkpoint(p)
    >>> loaded.checkpoint.iteration, loaded.extra
    (3, {'note': 'demo'})
    """
    params, meta = _checkpoint_parts(checkpoint, config, extra)
    history_meta, history_data = history_arrays(checkpoint.history)
    meta["history"] = history_meta
    _write_npz(path, meta, {**params, **history_data})


def _checkpoint_parts(checkpoint, config, extra):
    """The parameters and the metadata (less its history) of a checkpoint."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict (model.get_config()); got {type(config).__name__}.")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict or None; got {type(extra).__name__}.")
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
        "extra": {} if extra is None else extra,
    }
    state = checkpoint.optimizer_state
    moments = [f for f in ("v", "s") if hasattr(state, f)]
    if moments:
        # Momentum's v, RMSprop's s, Adam's v and s: one array per parameter, keyed as the gradients.
        meta["optimizer"] = {"name": _STATE_NAMES[type(state).__name__], "step": int(state.step), "moments": moments}
        for f in moments:
            for key, value in getattr(state, f).items():
                params[f"optimizer_{f}_{key}"] = np.asarray(value)
    rng_state = getattr(checkpoint, "rng_state", None)
    if rng_state is not None:
        meta["rng_state"] = rng_state
    best = getattr(checkpoint, "best_parameters", None)
    if best is not None:
        # Early stopping's best epoch so far (restored at the end): one array per parameter, best_W1, best_b1, ...
        meta["best_parameters"] = True
        for key in checkpoint.parameters:
            params[f"best_{key}"] = np.asarray(best[key])
    return params, meta


#: The optimizer states a checkpoint may hold (denseflow.core.optimizers), by their name in the file.
_STATE_NAMES = {"GradientDescentState": "gradient_descent", "MomentumState": "momentum",
                "RMSpropState": "rmsprop", "AdamState": "adam"}
_STATE_MOMENTS = {"gradient_descent": [], "momentum": ["v"], "rmsprop": ["s"], "adam": ["v", "s"]}


def _read_optimizer_state(path, optimizer, arrays, params):
    """The optimizer state of a checkpoint: ``(state, the array names it used)`` (checked)."""
    from denseflow.core import optimizers

    name = optimizer.get("name")
    if not isinstance(name, str) or name not in _STATE_MOMENTS:
        raise _bad(path, f"its optimizer {name!r:.40} is not one of {sorted(_STATE_MOMENTS)}.")
    step = _check_step(path, optimizer.get("step"), "optimizer.step")
    moments = _STATE_MOMENTS[name]
    if optimizer.get("moments", []) != moments:
        raise _bad(path, f"its optimizer {name!r} must list the moments {moments}; got {optimizer.get('moments')!r:.60}.")
    values, used = {}, set()
    for f in moments:
        values[f] = {}
        for key, param in params.items():
            array_name = f"optimizer_{f}_d{key}"
            arr = arrays.get(array_name)
            if arr is None:
                raise _bad(path, f"its optimizer state lacks the array {array_name!r}.")
            if arr.dtype.kind != "f" or arr.shape != param.shape or not np.all(np.isfinite(arr)):
                raise _bad(path, f"array {array_name!r} must be finite floats of the shape of {key}, "
                                 f"{param.shape}; got {arr.dtype} {arr.shape}.")
            if f == "s" and np.any(arr < 0):
                raise _bad(path, f"array {array_name!r} is a moving average of squares: it must be >= 0.")
            values[f]["d" + key] = np.array(arr, dtype=param.dtype)
            used.add(array_name)
    if name == "gradient_descent":
        return optimizers.GradientDescentState(step), used
    if name == "momentum":
        return optimizers.MomentumState(step, values["v"]), used
    if name == "rmsprop":
        return optimizers.RMSpropState(step, values["s"]), used
    return optimizers.AdamState(step, values["v"], values["s"]), used


def _read_best_parameters(path, flag, arrays, params):
    """A checkpoint's best-epoch parameters ``best_W1``, ``best_b1`` … (checked as its parameters):
    ``(parameters or None, the array names it used)``."""
    if flag is None:
        return None, set()
    if flag is not True:
        raise _bad(path, f"its metadata field 'best_parameters' must be true or absent; got {flag!r:.40}.")
    best, used = {}, set()
    for key, param in params.items():
        array_name = f"best_{key}"
        arr = arrays.get(array_name)
        if arr is None:
            raise _bad(path, f"its best epoch's parameters lack the array {array_name!r}.")
        if arr.dtype != param.dtype or arr.shape != param.shape or not np.all(np.isfinite(arr)):
            raise _bad(path, f"array {array_name!r} must be finite {param.dtype} of the shape of {key}, "
                             f"{param.shape}; got {arr.dtype} {arr.shape}.")
        best[key] = np.array(arr, copy=True)
        used.add(array_name)
    return best, used


def _read_rng_state(path, value):
    """A checkpoint's generator states ``{"order": …, "dropout": …}`` (each a PCG64 state), checked
    by setting them on a generator; None when the checkpoint holds none."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"order", "dropout"}:
        raise _bad(path, f"its 'rng_state' must be {{'order': ..., 'dropout': ...}}; got {str(value)[:80]!r}.")
    for part in value.values():
        try:
            if not isinstance(part, dict) or part.get("bit_generator") != "PCG64":
                raise ValueError("not a PCG64 state")
            np.random.PCG64().state = part
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise _bad(path, f"its 'rng_state' is not a PCG64 generator's state ({exc}).") from None
    return value


def _log_stem(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", path.name)[:100] or "checkpoint"


class CheckpointWriter:
    """Write a run's checkpoints to one path, again and again, each in constant time.

    :func:`save_checkpoint` writes a self-contained file, history included: fine once, but a run
    that saves every N iterations would rewrite its whole cost history each time (quadratic in
    the iteration count). A writer instead *appends* each checkpoint's new history records to a
    log beside the checkpoint (``checkpoint.npz.<8 hex>.history``, :mod:`denseflow.io.history`:
    16 bytes a record, 32 with validation), ``fsync``-s it, and then writes the checkpoint
    atomically with its parameters and the log's name, record count and SHA-256. A checkpoint
    then costs its parameters plus the records since the previous one, whatever the iteration.

    Crash safety: the records a checkpoint on disk relies on are never rewritten. A writer starts
    its own log (writing the history it is given once) and, after its first checkpoint is in
    place, removes the logs of earlier writers of that checkpoint; records appended after the
    last completed checkpoint are ignored on load. :func:`load_checkpoint` reads either form.

    Parameters
    ----------
    path : str or Path
        The checkpoint file (e.g. ``run_dir / "checkpoint.npz"``).
    config : dict
        The model's :meth:`~denseflow.models.Network.get_config`.
    extra : dict, optional
        Any JSON-able information stored with every checkpoint.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from denseflow.models import LogisticRegression
    >>> from denseflow.training import Checkpoint, History
    >>> from denseflow.core.optimizers import GradientDescentState
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> writer = CheckpointWriter(folder / "checkpoint.npz", LogisticRegression().get_config())
    >>> params = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    >>> for done in (2, 4):
    ...     h = History(list(range(done)), [0.7, 0.6, 0.5, 0.4][:done])
    ...     writer.save(Checkpoint(params, GradientDescentState(done), done, h))
    >>> loaded = load_checkpoint(folder / "checkpoint.npz").checkpoint
    >>> loaded.iteration, loaded.history.costs == [0.7, 0.6, 0.5, 0.4]
    (4, True)
    >>> sorted(p.suffix for p in folder.iterdir())
    ['.history', '.npz']
    """

    def __init__(self, path, config: dict, extra: dict | None = None):
        self.path = Path(path)
        self.config = config
        self.extra = extra
        self._log = None
        self._written = 0
        self._last = None
        self._validation = None
        self._hash = hashlib.sha256()
        self._tidy = False

    def _start_log(self, validation):
        folder = self.path.parent if str(self.path.parent) else Path(".")
        name = f"{_log_stem(self.path)}.{uuid.uuid4().hex[:8]}.history"
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        os.close(fd)
        self._log, self._written, self._last = folder / name, 0, None
        self._validation, self._hash, self._tidy = validation, hashlib.sha256(), True

    def save(self, checkpoint) -> None:
        """Write ``checkpoint`` (``event.checkpoint()`` in a training callback) atomically."""
        params, meta = _checkpoint_parts(checkpoint, self.config, self.extra)
        history = checkpoint.history
        n = len(history.iterations)
        validation = bool(history.val_costs)
        rates = has_rates(history)
        continues = (self._log is not None and self._written <= n and (validation, rates) == self._validation
                     and (self._written == 0 or history.iterations[self._written - 1] == self._last))
        if not continues:  # a first checkpoint, or a history that is not ours continued: a new log
            self._start_log((validation, rates))
        if n > self._written:
            _, data = history_records(history, self._written, n)
            with open(self._log, "r+b") as f:
                f.seek(self._written * record_dtype(validation, rates).itemsize)
                f.write(data)
                f.truncate()
                f.flush()
                os.fsync(f.fileno())
            self._hash.update(data)
            self._written, self._last = n, history.iterations[n - 1]
        meta["history"] = {**history_meta(history, validation, n), "final_cost": None, "log": self._log.name,
                           "log_sha256": self._hash.hexdigest()}
        _write_npz(self.path, meta, params)
        if self._tidy:  # the checkpoint now relies on this log only: remove the older ones
            self._tidy = False
            ours = re.compile(re.escape(_log_stem(self.path)) + r"\.[0-9a-f]{8}\.history")
            for other in self._log.parent.iterdir():
                if other != self._log and ours.fullmatch(other.name):
                    with contextlib.suppress(OSError):
                        other.unlink()


def load_checkpoint(path) -> CheckpointFile:
    """Read a checkpoint written by :func:`save_checkpoint` or a :class:`CheckpointWriter`.

    Returns
    -------
    CheckpointFile
        ``(checkpoint, config, extra)``; pass ``checkpoint`` to ``model.fit(..., resume_from=...)``
        of a model rebuilt with ``Network.from_config(config)``.

    Raises
    ------
    FileNotFoundError, ModelFileError
        As :func:`load` (also for a writer's history log that is missing, truncated or edited).
    """
    from denseflow.training.loop import Checkpoint

    path, meta, arrays = _read_npz(path, _CHECKPOINT_FORMAT)
    version = meta["format_version"]
    config = meta.get("config")
    _model_from_config(path, config)
    dims = _check_layer_dims(path, meta.get("layer_dims"))
    params = _check_parameters(path, arrays, dims, config.get("dtype"))
    iteration = meta.get("iteration")
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise _bad(path, f"its metadata field 'iteration' must be an int >= 0; got {iteration!r:.40}.")
    optimizer = meta.get("optimizer")
    if not isinstance(optimizer, dict):
        raise _bad(path, f"its metadata field 'optimizer' must be {{'name': ..., 'step': int}}; got {optimizer!r:.80}.")
    state, state_arrays = _read_optimizer_state(path, optimizer, arrays, params)
    rng_state = _read_rng_state(path, meta.get("rng_state"))
    best, best_arrays = _read_best_parameters(path, meta.get("best_parameters"), arrays, params)
    history = _read_history(path, meta, arrays, version, checkpoint=True)
    if history.iterations and history.iterations[-1] >= iteration:
        raise _bad(path, f"its history records iteration {history.iterations[-1]}, not before the checkpoint's "
                         f"iteration {iteration}.")
    used = set(params) | (set(HISTORY_ARRAYS) if version > 1 else set()) | state_arrays | best_arrays
    _check_no_other_arrays(path, arrays, used)
    extra = meta.get("extra") or {}
    if not isinstance(extra, dict):
        raise _bad(path, f"its metadata field 'extra' must be a JSON object; got {extra!r:.80}.")
    if best is not None and not any(c is not None for c in history.val_costs):
        raise _bad(path, "it holds a best epoch's parameters but its history records no validation cost.")
    checkpoint = Checkpoint(params, state, iteration, history, rng_state, best)
    return CheckpointFile(checkpoint, dict(config), extra)
