"""Regression tests for issue 14's defects in model files and checkpoints: edited files and
signatures (item 2), crafted archives refused before reading (item 3), checkpoints whose cost does
not grow with the iteration count (item 11), temporaries of dead writers (item 12) and the size of
a model file (item 17).

Each test names the item of the issue it pins down.
"""

import io
import json
import os
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

from denseflow import datasets, load, save
from denseflow.core.optimizers import GradientDescentState
from denseflow.io import (
    MODEL_KEY_ENV,
    CheckpointWriter,
    ModelFileError,
    load_checkpoint,
    save_checkpoint,
)
from denseflow.io.npz import MAX_JSON_DEPTH, digest, metadata_digest
from denseflow.models import LogisticRegression, Network, ShallowNetwork
from denseflow.training import Checkpoint, History


@pytest.fixture(scope="module")
def planar():
    return datasets.planar_flower()


@pytest.fixture(scope="module")
def shallow(planar):
    model = ShallowNetwork(n_h=4, num_iterations=200, course=True, seed=2)
    model.fit(*planar, class_names=["red", "blue"])
    return model


@pytest.fixture
def model_file(tmp_path, shallow, monkeypatch):
    monkeypatch.delenv(MODEL_KEY_ENV, raising=False)
    path = tmp_path / "model.npz"
    save(shallow, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _write_members(path, items, compress=None):
    compress = compress or {}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in items.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compress.get(name, zipfile.ZIP_STORED))


def _npy(array_or_header):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array_or_header, allow_pickle=False)
    return buf.getvalue()


def _npy_header(dtype, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                                "shape": tuple(shape)})
    return buf.getvalue()


def _edit_metadata(path, edit):
    """Edit the metadata and recompute every digest, as anyone who knows the format can."""
    items = _members(path)
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
        arrays = {k: npz[k] for k in npz.files if k != "metadata"}
    edit(meta, arrays)
    meta["arrays"] = {k: {"dtype": v.dtype.str, "shape": list(v.shape), "sha256": digest(v)} for k, v in arrays.items()}
    meta.pop("hmac_sha256", None)
    meta["metadata_sha256"] = metadata_digest(meta)
    items = {"metadata.npy": _npy(np.array(json.dumps(meta)))}
    items.update({f"{k}.npy": _npy(v) for k, v in arrays.items()})
    _write_members(path, items)


# ----------------------------------------------------------------------------- 2. edited files, signatures


def test_item2_edited_weights_with_recomputed_digests_load_unsigned_but_not_under_a_key(model_file, shallow,
                                                                                       monkeypatch, planar):
    # What the README says: unkeyed digests detect damage, not edits...
    _edit_metadata(model_file, lambda meta, arrays: arrays.update(W2=-arrays["W2"]))
    edited = load(model_file)
    np.testing.assert_array_equal(edited.parameters_["W2"], -shallow.parameters_["W2"])
    # ...and under a key, an unsigned or edited file is refused.
    monkeypatch.setenv(MODEL_KEY_ENV, "k3y")
    with pytest.raises(ModelFileError, match=f"is not signed, and {MODEL_KEY_ENV} is set"):
        load(model_file)


def test_item2_signed_files_load_under_their_key_only(model_file, shallow, monkeypatch, planar, tmp_path):
    monkeypatch.setenv(MODEL_KEY_ENV, "k3y")
    signed = tmp_path / "signed.npz"
    save(shallow, signed)
    again = load(signed)
    np.testing.assert_array_equal(again.predict_proba(planar[0]), shallow.predict_proba(planar[0]))
    meta = json.loads(str(np.load(signed)["metadata"]))
    assert len(meta["hmac_sha256"]) == 64
    # an edit that recomputes every digest and keeps the old signature
    items = _members(signed)
    _edit_metadata(signed, lambda m, a: a.update(W2=-a["W2"]))
    edited_meta = json.loads(str(np.load(signed)["metadata"]))
    edited_meta["hmac_sha256"] = meta["hmac_sha256"]
    items2 = _members(signed)
    items2["metadata.npy"] = _npy(np.array(json.dumps(edited_meta)))
    _write_members(signed, items2)
    with pytest.raises(ModelFileError, match=f"signature does not match {MODEL_KEY_ENV}: the file was edited"):
        load(signed)
    _write_members(signed, items)  # the original, signed file
    monkeypatch.setenv(MODEL_KEY_ENV, "another key")
    with pytest.raises(ModelFileError, match="signed with another key"):
        load(signed)
    monkeypatch.delenv(MODEL_KEY_ENV)
    assert load(signed).layer_dims_ == [2, 4, 1]  # without a key, signatures are not checked


