"""BLAS threads: one against all cores, on a quiet and on a busy machine (issue 14, item 16).

Two measurements, each with OpenBLAS limited by threadpoolctl to 1 thread and to every core,
alternating (the order flips every round), median over the rounds:

* **products**: one matrix product ``(n, k) @ (k, m)`` for the products of one training iteration
  of the course's workloads (forward ``W[l] A[l-1]``, backward ``dZ[l] A[l-1]ᵀ`` and
  ``W[l]ᵀ dZ[l]``) and a ladder of square-ish sizes, to find the crossover in n·k·m where a
  second thread starts to pay;
* **iterations**: one training iteration of the planar, cat and tabular workloads through
  :func:`denseflow.training.train` (the path ``fit`` uses), with 1 thread, every core, and what
  the ``auto`` policy of :func:`denseflow.training.choose_threads` picks at that moment.

"busy" runs every measurement again while ``--busy N`` processes (default: one per core) spin
on the CPU, as other jobs do on a shared CI machine.

Usage::

    python benchmarks/threads.py                 # about 3 minutes on 2 cores
    python benchmarks/threads.py --quick         # about 30 seconds
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from denseflow.core.initializers import initialize_parameters
from denseflow.training import choose_threads, train

WORKLOADS = {
    "planar": dict(dims=[2, 4, 1], hidden="tanh", m=400, lr=1.2, init="random", n=(100, 500)),
    "cat": dict(dims=[12288, 20, 7, 5, 1], hidden="relu", m=209, lr=0.0075, init="scaled", n=(2, 8)),
    "tabular": dict(dims=[784, 256, 128, 1], hidden="relu", m=10_000, lr=0.05, init="he", n=(1, 3)),
}


def _spin():  # pragma: no cover - runs in the load processes
    x = 0
    while True:
        x += 1


def products(dims, m):
    """The (n, k, m) of the matrix products of one iteration (dA[0] = W1ᵀ dZ1 is not computed)."""
    out = []
    for l in range(1, len(dims)):
        n_l, n_prev = dims[l], dims[l - 1]
        out.append((n_l, n_prev, m))        # Z[l] = W[l] A[l-1]
        out.append((n_l, m, n_prev))        # dW[l] = dZ[l] A[l-1]ᵀ
        if l > 1:
            out.append((n_prev, n_l, m))    # dA[l-1] = W[l]ᵀ dZ[l]
    return out


def time_product(shape, threads, rounds):
    n, k, m = shape
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, k)), rng.standard_normal((k, m))
    flops = n * k * m
    reps = max(3, min(2000, int(2e8 / max(flops, 1))))
    with threadpool_limits(threads, user_api="blas"):
        A @ B
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(reps):
                A @ B
            samples.append((time.perf_counter() - t0) / reps)
    return statistics.median(samples)


def time_iteration(spec, threads, rounds):
    rng = np.random.default_rng(0)
    n_x, m = spec["dims"][0], spec["m"]
    X = rng.random((n_x, m))
    Y = (rng.random((1, m)) < 0.4).astype(float)
    theta = initialize_parameters(spec["dims"], spec["init"], seed=1)
    n1, n2 = spec["n"]
    samples = []
    with threadpool_limits(threads, user_api="blas"):  # None: the BLAS default
        train(theta, X, Y, hidden_activation=spec["hidden"], learning_rate=spec["lr"], num_iterations=1)
        for _ in range(rounds):
            t = []
            for n in (n1, n2):
                t0 = time.perf_counter()
                train(theta, X, Y, hidden_activation=spec["hidden"], learning_rate=spec["lr"], num_iterations=n)
                t.append(time.perf_counter() - t0)
            samples.append((t[1] - t[0]) / (n2 - n1))
    return statistics.median(samples)


def measure(rounds, quick, cores):
    load = os.getloadavg()[0]
    rows = []
    shapes = {}
    for name, spec in WORKLOADS.items():
        if quick and name == "tabular":
            continue
        for shape in products(spec["dims"], spec["m"]):
            shapes.setdefault(shape, name)
    for side in (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512):
        shapes.setdefault((side, side, side), "square")
    for shape, origin in sorted(shapes.items(), key=lambda kv: kv[0][0] * kv[0][1] * kv[0][2]):
        one, many = time_product(shape, 1, rounds), time_product(shape, cores, rounds)
        rows.append(("product", origin, shape, one, many))
    for name, spec in WORKLOADS.items():
        if quick and name == "tabular":
            continue
        t = {}
        for threads in ((1, cores) if rounds % 2 else (cores, 1)):
            t[threads] = time_iteration(spec, threads, rounds)
        auto = choose_threads(spec["dims"], spec["m"], "auto")
        t["auto"] = time_iteration(spec, auto, rounds)
        rows.append(("iteration", name, tuple(spec["dims"]), t[1], t[cores], auto or cores, t["auto"]))
    return rows, load


def report(results, cores, busy):
    (quiet, quiet_load), (loaded, busy_load) = results["quiet"], results["busy"]
    lines = [f"cores: {cores}; load average at the start of the quiet phase {quiet_load:.2f}, of the busy phase "
             f"{busy_load:.2f} ({busy} spinning processes added)", ""]
    lines.append(f"| what | shape (n, k, m) | n·k·m | quiet: 1 thread | quiet: {cores} | busy: 1 thread | busy: {cores} |")
    lines.append("|---|---|---|---|---|---|---|")
    for q, b in zip(quiet, loaded):
        kind, origin, shape, one, many = q[:5]
        size = int(np.prod(shape)) if kind == "product" else "—"
        unit = 1e6 if kind == "product" else 1e3
        fmt = (lambda s: f"{s * unit:.1f} µs") if kind == "product" else (lambda s: f"{s * unit:.2f} ms")
        lines.append(f"| {kind} {origin} | {shape} | {size} | {fmt(one)} | {fmt(many)} | {fmt(b[3])} | {fmt(b[4])} |")
    lines += ["", "| iteration | quiet: auto picks | quiet: auto | busy: auto picks | busy: auto |", "|---|---|---|---|---|"]
    for q, b in zip(quiet, loaded):
        if q[0] == "iteration":
            lines.append(f"| {q[1]} | {q[5]} | {q[6] * 1e3:.2f} ms | {b[5]} | {b[6] * 1e3:.2f} ms |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--busy", type=int, default=os.cpu_count(), help="spinning processes for 'busy'")
    args = parser.parse_args(argv)
    cores = os.cpu_count()
    rounds = 3 if args.quick else args.rounds
    results = {"quiet": measure(rounds, args.quick, cores)}
    ctx = mp.get_context("spawn")
    load = [ctx.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for p in load:
        p.start()
    try:
        time.sleep(1.0)
        results["busy"] = measure(rounds, args.quick, cores)
    finally:
        for p in load:
            p.terminate()
        for p in load:
            p.join()
    print(report(results, cores, args.busy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
