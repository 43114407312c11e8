"""Grid points that differ only in their learning rate (and seed): trained together, stacked.

A grid over learning rates trains one architecture on one data set again and again.
:func:`denseflow.stacked.train_stacked` trains K such models in one batched computation, each
bit-identical to its own run, and a sweep worker uses it for the WAITING grid points it claims
together (``--stack K``). This module decides which trials may share a computation
(:func:`stack_key`) and fits their models from one stacked run (:func:`fit_stacked`), leaving each
model exactly as ``model.fit(X, Y, X_val, Y_val)`` would have left it — so its model file, its
history and its accuracies are those of a trial run alone.

Two trials stack when their models' configurations (:meth:`Network.get_config`) are equal except
for ``learning_rate`` and ``seed``, and the hidden activation is one the stacked engine supports.

Examples
--------
>>> from denseflow.sweeps.config import SweepConfig
>>> from denseflow.sweeps.space import parse_grid
>>> cfg = SweepConfig(space=parse_grid(["learning_rate=0.5,1.2"]), fixed={"iterations": 50}).validated()
>>> data = cfg.load_data()
>>> models = [cfg.build_model({"learning_rate": lr}, 1, data) for lr in (0.5, 1.2)]
>>> stack_key(models[0], data) == stack_key(models[1], data)
True
>>> outcomes = fit_stacked(models, data)
>>> [len(m.history_.costs) for m in models]
[50, 50]
"""

from __future__ import annotations

import json

import numpy as np

from .config import SweepData

__all__ = ["STACK_DEFAULT", "stack_key", "fit_stacked"]

STACK_DEFAULT = 8
"""Grid points a worker trains together at most (``--stack``; 1 turns stacking off)."""

_VARYING = ("learning_rate", "seed")
_DEFAULT_LEAKY_SLOPE = 0.01  # the slope train_stacked's 'leaky_relu' uses


def _cost_limit(m: int, dtype) -> float:
    """A cost above which e^x may have overflowed in the fast cost formula: 0.99 log(max) / m."""
    return 0.99 * float(np.log(np.finfo(np.dtype(dtype)).max)) / int(m)


def stack_key(model, data: SweepData) -> str | None:
    """What must be equal for models to be trained in one stacked run; None when it cannot stack.

    The model's configuration without its learning rate and seed, as a JSON string. None for a
    hidden activation the stacked engine lacks, and for data sets so large (m ≳ 700 examples in
    float64) that a healthy cost could not be told from an overflowed one (see :func:`_exact`).
    """
    from ..fast import SUPPORTED_HIDDEN

    if _cost_limit(data.X.shape[1], model._np_dtype) < 1.0:
        return None
    cfg = model.get_config()
    if model.hidden_activation not in SUPPORTED_HIDDEN:
        return None
    if model.hidden_activation == "leaky_relu" and float(model.leaky_slope) != _DEFAULT_LEAKY_SLOPE:
        return None
    if model.print_every or model.callback is not None:
        return None
    return json.dumps({k: v for k, v in cfg.items() if k not in _VARYING}, sort_keys=True)


def _prepare(model, data: SweepData):
    """What ``Network.fit`` does before training: checks, target encoding, standardization.

    Sets ``layer_dims_``, ``classes_``, ``output_``, ``class_names_``, ``input_mean_`` and
    ``input_std_`` on ``model``; returns the arrays training runs on: (dims, X, Y, X_val, Y_val).
    """
    from .._validation import check_X, check_XY
    from ..losses import get_loss

    model._validate_hyperparameters()
    owner = type(model).__name__
    dtype = model._np_dtype
    X = check_X(data.X, None if model.layer_dims is None else model.layer_dims[0], owner=owner)
    X, Y = check_XY(X, data.Y, owner=owner)
    Yt = model._encode_targets(Y, fitting=True)
    dims = model._resolve_layer_dims(X.shape[0], Yt.shape[0])
    if model.output_ == "softmax" and dims[-1] < 2:
        raise ValueError("A softmax output needs at least 2 units.")
    needs = get_loss(model._loss_name()).fused_activation
    if needs is not None and needs != model.output_:
        raise ValueError(f"The loss {model._loss_name()!r} needs a {needs} output, not {model.output_!r}.")
    model.layer_dims_ = dims
    model.class_names_ = None
    if model.standardize:
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        std[std == 0] = 1.0
        model.input_mean_, model.input_std_ = mean, std
    else:
        model.input_mean_ = model.input_std_ = None
    Xp = model._transform_X(X)
    Yt = Yt.astype(dtype, copy=False)
    Xv = Yv = None
    if data.X_val is not None:
        X_val, Y_val = check_XY(data.X_val, data.Y_val, X_name="X_val", Y_name="Y_val", n_x=dims[0], owner=owner)
        Xv = model._transform_X(X_val)
        Yv = model._encode_targets(Y_val, fitting=False).astype(dtype, copy=False)
    return dims, Xp, Yt, Xv, Yv


