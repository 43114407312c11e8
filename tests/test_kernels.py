"""The compiled optimizer steps (numba, optional): bit for bit the NumPy passes they replace, and when they are used.

Oracles: the fast engine's NumPy passes (``FastBatchEngine._adam_folded`` and ``_step`` with no
kernel), on the same buffers and on whole training runs (parameters, moments, costs, a resumed
run); the setting ``DENSEFLOW_NUMBA`` and what happens without numba.
"""

import math
import subprocess
import sys

import numpy as np
import pytest

from denseflow.core.initializers import initialize_parameters
from denseflow.training import kernels, train
from denseflow.training.fast import FastBatchEngine
from denseflow.training.kernels import KERNELS, MIN_PARAMETERS, kernel_setting, step_kernel

needs_numba = pytest.mark.skipif(
    __import__("importlib").util.find_spec("numba") is None,
    reason="numba is not installed (the optional extra denseflow[fast]; the test extra brings it)")


def _numpy_passes(theta, g, tmp, v, s, b1, b2, c, e, k):
    """The 11 passes of FastBatchEngine._adam_folded, written out."""
    np.multiply(v, b1, out=v)
    np.add(v, g, out=v)
    np.square(g, out=g)
    np.multiply(g, c, out=g)
    np.multiply(s, b2, out=s)
    np.add(s, g, out=s)
    np.sqrt(s, out=tmp)
    np.add(tmp, e, out=tmp)
    np.divide(v, tmp, out=tmp)
    np.multiply(tmp, k, out=tmp)
    np.subtract(theta, tmp, out=theta)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("t", [1, 7, 1000])
def test_the_kernel_is_the_numpy_passes_bit_for_bit(dtype, t):
    rng = np.random.default_rng(t)
    n = 50_001  # not a multiple of any vector width: the loop's tail too
    scale = lambda: 10.0 ** rng.uniform(-12, 1, n)  # noqa: E731  (magnitudes over 13 decades)
    theta, g, v = (rng.standard_normal(n) * scale() for _ in range(3))
    s = np.abs(rng.standard_normal(n)) * scale() ** 2
    s[:10] = 0.0  # √0 + ε
    b1, b2, alpha, eps = 0.9, 0.999, 1e-3, 1e-8
    c2 = math.sqrt(1 - b2**t)
    scalars = (b1, b2, (1 - b2) / (1 - b1) ** 2, eps * c2, alpha * c2 / (1 - b1**t))
    a = [x.astype(dtype) for x in (theta, g, v, s)]
    b = [x.copy() for x in a]
    g_before = a[1].copy()
    step_kernel("adam_folded", n, environ={"DENSEFLOW_NUMBA": "1"})(*a, *(dtype(x) for x in scalars))
    _numpy_passes(b[0], b[1], np.empty_like(b[0]), b[2], b[3], *scalars)
    for name, i in (("theta", 0), ("v", 2), ("s", 3)):
        assert a[i].dtype == dtype
        np.testing.assert_array_equal(a[i], b[i], err_msg=name)
    np.testing.assert_array_equal(a[1], g_before)  # the gradient is left as it was


@needs_numba
def test_a_zero_denominator_gives_what_numpy_gives():
    # ε = 0 and s = 0: v/0 is ±inf or nan, as NumPy's division (error_model='numpy', no exception).
    theta, g, v, s = np.ones(4), np.array([0.0, 1.0, -1.0, 0.0]), np.array([0.0, 0.0, 0.0, 1.0]), np.zeros(4)
    a = [x.copy() for x in (theta, g, v, s)]
    b = [x.copy() for x in (theta, g, v, s)]
    step_kernel("adam_folded", 4, environ={"DENSEFLOW_NUMBA": "on"})(*a, 0.9, 0.999, 0.0, 0.0, 1.0)
    with np.errstate(all="ignore"):
        _numpy_passes(b[0], b[1], np.empty(4), b[2], b[3], 0.9, 0.999, 0.0, 0.0, 1.0)
    np.testing.assert_array_equal(a[0], b[0])
    assert np.isnan(a[0][0]) and a[0][1] == -np.inf and a[0][2] == np.inf


