"""The cost history inside model files and checkpoints: numeric arrays, and an append-only log.

A :class:`~denseflow.training.History` holds one record per recorded iteration i: the iteration,
the cost J(θ(i)) and, with validation data, the validation cost and accuracy. Files keep it in
binary, exact (int64 iterations, float64 values: ``history.costs[i]`` reads back bit for bit):

* a model file (and a checkpoint written by :func:`denseflow.io.save_checkpoint`) holds the arrays
  ``history_iterations`` (k,), ``history_costs`` (k,) and, with validation,
  ``history_val_costs`` and ``history_val_accuracies``; the metadata says
  ``{"records": k, "validation": bool, "final_cost": float or null}``. 16 bytes a record
  (10,000 iterations: 160 kB), where the JSON text of format version 1 took about 100.
* the periodic checkpoints of a run (:class:`denseflow.io.CheckpointWriter`) *append* the new
  records to a log beside the checkpoint, ``checkpoint.<id>.history`` (records of
  :func:`record_dtype`), and the checkpoint names the log, how many of its records belong to it
  and the SHA-256 of those bytes. Writing a checkpoint then costs the same at iteration 100 as at
  iteration 200,000: its parameters and the few records since the last one.

Examples
--------
>>> from denseflow.training import History
>>> meta, arrays = history_arrays(History([0, 1, 2], [0.7, 0.6, 0.5], final_cost=0.45))
>>> meta, sorted(arrays)
({'records': 3, 'validation': False, 'final_cost': 0.45}, ['history_costs', 'history_iterations'])
>>> history_from_arrays("model.npz", meta, arrays).costs
[0.7, 0.6, 0.5]
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path

import numpy as np

from denseflow.io.npz import bad_file as _bad

__all__ = ["HISTORY_ARRAYS", "UNITS", "record_dtype", "has_rates", "history_meta", "history_arrays",
           "history_from_arrays", "history_records", "read_history_log", "fill_constant_rates", "LOG_NAME"]

#: The arrays a file's history may use, in record order (``history_learning_rates``: α at each
#: record, in files whose metadata says ``"learning_rates": true``).
HISTORY_ARRAYS = ("history_iterations", "history_costs", "history_val_costs", "history_val_accuracies",
                  "history_learning_rates")
#: What a history's records count (:attr:`denseflow.training.History.unit`).
UNITS = ("iteration", "epoch")
#: The name of a checkpoint's history log: ``<checkpoint stem>.<8 hex>.history``.
LOG_NAME = re.compile(r"[A-Za-z0-9_.-]{1,120}\.[0-9a-f]{8}\.history")


def record_dtype(validation: bool, rates: bool = False) -> np.dtype:
    """One record of a history log: ``iteration`` (<i8), ``cost`` (<f8), with validation
    ``val_cost`` and ``val_accuracy`` (<f8), and with ``rates`` the ``learning_rate`` (<f8):
    16 to 40 bytes."""
    fields = [("iteration", "<i8"), ("cost", "<f8")]
    if validation:
        fields += [("val_cost", "<f8"), ("val_accuracy", "<f8")]
    if rates:
        fields += [("learning_rate", "<f8")]
    return np.dtype(fields)


def has_rates(history) -> bool:
    """Whether ``history`` holds learning rates that vary (a schedule): they are then stored, one
    per record. A constant α is not stored (the model's configuration holds it: see
    :func:`fill_constant_rates`); histories written before
    :attr:`~denseflow.training.History.learning_rates` existed hold none."""
    rates = history.learning_rates
    return bool(history.iterations) and len(rates) == len(history.iterations) and any(a != rates[0] for a in rates)




def _columns(history, start: int = 0, stop: int | None = None):
    stop = len(history.iterations) if stop is None else stop
    validation = bool(history.val_costs)
    cols = {"history_iterations": np.asarray(history.iterations[start:stop], dtype=np.int64),
            "history_costs": np.asarray(history.costs[start:stop], dtype=np.float64)}
    if validation:
        cols["history_val_costs"] = np.asarray(history.val_costs[start:stop], dtype=np.float64)
        cols["history_val_accuracies"] = np.asarray(history.val_accuracies[start:stop], dtype=np.float64)
    if has_rates(history):
        cols["history_learning_rates"] = np.asarray(history.learning_rates[start:stop], dtype=np.float64)
    return validation, cols


def fill_constant_rates(history, config):
    """Give a model file's history its learning rates when they were constant (not stored): the
    configuration's ``learning_rate`` at every record, when its schedule is 'constant' (model
    files, and the checkpoints of :func:`denseflow.io.save_checkpoint`, whose configuration is the
    run's; training refills a resumed run's rates from its schedule)."""
    if history.iterations and not history.learning_rates and isinstance(config, dict) \
            and config.get("learning_rate_schedule", "constant") == "constant" \
            and isinstance(config.get("learning_rate"), (int, float)):
        history.learning_rates = [float(config["learning_rate"])] * len(history.iterations)
    return history


def history_meta(history, validation: bool, records: int) -> dict:
    """The ``history`` metadata of a file: records, validation, final cost, and (only when they
    differ from a first-course history, so older files read the same) the unit and whether
    learning rates are recorded."""
    meta = {"records": int(records), "validation": validation,
            "final_cost": None if history.final_cost is None else float(history.final_cost)}
    if has_rates(history):
        meta["learning_rates"] = True
    if history.unit != "iteration":
        meta["unit"] = history.unit
    return meta


def history_arrays(history) -> tuple[dict, dict]:
    """``(metadata part, {name: array})`` for a file holding ``history`` inline."""
    validation, cols = _columns(history)
    return history_meta(history, validation, cols["history_iterations"].shape[0]), cols


def history_records(history, start: int, stop: int) -> tuple[bool, bytes]:
    """``(validation, bytes)`` of the log records ``start`` … ``stop - 1`` of ``history``
    (with a ``learning_rate`` field when :func:`has_rates`)."""
    validation, cols = _columns(history, start, stop)
    rec = np.empty(cols["history_iterations"].shape[0], dtype=record_dtype(validation, has_rates(history)))
    for name, col in zip(rec.dtype.names, cols.values()):
        rec[name] = col
    return validation, rec.tobytes()


def _check_meta(path, meta) -> tuple[int, bool, float | None]:
    """``(records, validation, final_cost)`` of a history's metadata (see :func:`_extras` for the rest)."""
    def bad(what):
        return _bad(path, f"its history is malformed: {what}")

    if not isinstance(meta, dict):
        raise bad(f"expected {{'records', 'validation', 'final_cost'}}; got {str(meta)[:80]}.")
    records, validation, final = meta.get("records"), meta.get("validation"), meta.get("final_cost")
    if isinstance(records, bool) or not isinstance(records, int) or records < 0:
        raise bad(f"'records' must be an int >= 0; got {str(records)[:40]}.")
    if not isinstance(validation, bool):
        raise bad(f"'validation' must be true or false; got {str(validation)[:40]}.")
    if final is not None and (isinstance(final, bool) or not isinstance(final, (int, float))
                              or not math.isfinite(final)):
        raise bad(f"'final_cost' must be a finite number or null; got {str(final)[:40]}.")
    return records, validation, final


