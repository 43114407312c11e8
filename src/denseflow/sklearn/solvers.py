"""The estimators' solvers: scikit-learn MLP's training loop on the course's layout and arithmetic.

:class:`~denseflow.sklearn.DenseClassifier` and :class:`~denseflow.sklearn.DenseRegressor` train
the way ``MLPClassifier`` / ``MLPRegressor`` do, with the course's forward and backward steps:

- **one epoch** is one pass over the training examples in mini-batches of ``batch_size`` (the
  last one smaller), reshuffled every epoch when ``shuffle``; the epoch's loss is
  Σ_batches J_batch · m_batch / m (MLP's ``loss_``, the course's ``cost_total / m``);
- on one mini-batch X{t} (m_t examples), with A[0] = X{t}ᵀ (n_x, m_t) — a transposed *view* of
  scikit-learn's rows, the one transpose between the two layouts:

  .. math::

      Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \\quad A^{[l]} = g^{[l]}(Z^{[l]}), \\quad
      J = \\frac{1}{m_t}\\sum_i \\mathcal{L}(\\hat y^{(i)}, y^{(i)})
          + \\frac{\\alpha}{2 m_t}\\sum_l \\lVert W^{[l]}\\rVert_F^2,

  dZ[L] = A[L] − Y (exact for sigmoid + binary cross-entropy, softmax + categorical
  cross-entropy, identity + squared error), dW[l] = (1/m_t) dZ[l] A[l−1]ᵀ + (α/m_t) W[l],
  db[l] = (1/m_t) Σ dZ[l], dA[l−1] = W[l]ᵀ dZ[l], dZ[l−1] = dA[l−1] ⊙ g'(Z[l−1]).
  MLP's ``alpha`` *is* the course's L2 λ, with m the mini-batch size (MLP divides by the batch's
  n_samples); with sample weights w, 1/m_t becomes w(i)/Σw.
- **the update** (:func:`make_optimizer`): ``'adam'`` is the course's Adam with the bias
  correction folded into the step, as the paper's section 2 and MLP write it (:func:`mlp_adam`);
  ``'sgd'`` is MLP's momentum
  u := μ u − η dθ, θ := θ + u (Nesterov: θ := θ + μ u − η dθ), the course's momentum
  v := μ v + (1 − μ) dθ, θ := θ − α v with α = η / (1 − μ) while η is constant; ``'gd'`` is the
  course's θ := θ − η dθ on the whole training set.

Sparse X (CSR) is used as it is: the first layer's products are X W[1]ᵀ and dZ[1] X, scipy's
sparse products.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.activations import get_activation
>>> from denseflow.core.initializers import initialize_parameters
>>> X = np.array([[0.], [1.], [2.], [3.]]); Y = np.array([[0., 0., 1., 1.]])
>>> params = initialize_parameters([1, 1], "zeros")
>>> loss, grads = batch_gradients(params, X, Y, None, get_activation("relu"), get_activation("sigmoid"), 0.0)
>>> round(loss, 6), grads["dW1"], grads["db1"]
(0.693147, array([[-0.5]]), array([[0.]]))
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from denseflow.core.losses import LOSSES, cost_of
from denseflow.core.optimizers import AdamState, Optimizer, gradient_descent

__all__: list[str] = []  # used by denseflow.sklearn's estimators only

#: The output layer's loss: each output activation with its canonical loss (dZ[L] = A[L] − Y).
OUTPUT_LOSS = {
    "sigmoid": LOSSES["binary_cross_entropy"],
    "softmax": LOSSES["categorical_cross_entropy"],
    "identity": LOSSES["squared_error"],
}


def forward(parameters, X, hidden, output):
    """A[L] (n[L], m) and the caches [(A[l−1], Z[l], A[l])] of sample-major X (m, n_x), dense or sparse.

    A[0] = Xᵀ: the first layer computes Z[1] = W[1] Xᵀ + b[1] as (X W[1]ᵀ)ᵀ, which works for a
    sparse X as well; every later layer is the course's Z[l] = W[l] A[l−1] + b[l].
    """
    L = len(parameters) // 2
    caches = []
    A = None
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = (safe_sparse_dot(X, W.T).T if l == 1 else W @ A) + b  # Z[l] = W[l] A[l−1] + b[l]
        act = output if l == L else hidden
        A_prev = A
        if act.name == "relu":
            A = np.maximum(Z, 0, out=Z)  # in place: ReLU'(Z) = 1[A > 0] needs A only (the cache's Z is A)
        else:
            A = act.forward(Z)  # A[l] = g[l](Z[l])
        caches.append((A_prev, Z, A))
    return A, caches


def _hidden_dZ(hidden, dA, Z, A):
    """dZ[l] = dA[l] ⊙ g'(Z[l]); dA is a fresh array (W[l+1]ᵀ dZ[l+1]) and may be overwritten."""
    if hidden.name == "relu":
        return np.multiply(dA, A > 0, out=dA)  # ReLU'(z) = 1 if z > 0 else 0 (A > 0 ⇔ Z > 0)
    return hidden.backward(dA, Z, A)