_X = np.random.default_rng(0).standard_normal((6, 53))
_Y = (_X[:1] + 0.5 * _X[1:2] > 0).astype(float)


def _fit(monkeypatch, setting, dtype="float64", **extra):
    monkeypatch.setenv("DENSEFLOW_NUMBA", setting)
    monkeypatch.setenv("DENSEFLOW_NUM_THREADS", "1")  # the same BLAS partition in both runs
    params = initialize_parameters([6, 9, 5, 1], "he", seed=1, dtype=dtype)
    kw = dict(optimizer="adam", batch_size=16, learning_rate=0.01, num_epochs=4, seed=3, engine="fast") | extra
    return train(params, _X.astype(dtype), _Y.astype(dtype), **kw)


_OPTIMIZERS = [  # each step the engine has a kernel for
    {"optimizer": "gd"}, {"optimizer": "momentum"}, {"optimizer": "momentum", "nesterov": True},
    {"optimizer": "rmsprop"}, {"optimizer": "adam", "course": True}, {"optimizer": "adam"},
]


@needs_numba
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", _OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
def test_every_optimizer_with_its_kernel_is_bit_identical(monkeypatch, dtype, optimizer):
    extra = dict(optimizer, lambd=0.2, beta1=0.8, beta2=0.99, epsilon=1e-6)
    compiled = _fit(monkeypatch, "1", dtype, **extra)
    passes = _fit(monkeypatch, "0", dtype, **extra)
    assert compiled.history.costs == passes.history.costs
    for k in passes.parameters:
        np.testing.assert_array_equal(compiled.parameters[k], passes.parameters[k], err_msg=k)
    for name in ("v", "s"):
        a, b = getattr(compiled.optimizer_state, name, {}), getattr(passes.optimizer_state, name, {})
        assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
    start = initialize_parameters([6, 9, 5, 1], "he", seed=1, dtype=dtype)
    assert not np.array_equal(compiled.parameters["W1"], start["W1"])  # it trained


@needs_numba
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("extra", [
    {},  # 53 = 3 × 16 + 5: the last batch smaller
    {"lambd": 0.3, "keep_prob": 0.8, "hidden_activation": "relu"},
    {"sample_weight": np.linspace(0.2, 2.0, 53).reshape(1, -1), "learning_rate_schedule": "exponential",
     "decay_rate": 0.9, "hidden_activation": "leaky_relu"},
    {"beta1": 0.5, "beta2": 0.9, "epsilon": 1e-4, "hidden_activation": "tanh"},
])
def test_training_with_the_kernel_is_bit_identical(monkeypatch, dtype, extra):
    if "sample_weight" in extra:
        extra = extra | {"sample_weight": extra["sample_weight"].astype(dtype)}
    compiled = _fit(monkeypatch, "1", dtype, **extra)
    passes = _fit(monkeypatch, "0", dtype, **extra)
    assert compiled.history.costs == passes.history.costs
    for k in passes.parameters:
        assert compiled.parameters[k].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(compiled.parameters[k], passes.parameters[k], err_msg=k)
    for name in ("v", "s"):
        a, b = getattr(compiled.optimizer_state, name), getattr(passes.optimizer_state, name)
        assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert compiled.optimizer_state.step == passes.optimizer_state.step == 16


@needs_numba
def test_a_run_resumed_with_the_kernel_is_the_uninterrupted_run(monkeypatch):
    saved = {}

    def keep(event):
        if event.completed == 2:
            saved["checkpoint"] = event.checkpoint()

    full = _fit(monkeypatch, "0")  # without the kernel ...
    _fit(monkeypatch, "1", callbacks=[(1, keep)])
    resumed = _fit(monkeypatch, "1", resume_from=saved["checkpoint"])  # ... and resumed with it
    assert resumed.history.costs == full.history.costs
    assert all(np.array_equal(resumed.parameters[k], full.parameters[k]) for k in full.parameters)


