"""DenseClassifier() against MLPClassifier(), both with their defaults (issue 15's acceptance).

On breast cancer, digits, wine, iris and moons (noise 0.3, n = 500, random_state 0): 5-fold
stratified cross-validation of ``make_pipeline(StandardScaler(), est)``, the same folds for both,
averaged over several seeds (``random_state`` = 0, 1, …: the only parameter set). Reported: mean
accuracy, mean log-loss, total fit time, and the ratios the issue asks for:
accuracy difference ≥ −0.5 points, log-loss ratio ≤ 1.1, fit-time ratio ≤ 1.

Both run in this process, one after the other on the same folds, with one BLAS thread (the
machine is shared; small products are fastest on one thread anyway).

Usage::

    python benchmarks/sklearn_compare.py              # prints the table
    python benchmarks/sklearn_compare.py --record     # and writes it into benchmarks/RESULTS.md
    python benchmarks/sklearn_compare.py --seeds 1 --datasets iris wine
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN = "<!-- sklearn_compare: begin -->"
END = "<!-- sklearn_compare: end -->"


def datasets():
    """name → (X, y) of the five data sets."""
    from sklearn.datasets import (
        load_breast_cancer,
        load_digits,
        load_iris,
        load_wine,
        make_moons,
    )

    return {
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "iris": load_iris(return_X_y=True),
        "moons": make_moons(n_samples=500, noise=0.3, random_state=0),
    }


def cross_validate_both(X, y, seed, n_splits=5):
    """{name: (accuracy, log_loss, fit_seconds)} of both estimators on the same stratified folds."""
    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from denseflow.sklearn import DenseClassifier

    estimators = {"dense": DenseClassifier(random_state=seed), "mlp": MLPClassifier(random_state=seed)}
    out = {name: [[], [], 0.0] for name in estimators}
    for train, test in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y):
        for name, est in estimators.items():
            pipe = make_pipeline(StandardScaler(), clone(est))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                pipe.fit(X[train], y[train])
                out[name][2] += time.perf_counter() - start
            out[name][0].append(accuracy_score(y[test], pipe.predict(X[test])))
            out[name][1].append(log_loss(y[test], pipe.predict_proba(X[test]), labels=np.unique(y)))
    return {name: (float(np.mean(a)), float(np.mean(ll)), t) for name, (a, ll, t) in out.items()}


def compare(names=None, seeds=(0, 1, 2)):
    """Rows: (data set, dense acc, mlp acc, Δ points, dense log-loss, mlp log-loss, ratio, dense s, mlp s, ratio)."""
    import threadpoolctl

    rows = []
    with threadpoolctl.threadpool_limits(limits=1):
        for name, (X, y) in datasets().items():
            if names and name not in names:
                continue
            per_seed = [cross_validate_both(X, y, seed) for seed in seeds]
            d = np.mean([r["dense"] for r in per_seed], axis=0)
            m = np.mean([r["mlp"] for r in per_seed], axis=0)
            d_time = sum(r["dense"][2] for r in per_seed)
            m_time = sum(r["mlp"][2] for r in per_seed)
            rows.append((name, d[0], m[0], 100 * (d[0] - m[0]), d[1], m[1], d[1] / m[1], d_time, m_time,
                         d_time / m_time))
    return rows


NOTE = (
    "With the same `random_state`, `DenseClassifier` draws MLP's initial weights and shuffles and takes MLP's "
    "steps, so the accuracies and log-losses agree to rounding (ratios 1.000); what differs is the time: the "
    "course's forward/backward on transposed views, ReLU in place, the loss from A[L], no per-epoch input checks "
    "in the shuffle. Fit times are sums over the fits of a data set (5 folds × seeds), both estimators "
    "alternating fold by fold in one process."
)


def table(rows, seeds) -> str:
    lines = [
        f"5-fold stratified CV in `make_pipeline(StandardScaler(), est)`, means over random_state = "
        f"{', '.join(map(str, seeds))}; `DenseClassifier()` and `MLPClassifier()` with their defaults; "
        f"one BLAS thread; Python {platform.python_version()}, {platform.machine()}.",
        "",
        "| data set | accuracy dense | accuracy MLP | Δ (points, ≥ −0.5) | log-loss dense | log-loss MLP "
        "| ratio (≤ 1.1) | fit s dense | fit s MLP | ratio (≤ 1) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r[0]} | {r[1]:.4f} | {r[2]:.4f} | {r[3]:+.2f} | {r[4]:.4f} | {r[5]:.4f} | {r[6]:.3f} "
            f"| {r[7]:.2f} | {r[8]:.2f} | {r[9]:.2f} |"
        )
    return "\n".join(lines) + "\n\n" + NOTE


def record(text: str):
    """Replace (or append) the marked section of RESULTS.md, written atomically."""
    from denseflow.io import atomic_write

    section = (f"{BEGIN}\n## scikit-learn estimators: DenseClassifier() vs MLPClassifier() (issue 15)\n\n"
               f"Written by `python benchmarks/sklearn_compare.py --record`.\n\n{text}\n{END}")
    old = RESULTS.read_text() if RESULTS.exists() else ""
    if BEGIN in old and END in old:
        new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: section, old, flags=re.DOTALL)
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    with atomic_write(RESULTS) as f:
        f.write(new.encode())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", help="a subset of the five data sets")
    parser.add_argument("--seeds", type=int, default=3, help="random_state 0 … seeds−1 (default 3)")
    parser.add_argument("--record", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    seeds = tuple(range(args.seeds))
    text = table(compare(args.datasets, seeds), seeds)
    print(text)
    if args.record:
        record(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