def _loss(output, AL, Y, ZL, w):
    """The batch's mean loss from A[L], falling back to the logits' stable form when A[L] saturates.

    For 0/1 targets −[y log a + (1 − y) log(1 − a)] = −log(a if y = 1 else 1 − a), and for one-hot
    Y −Σ_k y_k log a_k = −log(Σ_k y_k a_k): one log per example and output instead of a
    log-sigmoid or log-softmax of Z[L]. Where a probability is 0 or 1 in floating point, the
    logits' formula of :func:`denseflow.core.losses.cost_of` gives the exact, finite value.
    """
    if output.name == "identity":
        return cost_of(OUTPUT_LOSS["identity"], output, AL, Y, ZL, w)
    picked = np.sum(Y * AL, axis=0, keepdims=True) if output.name == "softmax" else np.where(Y > 0.5, AL, 1.0 - AL)
    if not np.all(picked > 0):
        return cost_of(OUTPUT_LOSS[output.name], output, AL, Y, ZL, w)
    per_example = -np.sum(np.log(picked), axis=0)
    m = per_example.shape[0]
    return float(np.sum(per_example) / m if w is None else np.sum(per_example * w[0]) / np.sum(w))


def batch_gradients(parameters, X, Y, w, hidden, output, alpha):
    """J and dθ of one mini-batch: X (m_t, n_x) rows, Y (n[L], m_t) course layout, w (1, m_t) or None.

    Returns
    -------
    loss : float
        J = Σ w(i) L(i) / Σ w + α/(2 Σ w) Σ_l ‖W[l]‖²_F (w = 1: the course's 1/m_t).
    grads : dict
        ``{"dW1", "db1", …}`` in the parameters' shapes and dtype.
    """
    L = len(parameters) // 2
    AL, caches = forward(parameters, X, hidden, output)
    m = X.shape[0]
    total = float(m) if w is None else float(np.sum(w))
    loss = _loss(output, AL, Y, caches[-1][1], w)
    dZ = AL - Y  # dZ[L] = A[L] − Y: exact for the three canonical (output, loss) pairs
    if w is not None:
        dZ = dZ * (w * (m / total))  # then (1/m) Σ gives the weighted mean Σ w(i) (...) / Σ w
    grads = {}
    for l in range(L, 0, -1):
        A_prev = caches[l - 1][0]
        W = parameters[f"W{l}"]
        dW = (safe_sparse_dot(dZ, X) if l == 1 else dZ @ A_prev.T) * (1.0 / m)  # dW[l] = (1/m) dZ[l] A[l−1]ᵀ
        if alpha:
            dW += (alpha / total) * W  # + (λ/m) W[l]
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) * (1.0 / m)  # db[l] = (1/m) Σ dZ[l]
        if l > 1:
            dZ = _hidden_dZ(hidden, W.T @ dZ, caches[l - 2][1], caches[l - 2][2])  # dZ[l−1] = W[l]ᵀ dZ[l] ⊙ g'(Z[l−1])
    if alpha:
        loss += alpha / (2.0 * total) * sum(float(np.vdot(parameters[f"W{l}"], parameters[f"W{l}"]))
                                             for l in range(1, L + 1))
    return loss, grads


class SGDState(dict):
    """MLP's SGD state: the velocity u of every parameter, keyed like the parameters ('W1', 'b1', …)."""