@needs_numba
def test_the_engine_takes_its_step_s_kernel_for_a_large_network_only(monkeypatch):
    monkeypatch.delenv("DENSEFLOW_NUMBA", raising=False)
    X, Y = np.zeros((300, 8)), np.zeros((1, 8))

    def engine(dims, optimizer="adam", **setup):
        return FastBatchEngine(initialize_parameters(dims, "he", seed=0), X, Y, *_functions(), 0.01, None,
                               _setup(optimizer=optimizer, **setup))

    from denseflow.training import _numba

    large = [300, 120, 1]  # 36,241 parameters ≥ MIN_PARAMETERS
    assert 300 * 120 + 120 + 121 >= MIN_PARAMETERS > 300 * 100 + 100 + 101
    assert engine(large)._kernel is _numba.adam_folded
    assert engine([300, 100, 1])._kernel is None  # too small to pay for loading numba
    assert engine(large, course=True)._kernel is _numba.adam  # the course's order of operations
    assert engine(large, optimizer="rmsprop")._kernel is _numba.rmsprop
    assert engine(large, optimizer="gd")._kernel is _numba.gd
    assert engine(large, optimizer="momentum")._kernel is _numba.momentum
    assert engine(large, optimizer="momentum", nesterov=True)._kernel is _numba.nesterov
    monkeypatch.setenv("DENSEFLOW_NUMBA", "0")
    assert engine(large)._kernel is None


def test_the_setting_and_the_name_are_read_and_checked():
    assert kernel_setting({}) == "auto"
    assert [kernel_setting({"DENSEFLOW_NUMBA": v}) for v in ("1", "ON", " off ", "0", "auto", "")] == [
        "on", "on", "off", "off", "auto", "auto"]
    with pytest.raises(ValueError, match=r"DENSEFLOW_NUMBA must be 'auto', '1' \(on\) or '0' \(off\) \(also "
                                         r"accepted: 'on', 'true', 'yes', 'off', 'false', 'no'\)\. Got 'fast'"):
        kernel_setting({"DENSEFLOW_NUMBA": "fast"})
    assert step_kernel("adam", 10**9, environ={"DENSEFLOW_NUMBA": "0"}) is None
    with pytest.raises(ValueError, match=r"name must be one of 'gd', 'momentum', 'nesterov', 'rmsprop', 'adam', "
                                         r"'adam_folded'\. Got 'sgd' instead\."):
        step_kernel("sgd", 10**9)
    assert len(KERNELS) == 6
    assert step_kernel("rmsprop", MIN_PARAMETERS - 1, environ={}) is None


def test_without_numba_auto_uses_the_passes_and_on_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # makes numba unimportable (find_spec gives None)
    monkeypatch.setattr(kernels, "_loaded", None)
    assert step_kernel("adam_folded", 10**6, environ={}) is None
    with pytest.raises(ImportError, match=r"DENSEFLOW_NUMBA=1 asks for numba's compiled kernels, but numba is not "
                                          r"installed\. Install it with `pip install \"denseflow\[fast\]\"`"):
        step_kernel("gd", 10, environ={"DENSEFLOW_NUMBA": "1"})


def test_a_numba_that_cannot_be_loaded_warns_once_and_trains_with_the_passes(monkeypatch):
    import importlib
    import importlib.util

    def numba_for_another_numpy(name, *args):
        raise ImportError("Numba needs NumPy 2.4 or less. Got NumPy 9.0.")  # what numba says then

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())  # "installed" ...
    monkeypatch.setattr(importlib, "import_module", numba_for_another_numpy)  # ... but the import fails
    monkeypatch.setattr(kernels, "_loaded", None)
    monkeypatch.setattr(kernels, "_warned", False)
    with pytest.warns(RuntimeWarning, match=r"numba is installed but could not be used \(ImportError: Numba needs "
                                            r"NumPy 2\.4 or less\. Got NumPy 9\.0\.\); "
                                            r"denseflow's mini-batch engine uses NumPy's passes instead"):
        assert step_kernel("adam_folded", 10**6, environ={}) is None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert step_kernel("adam_folded", 10**6, environ={}) is None  # once
    with pytest.raises(ImportError, match=r"DENSEFLOW_NUMBA=1 asks for numba's compiled kernels, but numba could "
                                          r"not be used \(ImportError"):
        step_kernel("gd", 10, environ={"DENSEFLOW_NUMBA": "1"})


