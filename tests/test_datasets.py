"""Tests for denseflow.datasets: course fingerprints, loaders and their error messages."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys

import numpy as np
import pytest

import denseflow.datasets as ds
import denseflow.datasets.csvfile as _csvdata
from denseflow.datasets import (
    DATASETS,
    CatData,
    blobs,
    columns_to_images,
    gaussian_quantiles,
    load_cat,
    load_cat_images,
    load_csv,
    load_dataset,
    load_dataset_split,
    load_features_csv,
    noisy_circles,
    noisy_moons,
    planar_flower,
    standardization_stats,
    standardize,
    train_val_split,
)

from conftest import CAT_FILES, needs_cat
from conftest import SHARED_DATA as DATA_DIR


# ------------------------------------------------------------------ module-level contracts


@pytest.mark.parametrize("module, min_examples", [(ds.planar, 12), (ds.common, 1), (ds.cat, 1), (_csvdata, 16)])
def test_doctests_run(module, min_examples):
    # each module of the package holds (and its doctests find) the examples of the names it defines
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= min_examples


def test_import_loads_neither_h5py_nor_sklearn():
    code = "import sys, denseflow, denseflow.datasets; print(sorted(m for m in ('h5py', 'sklearn', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "module, call, install",
    [("h5py", lambda folder: load_cat(folder), 'pip install "denseflow[data]"'),
     ("sklearn.datasets", lambda folder: noisy_moons(), "pip install scikit-learn")],
    ids=["h5py", "sklearn"],
)
def test_missing_optional_dependency_names_the_extra(monkeypatch, tmp_path, module, call, install):
    # Two empty files stand for the cat data, so this runs on a machine without the course's data
    # (issue 14: it used to pass only where ../shared/data existed).
    for name in CAT_FILES:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(ImportError, match=re.escape(install)):
        call(tmp_path)


# ------------------------------------------------------------------ planar flower


def course_load_planar_dataset():
    """The course's planar_utils.load_planar_dataset, verbatim apart from the comments."""
    np.random.seed(1)
    m = 400
    N = int(m / 2)
    D = 2
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
        r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    X = X.T
    Y = Y.T
    return X, Y


def test_flower_fingerprint_and_shapes():
    X, Y = planar_flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], rtol=0, atol=1e-8)
    assert Y.sum() == 200 and set(np.unique(Y)) == {0.0, 1.0}
    assert np.all(Y[0, :200] == 0) and np.all(Y[0, 200:] == 1)


def test_flower_is_bit_identical_to_course_code():
    state = np.random.get_state()
    try:
        X_course, Y_course = course_load_planar_dataset()
    finally:
        np.random.set_state(state)
    X, Y = planar_flower()
    assert np.array_equal(X, X_course)  # exact, not approximate
    assert np.array_equal(Y, Y_course)


def test_flower_leaves_global_seed_alone_and_is_deterministic():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    X1, _ = planar_flower(m=100, seed=7)
    assert np.array_equal(np.random.get_state()[1], before)
    X2, _ = planar_flower(m=100, seed=7)
    X3, _ = planar_flower(m=100, seed=8)
    assert np.array_equal(X1, X2) and not np.allclose(X1, X3)


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"m": 401}, ValueError, "even"),
        ({"m": 0}, ValueError, "'m'"),
        ({"m": 40.0}, TypeError, "'m'"),
        ({"seed": -1}, ValueError, "'seed'"),
        ({"seed": "1"}, TypeError, "'seed'"),
        ({"seed": None}, TypeError, "'seed'"),
    ],
)
def test_flower_rejects_bad_arguments(kwargs, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        planar_flower(**kwargs)


# ------------------------------------------------------------------ scikit-learn planar sets


@pytest.mark.parametrize("func", [noisy_moons, noisy_circles, blobs, gaussian_quantiles])
@pytest.mark.parametrize("m", [50, 200])
def test_sklearn_sets_shapes_labels_determinism(func, m):
    X, Y = func(m=m)
    assert X.shape == (2, m) and Y.shape == (1, m)
    assert X.dtype == np.float64 and np.all(np.isfinite(X))
    assert set(np.unique(Y)) == {0.0, 1.0}
    X2, Y2 = func(m=m)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)


def test_blobs_default_matches_course_call():
    from sklearn.datasets import make_blobs

    Xc, Yc = make_blobs(n_samples=200, random_state=5, n_features=2, centers=6)
    X, Y = blobs()
    assert np.array_equal(X, Xc.T) and np.array_equal(Y, (Yc % 2).reshape(1, -1))


