"""Model files and checkpoints: round trips, atomic writes (also under SIGKILL), bad files."""

import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from _polling import wait_for

import denseflow
import denseflow.io.modelfile
from denseflow import datasets, load, save
from denseflow.core.optimizers import GradientDescentState
from denseflow.io import ModelFileError, atomic_write, load_checkpoint, save_checkpoint
from denseflow.io.npz import digest, metadata_digest
from denseflow.models import DeepNetwork, LogisticRegression, Network, ShallowNetwork
from denseflow.training import Checkpoint, History

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


@pytest.fixture(scope="module")
def planar():
    return datasets.planar_flower()


@pytest.fixture(scope="module")
def shallow(planar):
    X, Y = planar
    model = ShallowNetwork(n_h=4, num_iterations=300, course=True, seed=2)
    model.fit(X, Y, class_names=["red", "blue"])
    return model


@pytest.fixture
def model_file(tmp_path, shallow):
    path = tmp_path / "model.npz"
    save(shallow, path)
    return path


def _rng_data(n_x=3, m=40, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m)) * 5 + 2
    Y = rng.integers(0, classes, (1, m)).astype(float)
    return X, Y


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: (LogisticRegression(learning_rate=0.05, num_iterations=50), _rng_data(), {}),
        lambda: (ShallowNetwork(n_h=3, num_iterations=50, seed=1), _rng_data(), {"class_names": ["no", "yes"]}),
        lambda: (DeepNetwork([3, 5, 4, 1], num_iterations=50, seed=3, standardize=True), _rng_data(), {}),
        lambda: (DeepNetwork([3, 5, 3], num_iterations=40, seed=3, hidden_activation="leaky_relu",
                             leaky_slope=0.2), _rng_data(classes=3), {"class_names": ["a", "b", "c"]}),
        lambda: (ShallowNetwork(n_h=2, num_iterations=30, dtype="float32", seed=0), _rng_data(), {}),
        lambda: (Network(hidden_layers=(4,), output_activation="identity", num_iterations=30, seed=0,
                         learning_rate=0.01), (_rng_data()[0], _rng_data(seed=1)[0][:1]), {}),
    ],
    ids=["logistic", "shallow-names", "deep-standardized", "softmax-leaky", "float32", "regressor"],
)
def test_round_trip_reproduces_predictions_exactly(tmp_path, make):
    model, (X, Y), fit_kw = make()
    model.fit(X, Y, **fit_kw)
    path = tmp_path / "m.npz"
    save(model, path)
    again = load(path)
    assert type(again) is type(model)
    assert again.get_config() == model.get_config()
    assert again.layer_dims_ == model.layer_dims_
    assert again.output_ == model.output_
    for key, value in model.parameters_.items():
        assert again.parameters_[key].dtype == value.dtype
        np.testing.assert_array_equal(again.parameters_[key], value)
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.history_.to_dict() == model.history_.to_dict()
    assert again.class_names_ == fit_kw.get("class_names")
    assert again.optimizer_state_ == model.optimizer_state_
    if model.input_mean_ is not None:
        np.testing.assert_array_equal(again.input_mean_, model.input_mean_)
        np.testing.assert_array_equal(again.input_std_, model.input_std_)


def test_package_level_save_and_load(tmp_path, shallow, planar):
    path = tmp_path / "model.npz"
    denseflow.save(shallow, path)
    again = denseflow.load(str(path))
    assert again.accuracy(*planar) == shallow.accuracy(*planar)


