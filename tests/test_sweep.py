"""Tests for denseflow.sweeps (Optuna sweeps): the grid once per point with several workers, killed
workers and resume, on the journal file and on PostgreSQL; the course's hidden-size table; seeds;
the trial budget; divergence; bad input.

PostgreSQL tests read the server's URL from DENSEFLOW_TEST_POSTGRES_URL (``.ci/run`` starts a
server with ``.ci/postgres.sh``) and are skipped only when it is unset.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from _polling import wait_for

pytest.importorskip("optuna")

import denseflow  # noqa: E402
from denseflow.cli import sweep as sweep_cli
from denseflow.sweeps import (
    Choice,
    Range,
    create,
    load_space_file,
    make_config,
    open_sweep,
    parse_grid,
    parse_ranges,
    rerun_trial,
    resume,
    run_sweep,
    status,
    worker,
)
from denseflow.sweeps.runner import start_workers
from denseflow.sweeps.study import budget_used, load_study
from denseflow.sweeps.trial import trial_file

PG_URL = os.environ.get("DENSEFLOW_TEST_POSTGRES_URL")

# 12 grid points, each a fraction of a second of training on the planar flower.
GRID = ["n_h=1,2,3,4", "learning_rate=0.5,1.0,1.2"]
GRID_POINTS = {(n, lr) for n in (1, 2, 3, 4) for lr in (0.5, 1.0, 1.2)}


def _trials(sweep):
    study, _, _ = load_study(sweep)
    return study.get_trials(deepcopy=True)


def _completed_points(trials):
    return Counter((t.params["n_h"], t.params["learning_rate"]) for t in trials if t.state.name == "COMPLETE")


@pytest.fixture(params=["journal", "postgres"])
def backend(request):
    """(storage URL or None, study name, number of workers) for each backend."""
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("DENSEFLOW_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server)")
        return PG_URL, f"test-{uuid.uuid4().hex[:12]}", 2
    return None, None, 3


SMALL = dict(dataset="planar", model="shallow", iterations=300, seed=3)
# Heartbeats every second, stale after 2 s: the kill test waits seconds, not minutes.
HEARTBEAT = dict(heartbeat_interval=1, grace_period=2)


# ---------------------------------------------------------------------------------------------
# several workers: each grid point exactly once
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_grid_with_several_workers_runs_each_point_once(tmp_path, backend):
    url, name, n_workers = backend
    rep = run_sweep(tmp_path / "sweep", grid=GRID, workers=n_workers, storage=url, study_name=name,
                    verbose=False, plots=False, **SMALL, **HEARTBEAT)
    assert rep["worker_exit_codes"] == [0] * n_workers
    trials = rep["trials"]
    assert len(trials) == 12
    assert Counter((t["params"]["n_h"], t["params"]["learning_rate"]) for t in trials) == Counter(GRID_POINTS)
    assert {t["state"] for t in trials} == {"COMPLETE"}
    # sorted by the validation metric, best first
    values = [t["val_accuracy"] for t in trials]
    assert values == sorted(values, reverse=True)
    assert rep["metric"] == "val_accuracy" and rep["best"]["number"] == trials[0]["number"]
    # per-trial seeds: SeedSequence(sweep seed).spawn(12)[grid index]
    expected = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(3).spawn(12)]
    assert sorted(t["seed"] for t in trials) == sorted(expected)
    for t in trials:
        assert Path(t["model_path"]).is_file()
        assert 0.4 <= t["train_accuracy"] <= 1 and 0.4 <= t["val_accuracy"] <= 1
        assert t["final_cost"] > 0
    best = denseflow.load(tmp_path / "sweep" / "best.npz")
    assert best.n_h == trials[0]["params"]["n_h"]


# ---------------------------------------------------------------------------------------------
# killed workers, then resume
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_killed_workers_resume_completes_each_point_once(tmp_path, backend):
    url, name, n_workers = backend
    sweep = create(tmp_path / "sweep", grid=GRID, storage=url, study_name=name,
                   **{**SMALL, "iterations": 1500}, **HEARTBEAT)
    procs = start_workers(sweep, n_workers, verbose=False, storage=url)
    try:
        done = wait_for(lambda: [t for t in _trials(sweep) if t.state.name == "COMPLETE"], timeout=120)
    finally:
        for p in procs:
            p.kill()  # SIGKILL: no chance to clean up
        for p in procs:
            p.wait()
    assert done, "no trial completed within 120 s"
    before = {t.number: t for t in _trials(sweep) if t.state.name == "COMPLETE"}
    assert len(before) < 12, "every trial finished before the kill; the test needs longer trials"

    rep = resume(sweep, workers=n_workers, grace_period=0, verbose=False, plots=False, storage=url)
    assert rep["worker_exit_codes"] == [0] * n_workers
    after = _trials(sweep)
    # every previously completed trial is unchanged
    for number, old in before.items():
        new = after[number]
        assert (new.state, new.params, new.values) == (old.state, old.params, old.values)
        assert new.user_attrs == old.user_attrs
    # every grid point completed exactly once, nothing left running or waiting
    assert _completed_points(after) == Counter(GRID_POINTS)
    assert {t.state.name for t in after} <= {"COMPLETE", "FAIL"}
    # a retried point keeps its grid index and its seed
    expected = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(3).spawn(12)]
    assert sorted(t.user_attrs["grid_index"] for t in after if t.state.name == "COMPLETE") == list(range(12))
    assert all(t.user_attrs["seed"] == expected[t.user_attrs["grid_index"]] for t in after)


# ---------------------------------------------------------------------------------------------
# the course's table of accuracy against the hidden-layer size
# ---------------------------------------------------------------------------------------------

COURSE_TABLE = {1: (67.5, 0), 2: (67.25, 0), 3: (90.75, 0), 4: (90.5, 0), 5: (91.25, 0), 20: (90.0, 0.5),
                50: (90.25, 0.5)}


@pytest.mark.slow
def test_course_hidden_size_table_from_the_cli(tmp_path, capsys):
    out = tmp_path / "hidden"
    code = sweep_cli.main(["--dataset", "planar", "--model", "shallow", "--grid", "n_h=1,2,3,4,5,20,50",
                           "--learning-rate", "1.2", "--iterations", "5000", "--course", "--seed", "2",
                           "--workers", "2", "--out", str(out), "--quiet", "--json"])
    assert code == 0
    rep = json.loads(capsys.readouterr().out)
    accuracy = {t["params"]["n_h"]: 100 * t["train_accuracy"] for t in rep["trials"]}
    for n_h, (published, tolerance) in COURSE_TABLE.items():
        assert accuracy[n_h] == pytest.approx(published, abs=tolerance + 1e-9), n_h
    assert {t["seed"] for t in rep["trials"]} == {2}  # --course: the sweep's seed for every trial
    assert all(t["val_accuracy"] is None for t in rep["trials"])
    assert rep["best"]["params"] == {"n_h": 5}
    assert (out / "best.npz").is_file() and (out / "report.png").is_file()
    required = {"number", "state", "params", "seed", "train_accuracy", "val_accuracy", "final_cost", "model_path"}
    assert all(required <= set(t) for t in rep["trials"])
    # the report part gives the same table again
    assert sweep_cli.main(["report", str(out), "--json", "--no-plots"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [t["number"] for t in again["trials"]] == [t["number"] for t in rep["trials"]]
    assert sweep_cli.main(["status", str(out)]) == 0
    assert "7/7 complete" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# in-process worker: rerun bit-identically, divergence, random search budget
# ---------------------------------------------------------------------------------------------


def test_any_trial_reruns_alone_bit_identically(tmp_path):
    sweep = create(tmp_path / "s", grid=["n_h=2,3"], dataset="planar", iterations=200, seed=7)
    assert worker(sweep, verbose=False).completed == 2
    for t in status(sweep)["trials"]:
        saved = denseflow.load(t["model_path"])
        again = rerun_trial(sweep, t["number"])
        for key, value in saved.parameters_.items():
            np.testing.assert_array_equal(again.parameters_[key], value)


def test_diverging_trial_is_failed_with_its_reason_and_the_sweep_goes_on(tmp_path):
    sweep = create(tmp_path / "s", grid=["learning_rate=0.5,1e20"], dataset="planar", model="shallow",
                   hidden_activation="relu", iterations=100, seed=1)
    summary = worker(sweep, verbose=False)
    assert (summary.completed, summary.failed, summary.errors) == (1, 1, 0)
    by_lr = {t["params"]["learning_rate"]: t for t in status(sweep)["trials"]}
    assert by_lr[0.5]["state"] == "COMPLETE"
    assert by_lr[1e20]["state"] == "FAIL"
    assert by_lr[1e20]["fail_reason"].startswith("diverged: Training diverged")
    assert by_lr[1e20]["model_path"] is None


# ---------------------------------------------------------------------------------------------
# stacking: grid points that differ only in the learning rate are trained together
# ---------------------------------------------------------------------------------------------

# 6 learning rates × 2 hidden sizes; 1000 saturates the output (e^x overflows in the fast cost).
STACK_GRID = ["learning_rate=0.05,0.3,0.6,1.2,2.4,1000", "n_h=2,3"]


def _trial_files(directory, number):
    model = denseflow.load(directory / "trials" / f"trial-{number:04d}.npz")
    record = json.loads((directory / "trials" / f"trial-{number:04d}.json").read_text())
    return model, record


def test_stacked_grid_gives_the_results_of_one_trial_at_a_time(tmp_path):
    settings = dict(grid=STACK_GRID, dataset="planar", model="shallow", iterations=150, cost_every=7, seed=4)
    runs = {}
    for stack in (1, 8):
        sweep = create(tmp_path / f"stack{stack}", **settings)
        summary = worker(sweep, verbose=False, stack=stack)
        assert (summary.completed, summary.failed, summary.errors) == (12, 0, 0)
        runs[stack] = (sweep, _trials(sweep))
    (alone, alone_trials), (stacked, stacked_trials) = runs[1], runs[8]
    # stacking ran two batches of six (one per n_h), each trial with its own seed and worker record
    assert Counter(t.user_attrs.get("stacked") for t in stacked_trials) == Counter({6: 12})
    assert all("stacked" not in t.user_attrs for t in alone_trials)
    for a, b in zip(alone_trials, stacked_trials):
        assert (a.number, a.params, a.values, a.state) == (b.number, b.params, b.values, b.state)
        for key in ("seed", "grid_index", "train_accuracy", "val_accuracy", "final_cost", "cost_curve"):
            assert a.user_attrs[key] == b.user_attrs[key], key
        assert b.user_attrs["worker"]["pid"] == os.getpid()
        model_a, record_a = _trial_files(alone.directory, a.number)
        model_b, record_b = _trial_files(stacked.directory, b.number)
        assert model_a.get_config() == model_b.get_config()
        assert model_a.history_.to_dict() == model_b.history_.to_dict()
        assert model_a.optimizer_state_ == model_b.optimizer_state_
        for key, value in model_a.parameters_.items():
            np.testing.assert_array_equal(model_b.parameters_[key], value, err_msg=key)
        assert record_a["history"] == record_b["history"]
        assert record_a["train_accuracy"] == record_b["train_accuracy"]
    # a stacked trial reruns alone bit-identically
    model, _ = _trial_files(stacked.directory, 11)
    again = rerun_trial(stacked, 11)
    for key, value in model.parameters_.items():
        np.testing.assert_array_equal(again.parameters_[key], value, err_msg=key)


def test_stacked_batch_fails_the_diverged_point_and_completes_the_others(tmp_path):
    sweep = create(tmp_path / "s", grid=["learning_rate=0.5,1e20,1.0"], dataset="planar", model="shallow",
                   hidden_activation="relu", iterations=100, seed=1)
    alone = create(tmp_path / "a", grid=["learning_rate=0.5,1e20,1.0"], dataset="planar", model="shallow",
                   hidden_activation="relu", iterations=100, seed=1)
    assert worker(sweep, verbose=False, stack=3)[:2] == worker(alone, verbose=False, stack=1)[:2] == (2, 1)
    for a, b in zip(status(alone)["trials"], status(sweep)["trials"]):
        assert (a["state"], a["fail_reason"], a["final_cost"]) == (b["state"], b["fail_reason"], b["final_cost"])
    diverged = [t for t in _trials(sweep) if t.state.name == "FAIL"]
    assert diverged[0].user_attrs["fail_reason"].startswith("diverged: Training diverged")
    assert json.loads((sweep.directory / trial_file(diverged[0].number, ".json")).read_text())["diverged"]


@pytest.mark.parametrize("settings, sizes", [
    # every point differs in n_h: nothing to stack
    (dict(grid=["n_h=2,3,4"]), [None, None, None]),
    # max_trials caps the batch
    (dict(grid=["learning_rate=0.1,0.2,0.3"], max_trials=2), [2, 2, None]),
])
def test_stacking_takes_only_compatible_points(tmp_path, settings, sizes):
    settings = dict(settings)
    max_trials = settings.pop("max_trials", None)
    sweep = create(tmp_path / "s", dataset="planar", iterations=20, seed=2, **settings)
    worker(sweep, verbose=False, max_trials=max_trials)
    trials = _trials(sweep)
    assert [t.user_attrs.get("stacked") for t in trials] == sizes
    assert [t.state.name for t in trials] == ["COMPLETE"] * (max_trials or 3) + ["WAITING"] * (3 - (max_trials or 3))


def test_bad_stack_is_rejected(tmp_path, capsys):
    with pytest.raises(ValueError, match="'stack' parameter of the sweep must be an int >= 1"):
        run_sweep(tmp_path / "s", grid=["n_h=1"], stack=0, verbose=False)
    assert not (tmp_path / "s").exists()
    assert sweep_cli.main(["--grid", "n_h=1", "--stack", "0", "--out", str(tmp_path / "t")]) == 2
    assert "--stack" in capsys.readouterr().err and not (tmp_path / "t").exists()


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_random_and_tpe_search_keep_the_budget_and_the_ranges(tmp_path, sampler):
    settings = dict(ranges=["learning_rate=0.05:2:log", "n_h=1:6"], sampler=sampler, n_trials=4,
                    dataset="planar", iterations=50, seed=11)
    first = create(tmp_path / "a", **settings)
    # two workers in turn, the first stopping after 3 trials: the budget is shared
    assert worker(first, max_trials=3, verbose=False).completed == 3
    assert worker(first, verbose=False).completed == 1
    assert worker(first, verbose=False).completed == 0
    trials = _trials(first)
    assert budget_used(trials) == 4 and [t.state.name for t in trials] == ["COMPLETE"] * 4
    for t in trials:
        assert 0.05 <= t.params["learning_rate"] <= 2 and 1 <= t.params["n_h"] <= 6
    # the draws depend only on the sweep seed and the trial number
    second = create(tmp_path / "b", **settings)
    worker(second, verbose=False)
    assert [t.params for t in _trials(second)] == [t.params for t in trials]


def test_same_seed_gives_every_trial_the_sweep_seed(tmp_path):
    sweep = create(tmp_path / "s", grid=["n_h=1,2,3"], same_seed=True, seed=5, iterations=20)
    worker(sweep, verbose=False)
    assert [t["seed"] for t in status(sweep)["trials"]] == [5, 5, 5]


@pytest.mark.parametrize("settings, hidden", [
    (dict(grid=["layers=3-2,4"]), {"3-2": [3, 2], "4": [4]}),
    (dict(grid=["num_layers=2,3"], n_h=3), {2: [3], 3: [3, 3]}),
])
def test_deep_architectures(tmp_path, settings, hidden):
    sweep = create(tmp_path / "s", model="deep", dataset="moons", iterations=30, **settings)
    assert worker(sweep, verbose=False).completed == 2
    for t in status(sweep)["trials"]:
        model = denseflow.load(t["model_path"])
        key = next(iter(t["params"].values()))
        assert model.layer_dims_ == [2, *hidden[key], 1]


def test_cat_images_validate_on_the_test_set(tmp_path, cat_dir):
    sweep = create(tmp_path / "s", model="deep", dataset="cat", data_dir=cat_dir, grid=["layers=4,2-2"],
                   iterations=3, learning_rate=0.0075)
    assert worker(sweep, verbose=False).completed == 2
    rep = status(sweep)
    assert rep["metric"] == "val_accuracy"
    assert all(0 <= t["val_accuracy"] <= 1 for t in rep["trials"])


def test_csv_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    rows = ["a,b,label"] + [f"{u:.4f},{v:.4f},{int(u + v > 0)}" for u, v in x]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    code = sweep_cli.main(["create", "--dataset", "csv", "--data", str(tmp_path / "t.csv"), "--label-column",
                           "label", "--model", "logistic", "--grid", "learning_rate=0.1,1", "--iterations", "50",
                           "--out", str(tmp_path / "s")])
    assert code == 0
    assert worker(tmp_path / "s", verbose=False).completed == 2
    assert max(t["val_accuracy"] for t in status(tmp_path / "s")["trials"]) >= 0.8


@pytest.mark.slow
def test_sigterm_fails_and_requeues_the_running_trial(tmp_path):
    sweep = create(tmp_path / "s", grid=["n_h=3,4"], iterations=200000, seed=1)
    (proc,) = start_workers(sweep, 1, verbose=False)
    try:
        running = wait_for(lambda: [t for t in _trials(sweep) if "worker" in t.user_attrs], timeout=60)
        proc.terminate()
        assert proc.wait(timeout=60) != 0
    finally:
        proc.kill()
    assert running
    trials = _trials(sweep)
    assert [t.state.name for t in trials] == ["FAIL", "WAITING", "WAITING"]
    assert trials[0].user_attrs["fail_reason"].startswith("interrupted")
    assert trials[2].params == trials[0].params and trials[2].user_attrs["seed"] == trials[0].user_attrs["seed"]


@pytest.mark.parametrize("signal_exit", [KeyboardInterrupt, SystemExit])
def test_interrupt_between_claim_and_training_requeues_the_claimed_trial(tmp_path, monkeypatch, signal_exit):
    # Ctrl-C / SIGTERM while a stacked batch is being assembled: the point already claimed (RUNNING,
    # recording this worker) must not be left RUNNING.
    import denseflow.sweeps.stacking as stacking

    sweep = create(tmp_path / "s", grid=["n_h=3,4"], iterations=10, seed=1)
    calls = []

    def interrupted(model, data):
        calls.append(model)
        if len(calls) == 2:  # the first claimed point's key is known; now comparing the next one
            raise signal_exit()
        return "key"

    monkeypatch.setattr(stacking, "stack_key", interrupted)
    with pytest.raises(signal_exit):
        worker(sweep, verbose=False)
    trials = _trials(sweep)
    assert [t.state.name for t in trials] == ["FAIL", "WAITING", "WAITING"]
    assert trials[0].user_attrs["fail_reason"].startswith("interrupted")
    assert trials[2].params == trials[0].params and trials[2].user_attrs["seed"] == trials[0].user_attrs["seed"]
    monkeypatch.undo()
    assert worker(sweep, verbose=False).completed == 2  # and the sweep finishes afterwards


def test_ctrl_c_during_a_claim_waits_for_the_claim_then_gives_the_trial_back(tmp_path, monkeypatch):
    # SIGINT delivered to another thread (as the OS may pick a BLAS thread) while trial 0 is RUNNING
    # but does not record its worker yet: the claim must finish first, then the trial is given back.
    import signal
    import threading

    import denseflow.sweeps.claims as claims

    sweep = create(tmp_path / "s", grid=["n_h=3,4"], iterations=10, seed=1)
    original = claims.record_worker

    def interrupted(trial):
        if trial.number == 0:
            other = threading.Thread(target=lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT))
            other.start()
            other.join()
        original(trial)

    monkeypatch.setattr(claims, "record_worker", interrupted)
    with pytest.raises(KeyboardInterrupt):
        worker(sweep, verbose=False, stack=1)
    trials = _trials(sweep)
    assert [t.state.name for t in trials] == ["FAIL", "WAITING", "WAITING"]
    assert trials[0].user_attrs["fail_reason"].startswith("interrupted")
    assert trials[2].params == trials[0].params
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is back


def test_interrupts_held_until_the_outermost_block_ends_then_sigterm_first():
    import signal

    from denseflow.sweeps.claims import interrupts_held

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        reached = []
        with pytest.raises(SystemExit) as stopped:
            with interrupts_held():
                with interrupts_held():
                    signal.raise_signal(signal.SIGINT)
                    signal.raise_signal(signal.SIGTERM)
                reached.append("inner block ended, signals still held")
        assert reached and stopped.value.code == 128 + signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is terminate
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with pytest.raises(ValueError), interrupts_held():  # an error inside: the handlers come back
            raise ValueError
        assert signal.getsignal(signal.SIGTERM) is terminate
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------------------------
# the search space
# ---------------------------------------------------------------------------------------------


def test_parse_grid_and_ranges():
    space = parse_grid(["n_h=1,2,3", "learning_rate=0.01,0.001", "hidden_activation=tanh,relu",
                        "layers=20-7-5,10-5"])
    assert space["n_h"] == Choice((1, 2, 3))
    assert space["learning_rate"] == Choice((0.01, 0.001))
    assert space["layers"] == Choice(("20-7-5", "10-5"))
    ranges = parse_ranges(["learning_rate=1e-4:1:log", "n_h=1:50"])
    assert ranges == {"learning_rate": Range(1e-4, 1.0, True), "n_h": Range(1, 50, False)}


def test_space_file(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text('sampler = "tpe"\nn_trials = 7\n[params]\nn_h = [1, 2]\n'
                    'learning_rate = { low = 1e-3, high = 1.0, log = true }\nlayers = [[20, 7, 5], [10]]\n'
                    '[fixed]\niterations = 100\n')
    doc = load_space_file(path)
    assert doc["sampler"] == "tpe" and doc["n_trials"] == 7 and doc["fixed"] == {"iterations": 100}
    assert doc["space"]["layers"] == Choice(("20-7-5", "10"))
    assert doc["space"]["learning_rate"] == Range(1e-3, 1.0, True)


@pytest.mark.parametrize("settings, message", [
    (dict(grid=["n_hidden=1,2"]), "Unknown hyperparameter 'n_hidden'.*Did you mean 'n_h'"),
    (dict(grid=["n_h="]), "Empty grid"),
    (dict(grid=["n_h=1,1"]), "repeat"),
    (dict(grid=["n_h=0,1"]), "whole number >= 1"),
    (dict(grid=["learning_rate=fast"]), "must be a number > 0"),
    (dict(grid=["n_h=1"], model="logistic"), "does not apply to the 'logistic' model"),
    (dict(ranges=["learning_rate=1:0.1"]), "low < high"),
    (dict(ranges=["learning_rate=0.1:1"], sampler="grid"), "needs a list of values"),
    (dict(ranges=["learning_rate=0.1:1"]), "needs a trial budget"),
    (dict(grid=["n_h=1"], n_trials=3), "exactly once"),
    (dict(), "search space is empty"),
    (dict(grid=["layers=20-7"], model="deep", n_h=3), "either 'layers'"),
    (dict(grid=["n_h=1"], learning_rate=1.0, model="shallow", dataset="iris"), "'dataset' parameter"),
])
def test_bad_space_is_rejected(settings, message):
    with pytest.raises(ValueError, match=message):
        make_config(**settings)


# ---------------------------------------------------------------------------------------------
# bad input on the command line: exit 2, one line, nothing written to an existing study
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def existing(tmp_path_factory):
    """A created sweep (no trial run) whose files must not change."""
    out = tmp_path_factory.mktemp("existing") / "sweep"
    create(out, grid=["n_h=1,2"], dataset="planar", iterations=10)
    return out


def _snapshot(folder: Path):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("argv, message", [
    (["create", "--grid", "n_hidden=1,2", "--out", "{new}"], "Unknown hyperparameter 'n_hidden'"),
    (["create", "--grid", "n_h=", "--out", "{new}"], "Empty grid"),
    (["create", "--grid", "n_h=1", "--storage", "mysql://me@db/sweeps", "--out", "{new}"], "'storage' parameter"),
    (["create", "--grid", "n_h=1", "--storage", "not a url", "--out", "{new}"], "'storage' parameter"),
    (["create", "--grid", "n_h=1", "--storage", "postgresql://me@127.0.0.1:1/nowhere", "--out", "{new}"],
     "Could not open the database"),
    (["create", "--space", "{toml}", "--out", "{new}"], "not valid TOML"),
    (["create", "--grid", "n_h=3", "--out", "{existing}"], "already holds a sweep"),
    (["--grid", "n_h=1,2", "--workers", "1", "--out", "{existing}"], "already holds a sweep"),
    (["worker", "{existing}", "--storage", "ftp://x/y"], "'storage' parameter"),
    (["status", "{existing}", "--storage", "postgresql://me@127.0.0.1:1/nowhere"], "Could not open the database"),
    (["report", "{new}"], "There is no sweep"),
    (["create", "--grid", "n_h=1,2", "--workers", "two", "--out", "{new}"], "unrecognized arguments"),
    (["--grid", "n_h=1,2", "--workers", "two", "--out", "{new}"], "expected a whole number"),
    (["create", "--grid", "n_h=1,2", "--seed", "4294967296", "--out", "{new}"],
     r"--seed: expected a whole number in \[0, 2\*\*32 - 1\]"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(argv, message, existing, tmp_path, capsys):
    toml = tmp_path / "bad.toml"
    toml.write_text("[params]\nn_h = [1, 2\n")
    new = tmp_path / "new"
    before = _snapshot(existing)
    argv = [a.format(new=new, existing=existing, toml=toml) for a in argv]
    assert sweep_cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("denseflow sweep: error: ")
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert _snapshot(existing) == before
    assert not new.exists()


def test_existing_study_name_on_the_database_is_not_created_twice(tmp_path, capsys):
    if not PG_URL:
        pytest.skip("DENSEFLOW_TEST_POSTGRES_URL is not set")
    name = f"test-{uuid.uuid4().hex[:12]}"
    args = ["create", "--grid", "n_h=1,2", "--storage", PG_URL, "--study-name", name]
    assert sweep_cli.main(args + ["--out", str(tmp_path / "a")]) == 0
    assert sweep_cli.main(args + ["--out", str(tmp_path / "b")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert len(_trials(open_sweep(tmp_path / "a"))) == 2


def test_import_denseflow_does_not_load_optuna():
    import subprocess
    import sys

    code = ("import sys, denseflow, denseflow.sweeps, denseflow.cli.sweep; "
            "print(sorted(m for m in ('optuna', 'sqlalchemy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_budget_counts_each_retried_trial_once():
    class T:  # a stand-in for Optuna's FrozenTrial
        def __init__(self, number, failed_trial=None, skipped=False):
            self.number = number
            self.system_attrs = {} if failed_trial is None else {"failed_trial": failed_trial}
            self.user_attrs = {"skipped": True} if skipped else {}

    trials = [T(0), T(1), T(2, failed_trial=1), T(3, skipped=True), T(4, failed_trial=1)]
    assert budget_used(trials) == 2
    assert budget_used(trials, before=1) == 1
    assert budget_used([]) == 0


# ---------------------------------------------------------------------------------------------
# issue 14: passwords (item 1), a torn journal (9), a frozen worker (10), `report --json | head` (17)
# ---------------------------------------------------------------------------------------------

SECRET = "S3cr3t-p4ss"


def _with_password(url):
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


@pytest.mark.parametrize("url, expected", [
    (f"postgresql://me:{SECRET}@db:5432/sweeps", "postgresql://me@db:5432/sweeps"),
    (f"postgresql+psycopg2://me:{SECRET}@db/sweeps?sslmode=require&password={SECRET}",
     "postgresql+psycopg2://me@db/sweeps?sslmode=require"),
    ("postgresql://me@db/sweeps", "postgresql://me@db/sweeps"),
    ("journal", "journal"),
])
def test_item1_redact_drops_the_password(url, expected):
    from denseflow.sweeps.storage import redact

    assert redact(url) == expected  # URL.set(password=None) kept it: set() ignores None


def test_item1_an_unreachable_database_error_does_not_show_the_password(tmp_path, capsys):
    url = f"postgresql://me:{SECRET}@127.0.0.1:1/nowhere"
    assert sweep_cli.main(["create", "--grid", "n_h=1,2", "--storage", url, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "Could not open the database postgresql+psycopg2://me@127.0.0.1:1/nowhere" in err
    assert SECRET not in err
    assert "Sweep(" in repr(open_sweep(storage=url)) and SECRET not in repr(open_sweep(storage=url))


def test_item1_the_password_reaches_no_file_and_no_output(tmp_path, capfd):
    if not PG_URL:
        pytest.skip("DENSEFLOW_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server)")
    url = _with_password(PG_URL)  # the test server trusts local connections, so any password opens it
    out, name = tmp_path / "sweep", f"test-{uuid.uuid4().hex[:12]}"
    args = ["--storage", url, "--study-name", name]
    assert sweep_cli.main(["create", "--grid", "n_h=1,2", "--iterations", "50", *args, "--out", str(out)]) == 0
    assert sweep_cli.main(["worker", str(out), *args]) == 0
    assert sweep_cli.main(["status", str(out), *args, "--json"]) == 0
    assert sweep_cli.main(["status", str(out), *args]) == 0
    assert sweep_cli.main(["report", str(out), *args, "--json", "--no-plots"]) == 0
    printed = capfd.readouterr()
    reports = [json.loads(line) for line in printed.out.splitlines() if line.startswith("{")]
    assert len(reports) == 2 and all(r["storage"].startswith("postgresql+psycopg2://denseflow@") for r in reports)
    assert SECRET not in printed.out + printed.err
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {"sweep.json", "report.json"} <= {p.name for p in files}
    assert [p for p, data in files.items() if SECRET.encode() in data] == []


def _torn(journal: Path, how: str):
    data = journal.read_bytes()
    last = data[:-1].rsplit(b"\n", 1)[1]
    journal.write_bytes(data + {"half-line": last[: len(last) // 2],
                                "zeros": last[:10] + b"\0" * 300,
                                "zeros-and-newline": b"\0" * 40 + b"\n"}[how])
    return len(data)


@pytest.mark.parametrize("how", ["half-line", "zeros", "zeros-and-newline"])
def test_item9_a_journal_ending_in_a_torn_line_is_repaired_and_every_point_runs_once(tmp_path, capfd, how):
    sweep = create(tmp_path / "sweep", grid=["n_h=1,2,3"], dataset="planar", iterations=30)
    assert worker(sweep, max_trials=1, verbose=False).completed == 1
    journal = tmp_path / "sweep" / "journal.log"
    good = _torn(journal, how)
    capfd.readouterr()
    assert sweep_cli.main(["status", str(tmp_path / "sweep")]) == 0
    assert journal.stat().st_size == good  # cut back to the last complete line
    err = capfd.readouterr().err
    assert "ended in a torn line" in err and "removed its last" in err
    assert sweep_cli.main(["resume", str(tmp_path / "sweep"), "--workers", "1", "--quiet"]) == 0
    trials = _trials(sweep)
    assert Counter(t.params["n_h"] for t in trials if t.state.name == "COMPLETE") == Counter({1: 1, 2: 1, 3: 1})


def test_item9_damage_before_good_lines_is_not_cut(tmp_path):
    from denseflow.sweeps.storage import repair_journal

    journal = tmp_path / "journal.log"
    journal.write_bytes(b'{"op_code": 0}\n{"op_co\n{"op_code": 1}\n')
    assert repair_journal(journal) == 0
    assert journal.read_bytes() == b'{"op_code": 0}\n{"op_co\n{"op_code": 1}\n'


def test_item10_a_late_result_of_a_trial_taken_over_elsewhere_is_discarded(tmp_path, monkeypatch):
    from denseflow.models import Network
    from denseflow.sweeps.claims import pop_waiting
    from denseflow.sweeps.study import requeue
    from denseflow.sweeps.trial import run_trial

    sweep = create(tmp_path / "sweep", grid=["n_h=1,2"], dataset="planar", iterations=30)
    study, store, config = load_study(sweep)
    trial = pop_waiting(study, store, store.get_study_id_from_name(study.study_name), None)
    real_fit = Network.fit

    def frozen_past_the_grace_period(self, *args, **kwargs):
        # meanwhile, the heartbeat went stale: the trial is failed and its point queued again
        stale = store.get_trial(store.get_trial_id_from_study_id_trial_number(0, trial.number))
        assert requeue(study, store, stale, "heartbeat stale")
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(Network, "fit", frozen_past_the_grace_period)
    data = config.load_data()
    assert run_trial(study, store, trial, config, data, sweep.directory) == "discarded"
    monkeypatch.undo()
    assert not (sweep.directory / trial_file(trial.number, ".json")).exists()
    assert not (sweep.directory / trial_file(trial.number)).exists()
    summary = worker(sweep, verbose=False)
    assert (summary.completed, summary.errors) == (2, 0)
    trials = _trials(sweep)
    assert trials[trial.number].state.name == "FAIL"
    assert Counter(t.params["n_h"] for t in trials if t.state.name == "COMPLETE") == Counter({1: 1, 2: 1})
    for t in trials:  # no file claims a result for a failed trial
        assert (sweep.directory / trial_file(t.number, ".json")).exists() == (t.state.name == "COMPLETE")


@pytest.mark.slow
def test_item10_a_frozen_worker_on_postgresql_wakes_discards_and_exits_0(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    if not PG_URL:
        pytest.skip("DENSEFLOW_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server)")
    name = f"test-{uuid.uuid4().hex[:12]}"
    sweep = create(tmp_path / "sweep", grid=["n_h=1"], storage=PG_URL, study_name=name, dataset="planar",
                   model="shallow", iterations=60_000, seed=3, **HEARTBEAT)
    env = dict(os.environ, DENSEFLOW_SWEEP_STORAGE=PG_URL)
    late = subprocess.Popen([sys.executable, "-m", "denseflow.cli.sweep", "worker", str(sweep.directory),
                             "--study-name", name], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: [t for t in _trials(sweep) if t.state.name == "RUNNING"], timeout=60)
        late.send_signal(signal.SIGSTOP)  # frozen (swapped out, suspended laptop, stuck NFS …)
        time.sleep(HEARTBEAT["grace_period"] + 2)
        summary = worker(sweep, verbose=False)  # fails the stale trial and runs its point again
        assert (summary.completed, summary.errors) == (1, 0)
    finally:
        late.send_signal(signal.SIGCONT)
    _, err = late.communicate(timeout=120)
    assert late.returncode == 0, err
    assert "came too late" in err and "discarded" in err
    trials = _trials(sweep)
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    assert not (sweep.directory / trial_file(0, ".json")).exists()
    assert (sweep.directory / trial_file(1, ".json")).exists()


def test_item17_report_json_into_a_closed_pipe_is_quiet_and_exits_0(tmp_path):
    import subprocess
    import sys

    sweep = create(tmp_path / "sweep", grid=["n_h=1,2"], dataset="planar", iterations=30)
    worker(sweep, verbose=False)
    proc = subprocess.Popen([sys.executable, "-m", "denseflow", "sweep", "report", str(sweep.directory), "--json",
                             "--no-plots"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| head -c 0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    proc.stderr.close()
    assert (proc.returncode, err) == (0, "")


def test_a_claim_writes_its_heartbeat_before_the_trial_turns_running():
    # Optuna never finds a RUNNING trial without a heartbeat stale: a worker frozen between the two
    # writes would hold its point forever (it once hung CI's frozen-worker test).
    from denseflow.sweeps.claims import claim

    calls = []

    class Storage:
        def get_trial_id_from_study_id_trial_number(self, study_id, number):
            return 7

        def record_heartbeat(self, tid):
            calls.append(("heartbeat", tid))

        def set_trial_state_values(self, tid, state):
            calls.append(("running", tid))
            return False  # another worker took it

    assert claim(None, Storage(), 1, 0, heartbeat=1) is None
    assert calls == [("heartbeat", 7), ("running", 7)]
