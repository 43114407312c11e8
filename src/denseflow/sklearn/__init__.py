"""scikit-learn estimators: :class:`DenseClassifier` and :class:`DenseRegressor`.

``estimators`` defines the two estimators; ``base`` what they share (the layout transpose, the
stopping rules, the base class). scikit-learn is imported only when this package is.
"""

from denseflow.sklearn.estimators import DenseClassifier, DenseRegressor

__all__ = ["DenseClassifier", "DenseRegressor"]
