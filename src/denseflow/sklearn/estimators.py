"""scikit-learn estimators that speak ``MLPClassifier``'s language, with the course's arithmetic.

:class:`DenseClassifier` (a sigmoid output for two classes and for multilabel y, a softmax for
more) and :class:`DenseRegressor` (an identity output with squared error) take scikit-learn MLP's
parameters with MLP's defaults and meanings — an ``MLPClassifier(...)`` line becomes a
``DenseClassifier(...)`` line by its name alone — and set MLP's fitted attributes (``coefs_``,
``intercepts_``, ``n_layers_``, ``out_activation_``, ``loss_``, ``best_loss_``, ``loss_curve_``,
``validation_scores_``, ``n_iter_``, ``t_``). They follow scikit-learn's contract: ``X`` is
(n_samples, n_features), dense or sparse (CSR/CSC), ``__init__`` only stores its arguments, the
parameters are checked in ``fit`` against ``_parameter_constraints`` (scikit-learn's own
messages), learned state ends in ``_``.

Underneath, every mini-batch is the course's forward and backward propagation in its layout
X (n_x, m) (:mod:`denseflow.sklearn.solvers`), and the parameters are the course's
``parameters_`` dict: W[l] (n[l], n[l−1]), b[l] (n[l], 1). What MLP does not have: leaky ReLU,
the course's initializations, ``solver='gd'`` (full-batch gradient descent), course-exact training
(``course=True``), ``sample_weight`` and ``class_weight`` in the cost and gradients, target
standardization for the regressor (on by default, so raw targets such as the diabetes data's
25…346 train with Adam's default step), and ``dtype``:

.. math::

    J(\\theta) = \\frac{\\sum_i w^{(i)} \\mathcal{L}(\\hat y^{(i)}, y^{(i)})}{\\sum_i w^{(i)}}
        + \\frac{\\alpha}{2 \\sum_i w^{(i)}} \\sum_l \\lVert W^{[l]} \\rVert_F^2,
    \\qquad w^{(i)} = \\text{sample\\_weight}_i \\cdot \\text{class\\_weight}[y^{(i)}],

on each mini-batch (w = 1: MLP's and the course's 1/m, with ``alpha`` the course's L2 λ).

This module defines the two estimators (their targets, ``fit``/``partial_fit`` and inference);
what they share (the layout transpose, the training loops, the base class) is in
:mod:`denseflow.sklearn.base`.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from denseflow.sklearn import DenseClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = make_pipeline(StandardScaler(), DenseClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
...                                                       max_iter=300, random_state=0))
>>> clf.fit(X, y).score(X, y) > 0.95
True
"""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

# The shared base and helpers live in denseflow.sklearn.base.
from denseflow.sklearn.base import (
    _FLOATS,
    _DenseBase,
    _to_course_layout,
    _to_sklearn_layout,
)

__all__ = ["DenseClassifier", "DenseRegressor"]

_SPARSE = ["csr", "csc"]

