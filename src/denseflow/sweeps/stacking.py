"""Grid points that differ only in their learning rate (and seed): trained together, stacked.

A grid over learning rates trains one architecture on one data set again and again.
:func:`denseflow.training.train_stacked` trains K such models in one batched computation, each
bit-identical to its own run, and a sweep worker uses it for the WAITING grid points it claims
together (``--stack K``). This module decides which trials may share a computation
(:func:`stack_key`) and fits their models from one stacked run (:func:`fit_stacked`), leaving each
model exactly as ``model.fit(X, Y, X_val, Y_val)`` would have left it — so its model file, its
history and its accuracies are those of a trial run alone. The worker's side: claiming such a
batch of WAITING trials (``_claim_stack``) and running and reporting it
(:func:`run_stacked_trials`); both use the one-trial steps of :mod:`denseflow.sweeps.trial_loop`.

Two trials stack when their models' configurations (:meth:`Network.get_config`) are equal except
for ``learning_rate`` and ``seed``, the hidden activation is one the stacked engine supports, and
they train the first course's way: full-batch gradient descent at a constant α, without L2,
dropout or early stopping (:data:`STACKABLE`). Any other trial (mini-batches, momentum, Adam, a
schedule, λ > 0, keep_prob < 1) runs alone, one trial at a time.

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
import time
from pathlib import Path

import numpy as np

from denseflow.sweeps.claims import claim, give_back, waiting
from denseflow.sweeps.config import SweepData

__all__ = ["STACK_DEFAULT", "STACKABLE", "stack_key", "fit_stacked", "run_stacked_trials"]

STACK_DEFAULT = 8
"""Grid points a worker trains together at most (``--stack``; 1 turns stacking off)."""

_VARYING = ("learning_rate", "seed")

STACKABLE = {
    "optimizer": "gd",
    "batch_size": None,
    "learning_rate_schedule": "constant",
    "lambd": 0.0,
    "keep_prob": 1.0,
    "early_stopping": False,
    "standardize_targets": False,
}
"""The settings :func:`~denseflow.training.train_stacked` trains with (the first course's
full-batch gradient descent): a model with another value of any of them does not stack."""
_DEFAULT_LEAKY_SLOPE = 0.01  # the slope train_stacked's 'leaky_relu' uses


def stack_key(model, data: SweepData) -> str | None:
    """What must be equal for models to be trained in one stacked run; None when it cannot stack.

    The model's configuration without its learning rate and seed, as a JSON string. None for a
    hidden activation the stacked engine lacks.
    """
    from denseflow.training.fast import SUPPORTED_HIDDEN

    cfg = model.get_config()
    if model.hidden_activation not in SUPPORTED_HIDDEN:
        return None
    for name, plain in STACKABLE.items():
        value = getattr(model, name, plain)
        if name == "keep_prob" and np.ndim(value) == 1:  # one keep_prob per hidden layer
            value = 1.0 if all(float(k) == 1.0 for k in value) else tuple(value)
        if value != plain:
            return None
    if model.hidden_activation == "leaky_relu" and float(model.leaky_slope) != _DEFAULT_LEAKY_SLOPE:
        return None
    if model.print_every or model.callback is not None:
        return None
    return json.dumps({k: v for k, v in cfg.items() if k not in _VARYING}, sort_keys=True)


def fit_stacked(models, data: SweepData) -> list:
    """Fit ``models`` (equal :func:`stack_key`) in one :func:`~denseflow.training.train_stacked` run.

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
    from denseflow.training.stacked import train_stacked

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
            num_iterations=_updates(first),
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


def _updates(model) -> int:
    """Full-batch gradient descent: one update per pass, ``num_epochs`` passes when set, else ``num_iterations``."""
    epochs = getattr(model, "num_epochs", None)
    return int(model.num_iterations if epochs is None else epochs)


# ---------------------------------------------------------------------------------------------
# the worker's side: claim a batch of grid points, run it, report each trial
# (trial_loop imports this module, so its helpers are imported inside the functions)
# ---------------------------------------------------------------------------------------------


