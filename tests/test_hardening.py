"""Regression tests for issue 14's defects (labels, one class, silent bad runs, huge features, run-folder
races and leftovers, the course's data, the slow marker, BLAS threads, honest CLI output and docs).

Each test names the item of the issue it pins down.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest
from _polling import wait_for
from conftest import CAT_FILES, DATA_VARIABLE, needs_cat

from denseflow import datasets, load
from denseflow.cli import main
from denseflow.cli.runs import in_flags
from denseflow.datasets import load_csv, standardization_stats
from denseflow.models import DeepNetwork, LogisticRegression, ShallowNetwork
from denseflow.training import History, TrainingWarning, blas_threads, choose_threads
from denseflow.training import threads as threads_module

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "denseflow"]


def _write_csv(path, X, labels, header=("x1", "x2", "label"), delimiter=","):
    lines = [delimiter.join(header)] + [delimiter.join([repr(float(a)), repr(float(b)), str(c)])
                                        for (a, b), c in zip(X, labels)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _separable(m=80, seed=0):
    """Two features; class 'high' iff x1 + x2 > 0 (a logistic regression learns it exactly)."""
    X = np.random.default_rng(seed).standard_normal((m, 2))
    return X, X.sum(axis=1) > 0


# ----------------------------------------------------------------------------- 4. labels


def test_item4_labels_are_mapped_through_the_model_class_names(tmp_path, capsys):
    X, high = _separable()
    train = _write_csv(tmp_path / "train.csv", X, np.where(high, 2, 1))  # labels {1, 2}
    assert main(["train", "--dataset", "csv", "--data", train, "--model", "logistic", "--learning-rate", "1",
                 "--iterations", "300", "--quiet", "--out", tmp_path / "r"]) == 0
    capsys.readouterr()
    model = load(tmp_path / "r" / "model.npz")
    assert model.class_names_ == ["1", "2"]
    # Only label-1 rows: read as indices they would all be "class 2" and score 0.0.
    ones = _write_csv(tmp_path / "ones.csv", X[~high], [1] * int((~high).sum()))
    assert main(["evaluate", tmp_path / "r" / "model.npz", "--dataset", "csv", "--data", ones, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"]["all"]
    assert main(["predict", tmp_path / "r" / "model.npz", "--input", ones, "--ignore-column", "label"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    said_one = np.mean([row.split(",")[1] == "1" for row in rows])
    assert result["accuracy"] == pytest.approx(said_one) and said_one == 1.0


def test_item4_a_label_the_model_does_not_know_is_an_error(tmp_path, capsys):
    X, high = _separable()
    train = _write_csv(tmp_path / "train.csv", X, high.astype(int))  # 0/1: no class names
    assert main(["train", "--dataset", "csv", "--data", train, "--model", "logistic", "--iterations", "50",
                 "--quiet", "--out", tmp_path / "r"]) == 0
    other = _write_csv(tmp_path / "other.csv", X, np.where(high, 2, 1))  # labels {1, 2}: 2 is unknown
    capsys.readouterr()
    assert main(["evaluate", tmp_path / "r" / "model.npz", "--dataset", "csv", "--data", other]) == 2
    err = capsys.readouterr().err
    assert "label '2' is not one of the known classes ['0', '1']" in err and err.count("\n") == 1


def test_item4_load_csv_with_known_classes(tmp_path):
    path = _write_csv(tmp_path / "t.csv", np.zeros((4, 2)), ["yes", "no", "1.0", "yes"])
    Y = load_csv(path, classes=["no", "yes", 1]).Y
    np.testing.assert_array_equal(Y, [[1, 0, 2, 1]])
    with pytest.raises(ValueError, match=r"line 3, column 3 \('label'\): label 'no' is not one of the known"):
        load_csv(path, classes=["yes", "1"])


# ----------------------------------------------------------------------------- 5. one class


@pytest.mark.parametrize("label", ["0", "yes"])
def test_item5_one_class_is_refused_on_the_command_line(tmp_path, capsys, label):
    path = _write_csv(tmp_path / "one.csv", np.random.default_rng(0).standard_normal((20, 2)), [label] * 20)
    assert main(["train", "--dataset", "csv", "--data", path, "--quiet", "--out", tmp_path / "r"]) == 2
    err = capsys.readouterr().err
    assert "needs at least two classes" in err and repr(label) in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_item5_one_class_is_refused_by_fit_unless_the_output_is_given():
    X = np.random.default_rng(0).standard_normal((2, 10))
    with pytest.raises(ValueError, match="needs at least two classes in Y, but Y holds only one: 1"):
        ShallowNetwork(n_h=2, num_iterations=5).fit(X, np.ones((1, 10)))
    history = LogisticRegression(num_iterations=5, output_activation="sigmoid").fit(X, np.ones((1, 10)))
    assert len(history.costs) == 5  # one batch of one class, as scikit-learn's partial_fit may pass


# ----------------------------------------------------------------------------- 6. silent bad runs


def test_item6_a_rising_cost_warns_and_says_so_in_json(tmp_path, capsys):
    assert main(["train", "--dataset", "moons", "--test-fraction", "0", "--learning-rate", "1000", "--json",
                 "--quiet", "--out", tmp_path / "r"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["final_cost"] > 100 * result["costs"][0][1]
    assert len(result["warnings"]) == 1 and "ended above where it started (0.692995" in result["warnings"][0]
    assert err == f"denseflow: warning: {result['warnings'][0]}\n"
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["warnings"] == result["warnings"]


@pytest.mark.parametrize("learning_rate, stalled", [(0.5, True), (0.01, False)])
def test_item6_dead_relu_units_warn(learning_rate, stalled):
    X, Y = datasets.noisy_moons()
    model = DeepNetwork([2, 8, 1], learning_rate=learning_rate, num_iterations=400)
    start = {"W1": np.ones((8, 2)), "b1": np.full((8, 1), -100.0), "W2": np.ones((1, 8)), "b2": np.full((1, 1), 2.0)}
    with pytest.warns(TrainingWarning) as caught:
        history = model.fit(X, Y, initial_parameters=start)  # every ReLU is dead: only b2 learns
    messages = [str(w.message) for w in caught]
    assert model.accuracy(X, Y) == 0.5 and history.final_cost < history.costs[0]
    assert messages[-1].startswith("Every example gets the same output: the network ignores its input")
    # with α = 0.5 the cost settles at log 2 (balanced classes); with α = 0.01 it is still moving
    assert len(messages) == 1 + stalled and len(history.problems) == int(stalled)
    if stalled:
        assert messages[0].startswith("The cost stopped moving: it stayed at 0.693147 from iteration 200 to 400")


def test_item6_a_good_run_has_no_problems():
    X, Y = datasets.planar_flower()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        history = ShallowNetwork(n_h=4, num_iterations=2000, course=True, seed=2).fit(X, Y)
    assert history.problems == []
    assert History([0, 5], [0.7, 9.0], final_cost=9.0).problems == []  # too short to judge


# ----------------------------------------------------------------------------- 7. huge features


def test_item7_an_overflowing_feature_is_named(tmp_path, capsys):
    X, high = _separable(m=20)
    X[:, 1] = np.where(high, 1e308, -1e308)
    path = _write_csv(tmp_path / "huge.csv", X, high.astype(int), header=("size", "weight", "label"))
    assert main(["train", "--dataset", "csv", "--data", path, "--quiet", "--out", tmp_path / "r"]) == 2
    err = capsys.readouterr().err
    assert "Feature 2 ('weight') holds values up to 1e+308" in err and "Training diverged" not in err
    with pytest.raises(ValueError, match=r"Feature 1 holds values up to 1e\+200"):
        standardization_stats(np.array([[1e200, -1e200, 3.0]]))


# ----------------------------------------------------------------------------- 8. two runs, one folder


def test_item8_a_folder_in_use_is_refused(tmp_path, capsys):
    import fcntl

    folder = tmp_path / "r"
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds it
        assert main(["train", "--iterations", "10", "--quiet", "--out", folder]) == 2
    finally:
        os.close(fd)
    assert "another denseflow run is using this folder right now" in capsys.readouterr().err
    assert list(folder.iterdir()) == []
    assert main(["train", "--iterations", "10", "--quiet", "--out", folder]) == 0  # released: free again


def test_item8_two_runs_started_together_cannot_both_claim_the_folder(tmp_path):
    folder = tmp_path / "same"
    runs = [subprocess.Popen(CLI + ["train", "--iterations", "3000", "--learning-rate", rate, "--quiet", "--out",
                                    str(folder)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for rate in ("1.2", "0.6")]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert "another denseflow run is using this folder" in loser or "exists and is not empty" in loser
    config = json.loads((folder / "config.json").read_text())
    assert load(folder / "model.npz").learning_rate == config["spec"]["learning_rate"]  # one run's files


# ----------------------------------------------------------------------------- 13. leftovers, Ctrl-C


DIVERGING = ["train", "--model", "deep", "--layers", "50,50", "--init", "he", "--learning-rate", "1e100",
             "--iterations", "50", "--quiet"]


def test_item13_a_run_that_diverged_leaves_a_folder_that_can_be_reused(tmp_path, capsys):
    folder = tmp_path / "r"
    assert main(DIVERGING + ["--out", folder]) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["config.json"]
    capsys.readouterr()
    assert main(["train", "--resume", folder]) == 2  # nothing to resume, and it says how to start again
    err = capsys.readouterr().err
    assert "nothing to resume" in err and f"denseflow train --out {folder} --dataset planar --model deep" in err
    command = err.split("Start the run again in the same folder: ")[1].split()
    assert command[:2] == ["denseflow", "train"] and "--checkpoint-every" in command
    assert main(command[1:] + ["--learning-rate", "0.01", "--iterations", "20", "--quiet"]) == 0  # reused
    assert "starting over in it" in capsys.readouterr().err
    assert (folder / "model.npz").exists()


def test_item13_ctrl_c_without_checkpoints_prints_the_command_that_starts_again(tmp_path, capsys, monkeypatch):
    from denseflow.cli import progress

    def interrupt(self, event):
        raise KeyboardInterrupt

    monkeypatch.setattr(progress.Progress, "__call__", interrupt)
    assert main(["train", "--iterations", "100", "--print-every", "10", "--out", tmp_path / "r"]) == 130
    err = capsys.readouterr().err
    assert "interrupted and it wrote no checkpoints" in err
    assert f"denseflow train --out {tmp_path / 'r'} --dataset planar" in err and "--checkpoint-every 10" in err


def test_item13_ctrl_c_prints_where_the_checkpoint_is_and_the_resume_command(tmp_path):
    folder = tmp_path / "r"
    child = subprocess.Popen(CLI + ["train", "--iterations", "2000000", "--checkpoint-every", "2000", "--quiet",
                                    "--out", str(folder)], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (folder / "checkpoint.npz").exists() or child.poll() is not None)
    finally:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert re.search(rf"The last checkpoint \(iteration \d+ of 2000000\) is {re.escape(str(folder))}/checkpoint.npz",
                     err)
    assert f"denseflow train --resume {folder}" in err


# ----------------------------------------------------------------------------- 14. the course's data


def test_item14_the_suite_skips_with_the_reason_when_the_data_are_elsewhere(tmp_path):
    env = {**os.environ, DATA_VARIABLE: str(tmp_path / "nonexistent"), "MPLBACKEND": "Agg"}
    tests = ["tests/test_datasets.py::test_missing_optional_dependency_names_the_extra",
             "tests/test_datasets.py::test_cat_shapes_values_counts"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *tests],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 1 skipped" in result.stdout
    assert f"not found in {tmp_path / 'nonexistent'} (set DENSEFLOW_DATA" in result.stdout


# ----------------------------------------------------------------------------- 15. the slow marker


def test_item15_plain_pytest_leaves_the_slow_runs_to_a_separate_ci_step():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in options["addopts"]
    ci = (ROOT / ".ci" / "run").read_text()
    main_run, slow_run = ci.index('pip install -e ".[test]" && pytest'), ci.index("pytest -m slow")
    assert main_run < slow_run and "timeout" in ci[slow_run - 200:slow_run]


# ----------------------------------------------------------------------------- 16. BLAS threads


def test_item16_thread_policy(monkeypatch):
    monkeypatch.delenv("DENSEFLOW_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads_module, "_cores", lambda: 2)
    monkeypatch.setattr(threads_module, "_busy_cores", lambda: 0)
    assert choose_threads([2, 4, 1], 400) == 1  # small products: one thread
    assert choose_threads([12288, 20, 7, 5, 1], 209) is None  # large products, free cores: the BLAS default
    monkeypatch.setattr(threads_module, "_busy_cores", lambda: 1)
    assert choose_threads([12288, 20, 7, 5, 1], 209) == 1  # a busy core: no thread waits on it
    monkeypatch.setenv("DENSEFLOW_NUM_THREADS", "2")
    assert choose_threads([2, 4, 1], 400) == 2 and choose_threads([2, 4, 1], 400, "auto") == 1
    monkeypatch.setenv("DENSEFLOW_NUM_THREADS", "two")
    with pytest.raises(ValueError, match="DENSEFLOW_NUM_THREADS must be 'auto' or a whole number >= 1. Got 'two'"):
        choose_threads([2, 4, 1], 400)


def test_item16_blas_threads_limits_and_restores():
    from threadpoolctl import threadpool_info

    def blas():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas()
    with blas_threads(1):
        assert set(blas()) == {1}
    assert blas() == before


def test_item16_threads_option_sets_the_variable_for_the_command(monkeypatch, tmp_path, capsys):
    seen = []
    monkeypatch.delenv("DENSEFLOW_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads_module, "parse_threads",
                        lambda value, source="threads": seen.append(value) or 1)
    assert main(["train", "--threads", "1", "--iterations", "10", "--quiet", "--out", tmp_path / "r"]) == 0
    assert seen == ["1"] and "DENSEFLOW_NUM_THREADS" not in os.environ
    assert main(["train", "--threads", "0"]) == 2
    assert "--threads: expected 'auto' or a whole number >= 1, got '0'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- 17. honest output


@pytest.fixture(scope="module")
def moons_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("moons") / "r"
    assert main(["train", "--dataset", "moons", "--test-fraction", "0", "--layers", "8", "--iterations", "2000",
                 "--quiet", "--out", folder]) == 0
    return folder / "model.npz"


def test_item17_evaluate_on_a_generated_set_scores_held_out_points(moons_model, capsys):
    capsys.readouterr()
    assert main(["evaluate", moons_model, "--dataset", "moons", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert list(results) == ["held-out"] and results["held-out"]["m"] == 200
    X_new, Y_new = datasets.load_dataset("moons", held_out=True)
    X, _ = datasets.load_dataset("moons")
    assert not np.any(np.all(np.isclose(X_new[:, :, None], X[:, None, :]), axis=0))  # no training point
    assert results["held-out"]["accuracy"] == load(moons_model).accuracy(X_new, Y_new)
    assert main(["evaluate", moons_model, "--dataset", "moons"]) == 0
    assert "held-out accuracy" in capsys.readouterr().out


def test_item17_held_out_blobs_come_from_the_same_blobs():
    X, Y = datasets.blobs(m=3000)
    X_new, Y_new = datasets.load_dataset("blobs", m=3000, held_out=True)
    for k in (0, 1):
        np.testing.assert_allclose(X_new[:, Y_new[0] == k].mean(axis=1), X[:, Y[0] == k].mean(axis=1), atol=0.2)


@pytest.mark.parametrize(
    "case, args, expected",
    [
        ("label-column", ["train", "--dataset", "csv", "--data", "{t}", "--label-column", "kind"],
         "--label-column is 'kind', which is not a column of"),
        ("semicolons", ["train", "--dataset", "csv", "--data", "{semi}"],
         "is it the delimiter (--delimiter ';')?"),
        ("wrong-features", ["evaluate", "{model}", "--dataset", "csv", "--data", "{three}"],
         "has 3 feature column(s), but the model was trained on 2"),
        ("transposed-npy", ["predict", "{model}", "--input", "{transposed}"],
         "has shape (5, 2), but the model expects (2, m): one column per example. It looks transposed"),
        ("delimiter-twice", ["train", "--dataset", "csv", "--data", "{t}", "--delimiter", ";;"],
         "--delimiter: expected one character"),
    ],
)
def test_item17_errors_speak_in_flags(case, args, expected, moons_model, tmp_path, capsys):
    X, high = _separable(m=10)
    files = {"t": _write_csv(tmp_path / "t.csv", X, high.astype(int)),
             "semi": _write_csv(tmp_path / "semi.csv", X, high.astype(int), delimiter=";"),
             "three": tmp_path / "three.csv", "transposed": tmp_path / "x.npy", "model": moons_model}
    files["three"].write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n")
    np.save(files["transposed"], np.zeros((5, 2)))
    capsys.readouterr()
    assert main([a.format(**files) for a in args]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    for library_word in ("load_csv", "load_features_csv", "delimiter=", "X.T", "parameter of"):
        assert library_word not in err


def test_item17_delimiter_option_end_to_end(tmp_path, capsys):
    X, high = _separable()
    path = _write_csv(tmp_path / "semi.csv", X, np.where(high, "yes", "no"), delimiter=";")
    assert main(["train", "--dataset", "csv", "--data", path, "--delimiter", ";", "--model", "logistic",
                 "--iterations", "300", "--learning-rate", "1", "--quiet", "--out", tmp_path / "r"]) == 0
    assert main(["evaluate", tmp_path / "r" / "model.npz", "--dataset", "csv", "--data", path, "--delimiter",
                 "semicolon", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["results"]["all"]["accuracy"] >= 0.95
    spec = json.loads((tmp_path / "r" / "config.json").read_text())["spec"]
    assert spec["delimiter"] == ";"


def test_item17_planar_sets_need_no_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("scikit-learn") for d in project["dependencies"])
    assert any(d.startswith("threadpoolctl") for d in project["dependencies"])
    assert not any(d.startswith("scikit-learn") for d in project["optional-dependencies"]["data"])
    code = ("import sys, denseflow, denseflow.cli.app; import denseflow.training;"
            "print(sorted(m for m in ('sklearn', 'threadpoolctl', 'h5py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_item17_reproduce_shows_progress_tolerance_and_what_it_skipped(monkeypatch, capsys):
    from denseflow import reproduce

    monkeypatch.setattr(reproduce, "EXPERIMENTS", {k: reproduce.EXPERIMENTS[k] for k in ("engine", "cat-logistic")})
    assert main(["reproduce"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"reproduce: \[1/1\] engine \.\.\. \d+\.\d s\nreproduce: 1 experiment\(s\) in", err)
    header = out.splitlines()[0].split()
    assert header == ["experiment", "figure", "published", "obtained", "tolerance", "match"]
    assert "5e-09" in out.splitlines()[2]
    assert "Skipped for want of data: cat-logistic (they need" in out and "train_catvnoncat.h5" in out
    assert main(["reproduce", "--json"]) == 0
    skipped = json.loads(capsys.readouterr().out)["skipped"]
    assert skipped == [{"experiment": "cat-logistic", "needs": list(CAT_FILES)}]


def test_cli_messages_in_flags():
    assert in_flags("The 'ignore_column' parameter of load_features_csv is 7, but t.csv has 2 column(s)") == \
        "--ignore-column is 7, but t.csv has 2 column(s)"


# ----------------------------------------------------------------------------- 17. the README's figures


def _first_table(text, title):
    """The first markdown table after ``title`` in ``text``: a list of rows of stripped cells."""
    lines = text.split(title, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in lines[start:end]
            if not set(row.strip()) <= set("|-: ")]


def _readme_table(title):
    return _first_table((ROOT / "README.md").read_text(), title)


def _numbers(text):
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text.replace(",", " "))]


def _decimals(text):
    return [len(x.split(".")[1]) if "." in x else 0 for x in re.findall(r"\d+(?:\.\d+)?", text.replace(",", " "))]


@pytest.fixture(scope="module")
def planar_figures():
    from denseflow import reproduce

    return reproduce.run(experiments=["planar"])


def test_item17_readme_figures_come_from_reproduce(planar_figures):
    rows = {row[0]: row for row in _readme_table("## The course's figures, reproduced")}
    sizes = [f.obtained for f in planar_figures if f.experiment == "planar hidden sizes"]
    row = rows["hidden-layer sizes 1, 2, 3, 4, 5, 20, 50 (5000 it.)"]
    assert _numbers(row[2])[:7] == sizes  # the n_h = 50 figure was 90.25 where reproduce gives 90.75
    flower = rows["planar flower, n_h = 4, tanh, α 1.2"]
    cell = flower[1] if flower[2] == "same" else flower[2]
    shown = list(zip(_numbers(cell), _decimals(cell)))
    for f in planar_figures:
        if f.experiment == "planar n_h=4":
            assert any(abs(v - f.obtained) <= 0.5 * 10 ** -d + 1e-12 for v, d in shown), f
    sweep = _readme_table("The course's table of accuracy against the hidden-layer size")
    assert [float(v) for v in sweep[1][1:]] == sizes  # the sweep's table says the same


@pytest.mark.slow
@needs_cat
def test_item17_readme_cat_figures_come_from_reproduce(cat_dir):
    from denseflow import reproduce

    figures = reproduce.run(cat_dir, experiments=["cat-logistic", "cat-2-layer", "cat-L-layer"])
    rows = _readme_table("## The course's figures, reproduced")
    keys = {"cat logistic regression": "logistic regression, cat data", "cat 2-layer [12288, 7, 1]": "2-layer",
            "cat L-layer [12288, 20, 7, 5, 1]": "L-layer"}
    for f in figures:
        row = next(r for r in rows if keys[f.experiment] in r[0])
        cell = row[1] if row[2].startswith("same") else row[2]
        shown = list(zip(_numbers(cell), _decimals(cell)))
        assert any(abs(v - f.obtained) <= 0.5 * 10 ** -d + 1e-12 for v, d in shown), f


def test_item17_readme_speed_table_matches_the_benchmark_results():
    readme = _readme_table("## Speed")
    results = _first_table((ROOT / "benchmarks" / "RESULTS.md").read_text(), "### ms per iteration")
    assert results[0][2] == "denseflow" and results[0][6] == "GEMM bound"
    table = {(row[0], row[1]): [float(c.strip("*")) for c in row[2:7]] for row in results[1:]}
    assert table and readme[0][1] == "denseflow"
    for row in readme[1:]:
        workload = row[0].split()[0]
        for column, cell in enumerate(row[1:6]):
            for dtype, text in zip(("float64", "float32"), cell.split("/")):
                shown, decimals = float(text), _decimals(text)[0]
                assert abs(shown - table[(workload, dtype)][column]) <= 0.5 * 10 ** -decimals + 1e-9, (row, column)


def test_item17_readme_minibatch_table_matches_the_benchmark_results():
    # README's mini-batch Adam table = the first table of RESULTS.md's "Results of this version".
    readme = _readme_table("Seconds per epoch of mini-batch Adam")
    results = _first_table((ROOT / "benchmarks" / "RESULTS.md").read_text(), "### Results of this version")
    header = results[0]
    columns = ["denseflow `fit`", "denseflow, NumPy only", "PyTorch", "MLPClassifier", "÷ best peer",
               "NumPy only ÷ best peer"]
    index = [header.index(c) for c in columns]
    table = {(row[0], row[1]): [float(row[i].strip("*")) for i in index] for row in results[1:]}
    assert readme[0][:2] == ["batch", "dtype"] and readme[0][2:] == columns
    assert [(row[0], row[1]) for row in readme[1:]] == list(table)
    for row in readme[1:]:
        for column, text in enumerate(row[2:]):
            shown, decimals = float(text.strip("*")), _decimals(text)[0]
            assert abs(shown - table[(row[0], row[1])][column]) <= 0.5 * 10 ** -decimals + 1e-9, (row, column)


def test_item17_readme_minibatch_ranges_are_those_of_every_recorded_run():
    # README's "Over the runs recorded in RESULTS.md" ranges = the extremes of RESULTS.md's table of
    # every run with the compiled step (ratio to the faster peer, the NumPy-only ratio in brackets).
    runs = _first_table((ROOT / "benchmarks" / "RESULTS.md").read_text(), "**Every run with the compiled step**")
    assert runs[0][1:5] == ["batch 64, float64", "batch 256, float64", "batch 64, float32", "batch 256, float32"]

    def column(i, bracketed=False):
        cells = [row[i] for row in runs[1:] if row[i] != "—"]
        return [_numbers(c)[1 if bracketed else 0] for c in cells]

    f32, word = column(3) + column(4), {6: "six", 7: "seven", 8: "eight"}
    assert len(column(3)) == len(column(4))
    expected = [
        f"{min(column(1)):.2f}–{max(column(1)):.2f} (batch 64, float64; {word[len(column(1))]} runs",
        f"{min(column(2)):.2f}–{max(column(2)):.2f} (batch 256, float64; {word[len(column(2))]} runs",
        f"{min(f32):.2f}–{max(f32):.2f} (float32; {word[len(column(3))]} runs)",
        f"Without numba batch 64 in float64 is {min(column(1, True)):.2f}–{max(column(1, True)):.2f}",
    ]
    readme = " ".join((ROOT / "README.md").read_text().split())
    for text in expected:
        assert text in readme, text
    assert sum(r > 0.8 for r in column(2)) == 2  # "the two misses"
    assert "the two misses" in readme
