"""The container of model files and checkpoints: atomic writes, and ``.npz`` reading with checks.

A denseflow file is an ``.npz`` archive (written by :func:`numpy.savez`: *stored*, uncompressed
members) holding numeric ``.npy`` arrays and one ``metadata`` entry: a JSON text with the format
name, the format version, a table of the arrays (``arrays``: dtype, shape and SHA-256 digest of
each) and (``metadata_sha256``) a SHA-256 of the canonical JSON of the rest of the metadata.

:func:`read_npz` decides from the zip directory and the ``.npy`` headers, *before* any array data
is read, whether the file can be what :func:`write_npz` writes: every member a stored ``.npy``
whose size is exactly its header plus its shape × item size, no encrypted, compressed or
duplicated member, the members together no larger than the file; the metadata at most
:data:`MAX_METADATA_BYTES` and nested at most :data:`MAX_JSON_DEPTH` deep; then every member
listed in the metadata with the dtype and shape the metadata gives. So a crafted file costs at
most its own size in memory and time, and anything else — not a zip archive, truncated, a bad
CRC, an object (pickled) array, a newer format version, metadata or arrays that disagree with
their digests — is a :class:`ModelFileError` naming the file and the problem.

What the digests detect: damage (a truncated or corrupted file, an edit that did not update
them). They are unkeyed, so whoever edits a file can recompute them. Set the environment
variable ``DENSEFLOW_MODEL_KEY`` to sign files: :func:`write_npz` then adds an HMAC-SHA256 of the
metadata digest (which covers every array's digest) under that key, and :func:`read_npz` refuses
files that are unsigned or whose signature does not match. Without the variable, signatures are
not checked.

:func:`atomic_write` is the one way files are written (also used for plots and run folders):
temporary file in the same folder, flush, ``fsync``, :func:`os.replace`, ``fsync`` of the folder;
:func:`write_json` writes a JSON document through it (run folders, sweep files and reports).
The temporary file's name carries its writer (process id, start time and host), and the first
write of a process into a folder removes the temporaries that dead writers of this host left
there (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import math
import os
import re
import socket
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["FORMAT_VERSION", "MODEL_KEY_ENV", "MAX_METADATA_BYTES", "MAX_JSON_DEPTH", "ModelFileError",
           "atomic_write", "write_json", "write_npz", "read_npz", "digest", "metadata_digest", "signing_key",
           "remove_stale_temporaries", "process_alive", "process_start_time"]

#: The version of the file layout written by this denseflow; files of a higher version are refused.
#: Version 2 keeps the cost history in arrays (version 1: in the JSON metadata; still read).
FORMAT_VERSION = 2
#: The environment variable holding the key that signs (HMAC-SHA256) and verifies files.
MODEL_KEY_ENV = "DENSEFLOW_MODEL_KEY"
#: The largest ``metadata`` member read (bytes of its ``.npy``; 4 bytes a character).
MAX_METADATA_BYTES = 64 * 2**20
#: The deepest nesting of lists and objects accepted in the metadata.
MAX_JSON_DEPTH = 32
_MODEL_FORMAT = "denseflow-model"
_CHECKPOINT_FORMAT = "denseflow-checkpoint"
_METADATA = "metadata"
_METADATA_DIGEST = "metadata_sha256"
_SIGNATURE = "hmac_sha256"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"
_MAX_MEMBERS = 4096
_MAX_HEADER = 10_000  # numpy's own bound on a .npy header
_MEMBER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.npy")
_ARRAY_KINDS = "fiub"
#: What zipfile and the .npy reader may raise on bytes that are not what they claim to be.
_CONTAINER_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError,
                     IndexError, OverflowError, RuntimeError, NotImplementedError, MemoryError, zlib.error,
                     UnicodeError, TypeError)


class ModelFileError(ValueError):
    """A model or checkpoint file cannot be used: its message names the file and what is wrong."""


# ---------------------------------------------------------------------------------------------
# writers and their liveness (temporary files of dead writers are removed)
# ---------------------------------------------------------------------------------------------


def process_start_time(pid: int):
    """``(state, start time in clock ticks since boot)`` of ``pid`` from ``/proc`` (Linux), or None.

    The start time tells a process apart from a newer one that reuses its pid.
    """
    try:
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError, OverflowError):
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def process_alive(pid: int, start=None) -> bool:
    """Whether process ``pid`` of this host runs (not a zombie, and, when ``start`` is given, not a
    newer process on that pid).

    Examples
    --------
    >>> process_alive(os.getpid())
    True
    """
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except (OverflowError, ValueError, TypeError):
        return False
    info = process_start_time(int(pid))
    if info is None:
        return True  # no /proc: trust kill(pid, 0)
    state, started = info
    if state in ("Z", "X"):
        return False
    return start is None or started == int(start)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:32] or "host"


def _writer_tag() -> str:
    """``PID-START@HOST`` of this process, put into the names of its temporary files."""
    info = process_start_time(os.getpid())
    return f"{os.getpid()}-{0 if info is None else info[1]}@{_host()}"


_TEMP_TAIL = re.compile(r"(\d+)-(\d+)@([A-Za-z0-9._-]+)\.[0-9a-f]{8}\.tmp")
_cleaned_folders: set = set()


def _temp_stem(name: str) -> str:
    # keep the temporary's name within NAME_MAX (255) for long target names
    return name if len(name) <= 120 else f"{name[:100]}~{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def remove_stale_temporaries(folder) -> list:
    """Remove the temporary files (``.NAME.PID-START@HOST.XXXXXXXX.tmp``) that writers of this host
    which are no longer running left in ``folder`` (a save killed between writing and renaming).

    Temporaries of live writers, of other hosts (a shared folder) and files of any other name are
    left alone. Returns the paths removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> stale = d / f".model.npz.999999999-1@{_host()}.0123abcd.tmp"
    >>> _ = stale.write_bytes(b"half a file")
    >>> [p.name == stale.name for p in remove_stale_temporaries(d)], stale.exists()
    ([True], False)
    """
    removed = []
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        match = _TEMP_TAIL.search(name)
        if match is None or match.end() != len(name) or match.group(3) != host:
            continue
        if process_alive(int(match.group(1)), int(match.group(2)) or None):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


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

    The data go to a temporary file ``.<name>.<pid>-<start>@<host>.<random>.tmp`` in the same
    folder (so that the rename cannot cross file systems), created with the usual permissions
    (0o666 less the umask); at the end of the block it is flushed, ``fsync``-ed and renamed over
    ``path`` with :func:`os.replace`, and the folder is ``fsync``-ed. On an exception the
    temporary file is removed and ``path`` is untouched; a process killed mid-write leaves
    ``path`` untouched too, and its temporary file is removed by the next process that writes
    into that folder (:func:`remove_stale_temporaries`).

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
    key = os.path.realpath(folder)
    if key not in _cleaned_folders:  # once per process and folder: the cost of a write stays O(1)
        _cleaned_folders.add(key)
        remove_stale_temporaries(folder)
    tmp = folder / f".{_temp_stem(path.name)}.{_writer_tag()}.{uuid.uuid4().hex[:8]}.tmp"
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


# ---------------------------------------------------------------------------------------------
# digests and signatures
# ---------------------------------------------------------------------------------------------


def _canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def metadata_digest(metadata: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, ASCII) of ``metadata`` less its own
    digest and its signature.

    Floats survive a JSON round trip exactly (``repr``), so the digest of the metadata read back
    equals the digest written.
    """
    rest = {k: v for k, v in metadata.items() if k not in (_METADATA_DIGEST, _SIGNATURE)}
    return hashlib.sha256(_canonical_json(rest).encode("ascii")).hexdigest()


