"""denseflow against the course-style NumPy loop, PyTorch eager, scikit-learn and the GEMM bound.

One training iteration = forward + cost + backward + update, full-batch gradient descent, from the
same initial parameters for every implementation. All implementations run in this one process,
alternating (the order flips every round), after a warm-up; the time per iteration is the
difference between a long and a short block of iterations divided by their difference in length
(so one-time costs per call drop out for everybody), and the median of the rounds is reported.
Peers that are not installed (PyTorch, scikit-learn) are skipped.

Usage::

    python benchmarks/bench.py                  # the full run (about three minutes on 2 cores)
    python benchmarks/bench.py --quick          # a few seconds: what CI runs so the suite cannot rot
    python benchmarks/bench.py --out table.md   # also write the markdown report to a file

Workloads: planar [2, 4, 1] tanh m=400; cat [12288, 20, 7, 5, 1] relu m=209 (random data of the
cat set's shape); tabular [784, 256, 128, 1] relu m=10,000 (random data); float64 and float32.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course_style  # noqa: E402  (the baseline, beside this file)

from denseflow.core.initializers import initialize_parameters
from denseflow.training import train, train_stacked

WORKLOADS = {
    # name: layer sizes, hidden activation, m, α, initialization, and the two block lengths
    # (iterations) whose difference gives the time per iteration: (full run), (quick run)
    "planar": dict(dims=[2, 4, 1], hidden="tanh", m=400, lr=1.2, init="random", blocks=((200, 1000), (20, 100))),
    "cat": dict(dims=[12288, 20, 7, 5, 1], hidden="relu", m=209, lr=0.0075, init="scaled", blocks=((3, 11), (1, 4))),
    "tabular": dict(dims=[784, 256, 128, 1], hidden="relu", m=10_000, lr=0.05, init="he", blocks=((2, 6), (1, 2))),
}
TARGETS = {"vs_peer": 0.8, "vs_gemm": 1.15, "planar_ms": 0.025, "stacked": 4.0}
# The costs after the same iterations from the same θ(0) must agree to this (relative) precision.
AGREEMENT = {"float64": 1e-9, "float32": 1e-4}


def make_data(name, spec, dtype):
    rng = np.random.default_rng(0)
    n_x, m = spec["dims"][0], spec["m"]
    if name == "planar":
        from denseflow.datasets import planar_flower

        X, Y = planar_flower()
    elif name == "cat":
        X = rng.random((n_x, m))  # pixels / 255
        Y = (rng.random((1, m)) < 0.35).astype(float)
    else:
        X = rng.standard_normal((n_x, m))
        Y = (rng.standard_normal(n_x) @ X > 0).astype(float).reshape(1, m)
    return X.astype(dtype), Y.astype(dtype)


# ------------------------------------------------------------------------------- implementations


class Denseflow:
    name = "denseflow"

    def __init__(self, spec, X, Y, theta):
        self.spec, self.X, self.Y, self.theta = spec, X, Y, theta

    def run(self, n):
        result = train(self.theta, self.X, self.Y, hidden_activation=self.spec["hidden"],
                       learning_rate=self.spec["lr"], num_iterations=n)
        self.theta = result.parameters
        return result.history.costs[-1]


class CourseStyle:
    name = "course-style NumPy"

    def __init__(self, spec, X, Y, theta):
        self.spec, self.X, self.Y, self.theta = spec, X, Y, dict(theta)

    def run(self, n):
        with np.errstate(divide="ignore", invalid="ignore"):
            self.theta, cost = course_style.train(self.theta, self.X, self.Y, self.spec["lr"], n, self.spec["hidden"])
        return cost


class Torch:
    name = "PyTorch eager"

    def __init__(self, spec, X, Y, theta):
        import torch

        torch.set_num_threads(os.cpu_count())
        self.torch, self.lr, L = torch, spec["lr"], len(theta) // 2
        self.act = {"relu": torch.relu, "tanh": torch.tanh}[spec["hidden"]]
        self.X = torch.from_numpy(np.ascontiguousarray(X.T))  # (m, n_x): PyTorch's natural layout
        self.Y = torch.from_numpy(np.ascontiguousarray(Y.T))
        self.W = [torch.tensor(theta[f"W{l}"], requires_grad=True) for l in range(1, L + 1)]
        self.b = [torch.tensor(theta[f"b{l}"].ravel(), requires_grad=True) for l in range(1, L + 1)]

    def run(self, n):
        torch, F = self.torch, self.torch.nn.functional
        params = self.W + self.b
        for _ in range(n):
            A = self.X
            for W, b in zip(self.W[:-1], self.b[:-1]):
                A = self.act(F.linear(A, W, b))
            loss = F.binary_cross_entropy_with_logits(F.linear(A, self.W[-1], self.b[-1]), self.Y)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.sub_(p.grad, alpha=self.lr)
            cost = loss.item()
        return cost


class Sklearn:
    name = "scikit-learn"

    def __init__(self, spec, X, Y, theta):
        from sklearn.neural_network import MLPClassifier

        L = len(theta) // 2
        self.X, self.y = np.ascontiguousarray(X.T), Y.ravel().astype(int)
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(spec["dims"][1:-1]), activation=spec["hidden"], solver="sgd",
            batch_size=spec["m"], momentum=0.0, alpha=0.0, learning_rate="constant",
            learning_rate_init=spec["lr"], shuffle=False, max_iter=1, warm_start=True, tol=0.0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.clf.fit(self.X, self.y)  # creates its arrays; then start from our θ(0)
        self.clf.coefs_ = [np.array(theta[f"W{l}"].T, order="C") for l in range(1, L + 1)]
        self.clf.intercepts_ = [theta[f"b{l}"].ravel().copy() for l in range(1, L + 1)]
        del self.clf._optimizer

    def run(self, n):
        # n epochs of one full batch each, in scikit-learn's own loop (its fastest way to do n steps).
        self.clf.set_params(max_iter=n, n_iter_no_change=n + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
            self.clf.fit(self.X, self.y)
        self.clf._optimizer = None
        del self.clf._optimizer
        return self.clf.loss_curve_[-1]


class Gemm:
    """The lower bound: denseflow's matrix products alone (same shapes, layouts and BLAS calls)."""

    name = "GEMM bound"

    def __init__(self, spec, X, Y, theta):
        dims, m, L = spec["dims"], spec["m"], len(spec["dims"]) - 1
        W = [None] + [theta[f"W{l}"].copy() for l in range(1, L + 1)]
        A = [X] + [np.ones((n, m), X.dtype) for n in dims[1:]]
        self.ops = []
        for l in range(1, L + 1):
            self.ops.append((np.matmul, W[l], A[l - 1], A[l]))  # Z[l] = W[l] A[l-1]
        for l in range(L, 0, -1):
            self.ops.append((np.matmul, A[l], A[l - 1].T, np.empty_like(W[l])))  # dW[l] = dZ[l] A[l-1]ᵀ
            if l > 1:  # dA[l-1] = W[l]ᵀ dZ[l] (an outer product, as denseflow does it, when n[l] = 1)
                self.ops.append((np.multiply if dims[l] == 1 else np.matmul, W[l].T, A[l], np.empty_like(A[l - 1])))

    def run(self, n):
        ops = self.ops
        for _ in range(n):
            for product, a, b, out in ops:
                product(a, b, out)
        return None


