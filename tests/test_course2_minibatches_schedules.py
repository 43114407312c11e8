"""Course 2, week 2: random_mini_batches and the learning-rate schedules.

Oracles: the notebooks' unit-test values, the notebook's own drawing (global np.random.seed;
permutation), closed forms of the schedules.
"""

import math

import numpy as np
import pytest

from denseflow.core.minibatches import MiniBatch, random_mini_batches
from denseflow.core.schedules import (
    SCHEDULES,
    LearningRateSchedule,
    get_schedule,
    schedule_lr_decay,
    update_lr,
)

# ------------------------------------------------------------------------------- mini-batches


def test_random_mini_batches_matches_the_notebooks_shapes_and_sanity_check():
    np.random.seed(1)
    X = np.random.randn(12288, 148)
    Y = np.random.randn(1, 148) < 0.5
    batches = random_mini_batches(X, Y, 64)  # the notebook's call: default seed 0
    assert [b.X.shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b.Y.shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    np.testing.assert_allclose(batches[0].X[0][0:3], [0.90085595, -0.7612069, 0.2344157], atol=5e-9)


def test_random_mini_batches_matches_the_2021_public_test():
    np.random.seed(1)
    X = np.random.randn(5, 7)
    Y = np.random.randn(1, 7) < 0.5
    expected = [
        ([[1.74481176, -0.52817175], [-0.38405435, -0.24937038], [-1.10061918, -0.17242821],
          [-0.93576943, 0.50249434], [-0.67124613, -0.69166075]], [[True, True]]),
        ([[-0.61175641, -1.07296862], [0.3190391, 1.46210794], [-1.09989127, -0.87785842],
          [0.90159072, 0.90085595], [0.53035547, -0.39675353]], [[True, False]]),
        ([[1.62434536, -2.3015387], [-0.7612069, -0.3224172], [1.13376944, 0.58281521],
          [1.14472371, -0.12289023], [-0.26788808, -0.84520564]], [[True, True]]),
        ([[0.86540763], [-2.06014071], [0.04221375], [-0.68372786], [-0.6871727]], [[False]]),
    ]
    batches = random_mini_batches(X, Y, mini_batch_size=2)
    assert len(batches) == 4
    for (mini_batch_X, mini_batch_Y), (ex, ey) in zip(batches, expected):
        np.testing.assert_allclose(mini_batch_X, ex, atol=5e-9)
        np.testing.assert_array_equal(mini_batch_Y, np.array(ey, dtype=float))


@pytest.mark.parametrize("seed", [0, 11, 4999])
def test_permutation_is_the_notebooks_global_seed_draw_and_leaves_the_global_state_alone(seed):
    X = np.arange(600.0).reshape(2, 300)
    Y = (np.arange(300) % 3 == 0).reshape(1, 300).astype(float)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    batches = random_mini_batches(X, Y, 64, seed)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # the global generator is untouched
    np.random.seed(seed)
    permutation = list(np.random.permutation(300))  # the notebook's lines
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, 300))
    starts = [0, 64, 128, 192, 256]
    assert [b.X.shape[1] for b in batches] == [64, 64, 64, 64, 44]
    for k, batch in zip(starts, batches):
        np.testing.assert_array_equal(batch.X, shuffled_X[:, k:k + 64])
        np.testing.assert_array_equal(batch.Y, shuffled_Y[:, k:k + 64])


@pytest.mark.parametrize("m, size, sizes", [
    (148, 64, [64, 64, 20]), (128, 64, [64, 64]), (5, 1, [1] * 5), (5, 5, [5]), (5, 500, [5]), (7, 3, [3, 3, 1]),
])
def test_batches_cover_every_example_once(m, size, sizes):
    X = np.vstack([np.arange(m, dtype=float), -np.arange(m, dtype=float)])
    Y = np.arange(m, dtype=float).reshape(1, m) * 2
    batches = random_mini_batches(X, Y, size, seed=3)
    assert [b.X.shape[1] for b in batches] == sizes
    assert all(isinstance(b, MiniBatch) for b in batches)
    seen = np.concatenate([b.X[0] for b in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(m))
    for b in batches:  # columns stay together
        np.testing.assert_array_equal(b.X[1], -b.X[0])
        np.testing.assert_array_equal(b.Y[0], 2 * b.X[0])


def test_a_generator_draws_new_permutations_and_an_int_seed_the_same_one():
    X, Y = np.arange(20.0).reshape(1, 20), np.zeros((1, 20))
    rng = np.random.default_rng(0)
    a, b = random_mini_batches(X, Y, 20, rng), random_mini_batches(X, Y, 20, rng)
    assert not np.array_equal(a[0].X, b[0].X)
    np.testing.assert_array_equal(random_mini_batches(X, Y, 20, 5)[0].X, random_mini_batches(X, Y, 20, 5)[0].X)
    np.testing.assert_array_equal(a[0].X[0], np.arange(20.0)[np.random.default_rng(0).permutation(20)])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mini_batch_size": 0}, ValueError, r"'mini_batch_size' parameter of random_mini_batches must be an int >= 1"),
    ({"mini_batch_size": 2.5}, TypeError, r"'mini_batch_size' parameter of random_mini_batches must be an int"),
    ({"seed": -1}, ValueError, r"'seed' parameter of random_mini_batches must be an int in \[0, 2\*\*32 - 1\]"),
    ({"Y": np.zeros((1, 4))}, ValueError, "X and Y must have the same number of examples m"),
    ({"X": np.zeros(5)}, ValueError, "rank-1 array"),
])
def test_bad_input_is_named(kwargs, error, match):
    args = {"X": np.zeros((2, 5)), "Y": np.zeros((1, 5)), **kwargs}
    with pytest.raises(error, match=match):
        random_mini_batches(**args)