def digest(arr: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and C-order bytes."""
    h = hashlib.sha256()
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def signing_key() -> bytes | None:
    """The key of ``$DENSEFLOW_MODEL_KEY`` (UTF-8 bytes), or None when it is unset or empty."""
    key = os.environ.get(MODEL_KEY_ENV)
    return key.encode("utf-8") if key else None


def _signature(key: bytes, meta_digest: str) -> str:
    return hmac.new(key, b"denseflow-file:" + meta_digest.encode("ascii"), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def write_npz(path, metadata: dict, arrays: dict) -> None:
    """Write ``arrays`` and the JSON ``metadata`` (plus the arrays' table and digests, and a
    signature when ``$DENSEFLOW_MODEL_KEY`` is set) atomically to ``path``, as stored members."""
    for name, arr in arrays.items():
        if arr.dtype == object:
            raise TypeError(f"Array {name!r} has dtype object; model files hold numeric arrays only.")
        if not _MEMBER_NAME.fullmatch(f"{name}.npy") or name == _METADATA:
            raise ValueError(f"Array name {name!r} is not allowed in a model file.")
    metadata = {k: v for k, v in metadata.items() if k not in (_METADATA_DIGEST, _SIGNATURE, "sha256")}
    metadata["arrays"] = {name: {"dtype": arr.dtype.str, "shape": [int(n) for n in arr.shape],
                                 "sha256": digest(arr)} for name, arr in arrays.items()}
    metadata[_METADATA_DIGEST] = metadata_digest(metadata)
    key = signing_key()
    if key is not None:
        metadata[_SIGNATURE] = _signature(key, metadata[_METADATA_DIGEST])
    text = _canonical_json(metadata)
    folder = Path(path).parent
    remove_stale_temporaries(folder if str(folder) else ".")  # a killed save's large temporary goes now
    with atomic_write(path) as f:
        np.savez(f, **{_METADATA: np.array(text)}, **arrays)


# ---------------------------------------------------------------------------------------------
# reading and checking
# ---------------------------------------------------------------------------------------------


def bad_file(path, what: str) -> ModelFileError:
    return ModelFileError(f"{str(path)!r}: {what}")


def _depth(obj) -> int:
    """How deeply lists and dicts nest in ``obj`` (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in value if isinstance(v, (list, dict)))
    return deepest


def _npy_header(head: bytes):
    """``(shape, fortran_order, dtype, data offset)`` of a ``.npy`` member from its first bytes.

    Raises ValueError for anything numpy's reader would not accept (at most ``_MAX_HEADER`` bytes
    are parsed, whatever the member claims).
    """
    fp = io.BytesIO(head)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, max_header_size=_MAX_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, max_header_size=_MAX_HEADER)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except Exception as exc:  # noqa: BLE001 - any failure to parse these bytes (tokenize, literal_eval, dtype)
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"invalid shape {shape!r}")
    return shape, bool(fortran), dtype, fp.tell()


