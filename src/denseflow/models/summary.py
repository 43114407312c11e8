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
          initialization=random, seed=2, course=True, dtype=float64, leaky_slope=0.01, standardize=False,
          cost_every=1, n_h=4
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ModelSummary", "summarize"]

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
        lines.append(f"input: {self.n_x} features, {'standardized' if self.standardized else 'not standardized'}")
        if self.history_length:
            cost = "" if self.final_cost is None else f", final cost {self.final_cost:.4g}"
            lines.append(f"trained: {self.history_length} iterations recorded (costs from iteration "
                         f"{self.first_iteration} to {self.last_iteration}){cost}")
        shown = [f"{k}={v}" for k, v in self.config.items() if k != "model" and v is not None]
        lines.append("settings: " + ", ".join(shown))
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
    )
