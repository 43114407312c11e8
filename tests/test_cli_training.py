"""`denseflow train`'s optimization and regularization flags (issue 15): passed to the model, recorded, resumable."""

import json
import math
import shlex

import numpy as np
import pytest

from denseflow import load
from denseflow.cli import build_parser, main
from denseflow.cli.specs import resolve_spec, spec_command

MOONS = ["train", "--dataset", "moons", "--model", "deep", "--layers", "8,4", "--quiet"]


def _config(run_dir):
    return json.loads((run_dir / "config.json").read_text())


@pytest.mark.parametrize(
    "flags, parameters",
    [
        (["--optimizer", "adam", "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-7", "--batch-size", "32",
          "--epochs", "3"],
         {"optimizer": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7, "batch_size": 32, "num_epochs": 3}),
        (["--optimizer", "momentum", "--nesterov", "--beta1", "0.5", "--iterations", "5"],
         {"optimizer": "momentum", "nesterov": True, "beta1": 0.5, "num_iterations": 5}),
        (["--optimizer", "rmsprop", "--batch-size", "50", "--no-shuffle", "--epochs", "2"],
         {"optimizer": "rmsprop", "shuffle": False, "batch_size": 50, "num_epochs": 2}),
        (["--schedule", "exponential", "--decay-rate", "0.5", "--decay-every", "2", "--batch-size", "64",
          "--epochs", "4"],
         {"learning_rate_schedule": "exponential", "decay_rate": 0.5, "time_interval": 2}),
        (["--schedule", "inverse-time", "--decay-rate", "1", "--iterations", "5"],
         {"learning_rate_schedule": "inverse_time", "decay_rate": 1.0}),
        (["--lambd", "0.7", "--keep-prob", "0.86", "--iterations", "5"], {"lambd": 0.7, "keep_prob": 0.86}),
        (["--keep-prob", "0.9,0.5", "--iterations", "5"], {"keep_prob": [0.9, 0.5]}),
        (["--early-stopping", "--patience", "3", "--tol", "0.001", "--batch-size", "16", "--epochs", "5"],
         {"early_stopping": True, "patience": 3, "tol": 0.001, "validation_fraction": 0.1}),
    ],
)
def test_flags_reach_the_model_and_config_json(flags, parameters, tmp_path):
    assert main(MOONS + flags + ["--out", tmp_path / "r"]) == 0
    model = load(tmp_path / "r" / "model.npz")
    config = _config(tmp_path / "r")
    for name, value in parameters.items():
        assert getattr(model, name) == pytest.approx(value), name
        assert config["model"][name] == pytest.approx(value), name
    spec = config["spec"]
    for flag in flags:
        if flag.startswith("--") and flag not in ("--no-shuffle", "--iterations"):
            assert flag[2:].replace("-", "_") in spec, flag