_SHARED_DOC = """
    hidden_layer_sizes : int or tuple of int, default=(100,)
        n[1], …, n[L−1]; ``()`` gives logistic (softmax) regression.
    activation : str, default='relu'
        Hidden activation: MLP's 'relu', 'tanh', 'logistic', 'identity', or denseflow's
        'sigmoid' (= 'logistic'), 'leaky_relu', 'linear' (= 'identity').
    solver : {'adam', 'sgd', 'gd', 'lbfgs'}, default='adam'
        'adam': the course's Adam on mini-batches; 'sgd': MLP's mini-batch SGD with ``momentum``
        (u := μ u − η dθ, θ := θ + u; Nesterov's with ``nesterovs_momentum``); 'gd': the course's
        gradient descent θ := θ − η dθ on the whole training set (one update per epoch,
        ``batch_size`` and ``momentum`` unused); 'lbfgs': scipy's L-BFGS-B on the whole set.
    alpha : float, default=0.0001
        L2 strength: the course's λ in J += λ/(2m) Σ‖W[l]‖²_F, dW[l] += (λ/m) W[l], with m the
        mini-batch size (MLP's n_samples of the batch).
    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' is min(200, n_samples), a larger int is clipped (with a warning).
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of η for 'sgd' and 'gd' (Adam keeps ``learning_rate_init``), as MLP's:
        'invscaling' η = η0 / (t + 1)^power_t after each epoch (t: examples seen);
        'adaptive' divides η by 5 each time the stopping rule fires, instead of stopping
        (until η ≤ 1e-6).
    learning_rate_init : float, default=0.001
        η0 (the course's α).
    power_t : float, default=0.5
    max_iter : int, default=200
        Most epochs per ``fit`` ('lbfgs': iterations; ``course=True``: updates).
    shuffle : bool, default=True
        Reshuffle the examples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization, the shuffles and the early-stopping split; an int is used as
        the initializers' seed itself.
    tol : float or None, default=1e-4
        An epoch "improves" when the training loss falls below its best − tol (with early
        stopping: the validation score rises above its best + tol). Training stops after more
        than ``n_iter_no_change`` epochs in a row without improvement; a loss that *rose* is
        reported with a ConvergenceWarning, not taken for convergence. None turns the rule off.
    verbose : bool or int, default=False
        Print the loss after each epoch.
    warm_start : bool, default=False
        ``fit`` continues from the fitted parameters (with a new optimizer state, as MLP's);
        ``loss_curve_``, ``n_iter_`` and ``t_`` keep growing.
    momentum : float in [0, 1], default=0.9
        μ of 'sgd'.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for two classes, as MLP does),
        score it after every epoch (accuracy, R²) and stop after more than ``n_iter_no_change``
        epochs without a gain of ``tol``.
    validation_fraction : float, default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9 and 0.999
        Adam's β1 and β2.
    epsilon : float, default=1e-8
        Adam's ε.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping (counted in epochs, never single updates).
    max_fun : int, default=15000
        Most loss evaluations of 'lbfgs'.
    initialization : {'auto', 'zeros', 'random', 'scaled', 'he', 'xavier'}, default='auto'
        'auto' draws as MLP does (W[l]ᵀ, then b[l], uniform in ±√(6 / (n[l−1] + n[l])), 2 instead
        of 6 for 'logistic', from ``random_state``): with the same int ``random_state`` a
        DenseClassifier starts from MLPClassifier's weights and shuffles as it does, and trains to
        the same weights up to rounding. With ``course=True``, 'auto' is He for the ReLU family and
        Xavier otherwise. The other names: :mod:`denseflow.core.initializers` (zero biases).
    dtype : {'float64', 'float32'} or None, default=None
        The float type of the parameters and the arithmetic; None follows X (float32 stays
        float32, anything else is float64).
    course : bool, default=False
        The first course's training: full-batch gradient descent θ := θ − η dθ with the course's
        legacy ``RandomState(seed)`` draws, one update per iteration for every one of ``max_iter``
        iterations (``solver``, ``alpha``, ``batch_size``, ``momentum``, ``learning_rate``, ``tol``
        are not used; ``early_stopping`` still works).
    leaky_slope : float, default=0.01
        Slope of leaky ReLU for z < 0.
    restore_best_weights : bool, default=True
        With early stopping, end with the parameters of the best validation score (kept once:
        they become ``parameters_``)."""

_SHARED_ATTRIBUTES = """
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a DataFrame).
    parameters_ : dict
        W1, b1, …, WL, bL in the course's shapes (W[l] is (n[l], n[l−1]), b[l] is (n[l], 1)).
    coefs_ : list of ndarray
        MLP's view of the weights: ``coefs_[l-1]`` = W[l]ᵀ, shape (n[l−1], n[l]).
    intercepts_ : list of ndarray
        ``intercepts_[l-1]`` = b[l] as shape (n[l],).
    layer_dims_ : list of int
        [n_x, n[1], …, n[L]].
    n_layers_ : int
        L + 1 (MLP counts the input layer).
    n_outputs_ : int
        n[L].
    output_activation_ : {'sigmoid', 'softmax', 'identity'}
    out_activation_ : {'logistic', 'softmax', 'identity'}
        The same in MLP's names.
    loss_ : float
        The last epoch's loss.
    loss_curve_ : list of float
        The loss of every epoch: Σ_batches J_batch · m_batch / m (with ``solver='gd'`` and
        ``course=True``, J(θ(i)) before the i-th update, so ``loss_curve_[0]`` is the cost of the
        initial parameters).
    best_loss_ : float or None
        Lowest epoch loss (None with early stopping).
    validation_scores_ : list of float or None
        The validation score after each epoch (with early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run so far (all ``fit``/``partial_fit`` calls of a warm-started model together).
    t_ : int
        Training examples seen (epochs × examples), MLP's time step."""


