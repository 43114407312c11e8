"""scikit-learn estimators: denseflow networks inside Pipelines, cross-validation and searches.

:class:`DenseClassifier` (a sigmoid output for two classes, a softmax for more) and
:class:`DenseRegressor` (an identity output with squared error) follow scikit-learn's contract:
``X`` is (n_samples, n_features), ``__init__`` only stores its arguments, the parameters are
checked in ``fit`` against the declared ``_parameter_constraints`` table (with scikit-learn's
own messages), and learned state ends in ``_``. Underneath, training is denseflow's
full-batch gradient descent (:class:`denseflow.models.Network`) in the course's layout
X (n_x, m), so the estimators keep what scikit-learn's MLP does not have: leaky ReLU, the
course's initializations, course-exact training (``course=True``), a cost history that starts
at iteration 0, float32, and ``sample_weight`` / ``class_weight`` in the cost and gradients:

.. math::

    J(\\theta) = \\frac{\\sum_i w^{(i)} \\mathcal{L}(\\hat y^{(i)}, y^{(i)})}{\\sum_i w^{(i)}},
    \\qquad w^{(i)} = \\text{sample\\_weight}_i \\cdot \\text{class\\_weight}[y^{(i)}].

One iteration is one gradient-descent update on the whole training set (an "epoch" of
``MLPClassifier(solver="sgd", batch_size=n_samples, momentum=0)``), so ``tol`` and
``n_iter_no_change`` stop training by the same rule as scikit-learn's MLP.

This module defines the two estimators (their targets, ``fit``/``partial_fit`` and inference);
what they share (the layout transpose, the stopping rules, the base class with ``_train``) is
in :mod:`denseflow.sklearn.base`.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from denseflow.sklearn import DenseClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = make_pipeline(StandardScaler(), DenseClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.5,
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
)
from sklearn.utils.validation import check_is_fitted, validate_data

# The shared base and helpers live in denseflow.sklearn.base.
from denseflow.sklearn.base import (
    _FLOATS,
    _DenseBase,
    _to_course_layout,
    _to_sklearn_layout,
)

__all__ = ["DenseClassifier", "DenseRegressor"]


class DenseClassifier(ClassifierMixin, _DenseBase):
    """A denseflow network as a scikit-learn classifier.

    Two classes: one sigmoid unit, binary cross-entropy; more: a softmax of C units, categorical
    cross-entropy. Training is full-batch gradient descent θ := θ − α dθ, one update per
    iteration.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        n[1], …, n[L−1]; ``()`` gives logistic (softmax) regression.
    activation : str, default='relu'
        Hidden activation, one of :data:`denseflow.core.activations.HIDDEN_ACTIVATIONS`
        ('relu', 'leaky_relu', 'tanh', 'sigmoid', 'identity', 'linear').
    learning_rate_init : float, default=0.1
        α, the gradient-descent step (constant).
    max_iter : int, default=200
        Most updates per ``fit`` call (``partial_fit`` makes exactly one).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization and the early-stopping split; an int is used as the
        initializers' seed itself.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when its accuracy
        has not improved by ``tol`` for more than ``n_iter_no_change`` iterations.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float or None, default=1e-4
        Without early stopping, training stops when the cost has not fallen by ``tol`` for more
        than ``n_iter_no_change`` iterations; None turns that rule off.
    warm_start : bool, default=False
        ``fit`` continues from the fitted parameters; ``loss_curve_`` and ``n_iter_`` keep growing.
    verbose : int, default=0
        Print the cost every ``verbose`` iterations (0: silent).
    initialization : {'auto', 'zeros', 'random', 'scaled', 'he', 'xavier'}, default='auto'
        See :mod:`denseflow.core.initializers`; 'auto' is He for the ReLU family, Xavier otherwise.
    dtype : {'float64', 'float32'}, default='float64'
    course : bool, default=False
        The course's way: legacy ``RandomState(seed)`` draws and every one of ``max_iter``
        iterations (the ``tol`` rule is off).
    leaky_slope : float, default=0.01
        Slope of leaky ReLU for z < 0.
    restore_best_weights : bool, default=True
        With early stopping, end with the parameters of the best validation score.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the cost and gradients (multiplying ``sample_weight``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a DataFrame).
    parameters_ : dict
        W1, b1, …, WL, bL in the course's shapes (W[l] is (n[l], n[l−1])).
    layer_dims_ : list of int
    output_activation_ : {'sigmoid', 'softmax'}
    loss_curve_ : list of float
        J(θ(i)) for every iteration i, starting at iteration 0 (the initial parameters).
    best_loss_ : float or None
        Lowest cost seen (without early stopping).
    validation_scores_ : list of float or None
        Validation accuracy after each update (with early stopping).
    best_validation_score_ : float or None
    best_parameters_ : dict or None
        The parameters of ``best_validation_score_`` (with early stopping).
    n_iter_ : int
        Updates made so far (all ``fit``/``partial_fit`` calls of a warm-started model together).
    network_ : denseflow.models.Network
        The trained network in the course layout (X (n_x, m)); its labels are 0 … C−1.

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.sklearn import DenseClassifier
    >>> X = np.array([[0.], [1.], [2.], [3.]]); y = ["no", "no", "yes", "yes"]
    >>> clf = DenseClassifier((), initialization="zeros", learning_rate_init=1.0, max_iter=500, tol=None).fit(X, y)
    >>> clf.predict(X).tolist(), round(clf.loss_curve_[0], 6)
    (['no', 'no', 'yes', 'yes'], 0.693147)
    """

    _parameter_constraints: dict = {
        **_DenseBase._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, learning_rate_init=0.1, max_iter=200,
                 random_state=None, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 tol=1e-4, warm_start=False, verbose=0, initialization="auto", dtype="float64", course=False,
                 leaky_slope=0.01, restore_best_weights=True, class_weight=None):
        super().__init__(
            hidden_layer_sizes, activation, learning_rate_init=learning_rate_init, max_iter=max_iter,
            random_state=random_state, early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol, warm_start=warm_start, verbose=verbose,
            initialization=initialization, dtype=dtype, course=course, leaky_slope=leaky_slope,
            restore_best_weights=restore_best_weights,
        )
        self.class_weight = class_weight

    # ------------------------------------------------------------------ targets

    def _n_network_outputs(self):
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _course_targets(self, y_enc):
        """Class indices → Y (1, m) of 0/1 for a sigmoid, one-hot Y (C, m) for a softmax."""
        C, m = len(self.classes_), y_enc.shape[0]
        if C == 2:
            return y_enc.reshape(1, m).astype(np.float64)
        Y = np.zeros((C, m))
        Y[y_enc, np.arange(m)] = 1.0
        return Y

    def _encode(self, y):
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
        kwargs = {}
        if sample_weight is not None and "sample_weight" in inspect.signature(compute_class_weight).parameters:
            kwargs["sample_weight"] = sample_weight  # weighted class counts (scikit-learn >= 1.7)
        return compute_class_weight(self.class_weight, classes=self.classes_, y=y, **kwargs)

    def _validation_score(self, parameters, Xc_val, y_val, w_val):
        return accuracy_score(y_val, self._labels_from(self._forward(parameters, Xc_val)), sample_weight=w_val)

    def _labels_from(self, AL):
        if self.output_activation_ == "sigmoid":
            return (AL[0] > 0.5).astype(np.int64)
        return np.argmax(AL, axis=0)

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and labels y (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights w(i) ≥ 0 in J = Σ w L / Σ w and its gradients.

        Returns
        -------
        self
        """
        continuing = self.warm_start and hasattr(self, "parameters_")
        X, y = validate_data(self, X, y, reset=not continuing, dtype=_FLOATS)
        check_classification_targets(y)
        classes = np.unique(y)
        if continuing and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"warm_start can only be used where y has the same classes as in the previous call to fit. "
                f"Previously got {self.classes_.tolist()}, y has {classes.tolist()}."
            )
        self.classes_ = classes
        y_enc = np.searchsorted(classes, y)
        w = self._weights(X, y_enc, sample_weight, self._class_weights(y, sample_weight))
        present = classes if w is None else classes[np.bincount(y_enc, weights=w, minlength=len(classes)) > 0]
        if len(present) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes (with positive weight) in the data, "
                f"but the data contains only one class: {present[0]!r}."
            )
        self.output_activation_ = "sigmoid" if len(classes) == 2 else "softmax"
        return self._train(X, y_enc, w, continuing=continuing, max_iter=self.max_iter,
                           early_stopping=self.early_stopping)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One gradient-descent update on (X, y), continuing the fitted network and its history.

        ``classes`` (every label the model will see) is required on the first call.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the class frequencies of one batch "
                "are not those of the data. Compute them once with sklearn.utils.class_weight."
                "compute_class_weight('balanced', classes=classes, y=y) and pass them as a dict."
            )
        first = _check_partial_fit_first_call(self, classes) or not hasattr(self, "parameters_")
        X, y = validate_data(self, X, y, reset=first, dtype=_FLOATS)
        check_classification_targets(y)
        if len(self.classes_) < 2:
            raise ValueError(f"classes must hold at least 2 classes; got {self.classes_.tolist()}.")
        y_enc = self._encode(y)
        w = self._weights(X, y_enc, sample_weight, self._class_weights(self.classes_[y_enc], sample_weight))
        self.output_activation_ = "sigmoid" if len(self.classes_) == 2 else "softmax"
        return self._train(X, y_enc, w, continuing=not first, max_iter=1, early_stopping=False)

    # ------------------------------------------------------------------ inference

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        AL = self._forward(self.parameters_, _to_course_layout(X))
        if self.output_activation_ == "sigmoid":
            AL = np.vstack([1.0 - AL, AL])  # P(class 0) = 1 − σ(z)
        return _to_sklearn_layout(AL)

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row of X (p > 0.5 for two classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return self.classes_[self._labels_from(self._forward(self.parameters_, _to_course_layout(X)))]


class DenseRegressor(RegressorMixin, _DenseBase):
    """A denseflow network as a scikit-learn regressor: identity output, squared error.

    J = Σ_i w(i) · ½‖ŷ(i) − y(i)‖² / Σ_i w(i). Parameters and attributes are those of
    :class:`DenseClassifier` (without ``classes_`` and ``class_weight``); with early stopping the
    validation score is R². ``y`` may have several columns (one output unit each).

    Examples
    --------
    >>> import numpy as np
    >>> from denseflow.sklearn import DenseRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1); y = 3 * X.ravel() + 1
    >>> reg = DenseRegressor(hidden_layer_sizes=(), learning_rate_init=0.5, max_iter=300, tol=None).fit(X, y)
    >>> round(reg.score(X, y), 4)
    1.0
    """

    def _n_network_outputs(self):
        return self.n_outputs_

    def _course_targets(self, y):
        return _to_course_layout(y.reshape(y.shape[0], -1))

    def _validation_score(self, parameters, Xc_val, y_val, w_val):
        y_pred = _to_sklearn_layout(self._forward(parameters, Xc_val))
        return r2_score(y_val.reshape(y_val.shape[0], -1), y_pred, sample_weight=w_val)

    def _check_y(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=_FLOATS, multi_output=True, y_numeric=True)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if not reset and n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} outputs, but this {type(self).__name__} was fitted with "
                             f"{self.n_outputs_}. Call fit with warm_start=False to start anew.")
        self.n_outputs_ = n_outputs
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_outputs)."""
        continuing = self.warm_start and hasattr(self, "parameters_")
        X, y = self._check_y(X, y, reset=not continuing)
        self.output_activation_ = "identity"
        return self._train(X, y, self._weights(X, y, sample_weight, None), continuing=continuing,
                           max_iter=self.max_iter, early_stopping=self.early_stopping)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One gradient-descent update on (X, y), continuing the fitted network and its history."""
        first = not hasattr(self, "parameters_")
        X, y = self._check_y(X, y, reset=first)
        self.output_activation_ = "identity"
        return self._train(X, y, self._weights(X, y, sample_weight, None), continuing=not first, max_iter=1,
                           early_stopping=False)

    def predict(self, X):
        """ŷ, shape (n_samples,) for one output, (n_samples, n_outputs) for several."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        y = _to_sklearn_layout(self._forward(self.parameters_, _to_course_layout(X)))
        return y.ravel() if self.n_outputs_ == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
