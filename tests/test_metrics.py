"""Evaluation and inspection: metrics equal scikit-learn's on the same predictions; the model summary."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn import metrics as skm  # noqa: E402

from denseflow import datasets  # noqa: E402
from denseflow.models import DeepNetwork, LogisticRegression, ShallowNetwork  # noqa: E402
from denseflow.models.metrics import evaluate, format_metrics  # noqa: E402
from denseflow.plots import plot_confusion_matrix, plot_predicted_vs_true, plot_roc  # noqa: E402


@pytest.fixture(scope="module")
def planar_model():
    X, Y = datasets.planar_flower()
    model = ShallowNetwork(n_h=4, num_iterations=500, course=True, seed=2)
    model.fit(X, Y)
    return model, X, Y


def test_binary_metrics_equal_scikit_learn(planar_model):
    model, X, Y = planar_model
    report = evaluate(model, X, Y)
    y, p = Y.ravel().astype(int), model.predict_proba(X).ravel()
    yhat = (p > 0.5).astype(int)
    assert report["accuracy"] == skm.accuracy_score(y, yhat) == model.accuracy(X, Y)
    assert report["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert report["log_loss"] == pytest.approx(model.cost(X, Y), rel=1e-9)  # the cost J, no regularization
    assert report["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert report["confusion_matrix"] == skm.confusion_matrix(y, yhat).tolist()
    P, R, F, S = skm.precision_recall_fscore_support(y, yhat)
    for c in (0, 1):
        row = report["per_class"][c]
        assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((P[c], R[c], F[c], S[c]))
    macro = skm.precision_recall_fscore_support(y, yhat, average="macro")
    assert (report["macro"]["precision"], report["macro"]["recall"], report["macro"]["f1"]) == pytest.approx(macro[:3])


def test_multiclass_metrics_and_class_names_equal_scikit_learn():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 300))
    Y = ((X[0] > 0) * 2 + (X[1] > 0.3)).reshape(1, -1)  # four classes, quadrants
    model = DeepNetwork([2, 8, 4], num_iterations=300, learning_rate=0.5, seed=1)
    model.fit(X, Y.astype(int), class_names=["a", "b", "c", "d"])
    report = evaluate(model, X, Y.astype(int))
    y = Y.ravel().astype(int)
    proba = model.predict_proba(X).T
    yhat = proba.argmax(axis=1)
    assert report["classes"] == ["a", "b", "c", "d"]
    assert report["roc_auc"] is None
    assert report["log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-12)
    assert report["confusion_matrix"] == skm.confusion_matrix(y, yhat, labels=[0, 1, 2, 3]).tolist()
    f1 = skm.f1_score(y, yhat, average=None, labels=[0, 1, 2, 3], zero_division=0)
    assert [r["f1"] for r in report["per_class"]] == pytest.approx(f1)
    table = format_metrics(report)
    assert "macro avg" in table and "confusion matrix" in table and "ROC-AUC" not in table


def test_regression_metrics_equal_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 200))
    Y = (X[0:1] * 2 - X[1:2] + 0.1 * rng.standard_normal((1, 200)))
    model = DeepNetwork([3, 8, 1], output_activation="identity", num_iterations=300, learning_rate=0.05, seed=0)
    model.fit(X, Y)
    report = evaluate(model, X, Y)
    yhat = model.predict(X).ravel()
    assert report["task"] == "regression"
    assert report["mse"] == pytest.approx(skm.mean_squared_error(Y.ravel(), yhat), rel=1e-12)
    assert report["mae"] == pytest.approx(skm.mean_absolute_error(Y.ravel(), yhat), rel=1e-12)
    assert report["r2"] == pytest.approx(skm.r2_score(Y.ravel(), yhat), rel=1e-12)
    assert report["r2"] > 0.9
    assert format_metrics(report).startswith("MSE ")


def test_evaluate_rejects_data_of_another_shape(planar_model):
    model, X, Y = planar_model
    with pytest.raises(ValueError, match="X has 3 features, but"):
        evaluate(model, np.zeros((3, 4)), Y[:, :4])


def test_unfitted_model_is_refused():
    with pytest.raises(ValueError, match="not fitted"):
        evaluate(LogisticRegression(), np.zeros((1, 2)), np.array([[0, 1]]))


def test_summary_counts_every_parameter_and_names_the_shapes():
    X, Y = datasets.planar_flower()
    model = DeepNetwork([2, 5, 3, 1], num_iterations=20, seed=0, standardize=True)
    model.fit(X, Y, class_names=["red", "blue"])
    s = model.summary()
    assert s.total_parameters == sum(a.size for a in model.parameters_.values()) == 5 * 2 + 5 + 3 * 5 + 3 + 3 + 1
    assert [layer["W"] for layer in s.layers] == [model.parameters_[f"W{l}"].shape for l in (1, 2, 3)]
    assert [layer["activation"] for layer in s.layers] == ["relu", "relu", "sigmoid"]
    assert s.classes == ["red", "blue"] and s.standardized and s.history_length == 20
    d = s.to_dict()
    assert d["layers"][0]["W"] == [5, 2] and d["config"]["layer_dims"] == [2, 5, 3, 1]
    text = str(s)
    assert "DeepNetwork: 3 layers, 37 parameters" in text and "classes: red, blue" in text


def test_pictures_of_the_metrics(planar_model):
    model, X, Y = planar_model
    report = evaluate(model, X, Y)
    fig = plot_confusion_matrix(report["confusion_matrix"], report["classes"])
    assert [int(t.get_text()) for t in fig.axes[0].texts] == [n for row in report["confusion_matrix"] for n in row]
    fig = plot_roc(Y, model.predict_proba(X))
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == f"AUC = {report['roc_auc']:.3f}"
    fig = plot_predicted_vs_true([[1.0, 2.0]], [[1.5, 2.5]])
    assert len(fig.axes[0].collections) == 1
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix([[1, 2, 3]])
    with pytest.raises(ValueError, match="both classes"):
        plot_roc([[1, 1]], [[0.2, 0.9]])


def test_summary_of_second_course_training_and_standardized_targets():
    X, Y = datasets.planar_flower()
    model = DeepNetwork([2, 6, 1], optimizer="adam", batch_size=100, num_epochs=3, learning_rate=0.01, lambd=0.5,
                        seed=0)
    model.fit(X, Y)
    s = model.summary()
    assert s.history_unit == "epoch" and s.history_length == 3 and s.fitted["n_updates"] == 3 * 4
    text = str(s)
    assert "trained: 3 epochs recorded (costs from epoch 0 to 2)" in text
    assert text.splitlines()[-1] == "training: optimizer=adam, batch_size=100, num_epochs=3, lambd=0.5"
    y = 300 + 40 * X[:1] - 7 * X[1:]
    reg = DeepNetwork([2, 4, 1], output_activation="identity", standardize_targets=True, learning_rate=0.05,
                      num_iterations=50, seed=0)
    reg.fit(X, y)
    t = reg.summary()
    assert t.targets["mean"] == pytest.approx([float(y.mean())]) and t.targets["std"] == pytest.approx([float(y.std())])
    assert t.classes is None and "predictions are in the original units" in str(t)
