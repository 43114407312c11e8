"""The pictures of the second course (issue 15, part 4): the cost per epoch with the validation cost
and the learning rate, the comparison of several runs (the optimizers), and the sweep report's
validation curves. The tests read the figures' data (lines' x and y), not pixels."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from denseflow import datasets  # noqa: E402
from denseflow.models import DeepNetwork  # noqa: E402
from denseflow.plots import plot_cost, plot_cost_overlay  # noqa: E402
from denseflow.training import History  # noqa: E402


def _lines(ax):
    return {line.get_label(): (line.get_xdata().tolist(), line.get_ydata().tolist()) for line in ax.get_lines()}


@pytest.mark.parametrize("unit, label", [("iteration", "iterations"), ("epoch", "epochs")])
def test_plot_cost_names_the_x_axis_by_the_history_unit(unit, label):
    h = History([0, 1, 2], [0.7, 0.6, 0.5], [0.8, 0.7, 0.65], unit=unit, learning_rates=[0.1, 0.1, 0.1])
    fig = plot_cost(h)
    assert len(fig.axes) == 1  # a constant α: no learning-rate panel
    assert fig.axes[0].get_xlabel() == label
    assert _lines(fig.axes[0]) == {"training cost": ([0, 1, 2], [0.7, 0.6, 0.5]),
                                   "validation cost": ([0, 1, 2], [0.8, 0.7, 0.65])}


def test_plot_cost_draws_a_changing_learning_rate_below():
    rates = [0.1, 0.05, 0.1 / 3, 0.025]
    h = History([0, 1, 2, 3], [0.7, 0.5, 0.45, 0.44], unit="epoch", learning_rates=rates)
    fig = plot_cost(h)
    cost_ax, rate_ax = fig.axes
    assert _lines(rate_ax) == {"learning rate α": ([0, 1, 2, 3], rates)}
    assert rate_ax.get_xlabel() == "epochs" and rate_ax.get_ylabel() == "α"
    assert cost_ax.get_xlabel() == ""  # shared x axis, named once below
    assert _lines(cost_ax)["training cost"] == ([0, 1, 2, 3], [0.7, 0.5, 0.45, 0.44])


def test_plot_cost_of_a_dict_history_keeps_the_unit_and_rates():
    h = History([0, 5], [0.7, 0.3], unit="epoch", learning_rates=[0.2, 0.1]).to_dict()
    fig = plot_cost(h)
    assert fig.axes[1].get_xlabel() == "epochs"
    assert _lines(fig.axes[1])["learning rate α"] == ([0, 5], [0.2, 0.1])


def test_plot_cost_of_a_scheduled_minibatch_run():
    X, Y = datasets.load_dataset("moons", m=200)
    model = DeepNetwork([2, 5, 2, 1], optimizer="momentum", batch_size=64, num_epochs=5, learning_rate=0.1,
                        learning_rate_schedule="inverse_time", decay_rate=1.0, seed=3)
    history = model.fit(X, Y, X, Y)
    fig = plot_cost(history)
    assert [ax.get_xlabel() for ax in fig.axes] == ["", "epochs"]
    xs, ys = _lines(fig.axes[1])["learning rate α"]
    assert xs == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(ys, history.learning_rates)
    assert len(set(ys)) == 5 and ys[0] == 0.1  # α₀ / (1 + t): it changes every epoch
    assert _lines(fig.axes[0])["validation cost"][1] == history.val_costs


def test_overlay_compares_the_optimizers_per_epoch():
    runs = {name: History([0, 1, 2], costs, unit="epoch") for name, costs in
            {"gd": [0.70, 0.69, 0.68], "momentum": [0.70, 0.68, 0.66], "adam": [0.70, 0.40, 0.20]}.items()}
    fig = plot_cost_overlay(runs, title="Optimizers")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epochs"
    assert _lines(ax) == {name: ([0, 1, 2], h.costs) for name, h in runs.items()}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gd", "momentum", "adam"]


def test_overlay_with_validation_and_mixed_units():
    runs = {"full batch": History([0, 1], [0.7, 0.6], [0.75, 0.7]),
            "mini-batch": History([0, 1], [0.7, 0.3], [0.72, 0.4], unit="epoch")}
    fig = plot_cost_overlay(runs, validation=True, title="Cost")
    ax = fig.axes[0]
    dashed = [(line.get_ydata().tolist(), line.get_color()) for line in ax.get_lines() if line.get_linestyle() == "--"]
    solid = {line.get_label(): line.get_color() for line in ax.get_lines() if line.get_linestyle() == "-"}
    assert dashed == [([0.75, 0.7], solid["full batch"]), ([0.72, 0.4], solid["mini-batch"])]
    assert ax.get_xlabel().startswith("epochs (full batch: iterations")
    assert ax.get_title() == "Cost (dashed: validation)"


def test_sweep_report_draws_validation_curves_per_epoch(tmp_path):
    pytest.importorskip("optuna")
    from denseflow.sweeps import create, worker
    from denseflow.sweeps.figures import report_figure
    from denseflow.sweeps.results import _gather

    sweep = create(tmp_path / "s", grid=["optimizer=gd,adam"], dataset="moons", model="shallow", batch_size=50,
                   num_epochs=4, learning_rate=0.01, seed=1)
    assert worker(sweep, verbose=False).completed == 2
    report, curves = _gather(sweep)
    fig = report_figure(report, curves)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epochs"
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert sorted(line.get_label().split()[1] for line in solid) == ["optimizer=adam", "optimizer=gd"]
    by_number = {r["number"]: r for r in report["trials"]}
    for line, curve_number in zip(dashed, sorted(curves, key=lambda n: by_number[n]["params"]["optimizer"] != "gd")):
        assert line.get_ydata().tolist() == curves[curve_number]["val_costs"]
    assert fig.axes[1].get_xlabel() == "optimizer"
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["gd", "adam"]


def test_sweep_report_draws_the_learning_rate_of_scheduled_trials(tmp_path):
    pytest.importorskip("optuna")
    from denseflow.sweeps import create, worker
    from denseflow.sweeps.figures import report_figure
    from denseflow.sweeps.results import _gather

    sweep = create(tmp_path / "s", grid=["learning_rate_schedule=constant,inverse_time"], dataset="moons",
                   model="shallow", batch_size=50, num_epochs=4, learning_rate=0.2, decay_rate=1.0, time_interval=1,
                   seed=1, same_seed=True)
    assert worker(sweep, verbose=False).completed == 2
    report, curves = _gather(sweep)
    by_schedule = {r["params"]["learning_rate_schedule"]: r["number"] for r in report["trials"]}
    assert "learning_rates" not in curves[by_schedule["constant"]]  # α never changes: nothing to draw
    number = by_schedule["inverse_time"]
    record = json.loads((sweep.directory / "trials" / f"trial-{number:04d}.json").read_text())
    rates = record["history"]["learning_rates"]
    assert len(set(rates)) == 4 and rates[0] == 0.2  # α₀ / (1 + t), one record per epoch
    assert curves[number]["learning_rates"] == rates
    fig = report_figure(report, curves)
    cost_ax, rate_ax = fig.axes[:2]
    assert [line.get_label() for line in rate_ax.get_lines()] == ["#1 learning_rate_schedule=inverse_time"]
    assert _lines(rate_ax)["#1 learning_rate_schedule=inverse_time"] == ([0, 1, 2, 3], rates)
    assert (rate_ax.get_ylabel(), rate_ax.get_xlabel(), cost_ax.get_xlabel()) == ("α", "epochs", "")
    assert fig.axes[2].get_xlabel() == "learning_rate_schedule"
