"""The shared base of denseflow's scikit-learn estimators: layout, training loop, stopping rules.

:mod:`denseflow.sklearn` defines the public estimators :class:`~denseflow.sklearn.DenseClassifier`
and :class:`~denseflow.sklearn.DenseRegressor`; this module holds what they share:

- the one transpose between scikit-learn's layout (n_samples, n_features) and the course's
  X (n_x, m) (:func:`_to_course_layout`, :func:`_to_sklearn_layout`);
- :class:`_Monitor`, the per-update callback with scikit-learn MLP's stopping rules
  (``tol``, ``n_iter_no_change``, early stopping, best parameters);
- :class:`_DenseBase`, the ``BaseEstimator`` with the parameters, their
  ``_parameter_constraints``, and ``_train``, which runs :class:`denseflow.models.Network`
  and sets the learned state.

It imports scikit-learn at module level, so only :mod:`denseflow.sklearn` imports it, never
``import denseflow``.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_random_state

from denseflow.core.activations import HIDDEN_ACTIVATIONS, get_activation, leaky_relu
from denseflow.core.initializers import INITIALIZERS
from denseflow.core.propagation import _model_forward
from denseflow.models.networks import Network
from denseflow.training.loop import StopTraining, TrainingDivergedError

__all__: list[str] = []  # the estimators' shared parts; the public names are in denseflow.sklearn

_FLOATS = (np.float64, np.float32)
#: ``initialization="auto"``: He for the ReLU family, Xavier/Glorot (scikit-learn MLP's scale) otherwise.
_AUTO_INIT = {"relu": "he", "leaky_relu": "he"}


def _to_course_layout(A):
    # THE transpose: scikit-learn passes one *row* per example, (n_samples, n_features); the
    # course's X has one *column* per example, (n_x, m). Every array crosses here exactly once.
    return A.T


def _to_sklearn_layout(A):
    # Back across the same boundary: (n_outputs, m) from the network → (n_samples, n_outputs).
    return A.T


class _Monitor:
    """The callback run after every update: verbose output, stopping rules, best parameters.

    The rules are scikit-learn MLP's. Without validation data an iteration counts as "no
    improvement" when J(θ(i)) > best J − tol; with early stopping, when the validation score of
    θ(i+1), the parameters after the update, is < best score + tol. Training stops once more than
    ``n_iter_no_change`` iterations in a row did not improve.
    """

    def __init__(self, estimator, offset, validation, use_loss_rule):
        self.est, self.offset, self.validation = estimator, offset, validation
        self.tol = 0.0 if estimator.tol is None else float(estimator.tol)
        self.use_loss_rule = use_loss_rule
        self.count, self.stopped = 0, False
        self.best_loss, self.best_score, self.best_parameters = np.inf, -np.inf, None
        self.scores = []

    def __call__(self, event):
        est = self.est
        n = self.offset + event.completed  # updates done in the estimator's lifetime
        if est.verbose and (n - 1) % int(est.verbose) == 0:
            print(f"Iteration {n}, loss = {event.cost:.8f}")
        if self.validation is not None:
            params = event.parameters()  # θ after this update (copies)
            score = est._validation_score(params, *self.validation)
            self.scores.append(score)
            self.count = self.count + 1 if score < self.best_score + self.tol else 0
            if score > self.best_score:
                self.best_score, self.best_parameters = score, params
        elif self.use_loss_rule:
            self.count = self.count + 1 if event.cost > self.best_loss - self.tol else 0
            self.best_loss = min(self.best_loss, event.cost)
        else:
            return
        if self.count > est.n_iter_no_change:
            self.stopped = True
            raise StopTraining


class _DenseBase(BaseEstimator):
    """What the classifier and the regressor share: parameters, training, the forward pass."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "initialization": [StrOptions(set(INITIALIZERS) | {"auto"})],
        "dtype": [StrOptions({"float64", "float32"})],
        "course": ["boolean"],
        "leaky_slope": [Interval(Real, 0, None, closed="left")],
        "restore_best_weights": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, learning_rate_init=0.1, max_iter=200,
                 random_state=None, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 tol=1e-4, warm_start=False, verbose=0, initialization="auto", dtype="float64", course=False,
                 leaky_slope=0.01, restore_best_weights=True):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.initialization = initialization
        self.dtype = dtype
        self.course = course
        self.leaky_slope = leaky_slope
        self.restore_best_weights = restore_best_weights

    # ------------------------------------------------------------------ pieces of fit

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if any(isinstance(n, bool) or not isinstance(n, Integral) or n < 1 for n in sizes):
            raise InvalidParameterError(
                f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must be an int >= 1 or a "
                f"sequence of ints >= 1 (one per hidden layer; () for no hidden layer). Got "
                f"{self.hidden_layer_sizes!r} instead."
            )
        return [int(n) for n in sizes]

    def _activations(self, output):
        hidden = leaky_relu(self.leaky_slope) if self.activation == "leaky_relu" else get_activation(self.activation)
        return hidden, get_activation(output)

    def _forward(self, parameters, Xc):
        """A[L] (n_outputs, m) of ``parameters`` on course-layout Xc (n_x, m)."""
        hidden, output = self._activations(self.output_activation_)
        dtype = parameters["W1"].dtype
        return _model_forward(Xc.astype(dtype, copy=False), parameters, hidden, output)[0]

    def _seed(self, rng):
        # denseflow's initializers take an int seed; an int random_state is used as is, so that
        # course=True with random_state=2 draws exactly the notebook's RandomState(2) numbers.
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _train(self, X, y_enc, sample_weight, *, continuing, max_iter, early_stopping):
        """Train on sklearn-layout X and encoded targets; grow the history; set the learned state."""
        name = type(self).__name__
        dims = [X.shape[1], *self._hidden_sizes(), self._n_network_outputs()]
        if continuing and list(self.layer_dims_) != dims:
            raise ValueError(
                f"warm_start/partial_fit continue the fitted network of layer sizes {self.layer_dims_}, but "
                f"the current parameters ask for {dims}. Set warm_start=False (or call fit) to start anew."
            )
        rng = check_random_state(self.random_state)
        seed = None if continuing else self._seed(rng)
        validation = None
        if early_stopping:
            stratify = y_enc if self.output_activation_ != "identity" else None
            w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
            X, X_val, y_enc, y_val, w, w_val = train_test_split(
                X, y_enc, w, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
            sample_weight = None if sample_weight is None else w
            validation = (_to_course_layout(X_val), y_val, None if sample_weight is None else w_val)
        offset = getattr(self, "n_iter_", 0) if continuing else 0
        # With course=True training runs every iteration, as the notebooks do (only early stopping stops it).
        use_loss_rule = self.tol is not None and not self.course
        monitor = _Monitor(self, offset, validation, use_loss_rule)
        net = Network(
            dims,
            hidden_activation=self.activation,
            output_activation=self.output_activation_,
            learning_rate=self.learning_rate_init,
            num_iterations=max_iter,
            initialization=_AUTO_INIT.get(self.activation, "xavier") if self.initialization == "auto"
            else self.initialization,
            seed=seed,
            course=self.course,
            dtype=self.dtype,
            leaky_slope=self.leaky_slope,
            callback=monitor,
        )
        try:
            history = net.fit(
                _to_course_layout(X),
                self._course_targets(y_enc),
                sample_weight=sample_weight,
                initial_parameters=self.parameters_ if continuing else None,
            )
        except TrainingDivergedError as err:
            if hasattr(err, "add_note"):  # Python >= 3.11
                err.add_note(
                    f"{name}: plain gradient descent needs scaled inputs: put a StandardScaler before it"
                    + (" and scale y (TransformedTargetRegressor)." if is_regressor(self) else ".")
                )
            raise
        net.callback = None  # the monitor holds the estimator and the data: not part of the model

        # ---- learned state: the history keeps growing across warm starts and partial_fit calls
        self.network_ = net
        self.layer_dims_ = list(dims)
        self.n_iter_ = offset + len(history.costs)
        self.loss_curve_ = (list(self.loss_curve_) if continuing else []) + [float(c) for c in history.costs]
        self.parameters_ = net.parameters_
        self.best_parameters_ = None
        self.best_loss_ = None
        if validation is not None:
            previous = list(self.validation_scores_ or []) if continuing else []
            self.validation_scores_ = previous + monitor.scores
            self.best_validation_score_ = monitor.best_score
            self.best_parameters_ = monitor.best_parameters
            if self.restore_best_weights:
                net.parameters_ = self.parameters_ = {k: v.copy() for k, v in monitor.best_parameters.items()}
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)
        if (validation is not None or use_loss_rule) and not monitor.stopped and max_iter > 1:
            warnings.warn(
                f"{name}: the maximum number of iterations (max_iter={max_iter}) was reached and the "
                f"optimization has not converged yet (tol={self.tol}). Increase max_iter or learning_rate_init.",
                ConvergenceWarning,
            )
        return self

    def _weights(self, X, y_enc, sample_weight, class_weight):
        """sample_weight × class_weight[y] as one (n_samples,) array, or None for plain averages."""
        if sample_weight is None and class_weight is None:
            return None
        w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if class_weight is not None:
            w = w * class_weight[y_enc]
        return w
