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

:class:`FastBatchEngine` does the same for the second course's step (mini-batches, momentum,
RMSprop, Adam, L2, inverted dropout): θ, dθ, v and s in flat buffers updated in place, one set of
activation buffers per batch shape, each batch gathered from an example-major copy of X.

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
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from scipy.special import expit

from denseflow.core.losses import cost_of, output_dZ
from denseflow.core.propagation import num_layers
from denseflow.training.kernels import kernel_failed, step_kernel
from denseflow.training.threads import copy_threads

__all__ = ["FastEngine", "FastBatchEngine", "supports", "batch_supports", "example_major", "SUPPORTED_HIDDEN"]

#: Hidden activations the engine computes in place (others train with the reference engine).
SUPPORTED_HIDDEN = ("relu", "leaky_relu", "tanh", "sigmoid", "identity", "linear")

# The scratch buffer that receives dA[l-1] = W[l]ᵀ dZ[l] holds at most half of the largest hidden
# layer once that layer is bigger than this (the rows are then done in blocks), so that the peak
# memory stays close to the activations plus the parameters.
_SCRATCH_BYTES = 4 * 2**20

# The example-major copy of X is made by several threads from this size on (below it, starting
# threads costs more than it saves); each thread moves blocks of this many examples at a time.
_PARALLEL_COPY_BYTES = 16 * 2**20
_COPY_BLOCK = 256


