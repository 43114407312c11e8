"""The container of model files and checkpoints: atomic writes, and ``.npz`` reading with checks.

A denseflow file is an ``.npz`` archive (written by :func:`numpy.savez`) holding numeric arrays and
one ``metadata`` entry: a JSON text with the format name, the format version, a SHA-256
digest of every array and (``metadata_sha256``) a SHA-256 of the canonical JSON of the rest of
the metadata. :func:`read_npz` refuses anything else with a :class:`ModelFileError` naming the
file and the problem: not a zip archive, truncated, a bad CRC, a zip member that is not a
``.npy`` array, an object (pickled) array, no or invalid metadata, a newer format version,
metadata edited after the save, arrays missing, unlisted or modified.
:mod:`denseflow.io` builds model files and checkpoints on top of it.

:func:`atomic_write` is the one way files are written (also used for plots and run folders):
temporary file in the same folder, flush, ``fsync``, :func:`os.replace`, ``fsync`` of the folder;
:func:`write_json` writes a JSON document through it (run folders, sweep files and reports).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["FORMAT_VERSION", "ModelFileError", "atomic_write", "write_json", "write_npz", "read_npz", "digest",
           "metadata_digest"]

#: The version of the file layout written by this denseflow; files of a higher version are refused.
FORMAT_VERSION = 1
_MODEL_FORMAT = "denseflow-model"
_CHECKPOINT_FORMAT = "denseflow-checkpoint"
_METADATA = "metadata"
_METADATA_DIGEST = "metadata_sha256"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


class ModelFileError(ValueError):
    """A model or checkpoint file cannot be used: its message names the file and what is wrong."""



# ---------------------------------------------------------------------------------------------
# atomic writes
# ---------------------------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows, or an unusual file system
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path):
    """Open a binary file that replaces ``path`` only when the block ends without error.

    The data go to a temporary file ``.<name>.<random>.tmp`` in the same folder (so that the
    rename cannot cross file systems), created with the usual permissions (0o666 less the
    umask); at the end of the block it is flushed, ``fsync``-ed and renamed over ``path`` with
    :func:`os.replace`, and the folder is ``fsync``-ed. On an exception the temporary file is
    removed and ``path`` is untouched; a process killed mid-write leaves ``path`` untouched too
    (and at worst a stale ``.tmp`` file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(p) as f:
    ...     _ = f.write(b"hello")
    >>> p.read_bytes()
    b'hello'
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot write {str(path)!r}: the folder {str(folder)!r} does not exist.")
    if path.is_dir():
        raise IsADirectoryError(f"Cannot write {str(path)!r}: it is a folder; give a file name such as model.npz.")
    tmp = folder / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def write_json(path, obj, *, indent: int | None = 2, default=None) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (:func:`atomic_write`), UTF-8, ending in a newline.

    The bytes are exactly ``(json.dumps(obj, indent=indent, default=default) + "\\n").encode("utf-8")``.

    Parameters
    ----------
    path : str or Path
        The file to write; it is replaced only once the new one is complete.
    obj : JSON-able object
    indent : int or None, default=2
        Passed to :func:`json.dumps` (``None``: one line).
    default : callable, optional
        Passed to :func:`json.dumps`: turns objects JSON cannot encode into encodable ones
        (e.g. ``str``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
    >>> write_json(p, {"cost": 0.5, "iterations": [0, 100]}, indent=1)
    >>> p.read_text()
    '{\\n "cost": 0.5,\\n "iterations": [\\n  0,\\n  100\\n ]\\n}\\n'
    """
    data = (json.dumps(obj, indent=indent, default=default) + "\n").encode("utf-8")
    with atomic_write(path) as f:
        f.write(data)


def write_npz(path, metadata: dict, arrays: dict) -> None:
    """Write ``arrays`` and the JSON ``metadata`` (plus the arrays' digests) atomically to ``path``."""
    for name, arr in arrays.items():
        if arr.dtype == object:
            raise TypeError(f"Array {name!r} has dtype object; model files hold numeric arrays only.")
    metadata = dict(metadata)
    metadata.pop(_METADATA_DIGEST, None)
    metadata["sha256"] = {name: digest(arr) for name, arr in arrays.items()}
    metadata[_METADATA_DIGEST] = metadata_digest(metadata)
    text = _canonical_json(metadata)
    with atomic_write(path) as f:
        np.savez(f, **{_METADATA: np.array(text)}, **arrays)


def _canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def metadata_digest(metadata: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, ASCII) of ``metadata`` less its own digest.

    Floats survive a JSON round trip exactly (``repr``), so the digest of the metadata read back
    equals the digest written.
    """
    rest = {k: v for k, v in metadata.items() if k != _METADATA_DIGEST}
    return hashlib.sha256(_canonical_json(rest).encode("ascii")).hexdigest()


def digest(arr: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and C-order bytes."""
    h = hashlib.sha256()
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# reading and checking
# ---------------------------------------------------------------------------------------------


def bad_file(path, what: str) -> ModelFileError:
    return ModelFileError(f"{str(path)!r}: {what}")


def read_npz(path, expected_format: str):
    """Read and check a file written by :func:`write_npz`; returns ``(Path, metadata, {name: array})``.

    Raises FileNotFoundError for a missing file, TypeError for a path that is not one, and
    :class:`ModelFileError` for everything wrong with the file itself.
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or pathlib.Path); got {type(path).__name__} {path!r}.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such model file: {str(path)!r}.")
    if path.is_dir():
        raise bad_file(path, "is a folder, not a model file; pass the .npz file inside it (e.g. model.npz).")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise bad_file(path, "is empty (0 bytes); the save that wrote it did not finish.")
    if head.startswith(_NPY_MAGIC):
        raise bad_file(path, "is a single NumPy .npy array, not a denseflow .npz file written by denseflow.save.")
    if not head.startswith(_ZIP_MAGIC):
        raise bad_file(path, f"is not a denseflow .npz file (it starts with {head[:4]!r}, not a zip archive).")
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            members = npz.zip.namelist()
            odd = sorted(n for n in members if not n.endswith(".npy"))
            if odd:
                raise bad_file(path, f"holds zip member(s) {odd[:10]} that are not .npy arrays; a denseflow "
                                 f"file holds only .npy arrays (it was tampered with or not written by denseflow).")
            if len(set(members)) != len(members):
                dup = sorted({n for n in members if members.count(n) > 1})
                raise bad_file(path, f"holds the zip member(s) {dup[:10]} more than once; it was tampered with.")
            names = list(npz.files)
            if _METADATA not in names:
                raise bad_file(path, f"has no {_METADATA!r} entry, so it was not written by denseflow "
                                 f"(entries: {sorted(names)[:10]}).")
            raw = npz[_METADATA]
            for name in names:
                if name != _METADATA:
                    arrays[name] = npz[name]
            for name, value in [(_METADATA, raw), *arrays.items()]:
                if not isinstance(value, np.ndarray):
                    raise bad_file(path, f"its member {name!r} is not a .npy array (got {type(value).__name__}); "
                                     f"it was tampered with or not written by denseflow.")
    except ModelFileError:
        raise
    except zipfile.BadZipFile as exc:
        raise bad_file(path, f"is truncated or corrupted ({exc}).") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise bad_file(path, "holds an object (pickled) array; denseflow never writes those and will "
                             "not unpickle them (allow_pickle=False).") from None
        raise bad_file(path, f"is corrupted: {exc}.") from None
    except (OSError, EOFError, KeyError, zlib.error) as exc:
        raise bad_file(path, f"is truncated or corrupted ({type(exc).__name__}: {exc}).") from None
    if raw.dtype.kind != "U" or raw.shape != ():
        raise bad_file(path, f"its {_METADATA!r} entry must be a JSON text; got an array of dtype {raw.dtype} "
                         f"and shape {raw.shape}.")
    try:
        meta = json.loads(str(raw[()]))
    except json.JSONDecodeError as exc:
        raise bad_file(path, f"its metadata is not valid JSON ({exc}); the file was edited or corrupted.") from None
    if not isinstance(meta, dict):
        raise bad_file(path, "its metadata must be a JSON object.")
    fmt = meta.get("format")
    if fmt != expected_format:
        if fmt == _CHECKPOINT_FORMAT:
            raise bad_file(path, "is a training checkpoint, not a model; read it with "
                             "denseflow.io.load_checkpoint or resume it with 'denseflow train --resume RUN_DIR'.")
        if fmt == _MODEL_FORMAT:
            raise bad_file(path, "is a model file, not a training checkpoint; read it with denseflow.load.")
        raise bad_file(path, f"is not a denseflow file (format {fmt!r}, expected {expected_format!r}).")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise bad_file(path, f"has an invalid format_version {version!r} (expected an int >= 1).")
    if version > FORMAT_VERSION:
        raise bad_file(path, f"was written by a newer denseflow (file format version {version}; this denseflow "
                         f"reads up to version {FORMAT_VERSION}). Upgrade denseflow: pip install -U denseflow.")
    meta_digest = meta.get(_METADATA_DIGEST)
    if not isinstance(meta_digest, str):
        raise bad_file(path, f"its metadata lacks its {_METADATA_DIGEST!r} digest; it was not written by this "
                         f"denseflow or was edited.")
    if metadata_digest(meta) != meta_digest:
        raise bad_file(path, "its metadata does not match its SHA-256 digest: the metadata was modified after the "
                         "file was saved (tampered or corrupted).")
    digests = meta.get("sha256")
    if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
        raise bad_file(path, "its metadata lacks the 'sha256' digests of the arrays.")
    missing = sorted(set(digests) - set(arrays))
    unexpected = sorted(set(arrays) - set(digests))
    if missing:
        raise bad_file(path, f"is missing the array(s) {missing} listed in its metadata.")
    if unexpected:
        raise bad_file(path, f"holds array(s) {unexpected} that its metadata does not list; it was tampered with.")
    for name, arr in arrays.items():
        if arr.dtype.kind not in "fiub":
            raise bad_file(path, f"array {name!r} has dtype {arr.dtype}; only numeric arrays are allowed.")
        if digest(arr) != digests[name]:
            raise bad_file(path, f"array {name!r} does not match its SHA-256 digest: the file was modified "
                             f"after it was saved (tampered or corrupted).")
    return path, meta, arrays
