"""Issue 15 in the models and the training loop: optimizers, mini-batches, schedules, L2, dropout,
early stopping, checkpoints.

Oracles: the course-2 loops of :mod:`denseflow.reproduce` (the notebooks' own arithmetic, which
reproduces their published figures), central differences of the regularized cost and of the cost
under a fixed dropout mask, the definitions (every example once per epoch), an uninterrupted run
(resume), and the reference engine (fast engine).
"""

import numpy as np
import pytest
from _differences import central_differences

from denseflow.core.activations import HIDDEN_ACTIVATIONS, get_activation
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.regularization import _dropout_forward
from denseflow.datasets import noisy_moons
from denseflow.models import DeepNetwork, LogisticRegression, Network, ShallowNetwork
from denseflow.reproduce import optimization_model, regularization_model
from denseflow.training import History, ReferenceEngine, TrainingSetup, train

MOONS = noisy_moons(m=300, noise=0.2, seed=3)  # the Optimization notebook's moons


def same_parameters(a, b):
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------ course mode = the notebooks' loops


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_course_mode_mini_batches_match_the_optimization_notebook(optimizer):
    X, Y = MOONS
    epochs = 40
    run = optimization_model(X, Y, optimizer=optimizer, num_epochs=epochs, print_every=1)
    model = DeepNetwork([2, 5, 2, 1], initialization="he", seed=3, course=True, optimizer=optimizer, batch_size=64,
                        learning_rate=0.0007, num_epochs=epochs)
    history = model.fit(X, Y)
    assert history.unit == "epoch" and history.iterations == list(range(epochs))
    np.testing.assert_allclose(history.costs, [run.costs[i] for i in range(epochs)], rtol=1e-13, atol=0)
    assert same_parameters(model.parameters_, run.parameters)  # the same draws and the same arithmetic
    assert model.n_epochs_ == epochs and model.n_updates_ == epochs * 5  # ⌈300 / 64⌉ = 5 batches an epoch


@pytest.mark.parametrize("optimizer, learning_rate, time_interval", [("gd", 0.1, 1), ("adam", 0.01, 3)])
def test_course_mode_schedule_matches_the_notebooks_learning_rate_decay(optimizer, learning_rate, time_interval):
    from denseflow.core.schedules import schedule_lr_decay, update_lr

    X, Y = MOONS
    decay = update_lr if time_interval == 1 else (lambda a, e, k: schedule_lr_decay(a, e, k, time_interval))
    run = optimization_model(X, Y, optimizer=optimizer, learning_rate=learning_rate, num_epochs=12, print_every=1,
                             decay=decay)
    model = DeepNetwork([2, 5, 2, 1], initialization="he", seed=3, course=True, optimizer=optimizer, batch_size=64,
                        learning_rate=learning_rate, num_epochs=12, learning_rate_schedule="inverse_time",
                        decay_rate=1.0, time_interval=time_interval)
    history = model.fit(X, Y)
    np.testing.assert_allclose(history.costs, [run.costs[i] for i in range(12)], rtol=1e-13)
    # The notebook sets the rate after epoch i for epoch i + 1; the history records the rate each epoch used.
    assert history.learning_rates[0] == learning_rate
    assert history.learning_rates[1:] == [run.learning_rates[i] for i in range(11)]


@pytest.mark.parametrize("lambd, keep_prob", [(0.7, 1.0), (0.0, 0.86)])
def test_course_mode_l2_and_dropout_match_the_regularization_notebook(football_csv, lambd, keep_prob):
    from denseflow.datasets.football import load_football

    X, Y, _, _ = load_football(football_csv)
    run = regularization_model(X, Y, lambd=lambd, keep_prob=keep_prob, num_iterations=150, print_every=1)
    model = DeepNetwork([2, 20, 3, 1], initialization="scaled", seed=3, course=True, learning_rate=0.3,
                        num_iterations=150, lambd=lambd, keep_prob=keep_prob)
    history = model.fit(X, Y)
    assert history.unit == "iteration"
    np.testing.assert_allclose(history.costs, [run.costs[i] for i in range(150)], rtol=1e-13)
    assert same_parameters(model.parameters_, run.parameters)


# ------------------------------------------------------------------ the first course is unchanged


def test_full_batch_gd_records_one_learning_rate_per_iteration_and_no_epoch_state():
    X, Y = MOONS
    model = ShallowNetwork(n_h=3, num_iterations=30, seed=1)
    history = model.fit(X, Y)
    assert history.unit == "iteration" and history.learning_rates == [1.2] * 30
    assert model.n_epochs_ == model.n_updates_ == 30 and model.best_epoch_ is None and not model.stopped_early_


