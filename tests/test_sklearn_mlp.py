"""denseflow.sklearn speaks MLPClassifier's language (issue 15, part 5).

Oracles: scikit-learn's MLPClassifier / MLPRegressor themselves. With the same ``random_state``
both draw the same initial weights (MLP's Glorot-uniform) and the same epoch shuffles, and the
update rules are MLP's (Adam with the bias correction in the step, SGD with momentum / Nesterov,
'invscaling', 'adaptive', the tol and early-stopping rules), so the loss curves, the weights and
the validation scores agree to rounding. Besides: central-difference gradients of the mini-batch
cost (L2 and sample weights included), sparse and float32 input, multilabel y, the size of a
pickle, raw regression targets, the warning for a loss that rose, and — marked slow — the
acceptance comparison of the defaults on five data sets (benchmarks/sklearn_compare.py).
"""

from __future__ import annotations

import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from _differences import central_differences

pytest.importorskip("sklearn")

import scipy.sparse as sp  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import KFold, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from denseflow.core.activations import get_activation, leaky_relu
from denseflow.sklearn import DenseClassifier, DenseRegressor
from denseflow.sklearn.solvers import batch_gradients
from denseflow.training import TrainingDivergedError


@pytest.fixture(autouse=True)
def _quiet_and_one_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _scaled(X):
    return StandardScaler().fit_transform(X)


def _data(kind):
    if kind == "binary":
        X, y = load_breast_cancer(return_X_y=True)
        return _scaled(X), y
    if kind == "multiclass":
        X, y = load_iris(return_X_y=True)
        return _scaled(X), y
    if kind == "multilabel":
        X, y = make_multilabel_classification(n_samples=300, n_features=8, n_classes=4, random_state=0)
        return _scaled(X), y
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2 if kind == "regression2" else 1, noise=1.0,
                           random_state=0)
    return X, y / 100.0


# ---------------------------------------------------------------- the same parameters, by name

@pytest.mark.parametrize("mlp, dense", [(MLPClassifier, DenseClassifier), (MLPRegressor, DenseRegressor)])
def test_every_mlp_parameter_is_accepted_with_mlps_default(mlp, dense):
    ours = dense().get_params()
    for name, value in mlp().get_params().items():
        assert name in ours, name
        assert ours[name] == value, (name, ours[name], value)


def test_an_mlp_line_becomes_a_dense_line_by_its_name_alone():
    line = ("{}(hidden_layer_sizes=(20, 10), activation='logistic', solver='sgd', alpha=1e-3, batch_size=32, "
            "learning_rate='adaptive', learning_rate_init=0.05, power_t=0.4, max_iter=60, shuffle=True, "
            "random_state=1, tol=1e-3, verbose=False, warm_start=False, momentum=0.8, nesterovs_momentum=False, "
            "early_stopping=True, validation_fraction=0.2, beta_1=0.8, beta_2=0.99, epsilon=1e-7, "
            "n_iter_no_change=5, max_fun=100)")
    X, y = _data("binary")
    mlp = eval(line.format("MLPClassifier"), {"MLPClassifier": MLPClassifier}).fit(X, y)  # noqa: S307
    dense = eval(line.format("DenseClassifier"), {"DenseClassifier": DenseClassifier}).fit(X, y)  # noqa: S307
    assert dense.n_iter_ == mlp.n_iter_ and dense.validation_scores_ == mlp.validation_scores_
    np.testing.assert_allclose(dense.loss_curve_, mlp.loss_curve_, rtol=1e-10)
    np.testing.assert_array_equal(dense.predict(X), mlp.predict(X))


# ---------------------------------------------------------------- the same trajectories

TRAJECTORIES = [
    ("binary", {}),
    ("multiclass", {}),
    ("multilabel", {}),
    ("binary", {"solver": "sgd"}),
    ("multiclass", {"solver": "sgd", "nesterovs_momentum": False, "batch_size": 16}),
    ("binary", {"solver": "sgd", "momentum": 0.0, "learning_rate": "invscaling", "learning_rate_init": 0.5}),
    ("multiclass", {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.05, "n_iter_no_change": 2}),
    ("binary", {"early_stopping": True, "alpha": 0.01}),
    ("multiclass", {"solver": "sgd", "early_stopping": True, "validation_fraction": 0.2}),
    ("multiclass", {"activation": "tanh", "hidden_layer_sizes": (7, 5), "shuffle": False}),
    ("binary", {"activation": "logistic", "beta_1": 0.5, "epsilon": 1e-6}),
    ("multiclass", {"activation": "identity", "batch_size": 50}),
    ("regression", {"standardize_targets": False}),
    ("regression2", {"standardize_targets": False, "solver": "sgd", "learning_rate_init": 0.01, "alpha": 0.0}),
    ("regression", {"standardize_targets": False, "early_stopping": True}),
]


