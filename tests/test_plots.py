"""Plots: Figures without pyplot, the right data on the axes, atomic PNG files."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from denseflow import datasets
from denseflow.models import DeepNetwork, ShallowNetwork
from denseflow.plots import (
    plot_cost,
    plot_cost_overlay,
    plot_decision_boundary,
    plot_mislabeled,
    save_figure,
)
from denseflow.training import History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def flower_model():
    X, Y = datasets.planar_flower()
    model = ShallowNetwork(n_h=4, num_iterations=1000, course=True, seed=2)
    model.fit(X, Y)
    return model, X, Y


def _history(n=5, val=False):
    return History(list(range(n)), [1.0 / (i + 1) for i in range(n)], [2.0 / (i + 1) for i in range(n)] if val else [],
                   [0.5] * n if val else [], 0.1)


@pytest.mark.parametrize("val", [False, True])
def test_plot_cost_draws_iterations_against_costs(val):
    h = _history(val=val)
    fig = plot_cost(h, learning_rate=1.2)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == (2 if val else 1)
    np.testing.assert_array_equal(lines[0].get_xdata(), h.iterations)
    np.testing.assert_array_equal(lines[0].get_ydata(), h.costs)
    if val:
        np.testing.assert_array_equal(lines[1].get_ydata(), h.val_costs)
    assert ax.get_title() == "Learning rate = 1.2"
    assert ax.get_xlabel() == "iterations"


def test_plot_cost_accepts_history_dict_and_rejects_garbage():
    fig = plot_cost(_history().to_dict(), title="mine", log_scale=True)
    assert fig.axes[0].get_title() == "mine"
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(TypeError, match="History"):
        plot_cost([1, 2, 3])
    with pytest.raises(ValueError, match="no recorded cost"):
        plot_cost(History())


def test_decision_boundary_grid_matches_the_model(flower_model):
    model, X, Y = flower_model
    fig = plot_decision_boundary(model, X, Y, resolution=50)
    ax = fig.axes[0]
    points = ax.collections[-1]  # the scatter of training points
    np.testing.assert_array_equal(points.get_offsets(), X.T)
    x0, x1 = ax.get_xlim()
    assert x0 <= X[0].min() - 0.99 and x1 >= X[0].max() + 0.99
    assert "[2, 4, 1]" in ax.get_title()


@pytest.mark.parametrize(
    "X, match",
    [(np.zeros((3, 10)), "needs 2-D data"), (np.zeros(10), "rank-1")],
)
def test_decision_boundary_rejects_non_2d_data(flower_model, X, match):
    model, _, _ = flower_model
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(model, X, np.zeros((1, 10)))


def _image_data(m=12, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (m, 4, 4, 3), dtype=np.uint8)
    X = images.reshape(m, -1).T / 255.0
    Y = (images[:, 0, 0, 0] > 127).astype(float).reshape(1, -1)
    return images, X, Y


class _Fixed:
    """A stand-in model with fixed predictions."""

    def __init__(self, labels):
        self.labels = np.asarray(labels).reshape(1, -1)

    def predict(self, X):
        return self.labels


def test_plot_mislabeled_shows_exactly_the_wrong_examples():
    images, X, Y = _image_data()
    predicted = Y.copy()
    wrong = [1, 4, 7]
    predicted[0, wrong] = 1 - predicted[0, wrong]
    fig = plot_mislabeled(_Fixed(predicted), X, Y, classes=["non-cat", "cat"], image_shape=(4, 4, 3))
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 3
    for ax, k in zip(shown, wrong):
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), images[k])
        names = ["non-cat", "cat"]
        assert ax.get_title() == f"Prediction: {names[int(predicted[0, k])]}\nClass: {names[int(Y[0, k])]}"


def test_plot_mislabeled_with_raw_images_cap_and_none_wrong():
    images, X, Y = _image_data(m=30)
    fig = plot_mislabeled(_Fixed(1 - Y), X, Y, images=images, max_images=4)
    assert sum(1 for ax in fig.axes if ax.get_images()) == 4
    assert "30 mislabeled of 30 (first 4 shown)" in fig._suptitle.get_text()
    fig = plot_mislabeled(_Fixed(Y), X, Y, image_shape=(4, 4, 3))
    assert "No mislabeled examples" in fig.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="one image per column"):
        plot_mislabeled(_Fixed(1 - Y), X, Y, images=images[:5])


def test_plot_mislabeled_on_cat_test_set(cat_dir):
    cat = datasets.load_cat(cat_dir)
    model = DeepNetwork([12288, 3, 1], num_iterations=5, seed=1)
    model.fit(cat.train_X, cat.train_Y, class_names=cat.classes)
    fig = plot_mislabeled(model, cat.test_X, cat.test_Y)
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert 1 <= len(shown) <= 10
    assert shown[0].get_images()[0].get_array().shape == (64, 64, 3)
    assert "Class: " in shown[0].get_title()


def test_cost_overlay_one_line_per_run():
    runs = {"alpha=0.1": _history(4), "alpha=1": _history(6, val=True).to_dict()}
    fig = plot_cost_overlay(runs, validation=True)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3  # two training curves, one validation curve
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(runs)
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_cost_overlay({})


@pytest.mark.parametrize("name", ["cost.png", "cost.svg", "nosuffix"])
def test_save_figure_writes_valid_files_atomically(tmp_path, name):
    path = save_figure(plot_cost(_history()), tmp_path / name)
    data = path.read_bytes()
    if name.endswith(".svg"):
        assert b"<svg" in data[:500]
    else:
        assert data.startswith(PNG_SIGNATURE)
        assert imread(path).shape[2] in (3, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_plots_do_not_import_pyplot(tmp_path):
    code = (
        "import sys; import numpy as np; from denseflow.plots import plot_cost, save_figure\n"
        "from denseflow.training import History\n"
        "save_figure(plot_cost(History([0, 1], [1.0, 0.5])), sys.argv[1])\n"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.png")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_docstring_examples_run():
    import doctest

    import denseflow.plots

    result = doctest.testmod(denseflow.plots, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 5
