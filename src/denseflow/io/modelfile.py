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

from typing import NamedTuple

import numpy as np

from denseflow.io.metadata import (
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

__all__ = ["CheckpointFile", "save", "load", "save_checkpoint", "load_checkpoint"]


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
    from denseflow.core.optimizers import GradientDescentState

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
    from denseflow.core.optimizers import GradientDescentState
    from denseflow.training.loop import Checkpoint

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