@pytest.mark.parametrize("kind, params", TRAJECTORIES, ids=[f"{k}-{'-'.join(p) or 'defaults'}" for k, p in TRAJECTORIES])
def test_same_loss_curve_weights_and_scores_as_mlp(kind, params):
    X, y = _data(kind)
    regression = kind.startswith("regression")
    mlp_params = {k: v for k, v in params.items() if k != "standardize_targets"}
    mlp = (MLPRegressor if regression else MLPClassifier)(random_state=0, max_iter=40, **mlp_params).fit(X, y)
    dense = (DenseRegressor if regression else DenseClassifier)(random_state=0, max_iter=40, **params).fit(X, y)
    assert dense.n_iter_ == mlp.n_iter_ and dense.t_ == mlp.t_
    # MLP's squared loss averages over the outputs too, ((y − p)²).mean() / 2, but its gradient
    # (deltas = p − y) is that of the sum over outputs, which is denseflow's J = (1/m) Σ ½‖ŷ − y‖²:
    # the same steps, a loss n_outputs times MLP's (without L2).
    scale = y.shape[1] if regression and y.ndim == 2 else 1
    np.testing.assert_allclose(dense.loss_curve_, scale * np.array(mlp.loss_curve_), rtol=1e-9)
    assert dense.loss_ == pytest.approx(scale * mlp.loss_, rel=1e-9)
    assert (dense.best_loss_ is None) == (mlp.best_loss_ is None)
    assert dense.validation_scores_ == pytest.approx(mlp.validation_scores_, rel=1e-12) if mlp.validation_scores_ \
        else dense.validation_scores_ is None
    for ours, theirs in zip(dense.coefs_ + dense.intercepts_, mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
    if regression:
        np.testing.assert_allclose(dense.predict(X), mlp.predict(X), rtol=1e-7, atol=1e-9)
    else:
        np.testing.assert_allclose(dense.predict_proba(X), mlp.predict_proba(X), rtol=1e-7, atol=1e-9)


def test_partial_fit_continues_adam_like_mlp():
    X, y = _data("binary")
    mlp, dense = MLPClassifier(random_state=0), DenseClassifier(random_state=0)
    for _ in range(4):
        mlp.partial_fit(X, y, classes=[0, 1])
        dense.partial_fit(X, y, classes=[0, 1])
    # (MLP's n_iter_ restarts at every call: it is 1 after each; denseflow's counts all epochs.)
    assert dense.n_iter_ == len(mlp.loss_curve_) == 4 and dense.t_ == mlp.t_ == 4 * len(y)
    np.testing.assert_allclose(dense.loss_curve_, mlp.loss_curve_, rtol=1e-10)


def test_lbfgs_takes_mlps_steps():
    X, y = _data("multilabel")
    mlp = MLPClassifier(solver="lbfgs", random_state=0, max_iter=50).fit(X, y)
    dense = DenseClassifier(solver="lbfgs", random_state=0, max_iter=50).fit(X, y)
    assert dense.n_iter_ == mlp.n_iter_
    assert dense.loss_ == pytest.approx(mlp.loss_, rel=1e-6)
    assert len(dense.loss_curve_) == dense.n_iter_ and dense.loss_curve_[-1] == pytest.approx(dense.loss_, rel=1e-12)


# ---------------------------------------------------------------- MLP's attributes

@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "regression", "regression2"])
def test_fitted_attributes_have_mlps_shapes(kind):
    X, y = _data(kind)
    regression = kind.startswith("regression")
    kw = dict(hidden_layer_sizes=(6, 4), max_iter=3, random_state=0)
    mlp = (MLPRegressor if regression else MLPClassifier)(**kw).fit(X, y)
    dense = (DenseRegressor if regression else DenseClassifier)(**kw).fit(X, y)
    assert [c.shape for c in dense.coefs_] == [c.shape for c in mlp.coefs_]
    assert [b.shape for b in dense.intercepts_] == [b.shape for b in mlp.intercepts_]
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_", "n_features_in_"):
        assert getattr(dense, name) == getattr(mlp, name), name
    assert len(dense.loss_curve_) == len(mlp.loss_curve_) and isinstance(dense.best_loss_, float)
    assert dense.predict(X).shape == mlp.predict(X).shape
    if not regression:
        np.testing.assert_array_equal(dense.classes_, mlp.classes_)
        assert dense.predict_proba(X).shape == mlp.predict_proba(X).shape
        assert dense.predict(X).dtype == mlp.predict(X).dtype
    # coefs_ and intercepts_ are views of the course's parameters: W[l] = coefs_[l-1]ᵀ.
    for l, (W, b) in enumerate(zip(dense.coefs_, dense.intercepts_), start=1):
        assert np.shares_memory(W, dense.parameters_[f"W{l}"]) and dense.parameters_[f"W{l}"].shape == W.T.shape
        assert np.shares_memory(b, dense.parameters_[f"b{l}"]) and dense.parameters_[f"b{l}"].shape == (b.size, 1)