class DenseClassifier(ClassifierMixin, _DenseBase):
    __doc__ = f"""A denseflow network as a scikit-learn classifier, with ``MLPClassifier``'s parameters.

    Two classes: one sigmoid unit, binary cross-entropy; more: a softmax of C units, categorical
    cross-entropy; multilabel y (an indicator matrix (n_samples, n_labels)): one sigmoid unit per
    label, binary cross-entropy summed over the labels. dZ[L] = A[L] − Y in each case.

    Parameters
    ----------{_SHARED_DOC}
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the cost and gradients (multiplying ``sample_weight``;
        single-label y only).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels (multilabel: 0 … n_labels − 1).{_SHARED_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.sklearn import DenseClassifier
    >>> X = np.array([[0.], [1.], [2.], [3.]]); y = ["no", "no", "yes", "yes"]
    >>> clf = DenseClassifier((), solver="gd", initialization="zeros", learning_rate_init=1.0, alpha=0.0,
    ...                       max_iter=500, tol=None).fit(X, y)
    >>> clf.predict(X).tolist(), round(clf.loss_curve_[0], 6)
    (['no', 'no', 'yes', 'yes'], 0.693147)
    >>> [c.shape for c in clf.coefs_], clf.out_activation_
    ([(1, 1)], 'logistic')
    """

    _parameter_constraints: dict = {
        **_DenseBase._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, initialization="auto", dtype=None, course=False,
                 leaky_slope=0.01, restore_best_weights=True, class_weight=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose, warm_start=warm_start,
            momentum=momentum, nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            n_iter_no_change=n_iter_no_change, max_fun=max_fun, initialization=initialization, dtype=dtype,
            course=course, leaky_slope=leaky_slope, restore_best_weights=restore_best_weights,
        )
        self.class_weight = class_weight

    # ------------------------------------------------------------------ targets

    @property
    def _multilabel(self):
        return getattr(self, "_multilabel_", False)

    def _n_network_outputs(self):
        return len(self.classes_) if (self._multilabel or len(self.classes_) > 2) else 1

    def _course_targets(self, y_enc):
        """Class indices → Y (1, m) of 0/1 for a sigmoid, one-hot Y (C, m) for a softmax; an
        indicator matrix (m, n_labels) → Y (n_labels, m)."""
        if y_enc.ndim == 2:
            return _to_course_layout(y_enc).astype(np.float64)
        C, m = len(self.classes_), y_enc.shape[0]
        if C == 2:
            return y_enc.reshape(1, m).astype(np.float64)
        Y = np.zeros((C, m))
        Y[y_enc, np.arange(m)] = 1.0
        return Y

    def _encode(self, y):
        if self._multilabel:
            return y.astype(np.int64)
        unknown = ~np.isin(y, self.classes_)
        if np.any(unknown):
            raise ValueError(
                f"y holds labels {np.unique(y[unknown])[:5].tolist()} that are not among classes_ "
                f"{self.classes_.tolist()}. Pass every class in the first call (classes=...), or call fit "
                f"with warm_start=False to start anew."
            )
        return np.searchsorted(self.classes_, y)

    def _class_weights(self, y, sample_weight):
        if self.class_weight is None:
            return None
        if self._multilabel:
            raise ValueError("class_weight is for single-label y; with multilabel y pass sample_weight instead.")
        kwargs = {}
        if sample_weight is not None and "sample_weight" in inspect.signature(compute_class_weight).parameters:
            kwargs["sample_weight"] = sample_weight  # weighted class counts (scikit-learn >= 1.7)
        return compute_class_weight(self.class_weight, classes=self.classes_, y=y, **kwargs)

    def _validation_score(self, parameters, X_val, y_val, w_val):
        return accuracy_score(y_val, self._labels_from(self._forward(parameters, X_val)), sample_weight=w_val)

    def _labels_from(self, AL):
        if self._multilabel:
            return _to_sklearn_layout(AL > 0.5).astype(np.int64)
        if self.output_activation_ == "sigmoid":
            return (AL[0] > 0.5).astype(np.int64)
        return np.argmax(AL, axis=0)

    def _check_Xy(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=_FLOATS, accept_sparse=_SPARSE, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.ndim == 2 and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__} takes y as one label per example (n_samples,) or as a multilabel "
                f"indicator matrix of 0/1 (n_samples, n_labels); got {type_of_target(y)!r} y of shape {y.shape}. "
                f"Fit one classifier per output (sklearn.multioutput.MultiOutputClassifier)."
            )
        return X, y

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and labels y (n_samples,) or a multilabel indicator matrix.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights w(i) ≥ 0 in J = Σ w L / Σ w and its gradients.

        Returns
        -------
        self
        """
        continuing = self.warm_start and hasattr(self, "parameters_")
        X, y = self._check_Xy(X, y, reset=not continuing)
        multilabel = y.ndim == 2
        classes = np.arange(y.shape[1]) if multilabel else np.unique(y)
        if continuing and (multilabel != self._multilabel or not np.array_equal(classes, self.classes_)):
            raise ValueError(
                f"warm_start can only be used where y has the same classes as in the previous call to fit. "
                f"Previously got {self.classes_.tolist()}, y has {classes.tolist()}."
            )
        self.classes_, self._multilabel_ = classes, multilabel
        y_enc = y.astype(np.int64) if multilabel else np.searchsorted(classes, y)
        w = self._weights(X, y_enc, sample_weight, self._class_weights(y, sample_weight))
        if not multilabel:
            present = classes if w is None else classes[np.bincount(y_enc, weights=w, minlength=len(classes)) > 0]
            if len(present) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes (with positive weight) in the data, "
                    f"but the data contains only one class: {present[0]!r}."
                )
        self.output_activation_ = "softmax" if len(classes) > 2 and not multilabel else "sigmoid"
        self.n_outputs_ = self._n_network_outputs()
        return self._train(X, y_enc, w, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch on (X, y), continuing the fitted network, its optimizer state and its history.

        ``classes`` (every label the model will see) is required on the first call.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the class frequencies of one batch "
                "are not those of the data. Compute them once with sklearn.utils.class_weight."
                "compute_class_weight('balanced', classes=classes, y=y) and pass them as a dict."
            )
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True (there is no epoch loop to stop): "
                             "set early_stopping=False, or use fit.")
        first = _check_partial_fit_first_call(self, classes) or not hasattr(self, "parameters_")
        X, y = self._check_Xy(X, y, reset=first)
        if first:
            self._multilabel_ = y.ndim == 2
        if len(self.classes_) < 2:
            raise ValueError(f"classes must hold at least 2 classes; got {self.classes_.tolist()}.")
        if self._multilabel and (y.ndim != 2 or y.shape[1] != len(self.classes_)):
            raise ValueError(f"y must be a multilabel indicator matrix with {len(self.classes_)} columns, as in the "
                             f"first call; got shape {y.shape}.")
        y_enc = self._encode(y)
        w = self._weights(X, y_enc, sample_weight,
                          None if self._multilabel else self._class_weights(self.classes_[y_enc], sample_weight))
        self.output_activation_ = "softmax" if len(self.classes_) > 2 and not self._multilabel else "sigmoid"
        self.n_outputs_ = self._n_network_outputs()
        return self._train(X, y_enc, w, incremental=True)

    # ------------------------------------------------------------------ inference

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``
        (multilabel: P(label k) for each of the n_labels columns)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS, accept_sparse=_SPARSE)
        AL = self._forward(self.parameters_, X)
        if self.output_activation_ == "sigmoid" and not self._multilabel:
            AL = np.vstack([1.0 - AL, AL])  # P(class 0) = 1 − σ(z)
        return _to_sklearn_layout(AL)

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row of X (p > 0.5 for two classes and for each label)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS, accept_sparse=_SPARSE)
        labels = self._labels_from(self._forward(self.parameters_, X))
        return labels if self._multilabel else self.classes_[labels]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


class DenseRegressor(RegressorMixin, _DenseBase):
    __doc__ = f"""A denseflow network as a scikit-learn regressor, with ``MLPRegressor``'s parameters.

    An identity output with squared error: J = Σ_i w(i) · ½‖ŷ(i) − y(i)‖² / Σ_i w(i) on each
    mini-batch (plus the L2 term). ``y`` may have several columns (one output unit each). With
    ``standardize_targets`` (the default) the network learns (y − mean) / std and ``predict``
    undoes it, so raw targets of any scale train with Adam's default step; ``loss_`` and
    ``loss_curve_`` are then on the standardized scale. Early stopping scores R².

    Parameters
    ----------
    loss : {{'squared_error'}}, default='squared_error'
        MLPRegressor's name of the loss (keyword only here).{_SHARED_DOC}
    standardize_targets : bool, default=True
        Fit on (y − target_mean_) / target_std_ (per output, weighted by ``sample_weight``).

    Attributes
    ----------
    target_mean_, target_std_ : ndarray of shape (n_outputs,)
        The standardization of y (0 and 1 without it).{_SHARED_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.sklearn import DenseRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1); y = 300 * X.ravel() + 150
    >>> reg = DenseRegressor(hidden_layer_sizes=(), solver="gd", learning_rate_init=0.5, alpha=0.0, max_iter=300,
    ...                      tol=None).fit(X, y)
    >>> round(reg.score(X, y), 4), reg.target_mean_.round(1)
    (1.0, array([150.]))
    """

    _parameter_constraints: dict = {
        **_DenseBase._parameter_constraints,
        "loss": [StrOptions({"squared_error"})],
        "standardize_targets": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared_error", solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, initialization="auto", dtype=None,
                 course=False, leaky_slope=0.01, restore_best_weights=True, standardize_targets=True):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose, warm_start=warm_start,
            momentum=momentum, nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            n_iter_no_change=n_iter_no_change, max_fun=max_fun, initialization=initialization, dtype=dtype,
            course=course, leaky_slope=leaky_slope, restore_best_weights=restore_best_weights,
        )
        self.loss = loss
        self.standardize_targets = standardize_targets

    def _n_network_outputs(self):
        return self.n_outputs_

    def _course_targets(self, y):
        Y = y.reshape(y.shape[0], -1)
        return _to_course_layout((Y - self.target_mean_) / self.target_std_)

    def _predict_from(self, AL):
        return _to_sklearn_layout(AL) * self.target_std_ + self.target_mean_

    def _validation_score(self, parameters, X_val, y_val, w_val):
        y_pred = self._predict_from(self._forward(parameters, X_val))
        return r2_score(y_val.reshape(y_val.shape[0], -1), y_pred, sample_weight=w_val)

    def _check_y(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=_FLOATS, accept_sparse=_SPARSE, multi_output=True,
                             y_numeric=True)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if not reset and n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} outputs, but this {type(self).__name__} was fitted with "
                             f"{self.n_outputs_}. Call fit with warm_start=False to start anew.")
        self.n_outputs_ = n_outputs
        return X, y

    def _standardization(self, y, w, reset):
        if not reset:
            return
        Y = y.reshape(y.shape[0], -1)
        if self.standardize_targets:
            mean = np.average(Y, axis=0, weights=w)
            std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
            std[~(std > 1e-12 * np.maximum(1.0, np.abs(mean)))] = 1.0  # a constant target: no scaling
        else:
            mean, std = np.zeros(Y.shape[1]), np.ones(Y.shape[1])
        self.target_mean_, self.target_std_ = mean, std

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features), dense or sparse, and targets y (n_samples,) or (n_samples, n_outputs)."""
        continuing = self.warm_start and hasattr(self, "parameters_")
        X, y = self._check_y(X, y, reset=not continuing)
        self.output_activation_ = "identity"
        w = self._weights(X, y, sample_weight, None)
        self._standardization(y, w, reset=not continuing)
        return self._train(X, y, w, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on (X, y), continuing the fitted network, its optimizer state and its history.

        The target standardization is taken from the first call's y.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True (there is no epoch loop to stop): "
                             "set early_stopping=False, or use fit.")
        first = not hasattr(self, "parameters_")
        X, y = self._check_y(X, y, reset=first)
        self.output_activation_ = "identity"
        w = self._weights(X, y, sample_weight, None)
        self._standardization(y, w, reset=first)
        return self._train(X, y, w, incremental=True)

    def predict(self, X):
        """ŷ, shape (n_samples,) for one output, (n_samples, n_outputs) for several."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS, accept_sparse=_SPARSE)
        y = self._predict_from(self._forward(self.parameters_, X))
        return y.ravel() if self.n_outputs_ == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

