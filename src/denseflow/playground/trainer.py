"""A playground run: the library's model trained a few iterations at a time, and what the page shows.

:class:`Trainer` holds one run. :meth:`Trainer.advance` trains it ``n`` more iterations with the
library itself — the model's own ``fit``, resumed from a :class:`denseflow.training.Checkpoint` of
where the run stands — so the costs, the parameters and the accuracy are bit for bit those of
one uninterrupted ``model.fit`` (or ``denseflow train``) with the same settings, however the run
was cut into pieces: the checkpoint carries the optimizer's state (Adam's t, v, s), the schedule's
position and the generators that draw the mini-batches and the dropout masks, so the library
resumes it exactly. With mini-batches the run advances by epochs (``history.unit`` is "epoch"). :meth:`Trainer.snapshot` computes what the page draws from the current parameters
with the course's step-by-step functions (:func:`~denseflow.core.propagation.model_forward`,
:func:`~denseflow.core.propagation.model_backward`): the decision boundary on a grid, what every
unit computes there, the weights and the gradients now, the predicted labels. The model file, the
pictures, the command and the code that reproduce the run come from here too.

Examples
--------
>>> from denseflow.playground.data import make_data
>>> from denseflow.playground.settings import update_settings
>>> settings = update_settings(None, {})            # the course's planar network
>>> trainer = Trainer(settings, make_data(settings))
>>> trainer.advance(1000), trainer.completed
(1000, 1000)
>>> round(trainer.history.costs[0], 6), round(trainer.final_cost, 6)   # the course: 0.693048, 0.288083
(0.693048, 0.288083)
>>> _ = trainer.advance(9000)
>>> trainer.snapshot()["train_accuracy"]
0.9075
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
import threading
import warnings

import numpy as np

from denseflow import datasets
from denseflow.core.activations import ACTIVATIONS
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.optimizers import GradientDescentState
from denseflow.core.propagation import compute_cost, model_backward, model_forward
from denseflow.models import DeepNetwork, LogisticRegression, ShallowNetwork
from denseflow.playground import handback
from denseflow.playground.data import to_csv
from denseflow.training import (
    Checkpoint,
    History,
    StopTraining,
    TrainingDivergedError,
    TrainingWarning,
    accuracy_of,
    make_engine,
)

__all__ = ["Trainer", "NotTrainedError", "build_model"]

_SIGMOID = ACTIVATIONS["sigmoid"]
#: About this many heat-map pixels in all for the units' small maps (each gets 12 to 40 per axis).
_UNIT_PIXELS = 60_000


# model.fit judges the run it trained (History.problems: the cost rose, the cost stopped moving)
# and warns. A slice of a playground run is not a run: those verdicts are silenced for each slice
# (the page shows the verdict on the whole run, see Trainer.metrics). catch_warnings changes the
# process's filters, so the slices of all sessions take turns under this lock.
_FIT_LOCK = threading.Lock()


class NotTrainedError(ValueError):
    """The run has not made a single iteration yet, so there is no fitted model to hand back."""


def build_model(settings, num_iterations=None):
    """The library's model for ``settings``, exactly as ``denseflow train`` builds it.

    No hidden layer: :class:`~denseflow.models.LogisticRegression`; one:
    :class:`~denseflow.models.ShallowNetwork` (n_h); more: :class:`~denseflow.models.DeepNetwork`
    [2, n[1], …, 1]. The output is a sigmoid (binary labels).

    >>> from denseflow.playground.settings import update_settings
    >>> build_model(update_settings(None, {"layers": [8, 4], "hidden_activation": "relu"}))
    DeepNetwork(layer_dims=[2, 8, 4, 1], hidden_activation='relu', ...)
    >>> build_model(update_settings(None, {"optimizer": "adam", "batch_size": 64})).batch_size
    64
    """
    s = settings
    common = dict(learning_rate=s.learning_rate, initialization=s.initialization, seed=s.seed, course=s.course,
                  standardize=s.standardize, optimizer=s.optimizer, batch_size=s.batch_size, lambd=s.lambd,
                  keep_prob=s.keep_prob if s.layers else 1.0,  # no hidden layer: nothing to drop
                  learning_rate_schedule=s.learning_rate_schedule, decay_rate=s.decay_rate,
                  num_iterations=s.num_iterations if num_iterations is None else num_iterations)
    if not s.layers:
        return LogisticRegression(**common)
    if len(s.layers) == 1:
        return ShallowNetwork(n_h=s.layers[0], hidden_activation=s.hidden_activation, **common)
    return DeepNetwork([2, *s.layers, 1], hidden_activation=s.hidden_activation, **common)


def _finite(x):
    return float(x) if x is not None and math.isfinite(x) else None


def _b64(values01) -> str:
    """Values in [0, 1] as one byte each (0 … 255), base64: a heat map for the page."""
    q = np.rint(np.clip(values01, 0.0, 1.0) * 255.0).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _labels(AL) -> str:
    """Predicted labels 1[p > 0.5] as a string of '0' and '1' (the library's ``predict_labels``)."""
    return np.where(AL[0] > 0.5, 49, 48).astype(np.uint8).tobytes().decode("ascii")


class Trainer:
    """One playground run: settings, data, the current parameters θ(k) and the history so far.

    Parameters
    ----------
    settings : denseflow.playground.settings.Settings
    data : denseflow.playground.data.PlaygroundData

    Attributes
    ----------
    completed : int
        k, the number of iterations (full batch: updates) or epochs (mini-batches) made.
    parameters : dict
        θ(k), ``{"W1", "b1", …}``.
    history : denseflow.training.History
        J(θ(i)) (and the test set's cost and accuracy) for i < k, as the library records them.
    final_cost : float or None
        J(θ(k)) as the library computed it (None before the first iteration).
    error : str or None
        The library's message when training diverged.
    """

    def __init__(self, settings, data):
        self.data = data
        self.settings = settings
        self.reset()

    # ------------------------------------------------------------------ the run

    def reset(self):
        """Back to iteration 0: θ(0) drawn again from the seed, an empty history."""
        s, d = self.settings, self.data
        self.model = build_model(s)
        self.model._validate_hyperparameters()
        self.dims = [2, *s.layers, 1]
        self.parameters = initialize_parameters(self.dims, s.initialization, s.seed, s.course)
        self.mean = self.std = None
        if s.standardize:
            self.mean, self.std = datasets.standardization_stats(d.X)
        self.history = History(unit=s.unit)
        self.optimizer_state = GradientDescentState(0)
        self.rng_state = None
        self.completed = 0
        self.final_cost = None
        self.error = None
        self._grid_cache = None
        x, y = d.X_all
        span = max(np.ptp(x), np.ptp(y)) or 1.0
        half = 0.6 * span
        cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
        self.bounds = [float(cx - half), float(cx + half), float(cy - half), float(cy + half)]

    def set_target(self, num_iterations: int):
        """Change where the run stops without starting it again (``num_iterations`` >= ``completed``)."""
        if num_iterations < self.completed:
            raise ValueError(f"The run is at iteration {self.completed}; it cannot stop at {num_iterations} "
                             f"without starting again.")
        self.settings = dataclasses.replace(self.settings, num_iterations=num_iterations)

    @property
    def finished(self) -> bool:
        return self.completed >= self.settings.num_iterations

    def _standardized(self, X):
        return X if self.mean is None else (X - self.mean) / self.std

    def advance(self, n: int) -> int:
        """Train ``n`` more iterations (fewer at the end of the run); returns how many were made.

        The model's ``fit`` resumes from a checkpoint of θ(k) and trains up to iteration k + n
        on the training set, recording the test set's cost and accuracy as ``fit(X, Y, X_val,
        Y_val)`` does. When the cost becomes NaN or infinite the run stops where the library
        leaves it (the last parameters with a finite cost) and :attr:`error` holds its message.
        """
        if self.error is not None:
            return 0
        start = self.completed
        target = min(start + int(n), self.settings.num_iterations)
        if target <= start:
            return 0
        d, model = self.data, self.model
        if self.settings.learning_rate_schedule == "cosine":
            # α_t depends on the run's length: train towards num_iterations and stop at the target
            # (the callback fires at epoch target − 1; every = target − 1 keeps it off the others).
            model.num_iterations = self.settings.num_iterations
            model.print_every, model.callback = max(1, target - 1), _stop_at(target)
        else:
            model.num_iterations = target
        checkpoint = Checkpoint(self.parameters, self.optimizer_state, start, History(unit=self.settings.unit),
                                self.rng_state)
        try:
            # Overflow on the way to a NaN cost is reported once, as TrainingDivergedError (as the CLI does).
            with _FIT_LOCK, warnings.catch_warnings(), \
                    np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                warnings.filterwarnings("ignore", category=TrainingWarning)
                model.fit(d.X, d.Y, d.X_test, d.Y_test, resume_from=checkpoint, class_names=d.class_names)
        except TrainingDivergedError as err:
            # The library keeps θ(i-1), the last parameters whose cost was finite, with the costs of
            # iterations 0 … i-1: the run is then a run of i - 1 iterations whose final cost,
            # J(θ(i-1)), is the last one recorded.
            self._merge(model.history_)
            # The second course's epoch loop (another optimizer, mini-batches, L2, dropout or a
            # schedule) keeps the parameters it had reached with the records before the failing
            # epoch: the run is a run of ``err.iteration`` epochs, its final cost the last recorded.
            done = max(int(err.iteration) - self._first_course(), 0)
            h = self.history
            self.final_cost = h.costs[done] if len(h.costs) > done else (h.costs[-1] if h.costs else None)
            del h.iterations[done:], h.costs[done:], h.val_costs[done:], h.val_accuracies[done:], \
                h.learning_rates[done:]
            self.parameters = model.parameters_
            self.completed = done
            self.error = str(err)
            return max(done - start, 0)
        finally:
            model.print_every = model.callback = None
        self._merge(model.history_)
        self.parameters = model.parameters_
        self.optimizer_state = model.optimizer_state_
        self.rng_state = model.rng_state_
        self.final_cost = model.history_.final_cost
        self.completed = target
        return target - start

    def _first_course(self) -> bool:
        """Whether the library trains this run with the first course's loop (full-batch gradient
        descent at a constant α, no L2, no dropout)."""
        s = self.settings
        return (s.optimizer == "gd" and s.batch_size is None and not s.lambd and s.learning_rate_schedule == "constant"
                and (s.keep_prob == 1 or not s.layers))

    def _merge(self, part: History):
        h = self.history
        h.iterations.extend(part.iterations)
        h.costs.extend(part.costs)
        h.val_costs.extend(part.val_costs)
        h.val_accuracies.extend(part.val_accuracies)
        h.learning_rates.extend(part.learning_rates)
        h.unit = part.unit

    # ------------------------------------------------------------------ what the page shows

    def _activation(self):
        return self.model.hidden_activation

    def initial_cost(self) -> float:
        """J(θ(k)) computed by the library's training engine (the number its history records), plus
        the L2 term λ/(2m) Σ‖W[l]‖²_F when λ > 0 (before the first step: with mini-batches or dropout
        the history's first record is an epoch's or a masked cost, not this one)."""
        X = self._standardized(self.data.X)
        engine = make_engine("auto", self.parameters, X, self.data.Y, ACTIVATIONS[self._activation()], _SIGMOID,
                             get_loss("binary_cross_entropy"), self.settings.learning_rate, None)
        cost = engine.cost()
        if self.settings.lambd:
            W = [v for k, v in self.parameters.items() if k.startswith("W")]
            cost += self.settings.lambd / (2 * X.shape[1]) * sum(float(np.sum(w * w)) for w in W)
        return cost

    def metrics(self) -> dict:
        """``cost`` J(θ(k)) (the library's number), ``train_accuracy``, and ``test_cost``,
        ``test_accuracy`` (None without a test set) of the parameters now; once the run has
        finished, ``problems``: the library's verdict on the whole run, where it has one
        (``History.problems``: the cost rose, the cost stopped moving)."""
        d, P, act = self.data, self.parameters, self._activation()
        AL, _ = model_forward(self._standardized(d.X), P, act, "sigmoid")
        out = {"cost": _finite(self.final_cost if self.completed else self.initial_cost()),
               "train_accuracy": accuracy_of(AL, d.Y, _SIGMOID), "test_cost": None, "test_accuracy": None}
        if d.X_test is not None:
            AL_t, caches_t = model_forward(self._standardized(d.X_test), P, act, "sigmoid")
            out["test_cost"] = _finite(compute_cost(AL_t, d.Y_test, ZL=caches_t[-1].Z))
            out["test_accuracy"] = accuracy_of(AL_t, d.Y_test, _SIGMOID)
        out["problems"] = []
        if self.completed and self.finished:
            h = self.history
            whole = History(h.iterations, h.costs, h.val_costs, h.val_accuracies, self.final_cost, h.unit,
                            h.learning_rates)
            out["problems"] = list(getattr(whole, "problems", []))
        return out

    def _grid(self):
        g = self.settings.grid
        if self._grid_cache is None or self._grid_cache[0] != g:
            x0, x1, y0, y1 = self.bounds
            xx, yy = np.meshgrid(np.linspace(x0, x1, g), np.linspace(y1, y0, g))  # row 0 is the top (y max)
            self._grid_cache = (g, np.vstack([xx.ravel(), yy.ravel()]))
        return self._grid_cache[1]

    def snapshot(self, costs_from: int = 0, selected=None) -> dict:
        """What the page draws now (JSON-able).

        Parameters
        ----------
        costs_from : int
            Send the history's records from this index on (the page already has the others).
        selected : (int, int) or None
            A unit (layer l, index j) whose weights and gradients to include (:meth:`unit`).

        Returns
        -------
        dict
            ``iteration``, ``target``, ``step_unit`` ("iteration", or "epoch" with mini-batches),
            ``cost`` (J(θ(k))), ``test_cost``, ``train_accuracy``,
            ``test_accuracy``, ``costs`` (``start``, ``train``, ``test``, ``test_accuracy``: the new
            history records), ``boundary`` (grid × grid bytes, P(y = 1) × 255, base64, top row
            first), ``units`` (per layer 0 … L, per unit, A[l] on a coarser grid scaled to [0, 1]
            with 0.5 for 0, base64), ``unit_res``, ``unit_scale`` (max |A[l]| of each unit),
            ``weights`` (W[l], b[l] as lists), ``predictions`` / ``test_predictions`` (labels as
            '0'/'1' strings), ``unit`` (the selected unit or None), ``error``.
        """
        d, P, act = self.data, self.parameters, self._activation()
        metrics = self.metrics()
        AL, _ = model_forward(self._standardized(d.X), P, act, "sigmoid")
        test_predictions = None
        if d.X_test is not None:
            AL_t, _ = model_forward(self._standardized(d.X_test), P, act, "sigmoid")
            test_predictions = _labels(AL_t)
        grid = self._grid()
        g = self.settings.grid
        A_grid, caches_g = model_forward(self._standardized(grid), P, act, "sigmoid")
        # What each unit computes: A[0] = the (standardized) inputs, A[1] … A[L-1], A[L] = ŷ.
        per_layer = [self._standardized(grid)] + [c.linear_cache.A_prev for c in caches_g[1:]] + [A_grid]
        stride = max(1, math.ceil(g / max(12, min(40, int(math.sqrt(_UNIT_PIXELS / sum(self.dims)))))))
        res = len(range(0, g, stride))
        units, scales = [], []
        for l, A in enumerate(per_layer):
            A = A.reshape(A.shape[0], g, g)[:, ::stride, ::stride]
            if l == len(per_layer) - 1:  # the output: P(y = 1), shown as it is
                scale = np.ones(A.shape[0])
                values = A
            else:
                scale = np.max(np.abs(A), axis=(1, 2))
                values = 0.5 + 0.5 * A / np.where(scale > 0, scale, 1.0)[:, None, None]
            units.append([_b64(v) for v in values])
            scales.append([float(s) for s in scale])
        h = self.history
        k = max(0, int(costs_from))
        return {
            "iteration": self.completed,
            "target": self.settings.num_iterations,
            "step_unit": self.settings.unit,
            **metrics,
            "costs": {"start": k, "train": [float(c) for c in h.costs[k:]],
                      "test": [_finite(c) for c in h.val_costs[k:]],
                      "test_accuracy": [float(a) for a in h.val_accuracies[k:]]},
            "boundary": _b64(A_grid.reshape(g, g)),
            "grid": g,
            "units": units,
            "unit_res": res,
            "unit_scale": scales,
            "weights": {key: value.tolist() for key, value in P.items()},
            "predictions": _labels(AL),
            "test_predictions": test_predictions,
            "unit": None if selected is None else self.unit(*selected),
            "error": self.error,
        }

    def unit(self, layer, unit) -> dict:
        """Unit j of layer l now: its weights W[l]_j and bias b[l]_j, their gradients dW[l]_j and
        db[l]_j (∂J/∂ at θ(k), the step the next update takes, times −α), and its outgoing weights.

        Raises
        ------
        ValueError
            ``layer`` not in [1, L] or ``unit`` not in [0, n[l] − 1].

        Examples
        --------
        >>> from denseflow.playground.data import make_data
        >>> from denseflow.playground.settings import update_settings
        >>> s = update_settings(None, {})
        >>> info = Trainer(s, make_data(s)).unit(1, 0)
        >>> len(info["w"]), len(info["dw"]), len(info["out"]), info["activation"]
        (2, 2, 1, 'tanh')
        """
        L = len(self.dims) - 1
        for value, name, high in ((layer, "layer", L), (unit, "unit", None)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"The {name!r} parameter of the playground must be an int. Got {value!r} instead.")
        if not 1 <= layer <= L:
            raise ValueError(f"The 'layer' parameter of the playground must be an int in [1, {L}] (the layers with "
                             f"weights; layer 0 is the input). Got {layer!r} instead.")
        n = self.dims[layer]
        if not 0 <= unit < n:
            raise ValueError(f"The 'unit' parameter of the playground must be an int in [0, {n - 1}] (layer {layer} "
                             f"has {n} units). Got {unit!r} instead.")
        P, act = self.parameters, self._activation()
        AL, caches = model_forward(self._standardized(self.data.X), P, act, "sigmoid")
        grads = model_backward(AL, self.data.Y, caches, act, "sigmoid")
        W, b = P[f"W{layer}"], P[f"b{layer}"]
        return {
            "layer": layer,
            "unit": unit,
            "activation": "sigmoid" if layer == L else act,
            "w": W[unit].tolist(),
            "b": float(b[unit, 0]),
            "dw": grads[f"dW{layer}"][unit].tolist(),
            "db": float(grads[f"db{layer}"][unit, 0]),
            "out": None if layer == L else P[f"W{layer + 1}"][:, unit].tolist(),
            "iteration": self.completed,
        }

    def layers(self) -> list:
        """Each layer l = 1 … L: n[l], n[l−1] and g[l] (what the course's view lays out)."""
        act = self._activation()
        L = len(self.dims) - 1
        return [{"l": l, "n": self.dims[l], "n_prev": self.dims[l - 1], "activation": "sigmoid" if l == L else act}
                for l in range(1, L + 1)]

    def dataset_view(self) -> dict:
        """The points (training and test), the grid's bounds and the data's description (JSON-able)."""
        d = self.data
        return {
            "X": d.X.tolist(), "Y": d.Y[0].tolist(),
            "X_test": None if d.X_test is None else d.X_test.tolist(),
            "Y_test": None if d.Y_test is None else d.Y_test[0].tolist(),
            "bounds": self.bounds, "class_names": d.class_names, "description": d.description,
        }

    # ------------------------------------------------------------------ handing the run back

    def fitted_model(self):
        """The library's model as it stands at iteration k: parameters θ(k), the whole history.

        Raises
        ------
        NotTrainedError
            Before the first iteration (a model file holds a fitted model).
        """
        if self.completed == 0:
            raise NotTrainedError("The run has not made any iteration yet; step or play first (a model file holds "
                                  "a fitted model).")
        model = self.model
        h = self.history
        model.history_ = History(list(h.iterations), list(h.costs), list(h.val_costs), list(h.val_accuracies),
                                 self.final_cost, h.unit, list(h.learning_rates))
        model.parameters_ = self.parameters
        model.optimizer_state_ = self.optimizer_state
        model.num_iterations = self.completed
        return model

    def model_file(self) -> bytes:
        """``model.npz`` written by :func:`denseflow.save` (it loads with :func:`denseflow.load`)."""
        import tempfile
        from pathlib import Path

        import denseflow

        model = self.fitted_model()
        with tempfile.TemporaryDirectory(prefix="denseflow-playground-") as tmp:
            path = Path(tmp) / "model.npz"
            denseflow.save(model, path)
            return path.read_bytes()

    def cost_png(self) -> bytes:
        """The cost curve, as ``denseflow train`` draws it (:func:`denseflow.plots.plot_cost`)."""
        from denseflow.plots import plot_cost

        return _png(plot_cost(self.fitted_model().history_, learning_rate=self.settings.learning_rate))

    def boundary_png(self) -> bytes:
        """The decision boundary with every point (:func:`denseflow.plots.plot_decision_boundary`)."""
        from denseflow.plots import plot_decision_boundary

        return _png(plot_decision_boundary(self.fitted_model(), self.data.X_all, self.data.Y_all))

    def data_csv(self) -> str:
        """The data as CSV: the uploaded file itself, or the generated points (:func:`to_csv`)."""
        d = self.data
        return d.csv_text if d.csv_text is not None else to_csv(d.X_all, d.Y_all)

    def reproduction(self) -> dict:
        """The ``denseflow train`` command and the Python code that reproduce the run as it is now."""
        return handback.reproduction(self.settings, self.completed or self.settings.num_iterations, self.data)


def _stop_at(target: int):
    """A training callback that ends the fit once ``target`` iterations (epochs) are done."""
    def stop(event):
        if event.completed >= target:
            raise StopTraining
    return stop


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()