@needs_numba
def test_numba_is_imported_only_by_a_large_adam_fit():
    code = ("import sys, numpy as np; from denseflow.models import Network;"
            "X = np.random.default_rng(0).standard_normal((2, 64)); Y = (X[:1] > 0) * 1.0;"
            "Network([2, 16, 1], optimizer='adam', batch_size=16, num_epochs=2).fit(X, Y);"
            "print('numba' in sys.modules);"
            "X = np.random.default_rng(0).standard_normal((300, 64));"
            "Network([300, 128, 1], optimizer='adam', batch_size=16, num_epochs=1).fit(X, Y);"
            "print('numba' in sys.modules)")
    env = {k: v for k, v in __import__("os").environ.items() if k != "DENSEFLOW_NUMBA"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == ["False", "True"]


def _functions():
    from denseflow.core.activations import get_activation
    from denseflow.core.losses import get_loss

    return get_activation("relu"), get_activation("sigmoid"), get_loss("binary_cross_entropy")


def _setup(**kw):
    from denseflow.training import TrainingSetup

    return TrainingSetup(**kw)


def test_a_failed_load_under_on_still_warns_once_under_auto(monkeypatch):
    import importlib
    import importlib.util

    def broken(name, *args):
        raise ImportError("no")

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(importlib, "import_module", broken)
    monkeypatch.setattr(kernels, "_loaded", None)
    monkeypatch.setattr(kernels, "_warned", False)
    with pytest.raises(ImportError, match="could not be used"):
        step_kernel("gd", 10, environ={"DENSEFLOW_NUMBA": "on"})
    with pytest.warns(RuntimeWarning, match=r"could not be used \(ImportError: no\)"):
        assert step_kernel("gd", 10**6, environ={}) is None


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble])
def test_only_float32_and_float64_networks_get_a_kernel(monkeypatch, dtype):
    assert step_kernel("adam_folded", 10**6, dtype, environ={"DENSEFLOW_NUMBA": "1"}) is None
    monkeypatch.setenv("DENSEFLOW_NUMBA", "1")
    X = np.random.default_rng(0).standard_normal((300, 40)).astype(dtype)
    Y = (X[:1] > 0).astype(dtype)
    params = initialize_parameters([300, 120, 1], "he", seed=0, dtype=dtype)  # 36,241 ≥ MIN_PARAMETERS
    engine = FastBatchEngine(params, X, Y, *_functions(), 0.01, None, _setup(optimizer="adam"))
    assert engine._kernel is None and engine.dtype == dtype
    result = train(params, X, Y, optimizer="adam", epsilon=1e-3, batch_size=16, learning_rate=0.01, num_epochs=2,
                   seed=0, engine="fast")  # (ε = 1e-8 is 0 in float16)
    assert result.parameters["W1"].dtype == dtype and np.isfinite(result.history.costs).all()


@needs_numba
def test_a_float64_learning_rate_from_a_custom_schedule_keeps_float32_bit_identical(monkeypatch):
    schedule = lambda epoch: np.float64(0.01) / np.float64(1 + epoch)  # noqa: E731  (a NumPy float64, not float)
    compiled = _fit(monkeypatch, "1", "float32", learning_rate_schedule=schedule)
    passes = _fit(monkeypatch, "0", "float32", learning_rate_schedule=schedule)
    assert compiled.history.costs == passes.history.costs
    assert compiled.history.learning_rates == [0.01 / (1 + e) for e in range(4)]
    for k in passes.parameters:
        assert compiled.parameters[k].dtype == np.float32
        np.testing.assert_array_equal(compiled.parameters[k], passes.parameters[k], err_msg=k)


def _failing_kernel(*args):
    raise TypeError("Failed in nopython mode pipeline (step: nopython frontend)")  # numba's TypingError is one


