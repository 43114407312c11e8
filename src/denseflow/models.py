"""Models: logistic regression, a one-hidden-layer network, an L-layer network.

All three are the same object, a :class:`Network` of layer sizes [n_x, n[1], …, n[L]], with the
course's defaults for each:

================== ==================== ============== ================= =============
model              layers               hidden g       initialization    α, iterations
================== ==================== ============== ================= =============
LogisticRegression [n_x, 1]             —              zeros             0.005, 2000
ShallowNetwork     [n_x, n_h, n_y]      tanh           random (×0.01)    1.2, 10000
DeepNetwork        ``layer_dims``       relu           scaled (/√n[l−1]) 0.0075, 2500
================== ==================== ============== ================= =============

The output is a sigmoid for binary labels Y (1, m) with values 0/1, and a softmax for several
classes (Y one-hot (C, m), or a (1, m) row of integer labels, converted once); ``"identity"``
with squared error gives a regressor.

Examples
--------
>>> from denseflow import ShallowNetwork, datasets
>>> X, Y = datasets.planar_flower()
>>> model = ShallowNetwork(n_h=4, num_iterations=1000, course=True, seed=2)
>>> history = model.fit(X, Y)
>>> round(history.costs[0], 6)
0.693048
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import (
    check_array_2d,
    check_choice,
    check_layer_dims,
    check_positive,
    check_positive_int,
    check_seed,
    check_X,
    check_XY,
)
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation, leaky_relu
from .initializers import INITIALIZERS, initialize_parameters
from .losses import LOSSES, cost_of, default_loss, get_loss
from .propagation import _model_forward
from .training import (
    Checkpoint,
    History,
    TrainingDivergedError,
    accuracy_of,
    predict_labels,
    train,
)

__all__ = ["Network", "LogisticRegression", "ShallowNetwork", "DeepNetwork", "MODELS"]

_OUTPUTS = ("auto", "sigmoid", "softmax", "identity")
_DTYPES = ("float64", "float32")


class NotFittedError(ValueError, AttributeError):
    """The model has not been fitted yet (same spirit as scikit-learn's)."""


class Network:
    """A fully connected network trained by full-batch gradient descent, the course's way.

    Parameters
    ----------
    layer_dims : list of int or None
        [n_x, n[1], …, n[L]]. ``None`` lets :meth:`fit` take n_x and the output size from the data
        (with ``hidden_layers`` in between).
    hidden_layers : tuple of int
        Hidden sizes used when ``layer_dims`` is None.
    hidden_activation : str
        A hidden activation from :data:`denseflow.activations.ACTIVATIONS`.
    output_activation : {'auto', 'sigmoid', 'softmax', 'identity'}
        'auto': sigmoid for one output row, softmax for several classes.
    learning_rate : float
        α.
    num_iterations : int
        Number of gradient-descent updates.
    initialization : {'zeros', 'random', 'scaled', 'he', 'xavier'}
    seed : int or None
        Seed of the initialization. Same seed → bit-identical parameters.
    course : bool
        Draw with the legacy ``RandomState(seed)`` as the course's notebooks do.
    dtype : {'float64', 'float32'}
    leaky_slope : float
        Slope of leaky ReLU for z < 0.
    standardize : bool
        Standardize each feature with the training mean and std, stored with the model and
        applied to every later input.
    cost_every : int
        Compute the cost every this many iterations (1: every iteration).
    print_every : int or None
        Report the cost every this many iterations through ``callback`` (default: print, as the
        course does).
    callback : callable or None
        ``callback(event)`` with a :class:`denseflow.training.TrainingEvent`.

    Attributes
    ----------
    parameters_ : dict
        Learned W1, b1, …, WL, bL.
    history_ : History
    layer_dims_ : list of int
    classes_ : ndarray
        The class labels (for classifiers).
    """

    _name = "Network"
    _defaults = dict(
        hidden_activation="relu",
        learning_rate=0.0075,
        num_iterations=2500,
        initialization="scaled",
    )

    def __init__(
        self,
        layer_dims=None,
        *,
        hidden_layers=(),
        hidden_activation=None,
        output_activation="auto",
        learning_rate=None,
        num_iterations=None,
        initialization=None,
        seed=None,
        course=False,
        dtype="float64",
        leaky_slope=0.01,
        standardize=False,
        loss=None,
        cost_every=1,
        print_every=None,
        callback=None,
    ):
        d = self._defaults
        self.layer_dims = layer_dims
        self.hidden_layers = hidden_layers
        self.hidden_activation = d["hidden_activation"] if hidden_activation is None else hidden_activation
        self.output_activation = output_activation
        self.learning_rate = d["learning_rate"] if learning_rate is None else learning_rate
        self.num_iterations = d["num_iterations"] if num_iterations is None else num_iterations
        self.initialization = d["initialization"] if initialization is None else initialization
        self.seed = seed
        self.course = course
        self.dtype = dtype
        self.leaky_slope = leaky_slope
        self.standardize = standardize
        self.loss = loss
        self.cost_every = cost_every
        self.print_every = print_every
        self.callback = callback

    # ------------------------------------------------------------------ configuration

    def get_config(self) -> dict:
        """The hyperparameters as a JSON-able dict (what model files store)."""
        cfg = {
            "model": type(self).__name__,
            "layer_dims": None if self.layer_dims is None else [int(n) for n in self.layer_dims],
            "hidden_layers": [int(n) for n in self.hidden_layers],
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "learning_rate": float(self.learning_rate),
            "num_iterations": int(self.num_iterations),
            "initialization": self.initialization,
            "seed": None if self.seed is None else int(self.seed),
            "course": bool(self.course),
            "dtype": str(self.dtype),
            "leaky_slope": float(self.leaky_slope),
            "standardize": bool(self.standardize),
            "loss": self.loss,
            "cost_every": int(self.cost_every),
        }
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> "Network":
        """Rebuild an unfitted model from :meth:`get_config`'s dict."""
        config = dict(config)
        name = config.pop("model", cls.__name__)
        klass = MODELS.get(name, cls) if cls is Network else cls
        return klass._from_config(config)

    @classmethod
    def _from_config(cls, config):
        return Network(**config) if cls is Network else cls(**config)

    def _validate_hyperparameters(self):
        owner = type(self).__name__
        check_choice(self.hidden_activation, HIDDEN_ACTIVATIONS, "hidden_activation", owner)
        check_choice(self.output_activation, _OUTPUTS, "output_activation", owner)
        check_positive(self.learning_rate, "learning_rate", owner)
        check_positive_int(self.num_iterations, "num_iterations", owner)
        check_choice(self.initialization, INITIALIZERS, "initialization", owner)
        check_choice(str(np.dtype(self.dtype)) if self._dtype_ok() else self.dtype, _DTYPES, "dtype", owner)
        check_positive(self.leaky_slope, "leaky_slope", owner, allow_zero=True)
        check_positive_int(self.cost_every, "cost_every", owner)
        if self.print_every is not None:
            check_positive_int(self.print_every, "print_every", owner)
        if self.loss is not None:
            check_choice(self.loss, LOSSES, "loss", owner)
        check_seed(self.seed, owner, allow_none=True)
        if self.layer_dims is not None:
            check_layer_dims(self.layer_dims, "layer_dims", owner)
        if isinstance(self.hidden_layers, (str, bytes)) or not isinstance(self.hidden_layers, (tuple, list)):
            raise TypeError(
                f"The 'hidden_layers' parameter of {owner} must be a tuple of hidden-layer sizes, e.g. (20, 7, 5). "
                f"Got {self.hidden_layers!r} instead."
            )
        for n in self.hidden_layers:
            check_positive_int(n, "hidden_layers", owner)
        if self.callback is not None and not callable(self.callback):
            raise TypeError(f"The 'callback' parameter of {owner} must be callable. Got {self.callback!r} instead.")

    def _dtype_ok(self):
        try:
            np.dtype(self.dtype)
            return True
        except TypeError:
            return False

    @property
    def _np_dtype(self):
        return np.dtype(self.dtype)

    def _hidden(self):
        if self.hidden_activation == "leaky_relu":
            return leaky_relu(self.leaky_slope)
        return get_activation(self.hidden_activation, "hidden_activation", type(self).__name__, hidden=True)

    # ------------------------------------------------------------------ data handling

    def _encode_fit_targets(self, Y):
        """Y → (the array the output layer is trained on, classes_, output_), changing nothing."""
        Y = check_array_2d(Y, "Y")
        out = self.output_activation
        if out == "identity":
            return Y, None, "identity"
        if Y.shape[0] == 1:
            values = np.unique(Y)
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
            return self._one_hot(Y, len(classes)), classes, "softmax"
        # several rows: one-hot (C, m)
        if out == "sigmoid":
            raise ValueError(
                f"Y has {Y.shape[0]} rows; a sigmoid output needs binary labels of shape (1, m). "
                f"Use output_activation='softmax' for one-hot labels."
            )
        get_loss("categorical_cross_entropy").check_labels(Y, "Y")
        return Y, np.arange(Y.shape[0]), "softmax"

    def _encode_targets(self, Y, output=None, classes=None):
        """Y of new data → what the fitted output layer compares with (one-hot for softmax)."""
        if output is None:  # the fitted model's
            output, classes = self.output_, self.classes_
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
            return self._one_hot(Y, C)
        if Y.shape[0] != C:
            raise ValueError(f"Y has {Y.shape[0]} rows but the model has {C} classes (one-hot Y is (C, m)).")
        get_loss("categorical_cross_entropy").check_labels(Y, "Y")
        return Y

    @staticmethod
    def _one_hot(Y, C):
        labels = Y.astype(np.int64).ravel()
        out = np.zeros((C, labels.size))
        out[labels, np.arange(labels.size)] = 1.0
        return out

    def _prepare_X(self, X, name="X"):
        self._check_fitted()
        X = check_X(X, self.layer_dims_[0], name=name, owner=type(self).__name__)
        return self._transform_X(X)

    _UNSET = object()

    def _transform_X(self, X, mean=_UNSET, std=_UNSET):
        """Apply the standardization (the stored one by default) and the model's dtype to a checked X."""
        if mean is Network._UNSET:
            mean, std = self.input_mean_, self.input_std_
        if mean is not None:
            X = (X - mean) / std
        return X.astype(self._np_dtype, copy=False)

    def _check_fitted(self):
        if not hasattr(self, "parameters_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                f"arguments before using this model."
            )

    def _resolve_layer_dims(self, n_x, n_y):
        owner = type(self).__name__
        if self.layer_dims is not None:
            dims = check_layer_dims(self.layer_dims, "layer_dims", owner)
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
        return [n_x, *[int(n) for n in self.hidden_layers], n_y]

    # ------------------------------------------------------------------ training

    def fit(self, X, Y, X_val=None, Y_val=None, *, sample_weight=None, resume_from: Checkpoint | None = None,
            class_names=None, initial_parameters=None):
        """Train by full-batch gradient descent and return the :class:`History`.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (1, m) binary labels, (C, m) one-hot, or (1, m) integer classes
        X_val, Y_val : ndarray, optional
            Validation data, recorded in ``history_.val_costs`` / ``val_accuracies``.
        sample_weight : ndarray, shape (1, m) or (m,), optional
            Non-negative weights of the examples in the cost and gradients.
        resume_from : Checkpoint, optional
            Continue an interrupted run exactly (same data, same hyperparameters).
        class_names : list of str, optional
            Human-readable class names, stored with the model.
        initial_parameters : dict, optional
            Start from these parameters instead of initializing (warm start).

        Returns
        -------
        History
        """
        prepared = self._prepare_fit(X, Y, X_val, Y_val, class_names)
        dims, Xp, Yt, Xv, Yv = prepared.arrays
        dtype = self._np_dtype
        weights = None
        if sample_weight is not None:
            w = np.asarray(sample_weight, dtype=np.float64)
            w = w.reshape(1, -1) if w.ndim == 1 else w
            if w.shape != (1, Xp.shape[1]):
                raise ValueError(
                    f"sample_weight must have shape (1, m) = (1, {Xp.shape[1]}); got {np.shape(sample_weight)}."
                )
            if not np.all(np.isfinite(w)) or np.any(w < 0) or np.sum(w) <= 0:
                raise ValueError("sample_weight must be finite, non-negative and not all zero.")
            weights = w.astype(dtype)
        if resume_from is not None:
            params = None
            resume_from = Checkpoint(
                self._checked_parameters(resume_from.parameters, dims, "resume_from.parameters"),
                resume_from.optimizer_state, resume_from.iteration, resume_from.history,
            )
        elif initial_parameters is not None:
            params = self._checked_parameters(initial_parameters, dims, "initial_parameters")
        else:
            params = initialize_parameters(dims, self.initialization, self.seed, self.course, dtype)
        callbacks = []
        if self.print_every:
            callbacks.append((self.print_every, self.callback or _print_cost))
        elif self.callback is not None:
            callbacks.append((1, self.callback))
        try:
            result = train(
                params, Xp, Yt,
                hidden_activation=self._hidden(),
                output_activation=prepared.attributes["output_"],
                loss=self._loss_name(prepared.attributes["output_"]),
                learning_rate=self.learning_rate,
                num_iterations=self.num_iterations,
                X_val=Xv, Y_val=Yv,
                sample_weight=weights,
                cost_every=self.cost_every,
                callbacks=callbacks,
                resume_from=resume_from,
            )
        except TrainingDivergedError as err:
            # The last finite parameters are kept, with the history up to them.
            self._set_fitted(prepared.attributes, err.result)
            raise
        self._set_fitted(prepared.attributes, result)
        return self.history_

    class _Prepared(NamedTuple):
        arrays: tuple  # (layer_dims, X, Y, X_val, Y_val) ready for training
        attributes: dict  # the learned attributes that describe the data (set after training)

    def _prepare_fit(self, X, Y, X_val=None, Y_val=None, class_names=None) -> "_Prepared":
        """Checks, target encoding and standardization for :meth:`fit`, without changing ``self``.

        Returns the arrays training runs on (in the model's dtype, standardized) and the learned
        attributes that describe the data (``layer_dims_``, ``classes_``, ``output_``,
        ``class_names_``, ``input_mean_``, ``input_std_``), which :meth:`_set_fitted` assigns once
        training has run — so a failed fit leaves a fitted model as it was.
        """
        self._validate_hyperparameters()
        owner = type(self).__name__
        dtype = self._np_dtype
        X = check_X(X, None if self.layer_dims is None else self.layer_dims[0], owner=owner)
        X, Y = check_XY(X, Y, owner=owner)
        Yt, classes, output = self._encode_fit_targets(Y)
        dims = self._resolve_layer_dims(X.shape[0], Yt.shape[0])
        if output == "softmax" and dims[-1] < 2:
            raise ValueError("A softmax output needs at least 2 units.")
        loss_name = self._loss_name(output)
        needs = get_loss(loss_name).fused_activation
        if needs is not None and needs != output:
            raise ValueError(
                f"The 'loss' parameter of {owner} is {loss_name!r}, which needs a {needs} output, but the "
                f"output is {output!r}. Use loss='squared_error' or leave loss=None."
            )
        mean = std = None
        if self.standardize:
            from .datasets import standardization_stats

            mean, std = standardization_stats(X)
        attributes = {
            "layer_dims_": dims,
            "classes_": classes,
            "output_": output,
            "class_names_": None if class_names is None else [str(c) for c in class_names],
            "input_mean_": mean,
            "input_std_": std,
        }
        Xp = self._transform_X(X, mean, std)
        Yt = Yt.astype(dtype, copy=False)
        Xv = Yv = None
        if X_val is not None or Y_val is not None:
            if X_val is None or Y_val is None:
                raise ValueError("Pass both X_val and Y_val, or neither.")
            X_val, Y_val = check_XY(X_val, Y_val, X_name="X_val", Y_name="Y_val", n_x=dims[0], owner=owner)
            Xv = self._transform_X(X_val, mean, std)
            Yv = self._encode_targets(Y_val, output, classes).astype(dtype, copy=False)
        return self._Prepared((dims, Xp, Yt, Xv, Yv), attributes)

    def _set_fitted(self, attributes: dict, result):
        """Assign the learned attributes after training (``result``: a TrainingResult)."""
        for name, value in attributes.items():
            setattr(self, name, value)
        self.parameters_ = result.parameters
        self.history_ = result.history
        self.optimizer_state_ = result.optimizer_state

    def _checked_parameters(self, parameters, dims, name):
        """Copies of user-given parameters in the model's dtype, checked against ``dims``."""
        from ._validation import check_parameters

        L = check_parameters(parameters, n_x=dims[0], name=name)
        if L != len(dims) - 1:
            raise ValueError(f"{name} has {L} layers but the network has {len(dims) - 1} (layer_dims={dims}).")
        for l in range(1, L + 1):
            W = np.shape(parameters[f"W{l}"])
            if W != (dims[l], dims[l - 1]):
                raise ValueError(
                    f"{name}: W{l} has shape {W} but layer {l} needs (n[{l}], n[{l - 1}]) = ({dims[l]}, {dims[l - 1]})."
                )
        return {k: np.array(parameters[k], dtype=self._np_dtype, copy=True) for k in
                (f"{p}{l}" for l in range(1, L + 1) for p in "Wb")}

    def _loss_name(self, output=None):
        if self.loss is not None:
            return self.loss
        return default_loss(self.output_ if output is None else output)

    # ------------------------------------------------------------------ inference

    def _forward(self, X, name="X"):
        Xp = self._prepare_X(X, name)
        return _model_forward(Xp, self.parameters_, self._hidden(), get_activation(self.output_))

    def predict_proba(self, X):
        """A[L]: P(y = 1 | x) (1, m) for a sigmoid output, class probabilities (C, m) for softmax."""
        return self._forward(X)[0]

    def predict(self, X):
        """Labels (1, m): 1 iff p > 0.5 (sigmoid), the argmax class (softmax), ŷ (identity)."""
        AL = self.predict_proba(X)
        if self.output_ == "identity":
            return AL
        return predict_labels(AL, get_activation(self.output_))

    def accuracy(self, X, Y) -> float:
        """Fraction of the examples of (X, Y) predicted right."""
        self._check_fitted()
        X, Y = check_XY(X, Y, n_x=self.layer_dims_[0], owner=type(self).__name__)
        if self.output_ == "identity":
            raise ValueError("accuracy is for classifiers; this model has an identity output. Use cost().")
        Yt = self._encode_targets(Y)
        AL, _ = self._forward(X)
        return accuracy_of(AL, Yt, get_activation(self.output_))

    def cost(self, X, Y) -> float:
        """J of the fitted parameters on (X, Y)."""
        self._check_fitted()
        X, Y = check_XY(X, Y, n_x=self.layer_dims_[0], owner=type(self).__name__)
        Yt = self._encode_targets(Y)
        AL, caches = self._forward(X)
        return cost_of(get_loss(self._loss_name()), self.output_, AL, Yt, caches[-1].Z)

    def __repr__(self):
        cfg = self.get_config()
        cfg.pop("model")
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if v not in (None, [], ()))
        return f"{type(self).__name__}({args})"