# ---------------------------------------------------------------- the mini-batch gradients

def _numeric_grads(params, X, Y, w, hidden, output, alpha):
    return central_differences(lambda p: batch_gradients(p, X, Y, w, hidden, output, alpha)[0], params)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "identity", "leaky_relu"])
@pytest.mark.parametrize("output, n_out", [("sigmoid", 1), ("sigmoid", 3), ("softmax", 3), ("identity", 2)])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_batch_gradients_match_central_differences(hidden, output, n_out, weighted):
    rng = np.random.default_rng(0)
    m, dims = 7, [4, 5, 3, n_out]
    X = rng.standard_normal((m, dims[0]))  # scikit-learn's rows
    if output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, m)].T
    elif output == "sigmoid":
        Y = rng.integers(0, 2, (n_out, m)).astype(float)  # one label, or several (multilabel)
    else:
        Y = rng.standard_normal((n_out, m))
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.7
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.3
    w = rng.uniform(0.2, 3.0, (1, m)) if weighted else None
    g_hidden = leaky_relu(0.05) if hidden == "leaky_relu" else get_activation(hidden)
    loss, grads = batch_gradients(params, X, Y, w, g_hidden, get_activation(output), 0.3)
    numeric = _numeric_grads(params, X, Y, w, g_hidden, get_activation(output), 0.3)
    for key in grads:
        assert grads[key].shape == numeric[key].shape
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-5, atol=1e-6, err_msg=key)
    # J includes α/(2 Σw) Σ‖W‖²: the same parameters without L2 cost exactly that much less.
    l2 = 0.3 / (2 * (m if w is None else w.sum())) * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, len(dims)))
    assert loss - batch_gradients(params, X, Y, w, g_hidden, get_activation(output), 0.0)[0] == pytest.approx(l2)


# ---------------------------------------------------------------- inputs: sparse, float32, multilabel

@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_X_trains_as_the_dense_X(fmt):
    X, y = _data("multiclass")
    X[np.abs(X) < 0.5] = 0.0
    dense_X = DenseClassifier(random_state=0, max_iter=20).fit(X, y)
    sparse_X = DenseClassifier(random_state=0, max_iter=20).fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse_X.loss_curve_, dense_X.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(sparse_X.predict_proba(sp.csr_matrix(X)), dense_X.predict_proba(X), rtol=1e-10)
    reg = DenseRegressor(random_state=0, max_iter=5).fit(sp.csr_matrix(X), X[:, 0] * 3)
    assert reg.predict(sp.csr_matrix(X)).shape == (len(X),)


def test_float32_input_stays_float32():
    X, y = _data("binary")
    as64 = DenseClassifier(random_state=0, max_iter=20).fit(X, y)
    as32 = DenseClassifier(random_state=0, max_iter=20).fit(X.astype(np.float32), y)
    assert all(v.dtype == np.float32 for v in as32.parameters_.values())
    assert as32.predict_proba(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(as32.loss_curve_, as64.loss_curve_, rtol=1e-3)
    forced = DenseClassifier(random_state=0, max_iter=2, dtype="float64").fit(X.astype(np.float32), y)
    assert forced.parameters_["W1"].dtype == np.float64


def test_multilabel_y_gets_one_sigmoid_per_label():
    X, y = _data("multilabel")
    clf = DenseClassifier(random_state=0, max_iter=100).fit(X, y)
    assert clf.output_activation_ == "sigmoid" and clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert clf.predict(X).shape == y.shape and set(np.unique(clf.predict(X))) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == y.shape and np.all((proba > 0) & (proba < 1))
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert clf.score(X, y) > 0.5  # subset accuracy
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        DenseClassifier().fit(X, np.column_stack([y[:, 0] * 2, y[:, 1]]))
    with pytest.raises(ValueError, match="class_weight is for single-label y"):
        DenseClassifier(class_weight="balanced").fit(X, y)


# ---------------------------------------------------------------- stopping and storing

def test_a_loss_that_rose_is_not_called_converged():
    # The case: unscaled breast-cancer data and a large full-batch step: the loss goes from
    # 29 to 328,490 and back down to a flat 1.16 (predicting the majority class), where the tol
    # rule stops. That stop must not pass for convergence.
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"not convergence: it rose from 28\.97\d+ in epoch 1 to 328,?49"):
        clf = DenseClassifier(solver="gd", learning_rate_init=0.1, random_state=0).fit(X, y)
    assert max(clf.loss_curve_) > 1e5 and clf.n_iter_ < 200
    # The defaults (Adam) on the same unscaled data fall without such a detour, and stop quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fine = DenseClassifier(random_state=0).fit(X, y)
    assert fine.score(X, y) > 0.9


