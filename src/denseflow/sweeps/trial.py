"""One sweep trial: record its worker, take its hyperparameters and seed, train, save, report.

:func:`run_trial` runs one trial from start to end:

1. record this worker (host, pid, process start) on the trial, so a dead worker can be found;
2. take the hyperparameters (the enqueued grid point, a retried trial's values, or the sampler's
   draw) and the trial's seed;
3. build the model and train it on the sweep's data;
4. write the model file and its history atomically into ``trials/`` of the sweep folder
   (``trial-0007.npz``, ``trial-0007.json``);
5. only then report the result (``study.tell``): the objective is the validation accuracy, or
   the training accuracy without a validation set.

A worker that was frozen past the heartbeat's grace period (its trial failed and queued again
meanwhile) finds its trial no longer RUNNING when it wakes: it discards its result — no files in
``trials/`` for the failed trial — and goes on (outcome ``'discarded'``, not an error).

A trial whose cost becomes NaN/∞ is FAILED with the reason in its ``fail_reason`` attribute. The
helpers that report a trial (complete, diverged, failed) and the heartbeat are shared with the
stacked trials of :mod:`denseflow.sweeps.stacking`; the loop that takes trials one after the
other is :mod:`denseflow.sweeps.trial_loop`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.sweeps.claims import give_back, interrupts_held, record_worker
from denseflow.sweeps.space import suggest
from denseflow.sweeps.storage import import_optuna
from denseflow.sweeps.study import this_worker, trial_id

__all__ = ["WorkerSummary", "run_trial", "trial_file", "cost_curve", "TRIALS_DIR"]

TRIALS_DIR = "trials"
CURVE_POINTS = 200


class WorkerSummary(NamedTuple):
    """What one worker did (``discarded``: results of trials that another worker took over while
    this one was not responding, see :func:`run_trial`)."""

    completed: int
    failed: int
    errors: int
    discarded: int = 0


def trial_file(number: int, suffix: str = ".npz") -> str:
    """``trials/trial-0007.npz``: the path of a trial's file, relative to the sweep folder."""
    return f"{TRIALS_DIR}/trial-{int(number):04d}{suffix}"


def cost_curve(history, points: int = CURVE_POINTS) -> dict:
    """At most ``points`` (iteration or epoch, cost) pairs of a history, evenly spaced, first and
    last kept, with the validation costs and (when a schedule changes it) the learning rate at
    the same records, and the history's unit ('iteration' or 'epoch') — stored with the trial,
    so reports can draw the curves from the database alone.

    Examples
    --------
    >>> from denseflow.training import History
    >>> cost_curve(History(list(range(5)), [0.9, 0.8, 0.7, 0.6, 0.5], val_costs=[1.0, 0.9, 0.85, 0.8, 0.8]), points=3)
    {'iterations': [0, 2, 4], 'costs': [0.9, 0.7, 0.5], 'unit': 'iteration', 'val_costs': [1.0, 0.85, 0.8]}
    """
    n = len(history.costs)
    unit = str(getattr(history, "unit", None) or "iteration")
    if n == 0:
        return {"iterations": [], "costs": [], "unit": unit}
    idx = np.unique(np.linspace(0, n - 1, min(points, n)).round().astype(int))
    curve = {"iterations": [int(history.iterations[i]) for i in idx],
             "costs": [float(history.costs[i]) for i in idx], "unit": unit}
    if len(history.val_costs) == n:
        curve["val_costs"] = [float(history.val_costs[i]) for i in idx]
    rates = getattr(history, "learning_rates", None) or []
    if len(rates) == n and len(set(rates)) > 1:  # a schedule: α at the same records
        curve["learning_rates"] = [float(rates[i]) for i in idx]
    return curve


def _write_json_atomic(path: Path, obj):
    from denseflow.io import write_json

    write_json(path, obj, indent=1)


