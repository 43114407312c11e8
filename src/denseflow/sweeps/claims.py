"""Taking trials from the shared queue, and giving them back.

A worker takes a trial by one atomic change in the storage — WAITING → RUNNING for a grid point
or a retry (:func:`claim`, :func:`pop_waiting`), or ``study.ask()`` for random/TPE search
(:func:`ask`) — and records itself on the trial (host, pid, process start:
:func:`~denseflow.sweeps.study.this_worker`) so that a dead worker's trials can be found and
re-queued. Both steps happen while Ctrl-C and SIGTERM are held (:func:`interrupts_held`), and the
trial's number goes into the worker's own :class:`Held` list, so an interrupted worker never
leaves a RUNNING trial behind: it gives back (:func:`give_back`: failed, its point and seed
queued again) exactly the trials it took, and never one another worker took.
"""

from __future__ import annotations

import contextlib
import signal
import threading

from denseflow.sweeps.storage import import_optuna
from denseflow.sweeps.study import requeue, this_worker, trial_id

__all__ = ["INTERRUPTED", "Held", "interrupts_held", "record_worker", "claim", "ask", "waiting", "pop_waiting",
           "give_back"]

INTERRUPTED = "interrupted (Ctrl-C or SIGTERM); the point was queued again"

_INTERRUPTS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT") if hasattr(signal, name))

_depth = 0          # how many interrupts_held blocks the main thread is in
_pending: list = []  # the signals that came meanwhile
_originals: dict = {}  # signal -> the handler to put back


class Held(list):
    """The numbers of the trials this worker took and may not have finished yet."""


def _note(signum, frame):
    if _depth > 0:
        _pending.append(signum)
    elif signum in _originals:  # left in place by a restore a signal cut short: put it back, let it act
        _put_back(signum)
        signal.raise_signal(signum)
    else:
        raise KeyboardInterrupt if signum == signal.SIGINT else SystemExit(128 + signum)


def _put_back(sig):
    handler = _originals.get(sig)
    if handler is not None:
        signal.signal(sig, handler)
        _originals.pop(sig, None)


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C and SIGTERM until the outermost block ends; a signal that came meanwhile then
    acts at once (SIGTERM first).

    Python runs signal handlers in the main thread only, whichever thread the operating system
    delivered the signal to (NumPy's BLAS threads included), so blocking the signal would not do:
    the handlers are swapped for one that notes the signal while a block is open. Ignored signals
    and handlers set outside Python are left alone; outside the main thread nothing changes.
    """
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        if _depth == 1:
            for sig in _INTERRUPTS:
                handler = signal.getsignal(sig)
                if handler not in (None, signal.SIG_IGN, _note):
                    _originals[sig] = signal.signal(sig, _note)
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            for sig in list(_originals):
                _put_back(sig)
            came = [sig for sig in _INTERRUPTS if sig in _pending]
            _pending.clear()
            for sig in came:
                signal.raise_signal(sig)  # runs the restored handler now (SystemExit, KeyboardInterrupt)


def record_worker(trial):
    """Record this worker on a trial it took (so a dead worker's trials are found)."""
    trial.set_user_attr("worker", this_worker())
    if trial.user_attrs.get("fail_reason") is not None:  # copied from the failed try it retries
        trial.set_user_attr("fail_reason", None)


def claim(study, storage, study_id, number, heartbeat, held: Held | None = None):
    """Atomically change WAITING trial ``number`` to RUNNING; the Trial, or None if another took it.

    This worker is recorded on it at once (and in ``held``), and on a database its first
    heartbeat, so that it can go stale. That heartbeat is written before the trial turns RUNNING
    too: Optuna never finds a RUNNING trial without one stale, so a worker frozen or killed between
    the two writes would otherwise hold its point forever.
    """
    optuna = import_optuna()
    from optuna.trial import TrialState

    tid = storage.get_trial_id_from_study_id_trial_number(study_id, number)
    with interrupts_held():
        try:
            if heartbeat:
                storage.record_heartbeat(tid)
            if storage.set_trial_state_values(tid, state=TrialState.RUNNING):
                if held is not None:
                    held.append(number)
                if heartbeat:
                    storage.record_heartbeat(tid)
                trial = optuna.trial.Trial(study, tid)
                record_worker(trial)
                return trial
        except optuna.exceptions.UpdateFinishedTrialError:
            pass
    return None


def ask(study, storage, heartbeat, held: Held | None = None):
    """A new trial from the sampler (random/TPE search), RUNNING, recording this worker (and in
    ``held``)."""
    with interrupts_held():
        trial = study.ask()
        if held is not None:
            held.append(trial.number)
        if heartbeat:
            storage.record_heartbeat(trial_id(study, storage, trial.number))
        record_worker(trial)
    return trial


def waiting(storage, study_id) -> list:
    """The WAITING trials (grid points and retries), in queue order."""
    from optuna.trial import TrialState

    return storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.WAITING,))


def pop_waiting(study, storage, study_id, heartbeat, held: Held | None = None):
    """Atomically take the first WAITING trial (grid point or retry); None when there is none."""
    for frozen in waiting(storage, study_id):
        trial = claim(study, storage, study_id, frozen.number, heartbeat, held)
        if trial is not None:
            return trial
    return None


def give_back(study, storage, trials, reason: str = INTERRUPTED):
    """Fail each of ``trials`` (Trials or trial numbers) that is not finished yet with ``reason``,
    and re-queue its point.

    A second Ctrl-C waits until every trial is both failed and queued again, so none is lost.
    """
    with interrupts_held():
        for trial in list(trials):
            frozen = storage.get_trial(trial_id(study, storage, getattr(trial, "number", trial)))
            if not frozen.state.is_finished():
                requeue(study, storage, frozen, reason)
