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
import re
import sys
import warnings
from pathlib import Path

__all__ = [
    "FlockLock",
    "JOURNAL",
    "JOURNAL_FILE",
    "StorageUnavailableError",
    "check_storage_url",
    "redact",
    "repair_journal",
    "scrub",
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
    """The URL without its password (what is stored and printed).

    The password is dropped from the user-info part and from a ``?password=`` query parameter;
    the result is rebuilt with :meth:`sqlalchemy.engine.URL.create` (``URL.set(password=None)``
    would keep it: ``set`` ignores ``None`` values). A text that is not a parseable URL is
    replaced as a whole, since a password may hide anywhere in it.

    Examples
    --------
    >>> redact("postgresql://me:S3cr3t@db.example:5432/sweeps")
    'postgresql://me@db.example:5432/sweeps'
    >>> redact("postgresql://me@db/sweeps?password=S3cr3t&sslmode=require")
    'postgresql://me@db/sweeps?sslmode=require'
    >>> redact("journal")
    'journal'
    """
    if storage in (None, JOURNAL) or "://" not in str(storage):
        return storage
    try:
        from sqlalchemy.engine import URL, make_url

        url = make_url(storage)
        query = {k: v for k, v in url.query.items() if k.lower() != "password"}
        clean = URL.create(url.drivername, username=url.username, password=None, host=url.host, port=url.port,
                           database=url.database, query=query)
        return clean.render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 - whatever it is, it must not be shown
        return "<storage URL>"


#: ``scheme://user:password@`` anywhere in a text: the password part goes.
_USERINFO_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):[^\s@/]*@")


def _passwords(storage) -> list[str]:
    """The password(s) a storage URL carries (user info, ``?password=``), raw and as written."""
    if not isinstance(storage, str) or "://" not in storage:
        return []
    found = []
    try:
        from sqlalchemy.engine import make_url

        url = make_url(storage)
        found.append(url.password)
        value = url.query.get("password")
        found.extend(value if isinstance(value, tuple) else [value])
    except Exception:  # noqa: BLE001 - an unparseable URL: its user info, read by hand
        pass
    userinfo = storage.split("://", 1)[1].rsplit("@", 1)
    if len(userinfo) == 2 and ":" in userinfo[0]:
        found.append(userinfo[0].split(":", 1)[1])
    from urllib.parse import quote, quote_plus

    words = set()
    for p in found:
        if p:
            words.update({str(p), quote(str(p), safe=""), quote_plus(str(p))})
    return sorted(words, key=len, reverse=True)


def scrub(text: str, *storages) -> str:
    """``text`` with every password of ``storages`` (URLs) replaced by ``***``, and each full URL
    by its :func:`redact` form: for messages that may quote a database error.

    Examples
    --------
    >>> scrub("could not connect to postgresql://me:S3cr3t@db/x (S3cr3t rejected)", "postgresql://me:S3cr3t@db/x")
    'could not connect to postgresql://me@db/x (*** rejected)'
    """
    text = _USERINFO_PASSWORD.sub(r"\1@", str(text))
    for storage in storages:
        if not isinstance(storage, str) or "://" not in storage:
            continue
        text = text.replace(storage, str(redact(storage)))
        for word in _passwords(storage):
            text = text.replace(word, "***")
    return text


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


_TAIL_BYTES = 4 * 2**20  # a torn journal line is repaired when it lies within the last 4 MiB


def repair_journal(path, lock=None) -> int:
    r"""Cut a torn last line off the journal file ``path``; returns the number of bytes removed.

    A machine that lost power (or a process killed) in the middle of an append leaves the journal
    ending in part of a line, maybe followed by zeros; Optuna would then fail to read the next
    line appended after it. Every complete line of the journal is written in one append under
    ``lock`` (the journal's inter-process lock, held here too), so lines that are not complete
    JSON can only be at the end: they are removed, back to the last complete line. A damaged line
    followed by good ones is not a torn tail; it is left for Optuna to report.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "journal.log")
    >>> _ = open(p, "wb").write(b'{"op_code": 0}\n{"op_code": 4, "stu')
    >>> repair_journal(p), open(p, "rb").read()
    (19, b'{"op_code": 0}\n')
    """
    import json

    if lock is not None:
        lock.acquire()
    try:
        try:
            f = open(path, "r+b")
        except OSError:  # missing, or read-only: Optuna skips a torn tail when it only reads
            return 0
        with f:
            size = os.fstat(f.fileno()).st_size
            start = max(0, size - _TAIL_BYTES)
            f.seek(start)
            tail = f.read()
            end = len(tail)
            for _ in range(tail.count(b"\n") + 1):
                if end == 0:
                    return 0  # no complete line at all: nothing to keep; left for Optuna to report
                begin = tail.rfind(b"\n", 0, end - 1) + 1
                line = tail[begin:end]
                if line.endswith(b"\n"):
                    try:
                        json.loads(line)
                        break
                    except ValueError:
                        pass
                if begin == 0 and start > 0:
                    return 0  # a bad line longer than the window: not a torn tail
                end = begin
            if end == 0:
                return 0  # no complete line at all: nothing to keep; left for Optuna to report
            removed = len(tail) - end
            if removed:
                f.truncate(start + end)
                f.flush()
                os.fsync(f.fileno())
            return removed
    finally:
        if lock is not None:
            lock.release()


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
        reason = scrub((str(getattr(cause, "orig", None) or cause).strip().splitlines() or [""])[0], url)
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
        if path.exists():
            removed = repair_journal(path, lock)
            if removed:
                print(f"denseflow sweep: {path} ended in a torn line (a write cut short by a crash or a power "
                      f"loss); removed its last {removed} bytes. The trial it recorded runs again if needed.",
                      file=sys.stderr, flush=True)
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    return _rdb_storage(optuna, storage, create=create, heartbeat_interval=heartbeat_interval,
                        grace_period=grace_period)
