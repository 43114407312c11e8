"""Creating and opening a sweep's Optuna study; reaping trials of dead workers.

A sweep is a folder (``sweep.json``, the journal file, ``trials/``, the report) and one Optuna
study. :func:`create_study` makes the study exactly once — before any worker starts — stores the
:class:`~denseflow.sweeps.config.SweepConfig` in the study's user attributes, enqueues every grid
point once (each with its seed), and only then marks the study ready.

Dead workers (journal backend)
------------------------------
Each worker records ``{"host", "pid", "start"}`` on the trial it runs. :func:`reap_dead_trials`
fails every RUNNING trial of this host whose process is gone (or whose pid now belongs to a newer
process) and re-queues its parameters and seed as a WAITING trial, so the point is run again by
the next free worker. On PostgreSQL, Optuna's heartbeat does the same across machines. On both,
a RUNNING trial that never recorded its worker (the worker died in the milliseconds between
taking it and recording itself) is re-queued after a grace period (60 s).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from denseflow.io.npz import process_alive, process_start_time
from denseflow.sweeps.config import SweepConfig
from denseflow.sweeps.space import grid_points
from denseflow.sweeps.storage import (
    JOURNAL,
    check_storage_url,
    import_optuna,
    open_storage,
    redact,
)

__all__ = [
    "Sweep",
    "SWEEP_FILE",
    "CONFIG_ATTR",
    "create_study",
    "open_sweep",
    "load_study",
    "reap_dead_trials",
    "budget_used",
    "this_worker",
    "requeue",
    "trial_id",
]

SWEEP_FILE = "sweep.json"
CONFIG_ATTR = "denseflow_sweep"
READY_ATTR = "denseflow_ready"
DEFAULT_STUDY = "denseflow-sweep"


class Sweep(NamedTuple):
    """A handle on a sweep: its folder, its storage and the study's name."""

    directory: Path
    storage: str
    study_name: str

    def __repr__(self):  # the storage URL may hold a password
        return (f"Sweep(directory={str(self.directory)!r}, storage={redact(self.storage)!r}, "
                f"study_name={self.study_name!r})")


def _write_sweep_file(sweep: Sweep):
    doc = {"format": "denseflow-sweep", "version": 1, "storage": redact(sweep.storage),
           "study_name": sweep.study_name}
    from denseflow.io.npz import write_json

    sweep.directory.mkdir(parents=True, exist_ok=True)
    write_json(sweep.directory / SWEEP_FILE, doc, indent=2)


def open_sweep(directory=None, *, storage=None, study_name=None) -> Sweep:
    """The :class:`Sweep` of ``directory`` (from its ``sweep.json``), or of explicit storage/name.

    An explicit ``storage`` wins. A journal sweep stays on its journal; a database sweep takes
    ``$DENSEFLOW_SWEEP_STORAGE`` when set (it may hold the password that ``sweep.json`` leaves
    out), else the URL of ``sweep.json``. A folder without ``sweep.json`` (another machine's
    worker) needs ``storage`` or the environment variable.
    """
    if isinstance(directory, Sweep):
        return directory
    env = os.environ.get("DENSEFLOW_SWEEP_STORAGE") or None
    recorded = {}
    if directory is not None:
        path = Path(directory) / SWEEP_FILE
        if path.exists():
            try:
                recorded = json.loads(path.read_text())
            except (OSError, ValueError) as err:
                raise ValueError(f"{path} is not a readable sweep file ({err}).") from None
    if not recorded and not (storage or env):
        where = f"in {directory} (no {SWEEP_FILE})" if directory is not None else "given"
        raise FileNotFoundError(f"There is no sweep {where}. Start one with `denseflow sweep create`, or pass "
                                f"--storage URL --study-name NAME for a database sweep.")
    if storage:
        chosen = storage
    elif recorded.get("storage") == JOURNAL:
        chosen = JOURNAL
    else:
        chosen = env or recorded.get("storage")
    url = check_storage_url(chosen)
    name = study_name or recorded.get("study_name") or DEFAULT_STUDY
    return Sweep(Path(directory if directory is not None else Path.cwd()).resolve(), url, name)


def load_study(sweep: Sweep, *, heartbeat: bool = False):
    """Open the study of ``sweep``: ``(study, storage, config)``; ``storage`` is the study's own.

    With ``heartbeat`` (workers on a database), the storage records heartbeats with the
    intervals stored in the sweep's settings.
    """
    optuna = import_optuna()
    storage = open_storage(sweep.storage, sweep.directory)
    try:
        study = optuna.load_study(study_name=sweep.study_name, storage=storage)
    except KeyError:
        names = optuna.get_all_study_names(storage)
        raise FileNotFoundError(f"No sweep named {sweep.study_name!r} in {redact(sweep.storage)} "
                                f"(it holds: {names or 'none'}). Run `denseflow sweep create` first.") from None
    attrs = study.user_attrs
    if CONFIG_ATTR not in attrs or not attrs.get(READY_ATTR):
        raise ValueError(f"The study {sweep.study_name!r} is not a finished denseflow sweep (its creation was "
                         f"interrupted, or it was made by another program). Create a new sweep.")
    config = SweepConfig.from_dict(attrs[CONFIG_ATTR])
    if heartbeat and sweep.storage != JOURNAL:
        storage = open_storage(sweep.storage, sweep.directory, heartbeat_interval=config.heartbeat_interval,
                               grace_period=config.grace_period)
        study = optuna.load_study(study_name=sweep.study_name, storage=storage)
    # The storage object the study itself uses (Optuna wraps a database storage in a cache):
    # every later call must go through it, so that its cache knows every trial.
    return study, study._storage, config