def run_stacked_trials(study, storage, trials, config, data, directory, *, heartbeat=None,
                       verbose=False) -> list[str]:
    """Run claimed grid ``trials`` that differ only in learning rate and seed in one stacked run.

    Each trial's model file, history and result are those of
    :func:`~denseflow.sweeps.trial.run_trial` (bit-identical numbers; ``seconds`` is the
    stacked run's time shared out, and ``stacked`` the number of trials trained together). When
    the stacked run itself fails, the trials are run one by one.

    Returns
    -------
    list of {'complete', 'diverged', 'error', 'discarded'}
    """
    from denseflow.sweeps.study import trial_id
    from denseflow.sweeps.trial import (
        _fail,
        _Heartbeat,
        _log,
        _params_and_seed,
        _record_if_needed,
        _report_complete,
        _report_diverged,
        run_trial,
    )
    from denseflow.training.loop import TrainingDivergedError

    if len(trials) == 1:
        return [run_trial(study, storage, trials[0], config, data, directory, heartbeat=heartbeat,
                          verbose=verbose)]
    directory = Path(directory)
    tids = [trial_id(study, storage, t.number) for t in trials]
    for trial in trials:
        _record_if_needed(trial)
    outcomes = []
    try:
        with _Heartbeat(storage, tids, heartbeat):
            chosen = [_params_and_seed(t, config) for t in trials]
            models = [config.build_model(params, seed, data) for params, seed in chosen]
            start = time.perf_counter()
            try:
                fitted = fit_stacked(models, data)
            except Exception as err:  # e.g. out of memory: fall back to one trial at a time
                _log(verbose, f"stacked run of trials {[t.number for t in trials]} failed ({type(err).__name__}: "
                              f"{err}); running them one by one")
                fitted = None
            if fitted is None:  # still under this batch's heartbeat, so the waiting ones stay alive
                return [run_trial(study, storage, t, config, data, directory, heartbeat=heartbeat,
                                  verbose=verbose) for t in trials]
            extra = {"stacked": len(trials)}
            seconds = (time.perf_counter() - start) / len(trials)
            for trial, (params, seed), model, outcome in zip(trials, chosen, models, fitted):
                try:
                    if isinstance(outcome, TrainingDivergedError):
                        outcomes.append(_report_diverged(study, trial, params, seed, outcome, directory,
                                                         verbose, extra))
                    else:
                        outcomes.append(_report_complete(study, trial, params, seed, model, data, seconds,
                                                         directory, verbose, extra))
                except Exception as err:
                    outcomes.append(_fail(study, trial, err, verbose))
            return outcomes
    except (KeyboardInterrupt, SystemExit):
        give_back(study, storage, trials)
        raise
    except Exception as err:  # recording the trials failed: each left unfinished is failed
        for trial in trials[len(outcomes):]:
            outcomes.append(_fail(study, trial, err, verbose))
        return outcomes


def _queued_params(frozen) -> dict:
    """The hyperparameters a WAITING grid point or retry will run with."""
    return dict(frozen.params) or dict(frozen.system_attrs.get("fixed_params") or {})


def _claim_stack(study, storage, study_id, first, config, data, *, limit, share, heartbeat, held=None) -> list:
    """``first`` and up to ``limit`` − 1 more WAITING trials to train with it in one stacked run.

    The others must differ from ``first`` only in learning rate and seed (equal
    :func:`stack_key`). Each is claimed alone, by the same atomic WAITING → RUNNING change as
    ``claims.pop_waiting``, which records this worker at once (and in ``held``). At most ⌈waiting / share⌉ are
    taken, so that ``share`` workers starting together all get work.
    """
    from denseflow.sweeps.study import trial_id

    def key(params):
        try:
            return stack_key(config.build_model(params, 0, data), data)
        except Exception:  # a point that cannot be built fails in run_trial, with its reason
            return None

    queued = list(waiting(storage, study_id))
    limit = min(limit, -(-(len(queued) + 1) // max(1, share)))
    batch = [first]
    if limit < 2:
        return batch
    wanted = key(_queued_params(storage.get_trial(trial_id(study, storage, first.number))))
    if wanted is None:
        return batch
    for frozen in queued:
        if len(batch) >= limit:
            break
        if key(_queued_params(frozen)) != wanted:
            continue
        trial = claim(study, storage, study_id, frozen.number, heartbeat, held)
        if trial is not None:
            batch.append(trial)
    return batch
