"""What a sweep found: the table of trials, the best model, the pictures.

:func:`collect` reads every trial from the study (so it works from any machine that reaches
the database); :func:`format_table` prints it sorted by the validation metric (the training
accuracy when there is no validation set); :func:`write_report` also copies the best model to
``best.npz`` and draws ``report.png``: the overlay of all trials' cost curves (the notes' "cost
function graph", :func:`denseflow.plots.plot_cost_overlay`) beside the accuracy against each
hyperparameter.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from denseflow.sweeps.config import _HELD_OUT_SETS
from denseflow.sweeps.space import format_value
from denseflow.sweeps.storage import redact
from denseflow.sweeps.study import Sweep, load_study, open_sweep

__all__ = ["collect", "format_table", "format_status", "write_report", "status_counts"]

_STATES = ("COMPLETE", "RUNNING", "WAITING", "FAIL", "PRUNED")


def _trial_record(t, directory: Path) -> dict:
    ua = t.user_attrs
    model_path = ua.get("model_path")
    return {
        "number": t.number,
        "state": t.state.name,
        "params": dict(t.params) if t.params else dict(t.system_attrs.get("fixed_params", {})),
        "seed": ua.get("seed"),
        "train_accuracy": ua.get("train_accuracy"),
        "val_accuracy": ua.get("val_accuracy"),
        "final_cost": ua.get("final_cost"),
        "model_path": None if model_path is None else str(directory / model_path),
        "value": t.value if t.values else None,
        "seconds": ua.get("seconds"),
        "fail_reason": ua.get("fail_reason"),
        "retry_of": t.system_attrs.get("failed_trial"),
        "worker": ua.get("worker"),
    }


def _sort_key(rec):
    done = rec["state"] == "COMPLETE"
    metric = rec["value"] if rec["value"] is not None else -math.inf
    return (0 if done else 1, -metric, rec["number"])


def collect(sweep) -> dict:
    """The sweep as one JSON-able dict: settings, counts, the best trial and every trial.

    ``trials`` is sorted best first (completed trials by the validation metric, then the rest by
    number); each trial has ``number``, ``state``, ``params``, ``seed``, ``train_accuracy``,
    ``val_accuracy`` (or None), ``final_cost``, ``model_path`` (or None), ``fail_reason``.
    """
    return _gather(sweep)[0]


def _gather(sweep):
    """(report dict, {trial number: stored cost curve})."""
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep)
    study, _, config = load_study(sweep)
    trials = study.get_trials(deepcopy=False)
    curves = {t.number: t.user_attrs["cost_curve"] for t in trials if t.user_attrs.get("cost_curve")}
    records = sorted((_trial_record(t, sweep.directory) for t in trials), key=_sort_key)
    complete = [r for r in records if r["state"] == "COMPLETE"]
    validating = any(r["val_accuracy"] is not None for r in complete) or (config.val_fraction or 0) > 0 \
        or config.dataset in _HELD_OUT_SETS
    counts = {s: 0 for s in _STATES}
    for r in records:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    total = len(_grid_size(config)) if config.sampler == "grid" else config.n_trials
    return {
        "sweep_dir": str(sweep.directory),
        "storage": redact(sweep.storage),
        "study_name": sweep.study_name,
        "metric": "val_accuracy" if validating else "train_accuracy",
        "sampler": config.sampler,
        "budget": total,
        "settings": config.to_dict(),
        "counts": counts,
        "best": complete[0] if complete else None,
        "trials": records,
    }, curves


def _grid_size(config):
    from denseflow.sweeps.space import grid_points

    return grid_points(config.space)


def status_counts(report: dict) -> str:
    c = report["counts"]
    done = c.get("COMPLETE", 0)
    parts = [f"{done}/{report['budget']} complete"] + [f"{c[s]} {s.lower()}" for s in _STATES[1:] if c.get(s)]
    return ", ".join(parts)


def _pct(x):
    return "—" if x is None else f"{100 * x:.2f} %"


def format_table(report: dict, *, limit: int | None = None) -> str:
    """The trials as a text table, best first."""
    names = list(report["settings"]["space"])
    header = ["#", "state", *names, "seed", "train acc", "val acc", "final cost", "model / reason"]
    rows = []
    for r in report["trials"][:limit]:
        if r["state"] == "WAITING" and r["retry_of"] is None and not r["params"]:
            continue
        cost = "—" if r["final_cost"] is None else f"{r['final_cost']:.6f}"
        tail = r["model_path"] and Path(r["model_path"]).name or (r["fail_reason"] or "")
        rows.append([str(r["number"]), r["state"].lower(), *(format_value(r["params"].get(n, "")) for n in names),
                     "" if r["seed"] is None else str(r["seed"]), _pct(r["train_accuracy"]), _pct(r["val_accuracy"]),
                     cost, tail[:70]])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def format_status(report: dict) -> str:
    """A short status: counts, best so far, running trials."""
    lines = [f"sweep {report['study_name']} ({report['storage']}, {report['sampler']} sampler): "
             f"{status_counts(report)}"]
    best = report["best"]
    if best is not None:
        metric = report["metric"].replace("_", " ")
        lines.append(f"best so far: trial {best['number']} {best['params']}: {metric} {_pct(best['value'])}")
    for r in report["trials"]:
        if r["state"] == "RUNNING":
            w = r["worker"] or {}
            lines.append(f"running: trial {r['number']} {r['params']} on {w.get('host', '?')} pid {w.get('pid', '?')}")
    return "\n".join(lines)


def _copy_best(report: dict, directory: Path):
    best = report["best"]
    if best is None or best["model_path"] is None or not Path(best["model_path"]).exists():
        return None
    from denseflow.io.npz import atomic_write

    target = directory / "best.npz"
    with open(best["model_path"], "rb") as src, atomic_write(target) as dst:
        shutil.copyfileobj(src, dst)
    return target


def write_report(sweep, *, plots: bool = True) -> dict:
    """Collect the sweep, copy the best model to ``best.npz``, write ``report.json`` and
    ``report.png``; returns the report dict (with ``files``)."""
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep)
    report, curves = _gather(sweep)
    files = {}
    best = _copy_best(report, sweep.directory)
    if best is not None:
        files["best_model"] = str(best)
    if plots and any(r["state"] in ("COMPLETE", "FAIL") for r in report["trials"]):
        from denseflow.plots import save_figure
        from denseflow.sweeps.figures import report_figure

        fig = report_figure(report, curves)
        if fig is not None:
            files["picture"] = str(save_figure(fig, sweep.directory / "report.png", dpi=110))
    report["files"] = files
    from denseflow.io.npz import write_json

    write_json(sweep.directory / "report.json", report, indent=1, default=str)
    return report

