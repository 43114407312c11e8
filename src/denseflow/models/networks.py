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
>>> from denseflow import datasets
>>> from denseflow.models import ShallowNetwork
>>> X, Y = datasets.planar_flower()
>>> model = ShallowNetwork(n_h=4, num_iterations=1000, course=True, seed=2)
>>> history = model.fit(X, Y)
>>> round(history.costs[0], 6)
0.693048
"""

from __future__ import annotations

import numpy as np

from denseflow.core.activations import get_activation, leaky_relu
from denseflow.core.losses import cost_of, default_loss, get_loss
from denseflow.core.propagation import _model_forward
from denseflow.core.validation import (
    check_layer_dims,
    check_positive_int,
    check_X,
    check_XY,
)

# The hyperparameters (config), the preparation of fit's inputs (fitting) and the target encoding
# (targets) are the package's other modules.
from denseflow.models.config import TRAINING_DEFAULTS, keep_probs_of, network_config, validate_hyperparameters
from denseflow.models.fitting import (
    PreparedFit,
    check_sample_weight,
    fit_callbacks,
    prepare_fit,
    split_validation,
    start_parameters,
    transform_X,
)
from denseflow.models.targets import encode_targets
from denseflow.training.loop import (
    Checkpoint,
    TrainingDivergedError,
    accuracy_of,
    predict_labels,
    train,
)
from denseflow.training.threads import blas_threads, choose_threads

__all__ = ["Network", "LogisticRegression", "ShallowNetwork", "DeepNetwork", "MODELS"]


class NotFittedError(ValueError, AttributeError):
    """The model has not been fitted yet (same spirit as scikit-learn's)."""


class Network:
    """A fully connected network trained the course's way: full-batch gradient descent by default,
    or mini-batches, momentum / RMSprop / Adam, a learning-rate schedule, L2, dropout and early
    stopping (the second course).

    The learned attributes (Attributes, names ending in ``_``) are set by :meth:`fit` (also when
    training diverged: then from the last parameters whose cost was finite, with the history up
    to them) and by :func:`denseflow.load` (a model file).

    Parameters
    ----------
    layer_dims : list of int or None
        [n_x, n[1], …, n[L]]. ``None`` lets :meth:`fit` take n_x and the output size from the data
        (with ``hidden_layers`` in between).
    hidden_layers : tuple of int
        Hidden sizes used when ``layer_dims`` is None.
    hidden_activation : str
        A hidden activation from :data:`denseflow.core.activations.ACTIVATIONS`.
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
    optimizer : {'gd', 'momentum', 'rmsprop', 'adam'}, default 'gd'
        The update rule (:data:`denseflow.core.optimizers.OPTIMIZERS`).
    beta1 : float in [0, 1), default 0.9
        Momentum's β and Adam's β₁.
    beta2 : float in [0, 1), default 0.999
        Adam's β₂ and RMSprop's β.
    epsilon : float > 0, default 1e-8
        Adam's and RMSprop's ε.
    nesterov : bool, default False
        Nesterov momentum, θ := θ − α (β v + (1 − β) dθ) (optimizer='momentum' only; ignored otherwise).
    batch_size : int or None, default None
        None: full batch (the first course). An int B: mini-batches of B examples, the last one
        smaller when B does not divide m.
    num_epochs : int or None, default None
        Passes over the training data; None: ``num_iterations`` passes (full batch: one pass is one
        update, so the first course's counts are unchanged).
    shuffle : bool, default True
        Reshuffle the examples every epoch (mini-batches only).
    learning_rate_schedule : {'constant', 'inverse_time', 'exponential', 'step', 'cosine'}
        α_t of epoch t (:mod:`denseflow.core.schedules`), from α₀ = ``learning_rate``.
    decay_rate, time_interval : float, int or None
        The schedule's decay rate k and interval T in epochs (None: the schedule's default).
    lambd : float >= 0, default 0
        L2 strength λ: J += λ/(2m) Σ‖W[l]‖²_F, dW[l] += (λ/m) W[l] (m: the batch's size).
    keep_prob : float or list of float in (0, 1], default 1
        Inverted-dropout keep probability of the hidden layers (one number, or one per hidden layer).
    early_stopping : bool, default False
        Stop when the validation cost has not improved by ``tol`` for ``patience`` epochs; the
        validation data are X_val/Y_val given to fit, else a seeded ``validation_fraction``
        split of the training data (stratified for classifiers).
    validation_fraction : float in (0, 1), default 0.1
    patience : int, default 10
    tol : float >= 0, default 1e-4
    restore_best_weights : bool, default True
        After early stopping, keep the parameters of the best validation epoch.
    standardize_targets : bool, default False
        Regression (identity output): fit on (Y − mean) / std and undo it in predict.

    Attributes
    ----------
    parameters_ : dict of ndarray
        Learned ``W1``, ``b1``, …, ``WL``, ``bL``: W[l] of shape (n[l], n[l−1]), b[l] of shape
        (n[l], 1), in the model's ``dtype``. Under early stopping with ``restore_best_weights``,
        those of the best validation epoch.
    history_ : History
        The costs (and validation costs and accuracies) recorded while training. Absent from a
        model loaded from a file written without its history.
    layer_dims_ : list of int
        [n_x, n[1], …, n[L]], the architecture the parameters have.
    output_ : {'sigmoid', 'softmax', 'identity'}
        The output activation used ('auto' resolved from Y).
    classes_ : ndarray of shape (C,) or None
        The class labels (``[0, 1]`` for a sigmoid output, ``0 … C−1`` for softmax); None for
        an identity output (regression).
    class_names_ : list of str or None
        The human-readable class names given to :meth:`fit` (``class_names``), else None.
    input_mean_, input_std_ : ndarray of shape (n_x, 1) or None
        The training features' mean and standard deviation used by ``standardize`` (applied to
        every later input); None without ``standardize``.
    target_mean_, target_std_ : ndarray of shape (n[L], 1) or None
        The training targets' mean and standard deviation used by ``standardize_targets``
        (regression; ``predict`` undoes them); None otherwise.
    optimizer_state_ : GradientDescentState, MomentumState, RMSpropState or AdamState
        The optimizer's state after the last update (its step count t; v and s for momentum,
        RMSprop and Adam), as :class:`~denseflow.training.Checkpoint` holds it. A model loaded
        from a file has only the step count (a ``GradientDescentState``), or none when the file
        does not store it.
    n_epochs_ : int
        The epochs run (full batch: the updates), fewer than ``num_epochs`` after early stopping
        or a divergence.
    n_updates_ : int
        The optimizer steps taken (Adam's t): ⌈m / B⌉ per epoch with mini-batches of B.
    best_epoch_ : int or None
        The epoch with the lowest validation cost (improvements count beyond ``tol``); None
        without validation data, or when no validation cost was finite.
    best_val_cost_ : float or None
        The validation cost at ``best_epoch_`` (without the L2 term); None when ``best_epoch_`` is.
    stopped_early_ : bool
        True when early stopping ended training before ``num_epochs``.
    rng_state_ : dict or None
        The states of the generators that drew the data order and the dropout masks at the end
        (``{"order": …, "dropout": …}``, as in :class:`~denseflow.training.Checkpoint`); None
        when the run drew nothing (full-batch gradient descent) or drew as the course does
        (``course=True``), and in models loaded from files.
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
        optimizer="gd",
        beta1=0.9,
        beta2=0.999,
        epsilon=1e-8,
        nesterov=False,
        batch_size=None,
        num_epochs=None,
        shuffle=True,
        learning_rate_schedule="constant",
        decay_rate=None,
        time_interval=None,
        lambd=0.0,
        keep_prob=1.0,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        tol=1e-4,
        restore_best_weights=True,
        standardize_targets=False,
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
        self.optimizer = optimizer
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.nesterov = nesterov
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.shuffle = shuffle
        self.learning_rate_schedule = learning_rate_schedule
        self.decay_rate = decay_rate
        self.time_interval = time_interval
        self.lambd = lambd
        self.keep_prob = keep_prob
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.restore_best_weights = restore_best_weights
        self.standardize_targets = standardize_targets

    # ------------------------------------------------------------------ configuration

    def get_config(self) -> dict:
        """The hyperparameters as a JSON-able dict (what model files store)."""
        return network_config(self)

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
        validate_hyperparameters(self)

    @property
    def _np_dtype(self):
        return np.dtype(self.dtype)

    def _hidden(self):
        if self.hidden_activation == "leaky_relu":
            return leaky_relu(self.leaky_slope)
        return get_activation(self.hidden_activation, "hidden_activation", type(self).__name__, hidden=True)

    # ------------------------------------------------------------------ data handling

    def _prepare_X(self, X, name="X"):
        self._check_fitted()
        X = check_X(X, self.layer_dims_[0], name=name, owner=type(self).__name__)
        return transform_X(X, self.input_mean_, self.input_std_, self._np_dtype)

    def _check_fitted(self):
        if not hasattr(self, "parameters_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                f"arguments before using this model."
            )

    # ------------------------------------------------------------------ training

    def fit(self, X, Y, X_val=None, Y_val=None, *, sample_weight=None, resume_from: Checkpoint | None = None,
            class_names=None, initial_parameters=None):
        """Train (full-batch gradient descent, or as the training hyperparameters say) and return the :class:`History`.

        Parameters
        ----------
        X : ndarray, shape (n_x, m)
        Y : ndarray, shape (1, m) binary labels, (C, m) one-hot, or (1, m) integer classes
        X_val, Y_val : ndarray, optional
            Validation data, recorded in ``history_.val_costs`` / ``val_accuracies`` (and watched
            by ``early_stopping``; without them early stopping holds out ``validation_fraction``
            of X, seeded by ``seed`` and stratified for classifiers).
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
        weights = check_sample_weight(sample_weight, Xp.shape[1], self._np_dtype)
        if self.early_stopping and Xv is None:
            # A seeded validation split of the training data (stratified for classifiers).
            Xp, Yt, weights, Xv, Yv = split_validation(
                Xp, Yt, weights, self.validation_fraction, self.seed, prepared.attributes["output_"] != "identity",
                type(self).__name__,
            )
        if len(dims) == 2 and np.any(np.asarray(self.keep_prob, dtype=float) < 1):
            raise ValueError(
                f"The 'keep_prob' parameter of {type(self).__name__} drops hidden units, but this network has no "
                f"hidden layer (layer_dims {dims}): the output layer is never dropped. Set keep_prob=1.0, or add a "
                f"hidden layer."
            )
        keep_prob = keep_probs_of(self.keep_prob, len(dims) - 2, type(self).__name__) if len(dims) > 2 else 1.0
        params, resume_from = start_parameters(self, dims, resume_from, initial_parameters)
        callbacks = fit_callbacks(self.print_every, self.callback)
        # One BLAS thread for small products and on busy cores (denseflow.training.threads).
        threads = choose_threads(dims, Xp.shape[1] if self.batch_size is None else min(self.batch_size, Xp.shape[1]))
        try:
            with blas_threads(threads):
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
                    optimizer=self.optimizer,
                    beta1=self.beta1,
                    beta2=self.beta2,
                    epsilon=self.epsilon,
                    nesterov=self.nesterov,
                    batch_size=self.batch_size,
                    num_epochs=self.num_epochs,
                    shuffle=self.shuffle,
                    learning_rate_schedule=self.learning_rate_schedule,
                    decay_rate=self.decay_rate,
                    time_interval=self.time_interval,
                    lambd=self.lambd,
                    keep_prob=keep_prob,
                    seed=self.seed,
                    course=self.course,
                    early_stopping=self.early_stopping,
                    patience=self.patience,
                    tol=self.tol,
                    restore_best_weights=self.restore_best_weights,
                )
        except TrainingDivergedError as err:
            # The last finite parameters are kept, with the history up to them.
            self._set_fitted(prepared.attributes, err.result)
            raise
        self._set_fitted(prepared.attributes, result)
        return self.history_

    def _prepare_fit(self, X, Y, X_val=None, Y_val=None, class_names=None) -> PreparedFit:
        """Checks, target encoding and standardization for :meth:`fit`, without changing ``self``.

        The arrays training runs on and the learned attributes that describe the data, which
        :meth:`_set_fitted` assigns once training has run (see :func:`denseflow.models.fitting.prepare_fit`).
        """
        return prepare_fit(self, X, Y, X_val, Y_val, class_names)

    def _set_fitted(self, attributes: dict, result):
        """Assign the learned attributes after training (``result``: a TrainingResult)."""
        for name, value in attributes.items():
            setattr(self, name, value)
        self.parameters_ = result.parameters
        self.history_ = result.history
        self.optimizer_state_ = result.optimizer_state
        self.n_epochs_ = int(result.n_epochs)
        self.n_updates_ = int(result.n_updates)
        self.best_epoch_ = result.best_epoch
        self.best_val_cost_ = result.best_val_cost
        self.stopped_early_ = bool(result.stopped_early)
        self.rng_state_ = result.rng_state

    def _loss_name(self, output=None):
        if self.loss is not None:
            return self.loss
        return default_loss(self.output_ if output is None else output)

    # ------------------------------------------------------------------ inference

    def _forward(self, X, name="X"):
        Xp = self._prepare_X(X, name)
        return _model_forward(Xp, self.parameters_, self._hidden(), get_activation(self.output_))

    def predict_proba(self, X):
        """A[L]: P(y = 1 | x) (1, m) for a sigmoid output, class probabilities (C, m) for softmax
        (ŷ for an identity output, on the targets' own scale with ``standardize_targets``)."""
        return self._unstandardize(self._forward(X)[0])

    def _unstandardize(self, AL):
        """ŷ = A[L] · std + mean when the model was fitted on standardized targets."""
        mean = getattr(self, "target_mean_", None)
        if mean is None:
            return AL
        return AL * self.target_std_.astype(AL.dtype) + mean.astype(AL.dtype)

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
        Yt = encode_targets(Y, self.output_, self.classes_)
        AL, _ = self._forward(X)
        return accuracy_of(AL, Yt, get_activation(self.output_))

    def cost(self, X, Y) -> float:
        """J of the fitted parameters on (X, Y)."""
        self._check_fitted()
        X, Y = check_XY(X, Y, n_x=self.layer_dims_[0], owner=type(self).__name__)
        Yt = encode_targets(Y, self.output_, self.classes_)
        AL, caches = self._forward(X)
        if getattr(self, "target_mean_", None) is not None:
            return cost_of(get_loss(self._loss_name()), self.output_, self._unstandardize(AL), Yt)
        return cost_of(get_loss(self._loss_name()), self.output_, AL, Yt, caches[-1].Z)

    def summary(self):
        """The layers (W[l], b[l] shapes, parameter counts, activations), output, loss, classes, settings.

        Returns a :class:`~denseflow.models.summary.ModelSummary`; ``print(model.summary())`` shows
        the table, ``.to_dict()`` gives it as JSON-able data.
        """
        from denseflow.models.summary import summarize

        return summarize(self)

    def __repr__(self):
        cfg = self.get_config()
        cfg.pop("model")
        # The training hyperparameters of issue 15 are shown only where they differ from their defaults.
        cfg = {k: v for k, v in cfg.items() if k not in TRAINING_DEFAULTS or v != TRAINING_DEFAULTS[k]}
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if v not in (None, [], ()))
        return f"{type(self).__name__}({args})"


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
