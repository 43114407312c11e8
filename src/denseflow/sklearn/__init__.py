"""scikit-learn estimators: :class:`DenseClassifier` and :class:`DenseRegressor`.

They take scikit-learn MLP's parameters and train as ``MLPClassifier`` / ``MLPRegressor`` do, on
the course's arithmetic. ``estimators`` defines the two estimators; ``base`` what they share (the
layout transpose, the training loops and stopping rules, the base class); ``solvers`` the
mini-batch forward/backward step and the update rules. scikit-learn is imported only when this
package is.
"""

from denseflow.sklearn.estimators import DenseClassifier, DenseRegressor

__all__ = ["DenseClassifier", "DenseRegressor"]