def test_file_layout_is_plain_stored_arrays_and_json(model_file, shallow):
    with zipfile.ZipFile(model_file) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    with np.load(model_file, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["W1", "W2", "b1", "b2", "history_costs", "history_iterations", "metadata"]
        meta = json.loads(str(npz["metadata"]))
        assert npz["history_costs"].tolist() == shallow.history_.costs
        assert npz["history_iterations"].dtype == np.int64
    assert meta["format"] == "denseflow-model"
    assert meta["format_version"] == denseflow.io.FORMAT_VERSION == 2
    assert meta["config"]["model"] == "ShallowNetwork"
    assert meta["layer_dims"] == [2, 4, 1]
    assert meta["class_names"] == ["red", "blue"]
    assert meta["history"] == {"records": 300, "validation": False, "final_cost": shallow.history_.final_cost}
    assert meta["arrays"]["W1"] == {"dtype": "<f8", "shape": [4, 2], "sha256": digest(shallow.parameters_["W1"])}
    assert set(meta["arrays"]) == {"W1", "b1", "W2", "b2", "history_costs", "history_iterations"}
    assert meta["metadata_sha256"] == metadata_digest(meta)
    assert "hmac_sha256" not in meta  # DENSEFLOW_MODEL_KEY is not set


def test_save_replaces_an_existing_file_and_leaves_no_temporary(tmp_path, shallow):
    path = tmp_path / "model.npz"
    path.write_bytes(b"old contents")
    save(shallow, path)
    load(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_atomic_write_error_keeps_old_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path) as f:
            f.write(b"partial new")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_atomic_write_uses_umask_permissions(tmp_path):
    path = tmp_path / "f.bin"
    with atomic_write(path) as f:
        f.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ("not a model", TypeError, "denseflow model"),
        (ShallowNetwork(), ValueError, "not fitted"),
    ],
)
def test_save_rejects_bad_models(tmp_path, bad, exc, match):
    with pytest.raises(exc, match=match):
        save(bad, tmp_path / "m.npz")


def test_save_into_missing_folder(tmp_path, shallow):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(shallow, tmp_path / "nope" / "m.npz")


# ---------------------------------------------------------------------------------------------
# bad model files: each one a ModelFileError (a ValueError) naming the file and the problem
# ---------------------------------------------------------------------------------------------


def _rewrite(path, *, meta_edit=None, arrays_edit=None, fix_digests=True, fix_meta_digest=True):
    """Rewrite a model file with edited metadata/arrays (as a tamperer or a buggy tool would).

    With the digests fixed (the default) the edit reaches the consistency checks behind them.
    """
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
        arrays = {k: npz[k] for k in npz.files if k != "metadata"}
    if arrays_edit:
        arrays_edit(arrays)
    if meta_edit:
        meta_edit(meta)
    if fix_digests:
        meta["arrays"] = {k: {"dtype": np.asarray(v).dtype.str, "shape": list(np.shape(v)),
                              "sha256": digest(np.asarray(v))} for k, v in arrays.items()}
    if fix_meta_digest:
        meta["metadata_sha256"] = metadata_digest(meta)
    np.savez(path, metadata=np.array(json.dumps(meta)), **arrays)


