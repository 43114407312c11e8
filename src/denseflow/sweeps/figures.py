"""The sweep's picture: all cost curves on one axis, and the accuracy against each hyperparameter.

The left panel is :func:`denseflow.plots.plot_cost_overlay` (one curve per trial, labelled with
its hyperparameters, dashed: its validation cost), with the learning rate below it when a
schedule changes it; one panel per varied hyperparameter follows, with the training accuracy
(circles) and the validation accuracy (triangles) of every completed trial. Numeric values are
placed on a numeric axis (logarithmic when they span more than a factor 20, as
n_h = 1 … 50 or α = 1e-4 … 1 do); names and layer lists are placed in their order.
matplotlib is imported inside the functions.
"""

from __future__ import annotations

import math
from pathlib import Path

from denseflow.sweeps.space import format_value

__all__ = ["report_figure", "plot_accuracy_vs_hyperparameters", "trial_label"]


def trial_label(record: dict, names) -> str:
    """``'#3 n_h=4'``: a trial's legend label from its varied hyperparameters."""
    inner = ", ".join(f"{n}={format_value(record['params'].get(n))}" for n in names if n in record["params"])
    return f"#{record['number']} {inner}".strip()


def _numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _draw_accuracy(ax, name, records, spec):
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    done = [r for r in records if r["state"] == "COMPLETE" and name in r["params"]]
    values = [r["params"][name] for r in done]
    if spec.get("values") is not None:
        order = list(spec["values"])
    else:
        order = sorted(set(values))
    numeric = _numeric(order)
    if numeric:
        xs = [float(v) for v in values]
        positive = [v for v in order if v > 0]
        if len(positive) == len(order) and max(positive) / min(positive) > 20 or spec.get("log"):
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
        if spec.get("values") is not None and len(order) <= 12:
            ax.set_xticks([float(v) for v in order])
            ax.set_xticklabels([f"{v:g}" for v in order], fontsize=8)
    else:
        pos = {v: i for i, v in enumerate(order)}
        xs = [pos.get(v, 0) for v in values]
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels([format_value(v) for v in order], fontsize=8, rotation=30 if len(order) > 4 else 0)
    train = [100 * r["train_accuracy"] for r in done]
    ax.scatter(xs, train, marker="o", label="train", zorder=3)
    val = [(x, 100 * r["val_accuracy"]) for x, r in zip(xs, done) if r["val_accuracy"] is not None]
    if val:
        ax.scatter([v[0] for v in val], [v[1] for v in val], marker="^", label="validation", zorder=3)
    if len(done) <= 25:  # label the points, alternately above and below so neighbours do not collide
        for i, (x, r) in enumerate(sorted(zip(xs, done), key=lambda p: p[0])):
            ax.annotate(f"{100 * r['train_accuracy']:.2f}", (x, 100 * r["train_accuracy"]),
                        textcoords="offset points", xytext=(0, 6 if i % 2 == 0 else -12), ha="center", fontsize=7)
    ax.margins(y=0.12)
    ax.set_xlabel(name)
    ax.set_ylabel("accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")


def plot_accuracy_vs_hyperparameters(report: dict, *, figsize=None):
    """One panel per varied hyperparameter: accuracy of each completed trial against its value.

    Parameters
    ----------
    report : dict
        :func:`denseflow.sweeps.results.collect`'s result.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    space = report["settings"]["space"]
    k = max(1, len(space))
    fig = Figure(figsize=figsize or (4.0 * k, 3.6), layout="constrained")
    for i, (name, spec) in enumerate(space.items()):
        _draw_accuracy(fig.add_subplot(1, k, i + 1), name, report["trials"], spec)
    return fig


def report_figure(report: dict, curves: dict):
    """The cost overlay beside the accuracy panels (None when no trial recorded a curve).

    Parameters
    ----------
    report : dict
        :func:`denseflow.sweeps.results.collect`'s result.
    curves : dict
        ``{trial number: {"iterations": [...], "costs": [...]}}``.
    """
    from denseflow.plots import plot_cost_overlay
    from denseflow.training.loop import History

    space = report["settings"]["space"]
    names = list(space)
    by_number = {r["number"]: r for r in report["trials"]}
    ordered = sorted((n for n in curves if n in by_number), key=lambda n: _param_order(by_number[n], space))
    if not ordered:
        return None
    histories = {}
    for n in ordered:
        c = curves[n]
        label = trial_label(by_number[n], names)
        if by_number[n]["state"] != "COMPLETE":
            label += " (failed)"
        histories[label] = _history(History, c)
    metric = "validation" if report["metric"] == "val_accuracy" else "training"
    fig = plot_cost_overlay(histories, title=f"Cost of each trial ({len(histories)} trials)",
                            validation=len(histories) <= 8)
    k = len(names)
    scheduled = {label: curves[n] for label, n in zip(histories, ordered) if curves[n].get("learning_rates")}
    rows = 2 if scheduled else 1
    fig.set_size_inches(6.5 + 4.0 * k, 4.4 if rows == 1 else 5.6)
    grid = fig.add_gridspec(rows, 1 + k, width_ratios=[1.6] + [1.0] * k,
                            height_ratios=[3, 1] if rows == 2 else None)
    cost_ax = fig.axes[0]
    cost_ax.set_subplotspec(grid[0, 0])
    if scheduled:  # the learning rate of the trials whose schedule changes it, below their costs
        colors = {line.get_label(): line.get_color() for line in cost_ax.get_lines()}
        rate_ax = fig.add_subplot(grid[1, 0], sharex=cost_ax)
        for label, c in scheduled.items():
            rate_ax.plot(c["iterations"], c["learning_rates"], color=colors.get(label), label=label)
        rate_ax.set_ylabel("α")
        rate_ax.set_xlabel(cost_ax.get_xlabel())
        rate_ax.grid(True, alpha=0.3)
        cost_ax.set_xlabel("")
    for i, name in enumerate(names):
        _draw_accuracy(fig.add_subplot(grid[:, i + 1]), name, report["trials"], space[name])
    name = report["study_name"] if report["storage"] != "journal" else Path(report["sweep_dir"]).name
    fig.suptitle(f"Sweep {name}: {report['sampler']} sampler, best {metric} accuracy "
                 f"{_best(report)}", fontsize=11)
    return fig


def _history(History, curve):
    """A History from a stored cost curve (:func:`denseflow.sweeps.trial.cost_curve`)."""
    return History(list(curve["iterations"]), list(curve["costs"]), list(curve.get("val_costs", [])),
                   unit=curve.get("unit", "iteration"), learning_rates=list(curve.get("learning_rates", [])))


def _param_order(record, space):
    key = []
    for name, spec in space.items():
        v = record["params"].get(name)
        if spec.get("values") is not None and v in spec["values"]:
            key.append(spec["values"].index(v))
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            key.append(v)
        else:
            key.append(0)
    return (key, record["number"])


def _best(report):
    best = report["best"]
    if best is None:
        return "—"
    inner = ", ".join(f"{k}={format_value(v)}" for k, v in best["params"].items())
    return f"{100 * best['value']:.2f} % (trial {best['number']}: {inner})"
