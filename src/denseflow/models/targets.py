"""The labels Y ↔ the targets a network's output layer is trained on and compared with.

A :class:`~denseflow.models.Network` has one of three outputs, each with its own targets:

========= ============================================ ===========================
output    Y given                                      targets
========= ============================================ ===========================
sigmoid   binary labels 0/1, shape (1, m)              Y as given
softmax   one-hot (C, m), or integer labels (1, m)     one-hot (C, m)
identity  any real Y (n[L], m)                         Y as given
========= ============================================ ===========================

:func:`encode_fit_targets` reads the training Y and decides the output (``output_``) and the
classes (``classes_``); :func:`encode_targets` encodes the Y of later data (validation data,
:meth:`~denseflow.models.Network.accuracy`, :meth:`~denseflow.models.Network.cost`) for the
fitted output; :func:`one_hot` converts integer labels once.

Examples
--------
>>> import numpy as np
>>> from denseflow.models.targets import encode_fit_targets, encode_targets
>>> Yt, classes, output = encode_fit_targets(np.array([[0, 2, 1]]), "auto")
>>> output, classes
('softmax', array([0, 1, 2]))
>>> Yt
array([[1., 0., 0.],
       [0., 0., 1.],
       [0., 1., 0.]])
>>> encode_targets(np.array([[1, 3]]), "softmax", classes)
Traceback (most recent call last):
...
ValueError: Y holds labels outside 0 … 2: [3.0].
"""

from __future__ import annotations

import numpy as np

from denseflow.core.losses import get_loss
from denseflow.core.validation import check_array_2d

__all__: list[str] = []


def encode_fit_targets(Y, output_activation):
    """Y → (the array the output layer is trained on, classes_, output_), changing nothing.

    Parameters
    ----------
    Y : array-like, shape (1, m) or (C, m)
        Binary labels 0/1, integer class labels 0 … C−1, one-hot columns, or real targets.
    output_activation : {'auto', 'sigmoid', 'softmax', 'identity'}
        The output the model asks for; 'auto' picks sigmoid for 0/1 labels, softmax otherwise.

    Returns
    -------
    targets : ndarray, shape (n[L], m)
    classes : ndarray or None
        The class labels (None for an identity output).
    output : {'sigmoid', 'softmax', 'identity'}
    """
    Y = check_array_2d(Y, "Y")
    out = output_activation
    if out == "identity":
        return Y, None, "identity"
    if Y.shape[0] == 1:
        values = np.unique(Y)
        if out == "auto" and len(values) < 2:
            # As scikit-learn's classifiers: a classifier learns nothing from one class.
            raise ValueError(
                f"A classifier needs at least two classes in Y, but Y holds only one: {values[0]:g}. "
                f"Add examples of the other class(es), or pass output_activation='sigmoid' to train "
                f"on this batch anyway."
            )
        if out in ("auto", "sigmoid") and np.all(np.isin(values, (0, 1))):
            return Y, np.array([0, 1]), "sigmoid"
        if out == "sigmoid" or (out == "auto" and len(values) <= 2):
            raise ValueError(
                f"Y must hold binary labels 0/1 for a sigmoid output; found {values[:5].tolist()}. "
                f"Map your two classes to 0 and 1, or use output_activation='softmax'."
            )
        if not np.all(values == np.round(values)) or np.any(values < 0):
            raise ValueError(
                f"Integer class labels 0 … C−1 are needed for a softmax output; found "
                f"{values[:5].tolist()}. Encode the classes as integers first."
            )
        classes = np.arange(int(values.max()) + 1)
        return one_hot(Y, len(classes)), classes, "softmax"
    # several rows: one-hot (C, m)
    if out == "sigmoid":
        raise ValueError(
            f"Y has {Y.shape[0]} rows; a sigmoid output needs binary labels of shape (1, m). "
            f"Use output_activation='softmax' for one-hot labels."
        )
    get_loss("categorical_cross_entropy").check_labels(Y, "Y")
    return Y, np.arange(Y.shape[0]), "softmax"


def encode_targets(Y, output, classes):
    """Y of new data → what the fitted output layer compares with (one-hot for softmax).

    Parameters
    ----------
    Y : array-like, shape (1, m) or (C, m)
    output : {'sigmoid', 'softmax', 'identity'}
        The fitted output (``output_``).
    classes : ndarray or None
        The fitted classes (``classes_``); C = ``len(classes)`` for softmax.

    Returns
    -------
    ndarray, shape (n[L], m)
    """
    Y = check_array_2d(Y, "Y")
    if output == "identity":
        return Y
    if output == "sigmoid":
        get_loss("binary_cross_entropy").check_labels(Y, "Y")
        if Y.shape[0] != 1:
            raise ValueError(f"Y must have shape (1, m) for this binary model; got {Y.shape}.")
        return Y
    C = len(classes)
    if Y.shape[0] == 1:
        bad = (Y != np.round(Y)) | (Y < 0) | (Y >= C)
        if np.any(bad):
            raise ValueError(f"Y holds labels outside 0 … {C - 1}: {np.unique(Y[bad])[:5].tolist()}.")
        return one_hot(Y, C)
    if Y.shape[0] != C:
        raise ValueError(f"Y has {Y.shape[0]} rows but the model has {C} classes (one-hot Y is (C, m)).")
    get_loss("categorical_cross_entropy").check_labels(Y, "Y")
    return Y


def one_hot(Y, C):
    """Integer labels Y (1, m) → one-hot columns (C, m) in float64: column i has a 1 in row Y[0, i]."""
    labels = Y.astype(np.int64).ravel()
    out = np.zeros((C, labels.size))
    out[labels, np.arange(labels.size)] = 1.0
    return out
