"""Gradient checking: back-propagation against central differences, one report line per parameter.

==================  ==========================================================================
module              holds
==================  ==========================================================================
``check``           :func:`gradient_check`, :func:`random_check`, the report records
``differences``     the input checks and dθ_approx = (J(θ + ε) − J(θ − ε)) / 2ε of one array
``report``          the printed table
==================  ==========================================================================

Examples
--------
>>> import numpy as np
>>> from denseflow.gradcheck import gradient_check
>>> from denseflow.core.initializers import initialize_parameters
>>> params = initialize_parameters([3, 4, 1], method="he", seed=1)
>>> X, Y = np.random.default_rng(0).standard_normal((3, 5)), np.array([[1, 0, 1, 1, 0]])
>>> gradient_check(params, X, Y, hidden_activation="tanh").passed
True
"""

from denseflow.gradcheck.check import (
    GradCheckReport,
    ParameterCheck,
    gradient_check,
    random_check,
    relative_error,
)

__all__ = ["ParameterCheck", "GradCheckReport", "gradient_check", "random_check", "relative_error"]
