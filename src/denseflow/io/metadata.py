"""Consistency checks of a model file's or checkpoint's metadata and arrays.

:func:`denseflow.load` and :func:`denseflow.io.load_checkpoint` read a file with
:func:`denseflow.io.npz.read_npz` (container, digests) and then check what it says with these
functions: the model configuration, the architecture ``layer_dims`` ([n[0], ..., n[L]]), the
parameters W[l] (n[l], n[l-1]) and b[l] (n[l], 1), the output ↔ number of output units ↔
classes, the numeric :class:`~denseflow.training.History` and the optimizer step. Each raises a
:class:`~denseflow.io.ModelFileError` naming the file and what is wrong.

Examples
--------
>>> from denseflow.io.metadata import _check_layer_dims
>>> _check_layer_dims("model.npz", [2, 4, 1])
[2, 4, 1]
>>> _check_layer_dims("model.npz", [2])
Traceback (most recent call last):
...
denseflow.io.npz.ModelFileError: 'model.npz': its metadata field 'layer_dims' must be a list of at least two positive ints; got [2].
"""

from __future__ import annotations

import math

import numpy as np

from denseflow.io.npz import bad_file as _bad

__all__: list[str] = []


def _model_from_config(path, config):
    from denseflow.models.networks import MODELS, Network

    if not isinstance(config, dict):
        raise _bad(path, f"its metadata field 'config' must be a JSON object; got {config!r:.80}.")
    name = config.get("model")
    if not isinstance(name, str) or name not in MODELS:
        raise _bad(path, f"names an unknown model class {name!r:.40} (known: {sorted(MODELS)}).")
    try:
        model = Network.from_config(config)
        model._validate_hyperparameters()
    except (TypeError, ValueError) as exc:
        raise _bad(path, f"its model configuration is invalid: {exc}") from None
    return model


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


_HISTORY_FIELDS = ("iterations", "costs", "val_costs", "val_accuracies", "final_cost", "unit", "learning_rates")


def _check_history(path, value):
    """The metadata ``history``: numeric lists of consistent lengths → a History."""
    from denseflow.training.loop import History

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
    unit = value.get("unit", "iteration")
    if unit not in ("iteration", "epoch"):
        raise bad(f"'unit' must be 'iteration' or 'epoch'; got {unit!r:.40}.")
    rates = value.get("learning_rates", [])
    if not isinstance(rates, list) or (rates and len(rates) != len(its)) \
            or not all(_is_real(a) and math.isfinite(a) and a > 0 for a in rates):
        raise bad(f"'learning_rates' must be empty or hold one number > 0 per iteration; got {rates!r:.60}.")
    return History(list(its), list(lists["costs"]), list(lists["val_costs"]), list(lists["val_accuracies"]),
                   final, unit, list(rates))


def _check_step(path, value, field):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, f"its metadata field {field!r} must be an int >= 0; got {value!r:.40}.")
    return value


def _check_output_and_classes(path, meta, model, dims):
    """output ↔ number of output units ↔ classes; the model class ↔ the architecture."""
    from denseflow.models.networks import LogisticRegression

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


def _check_class_names(path, names, output, classes):
    """``class_names``: null, or distinct strings, one for each class (none for a regression)."""
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _bad(path, f"its metadata field 'class_names' must be a list of strings or null; got {names!r:.80}.")
    if classes is None:
        raise _bad(path, f"its {output} output has no classes, but its metadata lists class names {names!r:.80}.")
    if len(names) != len(classes):
        raise _bad(path, f"lists {len(names)} class names for its {len(classes)} classes "
                         f"({[str(c) for c in classes.tolist()]!r:.80}); every class needs exactly one name.")
    if len(set(names)) != len(names):
        raise _bad(path, f"its class names {names!r:.80} repeat a name; each class needs its own.")
    return list(names)
