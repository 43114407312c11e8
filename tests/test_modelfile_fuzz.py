"""The model-file loader's boundary, fuzzed (issue 14): whatever the bytes, ``denseflow.load`` and
``load_checkpoint`` end in a loaded model (checkpoint) or a :class:`ModelFileError`, never another
exception.

Hypothesis damages valid files the ways files get damaged or crafted: random byte flips,
truncations, whole members replaced or re-encoded (through zipfile, so the CRCs are right),
``.npy`` header bytes edited, and metadata values replaced by arbitrary JSON with every digest
recomputed (so the edit reaches the consistency checks behind them).
"""

import io
import json
import os
import zipfile

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from denseflow import load  # noqa: E402
from denseflow.core.optimizers import GradientDescentState  # noqa: E402
from denseflow.io import ModelFileError, load_checkpoint, save_checkpoint  # noqa: E402
from denseflow.io.npz import digest, metadata_digest  # noqa: E402
from denseflow.models import DeepNetwork, Network  # noqa: E402
from denseflow.training import Checkpoint  # noqa: E402

# 150 examples a test, the same ones every run (CI stays deterministic); DENSEFLOW_FUZZ_EXAMPLES=5000
# runs a longer, random search.
_LONG = int(os.environ.get("DENSEFLOW_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG or 150, deadline=None, derandomize=not _LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _model_bytes() -> bytes:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 30))
    Y = (X[0:1] > 0).astype(int) + (X[1:2] > 0).astype(int)  # three classes: softmax
    model = DeepNetwork([3, 4, 3], num_iterations=20, seed=1, standardize=True)
    model.fit(X, Y, X[:, :10], Y[:, :10], class_names=["a", "b", "c"])
    buf = io.BytesIO()
    from denseflow.io.modelfile import save

    path = _scratch() / "model.npz"
    save(model, path)
    buf.write(path.read_bytes())
    return buf.getvalue()


def _checkpoint_bytes() -> bytes:
    from denseflow.training import History

    ck = Checkpoint({"W1": np.ones((2, 3)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))},
                    GradientDescentState(5), 5, History(list(range(5)), [0.7, 0.6, 0.5, 0.4, 0.3]))
    path = _scratch() / "ck.npz"
    save_checkpoint(path, ck, DeepNetwork([3, 2, 1]).get_config(), extra={"spec": {"a": 1}})
    return path.read_bytes()


def _scratch():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="denseflow-fuzz-"))


MODEL = _model_bytes()
CHECKPOINT = _checkpoint_bytes()
KINDS = {"model": (MODEL, load, Network), "checkpoint": (CHECKPOINT, load_checkpoint, tuple)}


def _outcome(data: bytes, kind: str, tmp_path):
    """Load ``data``: the loaded object, or the ModelFileError. Anything else fails the test."""
    _, loader, expected = KINDS[kind]
    path = tmp_path / "fuzzed.npz"
    path.write_bytes(data)
    try:
        result = loader(path)
    except ModelFileError as err:
        assert str(path) in str(err) and "\n" not in str(err)
        return err
    assert isinstance(result, expected)
    return result


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _zip(items, compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, payload in items:
            z.writestr(zipfile.ZipInfo(name), payload, compress_type=compress)
    return buf.getvalue()


kinds = st.sampled_from(sorted(KINDS))


@FUZZ
@given(kind=kinds, flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                                  min_size=1, max_size=8))
def test_random_byte_flips(tmp_path, kind, flips):
    data = bytearray(KINDS[kind][0])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    _outcome(bytes(data), kind, tmp_path)


@FUZZ
@given(kind=kinds, keep=st.floats(0, 1, exclude_max=True), tail=st.binary(max_size=64))
def test_truncations_and_junk_tails(tmp_path, kind, keep, tail):
    data = KINDS[kind][0]
    _outcome(data[: int(keep * len(data))] + tail, kind, tmp_path)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
@FUZZ
@given(kind=kinds, index=st.integers(0, 20), payload=st.one_of(st.binary(max_size=300), st.just(None)),
       cut=st.integers(0, 400), compress=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
       rename=st.one_of(st.none(), st.sampled_from(["W9.npy", "metadata.npy", "x", "../W1.npy", "W1.npy"])))
