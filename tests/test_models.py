"""Models and training: the course's published results, history semantics, guards, determinism."""

import subprocess
import sys

import numpy as np
import pytest

import denseflow
from denseflow import datasets
from denseflow.models import DeepNetwork, LogisticRegression, Network, ShallowNetwork
from denseflow.training import Checkpoint, StopTraining, TrainingDivergedError, train


@pytest.fixture(scope="module")
def cat(cat_dir):
    return datasets.load_cat(cat_dir)


@pytest.fixture(scope="module")
def flower():
    return datasets.planar_flower()


# ----------------------------------------------------------------- the course's published figures


def test_logistic_regression_on_cats(cat):
    model = LogisticRegression(learning_rate=0.005, num_iterations=2000)
    history = model.fit(cat.train_X, cat.train_Y)
    assert round(history.costs[0], 6) == 0.693147
    assert round(history.costs[1900], 6) == 0.140872
    assert 100 * model.accuracy(cat.train_X, cat.train_Y) == 99.04306220095694
    assert 100 * model.accuracy(cat.test_X, cat.test_Y) == 70.0
    assert model.parameters_["W1"].shape == (1, 12288)


def test_shallow_network_on_the_flower(flower):
    X, Y = flower
    model = ShallowNetwork(n_h=4, hidden_activation="tanh", learning_rate=1.2, num_iterations=10000,
                           seed=2, course=True)
    history = model.fit(X, Y)
    assert round(history.costs[0], 6) == 0.693048
    assert round(history.costs[1000], 6) == 0.288083
    assert model.accuracy(X, Y) == 0.9075
    # course init: legacy seed 2, W1 = randn(4, 2)·0.01 then W2 = randn(1, 4)·0.01
    rs = np.random.RandomState(2)
    W1, W2 = rs.randn(4, 2) * 0.01, rs.randn(1, 4) * 0.01
    fresh = ShallowNetwork(n_h=4, num_iterations=1, seed=2, course=True, learning_rate=1e-300)
    fresh.fit(X, Y)
    np.testing.assert_array_equal(fresh.parameters_["W1"], W1)
    np.testing.assert_array_equal(fresh.parameters_["W2"], W2)


@pytest.mark.slow
def test_two_layer_network_on_cats(cat):
    model = DeepNetwork([12288, 7, 1], initialization="random", learning_rate=0.0075, num_iterations=2500,
                        seed=1, course=True)
    history = model.fit(cat.train_X, cat.train_Y)
    assert history.costs[0] == pytest.approx(0.6930497356599888, abs=1e-12)
    assert model.accuracy(cat.train_X, cat.train_Y) == 1.0
    assert model.accuracy(cat.test_X, cat.test_Y) == 0.72


@pytest.mark.slow
def test_l_layer_network_on_cats(cat):
    model = DeepNetwork([12288, 20, 7, 5, 1], initialization="scaled", learning_rate=0.0075,
                        num_iterations=2500, seed=1, course=True)
    history = model.fit(cat.train_X, cat.train_Y)
    assert history.costs[0] == pytest.approx(0.7717493284237686, abs=1e-12)
    assert round(history.costs[2400], 6) == 0.092878
    assert model.accuracy(cat.train_X, cat.train_Y) == 0.9856459330143541
    assert model.accuracy(cat.test_X, cat.test_Y) == 0.8


def test_reproduce_engine_and_planar_figures_all_match():
    figures = denseflow.reproduce.run(experiments=["engine", "planar"])
    assert len(figures) >= 15
    assert [f for f in figures if not f.match] == []
    table = denseflow.reproduce.format_table(figures)
    assert "planar hidden sizes" in table and "NO" not in table