def _extras(path, meta) -> tuple[bool, str, float | None]:
    """``(rates, unit, α)`` of a history's metadata: whether learning rates are recorded, the unit,
    and the constant learning rate (or None)."""
    rates, unit = meta.get("learning_rates", False), meta.get("unit", "iteration")
    alpha = meta.get("learning_rate")
    if not isinstance(rates, bool):
        raise _bad(path, f"its history is malformed: 'learning_rates' must be true or false; got {str(rates)[:40]}.")
    if alpha is not None and (isinstance(alpha, bool) or not isinstance(alpha, (int, float))
                              or not math.isfinite(alpha) or alpha <= 0):
        raise _bad(path, f"its history is malformed: 'learning_rate' must be a number > 0; got {str(alpha)[:40]}.")
    if unit not in UNITS:
        raise _bad(path, f"its history is malformed: 'unit' must be one of {list(UNITS)}; got {str(unit)[:40]}.")
    return rates, unit, alpha


def _history(path, cols, final, rates=None, unit="iteration", alpha=None):
    """Check the values of the history columns and build the History."""
    from denseflow.training.loop import History

    def bad(what):
        return _bad(path, f"its history is malformed: {what}")

    if rates is not None and not np.all(np.isfinite(rates) & (rates > 0)):
        raise bad("'learning_rates' must hold finite numbers > 0.")

    its, costs = cols[0], cols[1]
    if its.size and (its[0] < 0 or np.any(np.diff(its) <= 0)):
        raise bad("'iterations' must be ints >= 0, increasing.")
    if not np.all(np.isfinite(costs)):
        raise bad("'costs' must hold finite numbers.")
    val_costs, val_accs = (cols[2], cols[3]) if len(cols) == 4 else (np.empty(0), np.empty(0))
    if np.any(np.isnan(val_costs)):  # the validation cost is not guarded against overflow: inf is possible
        raise bad("'val_costs' must hold numbers (not NaN).")
    if not np.all((val_accs >= 0) & (val_accs <= 1)):
        raise bad("'val_accuracies' must hold numbers in [0, 1].")
    return History(its.tolist(), costs.tolist(), val_costs.tolist(), val_accs.tolist(),
                   None if final is None else float(final), unit,
                   rates.tolist() if rates is not None else [] if alpha is None else [float(alpha)] * len(its))


