"""A sweep worker: take the next trial, train it, save it, report it; until the sweep is done.

One trial (:func:`run_trial`):

1. record this worker (host, pid, process start) on the trial, so a dead worker can be found;
2. take the hyperparameters (the enqueued grid point, a retried trial's values, or the sampler's
   draw) and the trial's seed;
3. build the model and train it on the sweep's data;
4. write the model file and its history atomically into ``trials/`` of the sweep folder
   (``trial-0007.npz``, ``trial-0007.json``);
5. only then report the result (``study.tell``): the objective is the validation accuracy, or
   the training accuracy without a validation set.

A trial whose cost becomes NaN/∞ is FAILED with the reason in its ``fail_reason`` attribute and
the worker goes on. An interrupted trial (Ctrl-C, SIGTERM) is failed and re-queued.

The loop (:func:`run_worker`) first reaps trials of dead workers (journal) or stale heartbeats
(PostgreSQL), then pops WAITING trials (the grid, retries) one at a time — an atomic state change
in the storage, so each is run by exactly one worker — and, for random/TPE search, asks the
sampler for new trials while the shared budget allows.

Stacking (grid sweeps): after popping a grid point, the worker also claims — one by one, by the
same atomic change, each recording this worker (and its heartbeat) at once — up to ``stack`` − 1
more WAITING points that differ from it only in learning rate and seed, and trains them all in
one :func:`denseflow.stacked.train_stacked` run
(:func:`~denseflow.sweeps.stacking.run_stacked_trials`). Every trial's model file, history and
result are bit-identical to a run alone; a killed worker's whole batch is reaped and re-queued
like a single trial.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .claims import Held, ask, give_back, interrupts_held, pop_waiting, record_worker
from .space import suggest
from .storage import JOURNAL, import_optuna
from .stacking import STACK_DEFAULT, _claim_stack, run_stacked_trials  # these import this module lazily
from .study import Sweep, budget_used, load_study, open_sweep, reap_dead_trials, this_worker, trial_id

__all__ = ["WorkerSummary", "run_worker", "run_trial", "run_stacked_trials", "trial_file", "cost_curve"]

TRIALS_DIR = "trials"
CURVE_POINTS = 200


class WorkerSummary(NamedTuple):
    """What one worker did."""

    completed: int
    failed: int
    errors: int


def trial_file(number: int, suffix: str = ".npz") -> str:
    """``trials/trial-0007.npz``: the path of a trial's file, relative to the sweep folder."""
    return f"{TRIALS_DIR}/trial-{int(number):04d}{suffix}"


def cost_curve(history, points: int = CURVE_POINTS) -> dict:
    """At most ``points`` (iteration, cost) pairs of a history, evenly spaced, first and last kept
    (stored with the trial, so reports can draw the curves from the database alone)."""
    n = len(history.costs)
    if n == 0:
        return {"iterations": [], "costs": []}
    idx = np.unique(np.linspace(0, n - 1, min(points, n)).round().astype(int))
    return {"iterations": [int(history.iterations[i]) for i in idx],
            "costs": [float(history.costs[i]) for i in idx]}


def _write_json_atomic(path: Path, obj):
    from ..io import write_json

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


def _report_diverged(study, trial, params, seed, err, directory, verbose, extra=None) -> str:
    from optuna.trial import TrialState

    _write_json_atomic(directory / trial_file(trial.number, ".json"),
                       {"number": trial.number, "params": params, "seed": seed, "diverged": True,
                        "history": err.result.history.to_dict(), **(extra or {})})
    trial.set_user_attr("cost_curve", cost_curve(err.result.history))
    trial.set_user_attr("fail_reason", f"diverged: {err}")
    study.tell(trial, state=TrialState.FAIL)
    _log(verbose, f"trial {trial.number} {_describe(params)}: diverged at iteration {err.iteration}")
    return "diverged"


def _report_complete(study, trial, params, seed, model, data, seconds, directory, verbose, extra=None) -> str:
    """Write the model file and the history atomically, then tell the study the objective."""
    from ..io import save

    history = model.history_
    train_acc = model.accuracy(data.X, data.Y)
    val_acc = None if data.X_val is None else model.accuracy(data.X_val, data.Y_val)
    model_path = trial_file(trial.number)
    (directory / model_path).parent.mkdir(parents=True, exist_ok=True)
    save(model, directory / model_path)  # atomic: a complete file or none
    result = {"number": trial.number, "params": params, "seed": seed, "train_accuracy": train_acc,
              "val_accuracy": val_acc, "final_cost": history.final_cost, "seconds": seconds,
              "model_path": model_path, **(extra or {}), "history": history.to_dict()}
    _write_json_atomic(directory / trial_file(trial.number, ".json"), result)
    for key in ("train_accuracy", "val_accuracy", "final_cost", "model_path"):
        trial.set_user_attr(key, result[key])
    trial.set_user_attr("seconds", round(seconds, 4))
    for key, value in (extra or {}).items():
        trial.set_user_attr(key, value)
    trial.set_user_attr("cost_curve", cost_curve(history))
    study.tell(trial, train_acc if val_acc is None else val_acc)
    shown = f"train {100 * train_acc:.2f} %" + ("" if val_acc is None else f", val {100 * val_acc:.2f} %")
    how = f", stacked with {extra['stacked'] - 1} others" if extra and extra.get("stacked", 1) > 1 else ""
    _log(verbose, f"trial {trial.number} {_describe(params)}: {shown} ({seconds:.1f} s{how})")
    return "complete"