def _raw_members(path, *, drop=(), add=None):
    """Rewrite the zip itself: drop members by name and add raw (non-.npy) ones."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist() if n not in drop}
    members.update(add or {})
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _metadata_as_raw_member(path):
    # metadata.npy replaced by a plain member "metadata" holding the same JSON text
    with np.load(path, allow_pickle=False) as npz:
        text = str(npz["metadata"])
    _raw_members(path, drop=("metadata.npy",), add={"metadata": text.encode()})


def _listed_raw_member(path):
    # an extra raw member whose name the arrays table lists, so only its type can give it away
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
    meta["arrays"]["extra"] = {"dtype": "<f8", "shape": [1], "sha256": "0" * 64}
    meta["metadata_sha256"] = metadata_digest(meta)
    _raw_members(path, drop=("metadata.npy",), add={"extra": b"raw bytes"})
    with zipfile.ZipFile(path, "a") as z, z.open("metadata.npy", "w") as f:
        np.lib.format.write_array(f, np.array(json.dumps(meta)), allow_pickle=False)


def _history_array(name, edit):
    def arrays_edit(arrays):
        arrays[name] = edit(np.array(arrays[name]))
    return lambda p: _rewrite(p, arrays_edit=arrays_edit)


def _with_validation(val_costs, val_accuracies):
    def arrays_edit(arrays):
        arrays["history_val_costs"] = np.asarray(val_costs, dtype=np.float64)
        arrays["history_val_accuracies"] = np.asarray(val_accuracies, dtype=np.float64)
    return lambda p: _rewrite(p, arrays_edit=arrays_edit, meta_edit=lambda m: m["history"].update(validation=True))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_weight_byte(path):
    # Change one byte inside W1's numbers (stored uncompressed): the zip CRC or the digest catches it.
    data = bytearray(path.read_bytes())
    magic = data.index(b"\x93NUMPY", data.index(b"W1.npy"))
    width = 2 if data[magic + 6] == 1 else 4  # header-length field of .npy format 1.0 / 2.0+
    start = magic + 8 + width + int.from_bytes(data[magic + 8: magic + 8 + width], "little")
    data[start + 3] ^= 0xFF
    path.write_bytes(bytes(data))


def _add_unlisted_array(path):
    with np.load(path, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    np.savez(path, junk=np.zeros(1), **entries)


def _object_array(path):
    meta = {"format": "denseflow-model", "format_version": 2, "arrays": {}}
    np.savez(path, metadata=np.array(json.dumps(meta)), W1=np.array([{"evil": 1}], dtype=object))


def _shape_mismatch(arrays):
    arrays["W2"] = np.zeros((1, 5))


def _swapped_weights(arrays):
    arrays["W1"] = arrays["W1"] * 2  # same shape, digest not updated


BAD_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "text": (lambda p: p.write_text("W1 = [[1, 2]]\n"), "not a denseflow .npz file"),
    "npy": (lambda p: np.save(open(p, "wb"), np.zeros(3)), "single NumPy .npy array"),
    "truncated": (_truncate, "truncated or corrupted"),
    "flipped-byte": (_flip_weight_byte, "corrupted|tampered|CRC"),
    "object-array": (_object_array, "object \\(pickled\\) array"),
    "foreign-npz": (lambda p: np.savez(p, W1=np.zeros((2, 2))), "has no 'metadata' entry"),
    "bad-json": (lambda p: np.savez(p, metadata=np.array("{not json")), "not valid JSON"),
    "compressed": (lambda p: np.savez_compressed(p, metadata=np.array("{}")), "compressed .zip method 8"),
    "newer-version": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(format_version=99)),
                      "newer denseflow .*version 99"),
    "shape-mismatch": (lambda p: _rewrite(p, arrays_edit=_shape_mismatch),
                       "'W2' has shape \\(1, 5\\) but the architecture \\[2, 4, 1\\] needs"),
    "shape-vs-table": (lambda p: _rewrite(p, arrays_edit=_shape_mismatch, fix_digests=False),
                       r"'W2' is stored as <f8 \(1, 5\) but its metadata lists <f8 \(1, 4\)"),
    "tampered-weights": (lambda p: _rewrite(p, arrays_edit=_swapped_weights, fix_digests=False),
                         "'W1' does not match its SHA-256 digest"),
    "missing-weight": (lambda p: _rewrite(p, arrays_edit=lambda a: a.pop("b2")), "missing the parameter 'b2'"),
    "extra-array": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(W3=np.zeros((1, 1))),
                                       meta_edit=None), "beyond the 2 layers"),
    "listed-foreign-array": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(gamma=np.zeros(3))),
                             r"array\(s\) \['gamma'\] that this kind of file never holds"),
    "unlisted-array": (_add_unlisted_array, "does not list; it was tampered"),
    "nan-weights": (lambda p: _rewrite(p, arrays_edit=lambda a: a["W1"].__setitem__((0, 0), np.nan)),
                    "'W1' contains NaN"),
    "unknown-model": (lambda p: _rewrite(p, meta_edit=lambda m: m["config"].update(model="Transformer")),
                      "unknown model class 'Transformer'"),
    "bad-config": (lambda p: _rewrite(p, meta_edit=lambda m: m["config"].update(learning_rate=-1)),
                   "configuration is invalid.*learning_rate"),
    "checkpoint-as-model": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(format="denseflow-checkpoint")),
                            "is a training checkpoint"),
    "wrong-classes": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(classes=[0, 1, 2])),
                      "lists 3 classes but its sigmoid output has 2"),
    # issue 14, item 2: edits with recomputed digests are still checked against the model itself
    "five-class-names-for-two": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(
                                     class_names=["a", "b", "c", "d", "e"])),
                                 r"lists 5 class names for its 2 classes"),
    "repeated-class-names": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(class_names=["a", "a"])),
                             "repeat a name"),
    "class-names-not-strings": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(class_names=[0, 1])),
                                "'class_names' must be a list of strings"),
    "standardization-without-flag": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(
                                         input_mean=np.zeros((2, 1)), input_std=np.ones((2, 1)))),
                                     r"\['input_mean', 'input_std'\] that this kind of file never holds"),
    "standardization-vs-n_x": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(
                                   input_mean=np.zeros((3, 1)), input_std=np.ones((3, 1))),
                                   meta_edit=lambda m: m.update(standardized=True)),
                               r"'input_mean' must be finite floats with shape \(n_x, 1\) = \(2, 1\)"),
    "n_h-mismatch": (lambda p: _rewrite(p, meta_edit=lambda m: m["config"].update(n_h=7)),
                     "disagrees with n_h = 7"),
    # zip members that are not .npy arrays (numpy would hand them over as bytes)
    "metadata-raw-member": (_metadata_as_raw_member, r"zip member\(s\) \['metadata'\] that are not .npy"),
    "listed-raw-member": (_listed_raw_member, r"zip member\(s\) \['extra'\] that are not .npy"),
    # the metadata digest
    "metadata-edited": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(classes=[1, 0]),
                                           fix_meta_digest=False),
                        "metadata does not match its SHA-256 digest"),
    "metadata-digest-missing": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(metadata_sha256=None),
                                                   fix_meta_digest=False),
                                "lacks its 'metadata_sha256' digest"),
    # metadata consistent with its digest but not with itself
    "sigmoid-two-units": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(W2=np.zeros((2, 4)),
                                                                               b2=np.zeros((2, 1))),
                                             meta_edit=lambda m: m.update(layer_dims=[2, 4, 2])),
                          r"sigmoid output needs 1 output unit but its architecture \[2, 4, 2\] has 2"),
    "softmax-one-unit": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(output="softmax", classes=[0])),
                         "softmax output needs at least 2 output units"),
    "identity-with-classes": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(output="identity")),
                              r"identity \(regression\) output has no classes"),
    "output-vs-config": (lambda p: _rewrite(p, meta_edit=lambda m: m["config"].update(
                             output_activation="identity")),
                         "output 'sigmoid' disagrees with its configuration's output_activation 'identity'"),
    "duplicate-classes": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(classes=[1, 1])),
                          "distinct numbers or strings"),
    "history-costs-text": (_history_array("history_costs", lambda a: np.array(["abc"] * len(a))),
                           "only numeric arrays"),
    "history-cost-nan": (_history_array("history_costs", lambda a: np.where(np.arange(len(a)) == 0, np.nan, a)),
                         "'costs' must hold finite numbers"),
    "history-lengths": (_history_array("history_costs", lambda a: a[:-1]),
                        r"'history_costs' must be a float array of shape \(300,\); got float64 \(299,\)"),
    "history-iterations-decreasing": (_history_array("history_iterations", lambda a: a[::-1].copy()),
                                      "'iterations' must be ints >= 0, increasing"),
    "history-iterations-float": (_history_array("history_iterations", lambda a: a.astype(float)),
                                 "'history_iterations' must be an int array"),
    "history-records-bool": (lambda p: _rewrite(p, meta_edit=lambda m: m["history"].update(records=True)),
                             "'records' must be an int >= 0"),
    "history-val-accuracy-above-one": (_with_validation([0.5] * 300, [2.0] * 300),
                                       r"'val_accuracies' must hold numbers in \[0, 1\]"),
    "history-val-without-flag": (lambda p: _rewrite(p, arrays_edit=lambda a: a.update(
                                     history_val_costs=np.zeros(300), history_val_accuracies=np.zeros(300))),
                                 "has no validation records but the file holds"),
    "optimizer-step-negative": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(optimizer_step=-3)),
                                "'optimizer_step' must be an int >= 0; got -3"),
    "optimizer-step-float": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(optimizer_step=2.5)),
                             "'optimizer_step' must be an int >= 0; got 2.5"),
    "standardized-text": (lambda p: _rewrite(p, meta_edit=lambda m: m.update(standardized="no")),
                          "'standardized' must be true or false"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_model_files_raise_clear_errors(model_file, case):
    damage, match = BAD_FILES[case]
    damage(model_file)
    with pytest.raises(ModelFileError, match=match) as info:
        load(model_file)
    message = str(info.value)
    assert str(model_file) in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_logistic_regression_with_hidden_layers_is_refused(tmp_path):
    X, Y = _rng_data()
    model = LogisticRegression(learning_rate=0.05, num_iterations=20)
    model.fit(X, Y)
    path = tmp_path / "lr.npz"
    save(model, path)

    def add_hidden_layer(arrays):
        arrays.update(W1=np.zeros((2, 3)), b1=np.zeros((2, 1)), W2=np.zeros((1, 2)), b2=np.zeros((1, 1)))

    _rewrite(path, arrays_edit=add_hidden_layer, meta_edit=lambda m: m.update(layer_dims=[3, 2, 1]))
    with pytest.raises(ModelFileError, match=r"LogisticRegression, which has no hidden layer.*\[3, 2, 1\] has 1"):
        load(path)


def test_history_with_validation_and_infinite_val_cost_loads(model_file):
    n = 300
    _with_validation([float("inf")] + [0.5] * (n - 1), [1] * n)(model_file)
    again = load(model_file)
    assert again.history_.val_costs[:2] == [float("inf"), 0.5]
    assert again.history_.val_accuracies[-1] == 1


def test_format_version_1_files_still_load(tmp_path, shallow, planar):
    # denseflow before issue 14 kept the history in the JSON metadata and listed only digests
    path = tmp_path / "v1.npz"
    arrays = {k: np.asarray(v) for k, v in shallow.parameters_.items()}
    meta = {"format": "denseflow-model", "format_version": 1, "denseflow_version": "0.1",
            "config": shallow.get_config(), "layer_dims": [2, 4, 1], "output": "sigmoid", "classes": [0, 1],
            "class_names": ["red", "blue"], "history": shallow.history_.to_dict(), "optimizer_step": 300,
            "standardized": False, "sha256": {k: digest(v) for k, v in arrays.items()}}
    meta["metadata_sha256"] = metadata_digest(meta)
    np.savez(path, metadata=np.array(json.dumps(meta)), **arrays)
    again = load(path)
    assert again.history_.to_dict() == shallow.history_.to_dict()
    np.testing.assert_array_equal(again.predict_proba(planar[0]), shallow.predict_proba(planar[0]))


def _set(key, value):
    return lambda params: params.__setitem__(key, value)


def _nan_w1(params):
    params["W1"] = params["W1"].copy()
    params["W1"][0, 0] = np.nan


SAVE_REFUSALS = {
    "W2-shape": (_set("W2", np.zeros((1, 3))), ValueError, r"W2 has shape \(1, 3\) but layer 2 expects"),
    "W1-columns": (_set("W1", np.zeros((4, 3))), ValueError, r"W1 has shape \(4, 3\) but layer 1 expects"),
    "missing-b2": (lambda params: params.pop("b2"), ValueError, "has 'W2' but no 'b2'"),
    "wider-layer": (lambda params: params.update(W1=np.zeros((5, 2)), b1=np.zeros((5, 1)), W2=np.zeros((1, 5))),
                    ValueError, r"'W1' of layer 1 has shape \(5, 2\) but layer_dims_ \[2, 4, 1\] needs \(4, 2\)"),
    "extra-layer": (lambda params: params.update(W3=np.zeros((1, 1)), b3=np.zeros((1, 1))),
                    ValueError, r"hold 3 layer\(s\) but its layer_dims_ \[2, 4, 1\] has 2"),
    "unknown-key": (_set("gamma", np.zeros(1)), ValueError, r"unexpected key\(s\) \['gamma'\]"),
    "dtype": (lambda params: params.update(W2=params["W2"].astype(np.float32)), ValueError,
              "'W2' of layer 2 has dtype float32 but the model's dtype is float64"),
    "nan": (_nan_w1, ValueError, "'W1' of layer 1 contains NaN"),
    "not-a-dict": (None, TypeError, "parameters_ must be a dict"),
}


@pytest.mark.parametrize("case", sorted(SAVE_REFUSALS))
def test_save_refuses_parameters_that_disagree_with_layer_dims(tmp_path, shallow, case):
    edit, exc, match = SAVE_REFUSALS[case]
    model = copy.deepcopy(shallow)
    if edit is None:
        model.parameters_ = [model.parameters_["W1"]]
    else:
        edit(model.parameters_)
    path = tmp_path / "m.npz"
    with pytest.raises(exc, match=match) as info:
        save(model, path)
    assert "Cannot save this ShallowNetwork" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such model file"):
        load(tmp_path / "absent.npz")
    with pytest.raises(ModelFileError, match="is a folder"):
        load(tmp_path)
    with pytest.raises(TypeError, match="file path"):
        load(42)


# ---------------------------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------------------------


def test_checkpoint_round_trip_and_exact_resume(tmp_path, planar):
    X, Y = planar
    full = ShallowNetwork(n_h=4, num_iterations=400, course=True, seed=2)
    full.fit(X, Y)

    saved = {}

    def keep(event):
        if event.completed == 150:
            save_checkpoint(tmp_path / "ck.npz", event.checkpoint(), first.get_config(), extra={"run": "demo"})
            saved["done"] = True

    first = ShallowNetwork(n_h=4, num_iterations=400, course=True, seed=2, callback=keep)
    first.fit(X, Y)
    assert saved == {"done": True}
    loaded = load_checkpoint(tmp_path / "ck.npz")
    assert loaded.extra == {"run": "demo"}
    assert loaded.checkpoint.iteration == 150
    assert loaded.checkpoint.optimizer_state == GradientDescentState(150)
    assert loaded.checkpoint.history.iterations == list(range(150))
    resumed = Network.from_config(loaded.config)
    resumed.fit(X, Y, resume_from=loaded.checkpoint)
    for key in full.parameters_:
        np.testing.assert_array_equal(resumed.parameters_[key], full.parameters_[key])
    assert resumed.history_.to_dict() == full.history_.to_dict()


def test_checkpoint_and_model_files_are_not_interchangeable(tmp_path, model_file):
    ck = Checkpoint({"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}, GradientDescentState(2), 2, History())
    save_checkpoint(tmp_path / "ck.npz", ck, LogisticRegression().get_config())
    with pytest.raises(ModelFileError, match="training checkpoint"):
        load(tmp_path / "ck.npz")
    with pytest.raises(ModelFileError, match="is a model file, not a training checkpoint"):
        load_checkpoint(model_file)


# ---------------------------------------------------------------------------------------------
# a save interrupted by SIGKILL leaves the previous file loadable
# ---------------------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, sys, threading
    import numpy as np
    import denseflow
    from denseflow.models import DeepNetwork

    path, marker, mode = sys.argv[1:4]
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 30)); Y = (X[0:1] > 0).astype(float)
    big = DeepNetwork([400, 1500, 1500, 1], num_iterations=1, seed=0)
    big.fit(X, Y)

    def signal_and_hang(*args):
        open(marker, "w").close()
        threading.Event().wait()  # never returns: the parent kills us here

    if mode == "fsync":      # all bytes written to the temporary file, not yet durable nor renamed
        os.fsync = signal_and_hang
    elif mode == "replace":  # written and fsync-ed, about to be renamed over the target
        os.replace = signal_and_hang
    else:                    # "loop": keep saving; the parent kills at a random moment of a write
        open(marker, "w").close()
    for _ in range(10_000):
        denseflow.save(big, path)
    """
)


@pytest.mark.parametrize("mode", ["fsync", "replace", "loop"])
def test_save_killed_midway_leaves_previous_file_loadable(tmp_path, shallow, planar, mode):
    path, marker = tmp_path / "model.npz", tmp_path / "in-save"
    save(shallow, path)
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(marker), mode], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: marker.exists() or child.poll() is not None), "child never reached the save"
        if mode == "loop":
            assert wait_for(lambda: any(p.suffix == ".tmp" for p in tmp_path.iterdir()))
        assert child.poll() is None, child.stderr.read().decode()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    model = load(path)  # never a half-written file
    if mode == "loop":
        assert model.layer_dims_ in ([2, 4, 1], [400, 1500, 1500, 1])
    else:
        assert model.layer_dims_ == [2, 4, 1]
        np.testing.assert_array_equal(model.predict_proba(planar[0]), shallow.predict_proba(planar[0]))
        leftovers = [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]
        assert len(leftovers) == 1 and leftovers[0].startswith(".model.npz.")


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(denseflow.io.modelfile, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 5
