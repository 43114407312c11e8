"""What a network holds, layer by layer: the course's shapes, parameter counts and settings.

Layer l of a network with layer_dims n[0], n[1], …, n[L] holds W[l] of shape (n[l], n[l−1]) and
b[l] of shape (n[l], 1), so n[l]·n[l−1] + n[l] parameters; layers 1 … L−1 apply the hidden
activation, layer L the output activation. :func:`summarize` collects those facts with the
training settings, the classes, the input normalization and the history's length;
``str()`` of the result prints them as a table (``Network.summary()``, ``denseflow info``).

Examples
--------
>>> from denseflow import datasets
>>> from denseflow.models import ShallowNetwork
>>> X, Y = datasets.planar_flower()
>>> model = ShallowNetwork(n_h=4, num_iterations=10, course=True, seed=2)
>>> _ = model.fit(X, Y)
>>> s = model.summary()
>>> s.total_parameters, [layer["W"] for layer in s.layers]
(17, [(4, 2), (1, 4)])
>>> print(s)  # doctest: +NORMALIZE_WHITESPACE
ShallowNetwork: 2 layers, 17 parameters, output sigmoid, loss binary_cross_entropy
layer  units  activation  W[l]    b[l]    parameters
1      4      tanh        (4, 2)  (4, 1)  12
2      1      sigmoid     (1, 4)  (1, 1)  5
classes: 0, 1
input: 2 features, not standardized
trained: 10 iterations recorded (costs from iteration 0 to 9), final cost 0.6877
settings: hidden_activation=tanh, output_activation=auto, learning_rate=1.2, num_iterations=10,
          initialization=random, seed=2, course=True, dtype=float64, leaky_slope=0.01,
          standardize=False, cost_every=1, n_h=4
training: full-batch gradient descent (the course's; optimizer=gd)
>>> adam = ShallowNetwork(n_h=4, num_epochs=2, seed=2, optimizer="adam", batch_size=64, lambd=0.1)
>>> _ = adam.fit(X, Y)
>>> print(str(adam.summary()).splitlines()[-1])
training: optimizer=adam, batch_size=64, num_epochs=2, lambd=0.1
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import numpy as np

__all__ = ["ModelSummary", "summarize"]

#: The optimization and regularization settings (the second course's), shown under "training"
#: where they differ from the course's full-batch gradient descent.
_TRAINING_KEYS = ("optimizer", "beta1", "beta2", "epsilon", "nesterov", "batch_size", "num_epochs", "shuffle",
                  "learning_rate_schedule", "decay_rate", "time_interval", "lambd", "keep_prob", "early_stopping",
                  "validation_fraction", "patience", "tol", "restore_best_weights", "standardize_targets")


def _training_defaults() -> dict:
    from denseflow.models.config import TRAINING_DEFAULTS

    return dict(TRAINING_DEFAULTS)


def _wrapped(label: str, items: list) -> list:
    text = ", ".join(items)
    return textwrap.wrap(text, width=100, initial_indent=label, subsequent_indent=" " * len(label),
                         break_on_hyphens=False) or [label.rstrip()]


class ModelSummary(NamedTuple):
    """A fitted network's architecture and settings; ``str()`` prints the table."""

    model: str
    layers: list
    total_parameters: int
    output: str
    loss: str
    classes: list | None
    n_x: int
    standardized: bool
    history_length: int
    first_iteration: int | None
    last_iteration: int | None
    final_cost: float | None
    config: dict
    #: what a history record counts: 'iteration' (full batch) or 'epoch' (mini-batches)
    history_unit: str = "iteration"
    #: regression with standardized targets: {'mean': [...], 'std': [...]} (one per output), else None
    targets: dict | None = None
    #: the fitted run's counters where the model has them: n_epochs_, n_updates_, best_epoch_, stopped_early_
    fitted: dict | None = None

    def to_dict(self) -> dict:
        """A JSON-able dict (shapes as lists)."""
        d = self._asdict()
        d["layers"] = [{**layer, "W": list(layer["W"]), "b": list(layer["b"])} for layer in self.layers]
        return d

    def __str__(self) -> str:
        head = (f"{self.model}: {len(self.layers)} layer{'s' if len(self.layers) != 1 else ''}, "
                f"{self.total_parameters} parameters, output {self.output}, loss {self.loss}")
        rows = [["layer", "units", "activation", "W[l]", "b[l]", "parameters"]]
        for layer in self.layers:
            rows.append([str(layer["layer"]), str(layer["units"]), layer["activation"],
                         str(tuple(layer["W"])), str(tuple(layer["b"])), str(layer["parameters"])])
        widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
        lines = [head] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        if self.classes is not None:
            lines.append("classes: " + ", ".join(self.classes))
        scaled = "standardized (training mean and std, applied to every input)" if self.standardized \
            else "not standardized"
        lines.append(f"input: {self.n_x} features, {scaled}")
        if self.targets is not None:
            pairs = ", ".join(f"mean {m:.6g}, std {s:.6g}" for m, s in zip(self.targets["mean"], self.targets["std"]))
            lines.append(f"targets: standardized for training ({pairs}); predictions are in the original units")
        if self.history_length:
            unit = self.history_unit
            cost = "" if self.final_cost is None else f", final cost {self.final_cost:.4g}"
            lines.append(f"trained: {self.history_length} {unit}s recorded (costs from {unit} "
                         f"{self.first_iteration} to {self.last_iteration}){cost}")
        fitted = {k: v for k, v in (self.fitted or {}).items() if v is not None}
        if fitted.get("stopped_early"):
            unit = self.history_unit
            kept = (f", kept the weights of {unit} {fitted.get('best_epoch')} (the best validation cost)"
                    if self.config.get("restore_best_weights", True) else f", kept the last {unit}'s weights")
            lines.append(f"early stopping: stopped after {fitted.get('n_epochs')} {unit}s{kept}")
        defaults = _training_defaults()
        shown = [f"{k}={v}" for k, v in self.config.items()
                 if k != "model" and v is not None and k not in _TRAINING_KEYS]
        lines += _wrapped("settings: ", shown)
        training = [f"{k}={self.config[k]}" for k in _TRAINING_KEYS
                    if k in self.config and (k not in defaults or self.config[k] != defaults[k])]
        if any(k in self.config for k in _TRAINING_KEYS):
            lines += _wrapped("training: ", training or ["full-batch gradient descent (the course's; optimizer=gd)"])
        return "\n".join(lines)


