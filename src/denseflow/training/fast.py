"""The fast training engine: the course's iteration on buffers allocated once.

:class:`FastEngine` computes exactly what :class:`denseflow.training.ReferenceEngine` computes —
forward propagation, the cost, backward propagation, the gradient-descent update — with the same
NumPy operations in the same order, so the parameters come out bit-identical (the cost is summed
in another order: it agrees to ~1e-15). What it leaves out is everything the step-by-step code
pays for but does not need:

* **no allocation per iteration**: every array is allocated once, when the engine is built, and
  every elementwise step writes into it with ``out=``;
* **one buffer per hidden layer**: Z[l] becomes A[l] = g(Z[l]) in place, and during the backward
  pass the same buffer becomes dZ[l] (A[l] is no longer needed once dW[l+1] is computed);
* **no dA[0]**: nobody needs ∂J/∂X;
* **the fused output gradient** dZ[L] = AL − Y where it is exact (sigmoid + binary cross-entropy,
  softmax + categorical cross-entropy, identity + squared error), see
  :func:`denseflow.core.losses.output_dZ`;
* **no transposed copies**: ``A.T`` and ``W.T`` are views and BLAS reads them transposed;
* **ReLU backward without masks**: ReLU'(Z) = 1[A > 0] is written as 0.0/1.0 into A's own buffer;
* **the cost only when asked**, from the logits: J = (1/m) Σ softplus((1 − 2y) z) for binary y;
* **double-buffered parameters**: θ(i) and θ(i+1) live in two flat buffers; the gradients of
  iteration i are written into the spare one and turned into θ(i+1) there, so θ(i) (needed by the
  divergence guard and the validation metrics) costs no copy and there is no gradient buffer;
* **the dtype of the data end to end** (float32 stays float32).

The same code trains K models with one architecture at once (:mod:`denseflow.training`): every
array gets a leading axis K and the matrix products are batched.

Examples
--------
>>> import numpy as np
>>> from denseflow.core.activations import ACTIVATIONS
>>> from denseflow.core.losses import LOSSES
>>> from denseflow.core.initializers import initialize_parameters
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0., 0., 1., 1.]])
>>> engine = FastEngine(initialize_parameters([1, 3, 1], seed=0), X, Y, ACTIVATIONS["tanh"],
...                     ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"], 0.5)
>>> costs = [engine.step(compute_cost=True) for _ in range(200)]
>>> costs[-1] < costs[0]
True
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy.special import expit

from denseflow.core.losses import cost_of, output_dZ
from denseflow.core.propagation import num_layers

__all__ = ["FastEngine", "supports", "SUPPORTED_HIDDEN"]

#: Hidden activations the engine computes in place (others train with the reference engine).
SUPPORTED_HIDDEN = ("relu", "leaky_relu", "tanh", "sigmoid", "identity", "linear")

# The scratch buffer that receives dA[l-1] = W[l]ᵀ dZ[l] holds at most half of the largest hidden
# layer once that layer is bigger than this (the rows are then done in blocks), so that the peak
# memory stays close to the activations plus the parameters.
_SCRATCH_BYTES = 4 * 2**20


def supports(hidden, output=None, loss=None) -> bool:
    """Whether :class:`FastEngine` computes this hidden activation in place.

    Any output activation and loss work (unusual pairs through their own, allocating code). A
    leaky ReLU needs slope >= 0, so that A > 0 exactly where Z > 0.
    """
    slope = dict(hidden.params).get("slope", 0.0)
    return hidden.name in SUPPORTED_HIDDEN and 0.0 <= slope


def _dtype_of(parameter_dicts, X):
    dtype = np.result_type(*[v for p in parameter_dicts for v in p.values()], X)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


class _Engine:
    """Buffers and operation lists shared by :class:`FastEngine` and the stacked engine.

    ``lead`` is ``()`` for one model and ``(K,)`` for K stacked models; every array below has
    that leading shape, and the learning rate is a scalar or a (K, 1) column.
    """

    def _build(self, parameter_dicts, X, Y, hidden, output, loss, learning_rate, sample_weight, lead):
        self.hidden, self.output, self.loss = hidden, output, loss
        self.L = L = num_layers(parameter_dicts[0])
        dtype = self.dtype = _dtype_of(parameter_dicts, X)
        X = np.asarray(X, dtype=dtype)
        if not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)  # BLAS reads C or Fortran order as they are
        self.X, self.Y = X, np.ascontiguousarray(Y, dtype=dtype)
        self.m = m = X.shape[1]
        dims = self.layer_dims = [X.shape[0]] + [parameter_dicts[0][f"W{l}"].shape[0] for l in range(1, L + 1)]
        self._lead = lead

        # Parameters: two flat buffers θ[0], θ[1] holding W1, b1, …, WL, bL one after the other.
        sizes = [dims[l] * dims[l - 1] + dims[l] for l in range(1, L + 1)]
        theta = self._theta = [np.empty(lead + (sum(sizes),), dtype) for _ in range(2)]
        self._W = [[None], [None]]
        self._b = [[None], [None]]
        offset = 0
        for l in range(1, L + 1):
            n, n_prev = dims[l], dims[l - 1]
            for c in (0, 1):
                self._W[c].append(theta[c][..., offset:offset + n * n_prev].reshape(lead + (n, n_prev)))
                self._b[c].append(theta[c][..., offset + n * n_prev:offset + sizes[l - 1]].reshape(lead + (n, 1)))
            offset += sizes[l - 1]
        for k, params in enumerate(parameter_dicts):
            index = (k,) if lead else ()
            for l in range(1, L + 1):
                self._W[0][l][index] = params[f"W{l}"]
                self._b[0][l][index] = params[f"b{l}"]

        # Activations: one buffer per hidden layer (Z[l], then A[l], then dZ[l]); the output layer
        # keeps Z[L] for the cost and has its own A[L] and dZ[L].
        self._A = [X] + [np.empty(lead + (n, m), dtype) for n in dims[1:L]]
        ZL = self._ZL = np.empty(lead + (dims[L], m), dtype)
        self._AL = ZL if output.name in ("identity", "linear") else np.empty_like(ZL)
        self._dZL = np.empty_like(ZL)
        hidden_sizes = dims[1:L]
        n_max = max(hidden_sizes, default=0)
        rows = n_max
        if n_max * m * dtype.itemsize * max(1, math.prod(lead)) > _SCRATCH_BYTES:
            rows = -(-n_max // 2)
        self._S = np.empty(lead + (rows, m), dtype) if n_max else None
        self._mask = np.empty(lead + (n_max, m), bool) if hidden.name == "leaky_relu" and n_max else None

        # Cost: binary labels take the buffered softplus form; anything else the loss's own cost.
        self.weights = sample_weight
        self._dz_scale = None if sample_weight is None else sample_weight * (m / np.sum(sample_weight))
        self._fast_cost = (
            loss.name == "binary_cross_entropy" and output.name == "sigmoid"
            and bool(np.all((self.Y == 0) | (self.Y == 1)))
        )
        if self._fast_cost:
            self._flip = 1 - 2 * self.Y  # (1 − 2y): softplus((1 − 2y) z) = −[y log a + (1 − y) log(1 − a)]
            self._t = np.empty_like(ZL)
            self._w = None if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
            self._w_sum = None if sample_weight is None else np.sum(sample_weight)
            self._sum_axes = (-2, -1) if lead else None  # per model

        # α: a Python float (one model), or a (K, 1) column in the parameters' dtype (K models),
        # so that α_k dθ rounds exactly as the scalar α_k would.
        self._alpha = learning_rate if not lead else np.asarray(learning_rate, float).reshape(lead + (1,)).astype(dtype)
        self._forward = [self._forward_ops(c) for c in (0, 1)]
        self._backward = [self._backward_ops(c) for c in (0, 1)]
        self._cur = 0

    # ------------------------------------------------------------------------------ forward

    def _forward_ops(self, c):
        """The forward pass with θ[c], as a list of calls without arguments."""
        ops, L = [], self.L
        for l in range(1, L + 1):
            A_prev = self._A[l - 1]
            Z = self._A[l] if l < L else self._ZL
            ops.append(partial(np.matmul, self._W[c][l], A_prev, Z))  # Z[l] = W[l] A[l−1]
            b = self._b[c][l]
            if b.size == 1:
                b = b.reshape(())  # one unit: b[l] as a 0-d view, which NumPy adds faster than a (1, 1)
            ops.append(partial(np.add, Z, b, Z))  # … + b[l]
            if l < L:
                ops += self._hidden_forward(Z)  # A[l] = g(Z[l]), in place
        ops += self._output_forward()  # A[L] = g[L](Z[L])
        return ops

    def _hidden_forward(self, Z):
        name = self.hidden.name
        if name == "relu":
            return [partial(np.maximum, Z, 0, out=Z)]  # relu(z) = max(z, 0)
        if name == "tanh":
            return [partial(np.tanh, Z, Z)]
        if name == "sigmoid":
            return [partial(expit, Z, Z)]  # σ(z) = 1 / (1 + e^{−z})
        if name == "leaky_relu":  # g(z) = z if z > 0 else slope·z
            mask = self._mask[..., :Z.shape[-2], :]
            slope = dict(self.hidden.params)["slope"]
            return [partial(np.less_equal, Z, 0, mask), partial(np.multiply, Z, slope, out=Z, where=mask)]
        return []  # identity

    def _output_forward(self):
        Z, A, name = self._ZL, self._AL, self.output.name
        if name == "sigmoid":
            return [partial(expit, Z, A)]
        if name == "softmax":  # softmax(z)_k = e^{z_k − max z} / Σ_j e^{z_j − max z}, per column
            col = np.empty(self._lead + (1, self.m), self.dtype)
            return [
                partial(np.maximum.reduce, Z, -2, None, col, True),
                partial(np.subtract, Z, col, A),
                partial(np.exp, A, A),
                partial(np.add.reduce, A, -2, None, col, True),
                partial(np.divide, A, col, A),
            ]
        if name in ("identity", "linear"):
            return []  # A[L] is Z[L]
        forward = self.output.forward
        return [lambda: np.copyto(A, forward(Z))]  # an unusual output: its own (allocating) code

    # ----------------------------------------------------------------------------- backward

    def _backward_ops(self, c):
        """Backward pass and update from θ[c] into the spare buffer θ[1 − c]."""
        ops, L, n = [], self.L, 1 - c
        ops += self._output_gradient()  # dZ[L]
        dZ = self._dZL
        for l in range(L, 0, -1):
            A_prev_T = self._A[l - 1].swapaxes(-1, -2)  # a view: BLAS transposes
            ops.append(partial(np.matmul, dZ, A_prev_T, self._W[n][l]))  # dW[l] = dZ[l] A[l−1]ᵀ (× 1/m below)
            ops.append(partial(np.add.reduce, dZ, -1, None, self._b[n][l], True))  # db[l] = Σ_i dZ[l]
            if l > 1:  # no dA[0]
                ops += self._hidden_backward(self._W[c][l], dZ, self._A[l - 1])
                dZ = self._A[l - 1]
        spare, theta = self._theta[n], self._theta[c]
        ops.append(partial(np.multiply, spare, 1.0 / self.m, spare))  # dθ = (1/m) (…)
        ops.append(partial(np.multiply, spare, self._alpha, spare))  # α dθ
        ops.append(partial(np.subtract, theta, spare, spare))  # θ(i+1) = θ(i) − α dθ
        return ops

    def _output_gradient(self):
        A, Y, Z, dZ = self._AL, self.Y, self._ZL, self._dZL
        out, loss = self.output.name, self.loss
        if (loss.fused_activation is not None and out == loss.fused_activation) or (
            out in ("identity", "linear") and loss.name == "squared_error"
        ):
            ops = [partial(np.subtract, A, Y, dZ)]  # dZ[L] = AL − Y (exact for these pairs)
        else:  # any other pair: dA[L] from the loss, then through the output activation
            ops = [lambda: np.copyto(dZ, output_dZ(loss, self.output, A, Y, Z))]
        if self._dz_scale is not None:  # sample weights: column i scaled by w(i) · m / Σw
            ops.append(partial(np.multiply, dZ, self._dz_scale, dZ))
        return ops

    def _hidden_backward(self, W, dZ, A):
        """dZ[l−1] = (W[l]ᵀ dZ[l]) ⊙ g'(Z[l−1]), written over A[l−1] (rows in blocks if large)."""
        ops, n = [], A.shape[-2]
        rows = self._S.shape[-2]
        name = self.hidden.name
        for start in range(0, n, rows):
            r = slice(start, min(start + rows, n))
            WT, A_r = W[..., :, r].swapaxes(-1, -2), A[..., r, :]
            S = self._S[..., : r.stop - r.start, :]
            # dA[l−1] = W[l]ᵀ dZ[l] (an outer product, one exact multiplication each, when n[l] = 1)
            dA = partial(np.multiply if W.shape[-2] == 1 else np.matmul, WT, dZ, S)
            if name == "relu":  # ReLU'(z) = 1[z > 0] = 1[A > 0], as 0.0/1.0 in A's buffer
                ops += [partial(np.greater, A_r, 0, out=A_r, casting="unsafe"), dA, partial(np.multiply, S, A_r, A_r)]
            elif name == "tanh":  # tanh'(z) = 1 − A²
                ops += [partial(np.multiply, A_r, A_r, A_r), partial(np.subtract, 1.0, A_r, A_r), dA,
                        partial(np.multiply, S, A_r, A_r)]
            elif name == "sigmoid":  # σ'(z) = A (1 − A)
                ops += [partial(np.subtract, 1.0, A_r, S), partial(np.multiply, A_r, S, A_r), dA,
                        partial(np.multiply, S, A_r, A_r)]
            elif name == "leaky_relu":  # g'(z) = 1 if z > 0 (A > 0) else slope
                mask = self._mask[..., : r.stop - r.start, :]
                slope = dict(self.hidden.params)["slope"]
                ops += [dA, partial(np.less_equal, A_r, 0, mask), partial(np.multiply, S, slope, out=S, where=mask),
                        partial(np.copyto, A_r, S)]
            else:  # identity: dZ = dA
                ops += [dA, partial(np.copyto, A_r, S)]
        return ops

    # --------------------------------------------------------------------------------- cost

    def _costs(self):
        """J(θ) of the last forward pass: a float (one model) or an array (K,)."""
        if self._fast_cost:
            t = self._t
            np.multiply(self._flip, self._ZL, t)  # x = (1 − 2y) z
            np.exp(t, t)
            np.log1p(t, t)  # softplus(x) = log(1 + e^x)
            if self._w is not None:
                np.multiply(t, self._w, t)
            # J = (1/m) Σ softplus(x), or Σ w softplus(x) / Σ w with sample weights
            J = np.add.reduce(t, self._sum_axes) / (self.m if self._w is None else self._w_sum)
            if not self._lead:
                if math.isfinite(J):
                    return J
            else:
                # Stacked models: recompute only the entries whose e^x overflowed, so every
                # model's cost stays what a separate run of that model would record.
                bad = np.flatnonzero(~np.isfinite(J))
                for k in bad:
                    J[k] = cost_of(self.loss, self.output, self._AL[k], self.Y, self._ZL[k], self.weights)
                return J
        # e^x overflowed (a logit beyond ±709), or another loss: the loss's own stable formula
        if not self._lead:
            return cost_of(self.loss, self.output, self._AL, self.Y, self._ZL, self.weights)
        return np.array([cost_of(self.loss, self.output, a, self.Y, z, self.weights) for a, z in zip(self._AL, self._ZL)])

    def _forward_and_cost(self, compute_cost):
        for op in self._forward[self._cur]:
            op()
        return self._costs() if compute_cost else None

    def _backward_and_update(self):
        for op in self._backward[self._cur]:
            op()
        self._cur = 1 - self._cur

    def _cost(self):
        return self._forward_and_cost(True)


