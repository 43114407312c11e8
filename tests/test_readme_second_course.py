"""The README's section "The second course": every command in it runs, and every number it shows
is what that command's trials give.

Each ``denseflow sweep`` command is read from the README and parsed by the sweep's own parser into
its :class:`~denseflow.sweeps.SweepConfig`; every grid point is then trained as a sweep worker
trains it (:meth:`SweepConfig.build_model` with the trial's seed, ``fit`` on the sweep's data), and
the tables' accuracies and costs are compared with the results, to the decimals shown. The costs
the notebooks print are compared with the trials' histories (the README says the curves pass
through them), and each picture the section shows is in ``docs/images``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA, needs_data

pytest.importorskip("optuna")

from denseflow import reproduce  # noqa: E402
from denseflow.cli import sweep as sweep_cli  # noqa: E402
from denseflow.sweeps import make_config  # noqa: E402
from denseflow.sweeps.space import grid_points  # noqa: E402

# zeros and ×0.01 initializations do not learn, and dropout's recorded cost is the thinned network's:
# the warnings these runs raise are expected here
pytestmark = pytest.mark.filterwarnings("ignore::denseflow.training.TrainingWarning")

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## The second course"


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    assert SECTION in text
    return text.split(SECTION, 1)[1].split("\n## ", 1)[0]


def _part(title: str) -> str:
    return _section().split(f"### {title}", 1)[1].split("\n### ", 1)[0]


def _command(part: str) -> list[str]:
    """The ``denseflow sweep`` command of a part (an indented block, lines joined at ``\\``)."""
    block = re.search(r"\n    (denseflow sweep .*?)\n\n", part, flags=re.S).group(1)
    words = shlex.split(block.replace("\\\n", " "))
    assert words[:2] == ["denseflow", "sweep"]
    return [str(SHARED_DATA / "football.csv") if w == "path/to/football.csv" else w for w in words[2:]]


def _table(part: str) -> list[list[str]]:
    rows = [line for line in part.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows
            if not set(row.strip()) <= set("|-: ")]


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _shown(text: str, value: float, scale: float = 1.0):
    """``text`` (a table cell) is ``value`` × scale rounded to the decimals shown."""
    assert abs(float(text) - scale * value) <= 0.5 * 10 ** -_decimals(text) + 1e-12, (text, value)


def _run(argv):
    """The trials of a README sweep command: {grid point as a tuple of values: (model, history)}."""
    args = sweep_cli.build_parser().parse_args(argv)
    assert args.out.startswith("sweeps/")
    config = make_config(**sweep_cli._settings(args))
    data = config.load_data()
    trials = {}
    for index, point in enumerate(grid_points(config.space)):
        model = config.build_model(point, config.trial_seed(index), data)
        with np.errstate(over="ignore", invalid="ignore"):
            model.fit(data.X, data.Y, data.X_val, data.Y_val)
        trials[tuple(point.values())] = model
    return config, data, trials


def _accuracies(model, data):
    test = None if data.X_val is None else model.accuracy(data.X_val, data.Y_val)
    return model.accuracy(data.X, data.Y), test


def test_the_section_shows_its_pictures():
    pictures = re.findall(r"!\[[^\]]*\]\((docs/images/[^)]+)\)", _section())
    assert len(pictures) == 4
    for picture in pictures:
        path = ROOT / picture
        assert path.is_file() and path.stat().st_size < 60_000, picture  # committed, and small
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_initialization_table():
    part = _part("Initialization")
    config, data, trials = _run(_command(part))
    assert config.space["init"].values == ("zeros", "random", "he")
    assert (data.X.shape[1], data.X_val.shape[1]) == (300, 100) and "300 training points" in part
    assert trials[("he",)].layer_dims_ == [2, 10, 5, 1] and "[2, 10, 5, 1]" in part
    rows = _table(part)
    assert rows[0] == ["init", "train accuracy (%)", "test accuracy (%)", "final cost"]
    assert [r[0] for r in rows[1:]] == ["zeros", "random", "he"]
    for name, train, test, cost in rows[1:]:
        model = trials[(name,)]
        train_acc, test_acc = _accuracies(model, data)
        _shown(train, train_acc, 100)
        _shown(test, test_acc, 100)
        _shown(cost, model.history_.final_cost)
    # the notebook's figures: zeros and He (denseflow's 'random' is not the notebook's × 10)
    assert trials[("zeros",)].history_.costs[0] == pytest.approx(0.6931471805599453, abs=1e-12)
    he = trials[("he",)].history_
    for iteration, cost in reproduce._INIT_HE_COSTS.items():
        assert he.cost_at(iteration) == pytest.approx(cost, abs=1e-10), iteration


@pytest.mark.slow
@needs_data("football.csv")
def test_regularization_table():
    part = _part("Regularization: L2 and dropout")
    config, data, trials = _run(_command(part))
    assert (data.X.shape[1], data.X_val.shape[1]) == (211, 200) and "211 training positions" in part
    rows = _table(part)
    assert rows[0] == ["λ", "keep_prob", "train accuracy (%)", "test accuracy (%)"]
    assert len(rows) == 5
    for lambd, keep_prob, train, test in rows[1:]:
        train_acc, test_acc = _accuracies(trials[(float(lambd), float(keep_prob))], data)
        _shown(train, train_acc, 100)
        _shown(test, test_acc, 100)
    # the first three rows are the notebook's runs: its accuracies and the costs it prints
    for lambd, keep_prob, costs, train_acc, test_acc in reproduce._REG_RUNS.values():
        model = trials[(lambd, keep_prob)]
        assert _accuracies(model, data) == (train_acc, test_acc)
        for iteration, cost in costs.items():
            assert model.history_.cost_at(iteration) == pytest.approx(cost, abs=1e-10), (lambd, keep_prob, iteration)


@pytest.mark.slow
def test_optimizers_table():
    part = _part("Optimizers: gradient descent, momentum and Adam on mini-batches")
    _, data, trials = _run(_command(part))
    assert data.X.shape[1] == 300 and data.X_val is None and "moons (300 points)" in part
    assert trials[("adam",)].layer_dims_ == [2, 5, 2, 1] and "[2, 5, 2, 1]" in part
    rows = _table(part)
    assert rows[0] == ["optimizer", "train accuracy (%)", "cost after epoch 4000"]
    assert [r[0] for r in rows[1:]] == ["gd", "momentum", "adam"]
    for name, train, cost_4000 in rows[1:]:
        model = trials[(name,)]
        assert model.history_.unit == "epoch"
        _shown(train, _accuracies(model, data)[0], 100)
        _shown(cost_4000, model.history_.cost_at(4000))
        costs, accuracy = reproduce._OPT_RUNS[name]  # the notebook's printed costs (%f)
        for epoch, cost in costs.items():
            assert abs(model.history_.cost_at(epoch) - cost) <= reproduce.SIX, (name, epoch)
        assert float(cost_4000) == costs[4000]
        if accuracy is not None:
            assert _accuracies(model, data)[0] == accuracy


@pytest.mark.slow
def test_learning_rate_decay_table():
    part = _part("Learning-rate decay")
    _, data, trials = _run(_command(part))
    rows = _table(part)
    assert rows[0] == ["schedule", "train accuracy (%)", "cost after epoch 4000"]
    assert [r[0] for r in rows[1:]] == ["constant", "inverse_time"]
    for name, train, cost_4000 in rows[1:]:
        model = trials[(name,)]
        _shown(train, _accuracies(model, data)[0], 100)
        _shown(cost_4000, model.history_.cost_at(4000))
    assert float(rows[2][2]) < float(rows[1][2])  # "settles lower"
    rates = trials[("inverse_time",)].history_.learning_rates
    assert rates[0] == 0.1 and len(set(rates)) == 5  # α₀ / (1 + ⌊t / 1000⌋): five values in 5000 epochs
    assert set(trials[("constant",)].history_.learning_rates) == {0.1}
    published = next(r for r in reproduce._DECAY_RUNS if r[0] == "gd" and r[2] == "schedule_lr_decay")[3]
    for epoch, (cost, _) in published.items():
        assert abs(trials[("inverse_time",)].history_.cost_at(epoch) - cost) <= reproduce.SIX, epoch
    assert "0.117512" in part and float(rows[2][2]) == published[4000][0]