def test_item2_signed_checkpoints_resume_under_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_KEY_ENV, "k3y")
    ck = Checkpoint({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}, GradientDescentState(2), 2, History([0, 1], [.7, .6]))
    save_checkpoint(tmp_path / "ck.npz", ck, LogisticRegression().get_config())
    assert load_checkpoint(tmp_path / "ck.npz").checkpoint.history.costs == [.7, .6]
    monkeypatch.setenv(MODEL_KEY_ENV, "other")
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_checkpoint(tmp_path / "ck.npz")


@pytest.mark.parametrize("edit, match", [
    (lambda m, a: m.update(class_names=["a", "b", "c", "d", "e"]), "lists 5 class names for its 2 classes"),
    (lambda m, a: a.update(W1=np.zeros((3, 2)), b1=np.zeros((3, 1))), r"'W1' has shape \(3, 2\) but the architecture"),
    (lambda m, a: (m.update(standardized=True), a.update(input_mean=np.zeros((3, 1)), input_std=np.ones((3, 1)))),
     r"shape \(n_x, 1\) = \(2, 1\)"),
    (lambda m, a: m["config"].update(hidden_activation="relu", n_h=5), "disagrees with n_h = 5"),
], ids=["class-names", "shape", "normalization", "n_h"])
def test_item2_every_consistency_rule_holds_behind_recomputed_digests(model_file, edit, match):
    _edit_metadata(model_file, edit)
    with pytest.raises(ModelFileError, match=match):
        load(model_file)