class FastEngine(_Engine):
    """One training iteration on preallocated buffers, with the reference engine's numbers.

    Parameters
    ----------
    parameters : dict
        θ(0), ``{"W1", "b1", …}`` (copied).
    X, Y : ndarray
        (n_x, m) and (n[L], m); used in the dtype of the parameters.
    hidden, output : Activation
    loss : Loss
    learning_rate : float
        α.
    sample_weight : ndarray (1, m), optional

    Attributes
    ----------
    parameters : dict
        The current θ (views into the engine's buffer: copy them to keep them past the next step).
    previous_parameters : dict
        θ before the last update (the spare buffer; valid until the next step).
    """

    def __init__(self, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight=None):
        self._build([parameters], X, Y, hidden, output, loss, float(learning_rate), sample_weight, ())
        keys = [f"{p}{l}" for l in range(1, self.L + 1) for p in "Wb"]
        self._dicts = [
            {k: v for k, v in zip(keys, [a for l in range(1, self.L + 1) for a in (self._W[c][l], self._b[c][l])])}
            for c in (0, 1)
        ]
        self.parameters = self.previous_parameters = self._dicts[0]

    def step(self, compute_cost: bool = True):
        """Forward with θ(i), J(θ(i)) if asked (else None), backward, θ(i+1) = θ(i) − α dθ.

        As :class:`~denseflow.training.ReferenceEngine`: when the cost is not finite there is no update, so
        ``previous_parameters`` is still θ(i−1), the last parameters with a finite cost.
        """
        c = self._cur
        for op in self._forward[c]:
            op()
        cost = None
        if compute_cost:
            cost = float(self._costs())
            if not math.isfinite(cost):
                return cost
        elif not np.isfinite(self._ZL).all():
            return math.nan  # no cost asked for, but Z[L] overflowed: no update (divergence)
        for op in self._backward[c]:
            op()
        self._cur = 1 - c
        self.previous_parameters = self.parameters
        self.parameters = self._dicts[1 - c]
        return cost

    def cost(self) -> float:
        """J(θ) of the current parameters."""
        return float(self._cost())