def test_gaussian_quantiles_more_classes():
    _, Y = gaussian_quantiles(m=90, n_classes=3)
    assert np.unique(Y).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: noisy_moons(noise=-0.1), ValueError, "'noise'"),
        (lambda: noisy_circles(factor=1.0), ValueError, "'factor'"),
        (lambda: blobs(centers=1), ValueError, "'centers'"),
        (lambda: gaussian_quantiles(n_classes=1), ValueError, "'n_classes'"),
        (lambda: noisy_moons(m=1), ValueError, "'m'"),
    ],
)
def test_sklearn_sets_reject_bad_arguments(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def test_registry_and_load_dataset():
    assert set(DATASETS) == {"planar", "moons", "circles", "blobs", "gaussian-quantiles"}
    X, Y = load_dataset("planar")
    assert np.array_equal(X, planar_flower()[0])
    X, _ = load_dataset("moons", m=30, noise=0.1)
    assert X.shape == (2, 30)


def test_load_dataset_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        load_dataset("flower")
    msg = str(info.value)
    assert "'flower'" in msg and all(repr(n) in msg for n in DATASETS)


def test_load_dataset_unknown_parameter():
    with pytest.raises(TypeError, match="noise"):
        load_dataset("planar", noise=0.3)


# ------------------------------------------------------------------ cat vs non-cat


@needs_cat
def test_cat_shapes_values_counts():
    data = load_cat(DATA_DIR)
    assert isinstance(data, CatData)
    train_X, train_Y, test_X, test_Y, classes = data
    assert train_X.shape == (12288, 209) and train_Y.shape == (1, 209)
    assert test_X.shape == (12288, 50) and test_Y.shape == (1, 50)
    assert train_X.min() >= 0 and train_X.max() <= 1 and test_X.min() >= 0 and test_X.max() <= 1
    assert (train_Y.sum(), (train_Y == 0).sum()) == (72, 137)
    assert (test_Y.sum(), (test_Y == 0).sum()) == (33, 17)
    assert classes == ["non-cat", "cat"]


@needs_cat
def test_cat_flattening_matches_course_and_images_round_trip():
    import h5py

    with h5py.File(DATA_DIR / "train_catvnoncat.h5", "r") as f:
        raw = f["train_set_x"][()]
    data = load_cat(DATA_DIR)
    assert np.array_equal(data.train_X, raw.reshape(raw.shape[0], -1).T / 255)
    imgs = load_cat_images(DATA_DIR)
    assert imgs.train_images.dtype == np.uint8 and imgs.test_images.shape == (50, 64, 64, 3)
    assert np.array_equal(imgs.train_images, raw)
    assert np.array_equal(columns_to_images(data.train_X[:, [3, 7]]), raw[[3, 7]])


def _copy_cat(tmp_path):
    for f in CAT_FILES:
        (tmp_path / f).write_bytes((DATA_DIR / f).read_bytes())
    return tmp_path


def _write_h5(path, **arrays):
    import h5py

    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            f[k] = v


def _small_cat(tmp_path, train=None, test=None):
    """A tiny valid pair of cat files, with dataset overrides (None value = leave out)."""
    rng = np.random.default_rng(0)
    base = {
        "train": {"train_set_x": rng.integers(0, 256, (4, 2, 2, 3), dtype=np.uint8),
                  "train_set_y": np.array([0, 1, 1, 0]), "list_classes": np.array([b"non-cat", b"cat"])},
        "test": {"test_set_x": rng.integers(0, 256, (2, 2, 2, 3), dtype=np.uint8),
                 "test_set_y": np.array([1, 0]), "list_classes": np.array([b"non-cat", b"cat"])},
    }
    for split, over in (("train", train), ("test", test)):
        arrays = {**base[split], **(over or {})}
        _write_h5(tmp_path / f"{split}_catvnoncat.h5", **{k: v for k, v in arrays.items() if v is not None})
    return tmp_path


def test_cat_small_valid_files(tmp_path):
    data = load_cat(_small_cat(tmp_path))
    assert data.train_X.shape == (12, 4) and data.test_Y.tolist() == [[1.0, 0.0]]


def test_cat_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*train_catvnoncat.h5"):
        load_cat(tmp_path / "nowhere")


def test_cat_missing_file(tmp_path):
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"lacks \['test_catvnoncat.h5'\]"):
        load_cat(tmp_path)