def _print_cost(event):
    if event.cost is not None:
        print(f"Cost after iteration {event.iteration}: {event.cost}")


class LogisticRegression(Network):
    """Logistic regression: a network with no hidden layer, ŷ = σ(w x + b), zero initialization.

    Defaults follow the course's week-2 assignment (α = 0.005, 2000 iterations, zeros).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
    >>> model = LogisticRegression(learning_rate=0.5, num_iterations=500)
    >>> _ = model.fit(X, Y)
    >>> model.predict(X)
    array([[0, 0, 1, 1]])
    """

    _defaults = dict(hidden_activation="relu", learning_rate=0.005, num_iterations=2000, initialization="zeros")

    def __init__(self, *, learning_rate=None, num_iterations=None, initialization=None, **kwargs):
        kwargs.pop("layer_dims", None)
        kwargs.pop("hidden_layers", None)
        kwargs.pop("hidden_activation", None)
        super().__init__(None, learning_rate=learning_rate, num_iterations=num_iterations,
                         initialization=initialization, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        for k in ("layer_dims", "hidden_layers", "hidden_activation"):
            cfg.pop(k)
        return cfg


class ShallowNetwork(Network):
    """One hidden layer of ``n_h`` units: [LINEAR → tanh] → LINEAR → sigmoid (course week 3).

    Defaults follow the course (tanh, α = 1.2, 10,000 iterations, W ~ randn · 0.01).
    """

    _defaults = dict(hidden_activation="tanh", learning_rate=1.2, num_iterations=10000, initialization="random")

    def __init__(self, n_h=4, hidden_activation=None, **kwargs):
        kwargs.pop("layer_dims", None)
        kwargs.pop("hidden_layers", None)
        self.n_h = n_h
        super().__init__(None, hidden_layers=(n_h,), hidden_activation=hidden_activation, **kwargs)

    def _validate_hyperparameters(self):
        check_positive_int(self.n_h, "n_h", "ShallowNetwork")
        self.hidden_layers = (self.n_h,)
        super()._validate_hyperparameters()

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("layer_dims")
        cfg.pop("hidden_layers")
        cfg["n_h"] = int(self.n_h)
        return cfg


class DeepNetwork(Network):
    """An L-layer network [LINEAR → relu]×(L−1) → LINEAR → sigmoid (course week 4).

    ``layer_dims`` includes n_x and the output size, as the course writes ``layers_dims``.
    Defaults: relu, α = 0.0075, 2500 iterations, W ~ randn / √n[l−1].
    """

    _defaults = dict(hidden_activation="relu", learning_rate=0.0075, num_iterations=2500, initialization="scaled")

    def __init__(self, layer_dims, hidden_activation=None, **kwargs):
        kwargs.pop("hidden_layers", None)
        super().__init__(layer_dims, hidden_activation=hidden_activation, **kwargs)

    def _validate_hyperparameters(self):
        check_layer_dims(self.layer_dims, "layer_dims", "DeepNetwork")
        super()._validate_hyperparameters()

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("hidden_layers")
        return cfg


MODELS = {cls.__name__: cls for cls in (Network, LogisticRegression, ShallowNetwork, DeepNetwork)}
