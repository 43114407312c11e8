"""A sweep worker's loop: take the next trial, run it, and go on until the sweep is done.

One trial at a time is run by :func:`denseflow.sweeps.trial.run_trial` (record the worker, train,
save, report). An interrupted trial (Ctrl-C, SIGTERM) is failed and re-queued.

The loop (:func:`run_worker`) first reaps trials of dead workers (journal) or stale heartbeats
(PostgreSQL), then pops WAITING trials (the grid, retries) one at a time — an atomic state change
in the storage, so each is run by exactly one worker — and, for random/TPE search, asks the
sampler for new trials while the shared budget allows.

Stacking (grid sweeps): after popping a grid point, the worker also claims — one by one, by the
same atomic change, each recording this worker (and its heartbeat) at once — up to ``stack`` − 1
more WAITING points that differ from it only in learning rate and seed, and trains them all in
one :func:`denseflow.training.train_stacked` run
(:func:`~denseflow.sweeps.stacking.run_stacked_trials`). Every trial's model file, history and
result are bit-identical to a run alone; a killed worker's whole batch is reaped and re-queued
like a single trial.
"""

from __future__ import annotations

import time

from denseflow.sweeps.claims import Held, ask, give_back, interrupts_held, pop_waiting
from denseflow.sweeps.stacking import STACK_DEFAULT, _claim_stack, run_stacked_trials
from denseflow.sweeps.storage import JOURNAL, import_optuna
from denseflow.sweeps.study import (
    Sweep,
    budget_used,
    load_study,
    open_sweep,
    reap_dead_trials,
    trial_id,
)
from denseflow.sweeps.trial import TRIALS_DIR, WorkerSummary, run_trial

__all__ = ["run_worker"]


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

    counts = {"complete": 0, "diverged": 0, "error": 0, "discarded": 0}
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
    return WorkerSummary(counts["complete"], counts["diverged"], counts["error"], counts["discarded"])