@pytest.mark.parametrize("schedule", ["constant", "exponential"])
def test_full_batch_gd_through_the_epoch_loop_equals_the_first_course_loop(schedule):
    X, Y = MOONS
    params = initialize_parameters([2, 4, 1], "he", seed=0)
    plain = train(params, X, Y, learning_rate=0.1, num_iterations=25)
    # decay_rate=1 … an exponential schedule with k = 1 is the constant α through the general loop.
    general = train(params, X, Y, learning_rate=0.1, num_iterations=25, learning_rate_schedule=schedule,
                    decay_rate=1.0 if schedule == "exponential" else None, engine="reference")
    assert general.history.costs == pytest.approx(plain.history.costs, rel=1e-13)
    for k in params:
        np.testing.assert_allclose(general.parameters[k], plain.parameters[k], rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------------ mini-batches


class _Recorder(ReferenceEngine):
    """The reference engine, keeping the columns of X each batch holds."""

    seen: list = []

    def batch_step(self, X, Y, scale, alpha, compute_cost=True, rng=None):
        type(self).seen.append(X[0].copy())
        return super().batch_step(X, Y, scale, alpha, compute_cost, rng)


@pytest.mark.parametrize("shuffle", [True, False])
def test_every_example_once_per_epoch_the_last_batch_smaller(monkeypatch, shuffle):
    import denseflow.training.engines as engines

    m, B, epochs = 23, 5, 3
    X = np.arange(float(m)).reshape(1, m)
    Y = (np.arange(m) % 2).reshape(1, m).astype(float)
    _Recorder.seen = []
    monkeypatch.setattr(engines, "ReferenceEngine", _Recorder)
    train(initialize_parameters([1, 1], "zeros"), X, Y, learning_rate=0.1, num_epochs=epochs, batch_size=B,
          shuffle=shuffle, seed=0, engine="reference")
    batches = _Recorder.seen
    assert [b.size for b in batches] == [5, 5, 5, 5, 3] * epochs
    for e in range(epochs):
        order = np.concatenate(batches[5 * e:5 * e + 5])
        assert sorted(order.tolist()) == list(range(m))  # every example exactly once
        if not shuffle:
            assert order.tolist() == list(range(m))
    if shuffle:
        firsts = [np.concatenate(batches[5 * e:5 * e + 5]).tolist() for e in range(epochs)]
        assert firsts[0] != firsts[1] != firsts[2]  # reshuffled every epoch


def test_epoch_cost_is_the_size_weighted_mean_of_the_batch_costs():
    X, Y = MOONS
    params = initialize_parameters([2, 3, 1], "he", seed=2)
    # lr tiny: the parameters hardly move, so the epoch cost is the full-batch cost of θ(0) to ~1e-9.
    result = train(params, X, Y, learning_rate=1e-12, num_epochs=1, batch_size=64, seed=0, optimizer="gd")
    full = train(params, X, Y, learning_rate=1e-12, num_iterations=1)
    assert result.history.costs[0] == pytest.approx(full.history.costs[0], rel=1e-9)


def test_same_seed_same_run_other_seed_other_order():
    X, Y = MOONS
    kw = dict(optimizer="rmsprop", batch_size=50, learning_rate=0.01, num_epochs=3, keep_prob=0.9)
    a = DeepNetwork([2, 6, 1], seed=4, **kw).fit(X, Y).costs
    b = DeepNetwork([2, 6, 1], seed=4, **kw).fit(X, Y).costs
    # Same initial parameters, another seed: only the data order and the masks differ.
    start = initialize_parameters([2, 6, 1], "scaled", seed=4)
    c = DeepNetwork([2, 6, 1], seed=5, **kw).fit(X, Y, initial_parameters=start).costs
    assert a == b
    assert c[0] != a[0]


# ------------------------------------------------------------------ gradients of L2 and dropout


def _cost_and_grads(params, X, Y, hidden, lambd, keep):
    """The engine's batch cost and gradients, the dropout masks drawn as the notebook does (fixed)."""
    sigmoid, bce = get_activation("sigmoid"), get_loss("binary_cross_entropy")
    setup = TrainingSetup("gd", lambd=lambd, keep_probs=keep, course=True)
    engine = ReferenceEngine(params, X, Y, hidden, sigmoid, bce, 0.1, setup=setup)
    m = X.shape[1]
    if keep is None:
        from denseflow.core.propagation import _model_forward

        AL, caches = _model_forward(X, engine.parameters, hidden, sigmoid)
    else:
        AL, caches = _dropout_forward(X, engine.parameters, keep, np.random.RandomState(1), hidden, sigmoid)
    cost = engine._batch_cost(AL, Y, caches[-1].Z, None, m)
    return cost, engine._batch_gradients(AL, Y, caches, None, m)


@pytest.mark.parametrize("hidden_name", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("regularizer", ["l2", "dropout", "both"])
def test_regularized_gradients_match_central_differences(hidden_name, depth, regularizer):
    rng = np.random.default_rng(depth)
    dims = [3] + [4] * depth + [1]
    X = rng.normal(size=(3, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    params = initialize_parameters(dims, "xavier", seed=depth)
    for l in range(1, depth + 2):  # b ≠ 0: a column of dead ReLUs would put Z[l+1] = b = 0 on the kink
        params[f"b{l}"] = rng.normal(scale=0.3, size=params[f"b{l}"].shape)
    hidden = get_activation(hidden_name, hidden=True)
    lambd = 0.0 if regularizer == "dropout" else 0.9
    keep = None if regularizer == "l2" else tuple([0.7, 0.8, 0.6][:depth])
    _, grads = _cost_and_grads(params, X, Y, hidden, lambd, keep)
    approx = central_differences(lambda p: _cost_and_grads(p, X, Y, hidden, lambd, keep)[0], params)
    for name in params:
        np.testing.assert_allclose(grads["d" + name], approx["d" + name], rtol=1e-5, atol=1e-8, err_msg=name)


def test_l2_cost_adds_lambda_over_2m_times_the_squared_weights():
    X, Y = MOONS
    params = initialize_parameters([2, 4, 3, 1], "he", seed=1)
    relu = get_activation("relu")
    plain, _ = _cost_and_grads(params, X, Y, relu, 0.0, None)
    l2, _ = _cost_and_grads(params, X, Y, relu, 0.7, None)
    penalty = 0.7 / (2 * X.shape[1]) * sum(np.sum(params[f"W{l}"] ** 2) for l in (1, 2, 3))
    assert l2 - plain == pytest.approx(penalty, rel=1e-12)


def test_dropout_keep_prob_one_is_no_dropout_and_keep_prob_per_layer_is_used():
    X, Y = MOONS
    a = DeepNetwork([2, 5, 3, 1], seed=0, optimizer="adam", batch_size=100, learning_rate=0.01, num_epochs=3)
    b = DeepNetwork([2, 5, 3, 1], seed=0, optimizer="adam", batch_size=100, learning_rate=0.01, num_epochs=3,
                    keep_prob=[1.0, 1.0])
    a.fit(X, Y)
    b.fit(X, Y)
    assert same_parameters(a.parameters_, b.parameters_)
    c = DeepNetwork([2, 5, 3, 1], seed=0, optimizer="adam", batch_size=100, learning_rate=0.01, num_epochs=3,
                    keep_prob=[1.0, 0.5])
    c.fit(X, Y)
    assert not same_parameters(a.parameters_, c.parameters_)
    with pytest.raises(ValueError, match="list of 2 numbers, one per hidden layer"):
        DeepNetwork([2, 5, 3, 1], keep_prob=[0.5, 0.5, 0.5]).fit(X, Y)


# ------------------------------------------------------------------ early stopping


def test_early_stopping_stops_and_restores_the_best_epoch():
    X, Y = noisy_moons(m=400, noise=0.35, seed=1)
    Xv, Yv = noisy_moons(m=200, noise=0.35, seed=2)
    model = DeepNetwork([2, 40, 40, 1], optimizer="adam", batch_size=16, learning_rate=0.03, num_epochs=400, seed=0,
                        early_stopping=True, patience=4, tol=0.0)
    history = model.fit(X, Y, Xv, Yv)
    assert model.stopped_early_ and model.n_epochs_ < 400
    # patience counted in epochs: the last epoch is `patience` epochs after the best one
    assert history.iterations[-1] - model.best_epoch_ == 4 and model.n_epochs_ == history.iterations[-1] + 1
    assert model.best_val_cost_ == min(history.val_costs)
    assert model.cost(Xv, Yv) == pytest.approx(model.best_val_cost_, rel=1e-12)  # the best epoch's weights
    assert not any(k.startswith("best_param") for k in vars(model))  # the weights are kept once


def test_early_stopping_tol_counts_only_real_improvements_and_no_restore_keeps_the_last():
    X, Y = noisy_moons(m=300, noise=0.3, seed=1)
    Xv, Yv = noisy_moons(m=100, noise=0.3, seed=2)
    kw = dict(optimizer="adam", batch_size=32, learning_rate=0.01, num_epochs=60, seed=0, early_stopping=True,
              patience=3, tol=0.05)
    model = DeepNetwork([2, 8, 1], **kw)
    history = model.fit(X, Y, Xv, Yv)
    best = history.val_costs[0]
    for cost in history.val_costs[1:]:
        if cost < best - 0.05:
            best = cost
    assert model.best_val_cost_ == best and model.stopped_early_
    last = DeepNetwork([2, 8, 1], restore_best_weights=False, **kw)
    last.fit(X, Y, Xv, Yv)
    assert last.cost(Xv, Yv) == pytest.approx(last.history_.val_costs[-1], rel=1e-12)


def test_early_stopping_without_validation_data_splits_seeded_and_stratified():
    X, Y = noisy_moons(m=200, noise=0.3, seed=1)
    kw = dict(optimizer="adam", batch_size=32, learning_rate=0.01, num_epochs=5, seed=3, early_stopping=True,
              validation_fraction=0.25)
    a = DeepNetwork([2, 4, 1], **kw)
    a.fit(X, Y)
    b = DeepNetwork([2, 4, 1], **kw)
    b.fit(X, Y)
    assert a.history_.val_costs == b.history_.val_costs and len(a.history_.val_costs) == 5
    from denseflow.models.fitting import split_validation

    Yc = np.array([[0] * 150 + [1] * 50])
    _, Yt, _, _, Yh = split_validation(np.zeros((1, 200)), Yc, None, 0.2, 0, True, "DeepNetwork")
    assert Yh.shape == (1, 40) and Yh.sum() == 10 and Yt.sum() == 40  # each class keeps its share


def test_full_batch_early_stopping_counts_iterations():
    X, Y = noisy_moons(m=200, noise=0.3, seed=1)
    Xv, Yv = noisy_moons(m=100, noise=0.3, seed=2)
    model = DeepNetwork([2, 30, 1], learning_rate=2.0, num_iterations=3000, seed=0, early_stopping=True, patience=20)
    history = model.fit(X, Y, Xv, Yv)
    assert model.stopped_early_ and history.iterations[-1] - model.best_epoch_ == 20
    assert model.cost(Xv, Yv) == pytest.approx(model.best_val_cost_, rel=1e-12)


# ------------------------------------------------------------------ regression targets


def test_standardize_targets_fits_raw_targets_and_predicts_on_their_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 300))
    Y = 150 + 60 * (X[:1] - 0.5 * X[1:2]) + rng.normal(size=(1, 300))
    model = DeepNetwork([3, 16, 1], output_activation="identity", optimizer="adam", batch_size=32,
                        learning_rate=0.01, num_epochs=60, standardize_targets=True, seed=0)
    model.fit(X, Y)
    assert model.target_mean_[0, 0] == pytest.approx(Y.mean()) and model.target_std_[0, 0] == pytest.approx(Y.std())
    pred = model.predict(X)
    assert np.mean((pred - Y) ** 2) < 0.05 * np.var(Y)  # R² > 0.95 on the raw scale
    assert model.cost(X, Y) == pytest.approx(0.5 * np.mean((pred - Y) ** 2), rel=1e-10)


# ------------------------------------------------------------------ resume


def _run(callback=None, **extra):
    X, Y = MOONS
    kw = dict(optimizer="adam", batch_size=32, keep_prob=0.8, learning_rate=0.01, num_epochs=8, seed=5, lambd=0.1,
              learning_rate_schedule="exponential", decay_rate=0.9)
    model = DeepNetwork([2, 8, 4, 1], callback=callback, **kw)
    model.fit(X, Y, **extra)
    return model


@pytest.mark.parametrize("on_disk", [False, True])
def test_resume_is_bit_identical_for_adam_mini_batches_dropout(tmp_path, on_disk):
    from denseflow.io import CheckpointWriter, load_checkpoint

    full = _run()
    saved = {}
    writer = CheckpointWriter(tmp_path / "checkpoint.npz", full.get_config())

    def keep(event):
        if event.completed == 3:
            saved["checkpoint"] = event.checkpoint()
            writer.save(saved["checkpoint"])

    _run(callback=keep)
    checkpoint = saved["checkpoint"]
    if on_disk:
        loaded = load_checkpoint(tmp_path / "checkpoint.npz")
        checkpoint = loaded.checkpoint
        assert Network.from_config(loaded.config).get_config() == full.get_config()
    assert checkpoint.optimizer_state.step == 3 * 10 and checkpoint.rng_state is not None
    resumed = _run(resume_from=checkpoint)
    assert same_parameters(resumed.parameters_, full.parameters_)
    assert resumed.history_.costs == full.history_.costs
    assert resumed.history_.learning_rates == full.history_.learning_rates
    assert resumed.n_updates_ == full.n_updates_ == 80


def test_model_file_keeps_the_new_hyperparameters_and_old_configs_load(tmp_path):
    import denseflow

    model = _run()
    denseflow.save(model, tmp_path / "m.npz")
    again = denseflow.load(tmp_path / "m.npz")
    assert again.get_config() == model.get_config() and again.history_.unit == "epoch"
    assert again.history_.learning_rates == model.history_.learning_rates and again.n_epochs_ == 8
    old = {k: v for k, v in model.get_config().items() if k not in DeepNetwork([2, 1]).get_config()
           or k in ("model", "layer_dims", "learning_rate")}
    assert Network.from_config(old).optimizer == "gd"
    assert History.from_dict({"iterations": [0], "costs": [0.5]}).unit == "iteration"


# ------------------------------------------------------------------ float32


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_float32_stays_float32(optimizer):
    X, Y = MOONS
    model = DeepNetwork([2, 6, 1], optimizer=optimizer, batch_size=64, learning_rate=0.01, num_epochs=2,
                        dtype="float32", lambd=0.1, keep_prob=0.9, seed=0)
    model.fit(X, Y)
    assert {v.dtype for v in model.parameters_.values()} == {np.dtype(np.float32)}
    state = model.optimizer_state_
    for moments in (getattr(state, "v", {}), getattr(state, "s", {})):
        assert {v.dtype for v in moments.values()} <= {np.dtype(np.float32)}


# ------------------------------------------------------------------ validation messages


@pytest.mark.parametrize("param, value, kind, message", [
    ("optimizer", "sgdd", ValueError, "The 'optimizer' parameter of DeepNetwork must be one of {'adam', 'gd', "
                                      "'momentum', 'rmsprop'}. Got 'sgdd' instead."),
    ("beta1", 1.0, ValueError, "The 'beta1' parameter of DeepNetwork must be a number in [0, 1). Got 1.0 instead."),
    ("beta2", -0.1, ValueError, "The 'beta2' parameter of DeepNetwork must be a number in [0, 1). Got -0.1 instead."),
    ("epsilon", 0, ValueError, "The 'epsilon' parameter of DeepNetwork must be a finite number > 0. Got 0 instead."),
    ("nesterov", "yes", TypeError, "The 'nesterov' parameter of DeepNetwork must be a bool (True or False)."),
    ("batch_size", 0, ValueError, "The 'batch_size' parameter of DeepNetwork must be an int >= 1. Got 0 instead."),
    ("batch_size", 2.5, TypeError, "'batch_size' parameter of DeepNetwork"),
    ("num_epochs", -1, ValueError, "The 'num_epochs' parameter of DeepNetwork must be an int >= 1. Got -1 instead."),
    ("shuffle", None, TypeError, "The 'shuffle' parameter of DeepNetwork must be a bool (True or False). Got None"),
    ("learning_rate_schedule", "linear", ValueError, "The 'learning_rate_schedule' parameter of DeepNetwork must be "
     "one of {'constant', 'cosine', 'exponential', 'inverse_time', 'step'}. Got 'linear' instead."),
    ("decay_rate", -1, ValueError, "The 'decay_rate' parameter of DeepNetwork must be a finite number >= 0."),
    ("time_interval", 0, ValueError, "The 'time_interval' parameter of DeepNetwork must be an int >= 1."),
    ("lambd", -0.5, ValueError, "The 'lambd' parameter of DeepNetwork must be a finite number >= 0. Got -0.5"),
    ("keep_prob", 0.0, ValueError, "The 'keep_prob' parameter of DeepNetwork must be a number in (0, 1]. Got 0.0"),
    ("keep_prob", 1.5, ValueError, "The 'keep_prob' parameter of DeepNetwork must be a number in (0, 1]. Got 1.5"),
    ("keep_prob", "half", TypeError, "The 'keep_prob' parameter of DeepNetwork must be a number in (0, 1] or a list"),
    ("early_stopping", 1, TypeError, "The 'early_stopping' parameter of DeepNetwork must be a bool"),
    ("validation_fraction", 1.0, ValueError, "The 'validation_fraction' parameter of DeepNetwork must be a number "
                                             "in (0, 1). Got 1.0 instead."),
    ("patience", 0, ValueError, "The 'patience' parameter of DeepNetwork must be an int >= 1. Got 0 instead."),
    ("tol", float("nan"), ValueError, "The 'tol' parameter of DeepNetwork must be a finite number >= 0."),
    ("restore_best_weights", "no", TypeError, "The 'restore_best_weights' parameter of DeepNetwork must be a bool"),
    ("standardize_targets", 0, TypeError, "The 'standardize_targets' parameter of DeepNetwork must be a bool"),
])
def test_bad_values_of_every_new_parameter_are_named(param, value, kind, message):
    X, Y = MOONS
    with pytest.raises(kind) as err:
        DeepNetwork([2, 3, 1], **{param: value}).fit(X, Y)
    assert message in str(err.value)


def test_decay_factor_of_exponential_and_step_is_at_most_one_and_targets_need_regression():
    X, Y = MOONS
    with pytest.raises(ValueError, match=r"'decay_rate' parameter of DeepNetwork must be a number in \(0, 1\]"):
        DeepNetwork([2, 3, 1], learning_rate_schedule="step", decay_rate=2).fit(X, Y)
    with pytest.raises(ValueError, match="'standardize_targets' parameter of LogisticRegression is for regression"):
        LogisticRegression(standardize_targets=True).fit(X, Y)


# ------------------------------------------------------------------ the fast engine


_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(5, 53))
_TARGETS = {"sigmoid": (_RNG.random((1, 53)) > 0.5).astype(float),
            "softmax": np.eye(3)[_RNG.integers(0, 3, 53)].T,
            "identity": _RNG.normal(size=(2, 53))}


_STEPS = [  # batch_size, lambd, keep_prob, hidden, weighted
    (None, 0.0, 1.0, "relu", False),  # full batch through the general loop (another optimizer)
    (16, 0.0, 1.0, "relu", False),  # 53 = 3 × 16 + 5: the last batch smaller
    (16, 0.3, 0.7, "relu", True),
    (None, 0.3, 0.7, "leaky_relu", True),
    (8, 0.1, 1.0, "tanh", False),
    (8, 0.0, 0.8, "identity", False),
    (20, 0.2, 1.0, "sigmoid", True),
]
_OPTIMIZERS = [("gd", False), ("momentum", False), ("momentum", True), ("rmsprop", False), ("adam", False)]
_CASES = (
    [("float64", out, *opt, *step) for out in ("sigmoid", "softmax", "identity") for opt in _OPTIMIZERS
     for step in _STEPS]
    + [("float32", out, *opt, *step) for out in ("sigmoid", "softmax") for opt in _OPTIMIZERS
       for step in (_STEPS[2], _STEPS[3], _STEPS[5])]
)


@pytest.mark.parametrize("dtype, output, optimizer, nesterov, batch_size, lambd, keep_prob, hidden, weighted", _CASES)
def test_fast_engine_equals_reference_engine(dtype, output, optimizer, nesterov, batch_size, lambd, keep_prob, hidden,
                                             weighted):
    Y = _TARGETS[output].astype(dtype)
    X = _X.astype(dtype)
    params = initialize_parameters([5, 6, 4, Y.shape[0]], "he", seed=1, dtype=dtype)
    weights = None if not weighted else np.linspace(0.2, 2.0, 53).reshape(1, -1).astype(dtype)
    kw = dict(hidden_activation=hidden, output_activation=output, learning_rate=0.01, num_epochs=3,
              optimizer=optimizer, nesterov=nesterov, batch_size=batch_size, lambd=lambd, keep_prob=keep_prob,
              seed=3, sample_weight=weights, X_val=X[:, :20], Y_val=Y[:, :20])
    reference = train(params, X, Y, engine="reference", **kw)
    fast = train(params, X, Y, engine="fast", **kw)
    assert {v.dtype for v in fast.parameters.values()} == {np.dtype(dtype)}
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(fast.history.costs, reference.history.costs, rtol=rtol)
    if optimizer == "adam":
        # Outside course mode the fast engine folds Adam's constants (the same rule, ~1e-16 apart
        # per step in float64): equal to rounding, not bit for bit.
        tol = dict(rtol=1e-10, atol=1e-13) if dtype == "float64" else dict(rtol=1e-4, atol=1e-6)
        for k in reference.parameters:
            np.testing.assert_allclose(fast.parameters[k], reference.parameters[k], **tol, err_msg=k)
        np.testing.assert_allclose(fast.history.val_costs, reference.history.val_costs, rtol=rtol)
        for name in ("v", "s"):
            a, b = getattr(fast.optimizer_state, name), getattr(reference.optimizer_state, name)
            assert sorted(a) == sorted(b)
            for k in a:
                np.testing.assert_allclose(a[k], b[k], rtol=tol["rtol"], atol=tol["atol"] * 1e-3, err_msg=k)
    else:
        assert same_parameters(fast.parameters, reference.parameters)  # bit for bit
        assert fast.history.val_costs == reference.history.val_costs
        for name in ("v", "s"):
            a, b = getattr(fast.optimizer_state, name, {}), getattr(reference.optimizer_state, name, {})
            assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert fast.n_updates == reference.n_updates == (3 if batch_size is None else 3 * -(-53 // batch_size))


def test_fast_engine_takes_examples_from_either_layout_and_resumes():
    X = np.asfortranarray(_X)
    Y = _TARGETS["sigmoid"]
    params = initialize_parameters([5, 6, 1], "he", seed=2)
    kw = dict(optimizer="adam", batch_size=10, learning_rate=0.01, num_epochs=4, seed=1, keep_prob=0.9)
    a = train(params, X, Y, engine="fast", **kw)
    b = train(params, np.ascontiguousarray(X), Y, engine="fast", **kw)
    assert same_parameters(a.parameters, b.parameters)
    saved = {}

    def keep(event):
        if event.completed == 2:
            saved["checkpoint"] = event.checkpoint()

    train(params, X, Y, engine="fast", callbacks=[(1, keep)], **kw)
    resumed = train(params, X, Y, engine="fast", resume_from=saved["checkpoint"], **kw)
    assert same_parameters(resumed.parameters, a.parameters) and resumed.history.costs == a.history.costs


def test_dropout_with_tanh_falls_back_to_the_reference_engine_and_fast_says_so():
    Y = _TARGETS["sigmoid"]
    params = initialize_parameters([5, 6, 1], "he", seed=2)
    kw = dict(hidden_activation="tanh", optimizer="adam", batch_size=10, num_epochs=2, keep_prob=0.5, seed=0)
    auto = train(params, _X, Y, **kw)
    reference = train(params, _X, Y, engine="reference", **kw)
    assert same_parameters(auto.parameters, reference.parameters)
    with pytest.raises(ValueError, match="fast engine does not compute this network's mini-batch step"):
        train(params, _X, Y, engine="fast", **kw)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_course_mode_adam_keeps_the_course_order_bit_for_bit_in_the_fast_engine(dtype):
    Y = _TARGETS["sigmoid"].astype(dtype)
    X = _X.astype(dtype)
    params = initialize_parameters([5, 6, 4, 1], "he", seed=1, dtype=dtype)
    kw = dict(hidden_activation="relu", output_activation="sigmoid", learning_rate=0.01, num_epochs=3,
              optimizer="adam", batch_size=16, course=True)
    reference = train(params, X, Y, engine="reference", **kw)
    fast = train(params, X, Y, engine="fast", **kw)
    assert same_parameters(fast.parameters, reference.parameters)  # bit for bit
    np.testing.assert_allclose(fast.history.costs, reference.history.costs, rtol=1e-12 if dtype == "float64" else 1e-5)


def test_the_epoch_early_stopping_ends_on_reaches_the_callbacks():
    X, Y = noisy_moons(m=400, noise=0.35, seed=1)
    Xv, Yv = noisy_moons(m=200, noise=0.35, seed=2)
    seen = []
    model = DeepNetwork([2, 40, 40, 1], optimizer="adam", batch_size=16, learning_rate=0.03, num_epochs=400, seed=0,
                        early_stopping=True, patience=4, tol=0.0, print_every=100, callback=seen.append)
    history = model.fit(X, Y, Xv, Yv)
    assert model.stopped_early_
    assert seen[-1].iteration == history.iterations[-1] == model.n_epochs_ - 1


@pytest.mark.parametrize("batch_size", [None, 8])
def test_a_first_update_that_diverges_keeps_the_initial_parameters(batch_size):
    from denseflow.training import TrainingDivergedError

    X = np.random.default_rng(0).normal(size=(3, 16)) * 1e200
    Y = np.random.default_rng(1).normal(size=(1, 16))
    params = initialize_parameters([3, 4, 1], "he", seed=1)
    for engine in ("reference", "auto"):
        with pytest.raises(TrainingDivergedError) as info:
            train(params, X, Y, output_activation="identity", optimizer="adam", batch_size=batch_size, num_epochs=3,
                  engine=engine)
        kept = info.value.result.parameters
        assert sorted(kept) == sorted(params) and all(np.array_equal(kept[k], params[k]) for k in params), engine


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(optimizer="sgd"), "'optimizer' parameter of train must be one of"),
    (dict(optimizer="adam", beta1=1.0), "'beta1' parameter of train must be a number in [0, 1)"),
    (dict(batch_size=0), "'batch_size' parameter of train must be an int >= 1"),
    (dict(keep_prob=1.5), "'keep_prob' parameter of train must be a number in (0, 1]"),
    (dict(lambd=-1.0), "'lambd' parameter of train must be a finite number >= 0"),
    (dict(epsilon=0.0), "'epsilon' parameter of train must be a finite number > 0"),
])
def test_train_checks_its_training_settings(kwargs, fragment):
    X = np.random.default_rng(0).normal(size=(3, 20))
    Y = (X[:1] > 0).astype(float)
    with pytest.raises(ValueError) as info:
        train(initialize_parameters([3, 4, 1], "he", seed=1), X, Y, num_epochs=2, **kwargs)
    assert fragment in str(info.value)


