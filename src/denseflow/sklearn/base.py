"""The shared base of denseflow's scikit-learn estimators: parameters, training, stopping rules.

:mod:`denseflow.sklearn` defines the public estimators :class:`~denseflow.sklearn.DenseClassifier`
and :class:`~denseflow.sklearn.DenseRegressor`; this module holds what they share:

- the one transpose between scikit-learn's layout (n_samples, n_features) and the course's
  X (n_x, m) (:func:`_to_course_layout`, :func:`_to_sklearn_layout`);
- :class:`_DenseBase`, the ``BaseEstimator`` with MLP's parameters (and denseflow's own), their
  ``_parameter_constraints``, and ``_train``, which runs one of three trainings:

  * ``solver='adam'`` / ``'sgd'`` / ``'gd'``: scikit-learn MLP's epoch loop
    (:meth:`_DenseBase._train_epochs`: mini-batches, shuffling, ``learning_rate`` schedules,
    the ``tol`` / ``n_iter_no_change`` rule on the epoch's training loss, early stopping on the
    validation score), on the course's arithmetic (:mod:`denseflow.sklearn.solvers`);
  * ``solver='lbfgs'``: scipy's L-BFGS-B on the full-batch cost and gradients;
  * ``course=True``: the first course's training, :class:`denseflow.models.Network`'s full-batch
    gradient descent with the course's draws (:class:`_Monitor` applies the stopping rules).

It imports scikit-learn at module level, so only :mod:`denseflow.sklearn` imports it, never
``import denseflow``.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight, check_random_state

from denseflow.core.activations import HIDDEN_ACTIVATIONS, get_activation, leaky_relu
from denseflow.core.initializers import INITIALIZERS, initialize_parameters
from denseflow.models.networks import Network
from denseflow.sklearn.solvers import batch_gradients, forward, make_optimizer
from denseflow.training.loop import StopTraining, TrainingDivergedError

__all__: list[str] = []  # the estimators' shared parts; the public names are in denseflow.sklearn

_FLOATS = (np.float64, np.float32)
#: ``initialization="auto"``: He for the ReLU family, Xavier/Glorot (scikit-learn MLP's scale) otherwise.
_AUTO_INIT = {"relu": "he", "leaky_relu": "he"}
#: scikit-learn MLP's activation names that denseflow calls otherwise.
_MLP_NAMES = {"logistic": "sigmoid"}
#: MLP's names of the output activations (``out_activation_``).
_OUT_NAMES = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity"}
#: 'adaptive' stops dividing the learning rate by 5 once it is at most this (MLP's rule).
_MIN_ADAPTIVE_RATE = 1e-6


def _to_course_layout(A):
    # THE transpose: scikit-learn passes one *row* per example, (n_samples, n_features); the
    # course's X has one *column* per example, (n_x, m). Every array crosses here exactly once.
    return A.T


def _to_sklearn_layout(A):
    # Back across the same boundary: (n_outputs, m) from the network → (n_samples, n_outputs).
    return A.T


class _Monitor:
    """``course=True``: the callback run after every full-batch update, with MLP's early-stopping rule.

    With early stopping, an iteration counts as "no improvement" when the validation score of
    θ(i+1), the parameters after the update, is < best score + tol; training stops once more than
    ``n_iter_no_change`` iterations (one iteration is one epoch here: the whole training set) in a
    row did not improve. Without validation data it only reports (``verbose``): course mode runs
    its ``max_iter`` updates, as the course does.
    """

    def __init__(self, estimator, offset, validation):
        self.est, self.offset, self.validation = estimator, offset, validation
        self.tol = 0.0 if estimator.tol is None else float(estimator.tol)
        self.count, self.stopped = 0, False
        self.best_score, self.best_parameters = -np.inf, None
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
        else:
            return
        if self.count > est.n_iter_no_change:
            self.stopped = True
            raise StopTraining


class _DenseBase(BaseEstimator):
    """What the classifier and the regressor share: parameters, training, the forward pass."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS) | set(_MLP_NAMES))],
        "solver": [StrOptions({"adam", "sgd", "gd", "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "initialization": [StrOptions(set(INITIALIZERS) | {"auto"})],
        "dtype": [StrOptions({"float64", "float32"}), None],
        "course": ["boolean"],
        "leaky_slope": [Interval(Real, 0, None, closed="left")],
        "restore_best_weights": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, initialization="auto", dtype=None, course=False,
                 leaky_slope=0.01, restore_best_weights=True):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.initialization = initialization
        self.dtype = dtype
        self.course = course
        self.leaky_slope = leaky_slope
        self.restore_best_weights = restore_best_weights

    # ------------------------------------------------------------------ MLP's attributes, from parameters_

    @property
    def coefs_(self):
        """MLP's weights: ``coefs_[l-1]`` is W[l]ᵀ, shape (n[l−1], n[l]) (views of ``parameters_``)."""
        return [self.parameters_[f"W{l}"].T for l in range(1, len(self.layer_dims_))]

    @property
    def intercepts_(self):
        """MLP's biases: ``intercepts_[l-1]`` is b[l] as a vector of shape (n[l],) (views)."""
        return [self.parameters_[f"b{l}"].reshape(-1) for l in range(1, len(self.layer_dims_))]

    @property
    def n_layers_(self):
        """Layers including the input and the output layer (MLP's count): L + 1."""
        return len(self.layer_dims_)

    @property
    def out_activation_(self):
        """The output activation in MLP's names: 'logistic', 'softmax' or 'identity'."""
        return _OUT_NAMES[self.output_activation_]

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

    @property
    def _hidden_name(self):
        return _MLP_NAMES.get(self.activation, self.activation)

    def _activations(self, output):
        name = self._hidden_name
        hidden = leaky_relu(self.leaky_slope) if name == "leaky_relu" else get_activation(name)
        return hidden, get_activation(output)

    def _float_dtype(self, X):
        # dtype=None follows the data: float32 stays float32 (validate_data turned the rest into float64).
        return np.dtype(X.dtype if self.dtype is None else self.dtype)

    def _forward(self, parameters, X):
        """A[L] (n_outputs, m) of ``parameters`` on sklearn-layout X (m, n_x), dense or sparse."""
        hidden, output = self._activations(self.output_activation_)
        dtype = parameters["W1"].dtype
        X = X.astype(dtype, copy=False)
        return forward(parameters, X, hidden, output)[0]

    def _seed(self, rng):
        # denseflow's initializers take an int seed; an int random_state is used as is, so that
        # course=True with random_state=2 draws exactly the notebook's RandomState(2) numbers.
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _mlp_initialization(self, dims, rng, dtype):
        """``initialization='auto'``: scikit-learn MLP's Glorot-uniform draws, in MLP's order.

        For l = 1 … L, with r = √(6 / (n[l−1] + n[l])) (2 instead of 6 for a logistic hidden
        activation): W[l]ᵀ ~ U(−r, r) of shape (n[l−1], n[l]), then b[l] ~ U(−r, r), drawn from
        ``check_random_state(random_state)``, so an int ``random_state`` starts from exactly the
        weights of ``MLPClassifier(random_state=...)``.
        """
        factor = 2.0 if self._hidden_name == "sigmoid" else 6.0
        params = {}
        for l in range(1, len(dims)):
            n_prev, n = dims[l - 1], dims[l]
            bound = np.sqrt(factor / (n_prev + n))
            params[f"W{l}"] = np.ascontiguousarray(rng.uniform(-bound, bound, (n_prev, n)).T, dtype=dtype)
            params[f"b{l}"] = rng.uniform(-bound, bound, n).reshape(n, 1).astype(dtype)
        return params

    def _init_method(self):
        if self.initialization == "auto":
            return _AUTO_INIT.get(self._hidden_name, "xavier")
        return self.initialization

    def _train(self, X, y_enc, sample_weight, *, incremental):
        """Train on sklearn-layout X and encoded targets (``partial_fit``: one epoch); set the learned state."""
        dims = [X.shape[1], *self._hidden_sizes(), self._n_network_outputs()]
        continuing = hasattr(self, "parameters_") and (incremental or self.warm_start)
        if continuing and list(self.layer_dims_) != dims:
            raise ValueError(
                f"warm_start/partial_fit continue the fitted network of layer sizes {self.layer_dims_}, but "
                f"the current parameters ask for {dims}. Set warm_start=False (or call fit) to start anew."
            )
        if not continuing:
            for name in ("n_iter_", "t_", "loss_curve_", "validation_scores_", "_optimizer_state", "_rate"):
                self.__dict__.pop(name, None)
        if self.course:
            return self._train_course(X, y_enc, sample_weight, dims, continuing, incremental)
        rng = check_random_state(self.random_state)
        dtype = self._float_dtype(X)
        X = X.astype(dtype, copy=False)
        if sp.issparse(X):
            X = X.tocsr()  # rows (examples) are sliced into mini-batches
        if continuing:
            params = {k: v.astype(dtype, copy=False) for k, v in self.parameters_.items()}
        elif self.initialization == "auto":
            params = self._mlp_initialization(dims, rng, dtype)
        else:
            params = initialize_parameters(dims, self.initialization, seed=self._seed(rng), dtype=dtype)
        self.layer_dims_ = list(dims)
        if self.solver == "lbfgs":
            return self._train_lbfgs(X, y_enc, sample_weight, params, continuing)
        return self._train_epochs(X, y_enc, sample_weight, params, rng, continuing, incremental)

    def _targets(self, y_enc, dtype):
        return np.ascontiguousarray(self._course_targets(y_enc), dtype=dtype)

    def _diverged(self, epoch, loss, rate, unit="epoch"):
        err = TrainingDivergedError(epoch, loss, rate, unit=unit)
        if hasattr(err, "add_note"):  # Python >= 3.11
            err.add_note(
                f"{type(self).__name__}: scale the inputs (put a StandardScaler before it) or lower "
                f"learning_rate_init={self.learning_rate_init:g}"
                + (" and scale y (standardize_targets=True)." if is_regressor(self) else ".")
            )
        return err

    def _train_epochs(self, X, y_enc, sample_weight, params, rng, continuing, incremental):
        """scikit-learn MLP's stochastic training ('adam', 'sgd', and 'gd' on the whole set)."""
        name = type(self).__name__
        dtype = params["W1"].dtype
        early = self.early_stopping and not incremental
        validation = None
        if early:
            # Stratified as MLP does it: for a classifier with one output unit (two classes) only.
            stratify = y_enc if is_classifier(self) and self._n_network_outputs() == 1 else None
            w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
            X, X_val, y_enc, y_val, w, w_val = train_test_split(
                X, y_enc, w, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    f"The validation set of {name} is too small ({X_val.shape[0]} example): increase "
                    f"validation_fraction={self.validation_fraction} or the size of the data set."
                )
            sample_weight = None if sample_weight is None else w
            validation = (X_val, y_val, None if sample_weight is None else w_val)
        # Y (n_outputs, m) in the course's layout, stored as rows so that a mini-batch's Y{t} is a
        # gather of rows and a transposed view (as X{t}).
        Y_rows = np.ascontiguousarray(_to_sklearn_layout(self._targets(y_enc, dtype)))
        w_rows = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
        n = X.shape[0]
        if self.solver == "gd":
            batch = n
        elif self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(f"{name}: batch_size={self.batch_size} is larger than the {n} training examples; "
                              f"it is clipped to {n} (one batch per epoch).", UserWarning)
            batch = min(int(self.batch_size), n)
        hidden, output = self._activations(self.output_activation_)
        optimizer = make_optimizer(self)
        keep_state = incremental and hasattr(self, "_optimizer_state")
        state = self._optimizer_state if keep_state else optimizer.init(params)
        # MLP's learning_rate applies to the SGD solvers; Adam's step stays learning_rate_init.
        scheduled = self.solver in ("sgd", "gd")
        rate = self._rate if keep_state else float(self.learning_rate_init)
        tol = 0.0 if self.tol is None else float(self.tol)
        loss_rule = self.tol is not None and not early
        curve = list(self.loss_curve_) if continuing else []
        n_iter = self.n_iter_ if continuing else 0
        t = self.t_ if continuing else 0
        best_loss = min(curve) if (continuing and curve) else np.inf
        scores, best_score, best_params = [], -np.inf, None
        count, stopped, alpha = 0, False, float(self.alpha)
        order = np.arange(n) if self.shuffle else None
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(1 if incremental else self.max_iter):
                if self.shuffle:
                    # MLP's draws (sklearn.utils.shuffle, without its per-call checks): a shuffle of
                    # 0 … n−1 by the RandomState, applied to the last epoch's order.
                    perm = np.arange(n)
                    rng.shuffle(perm)
                    order = order[perm]
                total = 0.0
                for start in range(0, n, batch):
                    rows = slice(start, min(start + batch, n))
                    idx = rows if order is None else order[rows]
                    wb = None if w_rows is None else w_rows[idx].reshape(1, -1)
                    Yb = _to_course_layout(Y_rows[idx])  # Y{t} (n_outputs, m_t)
                    loss, grads = batch_gradients(params, X[idx], Yb, wb, hidden, output, alpha)
                    if not math.isfinite(loss):
                        # Keep θ from before this batch (finite), with the epochs completed so far.
                        self.parameters_, self.n_iter_, self.t_, self.loss_curve_ = params, n_iter, t, curve
                        raise self._diverged(n_iter, loss, rate)
                    total += loss * (rows.stop - rows.start)
                    params, state = optimizer.update(grads, state, params, learning_rate=rate if scheduled else None)
                n_iter += 1
                t += n
                curve.append(total / n)
                if self.verbose:
                    print(f"Iteration {n_iter}, loss = {curve[-1]:.8f}")
                if early:
                    score = self._validation_score(params, *validation)
                    scores.append(score)
                    count = count + 1 if score < best_score + tol else 0
                    if score > best_score:
                        # The update rules make new arrays, never write into these: no copy needed.
                        best_score, best_params = score, dict(params)
                elif loss_rule:
                    count = count + 1 if curve[-1] > best_loss - tol else 0
                best_loss = min(best_loss, curve[-1])
                if scheduled and self.learning_rate == "invscaling":
                    rate = self.learning_rate_init / (t + 1) ** self.power_t  # η = η0 / (t + 1)^power_t
                if count > self.n_iter_no_change:
                    if scheduled and self.learning_rate == "adaptive" and rate > _MIN_ADAPTIVE_RATE:
                        rate, count = rate / 5.0, 0  # MLP: divide by 5 instead of stopping
                        if self.verbose:
                            print(f"Setting learning rate to {rate:f}")
                        continue
                    stopped = True
                    break
        if early and self.restore_best_weights and best_params is not None:
            params = best_params
        self.parameters_ = params
        self.n_iter_, self.t_, self.loss_curve_ = n_iter, t, curve
        self.loss_ = curve[-1]
        self.best_loss_ = None if early else best_loss
        if early:
            self.validation_scores_ = (list(self.validation_scores_ or []) if continuing else []) + scores
            self.best_validation_score_ = max(self.validation_scores_)
        else:
            self.validation_scores_ = self.best_validation_score_ = None
        if incremental:  # partial_fit continues the optimizer (Adam's moments, SGD's velocity) and η
            self._optimizer_state, self._rate = state, rate
        else:  # fit (warm_start included) starts a new optimizer, as MLP's fit does; the pickle keeps θ only
            self.__dict__.pop("_optimizer_state", None)
            self.__dict__.pop("_rate", None)
        if not incremental:
            self._warn_convergence(stopped, early, loss_rule)
        return self

    def _warn_convergence(self, stopped, early, loss_rule):
        """MLP's ConvergenceWarning at max_iter, and one MLP does not give: a stop on a loss that rose.

        The ``tol`` rule stops when the loss has not *fallen* for ``n_iter_no_change + 1`` epochs,
        which is also true of a loss that blew up and never came back, or that oscillates: when
        the loss rose above its first epoch's on the way, or ended above twice its best, the stop
        is reported as what it is, not taken for convergence.
        """
        name, curve = type(self).__name__, self.loss_curve_
        if stopped and loss_rule:
            peak = int(np.argmax(curve))
            risen = peak > 0 and curve[peak] > curve[0] + self.tol
            if risen or curve[-1] > 2.0 * self.best_loss_ + self.tol:
                how = (f"it rose from {curve[0]:.6g} in epoch 1 to {curve[peak]:.6g} in epoch {peak + 1}" if risen
                       else f"it rose from its best, {self.best_loss_:.6g}")
                warnings.warn(
                    f"{name} stopped after {len(curve)} epochs because the training loss did not improve by "
                    f"tol={self.tol} for {self.n_iter_no_change + 1} epochs, but that is not convergence: {how}, "
                    f"and ended at {curve[-1]:.6g}. The steps are too large for these inputs: scale X "
                    f"(StandardScaler) or lower learning_rate_init={self.learning_rate_init:g}.",
                    ConvergenceWarning,
                )
        elif not stopped and (early or loss_rule) and self.max_iter > 1:
            warnings.warn(
                f"{name}: the maximum number of iterations (max_iter={self.max_iter} epochs) was reached and "
                f"the optimization has not converged yet (tol={self.tol}). Increase max_iter.",
                ConvergenceWarning,
            )

    def _train_lbfgs(self, X, y_enc, sample_weight, params, continuing):
        """MLP's 'lbfgs': scipy's L-BFGS-B on the full-batch J(θ) and dθ (float64 throughout)."""
        from scipy.optimize import minimize

        dtype = params["W1"].dtype
        keys = list(params)
        shapes = [params[k].shape for k in keys]
        sizes = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
        Y = self._targets(y_enc, np.float64)
        Xd = X.astype(np.float64)
        w_row = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(1, -1)
        hidden, output = self._activations(self.output_activation_)

        def unpack(theta):
            return {k: theta[sizes[i]:sizes[i + 1]].reshape(shapes[i]) for i, k in enumerate(keys)}

        def fun(theta):
            loss, grads = batch_gradients(unpack(theta), Xd, Y, w_row, hidden, output, float(self.alpha))
            return loss, np.concatenate([grads["d" + k].ravel() for k in keys])

        curve = []
        with np.errstate(over="ignore", invalid="ignore"):
            result = minimize(
                fun, np.concatenate([params[k].astype(np.float64).ravel() for k in keys]), jac=True,
                method="L-BFGS-B",
                options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": 0.0 if self.tol is None else self.tol},
                callback=lambda intermediate_result: curve.append(float(intermediate_result.fun)),
            )
        if not math.isfinite(result.fun):
            raise self._diverged(result.nit, result.fun, None, unit="iteration")
        self.parameters_ = {k: v.astype(dtype) for k, v in unpack(result.x).items()}
        self.n_iter_ = (self.n_iter_ if continuing else 0) + int(result.nit)
        self.t_ = self.t_ if continuing else 0
        self.loss_curve_ = (list(self.loss_curve_) if continuing else []) + curve
        self.loss_ = float(result.fun)
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else self.loss_
        self.validation_scores_ = self.best_validation_score_ = None
        if result.status != 0:
            warnings.warn(
                f"{type(self).__name__}: L-BFGS-B stopped without converging ({result.message}). Increase "
                f"max_iter={self.max_iter} or max_fun={self.max_fun}, or scale the data.",
                ConvergenceWarning,
            )
        return self

    def _train_course(self, X, y_enc, sample_weight, dims, continuing, incremental):
        """``course=True``: the first course's full-batch gradient descent through :class:`Network`."""
        name = type(self).__name__
        if sp.issparse(X):
            X = X.toarray()
        max_iter = 1 if incremental else self.max_iter
        rng = check_random_state(self.random_state)
        seed = None if continuing else self._seed(rng)
        validation = None
        if self.early_stopping and not incremental:
            stratify = y_enc if is_classifier(self) and y_enc.ndim == 1 else None
            w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
            X, X_val, y_enc, y_val, w, w_val = train_test_split(
                X, y_enc, w, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
            sample_weight = None if sample_weight is None else w
            validation = (X_val, y_val, None if sample_weight is None else w_val)
        offset = getattr(self, "n_iter_", 0) if continuing else 0
        monitor = _Monitor(self, offset, validation)
        net = Network(
            dims,
            hidden_activation=self._hidden_name,
            output_activation=self.output_activation_,
            learning_rate=self.learning_rate_init,
            num_iterations=max_iter,
            initialization=self._init_method(),
            seed=seed,
            course=True,
            dtype=self._float_dtype(X).name,
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
            if hasattr(err, "add_note"):
                err.add_note(
                    f"{name}: plain gradient descent needs scaled inputs: put a StandardScaler before it"
                    + (" and scale y." if is_regressor(self) else ".")
                )
            raise
        self.layer_dims_ = list(dims)
        self.n_iter_ = offset + len(history.costs)
        self.t_ = (self.t_ if continuing else 0) + len(history.costs) * X.shape[0]
        self.loss_curve_ = (list(self.loss_curve_) if continuing else []) + [float(c) for c in history.costs]
        self.loss_ = self.loss_curve_[-1]
        self.parameters_ = net.parameters_
        if validation is not None:
            previous = list(self.validation_scores_ or []) if continuing else []
            self.validation_scores_ = previous + monitor.scores
            self.best_validation_score_ = monitor.best_score
            self.best_loss_ = None
            if self.restore_best_weights:
                self.parameters_ = monitor.best_parameters
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)
        if validation is not None and not monitor.stopped and max_iter > 1:
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