def create_study(config: SweepConfig, directory, *, storage=None, study_name=None) -> Sweep:
    """Create the sweep's study once: store the settings, enqueue the grid, mark it ready.

    ``config`` must be validated (:meth:`SweepConfig.validated`). Nothing is written when the
    study already exists.

    Raises
    ------
    FileExistsError
        A sweep of that name already exists there.
    """
    optuna = import_optuna()
    directory = Path(directory).resolve()
    url = check_storage_url(storage or os.environ.get("DENSEFLOW_SWEEP_STORAGE"))
    name = study_name or (DEFAULT_STUDY if url == JOURNAL else directory.name)
    existing_file = directory / SWEEP_FILE
    if existing_file.exists():
        raise FileExistsError(f"{directory} already holds a sweep: continue it with `denseflow sweep resume "
                              f"{directory}`, or choose another --out folder.")
    store = open_storage(url, directory, create=True)
    if name in optuna.get_all_study_names(store):
        raise FileExistsError(f"A sweep named {name!r} already exists in {redact(url)}: start workers with "
                              f"`denseflow sweep worker`, or choose another --study-name.")
    study = optuna.create_study(study_name=name, storage=store, direction="maximize",
                                load_if_exists=False)
    study.set_user_attr(CONFIG_ATTR, config.to_dict())
    if config.sampler == "grid":
        for index, point in enumerate(grid_points(config.space)):
            study.enqueue_trial(point, user_attrs={"grid_index": index, "seed": config.trial_seed(index)})
    study.set_user_attr(READY_ATTR, True)
    sweep = Sweep(directory, url, name)
    _write_sweep_file(sweep)
    return sweep


# ---------------------------------------------------------------------------------------------
# workers and their liveness
# ---------------------------------------------------------------------------------------------


def this_worker() -> dict:
    """``{"host", "pid", "start"}`` of the current process (recorded on the trials it runs)."""
    info = process_start_time(os.getpid())
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": None if info is None else info[1]}


def trial_id(study, storage, number: int) -> int:
    """The storage's id of trial ``number`` of ``study`` (public storage API only)."""
    return storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(study.study_name), number)


def requeue(study, storage, trial, reason: str) -> bool:
    """Fail a RUNNING ``trial`` with ``reason`` and re-queue its parameters and seed.

    Returns False when another process finished or failed it first (then nothing is queued).
    """
    optuna = import_optuna()
    from optuna.trial import TrialState

    tid = trial_id(study, storage, trial.number)
    try:
        storage.set_trial_user_attr(tid, "fail_reason", reason)
        if not storage.set_trial_state_values(tid, state=TrialState.FAIL):
            return False
    except optuna.exceptions.UpdateFinishedTrialError:
        return False
    keep = {k: trial.user_attrs[k] for k in ("grid_index", "seed") if k in trial.user_attrs}
    system = {k: v for k, v in trial.system_attrs.items() if k in ("fixed_params", "search_space", "grid_id")}
    system["failed_trial"] = trial.system_attrs.get("failed_trial", trial.number)
    system["retry_history"] = list(trial.system_attrs.get("retry_history", [])) + [trial.number]
    study.add_trial(optuna.trial.create_trial(
        state=TrialState.WAITING, params=trial.params, distributions=trial.distributions,
        user_attrs=keep, system_attrs=system))
    return True


def reap_dead_trials(study, storage, *, grace_period: float = 60.0, check_pids: bool = True) -> list[int]:
    """Fail and re-queue the RUNNING trials of dead workers.

    A trial with no worker record (its worker died between taking it and recording itself, which
    a live worker does within milliseconds) is reaped once it has been running longer than
    ``grace_period`` seconds. With ``check_pids`` (journal backend), a trial whose recorded
    process on this host is gone is reaped at once; trials of other hosts are left alone (their
    liveness cannot be checked from here; on a database, the heartbeat covers them).

    Returns
    -------
    list of int
        The numbers of the reaped trials.
    """
    from optuna.trial import TrialState

    host = socket.gethostname()
    now = datetime.now()
    reaped = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        owner = trial.user_attrs.get("worker")
        if owner is None:
            started = trial.datetime_start
            if started is None or now - started < timedelta(seconds=grace_period):
                continue
            reason = f"its worker died before recording itself (running since {started:%Y-%m-%d %H:%M:%S})"
        elif not check_pids or owner.get("host") != host or process_alive(owner.get("pid"), owner.get("start")):
            continue
        else:
            reason = f"its worker (pid {owner.get('pid')} on {host}) died; the point was queued again"
        if requeue(study, storage, trial, reason):
            reaped.append(trial.number)
    return reaped


def budget_used(trials, before: int | None = None) -> int:
    """Trials counted against the budget: each original trial once (its retries are the same
    trial), not counting trials skipped over the budget; only numbers < ``before`` if given."""
    keys = set()
    for t in trials:
        if before is not None and t.number >= before:
            continue
        if t.user_attrs.get("skipped"):
            continue
        keys.add(t.system_attrs.get("failed_trial", t.number))
    return len(keys)