class _Heartbeat:
    """Record a database heartbeat for some trials every ``interval`` seconds, in a thread."""

    def __init__(self, storage, tids, interval):
        self.storage, self.interval = storage, interval
        self.tids = [tids] if isinstance(tids, int) else list(tids)
        self._stop = threading.Event()
        self._thread = None

    def _beat(self):
        while True:
            for tid in self.tids:
                try:
                    self.storage.record_heartbeat(tid)
                except Exception:  # a database hiccup: try again at the next beat
                    pass
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        if self.interval:
            self._thread = threading.Thread(target=self._beat, daemon=True, name="denseflow-heartbeat")
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _log(verbose, message):
    if verbose:
        print(f"[worker {os.getpid()}] {message}", file=sys.stderr, flush=True)


def _describe(params):
    return " ".join(f"{k}={v}" for k, v in params.items())


def _record_if_needed(trial):
    """Record this worker on a trial taken without :mod:`~denseflow.sweeps.claims` (a plain ``ask``)."""
    if trial.user_attrs.get("worker") != this_worker():
        with interrupts_held():
            record_worker(trial)


def _params_and_seed(trial, config):
    """The trial's hyperparameters and its seed (stored on the trial)."""
    params = suggest(trial, config.space)
    seed = trial.user_attrs.get("seed")
    if seed is None:
        seed = config.trial_seed(trial.number)
        trial.set_user_attr("seed", seed)
    return params, seed


def _still_running(study, trial) -> bool:
    """Whether ``trial`` is still RUNNING in the storage (read afresh, not from a cache)."""
    from optuna.trial import TrialState

    storage = study._storage
    return storage.get_trial(trial_id(study, storage, trial.number)).state == TrialState.RUNNING


def _discard(study, trial, verbose, written=()) -> str:
    """The trial was finished by someone else while this worker was not responding (its heartbeat
    went stale, it was failed and queued again): drop this late result, and the files written for it."""
    for path in written:
        with contextlib.suppress(OSError):
            os.unlink(path)
    try:
        frozen = study._storage.get_trial(trial_id(study, study._storage, trial.number))
        state, reason = frozen.state.name, frozen.user_attrs.get("fail_reason")
    except Exception:  # noqa: BLE001 - only for the log line
        state, reason = "finished", None
    why = f" ({reason})" if reason else ""
    _log(verbose, f"trial {trial.number}: this worker's result came too late: the trial is already {state}{why} "
                  f"and its point was queued again; the result is discarded")
    return "discarded"


def _report_diverged(study, trial, params, seed, err, directory, verbose, extra=None) -> str:
    optuna = import_optuna()
    from optuna.trial import TrialState

    if not _still_running(study, trial):
        return _discard(study, trial, verbose)
    record = directory / trial_file(trial.number, ".json")
    _write_json_atomic(record,
                       {"number": trial.number, "params": params, "seed": seed, "diverged": True,
                        "history": err.result.history.to_dict(), **(extra or {})})
    try:
        trial.set_user_attr("cost_curve", cost_curve(err.result.history))
        trial.set_user_attr("fail_reason", f"diverged: {err}")
        study.tell(trial, state=TrialState.FAIL)
    except optuna.exceptions.UpdateFinishedTrialError:  # failed by the heartbeat meanwhile
        return _discard(study, trial, verbose, [record])
    _log(verbose, f"trial {trial.number} {_describe(params)}: diverged at iteration {err.iteration}")
    return "diverged"