def available(impl):
    module = {"PyTorch eager": "torch", "scikit-learn": "sklearn"}.get(impl.name)
    if module is None:
        return True
    try:
        __import__(module)
        return True
    except ImportError:
        return False


IMPLEMENTATIONS = [Denseflow, CourseStyle, Torch, Sklearn, Gemm]


# --------------------------------------------------------------------------------------- timing


def marginal(runs, blocks, rounds):
    """Time per iteration of each runner, (t(n2) − t(n1)) / (n2 − n1), median over rounds.

    The difference cancels what a call costs once (denseflow's engine setup and final cost,
    scikit-learn's input checks), so every implementation is measured at its steady state. The
    runners alternate, in an order that flips every round; each one first runs one untimed
    iteration, so that neither block pays for the switch (caches, another library's threads).
    """
    n1, n2 = blocks
    per_iteration = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            runs[name](1)
            t = []
            for n in (n1, n2):
                t0 = time.perf_counter()
                runs[name](n)
                t.append(time.perf_counter() - t0)
            per_iteration[name].append((t[1] - t[0]) / (n2 - n1) * 1e3)
    return {name: statistics.median(v) for name, v in per_iteration.items()}


def time_workload(name, spec, dtype, rounds, quick):
    X, Y = make_data(name, spec, dtype)
    theta = initialize_parameters(spec["dims"], spec["init"], seed=1, dtype=dtype)
    impls = [cls(spec, X, Y, theta) for cls in IMPLEMENTATIONS if available(cls)]
    costs = {}

    def runner(impl):
        def run(n):
            costs[impl.name] = impl.run(n)

        return run

    times = marginal({impl.name: runner(impl) for impl in impls}, spec["blocks"][1 if quick else 0], rounds)
    # Every implementation did the same iterations from the same θ(0): their last costs must agree.
    ref = costs["denseflow"]
    return times, {k: abs(c - ref) / abs(ref) for k, c in costs.items() if c is not None}