@needs_numba
@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_kernel_that_fails_to_compile_gives_way_to_the_passes_with_one_warning(monkeypatch, optimizer):
    X = np.random.default_rng(0).standard_normal((300, 40))
    Y = (X[:1] > 0) * 1.0

    def run(kernel):
        engine = FastBatchEngine(initialize_parameters([300, 120, 1], "he", seed=0), X, Y, *_functions(), 0.01,
                                 None, _setup(optimizer=optimizer))
        engine._kernel = kernel
        for _ in range(3):
            engine._grad[...] = np.linspace(-1, 1, engine._grad.size)
            engine._update(0.01)
        return engine

    monkeypatch.setattr(kernels, "_loaded", None)
    monkeypatch.setattr(kernels, "_warned", False)
    monkeypatch.delenv("DENSEFLOW_NUMBA", raising=False)
    with pytest.warns(RuntimeWarning, match=r"numba is installed but could not be used \(TypeError: Failed in "
                                            r"nopython mode"):
        failed = run(_failing_kernel)
    passes = run(None)
    assert failed._kernel is None and failed.t == passes.t == 3
    np.testing.assert_array_equal(failed._theta, passes._theta)
    np.testing.assert_array_equal(failed._v, passes._v)
    assert step_kernel("gd", 10**6, environ={}) is None  # later engines take the passes, without a warning
    monkeypatch.setattr(kernels, "_loaded", None)
    monkeypatch.setenv("DENSEFLOW_NUMBA", "1")
    with pytest.raises(RuntimeError, match=r"DENSEFLOW_NUMBA=1 asks for numba's compiled kernels, but numba could "
                                           r"not compile one \(TypeError: Failed in nopython mode"):
        run(_failing_kernel)


_STEPS = [  # (kernel, TrainingSetup fields): each step of the engine's NumPy passes
    ("gd", {"optimizer": "gd"}), ("momentum", {"optimizer": "momentum"}),
    ("nesterov", {"optimizer": "momentum", "nesterov": True}), ("rmsprop", {"optimizer": "rmsprop"}),
    ("adam", {"optimizer": "adam", "course": True}), ("adam_folded", {"optimizer": "adam"}),
]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, fields", _STEPS, ids=[k for k, _ in _STEPS])
def test_each_kernel_is_the_engine_s_passes_on_the_buffers_bit_for_bit(dtype, kernel, fields):
    from types import SimpleNamespace

    rng = np.random.default_rng(len(kernel))
    n = 70_001
    scale = lambda: 10.0 ** rng.uniform(-12, 2, n)  # noqa: E731
    theta, g, v = ((rng.standard_normal(n) * scale()).astype(dtype) for _ in range(3))
    s = (np.abs(rng.standard_normal(n)) * scale() ** 2).astype(dtype)
    g[:5], s[:5], v[:5] = 0.0, 0.0, 0.0  # zeros: √0 + ε, 0 · α
    setup = _setup(beta1=0.8, beta2=0.99, epsilon=1e-7, **fields)
    folded = kernel == "adam_folded"

    def engine(step):
        buffers = [x.copy() for x in (theta, g, np.empty_like(theta), v, s)]
        return SimpleNamespace(setup=setup, _folded=folded, _kernel=step, _part=tuple(buffers),
                               _theta=buffers[0], _grad=buffers[1], _v=buffers[3], _s=buffers[4])

    compiled, passes = engine(step_kernel(kernel, n, dtype, environ={"DENSEFLOW_NUMBA": "1"})), engine(None)
    for t in (1, 2, 50):
        compiled._grad[...], passes._grad[...] = g, g
        FastBatchEngine._compiled_step(compiled, 0.003, t)
        with np.errstate(all="ignore"):
            if folded:
                FastBatchEngine._adam_folded(passes, 0.003, t)
            else:
                FastBatchEngine._step(passes, passes._part, 0.003, t)
        for name in ("_theta", "_v", "_s"):
            a, b = getattr(compiled, name), getattr(passes, name)
            if name == "_v" and fields["optimizer"] in ("gd", "rmsprop") or name == "_s" and fields["optimizer"] in (
                    "gd", "momentum"):
                continue  # a buffer this optimizer does not use
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b, err_msg=f"{name} at t={t}")
        assert not np.array_equal(compiled._theta, theta)


@needs_numba
def test_without_a_writable_cache_the_kernels_compile_per_process(monkeypatch):
    import numba

    from denseflow.training import _numba

    real = numba.njit

    def njit(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file '<stdin>'")
        return real(**options)

    monkeypatch.setattr(_numba.numba, "njit", njit)
    doubled = _numba._jit(lambda x: 2 * x)
    assert doubled(21) == 42
