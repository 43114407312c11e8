"""How well a fitted network does on (X, Y): the numbers scikit-learn users read, in the course's layout.

For a classifier (sigmoid or softmax output), with ŷ the predicted class and p the predicted
probabilities:

* accuracy = (1/m) Σ 1[ŷ⁽ⁱ⁾ = y⁽ⁱ⁾];
* per class c: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 P R / (P + R), and the
  support (how many examples of class c there are); their unweighted (macro) means;
* the confusion matrix C, C[i, j] = how many examples of true class i were predicted j;
* the log-loss −(1/m) Σ log p(y⁽ⁱ⁾ | x⁽ⁱ⁾) (the cost J without regularization);
* for two classes, the area under the ROC curve of p(y = 1 | x).

For regression (identity output): the mean squared error (1/m) Σ (ŷ − y)², the mean absolute error
and R² = 1 − Σ (ŷ − y)² / Σ (y − ȳ)², averaged over the output rows as scikit-learn does.

The numbers are scikit-learn's own (:mod:`sklearn.metrics`, imported when :func:`evaluate` runs),
so they equal what ``classification_report`` and friends print for the same predictions.

Examples
--------
>>> import numpy as np
>>> from denseflow.models import LogisticRegression
>>> from denseflow.models.metrics import evaluate, format_metrics
>>> X = np.array([[0., 1., 2., 3., 4., 5.]]); Y = np.array([[0, 0, 0, 1, 1, 1]])
>>> model = LogisticRegression(learning_rate=0.5, num_iterations=500)
>>> _ = model.fit(X, Y)
>>> report = evaluate(model, X, Y)
>>> report["accuracy"], report["confusion_matrix"]
(1.0, [[3, 0], [0, 3]])
>>> print(format_metrics(report))  # doctest: +NORMALIZE_WHITESPACE
class      precision  recall  f1     support
0          1.000      1.000   1.000  3
1          1.000      1.000   1.000  3
macro avg  1.000      1.000   1.000  6
<BLANKLINE>
confusion matrix (rows: true class, columns: predicted)
   0  1
0  3  0
1  0  3
<BLANKLINE>
accuracy 1.0000   log-loss 0.0683   ROC-AUC 1.0000   (m = 6)
"""

from __future__ import annotations

import numpy as np

from denseflow.core.activations import get_activation
from denseflow.core.validation import check_XY
from denseflow.models.targets import encode_targets

__all__ = ["evaluate", "format_metrics"]


def _class_labels(model) -> list[str]:
    names = getattr(model, "class_names_", None)
    if names:
        return [str(n) for n in names]
    return [str(c.item() if hasattr(c, "item") else c) for c in model.classes_]


def evaluate(model, X, Y) -> dict:
    """The metrics of a fitted network on (X, Y), as a JSON-able dict.

    Parameters
    ----------
    model : denseflow.models.Network
        A fitted network.
    X : array of shape (n_x, m)
    Y : array of shape (1, m) or (C, m)
        Labels in the model's own encoding (0/1, class indices 0 … C−1 or one-hot columns, as
        ``fit`` took them), or real targets for an identity output.

    Returns
    -------
    dict
        Classifier: ``task='classification'``, ``m``, ``accuracy``, ``log_loss``, ``roc_auc``
        (two classes with both present, else None), ``classes`` (names), ``per_class`` (a list of
        {class, precision, recall, f1, support}), ``macro`` ({precision, recall, f1}),
        ``confusion_matrix`` (rows: true class, columns: predicted).
        Regression: ``task='regression'``, ``m``, ``mse``, ``mae``, ``r2`` (None for m < 2).

    Raises
    ------
    ValueError
        If the model is not fitted, or X, Y do not match it.
    """
    from sklearn import metrics

    model._check_fitted()
    X, Y = check_XY(X, Y, n_x=model.layer_dims_[0], owner=type(model).__name__)
    AL = np.asarray(model.predict_proba(X), dtype=np.float64)
    m = X.shape[1]
    if model.output_ == "identity":
        Yr = np.asarray(Y, dtype=np.float64)
        if Yr.shape != AL.shape:
            raise ValueError(f"Y has shape {Yr.shape}, but the network predicts {AL.shape} "
                             f"(one row per output, one column per example).")
        return {
            "task": "regression",
            "m": int(m),
            "mse": float(metrics.mean_squared_error(Yr.T, AL.T)),
            "mae": float(metrics.mean_absolute_error(Yr.T, AL.T)),
            "r2": float(metrics.r2_score(Yr.T, AL.T)) if m >= 2 else None,
        }
    output = get_activation(model.output_)
    targets = encode_targets(Y, model.output_, model.classes_)
    if output.name == "softmax":
        y_true = np.argmax(targets, axis=0)
        y_pred = np.argmax(AL, axis=0)
        proba = AL.T
    else:
        y_true = targets.ravel().astype(np.int64)
        y_pred = (AL.ravel() > 0.5).astype(np.int64)
        proba = np.column_stack([1.0 - AL.ravel(), AL.ravel()])
    n_classes = proba.shape[1]
    labels = list(range(n_classes))
    names = _class_labels(model)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    roc_auc = None
    if n_classes == 2 and len(np.unique(y_true)) == 2:
        roc_auc = float(metrics.roc_auc_score(y_true, proba[:, 1]))
    return {
        "task": "classification",
        "m": int(m),
        "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
        "log_loss": float(metrics.log_loss(y_true, proba, labels=labels)),
        "roc_auc": roc_auc,
        "classes": names,
        "per_class": [
            {"class": names[c], "precision": float(precision[c]), "recall": float(recall[c]),
             "f1": float(f1[c]), "support": int(support[c])}
            for c in labels
        ],
        "macro": {"precision": float(np.mean(precision)), "recall": float(np.mean(recall)),
                  "f1": float(np.mean(f1))},
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


def format_metrics(report: dict) -> str:
    """The metrics of :func:`evaluate` as a printable table (what ``denseflow evaluate`` prints)."""
    if report["task"] == "regression":
        r2 = "n/a" if report["r2"] is None else f"{report['r2']:.4f}"
        return f"MSE {report['mse']:.6g}   MAE {report['mae']:.6g}   R² {r2}   (m = {report['m']})"
    rows = [["class", "precision", "recall", "f1", "support"]]
    for c in report["per_class"]:
        rows.append([c["class"], f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["support"])])
    macro = report["macro"]
    rows.append(["macro avg", f"{macro['precision']:.3f}", f"{macro['recall']:.3f}", f"{macro['f1']:.3f}",
                 str(report["m"])])
    lines = _table(rows)
    lines += ["", "confusion matrix (rows: true class, columns: predicted)"]
    names = report["classes"]
    cm = report["confusion_matrix"]
    lines += _table([["", *names]] + [[names[i], *map(str, row)] for i, row in enumerate(cm)])
    auc = "" if report["roc_auc"] is None else f"   ROC-AUC {report['roc_auc']:.4f}"
    lines += ["", f"accuracy {report['accuracy']:.4f}   log-loss {report['log_loss']:.4f}{auc}   (m = {report['m']})"]
    return "\n".join(lines)
