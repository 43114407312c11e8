"""The command line's evaluation and inspection (issue 13): metrics, pictures, held-out data, info, regression."""

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from denseflow import datasets, load
from denseflow.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _json(capsys):
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    """``denseflow train --dataset moons`` with the default held-out test part (0.2)."""
    run_dir = tmp_path_factory.mktemp("moons") / "run"
    assert main(["train", "--dataset", "moons", "--layers", "8", "--iterations", "1500", "--quiet",
                 "--out", str(run_dir)]) == 0
    return run_dir


# ------------------------------------------------------------------ held-out data of generated sets


def test_train_holds_out_a_seeded_test_part_and_scores_it_as_scikit_learn_does(moons_run):
    model = load(moons_run / "model.npz")
    X, Y, X_test, Y_test = datasets.load_dataset_split("moons", 0.2)
    X_all, _ = datasets.load_dataset("moons")
    assert X.shape == (2, 160) and X_test.shape == (2, 40)
    # the 40 test points are points of the set the model was not trained on
    assert not np.any(np.all(np.isclose(X_test[:, :, None], X[:, None, :]), axis=0))
    assert sorted(map(tuple, np.hstack([X, X_test]).T)) == sorted(map(tuple, X_all.T))
    saved = json.loads((moons_run / "metrics.json").read_text())
    test = saved["metrics"]["test"]
    y_true, y_pred = Y_test.ravel().astype(int), model.predict(X_test).ravel()
    p = model.predict_proba(X_test).ravel()
    assert test["m"] == 40 and saved["test_accuracy"] == test["accuracy"] == skm.accuracy_score(y_true, y_pred)
    assert test["confusion_matrix"] == skm.confusion_matrix(y_true, y_pred).tolist()
    assert test["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, p), abs=1e-12)
    assert test["log_loss"] == pytest.approx(skm.log_loss(y_true, p), abs=1e-12)
    precision, recall, f1, support = skm.precision_recall_fscore_support(y_true, y_pred)
    assert [c["f1"] for c in test["per_class"]] == pytest.approx(f1.tolist(), abs=1e-12)
    assert [c["support"] for c in test["per_class"]] == support.tolist() and sum(support) == 40
    assert saved["metrics"]["train"]["m"] == 160 and saved["metrics"]["validation"] is None
    assert saved["train_accuracy"] == model.accuracy(X, Y)
    assert "held out with --test-fraction 0.2" in saved["test_set"]
    for name in ("confusion_matrix.png", "roc.png", "decision_boundary.png", "cost.png"):
        assert (moons_run / name).read_bytes()[:8] == PNG_SIGNATURE, name


def test_evaluate_moons_scores_the_held_out_points_and_says_so(moons_run, capsys):
    capsys.readouterr()
    assert main(["evaluate", moons_run / "model.npz", "--dataset", "moons", "--json"]) == 0
    result = _json(capsys)
    assert list(result["results"]) == ["test"]
    test = result["results"]["test"]
    _, _, X_test, Y_test = datasets.load_dataset_split("moons", 0.2)
    model = load(moons_run / "model.npz")
    assert test["m"] == 40 and test["accuracy"] == model.accuracy(X_test, Y_test)
    assert test["cost"] == pytest.approx(model.cost(X_test, Y_test))
    assert "never saw them" in test["data"] and "--test-fraction 0.2 (the run's" in test["data"]
    assert main(["evaluate", moons_run / "model.npz", "--dataset", "moons"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "(40 examples)" in out and "never saw them" in out
    assert "confusion matrix (rows: true class, columns: predicted)" in out


def test_evaluate_without_dataset_scores_the_runs_own_splits(moons_run, capsys):
    capsys.readouterr()
    assert main(["evaluate", moons_run / "model.npz", "--json"]) == 0
    results = _json(capsys)["results"]
    saved = json.loads((moons_run / "metrics.json").read_text())["metrics"]
    assert list(results) == ["train", "test"]
    for split in ("train", "test"):
        assert results[split]["confusion_matrix"] == saved[split]["confusion_matrix"]
        assert results[split]["log_loss"] == pytest.approx(saved[split]["log_loss"], abs=1e-12)


def test_model_trained_on_the_whole_set_is_scored_on_new_points(tmp_path, capsys):
    assert main(["train", "--dataset", "circles", "--layers", "6", "--iterations", "300", "--test-fraction", "0",
                 "--quiet", "--out", tmp_path / "r"]) == 0
    saved = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert saved["metrics"]["train"]["m"] == 200 and saved["metrics"]["test"] is None
    capsys.readouterr()
    assert main(["evaluate", tmp_path / "r" / "model.npz", "--dataset", "circles", "--json"]) == 0
    results = _json(capsys)["results"]
    X_new, Y_new = datasets.load_dataset("circles", held_out=True)
    assert list(results) == ["held-out"] and results["held-out"]["m"] == 200
    assert results["held-out"]["accuracy"] == load(tmp_path / "r" / "model.npz").accuracy(X_new, Y_new)
    assert "another seed" in results["held-out"]["data"]


def test_default_planar_run_keeps_the_courses_400_training_points(tmp_path, capsys):
    # The course trains on all 400 points of the flower: no test part by default in course mode.
    assert main(["train", "--iterations", "50", "--json", "--quiet", "--out", tmp_path / "a"]) == 0
    result = _json(capsys)
    assert result["metrics"]["train"]["m"] == 400 and result["test_accuracy"] is None
    assert main(["train", "--iterations", "50", "--no-course", "--json", "--quiet", "--out", tmp_path / "b"]) == 0
    assert _json(capsys)["metrics"]["test"]["m"] == 80


def test_plot_redraws_the_metric_pictures(moons_run, capsys):
    for name in ("confusion_matrix.png", "roc.png"):
        (moons_run / name).unlink()
    capsys.readouterr()
    assert main(["plot", moons_run]) == 0
    written = [Path(p).name for p in capsys.readouterr().out.split()]
    assert {"confusion_matrix.png", "roc.png"} <= set(written)
    assert (moons_run / "roc.png").read_bytes()[:8] == PNG_SIGNATURE


def test_train_prints_labelled_scores_and_the_table(tmp_path, capsys):
    assert main(["train", "--dataset", "blobs", "--layers", "5", "--iterations", "200", "--val-fraction", "0.25",
                 "--out", tmp_path / "r"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("  train accuracy") for line in lines)
    assert any(line.startswith("  val accuracy") for line in lines)
    assert any(line.startswith("  test accuracy") for line in lines)
    assert "Scores on the test set: 40 points of the blobs set held out" in out
    assert "macro avg" in out and "ROC-AUC" in out


# ------------------------------------------------------------------ CSV: test file, regression


def _houses(path, m, seed):
    """price = 300 + 50 area − 20 age² + 10 rooms + noise: real targets far from 0 and 1."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (m, 3))
    y = 300 + 50 * X[:, 0] - 20 * X[:, 1] ** 2 + 10 * X[:, 2] + rng.normal(0, 2, m)
    lines = ["area,age,rooms,price"] + [",".join(f"{v:.5f}" for v in row) + f",{t:.4f}" for row, t in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return X.T, y.reshape(1, -1)


def test_csv_regression_round_trip_in_original_units(tmp_path, capsys):
    _houses(tmp_path / "train.csv", 300, seed=0)
    _houses(tmp_path / "test.csv", 80, seed=1)
    table = datasets.load_csv(tmp_path / "test.csv", label_column="price", task="regression")
    X_test, y_test = table.X, table.Y  # as written (5 and 4 decimals)
    assert main(["train", "--dataset", "csv", "--data", tmp_path / "train.csv", "--test-data", tmp_path / "test.csv",
                 "--label-column", "price", "--task", "regression", "--model", "deep", "--layers", "16,8",
                 "--learning-rate", "0.05", "--iterations", "1500", "--json", "--quiet", "--out", tmp_path / "r"]) == 0
    result = _json(capsys)
    assert result["task"] == "regression" and result["train_accuracy"] is None
    model_path = tmp_path / "r" / "model.npz"
    model = load(model_path)
    assert model.output_ == "identity" and model.standardize_targets
    assert float(model.target_mean_[0, 0]) == pytest.approx(278, abs=15)  # stored in the file
    test = result["metrics"]["test"]
    y_hat = model.predict(X_test)
    assert test["mse"] == pytest.approx(skm.mean_squared_error(y_test.ravel(), y_hat.ravel()), rel=1e-9)
    assert test["r2"] == pytest.approx(skm.r2_score(y_test.ravel(), y_hat.ravel()), rel=1e-9)
    assert test["r2"] > 0.97 and test["mae"] < 10  # in dollars, not standardized units
    assert (tmp_path / "r" / "predicted_vs_true.png").read_bytes()[:8] == PNG_SIGNATURE

    assert main(["info", model_path]) == 0
    out = capsys.readouterr().out
    assert "output identity, loss squared_error" in out and "targets: standardized for training (mean" in out
    assert "target standardization: mean and std" in out

    assert main(["evaluate", model_path, "--test-data", tmp_path / "test.csv", "--json"]) == 0
    evaluated = _json(capsys)["results"]["test"]
    assert evaluated["mse"] == pytest.approx(test["mse"], rel=1e-12) and evaluated["m"] == 80

    assert main(["predict", model_path, "--input", tmp_path / "test.csv", "--ignore-column", "price"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "prediction"
    predicted = np.array([float(r) for r in rows[1:]])
    np.testing.assert_allclose(predicted, y_hat.ravel(), rtol=1e-12)
    assert np.abs(predicted - y_test.ravel()).mean() < 10  # the original units: prices near 300


def test_csv_test_file_with_other_columns_is_refused(tmp_path, capsys):
    _houses(tmp_path / "train.csv", 40, seed=0)
    (tmp_path / "other.csv").write_text("area,height,rooms,price\n1,2,3,300\n2,3,4,310\n")
    capsys.readouterr()
    code = main(["train", "--dataset", "csv", "--data", tmp_path / "train.csv", "--test-data", tmp_path / "other.csv",
                 "--label-column", "price", "--task", "regression", "--iterations", "10", "--out", tmp_path / "r"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "has the columns ['area', 'height', 'rooms', 'price']" in err and "same columns" in err


def test_csv_test_file_labels_follow_the_training_classes(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((60, 2))
    text = "a,b,kind\n" + "".join(f"{x:.4f},{y:.4f},{'dog' if x > 0 else 'cat'}\n" for x, y in rows)
    (tmp_path / "t.csv").write_text(text)
    (tmp_path / "test.csv").write_text("a,b,kind\n2,0,dog\n-2,0,cat\n1.5,1,dog\n")
    (tmp_path / "bird.csv").write_text("a,b,kind\n2,0,bird\n")
    common = ["train", "--dataset", "csv", "--data", tmp_path / "t.csv", "--label-column", "kind", "--model",
              "logistic", "--learning-rate", "0.5", "--iterations", "300", "--json", "--quiet"]
    assert main(common + ["--test-data", tmp_path / "test.csv", "--out", tmp_path / "r"]) == 0
    test = _json(capsys)["metrics"]["test"]
    assert test["classes"] == ["cat", "dog"] and test["confusion_matrix"] == [[1, 0], [0, 2]]
    assert main(common + ["--test-data", tmp_path / "bird.csv", "--out", tmp_path / "r2"]) == 2
    assert "'bird' is not one of the known classes ['cat', 'dog']" in capsys.readouterr().err


# ------------------------------------------------------------------ info


def test_info_lists_layers_shapes_settings_and_checks(moons_run, capsys):
    capsys.readouterr()
    assert main(["info", moons_run / "model.npz", "--json"]) == 0
    result = _json(capsys)
    summary, file = result["summary"], result["file"]
    model = load(moons_run / "model.npz")
    assert [layer["W"] for layer in summary["layers"]] == [[8, 2], [1, 8]]
    assert [layer["b"] for layer in summary["layers"]] == [[8, 1], [1, 1]]
    assert [layer["parameters"] for layer in summary["layers"]] == [8 * 2 + 8, 8 + 1]
    assert summary["total_parameters"] == sum(a.size for a in model.parameters_.values())
    assert [layer["activation"] for layer in summary["layers"]] == ["tanh", "sigmoid"]
    assert summary["loss"] == "binary_cross_entropy" and summary["classes"] == ["0", "1"]
    assert summary["history_length"] == 1500 and summary["history_unit"] == "iteration"
    assert summary["config"]["learning_rate"] == 1.2 and summary["config"]["n_h"] == 8
    assert file["format_version"] == 2 and file["bytes"] == (moons_run / "model.npz").stat().st_size
    assert any("SHA-256" in check for check in file["checks_passed"])
    assert "not signed" in file["signature"]
    assert main(["info", moons_run / "model.npz"]) == 0
    out = capsys.readouterr().out
    assert "ShallowNetwork: 2 layers, 33 parameters, output sigmoid" in out
    assert "1      8      tanh        (8, 2)  (8, 1)  24" in out and "file checks passed:" in out
    assert "trained: 1500 iterations recorded" in out


@pytest.mark.parametrize("content, fragment", [(b"not a zip", "not"), (None, "no such")])
def test_info_of_a_bad_file_is_a_one_line_error(tmp_path, capsys, content, fragment):
    path = tmp_path / "model.npz"
    if content is not None:
        path.write_bytes(content)
    assert main(["info", path]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and fragment in err.lower()


# ------------------------------------------------------------------ the course's cat run


@pytest.mark.slow
def test_cat_run_prints_the_courses_80_percent_with_its_confusion_matrix(cat_dir, tmp_path, capsys):
    assert main(["train", "--dataset", "cat", "--data", cat_dir, "--out", tmp_path / "cat"]) == 0
    out = capsys.readouterr().out
    assert "  train accuracy  98.56 %" in out and "  test accuracy   80.00 %" in out
    assert "Scores on the test set: the 50 images of test_catvnoncat.h5" in out
    # the course's test set: 17 non-cats, 33 cats; 40 of 50 right
    saved = json.loads((tmp_path / "cat" / "metrics.json").read_text())["metrics"]["test"]
    cm = np.array(saved["confusion_matrix"])
    assert cm.sum(axis=1).tolist() == [17, 33] and int(np.trace(cm)) == 40
    assert saved["classes"] == ["non-cat", "cat"]
    assert "non-cat" in out and "confusion matrix" in out
    assert (tmp_path / "cat" / "confusion_matrix.png").exists() and (tmp_path / "cat" / "roc.png").exists()


# ------------------------------------------------------------------ the README's outputs

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_block(first_line_start: str) -> list:
    """The lines of the README's ``` block whose first line starts with ``first_line_start``."""
    blocks = README.read_text(encoding="utf-8").split("```")
    block = next(b for b in blocks[1::2] if b.strip().startswith(first_line_start))
    return [line.rstrip() for line in block.strip().splitlines()]


def test_readme_info_output_is_what_info_prints(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--dataset", "moons", "--layers", "8", "--out", "runs/moons", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", "runs/moons/model.npz"]) == 0
    printed = capsys.readouterr().out.splitlines()
    shown = [line for line in _readme_block("runs/moons/model.npz") if line.strip() != "…"]
    assert shown[0] == printed[0]  # path, size, format
    for line in shown[1:]:
        assert line in printed or line.strip() in " ".join(printed), line


@pytest.mark.slow
def test_readme_cat_scores_are_what_the_cat_run_prints(cat_dir, tmp_path, capsys):
    assert main(["train", "--dataset", "cat", "--data", cat_dir, "--out", tmp_path / "cat"]) == 0
    printed = capsys.readouterr().out.splitlines()
    for line in _readme_block("DeepNetwork [12288"):
        if line.strip().startswith("time"):
            continue
        assert line in printed, line