def _fail(study, trial, err, verbose) -> str:
    """Record an unexpected error on the trial and go on with the sweep."""
    from optuna.trial import TrialState

    reason = f"{type(err).__name__}: {err}"
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
    {'complete', 'diverged', 'error'}
    """
    optuna = import_optuna()

    from ..training import TrainingDivergedError

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
    except Exception as err:  # anything else: record it on the trial and go on with the sweep
        return _fail(study, trial, err, verbose)


def _sampler(optuna, config, number):
    seed = config.sampler_seed(number)
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _ask_within_budget(study, storage, heartbeat, held, n_trials):
    """A new sampled trial, or None (after failing it as skipped) when other workers used the budget.

    Asked and, if over budget, failed in one block with interrupts held, so that an interrupted
    worker never re-queues (and later runs) a trial beyond the budget.
    """
    from optuna.trial import TrialState

    with interrupts_held():
        trial = ask(study, storage, heartbeat, held)
        system = storage.get_trial(trial_id(study, storage, trial.number)).system_attrs
        retried = "failed_trial" in system or "fixed_params" in system
        if retried or budget_used(study.get_trials(deepcopy=False), before=trial.number) < n_trials:
            return trial
        trial.set_user_attr("skipped", True)
        trial.set_user_attr("fail_reason", f"not run: the budget of {n_trials} trials was used up by other workers")
        study.tell(trial, state=TrialState.FAIL)
        return None


def run_worker(sweep, *, max_trials: int | None = None, verbose: bool = False, poll_interval: float = 0.5,
               storage=None, study_name=None, stack: int = STACK_DEFAULT, share: int = 1) -> WorkerSummary:
    """Run trials of ``sweep`` in this process until it is done (or ``max_trials`` ran).

    Parameters
    ----------
    sweep : Sweep or path
        The sweep (folder with ``sweep.json``, or a :class:`~denseflow.sweeps.study.Sweep`).
    max_trials : int, optional
        Stop after this many trials of this worker.
    verbose : bool
        One line per trial on stderr.
    poll_interval : float
        Seconds between checks while other workers' trials are still running on a database
        (their trials may be failed by the heartbeat and come back to the queue).
    storage, study_name : str, optional
        A database sweep run from a machine without its folder.
    stack : int, default 8
        Grid points that differ only in learning rate (and seed) are trained up to ``stack`` at a
        time in one stacked computation (:mod:`denseflow.sweeps.stacking`; same results as one by
        one). 1 runs every trial alone.
    share : int, default 1
        How many workers share the queue (the local worker processes): a stacked batch takes at
        most ⌈waiting points / share⌉ of them, so that every worker gets work.

    Returns
    -------
    WorkerSummary
    """
    optuna = import_optuna()
    from optuna.trial import TrialState

    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    study, store, config = load_study(sweep, heartbeat=True)
    study.sampler = optuna.samplers.RandomSampler(seed=config.seed)
    data = config.load_data()
    on_journal = sweep.storage == JOURNAL
    heartbeat = None if on_journal else config.heartbeat_interval
    study_id = store.get_study_id_from_name(study.study_name)
    (sweep.directory / TRIALS_DIR).mkdir(parents=True, exist_ok=True)

    def reap():
        if not on_journal:
            optuna.storages.fail_stale_trials(study)  # stale heartbeats: failed and re-queued
        reap_dead_trials(study, store, check_pids=on_journal)

    counts = {"complete": 0, "diverged": 0, "error": 0}
    ran = 0
    held = Held()  # the trials this worker took in this round
    reap()
    try:
        while max_trials is None or ran < max_trials:
            held.clear()  # what was taken before is finished (reported, or failed)
            trial = pop_waiting(study, store, study_id, heartbeat, held)
            if trial is None:
                trials = study.get_trials(deepcopy=False)
                open_budget = config.sampler != "grid" and budget_used(trials) < config.n_trials
                if not open_budget:
                    running = [t for t in trials if t.state == TrialState.RUNNING]
                    if on_journal or not running:
                        break
                    # Database: stay while other trials run. A trial of a dead machine comes back to
                    # the queue once its heartbeat is stale (or, never started, after the reaping grace).
                    time.sleep(poll_interval)
                    reap()
                    continue
                trial = _ask_within_budget(study, store, heartbeat, held, config.n_trials)
                if trial is None:
                    continue
            limit = stack if max_trials is None else min(stack, max_trials - ran)
            if config.sampler == "grid" and limit > 1:
                batch = _claim_stack(study, store, study_id, trial, config, data, limit=limit, share=share,
                                     heartbeat=heartbeat, held=held)
                outcomes = run_stacked_trials(study, store, batch, config, data, sweep.directory,
                                              heartbeat=heartbeat, verbose=verbose)
            else:
                outcomes = [run_trial(study, store, trial, config, data, sweep.directory, heartbeat=heartbeat,
                                      verbose=verbose)]
            for outcome in outcomes:
                counts[outcome] += 1
            ran += len(outcomes)
            reap()
    except (KeyboardInterrupt, SystemExit):
        # Whatever this worker still holds goes back to the queue: a trial claimed but not yet
        # being trained (those being trained were re-queued by run_trial / run_stacked_trials).
        give_back(study, store, held)
        raise
    return WorkerSummary(counts["complete"], counts["diverged"], counts["error"])
