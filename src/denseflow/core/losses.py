"""Losses: the cost J and the gradient that starts back-propagation.

Each :class:`Loss` record keeps together

* ``cost(AL, Y, ZL=None, weights=None) -> J``: the average loss over the m examples (a weighted
  average Σ w L / Σ w with sample weights (1, m)). When the output's pre-activation ``ZL`` is
  given, the cost is computed from it in a form that stays finite for saturated outputs (|z| in
  the hundreds);
* ``dAL(AL, Y) -> dA[L]``: the derivative of the per-example loss with respect to A[L]
  (the course's ``dAL``; the 1/m appears in dW and db);
* ``fused_activation``: the output activation for which dZ[L] = AL − Y holds exactly
  (sigmoid for binary cross-entropy, softmax for categorical cross-entropy). Any other pairing
  goes through ``dAL`` and the activation's derivative;
* ``check_labels(Y)``: rejects labels the loss is not defined for.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.losses import LOSSES
>>> round(LOSSES["binary_cross_entropy"].cost(np.array([[.8, .9, .4]]), np.array([[1, 1, 0]])), 10)
0.2797765636
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy.special import log_expit, log_softmax

from denseflow.core.validation import check_binary_labels, check_choice, check_one_hot

__all__ = [
    "Loss",
    "LOSSES",
    "get_loss",
    "default_loss",
    "cost_of",
    "output_dZ",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "squared_error",
]


class Loss(NamedTuple):
    """A cost function J, its output gradient dA[L] and the activation it fuses with."""

    name: str
    cost: Callable
    dAL: Callable
    fused_activation: str | None
    check_labels: Callable


def _weighted_mean(per_example, weights):
    """(1/m) Σ L(i), or Σ w(i) L(i) / Σ w(i) with sample weights (1, m)."""
    if weights is None:
        return float(np.sum(per_example) / per_example.shape[-1])
    return float(np.sum(per_example * weights) / np.sum(weights))


def _bce_cost(AL, Y, ZL=None, weights=None):
    r"""J = −(1/m) Σ [y log a + (1−y) log(1−a)].

    From logits: log σ(z) = log_expit(z) and log(1 − σ(z)) = log_expit(−z), finite for any z.
    With sample weights w (1, m): J = −Σ w(i) [...] / Σ w(i).
    """
    m = Y.shape[1]
    if ZL is not None:
        if weights is None:
            return float(-(np.sum(Y * log_expit(ZL)) + np.sum((1 - Y) * log_expit(-ZL))) / m)
        return _weighted_mean(-(Y * log_expit(ZL) + (1 - Y) * log_expit(-ZL)), weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        if weights is not None:
            return _weighted_mean(-(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), weights)
        # The course's formula, dot products included, so its published figures come out exactly.
        cost = (1.0 / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    return float(np.sum(cost))


def _bce_dAL(AL, Y):
    # dA[L] = −(Y/AL − (1−Y)/(1−AL))
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


binary_cross_entropy = Loss("binary_cross_entropy", _bce_cost, _bce_dAL, "sigmoid", check_binary_labels)


def _cce_cost(AL, Y, ZL=None, weights=None):
    """J = −(1/m) Σ_examples Σ_k y_k log a_k (softmax output, one-hot Y)."""
    if ZL is not None:
        return _weighted_mean(-np.sum(Y * log_softmax(ZL, axis=0), axis=0, keepdims=True), weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(Y > 0, np.log(np.where(Y > 0, AL, 1.0)), 0.0)
    return _weighted_mean(-np.sum(Y * logs, axis=0, keepdims=True), weights)


def _cce_dAL(AL, Y):
    # dA[L] = −Y / AL
    return -np.divide(Y, AL)


categorical_cross_entropy = Loss(
    "categorical_cross_entropy", _cce_cost, _cce_dAL, "softmax", check_one_hot
)


def _se_cost(AL, Y, ZL=None, weights=None):
    """J = (1/m) Σ ½(ŷ − y)² (the notes' non-convex example when paired with a sigmoid)."""
    D = AL - Y
    return _weighted_mean(0.5 * np.sum(D * D, axis=0, keepdims=True), weights)


def _se_dAL(AL, Y):
    return AL - Y


squared_error = Loss("squared_error", _se_cost, _se_dAL, None, lambda Y, name="Y": Y)

LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (binary_cross_entropy, categorical_cross_entropy, squared_error)
}


def get_loss(loss, param: str = "loss", owner: str = "denseflow", *, output=None) -> Loss:
    """Resolve a loss name (or record) from :data:`LOSSES`; None means the output's
    :func:`default_loss` (``output``: the output activation or its name).

    Examples
    --------
    >>> get_loss(None, output="softmax").name
    'categorical_cross_entropy'
    """
    if isinstance(loss, Loss):
        return loss
    if loss is None and output is not None:
        loss = default_loss(output)
    check_choice(loss, LOSSES, param, owner)
    return LOSSES[loss]


def default_loss(output_activation) -> str:
    """The loss that goes with an output activation: categorical cross-entropy for softmax,
    binary cross-entropy for sigmoid, squared error for anything else (identity: regression).

    Examples
    --------
    >>> default_loss("softmax"), default_loss("sigmoid"), default_loss("identity")
    ('categorical_cross_entropy', 'binary_cross_entropy', 'squared_error')
    """
    name = getattr(output_activation, "name", output_activation)
    return {"softmax": "categorical_cross_entropy", "sigmoid": "binary_cross_entropy"}.get(name, "squared_error")


def cost_of(loss: Loss, activation, AL, Y, ZL=None, weights=None) -> float:
    """J of the output ``AL = g(ZL)``, computed from the logits ZL only where the loss's stable form
    is defined on them (its fused activation: sigmoid for BCE, softmax for CCE); from AL otherwise.
    """
    name = getattr(activation, "name", activation)
    return loss.cost(AL, Y, ZL if loss.fused_activation == name else None, weights)


def output_dZ(loss: Loss, activation, AL, Y, ZL):
    """dZ[L] for the output layer.

    The fused form dZ[L] = AL − Y is used only where it is exact: (sigmoid, binary
    cross-entropy) and (softmax, categorical cross-entropy). Any other pairing goes through
    dA[L] = ``loss.dAL(AL, Y)`` and the activation's backward.
    """
    if loss.fused_activation is not None and activation.name == loss.fused_activation:
        return AL - Y
    if activation.name == "softmax" and loss.fused_activation != "softmax":
        raise ValueError(
            f"A softmax output must be paired with categorical_cross_entropy; got {loss.name!r}. "
            f"Use loss='categorical_cross_entropy'."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        dAL = loss.dAL(AL, Y)
    return activation.backward(dAL, ZL, AL)