def test_dropout_on_a_network_without_hidden_layers_is_refused():
    X, Y = noisy_moons(m=50, noise=0.2, seed=0)
    with pytest.raises(ValueError, match="'keep_prob' parameter of LogisticRegression drops hidden units"):
        LogisticRegression(keep_prob=0.5).fit(X, Y)


# ------------------------------------------------------------------ resume under early stopping, cosine horizon


def _early(callback=None, **extra):
    X, Y = noisy_moons(m=400, noise=0.35, seed=1)
    X_val, Y_val = noisy_moons(m=200, noise=0.35, seed=2)
    model = DeepNetwork([2, 40, 40, 1], optimizer="adam", batch_size=16, learning_rate=0.03, num_epochs=400, seed=0,
                        early_stopping=True, patience=4, tol=0.0, callback=callback)
    model.fit(X, Y, X_val=X_val, Y_val=Y_val, **extra)
    return model


@pytest.mark.parametrize("on_disk", [False, True])
def test_resume_after_the_best_epoch_restores_the_best_weights(tmp_path, on_disk):
    from denseflow.io import load_checkpoint, save_checkpoint
    from denseflow.training import StopTraining

    full = _early()
    assert full.stopped_early_ and full.best_epoch_ + 1 < full.n_epochs_  # the best epoch came before the stop
    saved = {}

    def stop_after_the_best(event):
        if event.completed == full.best_epoch_ + 2:
            saved["checkpoint"] = event.checkpoint()
            raise StopTraining

    _early(callback=stop_after_the_best)
    checkpoint = saved["checkpoint"]
    assert checkpoint.best_parameters is not None and checkpoint.iteration == full.best_epoch_ + 2
    if on_disk:
        save_checkpoint(tmp_path / "checkpoint.npz", checkpoint, full.get_config())
        checkpoint = load_checkpoint(tmp_path / "checkpoint.npz").checkpoint
    resumed = _early(resume_from=checkpoint)
    assert same_parameters(resumed.parameters_, full.parameters_)
    assert (resumed.best_epoch_, resumed.best_val_cost_, resumed.n_epochs_) == \
        (full.best_epoch_, full.best_val_cost_, full.n_epochs_)
    # Without the best epoch's parameters (a checkpoint of before this fix) the last ones would be returned.
    older = _early(resume_from=checkpoint._replace(best_parameters=None))
    assert not same_parameters(older.parameters_, full.parameters_)


