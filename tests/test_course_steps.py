"""The course's step-by-step figures (week 4 assignment), drawn with the legacy global seed."""

import numpy as np
import pytest

from denseflow.core.caches import LayerCache, LinearCache
from denseflow.core.initializers import initialize_parameters
from denseflow.core.optimizers import update_parameters
from denseflow.core.propagation import (
    compute_cost,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    model_backward,
    model_forward,
)


def test_initialize_course_mode_seed3():
    params = initialize_parameters([5, 4, 3], method="random", seed=3, course=True)
    assert params["W1"][0, 0] == pytest.approx(0.01788628, abs=5e-9)
    assert params["W1"].shape == (4, 5) and params["W2"].shape == (3, 4)
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))
    # identical to the notebook: np.random.seed(3); randn(4, 5) * 0.01 then randn(3, 4) * 0.01
    np.random.seed(3)
    np.testing.assert_array_equal(params["W1"], np.random.randn(4, 5) * 0.01)
    np.testing.assert_array_equal(params["W2"], np.random.randn(3, 4) * 0.01)


def test_biases_consume_no_random_numbers():
    a = initialize_parameters([3, 2, 2], method="he", seed=0)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(a["W1"], rng.standard_normal((2, 3)) * np.sqrt(2 / 3))
    np.testing.assert_array_equal(a["W2"], rng.standard_normal((2, 2)) * np.sqrt(2 / 2))


@pytest.mark.parametrize(
    "method, scale",
    [("random", lambda n_prev, n: 0.01), ("scaled", lambda n_prev, n: 1 / np.sqrt(n_prev)),
     ("he", lambda n_prev, n: np.sqrt(2 / n_prev)), ("xavier", lambda n_prev, n: np.sqrt(2 / (n_prev + n)))],
)
def test_initializer_scales(method, scale):
    p = initialize_parameters([400, 300, 1], method=method, seed=0)
    assert p["W1"].std() == pytest.approx(scale(400, 300), rel=0.02)


def test_zeros_init_is_symmetric():
    p = initialize_parameters([3, 4, 1], method="zeros")
    assert all(not np.any(v) for v in p.values())


def test_linear_forward_seed1():
    np.random.seed(1)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    Z, cache = linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], atol=5e-9)
    assert isinstance(cache, LinearCache) and cache.A_prev is A and cache.W is W


def test_linear_activation_forward_seed2():
    np.random.seed(2)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    A_sig, cache = linear_activation_forward(A, W, b, "sigmoid")
    np.testing.assert_allclose(A_sig, [[0.96890023, 0.11013289]], atol=5e-9)
    A_relu, _ = linear_activation_forward(A, W, b, "relu")
    np.testing.assert_allclose(A_relu, [[3.43896131, 0.0]], atol=5e-9)
    assert isinstance(cache, LayerCache)


def _seed6_network():
    np.random.seed(6)
    X = np.random.randn(5, 4)
    W1, b1 = np.random.randn(4, 5), np.random.randn(4, 1)
    W2, b2 = np.random.randn(3, 4), np.random.randn(3, 1)
    W3, b3 = np.random.randn(1, 3), np.random.randn(1, 1)
    return X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def test_model_forward_seed6():
    X, params = _seed6_network()
    AL, caches = model_forward(X, params)
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], atol=5e-9)
    assert len(caches) == 3


def test_compute_cost_published():
    assert compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])) == 0.2797765635793422


def test_linear_backward_seed1():
    np.random.seed(1)
    dZ = np.random.randn(1, 2)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    dA_prev, dW, db = linear_backward(dZ, (A, W, b))  # a plain tuple, as the course passes it
    np.testing.assert_allclose(
        dA_prev, [[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]], atol=5e-9
    )
    np.testing.assert_allclose(dW, [[-0.10076895, 1.40685096, 1.64992505]], atol=5e-9)
    np.testing.assert_allclose(db, [[0.50629448]], atol=5e-9)
    assert db.shape == (1, 1)


def test_linear_activation_backward_matches_course_formulas():
    rs = np.random.RandomState(2)
    dA, A, W, b, Z = rs.randn(1, 2), rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1), rs.randn(1, 2)
    cache = ((A, W, b), Z)  # plain tuples
    s = 1 / (1 + np.exp(-Z))
    _, dW, db = linear_activation_backward(dA, cache, "sigmoid")
    dZ = dA * s * (1 - s)
    np.testing.assert_allclose(dW, dZ @ A.T / 2, rtol=1e-14)
    _, dW, db = linear_activation_backward(dA, cache, "relu")
    dZ = np.where(Z > 0, dA, 0)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 2, rtol=1e-14)


def test_model_backward_keys_and_shapes():
    X, params = _seed6_network()
    Y = np.array([[1, 0, 1, 0]])
    AL, caches = model_forward(X, params)
    grads = model_backward(AL, Y, caches)
    assert set(grads) == {"dW1", "dW2", "dW3", "db1", "db2", "db3", "dA0", "dA1", "dA2"}
    for l in (1, 2, 3):
        assert grads[f"dW{l}"].shape == params[f"W{l}"].shape
        assert grads[f"db{l}"].shape == params[f"b{l}"].shape
    assert grads["dA0"].shape == X.shape


def test_model_backward_starts_from_the_course_dAL():
    # model_backward is the notes' L_model_backward: dAL = −(Y/AL − (1−Y)/(1−AL)), then
    # linear_activation_backward(dAL, cache, "sigmoid") — the same operations, so the same bits —
    # and the fused dZ[L] = AL − Y agrees with it to rounding on a consistent forward pass.
    X, params = _seed6_network()
    Y = np.array([[1, 0, 1, 0]])
    AL, caches = model_forward(X, params)
    grads = model_backward(AL, Y, caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW3, db3 = linear_activation_backward(dAL, caches[2], "sigmoid")
    np.testing.assert_array_equal(grads["dW3"], dW3)
    np.testing.assert_array_equal(grads["dA2"], dA_prev)
    np.testing.assert_array_equal(grads["db3"], db3)
    _, dW3_fused, _ = linear_backward(AL - Y, caches[2].linear_cache)
    np.testing.assert_allclose(grads["dW3"], dW3_fused, rtol=1e-12)


def test_update_parameters_is_pure():
    X, params = _seed6_network()
    before = {k: v.copy() for k, v in params.items()}
    AL, caches = model_forward(X, params)
    grads = model_backward(AL, np.array([[1, 0, 1, 0]]), caches)
    new = update_parameters(params, grads, 0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_array_equal(new[k], before[k] - 0.1 * grads["d" + k])


def test_optimizer_init_update_pair_is_pure():
    from denseflow.core.optimizers import gradient_descent

    opt = gradient_descent(0.5)
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    state = opt.init(params)
    new, state2 = opt.update({"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}, state, params)
    assert state.step == 0 and state2.step == 1
    np.testing.assert_array_equal(params["W1"], np.ones((2, 2)))
    np.testing.assert_array_equal(new["W1"], np.full((2, 2), 0.5))
    np.testing.assert_array_equal(new["b1"], np.full((2, 1), -0.5))
