"""Tests for denseflow.sklearn: scikit-learn's estimator checks with the default parameters, searches
against MLPClassifier, the course's planar figure, weights, warm starts and early stopping.
(MLP's parameters, attributes and trajectories: tests/test_sklearn_mlp.py.)"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer, load_digits, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import recall_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from denseflow.datasets import planar_flower
from denseflow.models import ShallowNetwork
from denseflow.sklearn import DenseClassifier, DenseRegressor

log = logging.getLogger(__name__)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: one BLAS thread is fastest, and immune to a busy machine's oversubscription."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1):
        yield


# ---------------------------------------------------------------- scikit-learn's contract

# The DEFAULT parameters (Adam, mini-batches, 200 epochs, 100 ReLU units; the regressor
# standardizes its targets, so make_regression's unscaled y trains too): about 10 s for both.
CHECKED = [DenseClassifier(), DenseRegressor()]


def _expected_failed_checks(estimator):
    # None: both estimators pass every check of the installed scikit-learn (at most 3 may be listed
    # here, each with its reason, e.g. {"check_name": "why it cannot pass"}).
    return {}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- against MLPClassifier

def _search(estimator, X, y, max_iter):
    pipe = make_pipeline(StandardScaler(), estimator)
    step = pipe.steps[-1][0]
    grid = {f"{step}__hidden_layer_sizes": [(16,), (64,)], f"{step}__learning_rate_init": [0.1, 0.5]}
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3), error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # MLP clips batch_size=len(X_train) to each (smaller) CV fold: still full batch, as intended.
        warnings.filterwarnings("ignore", message="Got `batch_size` less than 1 or larger than sample size")
        return search.fit(X, y)


@pytest.mark.parametrize(
    "loader",
    [load_breast_cancer, pytest.param(load_digits, marks=pytest.mark.slow)],
    ids=["breast_cancer", "digits"],
)
def test_grid_search_matches_mlp_classifier(loader, record_property):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    max_iter = 300
    dense = _search(DenseClassifier(solver="gd", alpha=0.0, max_iter=max_iter, random_state=0), X_train, y_train,
                    max_iter)
    # MLPClassifier configured the same way: full-batch gradient descent with a constant step.
    mlp = MLPClassifier(solver="sgd", batch_size=len(X_train), momentum=0.0, alpha=0.0, learning_rate="constant",
                        shuffle=False, max_iter=max_iter, random_state=0)
    mlp = _search(mlp, X_train, y_train, max_iter)
    report = (
        f"{loader.__name__}: 3-fold CV accuracy DenseClassifier {dense.best_score_:.4f} vs MLPClassifier "
        f"{mlp.best_score_:.4f}; test accuracy {dense.score(X_test, y_test):.4f} vs {mlp.score(X_test, y_test):.4f}"
    )
    record_property("dense_cv_accuracy", round(dense.best_score_, 4))
    record_property("mlp_cv_accuracy", round(mlp.best_score_, 4))
    log.info(report)  # shown with -rA --log-level=INFO
    # Same initial weights (MLP's draws), same full-batch steps, same stopping rule: the same
    # searches, score for score.
    np.testing.assert_allclose(dense.cv_results_["mean_test_score"], mlp.cv_results_["mean_test_score"], atol=1e-12)
    assert dense.best_params_ == {k.replace("mlpclassifier", "denseclassifier"): v for k, v in mlp.best_params_.items()}
    assert dense.score(X_test, y_test) > 0.93, report


# ---------------------------------------------------------------- the course, one transpose away

def test_course_planar_flower_reproduces_90_75_percent():
    X, Y = planar_flower()  # course layout: X (2, 400), Y (1, 400)
    clf = DenseClassifier(hidden_layer_sizes=(4,), activation="tanh", learning_rate_init=1.2, max_iter=10000,
                          initialization="random", random_state=2, course=True)
    clf.fit(X.T, Y.ravel())
    assert clf.score(X.T, Y.ravel()) == 0.9075
    assert clf.n_iter_ == len(clf.loss_curve_) == 10000  # course=True runs every iteration
    assert round(clf.loss_curve_[0], 6) == 0.693048
    assert round(clf.loss_curve_[1000], 6) == 0.288083
    model = ShallowNetwork(n_h=4, hidden_activation="tanh", learning_rate=1.2, num_iterations=10000, seed=2,
                           course=True)
    model.fit(X, Y)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(clf.parameters_[key], model.parameters_[key])


# ---------------------------------------------------------------- weights

def _blobs(seed=0):
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=seed)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("make", [DenseClassifier, DenseRegressor])
def test_sample_weight_of_twos_gives_the_unweighted_model(make):
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(8,), solver="gd", alpha=0.0, learning_rate_init=0.1, max_iter=60, random_state=3,
              tol=None)
    plain = make(**kw).fit(X, y)
    twos = make(**kw).fit(X, y, sample_weight=np.full(len(y), 2.0))
    for key, value in plain.parameters_.items():
        np.testing.assert_allclose(twos.parameters_[key], value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(twos.loss_curve_, plain.loss_curve_, rtol=1e-12)


def test_integer_sample_weights_equal_repeated_rows():
    X, y = _blobs()
    w = np.arange(len(y)) % 3  # 0, 1 or 2 copies of each row
    kw = dict(hidden_layer_sizes=(8,), solver="gd", alpha=0.0, learning_rate_init=0.3, max_iter=50, random_state=1,
              tol=None)
    weighted = DenseClassifier(**kw).fit(X, y, sample_weight=w)
    repeated = DenseClassifier(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)


def test_balanced_class_weight_improves_minority_recall():
    X, y = make_classification(n_samples=1000, n_features=8, n_informative=4, weights=[0.93, 0.07], class_sep=0.7,
                               flip_y=0.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    kw = dict(hidden_layer_sizes=(16,), solver="gd", learning_rate_init=0.3, max_iter=300, random_state=0, tol=None)
    plain = make_pipeline(StandardScaler(), DenseClassifier(**kw)).fit(X_train, y_train)
    balanced = make_pipeline(StandardScaler(), DenseClassifier(class_weight="balanced", **kw)).fit(X_train, y_train)
    recall_plain = recall_score(y_test, plain.predict(X_test))
    recall_balanced = recall_score(y_test, balanced.predict(X_test))
    assert recall_balanced >= recall_plain + 0.1, (recall_plain, recall_balanced)


def test_class_weight_dict_scales_the_examples_of_a_class():
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(8,), solver="gd", learning_rate_init=0.2, max_iter=30, random_state=0, tol=None)
    by_class = DenseClassifier(class_weight={0: 3.0, 2: 0.5}, **kw).fit(X, y)
    by_sample = DenseClassifier(**kw).fit(X, y, sample_weight=np.choose(y, [3.0, 1.0, 0.5]))
    np.testing.assert_allclose(by_class.parameters_["W1"], by_sample.parameters_["W1"], rtol=1e-12)


# ---------------------------------------------------------------- continuing: warm_start and partial_fit

def test_warm_start_continues_training_and_history():
    X, y = _blobs()
    # Full-batch gradient descent keeps no optimizer state, so 5 + 5 epochs are 10 epochs.
    kw = dict(hidden_layer_sizes=(8,), solver="gd", learning_rate_init=0.2, random_state=0, tol=None)
    once = DenseClassifier(max_iter=10, **kw).fit(X, y)
    warm = DenseClassifier(max_iter=5, warm_start=True, **kw).fit(X, y)
    first_curve = list(warm.loss_curve_)
    warm.fit(X, y)
    assert warm.n_iter_ == len(warm.loss_curve_) == 10 and warm.t_ == 10 * len(y)
    assert warm.loss_curve_[:5] == first_curve
    np.testing.assert_allclose(warm.loss_curve_, once.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(warm.parameters_["W2"], once.parameters_["W2"], rtol=1e-12)


@pytest.mark.parametrize("make", [DenseClassifier, DenseRegressor])
def test_partial_fit_is_one_epoch_each(make):
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(8,), solver="gd", learning_rate_init=0.2, random_state=0, tol=None)
    full = make(max_iter=4, **kw).fit(X, y)
    inc = make(**kw)
    extra = {"classes": np.unique(y)} if make is DenseClassifier else {}
    for _ in range(4):
        inc.partial_fit(X, y, **extra)
        extra = {}
    assert inc.n_iter_ == len(inc.loss_curve_) == 4
    np.testing.assert_allclose(inc.loss_curve_, full.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(inc.predict(X), full.predict(X))


def test_partial_fit_after_fit_keeps_growing_the_history():
    X, y = _blobs()
    clf = DenseClassifier(hidden_layer_sizes=(8,), max_iter=7, random_state=0, tol=None).fit(X, y)
    clf.partial_fit(X[:50], y[:50])
    assert clf.n_iter_ == len(clf.loss_curve_) == 8 and clf.t_ == 7 * len(y) + 50


# ---------------------------------------------------------------- stopping rules

def test_early_stopping_counts_epochs_and_keeps_the_best_parameters_once():
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=2000, early_stopping=True,
              n_iter_no_change=5, random_state=0)
    best = DenseClassifier(**kw).fit(X, y)
    assert best.n_iter_ < 2000 and best.best_loss_ is None
    assert len(best.validation_scores_) == best.n_iter_ == len(best.loss_curve_)
    assert best.best_validation_score_ == max(best.validation_scores_)
    # Patience in epochs: the first best epoch, then n_iter_no_change + 1 epochs without a gain of tol.
    first_best = best.validation_scores_.index(best.best_validation_score_) + 1
    assert best.n_iter_ >= first_best + best.n_iter_no_change + 1
    last = DenseClassifier(restore_best_weights=False, **kw).fit(X, y)
    assert last.n_iter_ == best.n_iter_ and last.validation_scores_ == best.validation_scores_
    assert not np.array_equal(last.parameters_["W1"], best.parameters_["W1"])
    assert not hasattr(best, "best_parameters_")  # the best weights are parameters_, stored once
    # The same run stopped by max_iter at the first best epoch ends with exactly these parameters.
    at_best = DenseClassifier(**{**kw, "max_iter": first_best})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        at_best.fit(X, y)
    for key, value in at_best.parameters_.items():
        np.testing.assert_array_equal(best.parameters_[key], value)


def test_tol_stops_training_and_max_iter_warns():
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    stopped = DenseClassifier(max_iter=5000, tol=1e-3, n_iter_no_change=3, **kw).fit(X, y)
    assert stopped.n_iter_ < 5000
    assert stopped.best_loss_ == min(stopped.loss_curve_) and stopped.loss_ == stopped.loss_curve_[-1]
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        DenseClassifier(max_iter=5, **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert DenseClassifier(max_iter=5, tol=None, **kw).fit(X, y).n_iter_ == 5


# ---------------------------------------------------------------- the rest of the contract

def test_dataframe_feature_names_float32_and_binary_probabilities():
    pd = pytest.importorskip("pandas")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = ((X - X.mean()) / X.std()).astype(np.float32)  # float32 data train in float32 (dtype=None)
    labels = np.where(y == 1, "benign", "malignant")
    clf = DenseClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=100, random_state=0,
                          tol=None).fit(X, labels)
    assert isinstance(X, pd.DataFrame)
    assert list(clf.feature_names_in_) == list(X.columns) and clf.n_features_in_ == 30
    assert clf.parameters_["W1"].shape == (8, 30) and clf.parameters_["W1"].dtype == np.float32
    assert clf.coefs_[0].shape == (30, 8) and clf.coefs_[0].dtype == np.float32
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float32
    assert proba.shape == (len(X), 2) and list(clf.classes_) == ["benign", "malignant"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert clf.score(X, labels) > 0.95


@pytest.mark.parametrize("activation", ["leaky_relu", "sigmoid", "logistic", "identity", "tanh"])
def test_hidden_activations_and_no_hidden_layer(activation):
    X, y = _blobs()
    clf = DenseClassifier(hidden_layer_sizes=(16, 8), activation=activation, learning_rate_init=0.01, max_iter=300,
                          random_state=0, tol=None).fit(X, y)
    assert clf.layer_dims_ == [6, 16, 8, 3] and clf.output_activation_ == "softmax" and clf.n_layers_ == 4
    assert clf.score(X, y) > 0.7
    linear = DenseClassifier(hidden_layer_sizes=(), initialization="zeros", max_iter=20, tol=None).fit(X, y)
    assert linear.layer_dims_ == [6, 3]


def test_regressor_fits_a_parabola_and_several_outputs():
    x = np.linspace(-2, 2, 200).reshape(-1, 1)
    y = np.column_stack([x.ravel() ** 2, -x.ravel()])
    reg = DenseRegressor(hidden_layer_sizes=(16,), activation="tanh", learning_rate_init=0.01, max_iter=1000,
                         random_state=0, tol=None).fit(x, y)
    assert reg.predict(x).shape == (200, 2) and reg.output_activation_ == "identity"
    assert reg.score(x, y) > 0.97
    single = DenseRegressor((16,), "tanh", max_iter=50, random_state=0, tol=None).fit(x, y[:, 0])
    assert single.predict(x).shape == (200,)


@pytest.mark.parametrize(
    "params, exc, fragment",
    [
        ({"activation": "sigmod"}, InvalidParameterError, "The 'activation' parameter of DenseClassifier must be"),
        ({"learning_rate_init": 0}, InvalidParameterError, "'learning_rate_init' parameter of DenseClassifier"),
        ({"hidden_layer_sizes": (10, 0)}, InvalidParameterError, "sequence of ints >= 1"),
        ({"initialization": "glorot"}, InvalidParameterError, "'initialization' parameter"),
        ({"dtype": "float16"}, InvalidParameterError, "'dtype' parameter"),
        ({"solver": "newton"}, InvalidParameterError, "The 'solver' parameter of DenseClassifier must be a str among"),
        ({"batch_size": 0}, InvalidParameterError, "'batch_size' parameter"),
        ({"learning_rate": "cosine"}, InvalidParameterError, "'learning_rate' parameter"),
        ({"momentum": 1.5}, InvalidParameterError, "'momentum' parameter"),
        ({"beta_2": 1.0}, InvalidParameterError, "'beta_2' parameter"),
        ({"class_weight": "even"}, InvalidParameterError, "'class_weight' parameter"),
    ],
)
def test_bad_parameters_raise_in_fit_with_sklearn_messages(params, exc, fragment):
    clf = DenseClassifier(**params)  # __init__ only stores
    X, y = _blobs()
    with pytest.raises(exc, match=fragment):
        clf.fit(X, y)


def test_bad_calls_explain_the_fix():
    X, y = _blobs()
    with pytest.raises(ValueError, match="only one class"):
        DenseClassifier(max_iter=2).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        DenseClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        DenseClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    warm = DenseClassifier(max_iter=2, warm_start=True, tol=None).fit(X, y)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        warm.fit(X, np.where(y == 2, 1, y))
    warm.set_params(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="warm_start=False"):
        warm.fit(X, y)