def example_major(X, threads=None):
    """The examples of X (n_x, m) as contiguous rows: ``XT = Xᵀ`` of shape (m, n_x), C-ordered.

    Batches are gathered from XT row by row (one contiguous row per example). A Fortran-ordered X
    is already example-major: its transpose is returned, no copy. Otherwise the transposed copy
    is split over ``threads`` threads for a large X (NumPy's copies release the GIL; a transposed
    copy is bound by memory latency, not bandwidth: on this project's machine two threads take
    0.029 s instead of 0.052 s for 784 × 60,000 float64 on idle cores, and gain nothing right after
    BLAS products, while OpenBLAS's worker thread still spins on the second core).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    threads : int, optional
        Default: :func:`denseflow.training.copy_threads`, asked only when X is large enough to
        split (so a small fit never pays for the question).

    Examples
    --------
    >>> import numpy as np
    >>> XT = example_major(np.arange(6.0).reshape(2, 3))
    >>> XT
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    >>> XT.flags.c_contiguous
    True
    """
    if X.flags.f_contiguous:
        return X.T
    n_x, m = X.shape
    XT = np.empty((m, n_x), X.dtype)

    def move(lo, hi):
        for i in range(lo, hi, _COPY_BLOCK):
            j = min(i + _COPY_BLOCK, hi)
            XT[i:j] = X[:, i:j].T

    n = min(X.nbytes // _PARALLEL_COPY_BYTES, m // _COPY_BLOCK)
    if n > 1:
        n = min(n, int(copy_threads() if threads is None else threads))
    n = max(1, n)
    if n == 1:
        move(0, m)
    else:
        bounds = [m * k // n for k in range(n + 1)]
        with ThreadPoolExecutor(n - 1) as pool:
            others = [pool.submit(move, bounds[k], bounds[k + 1]) for k in range(1, n)]
            move(bounds[0], bounds[1])
            for done in others:
                done.result()
    return XT


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


# ------------------------------------------------------------------------------------------------
# mini-batches, optimizers, L2 and dropout


class _BatchBuffers:
    """The arrays of one batch shape (B columns): the gathered X and Y, one buffer per hidden
    layer (Z[l] → A[l] → dZ[l]), Z[L], A[L], dZ[L], the scratch dA, and dropout's masks."""

    def __init__(self, engine, B, whole=False):
        dtype, dims, L = engine.dtype, engine.layer_dims, engine.L
        self.B, self.whole = B, whole
        # The whole training set (full batch) is used where it is, without a copy; a batch is
        # gathered example by example into a (B, n_x) buffer, so X[l] is its (n_x, B) transpose.
        self.XT = None if whole else np.empty((B, dims[0]), dtype)
        self.X = engine.X if whole else self.XT.T
        self.Y = engine.Y if whole else np.empty((dims[L], B), dtype)
        self.A = [self.X] + [np.empty((n, B), dtype) for n in dims[1:L]]
        self.ZL = np.empty((dims[L], B), dtype)
        self.AL = self.ZL if engine.output.name in ("identity", "linear") else np.empty_like(self.ZL)
        self.dZL = np.empty_like(self.ZL)
        n_max = max(dims[1:L], default=0)
        self.S = np.empty((n_max, B), dtype) if n_max else None
        self.mask = np.empty((n_max, B), bool) if n_max and engine.hidden.name == "leaky_relu" else None
        keep = engine.setup.keep_probs
        self.D = [None] + [np.empty((n, B), bool) for n in dims[1:L]] if keep is not None else None
        self.U = [None] + [np.empty((n, B), np.float64) for n in dims[1:L]] if keep is not None else None
        self.scale = None if engine.scale is None else engine.scale if whole else np.empty((1, B), dtype)
        if engine.fast_cost:
            self.flip = engine._flip_all if whole else np.empty((1, B), dtype)
            self.t = np.empty((1, B), dtype)
        if engine.output.name == "softmax":
            self.col = np.empty((1, B), dtype)


class FastBatchEngine:
    """Mini-batch training on buffers allocated once per batch shape, with the numbers of
    :meth:`denseflow.training.ReferenceEngine.batch_step`.

    θ, the gradients and the optimizer's moments (v, s) each live in one flat buffer (W1, b1, …,
    WL, bL one after the other), so an update is a dozen in-place operations over all the
    parameters at once: ``θ −= α dθ`` (gd), the course's momentum (and Nesterov's look-ahead),
    RMSprop and Adam with its bias correction by the step count t. A batch of B examples is
    gathered into the buffers of its shape with ``np.take(..., out=)`` (the last, smaller batch
    of an epoch has its own buffers, built once). L2 adds (λ/B) W[l] to dW[l]; inverted dropout
    draws U into a float64 buffer (the reference's draws), D[l] = U < keep_prob, A[l] ⊙ D[l] / keep_prob,
    and applies the same mask and scale to dA[l] on the way back. Every elementwise step is the
    reference engine's NumPy operation in the reference's order, so the parameters agree bit for
    bit (the matrix products are the same BLAS calls on the same shapes) — except Adam outside
    course mode, whose step is folded (:meth:`_adam_folded`: 11 passes over θ instead of 15, the
    same rule, equal to rounding; with ``course=True`` Adam keeps the course's order bit for bit).
    With numba installed, the optimizer step of a large network runs as one compiled pass with
    the same numbers bit for bit (:mod:`denseflow.training.kernels`).

    Dropout with tanh or sigmoid hidden units needs g'(Z) from the undropped A: those train with
    the reference engine (:func:`batch_supports`).
    """

    def __init__(self, parameters, X, Y, hidden, output, loss, learning_rate, sample_weight, setup,
                 optimizer_state=None, keep_previous=False):
        self.hidden, self.output, self.loss, self.setup = hidden, output, loss, setup
        self.L = L = num_layers(parameters)
        dtype = self.dtype = _dtype_of([parameters], X)
        self.X = np.asarray(X, dtype=dtype)
        self.Y = np.asarray(Y, dtype=dtype)
        self.m = m = self.X.shape[1]
        dims = self.layer_dims = [self.X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
        self.learning_rate = float(learning_rate)
        self.weights = sample_weight
        self.scale = None if sample_weight is None else np.asarray(sample_weight * (m / np.sum(sample_weight)), dtype)

        sizes = [dims[l] * dims[l - 1] + dims[l] for l in range(1, L + 1)]
        total = sum(sizes)

        def views(flat):
            out, offset = {}, 0
            for l in range(1, L + 1):
                n, n_prev = dims[l], dims[l - 1]
                out[f"W{l}"] = flat[offset:offset + n * n_prev].reshape(n, n_prev)
                out[f"b{l}"] = flat[offset + n * n_prev:offset + sizes[l - 1]].reshape(n, 1)
                offset += sizes[l - 1]
            return out

        self._theta = np.empty(total, dtype)
        self._grad = np.empty(total, dtype)
        self._tmp = np.empty(total, dtype)
        self.parameters = views(self._theta)
        self._g = views(self._grad)
        self._tmp_views = views(self._tmp)
        for key, value in parameters.items():
            self.parameters[key][...] = value
        self._views = views
        # θ before the last update (filled with θ(0) now: a first update that diverges keeps it).
        self._prev = self._theta.copy() if keep_previous else None
        self.previous_parameters = views(self._prev) if keep_previous else self.parameters

        name = setup.optimizer
        self._v = np.zeros(total, dtype) if name in ("momentum", "adam") else None
        self._s = np.zeros(total, dtype) if name in ("rmsprop", "adam") else None
        self.t = 0
        if optimizer_state is not None:
            self.t = int(optimizer_state.step)
            for attr, flat in (("v", self._v), ("s", self._s)):
                if flat is not None:
                    target = views(flat)
                    for key, value in getattr(optimizer_state, attr).items():
                        target[key[1:]][...] = value
        self._shapes = {}
        self._XT = None  # the example-major copy of X, made at the first gathered batch
        self._part = (self._theta, self._grad, self._tmp, self._v, self._s)
        # Adam outside course mode takes the folded step (the course's order of operations is kept
        # bit for bit with course=True and for the other optimizers).
        # (Not in float32 with β₁ near 1: G = (1 − β₁) dθ would be squared below float32's range
        # where dθ² is not.)
        self._folded = name == "adam" and not setup.course and not (dtype == np.float32 and setup.beta1 > 0.99)
        # The same step in one compiled pass, bit for bit, where numba is installed and the network
        # is large enough to gain (:mod:`denseflow.training.kernels`).
        kernel = "adam_folded" if self._folded else "nesterov" if name == "momentum" and setup.nesterov else name
        self._kernel = step_kernel(kernel, total, dtype)
        self.fast_cost = (loss.name == "binary_cross_entropy" and output.name == "sigmoid"
                          and bool(np.all((self.Y == 0) | (self.Y == 1))))
        self._flip_all = (1 - 2 * self.Y) if self.fast_cost else None
        self._fused = (loss.fused_activation is not None and output.name == loss.fused_activation) or (
            output.name in ("identity", "linear") and loss.name == "squared_error")
        self._slope = dict(hidden.params).get("slope", 0.0)

    # ------------------------------------------------------------------------------ state

    def state_snapshot(self):
        """The optimizer's state as :mod:`denseflow.core.optimizers` writes it (copies)."""
        from denseflow.core.optimizers import AdamState, GradientDescentState, MomentumState, RMSpropState

        def moments(flat):
            return {"d" + k: v.copy() for k, v in self._views(flat).items()}

        name = self.setup.optimizer
        if name == "gd":
            return GradientDescentState(self.t)
        if name == "momentum":
            return MomentumState(self.t, moments(self._v))
        if name == "rmsprop":
            return RMSpropState(self.t, moments(self._s))
        return AdamState(self.t, moments(self._v), moments(self._s))

    def updates(self) -> int:
        """The number of optimizer steps taken (Adam's t)."""
        return self.t

    def snapshot_parameters(self) -> dict:
        """Copies of the current parameters (the buffers change at every update)."""
        return {k: v.copy() for k, v in self.parameters.items()}

    #: The loop passes the batch's column indices; the engine gathers them into its buffers.
    gathers = True

    def cost(self) -> float:
        """J of the current parameters on the whole training set (no dropout, no L2 term)."""
        from denseflow.core.propagation import _model_forward

        AL, caches = _model_forward(self.X, self.parameters, self.hidden, self.output)
        return cost_of(self.loss, self.output, AL, self.Y, caches[-1].Z, self.weights)

    # ------------------------------------------------------------------------------ one batch

    def batch_step(self, X, Y, scale, alpha, compute_cost=True, rng=None, index=None):
        """One update on a batch: the columns ``index`` (an int array) of the training set, or
        the given X, Y (copied into the buffers of their shape). As the reference engine's."""
        whole = index is None and X is self.X
        B = X.shape[1] if index is None else index.shape[0]
        key = "whole" if whole else B
        sh = self._shapes.get(key)
        if sh is None:
            sh = self._shapes[key] = _BatchBuffers(self, B, whole)
        if whole:
            pass
        elif index is None:
            np.copyto(sh.X, X)
            np.copyto(sh.Y, Y)
            if sh.scale is not None:
                np.copyto(sh.scale, scale)
            if self.fast_cost:
                np.subtract(1, np.multiply(2, sh.Y, out=sh.flip), out=sh.flip)
        else:
            if self._XT is None:
                # Examples as rows (one contiguous row each): X itself when it is Fortran-ordered
                # (e.g. the transpose of a scikit-learn (m, n_x) array), else one copy, made once.
                self._XT = example_major(self.X)
            np.take(self._XT, index, axis=0, out=sh.XT)
            np.take(self.Y, index, axis=1, out=sh.Y)
            if sh.scale is not None:
                np.take(self.scale, index, axis=1, out=sh.scale)
            if self.fast_cost:
                np.take(self._flip_all, index, axis=1, out=sh.flip)
        self._forward(sh, rng)
        cost = None
        if compute_cost:
            cost = self._batch_cost(sh)
            if not math.isfinite(cost):
                return cost
        elif not np.isfinite(sh.ZL).all():
            return math.nan
        self._backward(sh)
        if self._prev is not None:
            np.copyto(self._prev, self._theta)
        self._update(alpha)
        return cost

    def _forward(self, sh, rng):
        L, P, keep = self.L, self.parameters, self.setup.keep_probs
        hidden = self.hidden.name
        if keep is not None and self.setup.course:
            rng = np.random.RandomState(1)  # the notebook's np.random.seed(1) in every forward pass
        A_prev = sh.X
        for l in range(1, L):
            Z = sh.A[l]
            np.matmul(P[f"W{l}"], A_prev, out=Z)  # Z[l] = W[l] A[l−1] + b[l]
            np.add(Z, P[f"b{l}"], out=Z)
            if hidden == "relu":
                np.maximum(Z, 0, out=Z)
            elif hidden == "tanh":
                np.tanh(Z, out=Z)
            elif hidden == "sigmoid":
                expit(Z, out=Z)
            elif hidden == "leaky_relu":
                mask = sh.mask[:Z.shape[0]]
                np.less_equal(Z, 0, out=mask)
                np.multiply(Z, self._slope, out=Z, where=mask)
            if keep is not None:  # inverted dropout: D[l] = (U < keep_prob), A[l] ⊙ D[l] / keep_prob
                if isinstance(rng, np.random.RandomState):
                    U = rng.rand(*Z.shape)
                else:
                    U = sh.U[l]
                    rng.random(out=U)
                np.less(U, keep[l - 1], out=sh.D[l])
                np.multiply(Z, sh.D[l], out=Z)
                np.divide(Z, keep[l - 1], out=Z)
            A_prev = Z
        ZL, AL = sh.ZL, sh.AL
        np.matmul(P[f"W{L}"], A_prev, out=ZL)
        np.add(ZL, P[f"b{L}"], out=ZL)
        out = self.output.name
        if out == "sigmoid":
            expit(ZL, out=AL)
        elif out == "softmax":
            np.maximum.reduce(ZL, 0, None, sh.col, True)
            np.subtract(ZL, sh.col, out=AL)
            np.exp(AL, out=AL)
            np.add.reduce(AL, 0, None, sh.col, True)
            np.divide(AL, sh.col, out=AL)
        elif out not in ("identity", "linear"):
            np.copyto(AL, self.output.forward(ZL))

    def _batch_cost(self, sh):
        B = sh.B
        if self.fast_cost:
            t = sh.t
            np.multiply(sh.flip, sh.ZL, out=t)  # softplus((1 − 2y) z) = −[y log a + (1 − y) log(1 − a)]
            np.exp(t, out=t)
            np.log1p(t, out=t)
            if sh.scale is not None:
                np.multiply(t, sh.scale, out=t)
            J = float(np.add.reduce(t, None)) / B
            if not math.isfinite(J):  # e^x overflowed: the stable formula
                J = self._loss_cost(sh)
        else:
            J = self._loss_cost(sh)
        if self.setup.lambd:
            from denseflow.core.regularization import _l2_cost

            J = J + float(_l2_cost(self.parameters, self.setup.lambd, B, self.L))
        return J

    def _loss_cost(self, sh):
        if sh.scale is None:
            return cost_of(self.loss, self.output, sh.AL, sh.Y, sh.ZL)
        total = float(np.sum(sh.scale))
        return 0.0 if total == 0 else cost_of(self.loss, self.output, sh.AL, sh.Y, sh.ZL, sh.scale) * (total / sh.B)

    def _backward(self, sh):
        L, P, G, keep = self.L, self.parameters, self._g, self.setup.keep_probs
        dZ = sh.dZL
        if self._fused:
            np.subtract(sh.AL, sh.Y, out=dZ)  # dZ[L] = AL − Y
        else:
            np.copyto(dZ, output_dZ(self.loss, self.output, sh.AL, sh.Y, sh.ZL))
        if sh.scale is not None:
            np.multiply(dZ, sh.scale, out=dZ)
        lambd = self.setup.lambd
        if self._folded:
            # Adam's folded step takes G = ((1 − β₁)/B) Σ (…): the factor goes on dZ[L] (n[L] × B
            # numbers), and every gradient below is linear in it.
            factor = (1.0 - self.setup.beta1) / sh.B
            np.multiply(dZ, factor, out=dZ)
        hidden = self.hidden.name
        for l in range(L, 0, -1):
            A_prev = sh.A[l - 1]
            np.matmul(dZ, A_prev.T, out=G[f"W{l}"])  # dW[l] = dZ[l] A[l−1]ᵀ (× 1/B below)
            np.add.reduce(dZ, 1, None, G[f"b{l}"], True)  # db[l] = Σ_i dZ[l]
            if l == 1:
                break
            W = P[f"W{l}"]
            S = sh.S[:A_prev.shape[0]]
            if W.shape[0] == 1:
                np.multiply(W.T, dZ, out=S)  # dA[l−1] = W[l]ᵀ dZ[l], an outer product
            else:
                np.matmul(W.T, dZ, out=S)
            if keep is not None:
                np.multiply(S, sh.D[l - 1], out=S)  # the dropped units get no gradient
                np.divide(S, keep[l - 2], out=S)  # and the kept ones 1/keep_prob
            if hidden == "relu":  # ReLU'(z) = 1[A > 0]
                np.greater(A_prev, 0, out=A_prev, casting="unsafe")
                np.multiply(S, A_prev, out=A_prev)
            elif hidden == "tanh":
                np.multiply(A_prev, A_prev, out=A_prev)
                np.subtract(1.0, A_prev, out=A_prev)
                np.multiply(S, A_prev, out=A_prev)
            elif hidden == "sigmoid":  # σ'(z) = A (1 − A)
                np.multiply(A_prev, np.subtract(1.0, A_prev), out=A_prev)
                np.multiply(S, A_prev, out=A_prev)
            elif hidden == "leaky_relu":
                mask = sh.mask[:A_prev.shape[0]]
                np.less_equal(A_prev, 0, out=mask)
                np.multiply(S, self._slope, out=S, where=mask)
                np.copyto(A_prev, S)
            else:
                np.copyto(A_prev, S)
            dZ = A_prev
        if self._folded:
            c = lambd * factor  # G = (1 − β₁) dθ, dθ = (1/B)(Σ … + λ W)
        else:
            np.multiply(self._grad, 1.0 / sh.B, out=self._grad)  # dθ = (1/B) (…)
            c = lambd / sh.B
        if lambd:
            for l in range(1, L + 1):  # dW[l] += (λ/B) W[l]
                T = self._tmp_views[f"W{l}"]
                np.multiply(P[f"W{l}"], c, out=T)
                np.add(G[f"W{l}"], T, out=G[f"W{l}"])

    def _update(self, alpha):
        """The optimizer's step on the flat buffers: in the reference's order of operations, or
        (Adam outside course mode) the folded step of :meth:`_adam_folded`; as one compiled pass
        (:meth:`_compiled_step`) where the engine has a kernel."""
        self.t += 1
        if self._kernel is not None:
            try:  # numba types and compiles the kernel at its first call: only that can raise, before it runs
                self._compiled_step(alpha, self.t)
                return
            except Exception as error:
                self._kernel = None
                kernel_failed(error)  # a warning (or, with DENSEFLOW_NUMBA=1, a RuntimeError), then the passes
        if self._folded:
            self._adam_folded(alpha, self.t)
        else:
            self._step(self._part, alpha, self.t)

    def _compiled_step(self, alpha, t):
        """The step of :meth:`_adam_folded` or :meth:`_step` as one compiled loop (numba), bit for bit.

        The scalars go in the buffers' dtype, as NumPy's ufuncs cast a Python float for a float32
        array; the loop leaves dθ as it was (the passes overwrite it, and nobody reads it after)."""
        setup, cast = self.setup, self._theta.dtype.type
        theta, g, v, s = self._theta, self._grad, self._v, self._s
        b1, b2, name = setup.beta1, setup.beta2, setup.optimizer
        if self._folded:
            c2 = math.sqrt(1.0 - b2**t)
            self._kernel(theta, g, v, s, cast(b1), cast(b2), cast((1.0 - b2) / ((1.0 - b1) * (1.0 - b1))),
                         cast(setup.epsilon * c2), cast(alpha * c2 / (1.0 - b1**t)))
        elif name == "gd":
            self._kernel(theta, g, cast(alpha))
        elif name == "momentum":  # and Nesterov's look-ahead: the kernel was chosen by setup.nesterov
            self._kernel(theta, g, v, cast(b1), cast(1 - b1), cast(alpha))
        elif name == "rmsprop":
            self._kernel(theta, g, s, cast(b2), cast(1 - b2), cast(setup.epsilon), cast(alpha))
        else:  # the course's Adam
            self._kernel(theta, g, v, s, cast(b1), cast(1 - b1), cast(b2), cast(1 - b2), cast(1 - b1**t),
                         cast(1 - b2**t), cast(setup.epsilon), cast(alpha))

    def _adam_folded(self, alpha, t):
        """Adam with its constants folded: 11 passes over θ instead of 15.

        With G = (1 − β₁) dθ (the backward pass scales dZ[L] by (1 − β₁)/B, so G costs no pass of
        its own) and c₂ = √(1 − β₂ᵗ), the course's rule v := β₁ v + (1 − β₁) dθ,
        s := β₂ s + (1 − β₂) dθ², θ := θ − α v̂ / (√ŝ + ε) is, exactly, v := β₁ v + G,
        s := β₂ s + ((1 − β₂)/(1 − β₁)²) G², θ := θ − (α c₂ / (1 − β₁ᵗ)) · v / (√s + ε c₂): the same
        v, s and θ up to rounding (~1e-16 relative per step in float64), as PyTorch and
        MLPClassifier write their own forms. NumPy's ufuncs only: SciPy's BLAS is a second OpenBLAS
        whose threads fight NumPy's. Where numba is installed and the network is large enough
        (:mod:`denseflow.training.kernels`), :meth:`_compiled_step` runs the same 11 passes
        element by element in one loop instead, bit for bit (the step itself about 6× faster in float64,
        4.5× in float32).
        """
        setup = self.setup
        b1, b2 = setup.beta1, setup.beta2
        theta, g, tmp, v, s = self._part
        c2 = math.sqrt(1.0 - b2**t)
        np.multiply(v, b1, out=v)  # v := β₁ v + G
        np.add(v, g, out=v)
        np.square(g, out=g)  # s := β₂ s + ((1 − β₂)/(1 − β₁)²) G²
        np.multiply(g, (1.0 - b2) / ((1.0 - b1) * (1.0 - b1)), out=g)
        np.multiply(s, b2, out=s)
        np.add(s, g, out=s)
        np.sqrt(s, out=tmp)  # θ := θ − (α c₂ / (1 − β₁ᵗ)) v / (√s + ε c₂)
        np.add(tmp, setup.epsilon * c2, out=tmp)
        np.divide(v, tmp, out=tmp)
        np.multiply(tmp, alpha * c2 / (1.0 - b1**t), out=tmp)
        np.subtract(theta, tmp, out=theta)

    def close(self):
        """Nothing to release (the buffers go with the engine)."""

    def _step(self, part, alpha, t):
        setup = self.setup
        theta, g, tmp, v, s = part
        name = setup.optimizer
        if name == "gd":  # θ := θ − α dθ
            np.multiply(g, alpha, out=g)
            np.subtract(theta, g, out=theta)
        elif name == "momentum":  # v := β v + (1 − β) dθ; θ := θ − α v (Nesterov: − α (β v + (1 − β) dθ))
            beta = setup.beta1
            np.multiply(v, beta, out=v)
            np.multiply(g, 1 - beta, out=g)
            np.add(v, g, out=v)
            if setup.nesterov:
                np.multiply(v, beta, out=tmp)
                np.add(tmp, g, out=tmp)
                np.multiply(tmp, alpha, out=tmp)
            else:
                np.multiply(v, alpha, out=tmp)
            np.subtract(theta, tmp, out=theta)
        elif name == "rmsprop":  # s := β s + (1 − β) dθ²; θ := θ − α dθ / (√s + ε)
            beta = setup.beta2
            np.square(g, out=tmp)
            np.multiply(tmp, 1 - beta, out=tmp)
            np.multiply(s, beta, out=s)
            np.add(s, tmp, out=s)
            np.sqrt(s, out=tmp)
            np.add(tmp, setup.epsilon, out=tmp)
            np.multiply(g, alpha, out=g)
            np.divide(g, tmp, out=g)
            np.subtract(theta, g, out=theta)
        else:  # Adam, t = 1, 2, …
            b1, b2 = setup.beta1, setup.beta2
            np.multiply(v, b1, out=v)  # v := β₁ v + (1 − β₁) dθ
            np.multiply(g, 1 - b1, out=tmp)
            np.add(v, tmp, out=v)
            np.square(g, out=g)  # s := β₂ s + (1 − β₂) dθ²
            np.multiply(g, 1 - b2, out=g)
            np.multiply(s, b2, out=s)
            np.add(s, g, out=s)
            np.divide(s, 1 - b2**t, out=tmp)  # √ŝ + ε
            np.sqrt(tmp, out=tmp)
            np.add(tmp, setup.epsilon, out=tmp)
            np.divide(v, 1 - b1**t, out=g)  # α v̂ / (√ŝ + ε)
            np.multiply(g, alpha, out=g)
            np.divide(g, tmp, out=g)
            np.subtract(theta, g, out=theta)


def batch_supports(hidden, output, loss, setup) -> bool:
    """Whether :class:`FastBatchEngine` computes this network and step (else the reference engine does)."""
    if not supports(hidden, output, loss):
        return False
    if output.name not in ("sigmoid", "softmax", "identity", "linear"):
        return False
    if setup.keep_probs is not None and hidden.name in ("tanh", "sigmoid"):
        return False  # g'(Z) from the dropped A is wrong for these: the reference recomputes A from Z
    return True