@needs_cat
def test_cat_truncated_file(tmp_path):
    _copy_cat(tmp_path)
    f = tmp_path / "train_catvnoncat.h5"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"train_catvnoncat.h5 is not a readable HDF5 file.*truncated"):
        load_cat(tmp_path)


def test_cat_garbage_file(tmp_path):
    _small_cat(tmp_path)
    (tmp_path / "test_catvnoncat.h5").write_bytes(b"this is not HDF5\n" * 50)
    with pytest.raises(ValueError, match=r"test_catvnoncat.h5 is not a readable HDF5 file.*'test_set_x'"):
        load_cat(tmp_path)


@pytest.mark.parametrize(
    "train, test, fragment",
    [
        ({"train_set_y": None}, None, r"lacks dataset\(s\) \['train_set_y'\]"),
        (None, {"test_set_x": None, "test_set_y": None}, r"lacks dataset\(s\) \['test_set_x', 'test_set_y'\]"),
        ({"train_set_x": np.zeros((4, 12), np.uint8)}, None, r"shape \(m, height, width, channels\).*found shape \(4, 12\)"),
        ({"train_set_x": np.zeros((4, 2, 2, 3))}, None, "dtype float64"),
        ({"train_set_y": np.array([0, 1, 1])}, None, "4 images .* but 3 labels"),
        ({"train_set_y": np.array([0, 1, 2, 0])}, None, "labels 0/1"),
        (None, {"test_set_x": np.zeros((2, 3, 3, 3), np.uint8)}, "differ in shape"),
    ],
)
def test_cat_malformed_h5(tmp_path, train, test, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_cat(_small_cat(tmp_path, train, test))


def test_cat_without_list_classes_uses_default(tmp_path):
    data = load_cat(_small_cat(tmp_path, {"list_classes": None}, {"list_classes": None}))
    assert data.classes == ["non-cat", "cat"]


# ------------------------------------------------------------------ CSV


def _csv(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_header_label_by_name(tmp_path):
    p = _csv(tmp_path, "a,label,b\n1,0,2\n3,1,4\n\n5,1,6\n")
    data = load_csv(p, label_column="label")
    assert data.X.tolist() == [[1, 3, 5], [2, 4, 6]]
    assert data.Y.tolist() == [[0, 1, 1]] and data.Y.shape == (1, 3)
    assert data.feature_names == ["a", "b"] and data.label_name == "label"
    assert data.classes is None and data.mean is None and data.std is None


def test_csv_without_header_autodetected(tmp_path):
    data = load_csv(_csv(tmp_path, "1,2,1\n3,4,0\n"))
    assert data.X.tolist() == [[1, 3], [2, 4]] and data.Y.tolist() == [[1, 0]]
    assert data.feature_names == ["x1", "x2"] and data.label_name == "y"


def test_csv_standardization_stats(tmp_path):
    data = load_csv(_csv(tmp_path, "a,b,c,y\n1,10,7,0\n2,20,7,1\n3,60,7,1\n"), standardize=True)
    np.testing.assert_allclose(data.mean.ravel(), [2, 30, 7])
    np.testing.assert_allclose(data.std.ravel(), [np.sqrt(2 / 3), np.sqrt(1400 / 3), 1.0])
    np.testing.assert_allclose(data.X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(data.X.std(axis=1), [1, 1, 0], atol=1e-12)
    raw = load_csv(_csv(tmp_path, "a,b,c,y\n1,10,7,0\n2,20,7,1\n3,60,7,1\n", "raw.csv"))
    np.testing.assert_allclose(standardize(raw.X, data.mean, data.std), data.X)


@pytest.mark.parametrize(
    "labels, expected_Y, expected_classes",
    [
        (["yes", "no", "yes", "maybe"], [2, 1, 2, 0], ["maybe", "no", "yes"]),
        (["-1", "1", "1", "-1"], [0, 1, 1, 0], [-1, 1]),
        (["10", "2", "2", "10"], [1, 0, 0, 1], [2, 10]),
        (["0.0", "1.0", "1", "0"], [0, 1, 1, 0], None),
    ],
)
def test_csv_label_mapping(tmp_path, labels, expected_Y, expected_classes):
    text = "".join(f"{i},{lab}\n" for i, lab in enumerate(labels))
    data = load_csv(_csv(tmp_path, text))
    assert data.Y.tolist() == [expected_Y] and data.classes == expected_classes


def test_csv_label_column_by_index_and_delimiter(tmp_path):
    data = load_csv(_csv(tmp_path, "y;f1;f2\ncat;1.5;2\ndog;3;4e1\n"), label_column=0, delimiter=";")
    assert data.X.tolist() == [[1.5, 3.0], [2.0, 40.0]] and data.classes == ["cat", "dog"]


@pytest.mark.parametrize(
    "text, kwargs, exc, fragments",
    [
        ("a,b,y\n1,2,0\n3,x,1\n", {}, ValueError, ["line 3, column 2 ('b')", "'x' is not a number"]),
        ("a,b,y\n1,2,0\n\n3,,1\n", {}, ValueError, ["line 4, column 2 ('b')", "missing"]),
        ("1,NA,0\n3,4,1\n", {}, ValueError, ["line 1, column 2", "missing"]),
        ("a,b,y\n1,2,0\n3,4,\n", {}, ValueError, ["line 3, column 3 ('y')", "missing label"]),
        ("a,b,y\n1,2,0\n3,4\n", {}, ValueError, ["line 3", "expected 3 fields", "found 2"]),
        ("a,b,y\n1,2,0\n3,4,1,9\n", {}, ValueError, ["line 3", "expected 3 fields", "found 4"]),
        ("a,b,y\n1,2,0\n3,inf,1\n", {}, ValueError, ["line 3, column 2", "not a finite number"]),
        ("a,b,y\n1,2,0\n3,4,yes\n", {}, ValueError, ["line 3, column 3", "text", "line 2"]),
        ("a;b;y\n1,5;2;0\n", {"delimiter": ";"}, ValueError, ["line 2, column 1", "decimal comma"]),
        ("", {}, ValueError, ["is empty"]),
        ("\n\n  \n", {}, ValueError, ["is empty"]),
        ("a,b,y\n", {}, ValueError, ["header on line 1", "no data"]),
        ("a,b,y\n1,2,0\n", {"label_column": "z"}, ValueError, ["'z'", "['a', 'b', 'y']"]),
        ("a,b,y\n1,2,0\n", {"label_column": 3}, ValueError, ["3", "3 column(s)"]),
        ("1,2,0\n", {"label_column": 1.0}, TypeError, ["label_column"]),
        ("a;b;y\n1;2;0\n", {}, ValueError, ["delimiter=';'"]),
        ("a,b,y\n1,2,0\n", {"delimiter": ";;"}, ValueError, ["delimiter"]),
    ],
)
def test_bad_csv(tmp_path, text, kwargs, exc, fragments):
    p = _csv(tmp_path, text)
    with pytest.raises(exc) as info:
        load_csv(p, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_csv_regression_targets_are_kept_as_numbers(tmp_path):
    p = _csv(tmp_path, "a,b,price\n1,2,310.5\n3,4,-2\n5,6,1\n")
    data = load_csv(p, label_column="price", task="regression")
    assert data.Y.tolist() == [[310.5, -2.0, 1.0]] and data.classes is None
    assert data.X.tolist() == [[1, 3, 5], [2, 4, 6]]


@pytest.mark.parametrize(
    "text, kwargs, exc, fragment",
    [
        ("a,y\n1,2\n3,cheap\n", {"task": "regression"}, ValueError, "line 3, column 2 ('y'): target 'cheap' is not a number"),
        ("a,y\n1,2\n3,NA\n", {"task": "regression"}, ValueError, "line 3, column 2 ('y'): missing target 'NA'"),
        ("a,y\n1,2\n3,inf\n", {"task": "regression"}, ValueError, "target 'inf' is not a finite number"),
        ("a,y\n1,2\n", {"task": "regresion"}, ValueError, "The 'task' parameter of load_csv must be one of"),
        ("a,y\n1,2\n", {"task": "regression", "classes": [0, 1]}, TypeError, "must be None with task='regression'"),
    ],
)
def test_csv_regression_errors(tmp_path, text, kwargs, exc, fragment):
    with pytest.raises(exc) as info:
        load_csv(_csv(tmp_path, text), **kwargs)
    assert fragment in str(info.value)


def test_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_csv(tmp_path / "nope.csv")


def test_csv_not_utf8(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match="UTF-8"):
        load_csv(p)


def test_load_features_csv(tmp_path):
    X = load_features_csv(_csv(tmp_path, "a,b\n1,2\n3,4\n5,6\n"))
    assert X.shape == (2, 3) and X.tolist() == [[1, 3, 5], [2, 4, 6]]
    X = load_features_csv(_csv(tmp_path, "a,y,b\n1,cat,2\n", "with_label.csv"), ignore_column="y")
    assert X.tolist() == [[1], [2]]
    with pytest.raises(ValueError, match=r"line 3, column 2 \('b'\)"):
        load_features_csv(_csv(tmp_path, "a,b\n1,2\n3,?\n", "bad.csv"))


def test_standardize_errors():
    mean, std = standardization_stats(np.array([[1.0, 3.0], [2.0, 2.0]]))
    assert std.ravel().tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="2 features, but the standardization statistics expects 3"):
        standardize(np.ones((2, 4)), np.zeros((3, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="std must be > 0"):
        standardize(np.ones((2, 4)), np.zeros((2, 1)), np.zeros((2, 1)))


# ------------------------------------------------------------------ train/validation split


def test_train_val_split_partitions_columns():
    X = np.arange(30.0).reshape(3, 10)
    Y = (np.arange(10) % 2).reshape(1, 10)
    X_tr, Y_tr, X_val, Y_val = train_val_split(X, Y, 0.3, seed=4)
    assert X_tr.shape == (3, 7) and Y_tr.shape == (1, 7) and X_val.shape == (3, 3) and Y_val.shape == (1, 3)
    assert sorted(np.concatenate([X_tr[0], X_val[0]]).tolist()) == list(range(10))
    assert np.array_equal(Y_tr[0], X_tr[0] % 2) and np.array_equal(Y_val[0], X_val[0] % 2)
    perm = np.random.default_rng(4).permutation(10)
    assert X_val[0].tolist() == perm[:3].tolist()
    again = train_val_split(X, Y, 0.3, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, Y_tr, X_val, Y_val)))


def test_train_val_split_zero_fraction():
    X, Y = np.ones((2, 5)), np.zeros((1, 5))
    X_tr, Y_tr, X_val, Y_val = train_val_split(X, Y, 0.0, seed=0)
    assert X_tr.shape == (2, 5) and Y_tr.shape == (1, 5) and X_val is None and Y_val is None


@pytest.mark.parametrize(
    "X, Y, frac, seed, exc, fragment",
    [
        (np.ones((2, 5)), np.ones((1, 5)), 1.0, 0, ValueError, "[0, 1)"),
        (np.ones((2, 5)), np.ones((1, 5)), -0.1, 0, ValueError, "'val_fraction'"),
        (np.ones((2, 2)), np.ones((1, 2)), 0.9, 0, ValueError, "no training example"),
        (np.ones((2, 5)), np.ones((1, 4)), 0.2, 0, ValueError, "same number of examples"),
        (np.ones(5), np.ones((1, 5)), 0.2, 0, ValueError, "rank-1"),
        (np.ones((2, 5)), np.ones((1, 5)), 0.2, -3, ValueError, "'seed'"),
    ],
)
def test_train_val_split_errors(X, Y, frac, seed, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        train_val_split(X, Y, frac, seed)


# ------------------------------------------------------------------ held-out test part of a generated set


@pytest.mark.parametrize("name, m", [("moons", 200), ("planar", 400), ("blobs", 200)])
def test_load_dataset_split_holds_out_a_fixed_seeded_part(name, m):
    X, Y, X_test, Y_test = load_dataset_split(name, 0.2)
    X_all, Y_all = load_dataset(name)
    n_test = round(0.2 * m)
    assert X.shape == (2, m - n_test) and X_test.shape == (2, n_test) and Y_test.shape == (1, n_test)
    perm = np.random.default_rng(ds.HELD_OUT_SEED).permutation(m)
    np.testing.assert_array_equal(X_test, X_all[:, perm[:n_test]])
    np.testing.assert_array_equal(Y, Y_all[:, perm[n_test:]])
    again = load_dataset_split(name, 0.2)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X, Y, X_test, Y_test)))


def test_load_dataset_split_without_test_part_and_bad_fraction():
    X, Y, X_test, Y_test = load_dataset_split("circles", 0)
    assert X.shape == (2, 200) and X_test is None and Y_test is None
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError, match=re.escape("'test_fraction' parameter of load_dataset_split")):
            load_dataset_split("moons", bad)
