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
``optimizers``      θ := θ − α dθ as a pure init/update pair; update_parameters
==================  ==========================================================================

Each module is imported by its own path, as the course's notebooks import their helpers::

    from denseflow.core.propagation import model_forward, compute_cost, model_backward
    from denseflow.core.initializers import initialize_parameters
    from denseflow.core.optimizers import update_parameters

Nothing here imports anything outside ``denseflow.core`` (a checked contract in
``pyproject.toml``); only NumPy and SciPy are used.
"""

__all__ = ["activations", "caches", "initializers", "losses", "optimizers", "propagation", "validation"]