def history_from_arrays(path, meta, arrays):
    """The :class:`~denseflow.training.History` of a file holding it inline (checked)."""
    records, validation, final = _check_meta(path, meta)
    rates, unit, alpha = _extras(path, meta)
    names = list(HISTORY_ARRAYS[:4] if validation else HISTORY_ARRAYS[:2]) + (["history_learning_rates"] if rates else [])
    unexpected = sorted(set(HISTORY_ARRAYS[2:4]) & set(arrays)) if not validation else []
    if unexpected:
        raise _bad(path, f"its history has no validation records but the file holds {unexpected}.")
    if not rates and "history_learning_rates" in arrays:
        raise _bad(path, "its history records no learning rates but the file holds 'history_learning_rates'.")
    cols = []
    for name in names:
        if name not in arrays:
            raise _bad(path, f"its history lacks the array {name!r}.")
        arr = arrays[name]
        kind = "iu" if name == "history_iterations" else "f"
        if arr.dtype.kind not in kind or arr.shape != (records,):
            raise _bad(path, f"its history array {name!r} must be {'an int' if kind == 'iu' else 'a float'} "
                             f"array of shape ({records},); got {arr.dtype} {arr.shape}.")
        cols.append(arr.astype(np.int64 if kind == "iu" else np.float64))
    return _history(path, cols[:4] if not rates else cols[:-1], final, cols[-1] if rates else None, unit, alpha)


def read_history_log(path, meta):
    """The :class:`~denseflow.training.History` a checkpoint ``path`` keeps in its log (checked).

    ``meta`` is the checkpoint's ``history`` metadata: ``records``, ``validation``, ``log`` (the
    log's file name, in the checkpoint's folder) and ``log_sha256`` (of the first ``records``
    records). Records after those (a later checkpoint that was not completed) are ignored.
    """
    records, validation, _ = _check_meta(path, meta)
    rates, unit, alpha = _extras(path, meta)
    name, expected = meta.get("log"), meta.get("log_sha256")
    if not isinstance(name, str) or not LOG_NAME.fullmatch(name) or not isinstance(expected, str):
        raise _bad(path, f"its history log must be named like 'checkpoint.0123abcd.history' with its "
                         f"'log_sha256'; got {str(name)[:60]!r}.")
    log = Path(path).parent / name
    dtype = record_dtype(validation, rates)
    want = records * dtype.itemsize
    try:
        with open(log, "rb") as f:
            have = os.fstat(f.fileno()).st_size
            data = f.read(want) if have >= want else b""
    except FileNotFoundError:
        raise _bad(path, f"its history log {name!r} is missing; keep it beside the checkpoint.") from None
    except OSError as exc:
        raise _bad(path, f"its history log {name!r} cannot be read ({exc}).") from None
    if have < want:
        raise _bad(path, f"its history log {name!r} is truncated ({have} bytes; the checkpoint needs {want}).")
    if hashlib.sha256(data).hexdigest() != expected:
        raise _bad(path, f"its history log {name!r} does not match its SHA-256 digest (tampered or corrupted).")
    rec = np.frombuffer(data, dtype=dtype)
    cols = [np.asarray(rec[n]) for n in dtype.names]
    return _history(path, cols[:4] if not rates else cols[:-1], None, cols[-1] if rates else None, unit, alpha)