def test_item2_save_refuses_class_names_that_do_not_match_the_classes(tmp_path, shallow):
    import copy

    model = copy.deepcopy(shallow)
    model.class_names_ = ["a", "b", "c"]
    with pytest.raises(ValueError, match="one for each of its 2 classes"):
        save(model, tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- 3. crafted archives


def _deflate_bomb(path, gib=0.25):
    """W1 replaced by a deflated .npy of ``gib`` GiB of zeros (about 1/1000 of that on disk)."""
    items = _members(path)
    n = int(gib * 2**30) // 8
    with zipfile.ZipFile(path, "w") as z:
        for name, data in items.items():
            if name != "W1.npy":
                z.writestr(zipfile.ZipInfo(name), data)
        info = zipfile.ZipInfo("W1.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(_npy_header("<f8", (n,)))
            chunk = bytes(2**24)
            for start in range(0, n * 8, len(chunk)):
                f.write(chunk[:min(len(chunk), n * 8 - start)])


def _huge_shape(path):
    items = _members(path)
    items["W1.npy"] = _npy_header("<f8", (40_000_000_000,)) + bytes(64)  # 298 GiB declared
    _write_members(path, items)


def _deep_json(path, depth=100_000):
    items = _members(path)
    items["metadata.npy"] = _npy(np.array("[" * depth + "]" * depth))
    _write_members(path, items)


def _deep_but_parseable_json(path):
    items = _members(path)
    items["metadata.npy"] = _npy(np.array('{"format": ' + "[" * 100 + "]" * 100 + "}"))
    _write_members(path, items)


def _patch_flags(path, member, local_offset, central_offset, patch):
    data = bytearray(path.read_bytes())
    name = member.encode()
    for magic, name_len_at, name_at, offset in ((b"PK\x03\x04", 26, 30, local_offset),
                                                (b"PK\x01\x02", 28, 46, central_offset)):
        i = -1
        for _ in range(64):
            i = data.index(magic, i + 1)
            n = struct.unpack("<H", data[i + name_len_at:i + name_len_at + 2])[0]
            if data[i + name_at:i + name_at + n] == name:
                patch(data, i + offset)
                break
    path.write_bytes(bytes(data))


def _encrypted(path):
    _patch_flags(path, "W1.npy", 6, 8, lambda d, at: d.__setitem__(at, d[at] | 1))


def _unsupported_method(path):
    _patch_flags(path, "W1.npy", 8, 10, lambda d, at: d.__setitem__(slice(at, at + 2), struct.pack("<H", 99)))


def _flipped_header_byte(path):
    # ')' of W1's shape flipped to ' ' and the CRC recomputed: numpy's header parser raised TokenError
    items = _members(path)
    data = bytearray(items["W1.npy"])
    data[data.index(b")")] = ord(" ")
    items["W1.npy"] = bytes(data)
    _write_members(path, items)


def _overlapping_members(path):
    # a second directory entry pointing at the bytes of W1: members claim more than the file holds
    items = _members(path)
    big = _npy(np.zeros(4096))
    items["W1.npy"] = big
    _write_members(path, items)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = {i.filename: i for i in z.infolist()}
    w1 = infos["W1.npy"]
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(zipfile.ZipInfo("W9.npy"), b"")
    data = bytearray(path.read_bytes())
    i = data.rindex(b"PK\x01\x02")  # the new entry's directory record: point it at W1
    data[i + 20:i + 28] = struct.pack("<II", w1.compress_size, w1.file_size)
    data[i + 16:i + 20] = struct.pack("<I", w1.CRC)
    data[i + 42:i + 46] = struct.pack("<I", w1.header_offset)
    path.write_bytes(bytes(data))


CRAFTED = {
    "deflate-bomb": (_deflate_bomb, r"'W1.npy' is compressed \(zip method 8\).*refused before decompressing"),
    "declared-298-GiB": (_huge_shape, r"declares shape \(40000000000,\) .*refused before reading it"),
    "json-nested-100000-deep": (_deep_json, f"nests deeper than {MAX_JSON_DEPTH} levels"),
    "json-nested-101-deep": (_deep_but_parseable_json, f"nests deeper than {MAX_JSON_DEPTH} levels"),
    "encrypted-member": (_encrypted, "'W1.npy' is encrypted"),
    "unknown-compression": (_unsupported_method, r"'W1.npy' is compressed \(zip method 99\)"),
    "flipped-header-byte": (_flipped_header_byte, r"\.npy header of its member 'W1' is corrupted \(TokenError"),
    "overlapping-members": (_overlapping_members, r"claim \d+ bytes in a file of \d+ bytes \(overlapping members\)"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_item3_crafted_archives_are_refused_before_reading_their_data(model_file, case):
    craft, match = CRAFTED[case]
    craft(model_file)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match) as info:
            load(model_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # a few MiB at most, whatever the members claim (the bomb took 4 GB before)
    assert str(model_file) in str(info.value) and "\n" not in str(info.value)


def test_item3_members_of_another_size_than_the_metadata_says_are_refused(model_file):
    items = _members(model_file)
    items["b1.npy"] = _npy(np.zeros((5, 1)))  # a header and data that agree, but not with the metadata
    _write_members(model_file, items)
    with pytest.raises(ModelFileError, match=r"'b1' is stored as <f8 \(5, 1\) but its metadata lists <f8 \(4, 1\)"):
        load(model_file)


# ----------------------------------------------------------------------------- 11. checkpoints in constant time


def _checkpoint(done, *, validation=False):
    its = list(range(done))
    costs = [1.0 / (i + 1) for i in its]
    val = [0.5] * done if validation else []
    params = {"W1": np.full((3, 2), 0.5), "b1": np.zeros((3, 1)), "W2": np.ones((1, 3)), "b2": np.zeros((1, 1))}
    return Checkpoint(params, GradientDescentState(done), done, History(its, costs, list(val), list(val)))


@pytest.mark.parametrize("validation", [False, True])
def test_item11_a_checkpoint_costs_the_same_at_any_iteration(tmp_path, validation):
    config = ShallowNetwork(n_h=3).get_config()
    writer = CheckpointWriter(tmp_path / "checkpoint.npz", config, extra={"spec": {"note": "x"}})
    sizes, logs = [], []
    width = 32 if validation else 16
    for done in (1_000, 2_000, 100_000, 100_007):
        writer.save(_checkpoint(done, validation=validation))
        sizes.append((tmp_path / "checkpoint.npz").stat().st_size)
        [log] = tmp_path.glob("checkpoint.npz.*.history")
        logs.append(log.stat().st_size)
    assert len(set(sizes)) <= 2 and max(sizes) < 12_000  # the checkpoint: parameters and metadata only
    assert logs == [width * 1_000, width * 2_000, width * 100_000, width * 100_007]  # appended, 16 B a record
    loaded = load_checkpoint(tmp_path / "checkpoint.npz").checkpoint
    assert loaded.iteration == 100_007
    assert loaded.history.to_dict() == _checkpoint(100_007, validation=validation).history.to_dict()


def test_item11_records_after_the_last_checkpoint_are_ignored_and_a_new_writer_starts_its_own_log(tmp_path):
    config = ShallowNetwork(n_h=3).get_config()
    path = tmp_path / "checkpoint.npz"
    CheckpointWriter(path, config).save(_checkpoint(50))
    [old] = tmp_path.glob("*.history")
    with open(old, "ab") as f:  # a later checkpoint's records, written before the process was killed
        f.write(b"\x01" * 16 * 7 + b"\x02" * 5)
    assert load_checkpoint(path).checkpoint.history.iterations == list(range(50))
    CheckpointWriter(path, config).save(_checkpoint(60))  # the resumed run
    [new] = tmp_path.glob("*.history")
    assert new != old and new.stat().st_size == 16 * 60
    assert load_checkpoint(path).checkpoint.history.iterations == list(range(60))


@pytest.mark.parametrize("damage, match", [
    (lambda log: log.unlink(), "history log .* is missing"),
    (lambda log: log.write_bytes(log.read_bytes()[:100]), "is truncated"),
    (lambda log: log.write_bytes(b"\x01" + log.read_bytes()[1:]), "does not match its SHA-256 digest"),
], ids=["missing", "truncated", "edited"])
def test_item11_a_damaged_history_log_is_a_model_file_error(tmp_path, damage, match):
    path = tmp_path / "checkpoint.npz"
    CheckpointWriter(path, ShallowNetwork(n_h=3).get_config()).save(_checkpoint(50))
    damage(next(tmp_path.glob("*.history")))
    with pytest.raises(ModelFileError, match=match):
        load_checkpoint(path)


def test_item11_resume_from_a_writer_checkpoint_is_bit_identical(tmp_path, planar):
    X, Y = planar
    full = ShallowNetwork(n_h=4, num_iterations=300, course=True, seed=2)
    full.fit(X, Y)
    path = tmp_path / "checkpoint.npz"
    writer = CheckpointWriter(path, full.get_config())

    def every_7(event):
        if event.completed % 7 == 0 and event.completed <= 200:
            writer.save(event.checkpoint())

    ShallowNetwork(n_h=4, num_iterations=300, course=True, seed=2, callback=every_7).fit(X, Y)
    loaded = load_checkpoint(path)
    assert loaded.checkpoint.iteration == 196
    resumed = Network.from_config(loaded.config)
    resumed.fit(X, Y, resume_from=loaded.checkpoint)
    for key, value in full.parameters_.items():
        np.testing.assert_array_equal(resumed.parameters_[key], value)
    assert resumed.history_.to_dict() == full.history_.to_dict()


# ----------------------------------------------------------------------------- 12. temporaries of dead writers


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_item12_the_next_save_removes_temporaries_of_dead_writers_only(tmp_path, shallow):
    from denseflow.io.npz import _host, _writer_tag

    dead = tmp_path / f".model.npz.{_dead_pid()}-0@{_host()}.0123abcd.tmp"
    live = tmp_path / f".model.npz.{_writer_tag()}.89abcdef.tmp"  # this process: still writing
    elsewhere = tmp_path / f".model.npz.{_dead_pid()}-0@not-{_host()}.0123abcd.tmp"  # another host's
    unrelated = tmp_path / ".notes.tmp"
    for p in (dead, live, elsewhere, unrelated):
        p.write_bytes(b"x" * 1000)
    save(shallow, tmp_path / "model.npz")
    assert not dead.exists()
    assert live.exists() and elsewhere.exists() and unrelated.exists()


def test_item12_a_run_killed_mid_save_is_cleaned_by_the_next_process(tmp_path, shallow):
    # a writer killed between writing its temporary and renaming it
    code = ("import os, sys, denseflow, signal\n"
            "model = denseflow.load(sys.argv[1])\n"
            "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
            "denseflow.save(model, sys.argv[1])\n")
    save(shallow, tmp_path / "model.npz")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "model.npz")], capture_output=True)
    assert result.returncode == -9
    [left] = [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    assert re.fullmatch(r"\.model\.npz\.\d+-\d+@.+\.[0-9a-f]{8}\.tmp", left.name)  # the writer, named
    cleaner = "import sys; from denseflow.io import write_json; write_json(sys.argv[1] + '/other.json', {})"
    subprocess.run([sys.executable, "-c", cleaner, str(tmp_path)], check=True)
    assert not left.exists()
    assert load(tmp_path / "model.npz").layer_dims_ == [2, 4, 1]


# ----------------------------------------------------------------------------- 17. compact model files


def test_item17_the_history_takes_16_bytes_a_record_and_reads_back_exactly(tmp_path, planar):
    model = LogisticRegression(learning_rate=0.001, num_iterations=10_000)
    model.fit(*planar)
    path = tmp_path / "model.npz"
    save(model, path)
    size = path.stat().st_size
    assert 16 * 10_000 < size < 16 * 10_000 + 16_000  # it was about 1 MB as JSON text in the metadata
    with zipfile.ZipFile(path) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    assert load(path).history_.to_dict() == model.history_.to_dict()


def test_item17_files_without_the_key_variable_are_not_signed(model_file):
    assert os.environ.get(MODEL_KEY_ENV) is None
    assert "hmac_sha256" not in json.loads(str(np.load(model_file)["metadata"]))