def _short(exc) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


def _directory(path, zf, size):
    """The members of the archive, checked from its central directory alone."""
    infos = zf.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise bad_file(path, f"holds {len(infos)} zip members; a denseflow file holds at most {_MAX_MEMBERS}.")
    names = [i.filename for i in infos]
    odd = sorted(n for n in names if not n.endswith(".npy"))
    if odd:
        raise bad_file(path, f"holds zip member(s) {odd[:10]} that are not .npy arrays; a denseflow "
                             f"file holds only .npy arrays (it was tampered with or not written by denseflow).")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise bad_file(path, f"holds the zip member(s) {dup[:10]} more than once; it was tampered with.")
    bad_names = sorted(n for n in names if not _MEMBER_NAME.fullmatch(n))
    if bad_names:
        raise bad_file(path, f"holds zip member(s) {[n[:40] for n in bad_names[:5]]} whose names denseflow never "
                             f"writes; it was tampered with or not written by denseflow.")
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x41:
            raise bad_file(path, f"its member {name!r} is encrypted; denseflow never writes encrypted members.")
        if info.compress_type != zipfile.ZIP_STORED:
            raise bad_file(path, f"its member {name!r} is compressed (zip method {info.compress_type}); denseflow "
                                 f"writes stored (uncompressed) members only, so it is not a file denseflow wrote "
                                 f"(refused before decompressing anything).")
        if info.compress_size != info.file_size:
            raise bad_file(path, f"its stored member {name!r} claims {info.file_size} bytes but occupies "
                                 f"{info.compress_size}; the zip directory is corrupted or was tampered with.")
        if info.header_offset < 0 or info.header_offset + info.file_size > size:
            raise bad_file(path, f"its member {name!r} extends beyond the end of the file ({size} bytes); "
                                 f"the file is truncated or corrupted.")
        total += info.file_size
    if total > size:
        raise bad_file(path, f"its members claim {total} bytes in a file of {size} bytes (overlapping members); "
                             f"it was tampered with.")
    members = {n[:-4]: i for n, i in zip(names, infos)}
    if _METADATA not in members:
        raise bad_file(path, f"has no {_METADATA!r} entry, so it was not written by denseflow "
                             f"(entries: {sorted(members)[:10]}).")
    if members[_METADATA].file_size > MAX_METADATA_BYTES:
        raise bad_file(path, f"its metadata entry holds {members[_METADATA].file_size} bytes, more than the "
                             f"{MAX_METADATA_BYTES} a denseflow file may hold; refused before reading it.")
    return members


