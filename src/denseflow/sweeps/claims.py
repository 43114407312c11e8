"""Taking trials from the shared queue, and giving them back.

A worker takes a trial by one atomic change in the storage — WAITING → RUNNING for a grid point
or a retry (:func:`claim`, :func:`pop_waiting`), or ``study.ask()`` for random/TPE search
(:func:`ask`) — and records itself on the trial (host, pid, process start:
:func:`~denseflow.sweeps.study.this_worker`) so that a dead worker's trials can be found and
re-queued. Both steps happen with Ctrl-C and SIGTERM held (:func:`interrupts_held`), so an
interrupted worker never leaves a RUNNING trial that names no worker; an interrupted worker gives
back what it holds with :func:`give_back` (failed, its point and seed queued again).
"""

from __future__ import annotations

import contextlib
import signal

from .storage import import_optuna
from .study import requeue, this_worker, trial_id

__all__ = ["INTERRUPTED", "interrupts_held", "record_worker", "claim", "ask", "waiting", "pop_waiting",
           "held_here", "give_back"]

INTERRUPTED = "interrupted (Ctrl-C or SIGTERM); the point was queued again"

_INTERRUPTS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C and SIGTERM in this thread until the block ends (then they act at once)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: nothing to hold
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def record_worker(trial):
    """Record this worker on a trial it took (so a dead worker's trials are found)."""
    trial.set_user_attr("worker", this_worker())
    if trial.user_attrs.get("fail_reason") is not None:  # copied from the failed try it retries
        trial.set_user_attr("fail_reason", None)


def claim(study, storage, study_id, number, heartbeat):
    """Atomically change WAITING trial ``number`` to RUNNING; the Trial, or None if another took it.

    This worker is recorded on it at once, and on a database its first heartbeat, so that it can
    go stale.
    """
    optuna = import_optuna()
    from optuna.trial import TrialState

    tid = storage.get_trial_id_from_study_id_trial_number(study_id, number)
    with interrupts_held():
        try:
            if storage.set_trial_state_values(tid, state=TrialState.RUNNING):
                if heartbeat:
                    storage.record_heartbeat(tid)
                trial = optuna.trial.Trial(study, tid)
                record_worker(trial)
                return trial
        except optuna.exceptions.UpdateFinishedTrialError:
            pass
    return None


def ask(study, storage, heartbeat):
    """A new trial from the sampler (random/TPE search), RUNNING and recording this worker."""
    with interrupts_held():
        trial = study.ask()
        if heartbeat:
            storage.record_heartbeat(trial_id(study, storage, trial.number))
        record_worker(trial)
    return trial


def waiting(storage, study_id) -> list:
    """The WAITING trials (grid points and retries), in queue order."""
    from optuna.trial import TrialState

    return storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.WAITING,))


def pop_waiting(study, storage, study_id, heartbeat):
    """Atomically take the first WAITING trial (grid point or retry); None when there is none."""
    for frozen in waiting(storage, study_id):
        trial = claim(study, storage, study_id, frozen.number, heartbeat)
        if trial is not None:
            return trial
    return None


def held_here(study) -> list:
    """The RUNNING trials that record this worker process."""
    from optuna.trial import TrialState

    me = this_worker()
    return [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if t.user_attrs.get("worker") == me]


def give_back(study, storage, trials, reason: str = INTERRUPTED):
    """Fail each of ``trials`` that is not finished yet with ``reason``, and re-queue its point.

    A second Ctrl-C waits until each trial is both failed and queued again, so no point is lost.
    """
    for trial in trials:
        with interrupts_held():
            frozen = storage.get_trial(trial_id(study, storage, trial.number))
            if not frozen.state.is_finished():
                requeue(study, storage, frozen, reason)
