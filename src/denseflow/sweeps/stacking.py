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


def stack_key(model, data: SweepData) -> str | None:
    """What must be equal for models to be trained in one stacked run; None when it cannot stack.

    The model's configuration without its learning rate and seed, as a JSON string. None for a
    hidden activation the stacked engine lacks.
    """
    from ..fast import SUPPORTED_HIDDEN

    cfg = model.get_config()
    if model.hidden_activation not in SUPPORTED_HIDDEN:
        return None
    if model.hidden_activation == "leaky_relu" and float(model.leaky_slope) != _DEFAULT_LEAKY_SLOPE:
        return None
    if model.print_every or model.callback is not None:
        return None
    return json.dumps({k: v for k, v in cfg.items() if k not in _VARYING}, sort_keys=True)


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
    # What Network.fit does before training (checks, targets, standardization), for each model.
    prepared = [m._prepare_fit(data.X, data.Y, data.X_val, data.Y_val) for m in models]
    dims, X, Y, X_val, Y_val = prepared[0].arrays
    first, output = models[0], prepared[0].attributes["output_"]
    with np.errstate(over="ignore", invalid="ignore"):
        stacked = train_stacked(
            dims, X, Y,
            learning_rates=[float(m.learning_rate) for m in models],
            seeds=[m.seed for m in models],
            initialization=first.initialization,
            course=first.course,
            hidden_activation=first.hidden_activation,
            output_activation=output,
            loss=first._loss_name(output),
            num_iterations=first.num_iterations,
            cost_every=first.cost_every,
            X_val=X_val, Y_val=Y_val,
            dtype=first._np_dtype,
        )
    outcomes = []
    for k, model in enumerate(models):
        error = stacked.errors[k]
        # As fit: the learned attributes, parameters and history (the last finite ones on divergence).
        model._set_fitted(prepared[k].attributes, error.result if error is not None else stacked.result(k))
        outcomes.append(error if error is not None else model.history_)
    return outcomes