def peak_memory(name, spec, dtype, impl):
    """Peak bytes allocated (tracemalloc) while training 2 iterations, vs activations + parameters."""
    X, Y = make_data(name, spec, dtype)
    theta = initialize_parameters(spec["dims"], spec["init"], seed=1, dtype=dtype)
    runner = impl(spec, X, Y, theta)
    runner.run(1)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    runner.run(2)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    dims, m = spec["dims"], spec["m"]
    needed = (sum(dims[1:]) * m + sum(a * b + a for a, b in zip(dims[1:], dims[:-1]))) * np.dtype(dtype).itemsize
    return peak, needed


def time_stacked(K, dtype, rounds, quick):
    spec = WORKLOADS["planar"]
    X, Y = make_data("planar", spec, dtype)
    rates = list(np.linspace(0.3, 1.5, K))
    thetas = [initialize_parameters(spec["dims"], "random", seed=s, dtype=dtype) for s in range(K)]

    def one(n):
        train(thetas[0], X, Y, hidden_activation="tanh", learning_rate=1.2, num_iterations=n)

    def stacked(n):
        train_stacked(spec["dims"], X, Y, learning_rates=rates, initial_parameters=thetas,
                      hidden_activation="tanh", num_iterations=n)

    t = marginal({"one": one, "stacked": stacked}, (20, 100) if quick else (100, 500), rounds)
    # The floor the stack cannot go under while staying bit-identical to separate runs: the exact
    # transcendental functions alone (tanh of A[1], SciPy's expit of A[2], softplus for the cost).
    from scipy.special import expit

    rng = np.random.default_rng(0)
    Z1 = rng.standard_normal((K, spec["dims"][1], spec["m"])).astype(dtype)
    Z2 = rng.standard_normal((K, 1, spec["m"])).astype(dtype)
    A1, A2 = np.empty_like(Z1), np.empty_like(Z2)
    reps = 20 if quick else 200
    t0 = time.perf_counter()
    for _ in range(reps):
        np.tanh(Z1, A1), expit(Z2, A2), np.exp(Z2, A2), np.log1p(A2, A2)
    floor = (time.perf_counter() - t0) / reps * 1e3
    return t["one"], t["stacked"], floor


# -------------------------------------------------------------------------------------- report


def machine():
    lines = []
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines.append(f"- CPU: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy {np.__version__}")
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            library = Path(info.get("filepath", "?")).name
            if info.get("user_api") == "blas":
                lines.append(f"- BLAS {info.get('internal_api')} {info.get('version')} ({library}): kernel "
                             f"{info.get('architecture')}, {info.get('num_threads')} threads")
            else:
                lines.append(f"- {info.get('internal_api')} ({library}): {info.get('num_threads')} threads")
    except ImportError:
        lines.append("- BLAS: (threadpoolctl not installed)")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append(f"- {var}={os.environ.get(var, '(unset)')}")
    try:
        import torch

        lines.append(f"- PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
                     f"MKL {torch.backends.mkl.is_available()}")
    except ImportError:
        lines.append("- PyTorch: not installed (skipped)")
    try:
        import sklearn

        lines.append(f"- scikit-learn {sklearn.__version__}")
    except ImportError:
        lines.append("- scikit-learn: not installed (skipped)")
    return lines