def _hot(result, error, limit) -> bool:
    """Whether a model's cost may have left the engine's fast formula (diverged, or e^x overflowed).

    The fast binary cross-entropy J = (1/m) Σ log(1 + e^x) overflows only when some x > log(max),
    and then J > log(max)/m, so a model whose recorded costs all stay below that never did.
    """
    history = result.history
    costs = list(history.costs) + ([] if history.final_cost is None else [history.final_cost])
    return error is not None or any(not c <= limit for c in costs)


def _exact(run, group, limit) -> dict:
    """``{k: (TrainingResult, error)}`` of the models ``group``, each as its own run would give it.

    When one model's cost is not finite in the fast formula (it diverged, or its logits are beyond
    ±log(max)), the stacked engine computes that iteration's cost of *every* model with the loss's
    stable formula, which may differ in the last bit from a separate run (the parameters do not).
    Then the others are trained again without the "hot" models, and each hot model alone unless it
    was the only one. (Per-model fallback in denseflow.fast would make this unneeded.)
    """
    stacked = run(group)
    results = {k: (stacked.result(j), stacked.errors[j]) for j, k in enumerate(group)}
    hot = [k for k in group if _hot(*results[k], limit)]
    if not hot or len(group) == 1:
        return results
    clean = [k for k in group if k not in hot]
    if clean:
        results.update(_exact(run, clean, limit))
    if len(hot) > 1:
        for k in hot:
            results.update(_exact(run, [k], limit))
    return results


def fit_stacked(models, data: SweepData) -> list:
    """Fit ``models`` (equal :func:`stack_key`) in one :func:`~denseflow.stacked.train_stacked` run.

    Each model ends as ``model.fit(data.X, data.Y, data.X_val, data.Y_val)`` leaves it: the
    fitted attributes ``parameters_``, ``history_``, ``optimizer_state_`` (not for a diverged
    model, as ``fit``), ``layer_dims_``, ``classes_``, ``output_``, ``class_names_``,
    ``input_mean_`` / ``input_std_``, with bit-identical numbers.

    Returns
    -------
    list
        Per model, its :class:`~denseflow.training.History`, or the
        :class:`~denseflow.training.TrainingDivergedError` that ``fit`` would have raised.
    """
    from ..stacked import train_stacked

    keys = {stack_key(m, data) for m in models}
    if len(keys) != 1 or None in keys:
        raise ValueError("fit_stacked needs models that differ only in learning_rate and seed.")
    prepared = [_prepare(m, data) for m in models]
    dims, X, Y, X_val, Y_val = prepared[0]
    first = models[0]

    def run(group):
        with np.errstate(over="ignore", invalid="ignore"):
            return train_stacked(
                dims, X, Y,
                learning_rates=[float(models[k].learning_rate) for k in group],
                seeds=[models[k].seed for k in group],
                initialization=first.initialization,
                course=first.course,
                hidden_activation=first.hidden_activation,
                output_activation=first.output_,
                loss=first._loss_name(),
                num_iterations=first.num_iterations,
                cost_every=first.cost_every,
                X_val=X_val, Y_val=Y_val,
                dtype=first._np_dtype,
            )

    results = _exact(run, list(range(len(models))), _cost_limit(X.shape[1], first._np_dtype))
    outcomes = []
    for k, model in enumerate(models):
        result, error = results[k]
        model.parameters_ = result.parameters
        model.history_ = result.history
        if error is not None:
            outcomes.append(error)
            continue
        model.optimizer_state_ = result.optimizer_state
        outcomes.append(result.history)
    return outcomes
