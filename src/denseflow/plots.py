"""The course's pictures: cost curve (with the learning rate), decision boundary, mislabeled images, overlays.

Every function builds and returns a :class:`matplotlib.figure.Figure` without touching pyplot,
so nothing here selects a backend, opens a window or changes global state; the figures render
with Agg when saved. :func:`save_figure` writes one atomically. Use them in a notebook (a
``Figure`` displays itself) or from the command line (``denseflow train`` / ``denseflow plot``).

matplotlib is imported inside the functions: ``import denseflow`` does not load it.

Examples
--------
>>> from denseflow import datasets
>>> from denseflow.models import ShallowNetwork
>>> from denseflow.plots import plot_cost, plot_decision_boundary
>>> X, Y = datasets.planar_flower()
>>> model = ShallowNetwork(n_h=4, num_iterations=200, course=True, seed=2)
>>> history = model.fit(X, Y)
>>> fig = plot_cost(history, learning_rate=model.learning_rate)
>>> fig.axes[0].get_xlabel()
'iterations'
>>> fig = plot_decision_boundary(model, X, Y)
>>> len(fig.axes)
1
"""

from __future__ import annotations

import io as _io
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from denseflow.core.validation import check_positive_int, check_XY

__all__ = [
    "plot_cost",
    "plot_decision_boundary",
    "plot_mislabeled",
    "plot_cost_overlay",
    "plot_confusion_matrix",
    "plot_roc",
    "plot_predicted_vs_true",
    "save_figure",
]


def _figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _as_history(history, name="history"):
    from denseflow.training.loop import History

    if isinstance(history, History):
        return history
    if isinstance(history, Mapping):
        return History.from_dict(history)
    raise TypeError(
        f"{name} must be a denseflow History (model.history_) or its to_dict() form; "
        f"got {type(history).__name__}."
    )


def _unit(history) -> str:
    """'iteration' (full batch: one update per record) or 'epoch' (mini-batches: one pass per record)."""
    unit = getattr(history, "unit", None) or "iteration"
    return str(unit)


def _x_label(histories) -> str:
    units = {_unit(h) for h in histories}
    if len(units) == 1:
        return f"{units.pop()}s"
    return "epochs (full batch: iterations, one update per pass)"


def _changing_rates(h):
    """The learning rates recorded with the history, when they change (else None)."""
    rates = list(getattr(h, "learning_rates", None) or [])
    if len(rates) < 2 or len({float(r) for r in rates}) < 2:
        return None
    return rates


def plot_cost(history, *, learning_rate=None, title=None, log_scale: bool = False, figsize=(6.0, 4.0)):
    """The cost J per iteration (full batch) or per epoch (mini-batches), as the course plots it.

    The training cost J(θ(i)) is drawn at each recorded iteration or epoch i (the x axis is named
    by ``history.unit``); the validation cost is drawn beside it when the history has one. When
    the learning rate changes during training (a schedule), a second panel below shows α at each
    record (``history.learning_rates``), as the course's learning-rate-decay section does.

    Parameters
    ----------
    history : History or dict
        ``model.history_`` (or ``History.to_dict()``, e.g. a run's ``history.json``).
    learning_rate : float, optional
        Shown in the title as the course does ("Learning rate = 1.2").
    title : str, optional
        Overrides the title.
    log_scale : bool, default False
        Logarithmic cost axis.
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` holds the cost curves; ``fig.axes[1]``, when present, the learning rate.

    Examples
    --------
    >>> from denseflow.training import History
    >>> h = History([0, 1, 2], [0.7, 0.5, 0.4], val_costs=[0.72, 0.6, 0.55])
    >>> fig = plot_cost(h)
    >>> [line.get_label() for line in fig.axes[0].get_lines()], fig.axes[0].get_xlabel()
    (['training cost', 'validation cost'], 'iterations')
    """
    h = _as_history(history)
    if not h.costs:
        raise ValueError("history holds no recorded cost; train the model first (history.costs is empty).")
    rates = _changing_rates(h)
    fig = _figure(figsize if rates is None else (figsize[0], figsize[1] * 1.35))
    if rates is None:
        ax = fig.add_subplot()
    else:
        ax, ax_rate = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    ax.plot(h.iterations, h.costs, label="training cost", color="tab:blue")
    if h.val_costs:
        ax.plot(h.iterations[: len(h.val_costs)], h.val_costs, label="validation cost", color="tab:orange")
        ax.legend()
    xlabel = _x_label([h])
    ax.set_ylabel("cost J")
    if log_scale:
        ax.set_yscale("log")
    if title is None:
        if learning_rate is None:
            title = "Cost"
        else:
            title = f"Learning rate = {learning_rate:g}" if rates is None else f"Learning rate α₀ = {learning_rate:g}"
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if rates is None:
        ax.set_xlabel(xlabel)
    else:
        ax_rate.plot(h.iterations[: len(rates)], rates, color="tab:green", label="learning rate α")
        ax_rate.set_ylabel("α")
        ax_rate.set_xlabel(xlabel)
        ax_rate.grid(True, alpha=0.3)
    return fig