def test_adam_on_mini_batches_counts_epochs(tmp_path, capsys):
    assert main(["train", "--dataset", "moons", "--model", "deep", "--layers", "8,4", "--optimizer", "adam",
                 "--learning-rate", "0.01", "--batch-size", "64", "--epochs", "40", "--print-every", "10",
                 "--json", "--out", tmp_path / "r"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    m = 160  # moons: 200 points, 40 held out for testing
    assert result["epochs"] == 40 and result["updates"] == 40 * math.ceil(m / 64)
    assert [line.split(":")[0] for line in err.splitlines() if line.startswith("Cost")] == \
        [f"Cost after epoch {e}" for e in (0, 10, 20, 30)]
    model = load(result["model_path"])
    assert model.history_.unit == "epoch" and len(model.history_.costs) == 40
    assert result["train_accuracy"] > 0.85
    assert main(["info", result["model_path"]]) == 0
    text = capsys.readouterr().out
    assert "trained: 40 epochs recorded" in text and "training: optimizer=adam, batch_size=64" in text


def test_early_stopping_holds_out_validation_data_and_reports_the_best_epoch(tmp_path, capsys):
    assert main(["train", "--dataset", "moons", "--model", "deep", "--layers", "32,16", "--optimizer", "adam",
                 "--learning-rate", "0.05", "--batch-size", "16", "--epochs", "400", "--early-stopping",
                 "--patience", "5", "--json", "--quiet", "--out", tmp_path / "r"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["validation"]["m"] == 16  # 0.1 of the 160 training points
    assert result["stopped_early"] is True and result["epochs"] < 400
    model = load(result["model_path"])
    assert result["best_epoch"] == model.best_epoch_ and result["epochs"] == model.n_epochs_
    val = model.history_.val_costs
    assert min(val) == pytest.approx(model.best_val_cost_)


def test_resume_of_a_mini_batch_run_is_bit_identical(tmp_path):
    common = MOONS + ["--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "32", "--keep-prob", "0.9"]
    assert main(common + ["--epochs", "12", "--checkpoint-every", "4", "--out", tmp_path / "a"]) == 0
    assert main(["train", "--resume", tmp_path / "a", "--epochs", "20", "--quiet"]) == 0
    assert main(common + ["--epochs", "20", "--out", tmp_path / "b"]) == 0
    a, b = load(tmp_path / "a" / "model.npz"), load(tmp_path / "b" / "model.npz")
    for key in a.parameters_:
        assert np.array_equal(a.parameters_[key], b.parameters_[key]), key
    assert a.history_.to_dict() == b.history_.to_dict()


def test_resume_refuses_new_training_options(tmp_path, capsys):
    assert main(MOONS + ["--iterations", "20", "--checkpoint-every", "10", "--out", tmp_path / "a"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", tmp_path / "a", "--optimizer", "adam"]) == 2
    assert "--optimizer cannot be changed when resuming" in capsys.readouterr().err
    assert main(["train", "--resume", tmp_path / "a", "--epochs", "40"]) == 2
    assert "pass --iterations N to train it further, not --epochs" in capsys.readouterr().err


def test_the_restart_command_rebuilds_the_same_spec(tmp_path):
    args = build_parser().parse_args(
        ["train", "--dataset", "moons", "--model", "deep", "--layers", "8,4", "--optimizer", "momentum", "--nesterov",
         "--beta1", "0.8", "--batch-size", "32", "--epochs", "7", "--no-shuffle", "--schedule", "step",
         "--decay-rate", "0.5", "--decay-every", "3", "--lambd", "0.1", "--keep-prob", "0.9,0.8", "--early-stopping",
         "--patience", "4", "--tol", "0.01", "--test-fraction", "0.3"])
    spec = resolve_spec(args)
    command = shlex.split(spec_command(spec, tmp_path / "again"))
    again = resolve_spec(build_parser().parse_args(command[1:]))
    assert again == spec


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--optimizer", "sgd"], "argument --optimizer: invalid choice: 'sgd'"),
        (["--batch-size", "0"], "argument --batch-size: expected a whole number >= 1, got '0'"),
        (["--epochs", "1.5"], "argument --epochs: expected a whole number >= 1"),
        (["--beta1", "1"], "argument --beta1: expected a number in [0, 1)"),
        (["--beta2", "nan"], "argument --beta2: expected a number in [0, 1)"),
        (["--epsilon", "0"], "argument --epsilon: expected a finite number > 0"),
        (["--lambd", "-0.1"], "argument --lambd: expected a finite number >= 0"),
        (["--keep-prob", "0"], "argument --keep-prob: expected a keep probability in (0, 1]"),
        (["--keep-prob", "0.5,x"], "argument --keep-prob: expected a keep probability in (0, 1]"),
        (["--schedule", "linear"], "argument --schedule: expected one of constant, inverse_time, exponential"),
        (["--decay-every", "0"], "argument --decay-every: expected a whole number >= 1"),
        (["--patience", "-1"], "argument --patience: expected a whole number >= 1"),
        (["--tol", "inf"], "argument --tol: expected a finite number >= 0"),
        (["--test-fraction", "1"], "argument --test-fraction: expected a number in [0, 1)"),
        (["--nesterov"], "--nesterov applies to --optimizer momentum only"),
        (["--beta1", "0.5"], "--beta1 (momentum's β, Adam's β1) applies to --optimizer momentum or adam"),
        (["--optimizer", "momentum", "--epsilon", "1e-6"], "--epsilon applies to --optimizer rmsprop or adam"),
        (["--no-shuffle"], "--no-shuffle applies to mini-batches (--batch-size N)"),
        (["--decay-rate", "0.5"], "--decay-rate does not apply to --schedule constant"),
        (["--schedule", "cosine", "--decay-every", "3"], "--decay-every does not apply to --schedule cosine"),
        (["--tol", "0.1"], "--tol applies with --early-stopping only"),
        (["--model", "deep", "--layers", "5,3", "--keep-prob", "0.5,0.5,0.5"],
         "--keep-prob gives 3 probabilities, but the network has 2 hidden layer(s)"),
        (["--model", "logistic", "--keep-prob", "0.5"], "--keep-prob (dropout of the hidden layers) does not apply"),
        (["--epochs", "3", "--iterations", "3"], "--epochs and --iterations both set the length of training"),
        (["--schedule", "step", "--decay-rate", "2"], "The value of --decay-rate must be a number in (0, 1]"),
        (["--dataset", "moons", "--task", "regression"], "--task regression applies to --dataset csv only"),
        (["--dataset", "moons", "--test-data", "t.csv"], "--test-data applies to --dataset csv only"),
    ],
)
def test_bad_values_are_one_line_errors(flags, message, tmp_path, capsys):
    assert main(["train", *flags, "--out", tmp_path / "r"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err and "parameter of" not in err
    assert not (tmp_path / "r").exists()


def test_help_groups_the_flags_and_shows_both_examples(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    optimization = out.index("\noptimization:")
    regularization = out.index("\nregularization:")
    for flag in ("--optimizer", "--batch-size", "--epochs", "--beta1", "--beta2", "--epsilon", "--nesterov",
                 "--shuffle", "--schedule", "--decay-rate", "--decay-every"):
        assert optimization < out.index(f"  {flag}") < regularization, flag
    for flag in ("--lambd", "--keep-prob", "--early-stopping", "--patience", "--tol"):
        assert out.index(f"  {flag}") > regularization, flag
    assert "--optimizer adam --learning-rate 0.01 \\\n      --batch-size 64 --epochs 200" in out
    assert "--lambd 0.7 --keep-prob 0.86 --early-stopping" in out


def test_early_stopping_with_no_validation_data_is_refused(tmp_path, capsys):
    assert main(["train", "--optimizer", "adam", "--batch-size", "32", "--epochs", "5", "--early-stopping",
                 "--val-fraction", "0", "--out", tmp_path / "r"]) == 2
    assert "--val-fraction 0 holds out no validation data" in capsys.readouterr().err


def test_resume_under_early_stopping_keeps_the_best_epoch(tmp_path, capsys):
    common = ["train", "--dataset", "moons", "--model", "deep", "--layers", "40,40", "--optimizer", "adam",
              "--learning-rate", "0.03", "--batch-size", "16", "--early-stopping", "--patience", "4", "--tol", "0",
              "--quiet"]
    assert main(common + ["--epochs", "400", "--json", "--out", tmp_path / "full"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stopped_early"] is True and result["best_epoch"] + 2 < result["epochs"]
    # Stop two epochs after the best one (before early stopping would), then resume to the full run.
    cut = str(result["best_epoch"] + 2)
    assert main(common + ["--epochs", cut, "--checkpoint-every", "1", "--out", tmp_path / "a"]) == 0
    assert main(["train", "--resume", tmp_path / "a", "--epochs", "400", "--quiet"]) == 0
    a, full = load(tmp_path / "a" / "model.npz"), load(tmp_path / "full" / "model.npz")
    assert (a.best_epoch_, a.n_epochs_, a.stopped_early_) == (full.best_epoch_, full.n_epochs_, True)
    for key in full.parameters_:
        assert np.array_equal(a.parameters_[key], full.parameters_[key]), key


def test_resume_refuses_to_stretch_a_cosine_schedule(tmp_path, capsys):
    common = MOONS + ["--optimizer", "adam", "--batch-size", "32", "--schedule", "cosine"]
    assert main(common + ["--epochs", "6", "--checkpoint-every", "2", "--out", tmp_path / "a"]) == 0
    capsys.readouterr()
    (tmp_path / "a" / "metrics.json").unlink()  # as if interrupted after its last checkpoint
    assert main(["train", "--resume", tmp_path / "a", "--epochs", "12"]) == 2
    err = capsys.readouterr().err
    assert "the cosine schedule is laid over the run's 6 epochs; resume with --epochs 6, or start a new run" in err
    assert len(err.strip().splitlines()) == 1


def test_a_finished_cosine_run_is_said_to_be_unextendable(tmp_path, capsys):
    common = MOONS + ["--optimizer", "adam", "--batch-size", "32", "--schedule", "cosine"]
    assert main(common + ["--epochs", "6", "--checkpoint-every", "2", "--out", tmp_path / "a"]) == 0
    capsys.readouterr()
    for more in ([], ["--epochs", "12"], ["--epochs", "6"]):
        assert main(["train", "--resume", tmp_path / "a", *more]) == 2
        err = capsys.readouterr().err
        assert (f"--resume {tmp_path / 'a'}: the run already finished its 6 epochs, and a cosine run cannot be "
                f"extended (its schedule is laid over --epochs 6") in err, more
        assert "To train longer, start a new run with a larger --epochs." in err
        assert len(err.strip().splitlines()) == 1
    # The advice works: a new run with a larger --epochs.
    assert main(common + ["--epochs", "12", "--out", tmp_path / "b"]) == 0
