"""Mini-batch Adam epochs: denseflow against a PyTorch loop and scikit-learn's MLPClassifier(solver='adam').

The workload of issue 15: a [784, 256, 128, 1] network (ReLU hidden layers, sigmoid output,
binary cross-entropy) on m = 60,000 synthetic examples (seeded, standardized features, a binary
label that a small random ReLU network draws, so there is something to learn), trained for one
epoch of mini-batch Adam (α = 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-8, the examples reshuffled every
epoch), with batches of 64 and 256 examples, in float64 and float32.

Implementations, all in this one process, each timed from the arrays to a model trained for one
epoch (building the model, its initialization and input checks included, as a user calls it):

* **denseflow**: ``DeepNetwork([784, 256, 128, 1], optimizer="adam", batch_size=B, num_epochs=1,
  dtype=..., seed=0).fit(X, Y)``, the engine ``fit`` uses; X (n_x, m), Y (1, m);
* **denseflow, NumPy only**: the same ``fit`` with ``DENSEFLOW_NUMBA=0``, as a plain ``pip install
  denseflow`` trains (Adam's step as 11 NumPy passes instead of numba's one compiled pass, the
  numbers bit for bit the same; listed when numba is installed, which the ``bench`` extra does);
* **course functions**: the second course's ``model`` loop over denseflow.core, step by step:
  ``random_mini_batches``, ``model_forward``, ``compute_cost``, ``model_backward``,
  ``update_parameters_with_adam`` (new arrays and dicts for every batch, as the notebook writes
  it). It stands in for ``fit`` where ``DeepNetwork`` has no ``optimizer`` yet;
* **PyTorch**: ``nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)``, ``BCEWithLogitsLoss``,
  ``torch.optim.Adam`` with its defaults, examples as rows, one permutation per epoch and
  ``X[idx]`` per batch (the usual hand-written loop: a ``DataLoader`` collating single examples
  is several times slower and would not be a fair peer), ``torch.set_num_threads`` = the threads;
* **scikit-learn**: ``MLPClassifier(solver="adam", hidden_layer_sizes=(256, 128), batch_size=B,
  max_iter=1, alpha=0, shuffle=True, ...)`` (alpha=0: no L2, the same algorithm; warnings
  silenced), examples as rows;
* **matmuls alone**: the matrix products of one epoch of denseflow's layout (Z = W A, dW = dZ Aᵀ,
  dA = Wᵀ dZ; the output layer's dA[L−1] is an outer product; no dA[0]) on a contiguous batch
  buffer: the floor that no implementation of this layout goes under.

Every library runs with the same number of threads (``--threads``, default: the number of cores):
``DENSEFLOW_NUM_THREADS`` for denseflow, ``torch.set_num_threads`` for PyTorch and threadpoolctl's
limit around everything. The implementations alternate, in an order that flips every round, and
the median over the rounds is reported.

Before timing, each configuration checks that the implementations compute the same training:
from the same θ(0), without shuffling (batches in order) for one epoch on the first
``--check-m`` examples, the parameters of the course functions, PyTorch and scikit-learn must
match denseflow's to float precision, and so must the training log-loss after that epoch. The
check runs with a negligible ε (:data:`CHECK_EPSILON`): scikit-learn adds ε to √v before the bias
correction where the course and PyTorch add it to √v̂, so with ε = 1e-8 it differs by ~1e-3.
A disagreement exits with status 1 (``tests/test_bench_minibatch.py`` runs ``--quick`` and fails on it).

Usage::

    python benchmarks/minibatch.py                # the full run (about 4 minutes on 2 quiet cores)
    python benchmarks/minibatch.py --quick        # seconds: m = 512, one round (what the tests run)
    python benchmarks/minibatch.py --profile      # where denseflow's epoch spends its time (cProfile)
    python benchmarks/minibatch.py --batches 256 --dtypes float32 --rounds 9 --out table.md
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

LAYERS = [784, 256, 128, 1]
ADAM = dict(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
# The agreement check runs with a negligible ε instead of 1e-8: scikit-learn adds ε to √v before the
# bias correction (lr_t = α √(1 − β2ᵗ) / (1 − β1ᵗ), θ −= lr_t m / (√v + ε)) where the course and
# PyTorch add it to √v̂, so with ε = 1e-8 it differs by ~1e-3 in the log-loss after one epoch;
# with a negligible ε the three rules are the same arithmetic and must agree to float precision
# (measured: 2e-16 in float64). In float32 ε = 1e-16, not smaller: dθ² underflows below |dθ| ≈ 1e-19.
CHECK_EPSILON = {"float64": 1e-30, "float32": 1e-16}
# Σ|θ − θ_ref| / Σ|θ_ref| over all parameters after one unshuffled epoch from the same θ(0), and
# the relative difference of the training log-loss after it. A sum, not a maximum: Adam's first
# steps are ±α for every gradient entry, so an entry that is rounding noise (float32) can step the
# other way in one implementation and move alone by up to 2α (seen: W2[109, 224] by 8e-5, which of
# the four it separates depending on the thread count: 3e-6 in all); a wrong rule moves every
# entry (one epoch of 512 examples, batches of 64: β1 0.89 for 0.9 gives 1e-3, α 1.1e-3 for 1e-3
# 8e-3, β2 0.99 for 0.999 4e-4, β2 0.9985 7e-6, in both dtypes; float64 agrees to ~1e-17).
PARAMETER_AGREEMENT = {"float64": 1e-12, "float32": 3e-5}
LOSS_AGREEMENT = {"float64": 1e-9, "float32": 1e-4}
TARGET = 0.8  # denseflow ÷ the faster of PyTorch and scikit-learn

DENSEFLOW, COURSE, TORCH, SKLEARN, MATMULS = "denseflow", "course functions", "PyTorch", "MLPClassifier", "matmuls"
DENSEFLOW_NUMPY = "denseflow, NumPy only"


# ------------------------------------------------------------------------------------- data


def make_data(m, dtype, seed=0, layout="C"):
    """Standardized Gaussian features and a learnable binary label, in both layouts.

    The label is 1 where a random ReLU network [784, 32, 1] scores above its median (balanced
    classes, a nonlinear rule). Returns X (n_x, m) and Y (1, m), the course's layout, and
    XT (m, n_x) and y (m,), the layout of PyTorch and scikit-learn. ``layout='C'``: X is a
    C-contiguous copy (as ``np.random.randn(n_x, m)`` makes it); ``'F'``: X is ``XT.T``, the
    same memory the peers train on (Fortran-ordered, as the course's ``reshape(m, -1).T`` is).
    """
    rng = np.random.default_rng(seed)
    n_x = LAYERS[0]
    XT = rng.standard_normal((m, n_x))
    XT -= XT.mean(axis=0)
    XT /= XT.std(axis=0)
    U = rng.standard_normal((n_x, 32)) / math.sqrt(n_x)
    score = np.maximum(XT @ U, 0) @ rng.standard_normal(32)
    y = (score > np.median(score)).astype(dtype)
    XT = XT.astype(dtype)
    X = np.ascontiguousarray(XT.T) if layout == "C" else XT.T
    return X, y.reshape(1, m), XT, y


def initial_parameters(dtype, seed=0):
    from denseflow.core.initializers import initialize_parameters

    return initialize_parameters(LAYERS, "he", seed=seed, dtype=dtype)


def log_loss(params, X, Y):
    """Training binary cross-entropy of course-layout parameters, in float64."""
    A = X.astype(np.float64)
    L = len(params) // 2
    for l in range(1, L + 1):
        Z = params[f"W{l}"].astype(np.float64) @ A + params[f"b{l}"].astype(np.float64)
        A = np.maximum(Z, 0) if l < L else Z
    return float(np.mean(np.logaddexp(0, Z) - Y * Z))  # softplus(z) − y z = −[y log σ + (1−y) log(1−σ)]


def batch_slices(m, B):
    return [slice(k, min(k + B, m)) for k in range(0, m, B)]


# ---------------------------------------------------------------------------- implementations
# Each has fit(epochs, shuffle, theta0) -> (course-layout parameters, last epoch's cost).


class Denseflow:
    name = DENSEFLOW

    def __init__(self, data, B, dtype, threads):
        self.X, self.Y, self.B, self.dtype, self.threads = data[0], data[1], B, dtype, threads

    @staticmethod
    def available():
        try:
            from denseflow.models import DeepNetwork

            DeepNetwork([2, 1], optimizer="adam", batch_size=4, num_epochs=1, shuffle=True)
            return True
        except (ImportError, TypeError):
            return False

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        from denseflow.models import DeepNetwork

        model = DeepNetwork(
            LAYERS, hidden_activation="relu", initialization="he", optimizer="adam", batch_size=self.B,
            num_epochs=epochs, shuffle=shuffle, dtype=np.dtype(self.dtype).name, seed=0, **adam,
        )
        with _environment("DENSEFLOW_NUM_THREADS", str(self.threads)):
            model.fit(self.X, self.Y, initial_parameters=theta0)
        return model.parameters_, model.history_.costs[-1]


class DenseflowNumpy(Denseflow):
    """denseflow's ``fit`` with ``DENSEFLOW_NUMBA=0``: Adam's step as NumPy's 11 passes, as a plain
    ``pip install denseflow`` (without the ``fast`` extra) trains. Listed only when numba is installed
    (else the row above is this one)."""

    name = DENSEFLOW_NUMPY

    @staticmethod
    def available():
        return Denseflow.available() and _numba_version() is not None

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        with _environment("DENSEFLOW_NUMBA", "0"):
            return super().fit(epochs, shuffle, theta0, adam)


class CourseFunctions:
    """The second course's ``model(..., optimizer="adam")`` loop over denseflow.core, step by step."""

    name = COURSE

    def __init__(self, data, B, dtype, threads):
        self.X, self.Y, self.B, self.dtype = data[0], data[1], B, dtype

    @staticmethod
    def available():
        return True

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        from denseflow.core.minibatches import random_mini_batches
        from denseflow.core.optimizers import (
            initialize_adam,
            update_parameters_with_adam,
        )
        from denseflow.core.propagation import (
            compute_cost,
            model_backward,
            model_forward,
        )

        X, Y, B = self.X, self.Y, self.B
        m = X.shape[1]
        params = initial_parameters(self.dtype) if theta0 is None else dict(theta0)
        v, s = initialize_adam(params)
        t = 0
        for epoch in range(epochs):
            if shuffle:
                batches = random_mini_batches(X, Y, B, seed=epoch + 1)
            else:
                batches = [(X[:, k], Y[:, k]) for k in batch_slices(m, B)]
            cost_total = 0.0
            for mini_batch_X, mini_batch_Y in batches:
                AL, caches = model_forward(mini_batch_X, params, "relu", "sigmoid")
                cost_total += compute_cost(AL, mini_batch_Y) * mini_batch_X.shape[1]
                grads = model_backward(AL, mini_batch_Y, caches, "relu", "sigmoid")
                t += 1
                params, v, s, _, _ = update_parameters_with_adam(params, grads, v, s, t, **adam)
        return params, cost_total / m


class TorchLoop:
    name = TORCH

    def __init__(self, data, B, dtype, threads):
        import torch

        torch.set_num_threads(threads)
        self.torch, self.B = torch, B
        self.X = torch.from_numpy(data[2])  # (m, n_x): no copy
        self.y = torch.from_numpy(data[3].reshape(-1, 1))
        self.dtype = self.X.dtype

    @staticmethod
    def available():
        return _importable("torch")

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        torch, nn, B = self.torch, self.torch.nn, self.B
        torch.manual_seed(0)
        net = nn.Sequential(*[
            layer for n_in, n_out in zip(LAYERS[:-2], LAYERS[1:-1]) for layer in (nn.Linear(n_in, n_out), nn.ReLU())
        ], nn.Linear(LAYERS[-2], LAYERS[-1])).to(self.dtype)
        linears = [layer for layer in net if isinstance(layer, nn.Linear)]
        if theta0 is not None:
            with torch.no_grad():
                for l, layer in enumerate(linears, start=1):
                    layer.weight.copy_(torch.from_numpy(theta0[f"W{l}"]))
                    layer.bias.copy_(torch.from_numpy(theta0[f"b{l}"].ravel()))
        optimizer = torch.optim.Adam(net.parameters(), lr=adam["learning_rate"], betas=(adam["beta1"], adam["beta2"]),
                                     eps=adam["epsilon"])
        criterion = nn.BCEWithLogitsLoss()
        X, y = self.X, self.y
        m = X.shape[0]
        rng = np.random.default_rng(0)
        for _ in range(epochs):
            order = torch.from_numpy(rng.permutation(m)) if shuffle else None
            total = 0.0
            for k in range(0, m, B):
                if shuffle:
                    index = order[k:k + B]
                    xb, yb = X[index], y[index]
                else:
                    xb, yb = X[k:k + B], y[k:k + B]
                optimizer.zero_grad()
                loss = criterion(net(xb), yb)
                loss.backward()
                optimizer.step()
                total += loss.item() * xb.shape[0]
        params = {}
        for l, layer in enumerate(linears, start=1):
            params[f"W{l}"] = layer.weight.detach().numpy().copy()
            params[f"b{l}"] = layer.bias.detach().numpy().reshape(-1, 1).copy()
        return params, total / m


class Sklearn:
    name = SKLEARN

    def __init__(self, data, B, dtype, threads):
        self.XT, self.y, self.B = data[2], data[3].astype(int), B

    @staticmethod
    def available():
        return _importable("sklearn")

    def _classifier(self, epochs, shuffle, adam, **extra):
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=tuple(LAYERS[1:-1]), activation="relu", solver="adam", alpha=0.0, batch_size=self.B,
            learning_rate_init=adam["learning_rate"], beta_1=adam["beta1"], beta_2=adam["beta2"],
            epsilon=adam["epsilon"], max_iter=epochs, shuffle=shuffle, random_state=0, tol=0.0,
            n_iter_no_change=epochs + 1, **extra,
        )

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        clf = self._classifier(epochs, shuffle, adam, warm_start=theta0 is not None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
            if theta0 is not None:  # let it build its attributes on a few rows, then start from θ(0)
                clf.set_params(max_iter=1)
                clf.fit(self.XT[: 4 * self.B], self.y[: 4 * self.B])
                L = len(theta0) // 2
                clf.coefs_ = [np.array(theta0[f"W{l}"].T, order="C") for l in range(1, L + 1)]
                clf.intercepts_ = [theta0[f"b{l}"].ravel().copy() for l in range(1, L + 1)]
                del clf._optimizer  # a fresh Adam state (t = 0)
                clf.n_iter_, clf.t_, clf.loss_curve_ = 0, 0, []
                clf.set_params(max_iter=epochs)
            clf.fit(self.XT, self.y)
        params = {}
        for l, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
            params[f"W{l}"], params[f"b{l}"] = W.T, b.reshape(-1, 1)
        return params, clf.loss_curve_[-1]


class Matmuls:
    """The floor: the matrix products of one epoch in denseflow's layout, nothing else."""

    name = MATMULS

    def __init__(self, data, B, dtype, threads):
        self.m, self.B, self.dtype = data[0].shape[1], B, dtype
        self.theta = initial_parameters(dtype)

    @staticmethod
    def available():
        return True

    def _ops(self, b):
        dims, L, theta = LAYERS, len(LAYERS) - 1, self.theta
        A = [np.ones((dims[0], b), self.dtype)] + [np.ones((n, b), self.dtype) for n in dims[1:]]
        ops = [(np.matmul, theta[f"W{l}"], A[l - 1], A[l]) for l in range(1, L + 1)]  # Z[l] = W[l] A[l−1]
        for l in range(L, 0, -1):
            W = theta[f"W{l}"]
            ops.append((np.matmul, A[l], A[l - 1].T, np.empty_like(W)))  # dW[l] = dZ[l] A[l−1]ᵀ
            if l > 1:  # dA[l−1] = W[l]ᵀ dZ[l] (an outer product when n[l] = 1)
                ops.append((np.multiply if dims[l] == 1 else np.matmul, W.T, A[l], np.empty_like(A[l - 1])))
        return ops

    def fit(self, epochs=1, shuffle=True, theta0=None, adam=ADAM):
        full, last = divmod(self.m, self.B)
        plan = [(self._ops(self.B), full)] + ([(self._ops(last), 1)] if last else [])
        for _ in range(epochs):
            for ops, count in plan:
                for _ in range(count):
                    for product, a, b, out in ops:
                        product(a, b, out)
        return None, None


IMPLEMENTATIONS = [Denseflow, DenseflowNumpy, CourseFunctions, TorchLoop, Sklearn, Matmuls]


# ---------------------------------------------------------------------------------- helpers


def _numba_version():
    """numba's version when denseflow's fit would use it (installed, loadable, not turned off), else None."""
    from denseflow.training.kernels import step_kernel

    try:
        kernel = step_kernel("adam_folded", 10**6)
    except (ImportError, ValueError):
        return None
    return sys.modules["numba"].__version__ if kernel is not None else None


def _importable(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


@contextlib.contextmanager
def _environment(name, value):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


@contextlib.contextmanager
def _thread_limit(threads):
    """Every BLAS and OpenMP pool of the process at ``threads``; PyTorch's intra-op pool restored after."""
    torch = sys.modules.get("torch") if _importable("torch") else None
    before = torch.get_num_threads() if torch is not None else None
    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(limits=threads)
    except ImportError:
        limit = contextlib.nullcontext()
    with limit:
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def _relative_difference(params, reference):
    """Σ|θ − θ_ref| / Σ|θ_ref| over every parameter (float64 sums)."""
    scale = sum(float(np.sum(np.abs(v))) for v in reference.values())
    return sum(float(np.sum(np.abs(np.asarray(params[k], np.float64) - reference[k]))) for k in reference) / scale


# ------------------------------------------------------------------------------- the check


def check_agreement(impls, data, dtype, m_check):
    """One unshuffled epoch from the same θ(0) on the first ``m_check`` examples, every implementation.

    Batches in order, ε negligible (see :data:`CHECK_EPSILON`). Returns {name: (max relative parameter
    difference from the reference, relative log-loss difference)} and the list of failures. The
    reference is denseflow's ``fit`` (else the course functions); it must also have lowered the
    training log-loss.
    """
    X, Y, XT, y = data
    sub = tuple(np.ascontiguousarray(a) for a in (X[:, :m_check], Y[:, :m_check], XT[:m_check], y[:m_check]))
    theta0 = initial_parameters(dtype, seed=1)
    adam = dict(ADAM, epsilon=CHECK_EPSILON[np.dtype(dtype).name])
    results = {}
    for impl in impls:
        if impl.name != MATMULS:
            runner = type(impl)(sub, impl.B, dtype, impl.threads)
            results[impl.name], _ = runner.fit(epochs=1, shuffle=False, theta0=theta0, adam=adam)
    name = np.dtype(dtype).name
    reference_name = DENSEFLOW if DENSEFLOW in results else COURSE
    reference = {k: np.asarray(v, np.float64) for k, v in results[reference_name].items()}
    ref_loss, start_loss = log_loss(reference, sub[0], sub[1]), log_loss(theta0, sub[0], sub[1])
    failures = []
    if not ref_loss < start_loss:
        failures.append(f"{name}: {reference_name} did not lower the log-loss in one epoch: "
                        f"{start_loss:.4f} -> {ref_loss:.4f}")
    out = {}
    for impl_name, params in results.items():
        if impl_name == reference_name:
            continue
        difference = _relative_difference(params, reference)
        loss = log_loss(params, sub[0], sub[1])
        loss_difference = abs(loss - ref_loss) / ref_loss
        if not difference <= PARAMETER_AGREEMENT[name]:
            failures.append(f"{name}: {impl_name}'s parameters differ from {reference_name}'s by {difference:.1e}")
        if not loss_difference <= LOSS_AGREEMENT[name]:
            failures.append(f"{name}: {impl_name}'s log-loss {loss:.9f} differs from {reference_name}'s {ref_loss:.9f}")
        out[impl_name] = (difference, loss_difference)
    return out, failures


# ------------------------------------------------------------------------------------ timing


def time_epochs(impls, rounds, pause=0.0):
    """Seconds per one-epoch fit of each implementation, median over rounds (order flips every round).

    ``pause`` seconds of sleep (untimed) before every fit: the BLAS (OpenBLAS) and OpenMP (PyTorch)
    worker threads of the fit before spin for a while after their last product, and a fit that
    starts meanwhile shares the cores with them. The pause times each implementation as it runs
    after other work (loading, preprocessing); fits back to back (a sweep, cross-validation) start
    in the spinning state, where denseflow's two-thread copy of X gains nothing."""
    seconds = {impl.name: [] for impl in impls}
    for r in range(rounds):
        for impl in impls if r % 2 == 0 else impls[::-1]:
            time.sleep(pause)
            t0 = time.perf_counter()
            impl.fit(epochs=1, shuffle=True)
            seconds[impl.name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in seconds.items()}, seconds


def run(batches, dtypes, m, rounds, threads, m_check, names=None, warmup=True, layout="C", pause=0.0):
    """Check and time every configuration; returns the rows and the failures."""
    classes = [c for c in IMPLEMENTATIONS if (names is None or c.name in names) and c.available()]
    if Denseflow not in classes and CourseFunctions not in classes:
        classes.insert(0, CourseFunctions)
    rows, failures = [], []
    with _thread_limit(threads):
        for dtype in dtypes:
            data = make_data(m, np.dtype(dtype), layout=layout)
            for B in batches:
                impls = [cls(data, B, np.dtype(dtype), threads) for cls in classes]
                for impl in impls:
                    impl.threads = threads
                agreement, bad = check_agreement(impls, data, np.dtype(dtype), min(m_check, m))
                failures += bad
                if warmup:  # one untimed epoch each: first-call costs (imports, thread pools, page faults)
                    for impl in impls:
                        impl.fit(epochs=1, shuffle=True)
                median, samples = time_epochs(impls, rounds, pause)
                rows.append(dict(batch=B, dtype=np.dtype(dtype).name, seconds=median, samples=samples,
                                 agreement=agreement, load=os.getloadavg()[0]))
                print(format_row(rows[-1]), flush=True)
            del data
    return rows, failures


# ------------------------------------------------------------------------------------ report

COLUMNS = [DENSEFLOW, DENSEFLOW_NUMPY, COURSE, TORCH, SKLEARN, MATMULS]


def ratios(row):
    t = row["seconds"]
    ours = t.get(DENSEFLOW, t.get(COURSE))
    peers = [t[k] for k in (TORCH, SKLEARN) if k in t]
    best = min(peers) if peers else math.nan
    return ours / best, (ours / t[MATMULS] if MATMULS in t else math.nan)


def paired_ratio(row):
    """The median over rounds of (denseflow ÷ the faster peer) within each round.

    The implementations of one round run seconds apart, so a machine that slows down for a while
    (other jobs, a busy host) slows the round's numerator and denominator alike; the ratio of
    medians mixes rounds. Both are reported; the target is judged on the ratio of medians."""
    samples = row.get("samples") or {}
    ours = samples.get(DENSEFLOW, samples.get(COURSE))
    peers = [samples[k] for k in (TORCH, SKLEARN) if k in samples]
    if not ours or not peers:
        return math.nan
    return statistics.median(o / min(p[r] for p in peers) for r, o in enumerate(ours))


def _numpy_only_ratio(row):
    """denseflow without numba ÷ the faster peer (ratio of medians), or nan when not measured."""
    t = row["seconds"]
    peers = [t[k] for k in (TORCH, SKLEARN) if k in t]
    return t[DENSEFLOW_NUMPY] / min(peers) if DENSEFLOW_NUMPY in t and peers else math.nan


def format_row(row):
    t = row["seconds"]
    cells = [f"{t[k]:.3f}" if k in t else "—" for k in COLUMNS]
    if DENSEFLOW in t:
        cells[0] = f"**{cells[0]}**"
    vs_peer, vs_matmuls = ratios(row)
    short = {COURSE: "course", TORCH: "torch", SKLEARN: "MLP", DENSEFLOW_NUMPY: "NumPy-only"}
    agree = [f"{short[name]} {difference:.0e}" for name, (difference, _) in row["agreement"].items()]
    numpy_only = _numpy_only_ratio(row)
    return (f"| {row['batch']} | {row['dtype']} | {' | '.join(cells)} | {vs_peer:.2f} | {paired_ratio(row):.2f} | "
            f"{'—' if math.isnan(numpy_only) else f'{numpy_only:.2f}'} | "
            f"{vs_matmuls:.2f} | "
            f"{', '.join(agree)} | {row['load']:.1f} |")


def report(rows, args, started, load0, threads):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import machine

    header = ["| batch | dtype | denseflow `fit` | denseflow, NumPy only | course functions | PyTorch | MLPClassifier | "
              "matmuls alone | ÷ best peer | ÷ best peer, paired | NumPy only ÷ best peer | ÷ matmuls | "
              "θ agrees (check) | load |", "|" + "---|" * 14]
    targets = []
    for row in rows:
        vs_peer, _ = ratios(row)
        who = DENSEFLOW if DENSEFLOW in row["seconds"] else f"{COURSE} (stand-in: DeepNetwork has no optimizer yet)"
        verdict = "met" if vs_peer <= TARGET else f"missed by {vs_peer / TARGET:.2f}×"
        numpy_only = _numpy_only_ratio(row)
        without = "" if math.isnan(numpy_only) else f"; without numba: {numpy_only:.2f}"
        targets.append(f"- batch {row['batch']}, {row['dtype']}: {who} ÷ the faster of PyTorch and MLPClassifier "
                       f"= {vs_peer:.2f} (target ≤ {TARGET}: {verdict}; paired by round: {paired_ratio(row):.2f}"
                       f"{without})")
    command = " ".join(["python benchmarks/minibatch.py", *args.argv])
    note = " Quick mode: tiny m, one round: shows the suite runs; the times mean nothing." if args.quick else ""
    return "\n".join([
        "#### Machine", "", *machine(), f"- threads for every library: {threads}",
        f"- numba: {_numba_version() or 'not used (not installed, or DENSEFLOW_NUMBA=0)'} (denseflow's compiled "
        f"Adam step; the column 'denseflow, NumPy only' sets DENSEFLOW_NUMBA=0)", "",
        f"Command: `{command}`", "",
        f"m = {args.m:,}, X {args.layout}-ordered; {args.rounds} rounds, median seconds per one-epoch fit, "
        f"{args.pause:g} s pause before each; load average {load0:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; {time.time() - started:.0f} s.{note}", "",
        "#### Seconds per epoch of mini-batch Adam", "", *header, *[format_row(r) for r in rows], "",
        "#### Target", "", *targets, "",
    ])


# ----------------------------------------------------------------------------------- profile


def profile(B, dtype, m, threads, top=25, layout="C"):
    """cProfile of one denseflow epoch (fit, or the course functions) next to the matmuls alone."""
    data = make_data(m, np.dtype(dtype), layout=layout)
    cls = Denseflow if Denseflow.available() else CourseFunctions
    with _thread_limit(threads):
        impl, floor = cls(data, B, np.dtype(dtype), threads), Matmuls(data, B, np.dtype(dtype), threads)
        impl.threads = threads
        impl.fit()  # warm-up
        t0 = time.perf_counter()
        impl.fit()
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        floor.fit()
        matmuls = time.perf_counter() - t0
        profiler = cProfile.Profile()
        profiler.enable()
        impl.fit()
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return (f"{cls.name}, batch {B}, {np.dtype(dtype).name}, m = {m:,}, {threads} threads: one epoch {wall:.3f} s, "
            f"its matmuls alone {matmuls:.3f} s ({wall / matmuls:.2f}×)\n\n{out.getvalue()}")


def _seconds(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="m = 512, one round: seconds (CI)")
    parser.add_argument("--m", type=int, default=None, help="examples (default 60,000; quick 512)")
    parser.add_argument("--batches", default="64,256", help="comma-separated batch sizes")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 5; quick 1)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads of every library")
    parser.add_argument("--layout", choices=("C", "F"), default="C",
                        help="X (n_x, m) as a C-ordered copy (fit makes an example-major copy) or as XT.T, "
                             "the peers' memory (Fortran-ordered: no copy)")
    parser.add_argument("--pause", type=_seconds, default=None,
                        help="seconds of (untimed) sleep before every timed fit, so that none starts while the "
                             "previous one's BLAS/OpenMP threads still spin (default 0.3; quick 0)")
    parser.add_argument("--check-m", type=int, default=2048, help="examples of the agreement check")
    parser.add_argument("--only", default=None, help="comma-separated implementations, e.g. 'denseflow,PyTorch'")
    parser.add_argument("--profile", action="store_true", help="profile denseflow's epoch instead (first batch/dtype)")
    parser.add_argument("--out", help="also write the markdown report here")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    args.m = args.m or (512 if args.quick else 60_000)
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.pause = args.pause if args.pause is not None else (0.0 if args.quick else 0.3)
    batches = [int(b) for b in args.batches.split(",")]
    dtypes = args.dtypes.split(",")
    if args.profile:
        print(profile(batches[0], dtypes[0], args.m, args.threads, layout=args.layout))
        return [], []
    started, load0 = time.time(), os.getloadavg()[0]
    names = None if args.only is None else set(args.only.split(",")) | {MATMULS}
    rows, failures = run(batches, dtypes, args.m, args.rounds, args.threads, args.check_m, names,
                         warmup=not args.quick, layout=args.layout, pause=args.pause)
    text = report(rows, args, started, load0, args.threads)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if failures and argv is None:
        sys.exit("The implementations disagree:\n" + "\n".join(failures))
    return rows, failures


if __name__ == "__main__":
    main()