def test_checkpoint_files_check_the_best_parameters(tmp_path):
    from denseflow.io import ModelFileError, load_checkpoint, save_checkpoint
    from denseflow.training import StopTraining

    saved = {}

    def keep(event):
        if event.completed == 3:
            saved["checkpoint"] = event.checkpoint()
            raise StopTraining

    model = _early(callback=keep)
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, saved["checkpoint"], model.get_config())
    with np.load(path) as f:
        arrays = dict(f)
    assert sorted(k for k in arrays if k.startswith("best_")) == ["best_W1", "best_W2", "best_W3", "best_b1",
                                                                  "best_b2", "best_b3"]
    for name, change in [("best_W2", None), ("best_b1", np.zeros((3, 1))), ("best_W9", np.zeros((1, 1)))]:
        tampered = dict(arrays)
        if change is None:
            del tampered[name]
        else:
            tampered[name] = change
        np.savez(tmp_path / "bad.npz", **tampered)
        with pytest.raises(ModelFileError, match=name):
            load_checkpoint(tmp_path / "bad.npz")
    # A checkpoint that keeps none (no early stopping) writes no best_ arrays and loads as before.
    plain = saved["checkpoint"]._replace(best_parameters=None)
    save_checkpoint(path, plain, model.get_config())
    with np.load(path) as f:
        assert not [k for k in f.files if k.startswith("best_")]
    assert load_checkpoint(path).checkpoint.best_parameters is None