def _headers(path, zf, members):
    """``{name: (shape, fortran, dtype, offset)}`` from each member's ``.npy`` header only."""
    headers = {}
    for name, info in members.items():
        with zf.open(info) as f:
            head = f.read(min(info.file_size, 16 + _MAX_HEADER))
        if not head.startswith(_NPY_MAGIC):
            raise bad_file(path, f"its member {name!r} is not a .npy array (no .npy header); it was tampered "
                                 f"with or not written by denseflow.")
        try:
            shape, fortran, dtype, offset = _npy_header(head)
        except ValueError as exc:
            raise bad_file(path, f"the .npy header of its member {name!r} is corrupted ({str(exc)[:160]}).") from None
        if dtype.hasobject:
            raise bad_file(path, "holds an object (pickled) array; denseflow never writes those and will "
                                 "not unpickle them (allow_pickle=False).")
        if dtype.fields is not None or dtype.subdtype is not None:
            raise bad_file(path, f"its member {name!r} has the structured dtype {dtype}; only plain numeric arrays "
                                 f"are allowed.")
        if name == _METADATA:
            if dtype.kind != "U" or shape != ():
                raise bad_file(path, f"its {_METADATA!r} entry must be a JSON text; got an array of dtype {dtype} "
                                     f"and shape {shape}.")
        elif dtype.kind not in _ARRAY_KINDS:
            raise bad_file(path, f"array {name!r} has dtype {dtype}; only numeric arrays are allowed.")
        nbytes = math.prod(shape) * dtype.itemsize
        if offset + nbytes != info.file_size:
            raise bad_file(path, f"its member {name!r} declares shape {shape} of {dtype} ({nbytes} bytes) but holds "
                                 f"{info.file_size - offset} bytes of data; the file is truncated, corrupted or "
                                 f"was tampered with (refused before reading it).")
        headers[name] = (shape, fortran, dtype, offset)
    return headers


def _array(zf, info, header):
    shape, fortran, dtype, offset = header
    data = zf.read(info)  # checks the CRC
    count = math.prod(shape)
    if count == 0:
        return np.empty(shape, dtype)
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return arr.reshape(shape, order="F" if fortran else "C")


def _parse_metadata(path, zf, info, header):
    raw = _array(zf, info, header)
    try:
        text = str(raw.reshape(())[()])
    except (ValueError, UnicodeError, OverflowError) as exc:
        raise bad_file(path, f"its metadata is not a valid text ({_short(exc)}).") from None
    try:
        meta = json.loads(text)
    except RecursionError:
        raise bad_file(path, f"its metadata nests deeper than {MAX_JSON_DEPTH} levels; it was tampered with.") \
            from None
    except ValueError as exc:
        raise bad_file(path, f"its metadata is not valid JSON ({str(exc)[:120]}); the file was edited or "
                             f"corrupted.") from None
    if not isinstance(meta, dict):
        raise bad_file(path, "its metadata must be a JSON object.")
    if _depth(meta) > MAX_JSON_DEPTH:
        raise bad_file(path, f"its metadata nests deeper than {MAX_JSON_DEPTH} levels; it was tampered with.")
    return meta


def _check_format(path, meta, expected_format):
    fmt = meta.get("format")
    if fmt != expected_format:
        if fmt == _CHECKPOINT_FORMAT:
            raise bad_file(path, "is a training checkpoint, not a model; read it with "
                                 "denseflow.io.load_checkpoint or resume it with 'denseflow train --resume RUN_DIR'.")
        if fmt == _MODEL_FORMAT:
            raise bad_file(path, "is a model file, not a training checkpoint; read it with denseflow.load.")
        raise bad_file(path, f"is not a denseflow file (format {str(fmt)[:40]!r}, expected {expected_format!r}).")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise bad_file(path, f"has an invalid format_version {str(version)[:40]!r} (expected an int >= 1).")
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
    key = signing_key()
    if key is not None:
        signature = meta.get(_SIGNATURE)
        if not isinstance(signature, str):
            raise bad_file(path, f"is not signed, and {MODEL_KEY_ENV} is set, so only files signed with that key "
                                 f"are loaded. Save it again with the key set, or unset {MODEL_KEY_ENV} to load it "
                                 f"unverified.")
        if not hmac.compare_digest(signature, _signature(key, meta_digest)):
            raise bad_file(path, f"its signature does not match {MODEL_KEY_ENV}: the file was edited after it was "
                                 f"signed, or it was signed with another key.")
    return version


