"""The fast engine and the stacked trainer give the reference engine's numbers.

Oracles: the step-by-step course functions (``engine="reference"``), separate runs of ``train``
for the stacked trainer, and the course's published figures.
"""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from denseflow.core.activations import ACTIVATIONS, leaky_relu
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import LOSSES
from denseflow.training import (
    Checkpoint,
    FastEngine,
    StackedEngine,
    StopTraining,
    TrainingDivergedError,
    blas_threads,
    copy_threads,
    example_major,
    train,
    train_stacked,
)

HIDDEN = ["relu", "tanh", "sigmoid", "identity", "leaky_relu"]
# (output activation, loss, number of outputs)
OUTPUTS = [
    ("sigmoid", "binary_cross_entropy", 1),
    ("softmax", "categorical_cross_entropy", 3),
    ("identity", "squared_error", 2),
    ("sigmoid", "squared_error", 1),
]
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_data(n_x, n_y, output, loss, m=40, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    if output == "softmax":
        Y = np.eye(n_y)[rng.integers(0, n_y, m)].T
    elif loss == "squared_error" and output == "identity":
        Y = rng.standard_normal((n_y, m))
    else:
        Y = (rng.random((n_y, m)) < 0.5).astype(float)
    return X.astype(dtype), Y.astype(dtype)


def assert_same_run(a, b, exact_parameters=True, atol=1e-12):
    """Two TrainingResults: same recorded iterations, costs within atol, same parameters."""
    assert a.history.iterations == b.history.iterations
    np.testing.assert_allclose(a.history.costs, b.history.costs, rtol=0, atol=atol)
    np.testing.assert_allclose(a.history.final_cost, b.history.final_cost, rtol=0, atol=atol)
    assert sorted(a.parameters) == sorted(b.parameters)
    for key in a.parameters:
        if exact_parameters:
            np.testing.assert_array_equal(a.parameters[key], b.parameters[key], err_msg=key)
        else:
            np.testing.assert_allclose(a.parameters[key], b.parameters[key], rtol=0, atol=atol, err_msg=key)


# ------------------------------------------------------------------------- fast vs reference


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,loss,n_y", OUTPUTS)
@pytest.mark.parametrize("hidden_dims", [[], [6], [7, 5]])
def test_fast_engine_agrees_with_reference(hidden, output, loss, n_y, hidden_dims):
    X, Y = make_data(4, n_y, output, loss)
    params = initialize_parameters([4, *hidden_dims, n_y], "he", seed=3)
    kw = dict(hidden_activation=hidden, output_activation=output, loss=loss, learning_rate=0.05, num_iterations=25)
    ref = train(params, X, Y, engine="reference", **kw)
    fast = train(params, X, Y, engine="fast", **kw)
    assert_same_run(ref, fast)  # costs to 1e-12, parameters bit-identical


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu", "identity"])
def test_fast_engine_large_layers_in_row_blocks(hidden):
    # A hidden layer bigger than the scratch budget: dA[l-1] is computed in row blocks.
    X, Y = make_data(30, 1, "sigmoid", "binary_cross_entropy", m=3000)
    params = initialize_parameters([30, 400, 2, 1], "he", seed=0)
    engine = FastEngine(params, X, Y, ACTIVATIONS[hidden], ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"], 0.1)
    assert engine._S.shape[0] < 400  # the blocks are in use
    kw = dict(hidden_activation=hidden, learning_rate=0.1, num_iterations=3)
    assert_same_run(train(params, X, Y, engine="reference", **kw), train(params, X, Y, engine="fast", **kw))


def test_fast_engine_sample_weights_and_cost_every():
    X, Y = make_data(3, 1, "sigmoid", "binary_cross_entropy", m=50)
    w = np.random.default_rng(1).random((1, 50))
    params = initialize_parameters([3, 5, 1], "he", seed=2)
    kw = dict(hidden_activation="tanh", learning_rate=0.3, num_iterations=30, sample_weight=w, cost_every=7)
    ref, fast = train(params, X, Y, engine="reference", **kw), train(params, X, Y, engine="fast", **kw)
    assert fast.history.iterations == [0, 7, 14, 21, 28, 29]
    assert_same_run(ref, fast)


def test_leaky_relu_slope_is_honoured():
    X, Y = make_data(3, 1, "sigmoid", "binary_cross_entropy")
    params = initialize_parameters([3, 6, 1], "he", seed=2)
    kw = dict(hidden_activation=leaky_relu(0.2), learning_rate=0.1, num_iterations=10)
    assert_same_run(train(params, X, Y, engine="reference", **kw), train(params, X, Y, engine="fast", **kw))


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_float32_end_to_end(hidden):
    X64, Y64 = make_data(5, 1, "sigmoid", "binary_cross_entropy", m=60)
    p64 = initialize_parameters([5, 8, 4, 1], "he", seed=1)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    X32, Y32 = X64.astype(np.float32), Y64.astype(np.float32)
    kw = dict(hidden_activation=hidden, learning_rate=0.1, num_iterations=40)
    fast32 = train(p32, X32, Y32, engine="fast", **kw)
    assert all(v.dtype == np.float32 for v in fast32.parameters.values())
    ref32 = train(p32, X32, Y32, engine="reference", **kw)
    assert_same_run(ref32, fast32, atol=1e-6)  # the same float32 arithmetic, summed in another order
    fast64 = train(p64, X64, Y64, engine="fast", **kw)
    np.testing.assert_allclose(fast32.history.costs, fast64.history.costs, rtol=1e-5)


def test_no_array_is_allocated_per_iteration():
    X, Y = make_data(50, 1, "sigmoid", "binary_cross_entropy", m=5000)
    params = initialize_parameters([50, 64, 32, 1], "he", seed=0)
    engine = FastEngine(params, X, Y, ACTIVATIONS["relu"], ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"], 0.1)
    engine.step(True)
    tracemalloc.start()
    for _ in range(3):
        engine.step(True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # NumPy's ufunc iterator buffers (8192 elements each) only: no (n[l], m) temporary, while
    # one layer's activations alone take 64 * 5000 * 8 B = 2.5 MB.
    assert peak < 256 * 1024


def test_previous_parameters_are_theta_before_the_update():
    X, Y = make_data(2, 1, "sigmoid", "binary_cross_entropy")
    params = initialize_parameters([2, 3, 1], "he", seed=0)
    engine = FastEngine(params, X, Y, ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"], 0.5)
    assert engine.previous_parameters is engine.parameters
    before = {k: v.copy() for k, v in engine.parameters.items()}
    engine.step(False)
    for key in before:
        np.testing.assert_array_equal(engine.previous_parameters[key], before[key])
        assert not np.array_equal(engine.parameters[key], before[key]) or key.startswith("b")


# --------------------------------------------------------------- the loop's semantics, both engines


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_resume_from_checkpoint_is_bit_identical(engine):
    X, Y = make_data(3, 1, "sigmoid", "binary_cross_entropy")
    params = initialize_parameters([3, 4, 1], "he", seed=5)
    kw = dict(hidden_activation="relu", learning_rate=0.2, engine=engine)
    full = train(params, X, Y, num_iterations=30, **kw)
    saved = {}

    def keep(event):
        if event.completed == 12:
            saved["ckpt"] = event.checkpoint()
            raise StopTraining

    train(params, X, Y, num_iterations=30, callbacks=[(1, keep)], **kw)
    ckpt = saved["ckpt"]
    assert isinstance(ckpt, Checkpoint) and ckpt.iteration == 12
    resumed = train(None, X, Y, num_iterations=30, resume_from=ckpt, **kw)
    assert resumed.history.costs == full.history.costs
    for key in full.parameters:
        np.testing.assert_array_equal(resumed.parameters[key], full.parameters[key])


def test_divergence_keeps_the_same_parameters_in_both_engines():
    X, Y = make_data(3, 2, "identity", "squared_error")
    params = initialize_parameters([3, 4, 2], "he", seed=1)
    kw = dict(hidden_activation="relu", output_activation="identity", loss="squared_error",
              learning_rate=50.0, num_iterations=500)
    errors = {}
    for engine in ("reference", "fast"):
        with pytest.raises(TrainingDivergedError) as info:
            train(params, X, Y, engine=engine, **kw)
        errors[engine] = info.value
    ref, fast = errors["reference"], errors["fast"]
    assert ref.iteration == fast.iteration
    assert ref.result.history.costs == fast.result.history.costs
    for key in ref.result.parameters:
        np.testing.assert_array_equal(ref.result.parameters[key], fast.result.parameters[key])


def test_validation_metrics_and_callbacks_match_reference():
    X, Y = make_data(4, 3, "softmax", "categorical_cross_entropy", m=60)
    Xv, Yv = make_data(4, 3, "softmax", "categorical_cross_entropy", m=30, seed=9)
    params = initialize_parameters([4, 6, 3], "he", seed=1)
    runs = {}
    for engine in ("reference", "fast"):
        events = []
        r = train(params, X, Y, X_val=Xv, Y_val=Yv, hidden_activation="tanh", output_activation="softmax",
                  learning_rate=0.3, num_iterations=20, cost_every=3, engine=engine,
                  callbacks=[(5, lambda e: events.append((e.iteration, e.cost, e.val_accuracy)))])
        runs[engine] = (r, events)
    (ref, ref_events), (fast, fast_events) = runs["reference"], runs["fast"]
    assert_same_run(ref, fast)
    np.testing.assert_allclose(ref.history.val_costs, fast.history.val_costs, rtol=0, atol=1e-12)
    assert ref.history.val_accuracies == fast.history.val_accuracies
    assert [e[0] for e in fast_events] == [0, 5, 10, 15, 19]
    assert [e[2] for e in ref_events] == [e[2] for e in fast_events]


def test_engine_choice_is_checked():
    X, Y = make_data(2, 1, "sigmoid", "binary_cross_entropy")
    params = initialize_parameters([2, 3, 1], "he", seed=0)
    with pytest.raises(ValueError, match="'engine' parameter of train"):
        train(params, X, Y, engine="turbo", num_iterations=2)
    odd = ACTIVATIONS["relu"]._replace(name="swish")
    with pytest.raises(ValueError, match="engine='reference'"):
        train(params, X, Y, hidden_activation=odd, engine="fast", num_iterations=2)


# -------------------------------------------------------------------------- course figures


def test_planar_course_figures_with_the_fast_engine():
    from denseflow import datasets
    from denseflow.models import ShallowNetwork

    X, Y = datasets.planar_flower()
    model = ShallowNetwork(n_h=4, course=True, seed=2)
    history = model.fit(X, Y)
    assert round(history.costs[0], 6) == 0.693048
    assert round(history.costs[1000], 6) == 0.288083
    assert model.accuracy(X, Y) == 0.9075


@pytest.mark.slow
def test_cat_course_figures_fast_equals_reference():
    h5py = pytest.importorskip("h5py")
    if not (DATA_DIR / "train_catvnoncat.h5").exists():
        pytest.skip(f"course data not found in {DATA_DIR}")
    with h5py.File(DATA_DIR / "train_catvnoncat.h5") as f:
        X = f["train_set_x"][:].reshape(209, -1).T / 255.0
        Y = f["train_set_y"][:].reshape(1, -1).astype(float)
    params = initialize_parameters([12288, 20, 7, 5, 1], "scaled", seed=1, course=True)
    kw = dict(hidden_activation="relu", learning_rate=0.0075, num_iterations=60)
    fast = train(params, X, Y, engine="fast", **kw)
    assert abs(fast.history.costs[0] - 0.7717493284237686) < 1e-12
    assert_same_run(train(params, X, Y, engine="reference", **kw), fast)


# ---------------------------------------------------------------------------------- stacked

STACKED_CASES = [
    ([2, 4, 1], "tanh", "sigmoid", None, np.float64),
    ([5, 6, 3, 1], "relu", "sigmoid", None, np.float32),
    ([5, 6, 3], "leaky_relu", "softmax", None, np.float64),
    ([5, 6, 2], "sigmoid", "identity", "squared_error", np.float64),
]


@pytest.mark.parametrize("dims,hidden,output,loss,dtype", STACKED_CASES)
def test_stacked_equals_separate_runs(dims, hidden, output, loss, dtype):
    X, Y = make_data(dims[0], dims[-1], output, loss or "", m=50, dtype=dtype)
    Xv, Yv = make_data(dims[0], dims[-1], output, loss or "", m=20, seed=4, dtype=dtype)
    w = np.random.default_rng(2).random((1, 50)).astype(dtype)
    rates, seeds = [0.01, 0.3, 1.0], [1, 2, 3]
    kw = dict(hidden_activation=hidden, output_activation=output, loss=loss, num_iterations=40, cost_every=6,
              sample_weight=w, X_val=Xv, Y_val=Yv)
    run = train_stacked(dims, X, Y, learning_rates=rates, seeds=seeds, initialization="he", dtype=dtype, **kw)
    assert len(run.histories) == 3 and run.errors == [None] * 3
    for k in range(3):
        alone = train(initialize_parameters(dims, "he", seeds[k], False, dtype), X, Y, learning_rate=rates[k], **kw)
        stacked = run.result(k)
        # bit-identical: same parameters, same costs, same validation metrics
        assert stacked.history.to_dict() == alone.history.to_dict()
        assert stacked.optimizer_state == alone.optimizer_state
        for key in alone.parameters:
            np.testing.assert_array_equal(stacked.parameters[key], alone.parameters[key], err_msg=key)
            assert stacked.parameters[key].dtype == dtype


def test_stacked_model_that_diverges_is_reported_like_train():
    X, Y = make_data(3, 2, "identity", "squared_error")
    kw = dict(hidden_activation="relu", output_activation="identity", loss="squared_error", num_iterations=300)
    run = train_stacked([3, 4, 2], X, Y, learning_rates=[0.01, 50.0], seeds=1, initialization="he", **kw)
    assert run.errors[0] is None and isinstance(run.errors[1], TrainingDivergedError)
    params = initialize_parameters([3, 4, 2], "he", seed=1)
    with pytest.raises(TrainingDivergedError) as info:
        train(params, X, Y, learning_rate=50.0, **kw)
    assert run.errors[1].iteration == info.value.iteration
    assert run.histories[1].costs == info.value.result.history.costs
    for key in params:
        np.testing.assert_array_equal(run.parameters[1][key], info.value.result.parameters[key])
    alone = train(params, X, Y, learning_rate=0.01, **kw)
    assert run.histories[0].costs == alone.history.costs


def test_stacked_engine_steps_all_models():
    X, Y = make_data(2, 1, "sigmoid", "binary_cross_entropy")
    params = [initialize_parameters([2, 3, 1], "he", seed=s) for s in range(4)]
    engine = StackedEngine(params, X, Y, ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"],
                           LOSSES["binary_cross_entropy"], [0.1, 0.2, 0.3, 0.4])
    costs = engine.step(True)
    assert costs.shape == (4,)
    assert engine.step(False) is None
    np.testing.assert_array_equal(engine.parameters_of(2, previous=True)["W1"], engine._W[1][1][2])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(learning_rates=[0.1, 0.2], seeds=[1, 2, 3]), "has 2 values but another list has 3"),
        (dict(learning_rates=[]), "must not be empty"),
        (dict(learning_rates=-1.0), "'learning_rates' parameter of train_stacked"),
        (dict(hidden_activation="softmax"), "'hidden_activation' parameter of train_stacked"),
        (dict(dtype="float16"), "'dtype' parameter of train_stacked"),
    ],
)
def test_stacked_input_errors(kwargs, match):
    X, Y = make_data(2, 1, "sigmoid", "binary_cross_entropy")
    with pytest.raises(ValueError, match=match):
        train_stacked([2, 3, 1], X, Y, num_iterations=2, **kwargs)


@pytest.mark.parametrize("name", ["denseflow.training", "denseflow.training"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


# --------------------------------------------------------------- the example-major copy of X (mini-batches)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_example_major_is_the_transpose_in_rows_with_any_thread_count(monkeypatch, dtype, threads):
    import denseflow.training.fast as fast

    monkeypatch.setattr(fast, "_PARALLEL_COPY_BYTES", 1)  # split even this small X over the threads
    monkeypatch.setattr(fast, "_COPY_BLOCK", 7)  # blocks that do not divide m, nor the threads' shares
    X = np.random.default_rng(0).standard_normal((5, 101)).astype(dtype)
    XT = example_major(X, threads)
    assert XT.flags.c_contiguous and XT.dtype == np.dtype(dtype) and XT.shape == (101, 5)
    assert np.array_equal(XT, X.T)
    assert not np.shares_memory(XT, X)


def test_example_major_of_a_fortran_ordered_X_is_a_view():
    XT_user = np.random.default_rng(1).standard_normal((40, 3))  # scikit-learn's (m, n_x)
    X = XT_user.T
    XT = example_major(X, 2)
    assert XT.flags.c_contiguous and np.shares_memory(XT, XT_user) and np.array_equal(XT, XT_user)


def test_copy_threads_follows_the_blas_limit_in_force(monkeypatch):
    import sys

    from threadpoolctl import threadpool_limits

    import denseflow.training.threads as threads

    monkeypatch.setattr(threads, "_cores", lambda: 4)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with blas_threads(1):
        assert copy_threads() == 1
        with blas_threads(3):
            assert copy_threads() == 3
        assert copy_threads() == 1
    with threadpool_limits(1, user_api="blas"):  # the user's own limit, outside denseflow's blocks
        assert copy_threads() == 1
    monkeypatch.delitem(sys.modules, "threadpoolctl")  # as if the user's code never imported it
    assert copy_threads() == 4
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert copy_threads() == 2
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "16")  # OpenBLAS's own first; never more than the cores
    assert copy_threads() == 4
    with blas_threads(None):
        assert copy_threads() == 4


def test_mini_batch_fit_copies_X_with_the_threads_of_the_fit(monkeypatch):
    import concurrent.futures

    import denseflow.training.fast as fast

    asked, pools = [], []
    real_threads, real_pool = fast.copy_threads, concurrent.futures.ThreadPoolExecutor
    monkeypatch.setattr(fast, "copy_threads", lambda: asked.append(real_threads()) or asked[-1])
    monkeypatch.setattr(fast, "ThreadPoolExecutor", lambda n: pools.append(n) or real_pool(n))
    X = np.random.default_rng(2).standard_normal((4, 64 * 8))
    Y = (X[:1] > 0).astype(float)
    params = initialize_parameters([4, 3, 1], "he", seed=0)
    kw = dict(engine="fast", optimizer="adam", batch_size=16, num_epochs=2, seed=0)
    small = train(params, X, Y, **kw)
    assert asked == [] and pools == []  # a small X: one thread, and the thread count is never asked
    monkeypatch.setattr(fast, "_PARALLEL_COPY_BYTES", 1)  # as if X were large
    monkeypatch.setattr(fast, "_COPY_BLOCK", 64)
    with blas_threads(1):
        one = train(params, X, Y, **kw)
    assert asked == [1] and pools == []  # one copy per fit, on the fit's one thread
    with blas_threads(2):
        two = train(params, X, Y, **kw)
    assert asked == [1, 2] and pools == [1]  # the main thread and one more
    assert all(np.array_equal(small.parameters[k], m.parameters[k]) for m in (one, two) for k in params)


@pytest.mark.parametrize("standardize, data_dtype, model_dtype, copied", [
    (False, "float64", "float64", False),  # nothing to copy: the engine makes its example-major copy
    (False, "float32", "float64", True),   # the cast is the example-major copy
    (True, "float64", "float64", True),    # so is the standardization
    (True, "float64", "float32", True),
])
def test_a_copy_fit_makes_anyway_is_example_major(monkeypatch, standardize, data_dtype, model_dtype, copied):
    import denseflow.training.fast as fast
    from denseflow.models import DeepNetwork

    layouts = []
    real = fast.example_major
    monkeypatch.setattr(fast, "example_major",
                        lambda X, threads=None: layouts.append(X.flags.f_contiguous) or real(X, threads))
    rng = np.random.default_rng(5)
    X = rng.normal(3.0, 2.0, size=(6, 90)).astype(data_dtype)
    Y = (X[:1] > 3).astype(float)
    kw = dict(layer_dims=[6, 5, 1], optimizer="adam", batch_size=16, num_epochs=3, seed=0, standardize=standardize,
              dtype=model_dtype)
    fitted, again = DeepNetwork(**kw), DeepNetwork(**kw)
    fitted.fit(X, Y)
    assert layouts == [copied]  # Fortran-ordered: example_major takes X.T as it is
    # The layout changes nothing: the same model as with the copy in X's own order.
    import denseflow.models.fitting as fitting

    plain = fitting.transform_X
    monkeypatch.setattr(fitting, "transform_X", lambda X, mean, std, dtype, example_major=False:
                        plain(X, mean, std, dtype))
    again.fit(X, Y)
    assert layouts[1:] == [False]
    assert all(np.array_equal(fitted.parameters_[k], again.parameters_[k]) for k in fitted.parameters_)


def test_float32_adam_with_beta1_near_one_keeps_the_course_order():
    # G = (1 − β1) dθ would be squared below float32's range where dθ² is not: the unfolded step, bit for bit.
    rng = np.random.default_rng(4)
    X = (rng.standard_normal((5, 40)) * 1e-17).astype(np.float32)
    Y = (rng.random((1, 40)) > 0.5).astype(np.float32)
    params = initialize_parameters([5, 4, 1], "he", seed=0, dtype="float32")
    kw = dict(optimizer="adam", beta1=0.999, batch_size=8, num_epochs=2, seed=0, learning_rate=0.01)
    fast = train(params, X, Y, engine="fast", **kw)
    reference = train(params, X, Y, engine="reference", **kw)
    assert all(np.array_equal(fast.parameters[k], reference.parameters[k]) for k in params)
    assert all(np.array_equal(fast.optimizer_state.s[k], reference.optimizer_state.s[k]) for k in reference.optimizer_state.s)
