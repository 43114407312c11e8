"""benchmarks/minibatch.py (issue 15's speed benchmark): its --quick mode runs, and its agreement
check — the implementations train the same epoch from the same θ(0) — holds and can fail.

Only that the suite runs and computes the same thing is tested; speed is measured by the
benchmark itself (benchmarks/RESULTS.md), never asserted here.
"""

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def minibatch():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("minibatch_benchmark", BENCHMARKS / "minibatch.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_quick_mode_runs_and_every_implementation_trains_the_same_epoch(minibatch, tmp_path, monkeypatch):
    monkeypatch.delenv("DENSEFLOW_NUM_THREADS", raising=False)
    out = tmp_path / "report.md"
    rows, failures = minibatch.main(["--quick", "--threads", "1", "--out", str(out)])
    assert failures == []
    assert [(r["batch"], r["dtype"]) for r in rows] == [(64, "float64"), (256, "float64"), (64, "float32"),
                                                         (256, "float32")]
    ours = minibatch.DENSEFLOW if minibatch.Denseflow.available() else minibatch.COURSE
    for row in rows:
        assert {ours, minibatch.COURSE, minibatch.MATMULS} <= set(row["seconds"])
        assert all(0 < t < 60 for t in row["seconds"].values())
        for name, (parameters, loss) in row["agreement"].items():  # the reference is not listed against itself
            assert name != ours
            assert parameters <= minibatch.PARAMETER_AGREEMENT[row["dtype"]], (row["batch"], row["dtype"], name)
            assert loss <= minibatch.LOSS_AGREEMENT[row["dtype"]], (row["batch"], row["dtype"], name)
        if row["dtype"] == "float64":  # the same arithmetic in float64: agreement to a few ulps
            assert all(p < 1e-12 for p, _ in row["agreement"].values()), row["agreement"]
    text = out.read_text()
    assert "#### Seconds per epoch of mini-batch Adam" in text and "| 256 | float32 |" in text
    assert "- threads for every library: 1" in text
    assert "DENSEFLOW_NUM_THREADS" not in __import__("os").environ  # restored


@pytest.mark.parametrize("wrong", [{"beta1": 0.5}, {"learning_rate": 2e-3}, {"beta2": 0.99}])
def test_the_agreement_check_catches_another_update_rule(minibatch, wrong):
    class Wrong(minibatch.CourseFunctions):
        name = minibatch.TORCH  # compared against the reference like a peer

        def fit(self, epochs=1, shuffle=True, theta0=None, adam=minibatch.ADAM):
            return super().fit(epochs, shuffle, theta0, dict(adam, **wrong))

    dtype = np.dtype("float64")
    data = minibatch.make_data(256, dtype)
    impls = [minibatch.CourseFunctions(data, 64, dtype, 1), Wrong(data, 64, dtype, 1)]
    for impl in impls:
        impl.threads = 1
    with minibatch._thread_limit(1):  # one BLAS thread: quick on a busy machine
        agreement, failures = minibatch.check_agreement(impls, data, dtype, 256)
    assert agreement[minibatch.TORCH][0] > 1e-6
    assert any("PyTorch's parameters differ" in f for f in failures)


def test_the_synthetic_data_is_standardized_balanced_and_the_same_in_both_layouts(minibatch):
    X, Y, XT, y = minibatch.make_data(1000, np.dtype("float64"), seed=3)
    assert X.shape == (784, 1000) and Y.shape == (1, 1000) and XT.shape == (1000, 784) and y.shape == (1000,)
    assert X.flags.c_contiguous and XT.flags.c_contiguous
    np.testing.assert_array_equal(X, XT.T)
    np.testing.assert_array_equal(Y.ravel(), y)
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=1), 1, rtol=1e-12)
    assert Y.sum() == 500  # labels split at the teacher's median
    again = minibatch.make_data(1000, np.dtype("float32"), seed=3)
    assert again[0].dtype == np.float32 and np.array_equal(again[1].ravel(), y)
    X_F, _, XT_F, _ = minibatch.make_data(1000, np.dtype("float64"), seed=3, layout="F")
    assert X_F.flags.f_contiguous and np.shares_memory(X_F, XT_F)  # the peers' memory, no copy
    np.testing.assert_array_equal(X_F, X)


def test_log_loss_is_the_binary_cross_entropy(minibatch):
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3)),
              "b2": rng.normal(size=(1, 1))}
    X, Y = rng.normal(size=(4, 50)), (rng.random((1, 50)) < 0.5).astype(float)
    a = 1 / (1 + np.exp(-(params["W2"] @ np.maximum(params["W1"] @ X + params["b1"], 0) + params["b2"])))
    expected = -np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))
    assert math.isclose(minibatch.log_loss(params, X, Y), expected, rel_tol=1e-12)