def _report_complete(study, trial, params, seed, model, data, seconds, directory, verbose, extra=None) -> str:
    """Write the model file and the history atomically, then tell the study the objective.

    A trial that is no longer RUNNING (another worker took it over while this one was frozen
    past the grace period) is not reported: its files are not written, or removed again.
    """
    optuna = import_optuna()
    from denseflow.io.modelfile import save

    if not _still_running(study, trial):
        return _discard(study, trial, verbose)
    history = model.history_
    train_acc = model.accuracy(data.X, data.Y)
    val_acc = None if data.X_val is None else model.accuracy(data.X_val, data.Y_val)
    model_path = trial_file(trial.number)
    (directory / model_path).parent.mkdir(parents=True, exist_ok=True)
    save(model, directory / model_path)  # atomic: a complete file or none
    result = {"number": trial.number, "params": params, "seed": seed, "train_accuracy": train_acc,
              "val_accuracy": val_acc, "final_cost": history.final_cost, "seconds": seconds,
              "model_path": model_path, **(extra or {}), "history": history.to_dict()}
    written = [directory / model_path, directory / trial_file(trial.number, ".json")]
    _write_json_atomic(written[1], result)
    try:
        for key in ("train_accuracy", "val_accuracy", "final_cost", "model_path"):
            trial.set_user_attr(key, result[key])
        trial.set_user_attr("seconds", round(seconds, 4))
        for key, value in (extra or {}).items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("cost_curve", cost_curve(history))
        study.tell(trial, train_acc if val_acc is None else val_acc)
    except optuna.exceptions.UpdateFinishedTrialError:  # failed by the heartbeat meanwhile
        return _discard(study, trial, verbose, written)
    shown = f"train {100 * train_acc:.2f} %" + ("" if val_acc is None else f", val {100 * val_acc:.2f} %")
    how = f", stacked with {extra['stacked'] - 1} others" if extra and extra.get("stacked", 1) > 1 else ""
    _log(verbose, f"trial {trial.number} {_describe(params)}: {shown} ({seconds:.1f} s{how})")
    return "complete"


def _fail(study, trial, err, verbose) -> str:
    """Record an unexpected error on the trial and go on with the sweep."""
    from optuna.trial import TrialState

    from denseflow.sweeps.storage import scrub

    reason = scrub(f"{type(err).__name__}: {err}")
    try:
        trial.set_user_attr("fail_reason", reason)
        study.tell(trial, state=TrialState.FAIL)
    except Exception:
        pass
    _log(verbose, f"trial {trial.number} failed: {reason}")
    return "error"


def run_trial(study, storage, trial, config, data, directory, *, heartbeat=None, verbose=False) -> str:
    """Run one popped/asked Optuna ``trial`` to its end; returns its outcome.

    The trial is RUNNING (taken by :mod:`~denseflow.sweeps.claims`, or a plain ``study.ask()``;
    this worker is recorded on it if it is not yet).

    Returns
    -------
    {'complete', 'diverged', 'error', 'discarded'}
        'discarded': the trial was failed and queued again by another worker while this one was
        not responding (frozen past the heartbeat's grace period); its late result is dropped.
    """
    optuna = import_optuna()

    from denseflow.training import TrainingDivergedError

    directory = Path(directory)
    tid = trial_id(study, storage, trial.number)
    _record_if_needed(trial)
    try:
        with _Heartbeat(storage, tid, heartbeat):
            if config.sampler != "grid" and not trial.params:
                # Draws depend only on (sweep seed, trial number) and the finished trials.
                study.sampler = _sampler(optuna, config, trial.number)
            params, seed = _params_and_seed(trial, config)
            model = config.build_model(params, seed, data)
            start = time.perf_counter()
            try:
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below
                    model.fit(data.X, data.Y, data.X_val, data.Y_val)
            except TrainingDivergedError as err:
                return _report_diverged(study, trial, params, seed, err, directory, verbose)
            seconds = time.perf_counter() - start
            return _report_complete(study, trial, params, seed, model, data, seconds, directory, verbose)
    except (KeyboardInterrupt, SystemExit):
        give_back(study, storage, [trial])
        raise
    except optuna.exceptions.UpdateFinishedTrialError:  # taken over while this worker was frozen
        return _discard(study, trial, verbose)
    except Exception as err:  # anything else: record it on the trial and go on with the sweep
        return _fail(study, trial, err, verbose)


def _sampler(optuna, config, number):
    seed = config.sampler_seed(number)
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)