def _array_table(path, meta, version):
    """``{name: (dtype str or None, shape or None, sha256)}`` from the metadata."""
    if version == 1:
        digests = meta.get("sha256")
        if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
            raise bad_file(path, "its metadata lacks the 'sha256' digests of the arrays.")
        return {name: (None, None, d) for name, d in digests.items()}
    table = meta.get("arrays")
    if not isinstance(table, dict):
        raise bad_file(path, "its metadata lacks the 'arrays' table (dtype, shape and digest of each array).")
    out = {}
    for name, entry in table.items():
        ok = (isinstance(entry, dict) and isinstance(entry.get("dtype"), str) and isinstance(entry.get("sha256"), str)
              and isinstance(entry.get("shape"), list)
              and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in entry["shape"]))
        if not ok:
            raise bad_file(path, f"its metadata's entry for the array {str(name)[:40]!r} must be "
                                 f"{{'dtype': str, 'shape': [ints >= 0], 'sha256': str}}; got {str(entry)[:80]}.")
        out[name] = (entry["dtype"], tuple(entry["shape"]), entry["sha256"])
    return out


def read_npz(path, expected_format: str):
    """Read and check a file written by :func:`write_npz`; returns ``(Path, metadata, {name: array})``.

    Raises FileNotFoundError for a missing file, TypeError for a path that is not one, and
    :class:`ModelFileError` for everything wrong with the file itself. The zip directory and
    every ``.npy`` header are checked before any array data is read.
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or pathlib.Path); got {type(path).__name__} {path!r}.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such model file: {str(path)!r}.")
    if path.is_dir():
        raise bad_file(path, "is a folder, not a model file; pass the .npz file inside it (e.g. model.npz).")
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(8)
        if not head:
            raise bad_file(path, "is empty (0 bytes); the save that wrote it did not finish.")
        if head.startswith(_NPY_MAGIC):
            raise bad_file(path, "is a single NumPy .npy array, not a denseflow .npz file written by denseflow.save.")
        if not head.startswith(_ZIP_MAGIC):
            raise bad_file(path, f"is not a denseflow .npz file (it starts with {head[:4]!r}, not a zip archive).")
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as zf:
                members = _directory(path, zf, size)
                headers = _headers(path, zf, members)
                meta = _parse_metadata(path, zf, members[_METADATA], headers[_METADATA])
                version = _check_format(path, meta, expected_format)
                table = _array_table(path, meta, version)
                stored = sorted(set(members) - {_METADATA})
                missing = sorted(set(table) - set(stored))
                unexpected = sorted(set(stored) - set(table))
                if missing:
                    raise bad_file(path, f"is missing the array(s) {missing[:10]} listed in its metadata.")
                if unexpected:
                    raise bad_file(path, f"holds array(s) {unexpected[:10]} that its metadata does not list; it was "
                                         f"tampered with.")
                for name in stored:
                    dtype, shape, _ = table[name]
                    h_shape, _, h_dtype, _ = headers[name]
                    if dtype is not None and (h_dtype.str != dtype or h_shape != shape):
                        raise bad_file(path, f"array {name!r} is stored as {h_dtype.str} {h_shape} but its metadata "
                                             f"lists {dtype} {shape}; it was tampered with (refused before reading "
                                             f"it).")
                arrays = {name: _array(zf, members[name], headers[name]) for name in stored}
        except ModelFileError:
            raise
        except _CONTAINER_ERRORS as exc:
            raise bad_file(path, f"is truncated or corrupted ({_short(exc)}).") from None
    for name, arr in arrays.items():
        if digest(arr) != table[name][2]:
            raise bad_file(path, f"array {name!r} does not match its SHA-256 digest: the file was modified "
                                 f"after it was saved (tampered or corrupted).")
    return path, meta, arrays
