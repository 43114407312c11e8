"""The course's arithmetic: one module per concept of the notes, in the order data flows.

==================  ==========================================================================
module              the notes' formulas it holds
==================  ==========================================================================
``validation``      the checks at the boundary: X (n_x, m), Y (1, m), W[l] (n[l], n[l-1]), names
``activations``     g(z) and g'(z): sigmoid, tanh, ReLU, leaky ReLU, identity, softmax
``losses``          the cost J: binary cross-entropy, categorical cross-entropy, squared error;
                    the output gradient dZ[L]
``initializers``    W[l], b[l]: zeros, random ×0.01, /√n[l−1], He, Xavier; the legacy seeding
``caches``          the named caches (A_prev, W, b) and ((A_prev, W, b), Z)
``propagation``     Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]), the L-layer forward pass,
                    compute_cost, dW, db, dA_prev and the L-layer backward pass
``optimizers``      θ := θ − α dθ, momentum, RMSprop, Adam: the course's update_parameters_with_*
                    and pure init/update pairs; the registry OPTIMIZERS
``minibatches``     random_mini_batches: one shuffle per epoch, cut into batches of B columns
``schedules``       α(t): update_lr, schedule_lr_decay and the registry SCHEDULES
``regularization``  L2 (λ/2m) Σ‖W[l]‖² and its dW[l] += (λ/m) W[l]; inverted dropout with masks
                    D[l] in the caches
==================  ==========================================================================

Each module is imported by its own path, as the course's notebooks import their helpers::

    from denseflow.core.propagation import model_forward, compute_cost, model_backward
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.optimizers import update_parameters

Nothing here imports anything outside ``denseflow.core`` (a checked contract in
``pyproject.toml``); only NumPy and SciPy are used.
"""

import importlib

__all__ = [
    "activations",
    "caches",
    "initializers",
    "losses",
    "minibatches",
    "optimizers",
    "propagation",
    "regularization",
    "schedules",
    "validation",
]


def __getattr__(name):
    # Modules load when first used (``denseflow.core.schedules`` works after ``import denseflow``).
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'denseflow.core' has no attribute {name!r}")
