"""Where a sweep's study lives: an Optuna journal file, or a shared PostgreSQL database.

* Default (one machine): ``journal.log`` in the sweep folder, Optuna's
  ``JournalStorage(JournalFileBackend(path))``, an append-only log that several local processes
  share through :class:`FlockLock` (released by the kernel when a holder dies). Trials of dead workers are found by their recorded host and pid
  (:mod:`denseflow.sweeps.study`).
* ``postgresql://user@host:port/database`` (several machines): Optuna's ``RDBStorage`` with
  heartbeats; a trial whose worker stops beating for ``grace_period`` seconds is failed and
  re-queued by ``RetryHeartbeatStaleTrialCallback``. Only ``sweep create`` creates the tables,
  workers open the storage with ``skip_table_creation=True``, so workers starting together on an
  empty database cannot race on the schema.

Passwords: a URL is stored in the sweep folder without its password; give it again with
``--storage`` or the ``DENSEFLOW_SWEEP_STORAGE`` environment variable, or let the PostgreSQL
client read ``PGPASSWORD`` / ``~/.pgpass``.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

__all__ = [
    "FlockLock",
    "JOURNAL",
    "JOURNAL_FILE",
    "StorageUnavailableError",
    "check_storage_url",
    "redact",
    "open_storage",
    "import_optuna",
]

JOURNAL = "journal"
JOURNAL_FILE = "journal.log"
_RDB_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg", "sqlite")


class StorageUnavailableError(ConnectionError):
    """The study's database cannot be reached (or holds no sweep tables)."""


def import_optuna():
    """Import Optuna, or say how to install it."""
    try:
        import optuna
    except ImportError:
        raise ImportError("Sweeps run on Optuna, which is not installed. Install it with "
                          "pip install 'denseflow[sweep]' (and 'denseflow[postgres]' for PostgreSQL).") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=".*Heartbeat of storage is supposed to be used with Study.optimize.*")
    return optuna


def check_storage_url(storage) -> str:
    """Return ``'journal'`` or a normalized database URL; ValueError for anything else.

    ``postgresql://`` gets an installed driver (psycopg 3, else psycopg2) spelled out, since
    SQLAlchemy 2.1 defaults to psycopg 3.
    """
    if storage is None or storage == JOURNAL:
        return JOURNAL
    expected = ("a postgresql://user@host:port/database URL (or nothing, for the journal file in the "
                "sweep folder)")
    if not isinstance(storage, str) or "://" not in storage:
        raise ValueError(f"The 'storage' parameter of the sweep must be {expected}. Got {storage!r} instead.")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(storage)
    except (ArgumentError, ValueError) as err:
        raise ValueError(f"The 'storage' parameter of the sweep must be {expected}. Got {redact(storage)!r} "
                         f"instead ({err}).") from None
    if url.drivername not in _RDB_SCHEMES:
        raise ValueError(f"The 'storage' parameter of the sweep must be {expected}. Got {redact(storage)!r} "
                         f"instead (unsupported scheme {url.drivername!r}).")
    if url.drivername == "sqlite":
        if not url.database:
            raise ValueError("A sqlite:/// storage URL needs a file path (an in-memory database cannot be shared).")
        return url.render_as_string(hide_password=False)
    if not url.host or not url.database:
        raise ValueError(f"The PostgreSQL URL {redact(storage)!r} must name the host and the database: "
                         f"postgresql://user@host:port/database.")
    if url.drivername in ("postgresql", "postgres"):
        if importlib.util.find_spec("psycopg") is not None:
            url = url.set(drivername="postgresql+psycopg")
        elif importlib.util.find_spec("psycopg2") is not None:
            url = url.set(drivername="postgresql+psycopg2")
        else:
            raise ImportError("A PostgreSQL storage needs a driver: pip install 'denseflow[postgres]' "
                              "(psycopg2-binary).")
    return url.render_as_string(hide_password=False)


def redact(storage: str) -> str:
    """The URL without its password (what is stored and printed)."""
    if storage in (None, JOURNAL) or "://" not in str(storage):
        return storage
    try:
        from sqlalchemy.engine import make_url

        url = make_url(storage)
        return url.set(password=None).render_as_string(hide_password=False) if url.password else str(storage)
    except Exception:
        return "<storage URL>"