def test_divergence_raises_and_keeps_the_last_finite_parameters():
    X = np.random.default_rng(0).standard_normal((100, 3))
    y = 1e6 * X[:, 0]  # unscaled targets, standardization off, a large SGD step
    reg = DenseRegressor(standardize_targets=False, solver="sgd", learning_rate_init=1.0, max_iter=50)
    with pytest.raises(TrainingDivergedError, match=r"the cost became inf at epoch \d+") as info:
        reg.fit(X, y)
    assert info.value.unit == "epoch"  # max_iter counts epochs
    assert any("standardize_targets=True" in note for note in info.value.__notes__)
    assert all(np.all(np.isfinite(v)) for v in reg.parameters_.values())
    assert len(reg.loss_curve_) == reg.n_iter_ < 50


def test_pickle_holds_the_weights_once_with_early_stopping():
    X, y = make_classification(n_samples=600, n_features=60, random_state=0)
    kw = dict(hidden_layer_sizes=(100,), max_iter=30, random_state=0)
    plain = DenseClassifier(**kw).fit(X, y)
    early = DenseClassifier(early_stopping=True, **kw).fit(X, y)
    weights = sum(v.nbytes for v in early.parameters_.values())  # 49 KiB of float64
    assert len(pickle.dumps(early)) < 1.1 * weights
    assert len(pickle.dumps(early)) < len(pickle.dumps(plain)) + 2000  # a few more scores, not a second copy
    # partial_fit keeps the optimizer state (Adam's v and s: twice the weights) to continue it.
    online = DenseClassifier(**kw).partial_fit(X, y, classes=[0, 1])
    assert len(pickle.dumps(online)) > 2.9 * weights


def test_regressor_defaults_fit_raw_diabetes_targets():
    X, y = load_diabetes(return_X_y=True)  # y in 25 … 346
    folds = KFold(3, shuffle=True, random_state=0)
    dense = cross_val_score(make_pipeline(StandardScaler(), DenseRegressor(random_state=0)), X, y, cv=folds,
                            error_score="raise")
    mlp = cross_val_score(make_pipeline(StandardScaler(), MLPRegressor(random_state=0)), X, y, cv=folds)
    assert dense.mean() > 0.4  # R²; MLPRegressor's defaults reach about −1 here (200 epochs of 1e-3 steps)
    assert dense.mean() > mlp.mean() + 0.5
    reg = DenseRegressor(random_state=0).fit(StandardScaler().fit_transform(X), y)
    assert reg.target_mean_[0] == pytest.approx(y.mean()) and reg.target_std_[0] == pytest.approx(y.std())


def test_bad_combinations_explain_the_fix():
    X, y = _data("binary")
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        DenseClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    X3, y3 = _data("multiclass")  # (MLP does not stratify the split of several classes)
    with pytest.raises(ValueError, match="validation set of DenseClassifier is too small"):
        DenseClassifier(early_stopping=True, validation_fraction=0.01).fit(X3[::3], y3[::3])
    with pytest.warns(UserWarning, match="batch_size=1000 is larger than the 569 training examples"):
        DenseClassifier(batch_size=1000, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="'loss' parameter of DenseRegressor"):
        DenseRegressor(loss="poisson").fit(X, y)


# ---------------------------------------------------------------- the acceptance comparison (slow)

def _compare_module():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "sklearn_compare.py"
    spec = importlib.util.spec_from_file_location("sklearn_compare", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breast_cancer", "digits", "wine", "iris", "moons"])
def test_defaults_match_mlp_defaults_on_five_data_sets(name):
    # 5-fold CV with a StandardScaler, seeds 0 and 1: accuracy within 0.5 points of
    # MLPClassifier()'s, log-loss at most 1.1 times its (fit time: benchmarks/sklearn_compare.py).
    ((_, dense_acc, mlp_acc, delta, dense_ll, mlp_ll, ratio, *_),) = _compare_module().compare([name], seeds=(0, 1))
    assert delta >= -0.5, (name, dense_acc, mlp_acc)
    assert ratio <= 1.1, (name, dense_ll, mlp_ll)
