"""Reproduce the course's published figures in course mode.

Each experiment trains the way the course's notebook does (legacy ``RandomState`` seeding, the
same initialization, learning rate and number of iterations) and compares the figures the
notebook prints with the ones obtained here. The cat experiments run only when the folder with
``train_catvnoncat.h5`` / ``test_catvnoncat.h5`` is given.

Examples
--------
>>> figures = run(experiments=["engine"])
>>> all(f.match for f in figures)
True
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from denseflow.core.validation import check_choice

__all__ = ["Figure", "EXPERIMENTS", "run", "format_table"]


class Figure(NamedTuple):
    """One published figure and what denseflow obtains.

    ``match`` is ``|obtained − published| <= tolerance`` (the tolerance is half a unit of the last
    decimal the course prints, or 1e−12 where it prints all digits).
    """

    experiment: str
    metric: str
    published: float
    obtained: float
    tolerance: float
    match: bool

    def to_dict(self) -> dict:
        return {k: (bool(v) if k == "match" else v) for k, v in self._asdict().items()}


def _fig(experiment, metric, published, obtained, tolerance):
    obtained = float(obtained)
    return Figure(experiment, metric, published, obtained, tolerance, bool(abs(obtained - published) <= tolerance))


SIX = 5e-7  # the course prints 6 decimals
EXACT = 1e-12


def _engine(data_dir=None):
    """Step-by-step numbers of the week-4 assignment (propagation functions)."""
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.propagation import (
        compute_cost,
        linear_backward,
        linear_forward,
        model_forward,
    )

    figs = []
    p = initialize_parameters([5, 4, 3], method="random", seed=3, course=True)
    figs.append(_fig("engine", "initialize W1[0,0] (seed 3)", 0.01788628, p["W1"][0, 0], 5e-9))
    rs = np.random.RandomState(1)
    A, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    figs.append(_fig("engine", "linear_forward Z[0,0]", 3.26295337, linear_forward(A, W, b)[0][0, 0], 5e-9))
    rs = np.random.RandomState(6)
    X = rs.randn(5, 4)
    params = {}
    for l, (n, n_prev) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        params[f"W{l}"], params[f"b{l}"] = rs.randn(n, n_prev), rs.randn(n, 1)
    AL, _ = model_forward(X, params)
    figs.append(_fig("engine", "model_forward AL[0,1]", 0.70498921, AL[0, 1], 5e-9))
    figs.append(_fig("engine", "compute_cost", 0.2797765635793422,
                     compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])), EXACT))
    rs = np.random.RandomState(1)
    dZ, A, W, b = rs.randn(1, 2), rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    _, dW, db = linear_backward(dZ, (A, W, b))
    figs.append(_fig("engine", "linear_backward db", 0.50629448, db[0, 0], 5e-9))
    return figs


def _planar(data_dir=None):
    """Week 3: the flower with one hidden layer of 4 tanh units, and the hidden-size table."""
    from denseflow.datasets.planar import planar_flower
    from denseflow.models.networks import ShallowNetwork

    X, Y = planar_flower()
    model = ShallowNetwork(n_h=4, learning_rate=1.2, num_iterations=10000, seed=2, course=True)
    h = model.fit(X, Y)
    figs = [
        _fig("planar n_h=4", "cost at iteration 0", 0.693048, h.cost_at(0), SIX),
        _fig("planar n_h=4", "cost at iteration 1000", 0.288083, h.cost_at(1000), SIX),
        _fig("planar n_h=4", "train accuracy %", 90.75, 100 * model.accuracy(X, Y), EXACT),
    ]
    # The course's table of accuracy by hidden-layer size (5000 iterations); the last two may
    # drift by 0.5 points across BLAS builds, as the course's own notebooks do.
    for n_h, published in zip((1, 2, 3, 4, 5, 20, 50), (67.5, 67.25, 90.75, 90.5, 91.25, 90.0, 90.25)):
        m = ShallowNetwork(n_h=n_h, learning_rate=1.2, num_iterations=5000, seed=2, course=True)
        m.fit(X, Y)
        tol = 0.5 + EXACT if n_h >= 20 else EXACT
        figs.append(_fig("planar hidden sizes", f"accuracy % n_h={n_h}", published, 100 * m.accuracy(X, Y), tol))
    return figs


def _cat_logistic(data_dir):
    from denseflow.datasets.cat import load_cat
    from denseflow.models.networks import LogisticRegression

    d = load_cat(data_dir)
    model = LogisticRegression(learning_rate=0.005, num_iterations=2000)
    h = model.fit(d.train_X, d.train_Y)
    return [
        _fig("cat logistic regression", "cost at iteration 0", 0.693147, h.cost_at(0), SIX),
        _fig("cat logistic regression", "cost at iteration 1900", 0.140872, h.cost_at(1900), SIX),
        _fig("cat logistic regression", "train accuracy %", 99.04306220095694, 100 * model.accuracy(d.train_X, d.train_Y), EXACT),
        _fig("cat logistic regression", "test accuracy %", 70.0, 100 * model.accuracy(d.test_X, d.test_Y), EXACT),
    ]


def _cat_two_layer(data_dir):
    from denseflow.datasets.cat import load_cat
    from denseflow.models.networks import DeepNetwork

    d = load_cat(data_dir)
    model = DeepNetwork([12288, 7, 1], initialization="random", learning_rate=0.0075,
                        num_iterations=2500, seed=1, course=True)
    h = model.fit(d.train_X, d.train_Y)
    return [
        _fig("cat 2-layer [12288, 7, 1]", "cost at iteration 0", 0.6930497356599888, h.cost_at(0), EXACT),
        _fig("cat 2-layer [12288, 7, 1]", "train accuracy", 1.0, model.accuracy(d.train_X, d.train_Y), EXACT),
        _fig("cat 2-layer [12288, 7, 1]", "test accuracy", 0.72, model.accuracy(d.test_X, d.test_Y), EXACT),
    ]


def _cat_deep(data_dir):
    from denseflow.datasets.cat import load_cat
    from denseflow.models.networks import DeepNetwork

    d = load_cat(data_dir)
    model = DeepNetwork([12288, 20, 7, 5, 1], initialization="scaled", learning_rate=0.0075,
                        num_iterations=2500, seed=1, course=True)
    h = model.fit(d.train_X, d.train_Y)
    return [
        _fig("cat L-layer [12288, 20, 7, 5, 1]", "cost at iteration 0", 0.7717493284237686, h.cost_at(0), EXACT),
        _fig("cat L-layer [12288, 20, 7, 5, 1]", "cost at iteration 2400", 0.092878, h.cost_at(2400), SIX),
        _fig("cat L-layer [12288, 20, 7, 5, 1]", "train accuracy", 0.9856459330143541, model.accuracy(d.train_X, d.train_Y), EXACT),
        _fig("cat L-layer [12288, 20, 7, 5, 1]", "test accuracy", 0.8, model.accuracy(d.test_X, d.test_Y), EXACT),
    ]


#: name -> (function(data_dir) -> list of Figure, needs the cat data)
EXPERIMENTS: dict[str, tuple[Callable, bool]] = {
    "engine": (_engine, False),
    "planar": (_planar, False),
    "cat-logistic": (_cat_logistic, True),
    "cat-2-layer": (_cat_two_layer, True),
    "cat-L-layer": (_cat_deep, True),
}


def run(data_dir=None, experiments=None) -> list[Figure]:
    """Run the course's experiments and return published vs. obtained figures.

    Parameters
    ----------
    data_dir : path, optional
        Folder holding the course's ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``; the cat
        experiments are skipped without it.
    experiments : list of str, optional
        Names from :data:`EXPERIMENTS` (default: all that the data allows).

    Returns
    -------
    list of Figure
    """
    if experiments is None:
        names = [n for n, (_, needs_cat) in EXPERIMENTS.items() if data_dir is not None or not needs_cat]
    else:
        names = [check_choice(n, EXPERIMENTS, "experiments", "reproduce.run") for n in experiments]
    figures = []
    for name in names:
        fn, needs_cat = EXPERIMENTS[name]
        if needs_cat and data_dir is None:
            raise ValueError(f"The experiment {name!r} needs the course's cat data: pass data_dir.")
        figures.extend(fn(data_dir))
    return figures


def format_table(figures) -> str:
    """A plain-text table: experiment, metric, published, obtained, match."""
    rows = [("experiment", "figure", "published", "obtained", "match")]
    for f in figures:
        rows.append((f.experiment, f.metric, f"{f.published:.10g}", f"{f.obtained:.10g}", "yes" if f.match else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