def _labels_row(Y):
    """(1, m) labels from (1, m) labels or (C, m) one-hot."""
    return np.argmax(Y, axis=0) if Y.shape[0] > 1 else Y.ravel()


def plot_decision_boundary(model, X, Y, *, resolution: int = 300, margin: float = 1.0, title=None,
                           figsize=(6.0, 4.5)):
    """The regions a model assigns to each class, with the training points on top (2-D data).

    As in the course: predictions on a grid covering the points (plus ``margin``) are filled with
    the Spectral colour map, and the points are drawn in the colour of their label.

    Parameters
    ----------
    model : fitted model
        Anything with ``predict(X) -> (1, m)`` taking X of shape (2, m) (every denseflow network).
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m) (labels) or (C, m) (one-hot)
    resolution : int, default 300
        Grid points per axis.
    margin : float, default 1.0
        Extra room around the points, in data units.
    title : str, optional
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        X does not have exactly two features.
    """
    X, Y = check_XY(X, Y, owner="plot_decision_boundary")
    if X.shape[0] != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D data: X of shape (2, m); got {X.shape[0]} features. "
            f"For image data use plot_mislabeled."
        )
    resolution = check_positive_int(resolution, "resolution", "plot_decision_boundary")
    if not hasattr(model, "predict"):
        raise TypeError(f"model must have a predict method; got {type(model).__name__}.")
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    Z = np.asarray(model.predict(np.vstack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    fig = _figure(figsize)
    ax = fig.add_subplot()
    ax.contourf(xx, yy, Z, cmap="Spectral", alpha=0.9)
    ax.scatter(X[0], X[1], c=_labels_row(Y), cmap="Spectral", s=14, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title is None:
        dims = getattr(model, "layer_dims_", None)
        title = "Decision boundary" if dims is None else f"Decision boundary, layers {list(dims)}"
    ax.set_title(title)
    return fig


def plot_mislabeled(model, X, Y, images=None, classes=None, *, image_shape=(64, 64, 3), max_images: int = 10,
                    ncols: int = 5, figsize=None):
    """A grid of the examples the model gets wrong, titled with prediction and true class.

    The course's "mislabeled images" picture: columns of X are images flattened in C order and
    divided by 255 (the cat data: (12288, m) → (64, 64, 3)).

    Parameters
    ----------
    model : fitted model
        With ``predict(X) -> (1, m)``.
    X : ndarray of shape (n_x, m)
        The examples, in the layout the model takes.
    Y : ndarray of shape (1, m)
        True labels.
    images : ndarray of shape (m, h, w, c), optional
        The images to show (e.g. ``load_cat_images(...).test_images``); by default the columns
        of X, reshaped to ``image_shape`` (X must then hold pixels / 255).
    classes : list of str, optional
        ``classes[label]`` names a label; default the model's ``class_names_`` or the numbers.
    image_shape : tuple, default (64, 64, 3)
    max_images : int, default 10
        Show at most this many (the first ones).
    ncols : int, default 5
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        With a note instead of images when nothing is mislabeled.
    """
    from denseflow.datasets.cat import columns_to_images

    X, Y = check_XY(X, Y, owner="plot_mislabeled")
    max_images = check_positive_int(max_images, "max_images", "plot_mislabeled")
    ncols = check_positive_int(ncols, "ncols", "plot_mislabeled")
    predicted = np.asarray(model.predict(X)).reshape(-1)
    truth = _labels_row(Y).astype(np.int64)
    wrong = np.flatnonzero(predicted.astype(np.int64) != truth)
    if classes is None:
        classes = getattr(model, "class_names_", None)
    names = (lambda k: str(classes[k]) if classes is not None and 0 <= k < len(classes) else str(k))
    shown = wrong[:max_images]
    if images is None:
        pictures = columns_to_images(X[:, shown], image_shape) if shown.size else None
    else:
        images = np.asarray(images)
        if images.shape[0] != X.shape[1]:
            raise ValueError(
                f"images must hold one image per column of X: {X.shape[1]} images; got {images.shape[0]} "
                f"(images has shape {images.shape})."
            )
        pictures = images[shown]
    if shown.size == 0:
        fig = _figure(figsize or (4.0, 1.5))
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, f"No mislabeled examples ({X.shape[1]} of {X.shape[1]} right)", ha="center", va="center")
        return fig
    n = shown.size
    cols = min(ncols, n)
    rows = -(-n // cols)
    fig = _figure(figsize or (2.0 * cols, 2.3 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, k, picture in zip(axes, shown, pictures):
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(f"Prediction: {names(int(predicted[k]))}\nClass: {names(int(truth[k]))}", fontsize=8)
    fig.suptitle(f"{wrong.size} mislabeled of {X.shape[1]}" + (f" (first {n} shown)" if n < wrong.size else ""))
    return fig


def plot_cost_overlay(histories, *, title="Cost curves", log_scale: bool = False, validation: bool = False,
                      figsize=(7.0, 4.5)):
    """Several runs' cost curves on one axis (e.g. the trials of a sweep, or gd, momentum and Adam).

    The x axis counts iterations when every run trains full-batch, epochs when every run uses
    mini-batches (``history.unit``), and says both when they are mixed (a full-batch iteration
    is one pass over the data, an epoch).

    Parameters
    ----------
    histories : dict of {label: History or dict}
        One curve per run, labelled in the legend.
    title : str
    log_scale : bool, default False
    validation : bool, default False
        Draw the validation costs (dashed) too, where present.
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from denseflow.training import History
    >>> fig = plot_cost_overlay({"gd": History([0, 1], [0.70, 0.69]), "adam": History([0, 1], [0.70, 0.40])})
    >>> [(line.get_label(), line.get_ydata().tolist()) for line in fig.axes[0].get_lines()]
    [('gd', [0.7, 0.69]), ('adam', [0.7, 0.4])]
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories must be a non-empty dict {label: History}.")
    fig = _figure(figsize)
    ax = fig.add_subplot()
    loaded = {label: _as_history(history, f"histories[{label!r}]") for label, history in histories.items()}
    dashed = False
    for label, h in loaded.items():
        (line,) = ax.plot(h.iterations, h.costs, label=str(label))
        if validation and h.val_costs:
            ax.plot(h.iterations[: len(h.val_costs)], h.val_costs, linestyle="--", color=line.get_color())
            dashed = True
    if dashed:
        title = f"{title} (dashed: validation)"
    ax.set_xlabel(_x_label(loaded.values()))
    ax.set_ylabel("cost J")
    if log_scale:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if len(histories) <= 15:
        ax.legend(fontsize=8)
    return fig


def plot_confusion_matrix(confusion, class_names=None, *, title="Confusion matrix", figsize=(4.8, 4.2)):
    """The confusion matrix C (C[i, j]: examples of true class i predicted j) as a labelled heat map.

    Parameters
    ----------
    confusion : array-like of int, shape (C, C)
        E.g. ``evaluate(model, X, Y)["confusion_matrix"]`` (:mod:`denseflow.models.metrics`).
    class_names : list of str, optional
        Axis labels; default 0 … C−1.

    Examples
    --------
    >>> fig = plot_confusion_matrix([[14, 3], [2, 31]], ["non-cat", "cat"])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['14', '3', '2', '31']
    """
    cm = np.asarray(confusion)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] < 1:
        raise ValueError(f"confusion must be a square (C, C) matrix of counts; got shape {cm.shape}.")
    names = [str(c) for c in (class_names if class_names is not None else range(cm.shape[0]))]
    if len(names) != cm.shape[0]:
        raise ValueError(f"class_names has {len(names)} names for a {cm.shape[0]}-class confusion matrix.")
    fig = _figure(figsize)
    ax = fig.add_subplot()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = range(len(names))
    ax.set_xticks(ticks, names, rotation=45 if max(map(len, names)) > 4 else 0)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{cm[i, j]:g}", ha="center", va="center", color="white" if cm[i, j] > threshold else "black")
    return fig


def plot_roc(y_true, scores, *, title="ROC curve", figsize=(4.8, 4.2)):
    """The ROC curve of a two-class model: true-positive rate against false-positive rate, with its AUC.

    Parameters
    ----------
    y_true : array-like of 0/1, shape (1, m) or (m,)
    scores : array-like, shape (1, m) or (m,)
        P(y = 1 | x), e.g. ``model.predict_proba(X)``.

    Examples
    --------
    >>> fig = plot_roc([[0, 0, 1, 1]], [[0.1, 0.4, 0.35, 0.8]])
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'AUC = 0.750'
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y = np.asarray(y_true).ravel()
    p = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y_true and scores must hold one value per example; got {y.size} and {p.size}.")
    if set(np.unique(y)) != {0, 1}:
        raise ValueError("y_true must hold both classes 0 and 1 for a ROC curve.")
    fpr, tpr, _ = roc_curve(y, p)
    fig = _figure(figsize)
    ax = fig.add_subplot()
    ax.plot(fpr, tpr, label=f"AUC = {roc_auc_score(y, p):.3f}")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(True, alpha=0.3)
    return fig


def plot_predicted_vs_true(y_true, y_pred, *, title="Predicted against true", figsize=(4.8, 4.2)):
    """Regression: each example's prediction ŷ against its target y, with the line ŷ = y.

    Examples
    --------
    >>> fig = plot_predicted_vs_true([[1.0, 2.0, 3.0]], [[1.1, 1.9, 3.2]])
    >>> fig.axes[0].get_xlabel()
    'true y'
    """
    y = np.asarray(y_true, dtype=np.float64).ravel()
    yhat = np.asarray(y_pred, dtype=np.float64).ravel()
    if y.shape != yhat.shape:
        raise ValueError(f"y_true and y_pred must hold one value per example; got {y.size} and {yhat.size}.")
    fig = _figure(figsize)
    ax = fig.add_subplot()
    ax.scatter(y, yhat, s=12, alpha=0.7)
    lo, hi = float(min(y.min(), yhat.min())), float(max(y.max(), yhat.max()))
    ax.plot([lo, hi], [lo, hi], linestyle="--", color="grey", linewidth=1)
    ax.set_xlabel("true y")
    ax.set_ylabel("predicted ŷ")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig


def save_figure(fig, path, *, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix: .png, .svg, .pdf; default PNG).

    Returns
    -------
    Path
    """
    from denseflow.io.npz import atomic_write

    path = Path(path)
    fmt = path.suffix[1:].lower() or "png"
    buf = _io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    with atomic_write(path) as f:
        f.write(buf.getvalue())
    return path
