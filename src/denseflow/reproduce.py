"""Reproduce the course's published figures in course mode.

Each experiment trains the way the course's notebook does (legacy ``RandomState`` seeding, the
same initialization, learning rate and number of iterations, the same mini-batch permutations
and dropout masks) and compares the figures the notebook prints with the ones obtained here.

==================  ===============================================================  ==============
experiment          the notebook                                                     data
==================  ===============================================================  ==============
engine, planar      course 1: week 4's step-by-step functions, week 3's flower
cat-*               course 1: logistic regression, 2-layer and L-layer cat networks  the cat files
initialization      course 2 week 1, Initialization: zeros, random ×10, He
regularization      course 2 week 1, Regularization: none, L2 λ = 0.7, dropout 0.86  football.csv
optimization        course 2 week 2, Optimization Methods: gd, momentum, Adam
lr-decay            course 2 week 2, its learning-rate decay section
==================  ===============================================================  ==============

Course 2's figures are those of the notebooks' 2021 release (the Optimization notebook of that
release trains 5000 epochs and sums the costs of an epoch's mini-batches; earlier releases train
10000 epochs). Its three models are here as :func:`initialization_model`,
:func:`regularization_model` and :func:`optimization_model`, built from denseflow's
step-by-step functions. The experiments that need data run only when ``data_dir`` holds their
files. Every figure is compared within a tolerance (the ``tolerance`` column): half a unit of the
last printed decimal, 1e−12 where all digits are printed, 1e−11 where the last digits depend on
the BLAS build, and 2e−3 for the last cost of the ×10 random initialization (a chaotic run: its
earlier costs differ by up to 2e−3 between the published copies and between BLAS builds, so only
the last one, which varies by ~2e−5, is listed).

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

__all__ = [
    "Figure",
    "EXPERIMENTS",
    "run",
    "format_table",
    "CourseRun",
    "course_accuracy",
    "initialization_model",
    "regularization_model",
    "optimization_model",
]


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


# ------------------------------------------------------------------------------------------------
# Course 2 ("Improving Deep Neural Networks"), weeks 1 and 2, 2021 release of the notebooks: the
# three assignments' models, trained as the notebooks train them, from denseflow's step-by-step
# functions (core.initializers, core.propagation, core.regularization, core.minibatches,
# core.optimizers, core.schedules).
# ------------------------------------------------------------------------------------------------


class CourseRun(NamedTuple):
    """What a course-2 notebook's ``model`` returns and prints.

    Attributes
    ----------
    parameters : dict
        The trained ``{"W1", "b1", …}``.
    costs : dict
        {iteration (or epoch): cost} at the iterations the notebook prints.
    learning_rates : dict
        {epoch: learning rate after that epoch} at the printed epochs (decay runs only).
    """

    parameters: dict
    costs: dict
    learning_rates: dict


def course_accuracy(X, Y, parameters) -> float:
    """The notebooks' ``predict``: the fraction of examples with (A[L] > 0.5) == Y.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[1.0]]), "b1": np.zeros((1, 1))}
    >>> course_accuracy(np.array([[-1.0, 2.0, 3.0]]), np.array([[0, 1, 0]]), params)
    0.6666666666666666
    """
    from denseflow.core.propagation import model_forward

    X, Y = _course_data(X, Y, "course_accuracy")
    AL, _ = model_forward(X, parameters)
    return float(np.mean((AL > 0.5) == Y))


def _course_data(X, Y, owner):
    from denseflow.core.validation import check_binary_labels, check_XY

    X, Y = check_XY(X, Y, owner=owner)
    if Y.shape[0] != 1:
        raise ValueError(f"Y must have shape (1, m) for {owner} (one binary label per example); got {Y.shape}.")
    return X, check_binary_labels(Y)


def _course_loop_args(learning_rate, num_iterations, print_every, owner, iterations="num_iterations"):
    from denseflow.core.validation import check_positive, check_positive_int

    return (check_positive(learning_rate, "learning_rate", owner),
            check_positive_int(num_iterations, iterations, owner),
            check_positive_int(print_every, "print_every", owner))


def _relu_sigmoid():
    from denseflow.core.activations import ACTIVATIONS
    from denseflow.core.losses import LOSSES

    return ACTIVATIONS["relu"], ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"]


def initialization_model(X, Y, initialization="he", learning_rate=0.01, num_iterations=15000, print_every=1000):
    """The Initialization assignment's model: [n_x, 10, 5, 1], ReLU, ReLU, sigmoid, gradient descent.

    The weights are drawn as the notebook draws them (legacy ``RandomState(3)``, W1, W2, W3 in
    order; biases zero): 'zeros' (every unit alike: the symmetry is never broken), 'random'
    (randn · 10: huge weights, the cost starts at +inf) or 'he' (randn · √(2 / n[l−1])).
    Each iteration: forward, cost (at the printed iterations), backward, θ := θ − α dθ.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) of 0/1
    initialization : {'zeros', 'random', 'he'}, default 'he'
    learning_rate : float, default 0.01
    num_iterations : int, default 15000
    print_every : int, default 1000
        The cost is recorded at iterations 0, print_every, 2·print_every, …

    Returns
    -------
    CourseRun

    Examples
    --------
    >>> from denseflow.datasets import noisy_circles
    >>> X, Y = noisy_circles(m=300, factor=0.8, noise=0.05, seed=1)  # the notebook's training set
    >>> run = initialization_model(X, Y, "he", num_iterations=1)
    >>> run.costs[0]  # the notebook: "Cost after iteration 0: 0.8830537463419761"
    0.8830537463419761
    """
    from denseflow.core.initializers import initialize_parameters, make_rng
    from denseflow.core.optimizers import gradient_descent
    from denseflow.core.propagation import _model_backward, _model_forward
    from denseflow.core.regularization import compute_cost_with_regularization
    from denseflow.core.validation import check_choice

    owner = "initialization_model"
    X, Y = _course_data(X, Y, owner)
    check_choice(initialization, ("zeros", "random", "he"), "initialization", owner)
    learning_rate, num_iterations, print_every = _course_loop_args(learning_rate, num_iterations, print_every, owner)
    dims = [X.shape[0], 10, 5, 1]
    if initialization == "random":  # the notebook's "large" random initialization: randn · 10
        rng = make_rng(3, course=True)
        parameters = {}
        for l in range(1, len(dims)):
            parameters[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * 10
            parameters[f"b{l}"] = np.zeros((dims[l], 1))
    else:
        parameters = initialize_parameters(dims, method=initialization, seed=3, course=True)
    relu, sigmoid, bce = _relu_sigmoid()
    optimizer = gradient_descent(learning_rate)
    state = optimizer.init(parameters)
    costs = {}
    for i in range(num_iterations):
        AL, caches = _model_forward(X, parameters, relu, sigmoid)
        if i % print_every == 0:
            costs[i] = compute_cost_with_regularization(AL, Y, parameters, 0)  # λ = 0: the cross-entropy
        grads = _model_backward(AL, Y, caches, relu, sigmoid, bce, need_dA0=False)
        parameters, state = optimizer.update(grads, state, parameters)
    return CourseRun(parameters, costs, {})


def regularization_model(X, Y, learning_rate=0.3, num_iterations=30000, lambd=0.0, keep_prob=1.0, print_every=10000):
    """The Regularization assignment's model: [n_x, 20, 3, 1], ReLU, ReLU, sigmoid, gradient descent.

    The weights are randn / √n[l−1] from the legacy ``RandomState(3)``. Each iteration: forward
    (with inverted dropout when keep_prob < 1, its masks drawn as the notebook draws them: a new
    ``RandomState(1)`` at every iteration), the cost (with the L2 term when λ > 0), backward
    (with (λ/m) W[l] added to dW[l], or through the dropout masks), θ := θ − α dθ.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) of 0/1
    learning_rate : float, default 0.3
    num_iterations : int, default 30000
    lambd : float, default 0
        λ ≥ 0, the L2 strength.
    keep_prob : float or list of 2 floats, default 1
        Dropout's keep probability in the two hidden layers (1: no dropout). The notebook uses
        L2 or dropout, not both; both together are allowed here.
    print_every : int, default 10000

    Returns
    -------
    CourseRun

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.RandomState(0).randn(2, 50)
    >>> Y = (X[:1] * X[1:] > 0).astype(float)
    >>> run = regularization_model(X, Y, num_iterations=2000, lambd=0.1, print_every=1000)
    >>> sorted(run.costs), run.costs[1000] < run.costs[0]
    ([0, 1000], True)
    """
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.optimizers import gradient_descent
    from denseflow.core.propagation import _model_forward
    from denseflow.core.regularization import (
        _backward,
        _dropout_forward,
        _keep_probs,
        compute_cost_with_regularization,
    )
    from denseflow.core.validation import check_positive

    owner = "regularization_model"
    X, Y = _course_data(X, Y, owner)
    learning_rate, num_iterations, print_every = _course_loop_args(learning_rate, num_iterations, print_every, owner)
    lambd = check_positive(lambd, "lambd", owner, allow_zero=True)
    keep_probs = _keep_probs(keep_prob, 2, owner)
    dropout = any(k < 1 for k in keep_probs)
    parameters = initialize_parameters([X.shape[0], 20, 3, 1], method="scaled", seed=3, course=True)
    relu, sigmoid, bce = _relu_sigmoid()
    optimizer = gradient_descent(learning_rate)
    state = optimizer.init(parameters)
    costs = {}
    for i in range(num_iterations):
        if dropout:  # the notebook calls np.random.seed(1) inside forward_propagation_with_dropout
            AL, caches = _dropout_forward(X, parameters, keep_probs, np.random.RandomState(1), relu, sigmoid)
        else:
            AL, caches = _model_forward(X, parameters, relu, sigmoid)
        if i % print_every == 0:
            costs[i] = compute_cost_with_regularization(AL, Y, parameters, lambd)
        grads = _backward(AL, Y, caches, relu, sigmoid, bce, keep_probs if dropout else None, lambd)
        parameters, state = optimizer.update(grads, state, parameters)
    return CourseRun(parameters, costs, {})


def optimization_model(X, Y, layers_dims=None, optimizer="gd", learning_rate=0.0007, mini_batch_size=64, beta=0.9,
                       beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, decay=None, decay_rate=1.0,
                       print_every=1000):
    """The Optimization Methods assignment's model (2021 release): mini-batches and an optimizer.

    He initialization (legacy ``RandomState(3)``); for epoch i = 0, 1, …: the mini-batches of
    :func:`denseflow.core.minibatches.random_mini_batches` with seed 11 + i, and for each one
    forward, cost, backward and one optimizer step (Adam's t counts the mini-batches). The cost
    of an epoch is the sum of the per-example losses over all its mini-batches divided by m (the
    notebook's ``cost_total / m``). With ``decay``, after epoch i the learning rate becomes
    ``decay(learning_rate, i, decay_rate)``, as in the notebook's last section.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) of 0/1
    layers_dims : list of int, optional
        Default [n_x, 5, 2, 1], the notebook's.
    optimizer : {'gd', 'momentum', 'rmsprop', 'adam'}, default 'gd'
    learning_rate : float, default 0.0007
    mini_batch_size : int, default 64
    beta : float, default 0.9
        Momentum's (and RMSprop's) β.
    beta1, beta2, epsilon : float, default 0.9, 0.999, 1e-8
        Adam's (RMSprop takes ``epsilon`` too).
    num_epochs : int, default 5000
    decay : callable, optional
        ``decay(learning_rate0, epoch_num, decay_rate) -> learning rate``, e.g.
        :func:`denseflow.core.schedules.update_lr` or
        :func:`denseflow.core.schedules.schedule_lr_decay`.
    decay_rate : float, default 1
    print_every : int, default 1000

    Returns
    -------
    CourseRun
        ``learning_rates`` holds the learning rate after each printed epoch when ``decay`` is set.

    Examples
    --------
    >>> from denseflow.datasets import noisy_moons
    >>> X, Y = noisy_moons(m=300, noise=0.2, seed=3)  # the notebook's moons
    >>> run = optimization_model(X, Y, optimizer="adam", num_epochs=1)
    >>> f"{run.costs[0]:f}"  # the notebook: "Cost after epoch 0: 0.702166"
    '0.702166'
    """
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.minibatches import random_mini_batches
    from denseflow.core.optimizers import get_optimizer
    from denseflow.core.propagation import _model_backward, _model_forward
    from denseflow.core.regularization import _cross_entropy
    from denseflow.core.validation import (
        check_choice,
        check_layer_dims,
        check_positive_int,
    )

    owner = "optimization_model"
    X, Y = _course_data(X, Y, owner)
    learning_rate0, num_epochs, print_every = _course_loop_args(learning_rate, num_epochs, print_every, owner,
                                                                "num_epochs")
    dims = check_layer_dims([X.shape[0], 5, 2, 1] if layers_dims is None else layers_dims, "layers_dims", owner)
    if dims[0] != X.shape[0] or dims[-1] != 1:
        raise ValueError(f"The 'layers_dims' parameter of {owner} must start with n_x = {X.shape[0]} and end with 1. "
                         f"Got {dims!r} instead.")
    mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size", owner)
    check_choice(optimizer, ("gd", "momentum", "rmsprop", "adam"), "optimizer", owner)
    hyper = {"gd": {}, "momentum": {"beta": beta}, "rmsprop": {"beta": beta, "epsilon": epsilon},
             "adam": {"beta1": beta1, "beta2": beta2, "epsilon": epsilon}}[optimizer]
    opt = get_optimizer(optimizer, learning_rate=learning_rate0, **hyper)
    if decay is not None and not callable(decay):
        raise TypeError(f"The 'decay' parameter of {owner} must be None or a function "
                        f"decay(learning_rate0, epoch_num, decay_rate), e.g. update_lr. Got {decay!r} instead.")
    parameters = initialize_parameters(dims, method="he", seed=3, course=True)
    state = opt.init(parameters)
    relu, sigmoid, bce = _relu_sigmoid()
    m = X.shape[1]
    rate, seed = learning_rate0, 10
    costs, rates = {}, {}
    for i in range(num_epochs):
        seed = seed + 1  # the notebook reshuffles with seeds 11, 12, …
        printed = i % print_every == 0  # the cost is needed only in the epochs it is printed
        cost_total = 0.0
        for mini_batch_X, mini_batch_Y in random_mini_batches(X, Y, mini_batch_size, seed):
            AL, caches = _model_forward(mini_batch_X, parameters, relu, sigmoid)
            if printed:
                cost_total += _cross_entropy(AL, mini_batch_Y) * mini_batch_Y.shape[1]  # Σ of the losses
            grads = _model_backward(AL, mini_batch_Y, caches, relu, sigmoid, bce, need_dA0=False)
            parameters, state = opt.update(grads, state, parameters, learning_rate=rate)
        if decay is not None:
            rate = decay(learning_rate0, i, decay_rate)
        if printed:
            costs[i] = cost_total / m
            if decay is not None:
                rates[i] = rate
    return CourseRun(parameters, costs, rates)


# The published figures (2021 release; the numbers the notebooks print).
_INIT_HE_COSTS = {0: 0.8830537463419761, 1000: 0.6879825919728063, 2000: 0.6751286264523371,
                  3000: 0.6526117768893807, 4000: 0.6082958970572938, 5000: 0.5304944491717495,
                  6000: 0.4138645817071794, 7000: 0.3117803464844441, 8000: 0.23696215330322562,
                  9000: 0.18597287209206834, 10000: 0.15015556280371806, 11000: 0.12325079292273546,
                  12000: 0.09917746546525934, 13000: 0.08457055954024278, 14000: 0.07357895962677369}
# Large random initialization: chaotic, the digits after the third depend on the BLAS build and its
# threads (at iteration 1000 the published copies say 0.62424, 0.62479, 0.6244 and runs here 0.62293 to
# 0.62351, so it is left out); the last cost varies by ~2e-5 and the accuracies not at all.
_INIT_RANDOM_COSTS = {14000: 0.38276694641706693}
BLAS_CHAOS = 2e-3
# Printed in full, but the last digits depend on the BLAS build (published copies differ by 5e-13).
LATE = 1e-11
_REG_RUNS = {  # name: (lambd, keep_prob, {iteration: cost}, train accuracy, test accuracy)
    "no regularization": (0.0, 1.0, {0: 0.6557412523481002, 10000: 0.16329987525724204,
                                     20000: 0.13851642423234922}, 0.9478672985781991, 0.915),
    "L2 lambd=0.7": (0.7, 1.0, {0: 0.6974484493131264, 10000: 0.2684918873282238,
                                20000: 0.26809163371273004}, 0.9383886255924171, 0.93),
    "dropout keep_prob=0.86": (0.0, 0.86, {0: 0.6543912405149825, 10000: 0.0610169865749056,
                                           20000: 0.060582435798513114}, 0.9289099526066351, 0.95),
}
_OPT_RUNS = {  # optimizer: ({epoch: cost, printed with %f}, train accuracy)
    "gd": ({0: 0.702405, 1000: 0.668101, 2000: 0.635288, 3000: 0.600491, 4000: 0.573367}, 0.7166666666666667),
    "momentum": ({0: 0.702413, 1000: 0.668167, 2000: 0.635388, 3000: 0.600591, 4000: 0.573444}, 0.7166666666666667),
    "adam": ({0: 0.702166, 1000: 0.167845, 2000: 0.141316, 3000: 0.138788, 4000: 0.136066}, None),
}
_DECAY_RUNS = [  # (optimizer, learning_rate, decay, {epoch: (cost, learning rate after it), printed with %f})
    ("gd", 0.1, "update_lr", {0: (0.701091, 0.1), 1000: (0.661884, 0.0001), 2000: (0.658620, 0.00005),
                              3000: (0.656765, 0.000033), 4000: (0.655486, 0.000025)}),
    ("gd", 0.1, "schedule_lr_decay", {0: (0.701091, 0.1), 1000: (0.127161, 0.05), 2000: (0.120304, 0.033333),
                                      3000: (0.117033, 0.025), 4000: (0.117512, 0.02)}),
    ("momentum", 0.1, "schedule_lr_decay", {0: (0.702226, 0.1), 1000: (0.128974, 0.05), 2000: (0.125965, 0.033333),
                                            3000: (0.123375, 0.025), 4000: (0.123218, 0.02)}),
    ("adam", 0.01, "schedule_lr_decay", {0: (0.699346, 0.01), 1000: (0.130074, 0.005), 2000: (0.129826, 0.003333),
                                         3000: (0.129282, 0.0025), 4000: (0.128361, 0.002)}),
]


def _circles():
    from denseflow.datasets.planar import noisy_circles

    # init_utils.load_dataset: np.random.seed(1); make_circles(300, noise=.05), then seed 2, 100 points.
    return (*noisy_circles(m=300, factor=0.8, noise=0.05, seed=1), *noisy_circles(m=100, factor=0.8, noise=0.05, seed=2))


def _moons():
    from denseflow.datasets.planar import noisy_moons

    return noisy_moons(m=300, noise=0.2, seed=3)  # opt_utils.load_dataset: np.random.seed(3); make_moons(300, .2)


def _initialization(data_dir=None):
    """Course 2, week 1, Initialization: zeros, large random and He on the circles."""
    train_X, train_Y, test_X, test_Y = _circles()
    figs = []
    zeros = initialization_model(train_X, train_Y, "zeros")
    figs += [
        _fig("init zeros", "cost at iteration 0", 0.6931471805599453, zeros.costs[0], EXACT),
        _fig("init zeros", "cost at iteration 14000", 0.6931471805599453, zeros.costs[14000], EXACT),
        _fig("init zeros", "train accuracy", 0.5, course_accuracy(train_X, train_Y, zeros.parameters), EXACT),
        _fig("init zeros", "test accuracy", 0.5, course_accuracy(test_X, test_Y, zeros.parameters), EXACT),
    ]
    large = initialization_model(train_X, train_Y, "random")
    figs.append(_fig("init random x10", "cost at iteration 0 is +inf (1 = yes)", 1.0,
                     float(np.isposinf(large.costs[0])), 0.0))
    figs += [_fig("init random x10", f"cost at iteration {i} (BLAS-dependent)", c, large.costs[i], BLAS_CHAOS)
             for i, c in _INIT_RANDOM_COSTS.items()]
    figs += [
        _fig("init random x10", "train accuracy", 0.83, course_accuracy(train_X, train_Y, large.parameters), EXACT),
        _fig("init random x10", "test accuracy", 0.86, course_accuracy(test_X, test_Y, large.parameters), EXACT),
    ]
    he = initialization_model(train_X, train_Y, "he")
    figs += [_fig("init He", f"cost at iteration {i}", c, he.costs[i], EXACT if i < 7000 else LATE)
             for i, c in _INIT_HE_COSTS.items()]
    figs += [
        _fig("init He", "train accuracy", 0.9933333333333333, course_accuracy(train_X, train_Y, he.parameters), EXACT),
        _fig("init He", "test accuracy", 0.96, course_accuracy(test_X, test_Y, he.parameters), EXACT),
    ]
    return figs


def _regularization(data_dir):
    """Course 2, week 1, Regularization: none, L2 (λ = 0.7) and dropout (keep_prob = 0.86) on the football data."""
    from pathlib import Path

    from denseflow.datasets.football import load_football

    train_X, train_Y, test_X, test_Y = load_football(Path(data_dir) / "football.csv")
    figs = []
    for name, (lambd, keep_prob, costs, train_acc, test_acc) in _REG_RUNS.items():
        run_ = regularization_model(train_X, train_Y, lambd=lambd, keep_prob=keep_prob)
        figs += [_fig(f"regularization {name}", f"cost at iteration {i}", c, run_.costs[i], EXACT if i == 0 else LATE)
                 for i, c in costs.items()]
        figs += [
            _fig(f"regularization {name}", "train accuracy", train_acc,
                 course_accuracy(train_X, train_Y, run_.parameters), EXACT),
            _fig(f"regularization {name}", "test accuracy", test_acc,
                 course_accuracy(test_X, test_Y, run_.parameters), EXACT),
        ]
    return figs


def _optimization(data_dir=None):
    """Course 2, week 2, Optimization Methods (2021): gd, momentum, Adam with mini-batches of 64 on the moons."""
    X, Y = _moons()
    figs = []
    for name, (costs, accuracy) in _OPT_RUNS.items():
        run_ = optimization_model(X, Y, optimizer=name)
        figs += [_fig(f"optimization {name}", f"cost after epoch {i}", c, run_.costs[i], SIX) for i, c in costs.items()]
        if accuracy is not None:  # the Adam run's accuracy is not in the published copies
            figs.append(_fig(f"optimization {name}", "train accuracy", accuracy,
                             course_accuracy(X, Y, run_.parameters), EXACT))
    return figs


def _lr_decay(data_dir=None):
    """Course 2, week 2, learning-rate decay (2021): update_lr and schedule_lr_decay on the moons."""
    from denseflow.core import schedules

    X, Y = _moons()
    figs = []
    for optimizer, learning_rate, decay, published in _DECAY_RUNS:
        run_ = optimization_model(X, Y, optimizer=optimizer, learning_rate=learning_rate,
                                  decay=getattr(schedules, decay))
        name = f"lr decay {optimizer} {decay} lr0={learning_rate:g}"
        for i, (cost, rate) in published.items():
            figs.append(_fig(name, f"cost after epoch {i}", cost, run_.costs[i], SIX))
            figs.append(_fig(name, f"learning rate after epoch {i}", rate, run_.learning_rates[i], SIX))
    return figs


_CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")

#: name -> (function(data_dir) -> list of Figure, the files it needs in data_dir)
EXPERIMENTS: dict[str, tuple[Callable, tuple]] = {
    "engine": (_engine, ()),
    "planar": (_planar, ()),
    "cat-logistic": (_cat_logistic, _CAT_FILES),
    "cat-2-layer": (_cat_two_layer, _CAT_FILES),
    "cat-L-layer": (_cat_deep, _CAT_FILES),
    "initialization": (_initialization, ()),
    "regularization": (_regularization, ("football.csv",)),
    "optimization": (_optimization, ()),
    "lr-decay": (_lr_decay, ()),
}


def run(data_dir=None, experiments=None, progress=None) -> list[Figure]:
    """Run the course's experiments and return published vs. obtained figures.

    Parameters
    ----------
    data_dir : path, optional
        Folder holding the course's data files: ``train_catvnoncat.h5`` and
        ``test_catvnoncat.h5`` (course 1, the cat experiments) and ``football.csv`` (course 2,
        the Regularization assignment, see :func:`denseflow.datasets.load_football`). The
        experiments whose files are absent are skipped.
    experiments : list of str, optional
        Names from :data:`EXPERIMENTS` (default: all that the data allows).
    progress : callable, optional
        ``progress(name, k, n)`` is called before the k-th (1-based) of the n experiments runs
        (the command line shows it on stderr), and ``progress(None, n, n)`` after the last.

    Returns
    -------
    list of Figure

    Raises
    ------
    ValueError
        A named experiment needs data and ``data_dir`` is not given.
    FileNotFoundError
        ``data_dir`` holds none of the course's data files, or a named experiment's file is absent.
    """
    from pathlib import Path

    def has_files(needs):
        return all((Path(data_dir) / f).is_file() for f in needs)

    if experiments is None:
        names = [n for n, (_, needs) in EXPERIMENTS.items() if not needs or (data_dir is not None and has_files(needs))]
        if data_dir is not None and not any(EXPERIMENTS[n][1] for n in names):
            wanted = sorted({f for _, needs in EXPERIMENTS.values() for f in needs})
            raise FileNotFoundError(f"The data folder {str(data_dir)!r} holds none of the course's data files {wanted}.")
    else:
        names = [check_choice(n, EXPERIMENTS, "experiments", "reproduce.run") for n in experiments]
    figures = []
    for k, name in enumerate(names, start=1):
        if progress is not None:
            progress(name, k, len(names))
        fn, needs = EXPERIMENTS[name]
        if needs and data_dir is None:
            raise ValueError(f"The experiment {name!r} needs the course's data file(s) {list(needs)}: pass data_dir.")
        if needs and not has_files(needs):
            missing = [f for f in needs if not (Path(data_dir) / f).is_file()]
            raise FileNotFoundError(f"The experiment {name!r} needs {missing} in {str(data_dir)!r}.")
        figures.extend(fn(data_dir))
    if progress is not None:
        progress(None, len(names), len(names))
    return figures


def format_table(figures) -> str:
    """A plain-text table: experiment, metric, published, obtained, tolerance, match."""
    rows = [("experiment", "figure", "published", "obtained", "tolerance", "match")]
    for f in figures:
        rows.append((f.experiment, f.metric, f"{f.published:.10g}", f"{f.obtained:.10g}", f"{f.tolerance:.0e}",
                     "yes" if f.match else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
