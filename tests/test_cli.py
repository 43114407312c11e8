"""The ``denseflow`` command end to end: README commands, JSON mode, kill-and-resume, bad input."""

import io as _io
import json
import shutil
import signal
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from _polling import wait_for

from denseflow import cli, load
from denseflow.cli import course as _course
from denseflow.cli import main
from denseflow.cli.progress import Progress
from denseflow.io import load_checkpoint
from denseflow.training import History, TrainingEvent

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JSON_KEYS = {"train_accuracy", "val_accuracy", "test_accuracy", "final_cost", "costs", "iterations", "seconds",
             "run_dir", "model_path"}
CLI = [sys.executable, "-m", "denseflow"]


def run_cli(args, cwd, timeout=300):
    """``denseflow ARGS`` in a subprocess (stdout and stderr captured, never a terminal)."""
    return subprocess.run(CLI + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def assert_png(path):
    from matplotlib.image import imread

    path = Path(path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE, path
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def assert_same_parameters(path_a, path_b):
    a, b = load(path_a), load(path_b)
    assert sorted(a.parameters_) == sorted(b.parameters_)
    for key in a.parameters_:
        assert np.array_equal(a.parameters_[key], b.parameters_[key]), key  # bit-identical
    assert a.history_.to_dict() == b.history_.to_dict()


# ---------------------------------------------------------------------------------------------
# the README's command, as a user runs it
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``denseflow train --out RUN`` — the default run (shallow n_h=4 tanh, planar flower)."""
    root = tmp_path_factory.mktemp("default")
    result = run_cli(["train", "--out", root / "run"], cwd=root)
    return result, root / "run"


def test_readme_train_writes_the_run_folder(default_run):
    result, run_dir = default_run
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(run_dir)  # the path is printed last
    assert "final cost" in result.stdout and "train accuracy" in result.stdout
    for name in ("model.npz", "history.json", "metrics.json", "config.json", "cost.png", "decision_boundary.png"):
        assert (run_dir / name).is_file(), name
    assert_png(run_dir / "cost.png")
    assert_png(run_dir / "decision_boundary.png")
    model = load(run_dir / "model.npz")
    from denseflow.datasets import planar_flower

    X, Y = planar_flower()
    assert model.accuracy(X, Y) == pytest.approx(0.9075)  # the course's 90.75 %
    assert model.layer_dims_ == [2, 4, 1] and model.hidden_activation == "tanh"
    history = json.loads((run_dir / "history.json").read_text())
    assert history["costs"][0] == pytest.approx(0.693048, abs=1e-6)
    assert history["iterations"][1000] == 1000 and history["costs"][1000] == pytest.approx(0.288083, abs=1e-6)
    # not a terminal: one log line per 1000 iterations, no progress-bar redraws
    log = [line for line in result.stderr.splitlines() if line.startswith("Cost after iteration")]
    assert len(log) == 10 and log[1] == "Cost after iteration 1000: 0.288083"
    assert "\r" not in result.stderr and "Traceback" not in result.stderr


def test_readme_train_json_mode_in_a_fresh_folder(tmp_path):
    result = run_cli(["train", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)  # exactly one JSON object: nothing else on stdout
    assert JSON_KEYS <= set(out)
    assert out["train_accuracy"] >= 0.90
    assert out["val_accuracy"] is None and out["test_accuracy"] is None
    assert out["iterations"] == 10000
    assert [i for i, _ in out["costs"]] == list(range(0, 10000, 1000))
    assert out["costs"][0][1] == pytest.approx(0.693048, abs=1e-6)
    assert out["final_cost"] == pytest.approx(0.2178, abs=1e-4)
    assert out["seconds"] > 0
    run_dir = tmp_path / out["run_dir"]
    assert run_dir.parent == tmp_path / "runs"  # a new folder under ./runs/
    assert run_dir.name.endswith("-shallow-planar")
    assert load(tmp_path / out["model_path"]).layer_dims_ == [2, 4, 1]
    assert json.loads((run_dir / "metrics.json").read_text())["train_accuracy"] == out["train_accuracy"]
    assert "Cost after iteration 0" in result.stderr  # logs go to stderr


def test_console_script_is_installed():
    exe = shutil.which("denseflow")
    if exe is None:
        pytest.skip("the denseflow script is not on PATH (package not installed with pip)")
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("denseflow ")


def test_startup_imports_no_heavy_packages():
    code = ("import sys; from denseflow.cli import main; main(['train', '--help']);"
            "print([m for m in ('matplotlib', 'tqdm', 'h5py', 'sklearn', 'optuna', 'torch') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"


# ---------------------------------------------------------------------------------------------
# kill -9 and resume: bit-identical to the uninterrupted run
# ---------------------------------------------------------------------------------------------


KILL_ARGS = ["train", "--iterations", "40000", "--checkpoint-every", "5000", "--quiet"]


def test_killed_run_resumes_to_identical_parameters(tmp_path):
    uninterrupted = tmp_path / "uninterrupted"
    assert run_cli(KILL_ARGS + ["--out", uninterrupted], cwd=tmp_path).returncode == 0
    run_dir = tmp_path / "killed"
    child = subprocess.Popen(CLI + KILL_ARGS + ["--out", str(run_dir)], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    checkpoint = run_dir / "checkpoint.npz"
    try:
        assert wait_for(lambda: checkpoint.exists() or child.poll() is not None)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert not (run_dir / "model.npz").exists(), "the kill landed after the run finished"
    done = load_checkpoint(checkpoint).checkpoint.iteration
    assert 0 < done < 40000

    result = run_cli(["train", "--resume", run_dir, "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["resumed_from"] >= done and out["run_dir"] == str(run_dir)
    assert_same_parameters(run_dir / "model.npz", uninterrupted / "model.npz")
    assert out["iterations"] == 40000

    again = run_cli(["train", "--resume", run_dir], cwd=tmp_path)  # finished: nothing left to do
    assert again.returncode == 2 and "already finished" in again.stderr


def test_resume_with_more_iterations_equals_a_longer_run(tmp_path, capsys):
    common = ["train", "--dataset", "planar", "--iterations", "300", "--quiet"]
    assert main(common + ["--out", str(tmp_path / "a"), "--checkpoint-every", "100"]) == 0
    assert main(["train", "--resume", str(tmp_path / "a"), "--iterations", "500", "--quiet"]) == 0
    assert main(["train", "--iterations", "500", "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert_same_parameters(tmp_path / "a" / "model.npz", tmp_path / "b" / "model.npz")


# ---------------------------------------------------------------------------------------------
# the other commands
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("small") / "run"
    assert main(["train", "--iterations", "1000", "--quiet", "--out", str(run_dir)]) == 0
    return run_dir


def test_quiet_prints_only_the_run_folder(tmp_path, capsys):
    assert main(["train", "--iterations", "200", "--quiet", "--out", str(tmp_path / "r")]) == 0
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 'r'}\n" and err == ""


def test_validation_split_and_options(tmp_path, capsys):
    args = ["train", "--dataset", "moons", "--model", "deep", "--layers", "5,3", "--init", "he",
            "--learning-rate", "0.3", "--iterations", "400", "--seed", "3", "--no-course", "--dtype", "float32",
            "--val-fraction", "0.25", "--print-every", "100", "--json", "--out", str(tmp_path / "r")]
    assert main(args) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["layer_dims"] == [2, 5, 3, 1]
    assert 0.5 < result["val_accuracy"] <= 1.0
    assert [i for i, _ in result["costs"]] == [0, 100, 200, 300]
    assert err.count("Cost after iteration") == 4
    model = load(result["model_path"])
    assert model.dtype == "float32" and model.parameters_["W1"].dtype == np.float32
    assert model.learning_rate == 0.3 and model.seed == 3 and model.course is False
    assert len(model.history_.val_costs) == 400


def test_cat_run_reports_test_accuracy_and_mislabeled_images(cat_dir, tmp_path, capsys):
    args = ["train", "--dataset", "cat", "--data", str(cat_dir), "--layers", "4", "--iterations", "5", "--json",
            "--quiet", "--out", str(tmp_path / "cat")]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["layer_dims"] == [12288, 4, 1] and result["model"] == "DeepNetwork"
    assert 0 <= result["test_accuracy"] <= 1
    assert_png(tmp_path / "cat" / "mislabeled.png")
    assert not (tmp_path / "cat" / "decision_boundary.png").exists()
    assert main(["evaluate", result["model_path"], "--dataset", "cat", "--data", str(cat_dir), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)["results"]
    assert evaluated["test"]["accuracy"] == pytest.approx(result["test_accuracy"])
    assert evaluated["train"]["m"] == 209 and evaluated["test"]["m"] == 50


def test_csv_train_evaluate_predict(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2)) * [10, 0.1] + [100, 5]
    labels = np.where(X[:, 0] - 100 > 0, "yes", "no")
    lines = ["height,width,answer"] + [f"{a},{b},{c}" for (a, b), c in zip(X, labels)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    assert main(["train", "--dataset", "csv", "--data", str(tmp_path / "t.csv"), "--label-column", "answer",
                 "--model", "logistic", "--learning-rate", "0.5", "--iterations", "500", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    model = load(tmp_path / "r" / "model.npz")
    assert model.class_names_ == ["no", "yes"] and model.input_mean_ is not None  # standardized by default
    assert main(["evaluate", str(tmp_path / "r" / "model.npz"), "--dataset", "csv", "--data", str(tmp_path / "t.csv"),
                 "--label-column", "answer", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["all"]["accuracy"] >= 0.95
    (tmp_path / "new.csv").write_text("height,width\n130,5\n70,5\n")
    assert main(["predict", str(tmp_path / "r" / "model.npz"), "--input", str(tmp_path / "new.csv")]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "label,class,probability"
    assert rows[1].startswith("1,yes,") and rows[2].startswith("0,no,")
    np.save(tmp_path / "new.npy", np.array([[130.0, 70.0], [5.0, 5.0]]))
    assert main(["predict", str(tmp_path / "r" / "model.npz"), "--input", str(tmp_path / "new.npy"),
                 "--output", str(tmp_path / "labels.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), [[1, 0]])
    assert main(["predict", str(tmp_path / "r" / "model.npz"), "--input", str(tmp_path / "t.csv"),
                 "--ignore-column", "answer", "--output", str(tmp_path / "p.csv")]) == 0
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 61


def test_evaluate_and_plot_a_run(small_run, capsys):
    assert main(["evaluate", str(small_run / "model.npz")]) == 0
    assert "accuracy" in capsys.readouterr().out
    (small_run / "cost.png").unlink()
    assert main(["plot", str(small_run)]) == 0
    written = capsys.readouterr().out.split()
    assert [Path(p).name for p in written] == ["cost.png", "confusion_matrix.png", "roc.png", "decision_boundary.png"]
    assert_png(small_run / "cost.png")


def test_gradcheck_and_graph_commands(capsys):
    assert main(["gradcheck", "--layers", "5,3", "--hidden-activation", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "W3" in out and "PASSED" in out
    assert main(["gradcheck", "--outputs", "3", "--output-activation", "softmax", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True and [e["name"] for e in report["entries"]] == ["W1", "b1", "W2", "b2"]
    assert report["max_error"] < 1e-7
    assert main(["graph"]) == 0
    out = capsys.readouterr().out
    for line in ("u = b * c = 3 * 2 = 6", "v = a + u = 5 + 6 = 11", "J = 3 * v = 3 * 11 = 33",
                 "dJ/da = dJ/dv · dv/da = 3 · 1 = 3", "dJ/db = dJ/du · du/db = 3 · 2 = 6",
                 "dJ/dc = dJ/du · du/dc = 3 · 3 = 9"):
        assert line in out


@pytest.mark.slow
def test_reproduce_with_cat_data_all_figures_match(cat_dir, tmp_path):
    result = run_cli(["reproduce", "--data", cat_dir, "--json"], cwd=tmp_path, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert out["all_match"] is True
    assert any("cat" in f["experiment"].lower() for f in out["figures"])
    assert [f for f in out["figures"] if not f["match"]] == []


def test_reproduce_mismatch_gives_exit_code_1(monkeypatch, capsys):
    import denseflow.reproduce as reproduce

    Figure = types.SimpleNamespace
    figures = [Figure(experiment="x", metric="m", published=1.0, obtained=2.0, tolerance=0.1, match=False,
                      _asdict=lambda: {"experiment": "x", "match": False})]
    monkeypatch.setattr(reproduce, "run", lambda data_dir=None, **kwargs: figures)
    monkeypatch.setattr(reproduce, "format_table", lambda figs: "TABLE")
    assert main(["reproduce"]) == 1
    assert "TABLE" in capsys.readouterr().out


def test_sweep_is_delegated(monkeypatch):
    seen = {}
    fake = types.ModuleType("denseflow.cli.sweep")
    fake.main = lambda argv: seen.setdefault("argv", argv) and 0
    monkeypatch.setitem(sys.modules, "denseflow.cli.sweep", fake)
    assert main(["sweep", "--trials", "3", "--help"]) == 0
    assert seen["argv"] == ["--trials", "3", "--help"]


@pytest.mark.parametrize("command", ["", "train", "evaluate", "predict", "info", "reproduce", "gradcheck", "graph", "plot"])
def test_every_help_has_examples(command, capsys):
    assert main(([command] if command else []) + ["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "denseflow" in out


# ---------------------------------------------------------------------------------------------
# bad input: exit code 2, one line on stderr, never a traceback
# ---------------------------------------------------------------------------------------------

BAD_INPUTS = {
    "no-command": ([], "required: COMMAND"),
    "unknown-command": (["fly"], "invalid choice: 'fly'"),
    "iterations-not-int": (["train", "--iterations", "ten"], "--iterations: expected a whole number >= 1, got 'ten'"),
    "iterations-zero": (["train", "--iterations", "0"], "expected a whole number >= 1"),
    "negative-learning-rate": (["train", "--learning-rate", "-0.1"], "--learning-rate: expected a finite number > 0"),
    "nan-learning-rate": (["train", "--learning-rate", "nan"], "expected a finite number > 0"),
    "unknown-dataset": (["train", "--dataset", "mnist"], "invalid choice: 'mnist'"),
    "typo-activation": (["train", "--hidden-activation", "sigmod"], "invalid choice: 'sigmod'"),
    "bad-layers": (["train", "--layers", "20,x,5"], "--layers: expected comma-separated layer sizes"),
    "zero-layer": (["train", "--model", "deep", "--layers", "20,0"], "expected positive layer sizes"),
    "shallow-two-layers": (["train", "--model", "shallow", "--layers", "4,3"], "--model shallow has one hidden layer"),
    "logistic-layers": (["train", "--model", "logistic", "--layers", "3"], "does not apply to --model logistic"),
    "val-fraction-one": (["train", "--val-fraction", "1"], "expected a number in [0, 1)"),
    "negative-seed": (["train", "--seed", "-1"], "--seed: expected a whole number"),
    "cat-without-data": (["train", "--dataset", "cat"], "--dataset cat needs --data PATH"),
    "csv-missing-file": (["train", "--dataset", "csv", "--data", "{tmp}/none.csv"], "no such file"),
    "data-for-planar": (["train", "--data", "{tmp}"], "--data applies to --dataset cat or csv only"),
    "cat-folder-empty": (["train", "--dataset", "cat", "--data", "{tmp}"], "lacks"),
    "csv-garbage": (["train", "--dataset", "csv", "--data", "{tmp}/garbage.csv"], "garbage.csv"),
    "out-not-empty": (["train", "--out", "{tmp}"], "exists and is not empty"),
    "resume-missing": (["train", "--resume", "{tmp}/nowhere"], "no such run folder"),
    "resume-no-checkpoint": (["train", "--resume", "{tmp}"], "has no checkpoint.npz"),
    "resume-changes-settings": (["train", "--resume", "{tmp}", "--learning-rate", "2"], "cannot be changed when resuming"),
    "unknown-option": (["train", "--learning_rate", "2"], "unrecognized arguments"),
    "evaluate-missing-model": (["evaluate", "{tmp}/none.npz"], "No such model file"),
    "evaluate-not-a-model": (["evaluate", "{tmp}/garbage.csv"], "not a denseflow .npz file"),
    "evaluate-wrong-features": (["evaluate", "{tmp}/model.npz", "--dataset", "csv", "--data", "{tmp}/three.csv"],
                                "has 3 feature column(s), but the model was trained on 2"),
    "predict-without-input": (["predict", "{tmp}/model.npz"], "required: --input"),
    "predict-bad-suffix": (["predict", "{tmp}/model.npz", "--input", "{tmp}/x.txt"], "expected a .csv file"),
    "predict-pickled-npy": (["predict", "{tmp}/model.npz", "--input", "{tmp}/obj.npy"], "not a readable .npy array"),
    "gradcheck-softmax-one-output": (["gradcheck", "--output-activation", "softmax"], "needs --outputs 2 or more"),
    "plot-not-a-run": (["plot", "{tmp}"], "not a finished denseflow run"),
    "reproduce-missing-data": (["reproduce", "--data", "{tmp}/none"], "no such folder"),
}


@pytest.fixture(scope="module")
def bad_input_folder(tmp_path_factory, small_run):
    tmp = tmp_path_factory.mktemp("bad")
    (tmp / "garbage.csv").write_text("a,b,label\n1,2,yes\nthree,4,no\n")
    (tmp / "three.csv").write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n")
    (tmp / "x.txt").write_text("1,2\n")
    np.save(tmp / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    shutil.copy(small_run / "model.npz", tmp / "model.npz")
    return tmp


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exit_code_2_one_line(case, bad_input_folder, capsys):
    args, expected = BAD_INPUTS[case]
    args = [a.format(tmp=bad_input_folder) for a in args]
    before = sorted(p.name for p in bad_input_folder.iterdir())
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err
    assert sorted(p.name for p in bad_input_folder.iterdir()) == before  # nothing written


@pytest.mark.parametrize("args", [["train", "--iterations", "-5"], ["evaluate", "missing.npz"]])
def test_bad_input_in_a_real_process(args, tmp_path):
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_diverging_training_exits_1_with_one_line(tmp_path, capsys):
    args = ["train", "--model", "deep", "--layers", "50,50", "--init", "he", "--learning-rate", "1e100",
            "--iterations", "50", "--quiet", "--out", str(tmp_path / "r")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Training diverged" in err and "smaller learning rate" in err


def test_unexpected_errors_exit_1_without_traceback(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(_course, "cmd_graph", broken)
    monkeypatch.delenv("DENSEFLOW_DEBUG", raising=False)
    assert main(["graph"]) == 1
    err = capsys.readouterr().err
    assert err == "denseflow: error: RuntimeError: disk on fire (set DENSEFLOW_DEBUG=1 for the traceback)\n"


# ---------------------------------------------------------------------------------------------
# progress reporting
# ---------------------------------------------------------------------------------------------


class _Stream(_io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def _events(n, every, checkpoints=None):
    history = History()
    for i in range(n):
        if i % every == 0 or i == n - 1:
            yield TrainingEvent(i, i + 1, n, 1.0 / (i + 1), None, None, history,
                                lambda i=i: (checkpoints.append(i + 1) if checkpoints is not None else None))


@pytest.mark.parametrize(
    "tty, quiet, lines, bar",
    [(False, False, 5, False), (True, False, 0, True), (False, True, 0, False), (True, True, 0, False)],
    ids=["log-lines", "bar", "quiet", "quiet-tty"],
)
def test_progress_bar_on_terminal_lines_otherwise(tty, quiet, lines, bar):
    stream = _Stream(tty)
    progress = Progress(500, 100, quiet=quiet, stream=stream)
    with progress:
        for event in _events(500, progress.every()):
            progress(event)
    text = stream.getvalue()
    assert text.count("Cost after iteration") == lines
    assert ("500/500" in text) == bar
    if quiet:
        assert text == ""


def test_progress_checkpoints_and_period():
    saved = []
    progress = Progress(1000, 300, quiet=True, checkpoint_every=200, on_checkpoint=lambda ck: None)
    assert progress.every() == 200
    assert Progress(1000, 300, checkpoint_every=200, stream=_Stream(False)).every() == 100
    for event in _events(1000, progress.every(), saved):
        progress(event)
    assert saved == [201, 401, 601, 801]  # after iteration i = 200, 400, …: i + 1 updates done


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(cli.app, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 1