def test_resuming_a_cosine_schedule_over_another_horizon_is_refused():
    X, Y = MOONS
    saved = {}

    def keep(event):
        if event.completed == 4:
            saved["checkpoint"] = event.checkpoint()

    kw = dict(optimizer="adam", batch_size=32, learning_rate=0.05, seed=3, learning_rate_schedule="cosine")
    DeepNetwork([2, 8, 1], num_epochs=10, callback=keep, **kw).fit(X, Y)
    with pytest.raises(ValueError, match="cosine schedule over another number of epochs"):
        DeepNetwork([2, 8, 1], num_epochs=20, **kw).fit(X, Y, resume_from=saved["checkpoint"])
    full = DeepNetwork([2, 8, 1], num_epochs=10, **kw)
    full.fit(X, Y)
    resumed = DeepNetwork([2, 8, 1], num_epochs=10, **kw)
    resumed.fit(X, Y, resume_from=saved["checkpoint"])
    assert resumed.history_.learning_rates == full.history_.learning_rates


def test_the_training_defaults_record_is_the_signature_of_network():
    # models.config.TRAINING_DEFAULTS (old files load with it; summaries compare with it) and the
    # constructor's defaults are written in two places: they must not drift apart.
    import inspect

    from denseflow.models.config import TRAINING_DEFAULTS

    signature = inspect.signature(Network.__init__).parameters
    assert {k: signature[k].default for k in TRAINING_DEFAULTS} == TRAINING_DEFAULTS