def test_softmax_on_digits_held_out_quarter():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.T / 16.0  # (64, m)
    y = digits.target.reshape(1, -1)
    rng = np.random.default_rng(0)
    perm = rng.permutation(X.shape[1])
    test, tr = perm[: X.shape[1] // 4], perm[X.shape[1] // 4:]
    model = DeepNetwork([64, 32, 10], hidden_activation="relu", initialization="he", learning_rate=0.5,
                        num_iterations=600, seed=0)
    model.fit(X[:, tr], y[:, tr])
    assert model.output_ == "softmax" and list(model.classes_) == list(range(10))
    assert model.predict_proba(X[:, test]).shape == (10, len(test))
    np.testing.assert_allclose(model.predict_proba(X[:, test]).sum(axis=0), 1.0)
    assert model.accuracy(X[:, test], y[:, test]) >= 0.95


# ----------------------------------------------------------------- history and training semantics


def test_cost_at_iteration_i_is_before_the_ith_update(flower):
    X, Y = flower
    model = ShallowNetwork(n_h=3, num_iterations=5, seed=0)
    history = model.fit(X, Y)
    assert history.iterations == [0, 1, 2, 3, 4] and len(history.costs) == 5
    # Replay with the reference step-by-step path: cost i uses θ(i).
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.optimizers import update_parameters
    from denseflow.core.propagation import compute_cost, model_backward, model_forward

    params = initialize_parameters([2, 3, 1], "random", 0)
    for i in range(5):
        AL, caches = model_forward(X, params, "tanh")
        assert history.costs[i] == pytest.approx(compute_cost(AL, Y), rel=1e-12)
        params = update_parameters(params, model_backward(AL, Y, caches, "tanh"), 1.2)
    for k in params:
        np.testing.assert_allclose(model.parameters_[k], params[k], rtol=1e-12, atol=1e-15)
    assert history.final_cost == pytest.approx(model.cost(X, Y), rel=1e-12)


def test_validation_history_and_cost_every(flower):
    X, Y = flower
    Xtr, Ytr, Xv, Yv = datasets.train_val_split(X, Y, 0.25, seed=0)
    model = ShallowNetwork(n_h=4, num_iterations=50, cost_every=10, seed=1)
    history = model.fit(Xtr, Ytr, Xv, Yv)
    assert history.iterations == [0, 10, 20, 30, 40, 49]
    assert len(history.val_costs) == len(history.val_accuracies) == 6
    assert all(0 <= a <= 1 for a in history.val_accuracies)


def test_print_every_reports_through_the_callback(flower):
    X, Y = flower
    events = []
    ShallowNetwork(n_h=2, num_iterations=25, print_every=10, callback=events.append, seed=0).fit(X, Y)
    assert [e.iteration for e in events] == [0, 10, 20, 24]
    assert events[0].cost == pytest.approx(0.693, abs=0.01)


def test_default_print_every_prints_like_the_course(flower, capsys):
    X, Y = flower
    ShallowNetwork(n_h=2, num_iterations=3, print_every=2, seed=0).fit(X, Y)
    assert capsys.readouterr().out.startswith("Cost after iteration 0: 0.69")


def _diverging(**settings):
    """Data and a network whose cost overflows within 500 iterations (learning rate 10)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 50)) * 10
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    model = DeepNetwork([5, 8, 8, 1], hidden_activation="leaky_relu", initialization="he", learning_rate=10,
                        num_iterations=500, seed=0, **settings)
    return X, Y, model


def test_divergence_stops_with_a_clear_error_and_keeps_finite_parameters():
    X, Y, model = _diverging()
    with pytest.raises(TrainingDivergedError, match=r"iteration \d+.*smaller learning rate") as err:
        model.fit(X, Y)
    assert 0 < err.value.iteration < 500
    assert all(np.all(np.isfinite(v)) for v in model.parameters_.values())
    assert len(model.history_.costs) == err.value.iteration
    assert np.isfinite(model.cost(X, Y))


def test_same_seed_gives_bit_identical_parameters(flower):
    X, Y = flower
    a = DeepNetwork([2, 5, 3, 1], hidden_activation="leaky_relu", initialization="he", seed=7,
                    num_iterations=200, learning_rate=0.1)
    b = DeepNetwork([2, 5, 3, 1], hidden_activation="leaky_relu", initialization="he", seed=7,
                    num_iterations=200, learning_rate=0.1)
    a.fit(X, Y)
    b.fit(X, Y)
    for k in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[k], b.parameters_[k])
    a.fit(X, Y)  # fitting twice restarts from the same initialization
    for k in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[k], b.parameters_[k])


def test_float32_end_to_end(flower):
    X, Y = flower
    model = ShallowNetwork(n_h=4, dtype="float32", num_iterations=2000, seed=2, course=True)
    history = model.fit(X, Y)
    assert all(v.dtype == np.float32 for v in model.parameters_.values())
    assert model.predict_proba(X).dtype == np.float32
    assert history.costs[-1] < 0.35 and model.accuracy(X, Y) > 0.88


def test_resume_from_checkpoint_is_bit_identical(flower):
    X, Y = flower
    full = ShallowNetwork(n_h=4, num_iterations=300, seed=2, course=True)
    full.fit(X, Y)
    saved = {}

    def grab(event):
        if event.completed == 120:
            saved["cp"] = event.checkpoint()
            raise StopTraining

    part = ShallowNetwork(n_h=4, num_iterations=300, seed=2, course=True, callback=grab)
    part.fit(X, Y)
    cp = saved["cp"]
    assert isinstance(cp, Checkpoint) and cp.iteration == 120 and len(cp.history.costs) == 120
    resumed = ShallowNetwork(n_h=4, num_iterations=300, seed=2, course=True)
    history = resumed.fit(X, Y, resume_from=cp)
    for k in full.parameters_:
        np.testing.assert_array_equal(resumed.parameters_[k], full.parameters_[k])
    assert history.costs == full.history_.costs


def test_sample_weight_of_twos_equals_no_weights(flower):
    X, Y = flower
    a = ShallowNetwork(n_h=3, num_iterations=100, seed=0)
    b = ShallowNetwork(n_h=3, num_iterations=100, seed=0)
    a.fit(X, Y)
    b.fit(X, Y, sample_weight=np.full(X.shape[1], 2.0))
    for k in a.parameters_:
        np.testing.assert_allclose(a.parameters_[k], b.parameters_[k], rtol=1e-12, atol=1e-15)


def test_standardize_is_stored_and_applied():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=50, scale=10, size=(3, 80))
    Y = (X[0:1] > 50).astype(float)
    model = LogisticRegression(standardize=True, learning_rate=0.5, num_iterations=300)
    model.fit(X, Y)
    np.testing.assert_allclose(model.input_mean_, X.mean(axis=1, keepdims=True))
    assert model.accuracy(X, Y) > 0.95


def test_regression_with_identity_output():
    x = np.linspace(-1, 1, 50).reshape(1, -1)
    y = 3 * x + 0.5
    model = DeepNetwork([1, 1], output_activation="identity", learning_rate=0.5, num_iterations=500,
                        initialization="zeros")
    model.fit(x, y)
    np.testing.assert_allclose(model.parameters_["W1"], [[3.0]], atol=1e-6)
    np.testing.assert_allclose(model.parameters_["b1"], [[0.5]], atol=1e-6)


def test_train_function_on_a_separable_set_converges():
    X = np.array([[-2.0, -1.0, 1.0, 2.0]])
    Y = np.array([[0, 0, 1, 1]])
    result = train({"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}, X, Y, learning_rate=1.0, num_iterations=2000)
    assert result.history.costs[0] == pytest.approx(np.log(2))
    assert result.history.final_cost < 0.01


def test_config_round_trip():
    model = DeepNetwork([4, 3, 1], hidden_activation="tanh", learning_rate=0.3, seed=5)
    clone = Network.from_config(model.get_config())
    assert type(clone) is DeepNetwork and clone.get_config() == model.get_config()
    shallow = ShallowNetwork(n_h=7)
    assert Network.from_config(shallow.get_config()).n_h == 7


def test_import_denseflow_loads_only_numpy_and_scipy():
    # Every top-level package that `import denseflow` brings in, beyond the standard library and
    # what NumPy and SciPy load themselves, must be NumPy or SciPy.
    code = (
        "import sys, numpy, scipy.special; before = set(sys.modules);"
        "import denseflow, denseflow.models, denseflow.datasets, denseflow.training, denseflow.core.propagation;"
        "new = {m.split('.')[0] for m in set(sys.modules) - before};"
        "print(sorted(new - set(sys.stdlib_module_names) - {'denseflow', 'numpy', 'scipy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_failed_refit_leaves_the_fitted_model_unchanged(flower):
    X, Y = flower
    model = ShallowNetwork(n_h=3, num_iterations=20, seed=0)
    model.fit(X, Y)
    before = {k: v.copy() for k, v in model.parameters_.items()}
    X4 = np.vstack([X, X[:1]])
    with pytest.raises(ValueError, match="X_val"):
        model.fit(X4, Y, X_val=np.ones((2, 5)), Y_val=np.ones((1, 5)))
    assert model.layer_dims_ == [2, 3, 1]
    for k in before:
        np.testing.assert_array_equal(model.parameters_[k], before[k])
    assert model.predict(X).shape == (1, 400)


def test_divergence_is_caught_on_iterations_whose_cost_is_not_computed():
    X, Y, every = _diverging()
    _, _, sparse = _diverging(cost_every=50)
    with pytest.raises(TrainingDivergedError) as e_every:
        every.fit(X, Y)
    with pytest.raises(TrainingDivergedError) as e_sparse:
        sparse.fit(X, Y)
    assert all(np.all(np.isfinite(v)) for v in sparse.parameters_.values())
    # Z[L] overflows one iteration after the cost does: the sparse run stops right after.
    assert e_sparse.value.iteration in (e_every.value.iteration, e_every.value.iteration + 1)
    assert sparse.history_.iterations == [0]


def test_identity_output_defaults_to_squared_error_everywhere():
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.losses import default_loss
    from denseflow.core.propagation import model_backward, model_forward

    assert default_loss("identity") == "squared_error"
    x = np.linspace(-1, 1, 20).reshape(1, -1)
    y = 5 * x + 3  # real-valued targets: binary cross-entropy would reject them
    result = train({"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}, x, y, output_activation="identity",
                   learning_rate=0.5, num_iterations=200)
    np.testing.assert_allclose(result.parameters["W1"], [[5.0]], atol=1e-3)
    params = initialize_parameters([1, 2, 1], "he", 0)
    AL, caches = model_forward(x, params, output_activation="identity")
    grads = model_backward(AL, y, caches, output_activation="identity")
    assert grads["dW1"].shape == (2, 1)


def test_resume_beyond_num_iterations_is_an_error(flower):
    X, Y = flower
    saved = {}
    ShallowNetwork(n_h=2, num_iterations=10, seed=0, callback=lambda e: saved.setdefault("cp", e.checkpoint())
                   if e.completed == 9 else None).fit(X, Y)
    with pytest.raises(ValueError, match="beyond num_iterations=5"):
        ShallowNetwork(n_h=2, num_iterations=5, seed=0).fit(X, Y, resume_from=saved["cp"])