def mlp_sgd(learning_rate: float, momentum: float = 0.9, nesterov: bool = True) -> Optimizer:
    """MLP's stochastic gradient descent with momentum, as a pure ``init`` / ``update`` pair.

    u := μ u − η dθ;  θ := θ + u, or with Nesterov's momentum θ := θ + μ u − η dθ (u already
    updated). With μ = 0 it is θ := θ − η dθ.

    Examples
    --------
    >>> import numpy as np
    >>> opt = mlp_sgd(0.1, momentum=0.5, nesterov=False)
    >>> params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    >>> grads = {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}
    >>> state = opt.init(params)
    >>> params, state = opt.update(grads, state, params)
    >>> params, state = opt.update(grads, state, params)
    >>> float(params["W1"][0, 0])  # −0.1, then −0.1 + (0.5·(−0.1) − 0.1)
    -0.25
    """
    eta0 = float(learning_rate)
    mu = float(momentum)

    def init(params):
        return SGDState({k: np.zeros_like(v) for k, v in params.items()})

    def update(grads, state, params, learning_rate=None):
        eta = eta0 if learning_rate is None else float(learning_rate)
        new, velocity = {}, SGDState()
        for key, theta in params.items():
            g = grads["d" + key]
            u = mu * state[key] - eta * g  # u := μ u − η dθ
            velocity[key] = u
            new[key] = theta + (mu * u - eta * g if nesterov else u)
        return new, velocity

    return Optimizer(init, update, "sgd", (("learning_rate", eta0), ("momentum", mu), ("nesterov", nesterov)))


def mlp_adam(learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> Optimizer:
    """Adam with the bias correction folded into the step, as Kingma & Ba's section 2 and MLP write it.

    v := β₁ v + (1 − β₁) dθ,  s := β₂ s + (1 − β₂) dθ²,  α_t = α √(1 − β₂ᵗ) / (1 − β₁ᵗ),
    θ := θ − α_t v / (√s + ε). This is the course's ``update_parameters_with_adam``
    (θ := θ − α v̂ / (√ŝ + ε) with v̂ = v / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)) with ε replaced by
    ε √(1 − β₂ᵗ): the same update up to that ε, and bit for bit scikit-learn MLP's. The state is
    :class:`denseflow.core.optimizers.AdamState` (t, v, s), keyed like the gradients.

    Examples
    --------
    >>> import numpy as np
    >>> opt = mlp_adam(learning_rate=0.1)
    >>> params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    >>> grads = {"dW1": np.full((1, 1), 5.0), "db1": np.full((1, 1), -0.01)}
    >>> params, state = opt.update(grads, opt.init(params), params)
    >>> params["W1"].round(7), params["b1"].round(6), state.step  # the first step is ≈ −α sign(dθ)
    (array([[-0.1]]), array([[0.099997]]), 1)

    (The course's ``adam`` moves b1 by 0.0999999: for a gradient as small as ε/√(1 − β₂) the
    ε placement shows.)
    """
    alpha, b1, b2, eps = float(learning_rate), float(beta1), float(beta2), float(epsilon)

    def init(params):
        return AdamState(0, {"d" + k: np.zeros_like(p) for k, p in params.items()},
                         {"d" + k: np.zeros_like(p) for k, p in params.items()})

    def update(grads, state, params, learning_rate=None):
        t = state.step + 1
        a = alpha if learning_rate is None else float(learning_rate)
        step = a * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)  # α_t = α √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        new, v, s = {}, {}, {}
        for key, theta in params.items():
            k = "d" + key
            g = grads[k]
            v[k] = b1 * state.v[k] + (1 - b1) * g  # v := β₁ v + (1 − β₁) dθ
            s[k] = b2 * state.s[k] + (1 - b2) * (g * g)  # s := β₂ s + (1 − β₂) dθ²
            new[key] = theta + -step * v[k] / (np.sqrt(s[k]) + eps)  # θ := θ − α_t v / (√s + ε)
        return new, AdamState(t, v, s)

    return Optimizer(init, update, "adam", (("learning_rate", alpha), ("beta1", b1), ("beta2", b2),
                                            ("epsilon", eps)))


def make_optimizer(est) -> Optimizer:
    """The update rule of an estimator's ``solver``: 'adam', 'sgd' (MLP's momentum) or 'gd'."""
    if est.solver == "adam":
        return mlp_adam(est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
    if est.solver == "sgd" and est.momentum > 0:
        return mlp_sgd(est.learning_rate_init, est.momentum, est.nesterovs_momentum)
    return gradient_descent(est.learning_rate_init)