def test_member_edits(tmp_path, kind, index, payload, cut, compress, rename):
    items = _members(KINDS[kind][0])
    name, old = items[index % len(items)]
    new = old[:cut] if payload is None else payload  # cut short, or replaced by arbitrary bytes
    items[index % len(items)] = (rename or name, new)
    _outcome(_zip(items, compress), kind, tmp_path)


@FUZZ
@given(kind=kinds, index=st.integers(0, 20), at=st.integers(0, 127), byte=st.integers(0, 255))
def test_npy_header_edits(tmp_path, kind, index, at, byte):
    items = _members(KINDS[kind][0])
    name, old = items[index % len(items)]
    data = bytearray(old)
    data[at % min(len(data), 128)] = byte  # inside the magic, the version, the length or the header text
    items[index % len(items)] = (name, bytes(data))
    _outcome(_zip(items), kind, tmp_path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(obj, prefix=()):
    """Every key path of a JSON document (dicts and lists)."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:6]):
            out += _paths(v, prefix + (i,))
    return out


@FUZZ
@given(kind=kinds, pick=st.integers(0, 10_000), value=json_values, drop=st.booleans(),
       array_edit=st.sampled_from([None, "transpose", "float32", "scale", "empty", "int"]))
def test_metadata_and_array_edits_behind_recomputed_digests(tmp_path, kind, pick, value, drop, array_edit):
    items = dict(_members(KINDS[kind][0]))
    meta = json.loads(str(np.load(io.BytesIO(items["metadata.npy"]), allow_pickle=False)[()]))
    arrays = {n[:-4]: np.load(io.BytesIO(b), allow_pickle=False) for n, b in items.items() if n != "metadata.npy"}
    paths = [p for p in _paths(meta) if p and p[0] not in ("arrays", "metadata_sha256")]
    path = paths[pick % len(paths)]
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    if array_edit is not None:
        name = sorted(arrays)[pick % len(arrays)]
        a = arrays[name]
        arrays[name] = {"transpose": a.T, "float32": a.astype(np.float32), "scale": a * 1e300,
                        "empty": a[:0], "int": a.astype(np.int64)}[array_edit]
    _outcome(_rewritten(meta, arrays), kind, tmp_path)


def _rewritten(meta, arrays):
    """The archive of ``meta`` and ``arrays`` with every digest recomputed (an edit, not damage)."""
    meta["arrays"] = {n: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": digest(a)} for n, a in arrays.items()}
    meta["metadata_sha256"] = metadata_digest(meta)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(json.dumps(meta)), allow_pickle=False)
    out = [("metadata.npy", buf.getvalue())]
    for n, a in arrays.items():
        b = io.BytesIO()
        np.lib.format.write_array(b, a, allow_pickle=False)
        out.append((f"{n}.npy", b.getvalue()))
    return _zip(out)


@pytest.mark.parametrize("value", [[], {}, None, "x", 1.5, True, -1, 2**70])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_metadata_field_given_a_value_of_another_type(tmp_path, kind, value):
    """Every field of the metadata, in turn, given a value of another type behind recomputed
    digests: the loader returns the object or raises ModelFileError, nothing else (a checkpoint's
    optimizer name as a list once raised TypeError)."""
    items = dict(_members(KINDS[kind][0]))
    original = str(np.load(io.BytesIO(items["metadata.npy"]), allow_pickle=False)[()])
    arrays = {n[:-4]: np.load(io.BytesIO(b), allow_pickle=False) for n, b in items.items() if n != "metadata.npy"}
    paths = [p for p in _paths(json.loads(original)) if p and p[0] not in ("arrays", "metadata_sha256")]
    assert len(paths) > 10
    for path in paths:
        meta = json.loads(original)
        parent = meta
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
        _outcome(_rewritten(meta, dict(arrays)), kind, tmp_path)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_undamaged_files_load(tmp_path, kind):
    assert not isinstance(_outcome(KINDS[kind][0], kind, tmp_path), ModelFileError)