def summarize(model) -> ModelSummary:
    """The :class:`ModelSummary` of a fitted network.

    Parameters
    ----------
    model : denseflow.models.Network
        A fitted network.

    Returns
    -------
    ModelSummary
    """
    model._check_fitted()
    dims = [int(n) for n in model.layer_dims_]
    L = len(dims) - 1
    hidden = model._hidden().name
    layers = []
    for l in range(1, L + 1):
        n, n_prev = dims[l], dims[l - 1]
        layers.append({"layer": l, "units": n, "activation": model.output_ if l == L else hidden,
                       "W": (n, n_prev), "b": (n, 1), "parameters": n * n_prev + n})
    names = getattr(model, "class_names_", None)
    if model.output_ == "identity":
        classes = None
    elif names:
        classes = [str(c) for c in names]
    else:
        classes = [str(c.item() if hasattr(c, "item") else c) for c in model.classes_]
    history = getattr(model, "history_", None)
    iterations = list(getattr(history, "iterations", []) or [])
    costs = list(getattr(history, "costs", []) or [])
    final = getattr(history, "final_cost", None)
    if final is None and costs:
        final = costs[-1]
    config = model.get_config()
    if config.get("model") == "DeepNetwork":
        config = {**config, "layer_dims": dims}
    targets = None
    target_mean, target_std = getattr(model, "target_mean_", None), getattr(model, "target_std_", None)
    if model.output_ == "identity" and target_mean is not None and target_std is not None:
        targets = {"mean": [float(v) for v in np.ravel(target_mean)], "std": [float(v) for v in np.ravel(target_std)]}
    fitted = {"n_epochs": getattr(model, "n_epochs_", None), "n_updates": getattr(model, "n_updates_", None),
              "best_epoch": getattr(model, "best_epoch_", None), "stopped_early": getattr(model, "stopped_early_", None)}
    fitted = {k: (None if v is None else bool(v) if k == "stopped_early" else int(v)) for k, v in fitted.items()}
    return ModelSummary(
        model=type(model).__name__,
        layers=layers,
        total_parameters=sum(layer["parameters"] for layer in layers),
        output=model.output_,
        loss=model._loss_name(),
        classes=classes,
        n_x=dims[0],
        standardized=model.input_mean_ is not None,
        history_length=len(costs),
        first_iteration=int(iterations[0]) if iterations else None,
        last_iteration=int(iterations[-1]) if iterations else None,
        final_cost=None if final is None else float(final),
        config=config,
        history_unit=str(getattr(history, "unit", "iteration") or "iteration"),
        targets=targets,
        fitted=fitted,
    )