def verdict(value, target, fmt=".2f"):
    return f"{value:{fmt}} (target ≤ {target}: {'met' if value <= target else 'missed'})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round of everything (CI)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per workload (default 7; quick 1)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--out", help="also write the markdown report here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    dtypes = args.dtypes.split(",")
    started, load0 = time.time(), os.getloadavg()[0]
    table = ["| workload | dtype | denseflow | course-style | PyTorch | scikit-learn | GEMM bound | "
             "÷ best peer | ÷ GEMM | costs agree |", "|" + "---|" * 10]
    memory = ["| workload | dtype | activations + parameters | denseflow peak | ratio | course-style peak |",
              "|---|---|---|---|---|---|"]
    targets, failures = [], []
    for name in args.workloads.split(","):
        spec = WORKLOADS[name]
        for dtype in dtypes:
            t, differences = time_workload(name, spec, np.dtype(dtype), rounds, args.quick)
            agree = max(differences.values())
            tolerance = AGREEMENT[dtype]
            failures += [f"{name} {dtype}: {k}'s cost differs from denseflow's by {v:.1e} (relative)"
                         for k, v in differences.items() if not v <= tolerance]
            best = min([t[k] for k in ("PyTorch eager", "scikit-learn") if k in t] or [float("nan")])
            d, gemm = t["denseflow"], t["GEMM bound"]
            peers = ("course-style NumPy", "PyTorch eager", "scikit-learn")
            cells = [f"{t[k]:.4g}" if k in t else "—" for k in peers]
            table.append(f"| {name} | {dtype} | **{d:.4g}** | {' | '.join(cells)} | {gemm:.4g} | {d / best:.2f} | "
                         f"{d / gemm:.2f} | {agree:.0e} |")
            line = f"- {name} {dtype}: ÷ best peer {verdict(d / best, TARGETS['vs_peer'])}"
            if name == "planar":
                line += f"; ms per iteration {verdict(d, TARGETS['planar_ms'], '.4f')}"
            else:
                line += f"; ÷ GEMM bound {verdict(d / gemm, TARGETS['vs_gemm'])}"
            targets.append(line)
            peak, needed = peak_memory(name, spec, np.dtype(dtype), Denseflow)
            course_peak, _ = peak_memory(name, spec, np.dtype(dtype), CourseStyle)
            memory.append(f"| {name} | {dtype} | {needed / 2**20:.2f} MiB | {peak / 2**20:.2f} MiB | "
                          f"{peak / needed:.2f} | {course_peak / 2**20:.2f} MiB |")
            print(table[-1], flush=True)
    stacked = ["| dtype | one model | 32 models stacked | ratio (target ≤ 4) | "
               "tanh + expit + softplus alone, 32 models |", "|---|---|---|---|---|"]
    for dtype in dtypes:
        one, many, floor = time_stacked(32, np.dtype(dtype), rounds, args.quick)
        stacked.append(f"| {dtype} | {one:.4f} ms | {many:.4f} ms | {many / one:.1f} | "
                       f"{floor:.4f} ms ({floor / one:.1f}× one model) |")
        print(stacked[-1], flush=True)
    command = " ".join(["python benchmarks/bench.py", *(sys.argv[1:] if argv is None else argv)])
    note = ""
    if args.quick:
        note = " Quick mode: one round of short blocks, to show that the suite runs; the numbers are noisy."
    report = "\n".join([
        "## Machine", "", *machine(), "",
        f"Command: `{command}`", "",
        f"{rounds} rounds, median of (t(n2) − t(n1)) / (n2 − n1); load average {load0:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; {time.time() - started:.0f} s.{note}", "",
        "### ms per iteration (forward + cost + backward + update)", "", *table, "",
        "### Targets", "", *targets, "",
        "### Peak memory while training (tracemalloc)", "", *memory, "",
        "### 32 planar models stacked (`train_stacked`) vs one model (`train`), ms per iteration", "", *stacked, "",
    ])
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")
    if failures:  # the implementations no longer compute the same training: fail (CI runs --quick)
        sys.exit("The implementations disagree:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
