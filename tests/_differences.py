"""Central differences for the gradient tests: one independent numerical derivative, shared."""

from __future__ import annotations

import numpy as np


def central_differences(cost, params, eps=1e-6):
    """{"dW1": …, "db1": …}: ∂J/∂θ ≈ (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε for every entry of every parameter.

    ``cost`` maps a parameter dict to the scalar J; ``params`` is never modified (each probe
    changes one entry of a copy).
    """
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value, dtype=np.float64)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            g[idx] = (cost(plus) - cost(minus)) / (2 * eps)
        grads["d" + key] = g
    return grads