# ---------------------------------------------------------------------------------- schedules


def test_update_lr_matches_the_notebook():
    assert update_lr(0.5, 2, 1) == 0.16666666666666666


@pytest.mark.parametrize("args, expected", [
    ((0.5, 100, 1, 100), 0.25), ((0.5, 10, 1, 100), 0.5), ((0.3, 1000, 0.25, 100), 0.085714285),
    ((0.3, 100, 0.25, 100), 0.24), ((0.5, 10, 0.3, 100), 0.5), ((0.5, 100, 0.3, 100), 0.3846153846153846),
])
def test_schedule_lr_decay_matches_the_public_tests(args, expected):
    assert schedule_lr_decay(*args) == pytest.approx(expected, abs=1e-9)  # 0.085714285: 9 decimals, cut


@pytest.mark.parametrize("epoch", [0, 1, 999, 1000, 1001, 2999, 4999])
def test_inverse_time_is_the_course_functions_bit_for_bit(epoch):
    assert get_schedule("inverse-time", learning_rate0=0.1, decay_rate=1)(epoch) == update_lr(0.1, epoch, 1)
    staircase = get_schedule("inverse-time", learning_rate0=0.1, decay_rate=0.5, time_interval=1000)
    assert staircase(epoch) == schedule_lr_decay(0.1, epoch, 0.5)
    assert staircase(epoch) == 1 / (1 + 0.5 * np.floor(epoch / 1000)) * 0.1  # the notebook's expression


@pytest.mark.parametrize("name, kwargs, formula", [
    ("constant", {"learning_rate0": 0.3}, lambda t: 0.3),
    ("inverse-time", {"learning_rate0": 0.3, "decay_rate": 2.0}, lambda t: 0.3 / (1 + 2 * t)),
    ("inverse-time", {"learning_rate0": 0.3, "decay_rate": 2.0, "time_interval": 7},
     lambda t: 0.3 / (1 + 2 * (t // 7))),
    ("exponential", {"learning_rate0": 0.3}, lambda t: 0.3 * 0.95**t),
    ("exponential", {"learning_rate0": 0.3, "decay_rate": 0.5, "time_interval": 4}, lambda t: 0.3 * 2 ** (-t / 4)),
    ("step", {"learning_rate0": 0.3, "decay_rate": 0.1, "time_interval": 5}, lambda t: 0.3 * 0.1 ** (t // 5)),
    ("cosine", {"learning_rate0": 0.3, "num_epochs": 20},
     lambda t: 0.15 * (1 + math.cos(math.pi * min(t, 20) / 20))),
    ("cosine", {"learning_rate0": 0.3, "num_epochs": 20, "min_learning_rate": 0.01},
     lambda t: 0.01 + 0.145 * (1 + math.cos(math.pi * min(t, 20) / 20))),
])
def test_schedules_follow_their_formulas(name, kwargs, formula):
    lr = get_schedule(name, **kwargs)
    assert isinstance(lr, LearningRateSchedule) and lr.name == name
    for t in [0, 1, 3, 4, 5, 6, 10, 19, 20, 21, 100]:
        assert lr(t) == pytest.approx(formula(t), rel=1e-13, abs=1e-15)
        assert isinstance(lr(t), float)
    assert get_schedule(name, **dict(lr.hyperparameters))(13) == lr(13)  # rebuilt from what it records


def test_every_schedule_starts_at_learning_rate0_and_never_rises():
    for name in SCHEDULES:
        kwargs = {"learning_rate0": 0.05, **({"num_epochs": 50} if name == "cosine" else {})}
        lr = get_schedule(name, **kwargs)
        rates = [lr(t) for t in range(0, 3000, 7)]
        assert rates[0] == 0.05
        assert all(b <= a for a, b in zip(rates, rates[1:]))


def test_unknown_schedule_lists_the_registry():
    with pytest.raises(ValueError, match=r"must be one of \{'constant', 'cosine', 'exponential', 'inverse-time', "
                                         r"'step'\}\. Got 'inverse_time' instead\."):
        get_schedule("inverse_time", learning_rate0=0.1)


@pytest.mark.parametrize("name, kwargs, error, match", [
    ("step", {"learning_rate0": 0.1, "beta": 2}, TypeError, r"'step' does not take \['beta'\]"),
    ("cosine", {"learning_rate0": 0.1}, TypeError, r"'cosine' needs \['num_epochs'\]"),
    ("exponential", {"learning_rate0": 0.1, "decay_rate": 1.5}, ValueError, r"must be a number in \(0, 1\]"),
    ("inverse-time", {"learning_rate0": -0.1}, ValueError, r"'learning_rate0' parameter of inverse_time"),
    ("step", {"learning_rate0": 0.1, "time_interval": 0}, ValueError, r"'time_interval' parameter of step"),
    ("cosine", {"learning_rate0": 0.1, "num_epochs": 10, "min_learning_rate": 0.2}, ValueError, "<= learning_rate0"),
])
def test_bad_schedule_parameters_are_named(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        get_schedule(name, **kwargs)


@pytest.mark.parametrize("call, match", [
    (lambda: update_lr(0.1, -1, 1), r"'epoch_num' parameter of update_lr must be a finite number >= 0"),
    (lambda: update_lr(0.1, 1, -1), r"'decay_rate' parameter of update_lr"),
    (lambda: schedule_lr_decay(0.1, 1, 1, 0), r"'time_interval' parameter of schedule_lr_decay must be an int >= 1"),
    (lambda: get_schedule("constant", learning_rate0=0.1)(-3), r"'epoch_num'"),
])
def test_bad_epoch_and_rates_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
