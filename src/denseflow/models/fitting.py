"""What a network's ``fit`` checks and prepares from its data before it trains.

:meth:`denseflow.models.Network.fit` trains only on checked, prepared inputs; this module holds
the checks and the preparation of its arguments, all at the boundary, with messages that name
the model (the hyperparameters are checked by :mod:`denseflow.models.config`):

* :func:`prepare_fit`: X (n_x, m) and Y (n[L], m) (targets from :mod:`denseflow.models.targets`),
  the architecture [n_x, n[1], …, n[L]] (:func:`resolve_layer_dims`), the loss ↔ output pair,
  the standardization and the model's dtype (:func:`transform_X`), and the validation set —
  without changing the model (:class:`PreparedFit` holds the result);
* :func:`check_sample_weight` and :func:`start_parameters`: the examples' weights, and the
  parameters training starts from (initialized, given by the user, or a checkpoint's), checked
  against the architecture by :func:`checked_parameters`;
* :func:`fit_callbacks`: ``print_every`` and ``callback`` as the training loop's callbacks.

Examples
--------
>>> import numpy as np
>>> from denseflow.models import ShallowNetwork
>>> from denseflow.models.fitting import prepare_fit, resolve_layer_dims
>>> prepared = prepare_fit(ShallowNetwork(n_h=3), np.zeros((2, 5)), np.array([[0, 1, 0, 1, 1]]))
>>> prepared.arrays[0], prepared.attributes["output_"]
([2, 3, 1], 'sigmoid')
>>> resolve_layer_dims([3, 4, 1], (), 2, 1, "DeepNetwork")
Traceback (most recent call last):
...
ValueError: X has 2 features, but DeepNetwork expects 3 (layer_dims[0] = n_x; X must have shape (n_x, m): one column per example).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.validation import (
    check_layer_dims,
    check_parameters,
    check_XY,
)
from denseflow.models.targets import encode_fit_targets, encode_targets

__all__: list[str] = []


# ---------------------------------------------------------------------- data


class PreparedFit(NamedTuple):
    """What :func:`prepare_fit` returns."""

    arrays: tuple  # (layer_dims, X, Y, X_val, Y_val) ready for training
    attributes: dict  # the learned attributes that describe the data (set after training)


def prepare_fit(model, X, Y, X_val=None, Y_val=None, class_names=None) -> PreparedFit:
    """Checks, target encoding and standardization for ``model.fit``, without changing ``model``.

    Returns the arrays training runs on (in the model's dtype, standardized) and the learned
    attributes that describe the data (``layer_dims_``, ``classes_``, ``output_``,
    ``class_names_``, ``input_mean_``, ``input_std_``), which the model's ``_set_fitted`` assigns
    once training has run — so a failed fit leaves a fitted model as it was.
    """
    model._validate_hyperparameters()
    owner = type(model).__name__
    dtype = model._np_dtype
    X, Y = check_XY(X, Y, n_x=None if model.layer_dims is None else model.layer_dims[0], owner=owner)
    Yt, classes, output = encode_fit_targets(Y, model.output_activation)
    dims = resolve_layer_dims(model.layer_dims, model.hidden_layers, X.shape[0], Yt.shape[0], owner)
    if output == "softmax" and dims[-1] < 2:
        raise ValueError("A softmax output needs at least 2 units.")
    loss_name = model._loss_name(output)
    needs = get_loss(loss_name).fused_activation
    if needs is not None and needs != output:
        raise ValueError(
            f"The 'loss' parameter of {owner} is {loss_name!r}, which needs a {needs} output, but the "
            f"output is {output!r}. Use loss='squared_error' or leave loss=None."
        )
    mean = std = None
    if model.standardize:
        from denseflow.datasets.csvfile import standardization_stats

        mean, std = standardization_stats(X)
    attributes = {
        "layer_dims_": dims,
        "classes_": classes,
        "output_": output,
        "class_names_": None if class_names is None else [str(c) for c in class_names],
        "input_mean_": mean,
        "input_std_": std,
    }
    # Mini-batches gather examples: a copy made here anyway is written example-major (Fortran order),
    # so the engine needs no copy of its own (denseflow.training.example_major).
    Xp = transform_X(X, mean, std, dtype, example_major=getattr(model, "batch_size", None) is not None)
    Yt = Yt.astype(dtype, copy=False)
    t_mean = t_std = None
    if getattr(model, "standardize_targets", False):
        if output != "identity":
            raise ValueError(
                f"The 'standardize_targets' parameter of {owner} is for regression (an identity output); this "
                f"model's output is {output!r}. Set standardize_targets=False or output_activation='identity'."
            )
        t_mean, t_std = target_stats(Yt)
        Yt = ((Yt - t_mean) / t_std).astype(dtype, copy=False)
    attributes["target_mean_"], attributes["target_std_"] = t_mean, t_std
    Xv = Yv = None
    if X_val is not None or Y_val is not None:
        if X_val is None or Y_val is None:
            raise ValueError("Pass both X_val and Y_val, or neither.")
        X_val, Y_val = check_XY(X_val, Y_val, X_name="X_val", Y_name="Y_val", n_x=dims[0], owner=owner)
        Xv = transform_X(X_val, mean, std, dtype)
        Yv = encode_targets(Y_val, output, classes)
        if t_mean is not None:
            Yv = (Yv - t_mean) / t_std
        Yv = Yv.astype(dtype, copy=False)
    return PreparedFit((dims, Xp, Yt, Xv, Yv), attributes)


def target_stats(Y):
    """Per-row mean (n[L], 1) and std (n[L], 1) of regression targets Y (n[L], m), float64; a
    constant row gets std 1 (so (Y − mean) / std is 0 there, not NaN)."""
    Y = np.asarray(Y, dtype=np.float64)
    mean = Y.mean(axis=1, keepdims=True)
    std = Y.std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    return mean, std


def split_validation(X, Y, sample_weight, fraction, seed, stratify, owner):
    """Hold out ``fraction`` of the examples of (X, Y) for validation: ``(X, Y, weights, X_val, Y_val)``.

    Seeded by ``SeedSequence(seed)`` (its third stream: the first two draw the data order and the
    dropout masks), and stratified when ``stratify`` (classifiers: each class keeps its share,
    round(fraction · m_c) of its m_c examples, at least one in training). Every part keeps the
    examples' order.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20.0).reshape(1, 20); Y = np.array([[0] * 10 + [1] * 10])
    >>> X_t, Y_t, _, X_v, Y_v = split_validation(X, Y, None, 0.2, 0, True, "DeepNetwork")
    >>> X_t.shape, X_v.shape, int(Y_v.sum())
    ((1, 16), (1, 4), 2)
    """
    m = X.shape[1]
    if m < 2:
        raise ValueError(f"early_stopping of {owner} needs at least 2 examples to hold some out for validation; "
                         f"got {m}. Pass X_val and Y_val, or set early_stopping=False.")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    if stratify:
        labels = np.argmax(Y, axis=0) if Y.shape[0] > 1 else Y[0]
        held = []
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            k = min(int(round(fraction * members.size)), members.size - 1)
            held.append(rng.permutation(members)[:k])
        held = np.concatenate(held) if held else np.empty(0, np.int64)
    else:
        held = rng.permutation(m)[:min(int(round(fraction * m)), m - 1)]
    if held.size == 0:
        held = rng.permutation(m)[:1]
    mask = np.zeros(m, bool)
    mask[held] = True
    w = None if sample_weight is None else sample_weight[:, ~mask]
    if w is not None and not np.sum(w) > 0:
        raise ValueError(f"early_stopping of {owner} held out every example with a weight > 0; pass X_val and Y_val.")
    return X[:, ~mask], Y[:, ~mask], w, X[:, mask], Y[:, mask]


def resolve_layer_dims(layer_dims, hidden_layers, n_x, n_y, owner):
    """[n_x, n[1], …, n[L]]: ``layer_dims`` checked against the data, or n_x, ``hidden_layers``, n_y."""
    if layer_dims is not None:
        dims = check_layer_dims(layer_dims, "layer_dims", owner)
        if dims[0] != n_x:
            raise ValueError(
                f"X has {n_x} features, but {owner} expects {dims[0]} (layer_dims[0] = n_x; X must "
                f"have shape (n_x, m): one column per example)."
            )
        if dims[-1] != n_y:
            raise ValueError(
                f"The output layer of {owner} has {dims[-1]} units but Y needs {n_y} "
                f"(one row for binary labels, C rows for C classes). Set layer_dims[-1] = {n_y}."
            )
        return dims
    return [n_x, *[int(n) for n in hidden_layers], n_y]


def transform_X(X, mean, std, dtype, example_major=False):
    """Apply the standardization (X − mean) / std (none when ``mean`` is None) and ``dtype`` to a checked X.

    ``example_major``: when this makes a copy of X anyway (standardization, another dtype), the copy
    is Fortran-ordered, each example one contiguous column, the layout mini-batches gather from
    (the same numbers; X is never copied only to change its layout).

    Examples
    --------
    >>> X = np.arange(6.0).reshape(2, 3)
    >>> transform_X(X, None, None, np.float32, example_major=True).flags.f_contiguous
    True
    >>> transform_X(X, None, None, np.float64, example_major=True) is X  # no copy to make
    True
    """
    order = "F" if example_major else "K"
    if mean is not None and example_major:
        centred = np.subtract(X, mean, out=np.empty(X.shape, np.result_type(X, mean, std), order="F"))
        X = np.divide(centred, std, out=centred)
    elif mean is not None:
        X = (X - mean) / std
    return X.astype(dtype, order=order, copy=False) if X.dtype != dtype else X


# ---------------------------------------------------------------------- weights, starting point, callbacks


def check_sample_weight(sample_weight, m, dtype):
    """``sample_weight`` (1, m) or (m,) → a (1, m) array in ``dtype``, or None when not given."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    w = w.reshape(1, -1) if w.ndim == 1 else w
    if w.shape != (1, m):
        raise ValueError(f"sample_weight must have shape (1, m) = (1, {m}); got {np.shape(sample_weight)}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or np.sum(w) <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return w.astype(dtype)


def start_parameters(model, dims, resume_from=None, initial_parameters=None):
    """The point training starts from: ``(parameters, resume_from)``, exactly one of them not None.

    A checkpoint's parameters (``resume_from``) or ``initial_parameters`` are checked against
    ``dims`` and copied in the model's dtype; without either, the model's initialization draws them.
    """
    dtype = model._np_dtype
    if resume_from is not None:
        resume_from = resume_from._replace(
            parameters=checked_parameters(resume_from.parameters, dims, "resume_from.parameters", dtype),
        )
        return None, resume_from
    if initial_parameters is not None:
        return checked_parameters(initial_parameters, dims, "initial_parameters", dtype), None
    return initialize_parameters(dims, model.initialization, model.seed, model.course, dtype), None


def checked_parameters(parameters, dims, name, dtype):
    """Copies of user-given parameters in ``dtype``, checked against ``dims``."""
    L = check_parameters(parameters, n_x=dims[0], name=name)
    if L != len(dims) - 1:
        raise ValueError(f"{name} has {L} layers but the network has {len(dims) - 1} (layer_dims={dims}).")
    for l in range(1, L + 1):
        W = np.shape(parameters[f"W{l}"])
        if W != (dims[l], dims[l - 1]):
            raise ValueError(
                f"{name}: W{l} has shape {W} but layer {l} needs (n[{l}], n[{l - 1}]) = ({dims[l]}, {dims[l - 1]})."
            )
    return {k: np.array(parameters[k], dtype=dtype, copy=True) for k in
            (f"{p}{l}" for l in range(1, L + 1) for p in "Wb")}


def fit_callbacks(print_every, callback):
    """The ``(every, callback)`` pairs of the training loop: the cost every ``print_every``
    iterations (printed, as the course does, unless ``callback`` is given), or every event."""
    callbacks = []
    if print_every:
        callbacks.append((print_every, callback or _print_cost))
    elif callback is not None:
        callbacks.append((1, callback))
    return callbacks


def _print_cost(event):
    if event.cost is not None:  # "Cost after epoch i" with mini-batches, as the second course prints it
        print(f"Cost after {event.history.unit} {event.iteration}: {event.cost}")
