"""Sweeps over the second course's hyperparameters (issue 15, part 4): the optimizer, mini-batches,
the schedule, L2 and dropout in the search space, the CLI and the TOML file; their validation;
stacking only what the stacked engine trains (full-batch gd), everything else one trial at a time.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

pytest.importorskip("optuna")

import denseflow  # noqa: E402
from denseflow.cli import sweep as sweep_cli  # noqa: E402
from denseflow.sweeps import (  # noqa: E402
    HYPERPARAMETERS,
    Choice,
    Range,
    create,
    load_space_file,
    make_config,
    parse_grid,
    parse_ranges,
    rerun_trial,
    status,
    worker,
)
from denseflow.sweeps.stacking import STACKABLE, stack_key  # noqa: E402
from denseflow.sweeps.study import load_study  # noqa: E402

NEW = ("optimizer", "batch_size", "num_epochs", "learning_rate_schedule", "decay_rate", "lambd", "keep_prob",
       "beta1", "beta2", "epsilon")


def test_the_second_course_hyperparameters_are_in_the_space():
    assert set(NEW) <= set(HYPERPARAMETERS)
    assert HYPERPARAMETERS["optimizer"].names == ("gd", "momentum", "rmsprop", "adam")
    assert HYPERPARAMETERS["learning_rate_schedule"].names == ("constant", "inverse_time", "exponential", "step",
                                                                "cosine")


@pytest.mark.parametrize("spec, values", [
    ("optimizer=gd,momentum,rmsprop,adam", ("gd", "momentum", "rmsprop", "adam")),
    ("batch_size=full,64,256", (None, 64, 256)),
    ("batch_size=None,32", (None, 32)),
    ("num_epochs=10,100", (10, 100)),
    ("learning_rate_schedule=constant,inverse-time,step", ("constant", "inverse_time", "step")),
    ("decay_rate=0.5,1", (0.5, 1.0)),
    ("lambd=0,0.7", (0.0, 0.7)),
    ("keep_prob=0.86,1", (0.86, 1.0)),
    ("beta1=0,0.9", (0.0, 0.9)),
    ("beta2=0.99,0.999", (0.99, 0.999)),
    ("epsilon=1e-8,1e-6", (1e-8, 1e-6)),
])
def test_grid_values_are_parsed_to_canonical_form(spec, values):
    name = spec.split("=")[0]
    assert parse_grid([spec])[name] == Choice(values)


@pytest.mark.parametrize("spec, words", [
    ("optimizer=sgd", ["'optimizer'", "must be one of {'gd', 'momentum', 'rmsprop', 'adam'}"]),
    ("batch_size=0", ["'batch_size'", "whole number >= 1, or 'full'"]),
    ("batch_size=6.5", ["'batch_size'", "whole number >= 1"]),
    ("lambd=-0.1", ["'lambd'", "a number >= 0", "e.g. lambd=0.7"]),
    ("keep_prob=0", ["'keep_prob'", "in (0, 1]"]),
    ("keep_prob=1.2", ["'keep_prob'", "in (0, 1]"]),
    ("beta1=1", ["'beta1'", "in [0, 1)"]),
    ("beta2=-0.5", ["'beta2'", "in [0, 1)"]),
    ("epsilon=0", ["'epsilon'", "> 0"]),
    ("decay_rate=0", ["'decay_rate'", "> 0"]),
    ("num_epochs=0", ["'num_epochs'", ">= 1"]),
    ("learning_rate_schedule=linear", ["'learning_rate_schedule'", "'inverse_time'"]),
    ("optimiser=adam", ["Unknown hyperparameter 'optimiser'", "Did you mean 'optimizer'?"]),
])
def test_bad_values_are_refused_with_the_rule(spec, words):
    with pytest.raises(ValueError) as err:
        parse_grid([spec])
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("spec, match", [
    ("lambd=0:1:log", "log range of 'lambd' .* needs low > 0"),
    ("batch_size=full:64", "takes numbers; list 'full' with --grid"),
    ("optimizer=gd:adam", "takes a list of values, not a range"),
    ("keep_prob=0.9:0.5", "needs low < high"),
])
def test_bad_ranges_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_ranges([spec])


def test_ranges_of_the_new_hyperparameters():
    space = parse_ranges(["lambd=1e-4:1:log", "keep_prob=0.5:1", "batch_size=16:256:log", "beta2=0.9:0.9999"])
    assert space == {"lambd": Range(1e-4, 1.0, True), "keep_prob": Range(0.5, 1.0, False),
                     "batch_size": Range(16, 256, True), "beta2": Range(0.9, 0.9999, False)}


def test_toml_space_file_with_the_second_course(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text('[params]\noptimizer = ["gd", "adam"]\nbatch_size = ["full", 64]\nlambd = [0, 0.7]\n'
                    'keep_prob = { low = 0.5, high = 1.0 }\n[fixed]\nnum_epochs = 20\nlearning_rate_schedule = '
                    '"inverse-time"\nbeta1 = 0.8\n')
    doc = load_space_file(path)
    assert doc["space"] == {"optimizer": Choice(("gd", "adam")), "batch_size": Choice((None, 64)),
                            "lambd": Choice((0.0, 0.7)), "keep_prob": Range(0.5, 1.0, False)}
    assert doc["fixed"] == {"num_epochs": 20, "learning_rate_schedule": "inverse_time", "beta1": 0.8}
    path.write_text('[params]\noptimizer = ["gd"]\n[fixed]\nbeta2 = 1.5\n')
    with pytest.raises(ValueError, match=r"'beta2' in \[fixed\] of the space file .* in \[0, 1\)"):
        load_space_file(path)


@pytest.mark.parametrize("settings, match", [
    (dict(grid=["lambd=0,1"], iterations=10, num_epochs=10), "either 'iterations' or 'num_epochs', not both"),
    (dict(grid=["keep_prob=0.5,1"], model="logistic"), "'keep_prob' does not apply to the 'logistic' model"),
    (dict(grid=["optimizer=gd,adam"], optimizer="adam"), r"\['optimizer'\] is both varied and fixed"),
    (dict(grid=["learning_rate_schedule=exponential,step"], decay_rate=2.0),
     r"The trial learning_rate_schedule=exponential cannot be trained: The 'decay_rate' parameter of "
     r"ShallowNetwork must be a number in \(0, 1\]"),
])
def test_settings_refused_before_anything_is_written(tmp_path, settings, match):
    with pytest.raises(ValueError, match=match):
        create(tmp_path / "s", dataset="moons", **settings)
    assert not (tmp_path / "s").exists()


def test_make_config_fixes_the_new_hyperparameters_and_builds_the_model():
    cfg = make_config(grid=["optimizer=momentum,adam"], dataset="moons", model="deep", layers="5-2",
                      batch_size=32, num_epochs=4, learning_rate_schedule="inverse_time", decay_rate=0.5,
                      lambd=0.1, keep_prob=0.9, beta1=0.8, beta2=0.99, epsilon=1e-7, learning_rate=0.01)
    data = cfg.load_data()
    model = cfg.build_model({"optimizer": "adam"}, 5, data)
    config = model.get_config()
    expected = dict(optimizer="adam", batch_size=32, num_epochs=4, learning_rate_schedule="inverse_time",
                    decay_rate=0.5, lambd=0.1, keep_prob=0.9, beta1=0.8, beta2=0.99, epsilon=1e-7,
                    learning_rate=0.01, seed=5, layer_dims=[2, 5, 2, 1])
    assert {k: config[k] for k in expected} == expected


# ---------------------------------------------------------------------------------------------
# stacking: only full-batch gradient descent without L2 or dropout
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moons_config():
    cfg = make_config(grid=["learning_rate=0.1,0.5"], dataset="moons", model="shallow", iterations=5)
    return cfg, cfg.load_data()


@pytest.mark.parametrize("params, stacks", [
    ({}, True),
    ({"optimizer": "gd", "batch_size": None, "lambd": 0.0, "keep_prob": 1.0}, True),
    ({"optimizer": "adam"}, False),
    ({"optimizer": "momentum"}, False),
    ({"batch_size": 64}, False),
    ({"lambd": 0.7}, False),
    ({"keep_prob": 0.86}, False),
    ({"learning_rate_schedule": "inverse_time"}, False),
])
def test_stack_key_only_for_full_batch_gd(moons_config, params, stacks):
    cfg, data = moons_config
    a = cfg.build_model({"learning_rate": 0.1, **params}, 1, data)
    b = cfg.build_model({"learning_rate": 0.5, **params}, 2, data)
    assert (stack_key(a, data) is not None) is stacks
    if stacks:
        assert stack_key(a, data) == stack_key(b, data)
    assert set(STACKABLE) <= set(a.get_config())  # every setting it checks is a model hyperparameter


def test_stack_key_accepts_keep_prob_of_ones_per_layer(moons_config):
    from denseflow.models import DeepNetwork

    _, data = moons_config
    assert stack_key(DeepNetwork([2, 3, 3, 1], keep_prob=[1.0, 1.0]), data) is not None
    assert stack_key(DeepNetwork([2, 3, 3, 1], keep_prob=[1.0, 0.5]), data) is None


def test_full_batch_gd_num_epochs_stacks_like_one_run_each(tmp_path):
    """num_epochs with full batch = that many updates: stacked and alone agree bit for bit."""
    settings = dict(grid=["learning_rate=0.3,1.2"], dataset="planar", model="shallow", num_epochs=40, seed=4)
    models = {}
    for stack in (1, 2):
        sweep = create(tmp_path / f"s{stack}", **settings)
        assert worker(sweep, verbose=False, stack=stack).completed == 2
        models[stack] = sorted((t["number"], denseflow.load(t["model_path"])) for t in status(sweep)["trials"])
    for (_, a), (_, b) in zip(models[1], models[2]):
        assert len(a.history_.costs) == 40
        assert a.history_.to_dict() == b.history_.to_dict()
        for key, value in a.parameters_.items():
            np.testing.assert_array_equal(b.parameters_[key], value)


# ---------------------------------------------------------------------------------------------
# a sweep over optimizer × lambd runs and records them
# ---------------------------------------------------------------------------------------------


def test_sweep_over_optimizer_and_lambd_runs_and_records_them(tmp_path):
    sweep = create(tmp_path / "s", grid=["optimizer=gd,adam", "lambd=0,0.5"], dataset="moons", model="deep",
                   layers="5-2", batch_size=64, num_epochs=6, learning_rate=0.01, seed=3, same_seed=True)
    summary = worker(sweep, verbose=False, stack=8)
    assert (summary.completed, summary.failed, summary.errors) == (4, 0, 0)
    study, _, config = load_study(sweep)
    trials = study.get_trials(deepcopy=False)
    assert Counter((t.params["optimizer"], t.params["lambd"]) for t in trials) == \
        Counter({("gd", 0.0): 1, ("gd", 0.5): 1, ("adam", 0.0): 1, ("adam", 0.5): 1})
    assert all("stacked" not in t.user_attrs for t in trials)  # mini-batches: one trial at a time
    data = config.load_data()
    finals = {}
    for t in trials:
        model = denseflow.load(sweep.directory / t.user_attrs["model_path"])
        cfg = model.get_config()
        assert (cfg["optimizer"], cfg["lambd"], cfg["batch_size"], cfg["num_epochs"]) == \
            (t.params["optimizer"], t.params["lambd"], 64, 6)
        record = json.loads((sweep.directory / "trials" / f"trial-{t.number:04d}.json").read_text())
        assert record["params"] == t.params
        # the trial is what the model gives when trained alone with these settings and seed
        again = config.build_model(dict(t.params), t.user_attrs["seed"], data)
        again.fit(data.X, data.Y, data.X_val, data.Y_val)
        assert record["history"] == again.history_.to_dict()
        assert record["history"]["unit"] == "epoch" and len(record["history"]["costs"]) == 6
        for key, value in model.parameters_.items():
            np.testing.assert_array_equal(again.parameters_[key], value)
        assert t.user_attrs["val_accuracy"] == again.accuracy(data.X_val, data.Y_val)
        curve = t.user_attrs["cost_curve"]
        assert curve["unit"] == "epoch" and curve["costs"] == record["history"]["costs"]
        assert curve["val_costs"] == record["history"]["val_costs"]
        finals[t.params["optimizer"], t.params["lambd"]] = record["history"]["final_cost"]
    # same initial weights: Adam moves further than plain gd at the same α in 6 epochs; λ = 0.5 adds
    # λ/(2m) Σ‖W‖² to the cost
    assert finals["adam", 0.0] < finals["gd", 0.0]
    assert finals["gd", 0.5] > finals["gd", 0.0]
    rerun = rerun_trial(sweep, trials[0].number)
    saved = denseflow.load(sweep.directory / trials[0].user_attrs["model_path"])
    for key, value in saved.parameters_.items():
        np.testing.assert_array_equal(rerun.parameters_[key], value)


def test_learning_rate_grid_with_adam_runs_one_trial_at_a_time(tmp_path):
    sweep = create(tmp_path / "s", grid=["learning_rate=0.01,0.1"], dataset="moons", model="shallow",
                   optimizer="adam", iterations=5, seed=2)
    assert worker(sweep, verbose=False, stack=8).completed == 2
    study, _, _ = load_study(sweep)
    assert all("stacked" not in t.user_attrs for t in study.get_trials(deepcopy=False))
    plain = create(tmp_path / "p", grid=["learning_rate=0.01,0.1"], dataset="moons", model="shallow",
                   iterations=5, seed=2)
    assert worker(plain, verbose=False, stack=8).completed == 2
    study, _, _ = load_study(plain)
    assert [t.user_attrs.get("stacked") for t in study.get_trials(deepcopy=False)] == [2, 2]


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------


def test_cli_fixed_flags_and_grid_of_the_second_course(tmp_path, capsys):
    out = tmp_path / "s"
    code = sweep_cli.main(["--dataset", "moons", "--model", "deep", "--layers", "5,2", "--grid", "optimizer=gd,adam",
                           "--grid", "keep_prob=1,0.8", "--batch-size", "64", "--epochs", "3", "--learning-rate",
                           "0.01", "--schedule", "inverse-time", "--decay-rate", "0.5", "--lambd", "0.1",
                           "--beta1", "0.85", "--beta2", "0.99", "--epsilon", "1e-7", "--workers", "1", "--quiet",
                           "--json", "--out", str(out)])
    assert code == 0
    rep = json.loads(capsys.readouterr().out)
    fixed = rep["settings"]["fixed"]
    assert fixed == {"layers": "5-2", "learning_rate": 0.01, "batch_size": 64, "num_epochs": 3,
                     "learning_rate_schedule": "inverse_time", "decay_rate": 0.5, "lambd": 0.1, "beta1": 0.85,
                     "beta2": 0.99, "epsilon": 1e-7}
    assert sorted((t["params"]["optimizer"], t["params"]["keep_prob"]) for t in rep["trials"]) == \
        [("adam", 0.8), ("adam", 1.0), ("gd", 0.8), ("gd", 1.0)]
    assert {t["state"] for t in rep["trials"]} == {"COMPLETE"}
    model = denseflow.load(rep["trials"][0]["model_path"])
    assert (model.learning_rate_schedule, model.decay_rate, model.beta1) == ("inverse_time", 0.5, 0.85)


@pytest.mark.parametrize("argv, words", [
    (["--batch-size", "0"], ["'batch_size'", ">= 1, or 'full'"]),
    (["--optimizer", "adamw"], ["'optimizer'", "'adam'"]),
    (["--keep-prob", "2"], ["'keep_prob'", "(0, 1]"]),
    (["--grid", "lambd=0,-1"], ["'lambd'", ">= 0"]),
])
def test_cli_bad_values_exit_2_with_one_line(tmp_path, capsys, argv, words):
    code = sweep_cli.main(["--dataset", "moons", "--grid", "n_h=2,3", *argv, "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("denseflow sweep: error: ")
    for word in words:
        assert word in err
    assert not (tmp_path / "s").exists()


def test_batch_size_full_shows_as_full_in_the_table_and_the_picture(tmp_path):
    from denseflow.sweeps.results import format_table, write_report

    sweep = create(tmp_path / "s", grid=["batch_size=full,100"], dataset="moons", model="shallow", num_epochs=3,
                   seed=1)
    assert worker(sweep, verbose=False).completed == 2
    rep = write_report(sweep)
    table = format_table(rep)
    assert "batch_size" in table.splitlines()[0]
    assert sorted(line.split()[2] for line in table.splitlines()[1:]) == ["100", "full"]
    assert rep["files"]["picture"].endswith("report.png")


# ---------------------------------------------------------------------------------------------
# the second course's data sets
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, course_data", [("course-circles", "_circles"), ("course-moons", "_moons")])
def test_course_sets_are_the_notebooks_data(name, course_data):
    from denseflow import reproduce

    data = make_config(grid=["init=he,zeros"], dataset=name, model="deep", layers="5-2", course=True).load_data()
    expected = getattr(reproduce, course_data)()
    got = [a for a in data if a is not None]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="has the notebook's fixed size; drop --m"):
        make_config(grid=["init=he,zeros"], dataset=name, m=100)


def test_football_validates_on_its_test_rows(football_csv):
    from denseflow.datasets import load_football

    cfg = make_config(grid=["lambd=0,0.7"], dataset="football", csv_path=str(football_csv), model="deep",
                      layers="20-3")
    assert cfg.val_fraction == 0.0
    data = cfg.load_data()
    for a, b in zip(data, load_football(football_csv)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="football data set needs your copy"):
        make_config(grid=["lambd=0,0.7"], dataset="football")