def _fcntl():
    try:
        import fcntl
    except ImportError:
        return None
    return fcntl


class FlockLock:
    """The journal's inter-process lock as ``flock(2)`` on ``journal.log.flock``.

    The kernel releases the lock when its holder dies, so a worker killed while appending to the
    journal (SIGKILL, out of memory) never leaves a stale lock behind for the others to wait out,
    unlike a lock *file* (Optuna's default). Same interface as Optuna's journal locks
    (``acquire``/``release``); for one machine's file system, as the journal backend is.
    """

    def __init__(self, journal_path: str):
        self._path = journal_path + ".flock"
        self._fd = None

    def acquire(self) -> bool:
        fcntl = _fcntl()
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _fcntl().flock(fd, _fcntl().LOCK_UN)
            finally:
                os.close(fd)


def _retry_callback(optuna):
    storages = optuna.storages
    cls = getattr(storages, "RetryHeartbeatStaleTrialCallback", None) or storages.RetryFailedTrialCallback
    return cls(max_retry=None)


def _rdb_storage(optuna, url: str, *, create: bool, heartbeat_interval, grace_period):
    import inspect

    from sqlalchemy.exc import SQLAlchemyError

    kwargs = dict(skip_table_creation=not create)
    engine_kwargs = {"pool_pre_ping": True}
    if not url.startswith("sqlite"):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    if heartbeat_interval is not None:
        kwargs["heartbeat_interval"] = int(heartbeat_interval)
        kwargs["grace_period"] = int(grace_period)
        params = inspect.signature(optuna.storages.RDBStorage).parameters
        # Optuna >= 4.9 renamed failed_trial_callback to heartbeat_stale_trial_callback.
        key = "heartbeat_stale_trial_callback"
        if key not in params:
            key = "failed_trial_callback"
        kwargs[key] = _retry_callback(optuna)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **kwargs)
    except (SQLAlchemyError, optuna.exceptions.StorageInternalError) as err:
        cause = err.__cause__ if isinstance(err, optuna.exceptions.StorageInternalError) and err.__cause__ else err
        reason = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
        if not create and ("does not exist" in reason or "no such table" in reason):
            raise StorageUnavailableError(
                f"The database {redact(url)} holds no sweep: run `denseflow sweep create` first.") from None
        raise StorageUnavailableError(
            f"Could not open the database {redact(url)}: {reason}. Check that the server is running and "
            f"reachable, and the user, password and database name.") from None


def open_storage(storage: str, directory, *, create: bool = False, heartbeat_interval=None, grace_period=None):
    """Open the study storage.

    Parameters
    ----------
    storage : str
        ``'journal'`` or a URL checked by :func:`check_storage_url`.
    directory : path
        The sweep folder (holds the journal file).
    create : bool
        ``sweep create``: allow making the journal file / the database tables.
    heartbeat_interval, grace_period : int, optional
        Database storages: enable Optuna's heartbeat (workers).

    Raises
    ------
    FileNotFoundError
        No journal in ``directory`` (and not creating).
    StorageUnavailableError
        The database cannot be reached, or holds no sweep tables.
    """
    optuna = import_optuna()
    if storage == JOURNAL:
        from optuna.storages.journal import (
            JournalFileBackend,
            JournalFileSymlinkLock,
            JournalStorage,
        )

        path = Path(directory) / JOURNAL_FILE
        if not create and not path.exists():
            raise FileNotFoundError(f"There is no sweep in {directory} (no {JOURNAL_FILE}). Start one with "
                                    f"`denseflow sweep create` (or the one-shot `denseflow sweep ... --out DIR`).")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        if _fcntl() is not None:
            lock = FlockLock(str(path))
        else:  # no flock (Windows): Optuna's lock file, broken 10 s after a holder died
            lock = JournalFileSymlinkLock(str(path), grace_period=10)
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    return _rdb_storage(optuna, storage, create=create, heartbeat_interval=heartbeat_interval,
                        grace_period=grace_period)
