"""Course 2, week 1: L2 regularization and inverted dropout.

Oracles: the notebooks' unit-test values (testCases.py / public_tests.py), central differences of
the regularized cost (and of the cost under a fixed dropout mask) for every hidden activation,
several depths and three output/loss pairs, and the definitions (dropout's expectation, keep_prob
= 1 is no dropout).
"""

import numpy as np
import pytest
from _differences import central_differences

from denseflow.core.activations import HIDDEN_ACTIVATIONS
from denseflow.core.caches import LayerCache, LinearCache
from denseflow.core.initializers import initialize_parameters
from denseflow.core.propagation import model_backward, model_forward
from denseflow.core.regularization import (
    DropoutCache,
    backward_propagation_with_dropout,
    backward_propagation_with_regularization,
    compute_cost_with_regularization,
    forward_propagation_with_dropout,
)


def assert_printed(actual, expected):
    np.testing.assert_allclose(actual, np.array(expected, dtype=float), rtol=0, atol=5e-9)


def course_parameters(rs):
    """W1 (2, 3), b1, W2 (3, 2), b2, W3 (1, 3), b3 drawn in the notebooks' order."""
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    return {name: rs.randn(*shape) for name, shape in shapes}


# ------------------------------------------------------------------------- the notebooks' values


def test_compute_cost_with_regularization_matches_the_public_test():
    rs = np.random.RandomState(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    params = course_parameters(rs)
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    assert compute_cost_with_regularization(A3, Y, params, lambd=0.1) == 1.7864859451590758


# testCases.backward_propagation_with_regularization_test_case: X = randn(3, 5) (seed 1) and this cache
REG_CACHE = dict(
    Z1=[[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
        [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]],
    A1=[[0.0, 3.32524635, 2.13994541, 2.60700654, 0.0], [0.0, 4.1600994, 0.79051021, 1.46493512, 0.0]],
    W1=[[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]],
    b1=[[1.14472371], [0.90159072]],
    Z2=[[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547],
        [-0.69166075, -3.47645987, -2.25194702, -2.65416996, -0.69166075],
        [-0.39675353, -4.62285846, -2.61101729, -3.22874921, -0.39675353]],
    A2=[[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547], [0.0] * 5, [0.0] * 5],
    W2=[[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]],
    b2=[[0.53035547], [-0.69166075], [-0.39675353]],
    Z3=[[-0.3771104, -4.10060224, -1.60539468, -2.18416951, -0.3771104]],
    A3=[[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]],
    W3=[[-0.6871727, -0.84520564, -0.67124613]],
    b3=[[-0.0126646]],
)


def test_backward_propagation_with_regularization_matches_the_notebook():
    X = np.random.RandomState(1).randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    c = {k: np.array(v) for k, v in REG_CACHE.items()}
    caches = [LayerCache(LinearCache(X, c["W1"], c["b1"]), c["Z1"]),
              LayerCache(LinearCache(c["A1"], c["W2"], c["b2"]), c["Z2"]),
              LayerCache(LinearCache(c["A2"], c["W3"], c["b3"]), c["Z3"])]
    grads = backward_propagation_with_regularization(c["A3"], Y, caches, lambd=0.7)
    expected = {
        "dW1": [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        "dW2": [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
        "dW3": [[-1.77691347, -0.11832879, -0.09397446]],
        "db3": [[-0.38032981]], "db2": [[0.26135226], [0], [0]], "db1": [[0.11845855], [0.21236874]],
        "dA2": [[0.40761434, 0.67597671, -0.11491519, 0.6176438, -0.27955836],
                [0.50135568, 0.83143484, -0.14134288, 0.7596868, -0.34384996],
                [0.39816708, 0.66030962, -0.11225181, 0.6033287, -0.27307905]],
        "dA1": [[0.2048239, 0.33967447, -0.05774423, 0.31036252, -0.14047649],
                [0.3672018, 0.60895764, -0.10352203, 0.5564081, -0.25184181]],
    }
    for key, value in expected.items():
        assert_printed(grads[key], value)


def test_forward_propagation_with_dropout_matches_the_notebook():
    rs = np.random.RandomState(1)
    X = rs.randn(3, 5)
    params = course_parameters(rs)
    A3, caches = forward_propagation_with_dropout(X, params, keep_prob=0.7)  # the notebook reseeds with 1
    assert_printed(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]])
    assert all(isinstance(c, DropoutCache) for c in caches) and caches[2].D is None
    np.testing.assert_array_equal(caches[0].D, [[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(caches[1].D, [[1, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0, 0, 1, 1, 0]])
    assert_printed(caches[1].linear_cache.A_prev, [[0, 0, 3.05706487, 3.72429505, 0], [0, 5.94299915, 1.1293003,
                                                                                      2.09276446, 0]])
    assert_printed(caches[2].linear_cache.A_prev, [[0.75765067, 8.40591658, 4.40550021, 0, 0.75765067], [0] * 5,
                                                   [0] * 5])
    assert_printed(caches[2].Z, [[-0.53330145, -5.78898099, -3.04000407, -0.0126646, -0.53330145]])


def test_dropout_masks_are_the_notebooks_global_draws():
    rs = np.random.RandomState(2)
    X = rs.randn(4, 9)
    params = initialize_parameters([4, 6, 5, 3, 1], method="he", seed=0)
    _, caches = forward_propagation_with_dropout(X, params, keep_prob=[0.5, 0.7, 0.9])
    np.random.seed(1)  # the notebook: np.random.seed(1), then np.random.rand per hidden layer, in order
    for cache, keep in zip(caches[:3], [0.5, 0.7, 0.9]):
        np.testing.assert_array_equal(cache.D, np.random.rand(*cache.Z.shape) < keep)


# testCases.backward_propagation_with_dropout_test_case: the cache with bool masks, keep_prob = 0.8
DROP_CACHE = dict(
    Z1=REG_CACHE["Z1"],
    D1=[[True, False, True, True, True], [True, True, True, True, False]],
    A1=[[0.0, 0.0, 4.27989081, 5.21401307, 0.0], [0.0, 8.32019881, 1.58102041, 2.92987024, 0.0]],
    W1=REG_CACHE["W1"], b1=REG_CACHE["b1"],
    Z2=[[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
        [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
        [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]],
    D2=[[True, False, True, False, True], [False, True, False, True, True], [False, False, True, False, False]],
    A2=[[1.06071093, 0.0, 8.21049603, 0.0, 1.06071093], [0.0] * 5, [0.0] * 5],
    W2=REG_CACHE["W2"], b2=REG_CACHE["b2"],
    Z3=[[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]],
    A3=[[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]],
    W3=REG_CACHE["W3"], b3=REG_CACHE["b3"],
)


def test_backward_propagation_with_dropout_matches_the_notebook():
    X = np.random.RandomState(1).randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    c = {k: np.array(v) for k, v in DROP_CACHE.items()}
    caches = [DropoutCache(LinearCache(X, c["W1"], c["b1"]), c["Z1"], c["D1"]),
              DropoutCache(LinearCache(c["A1"], c["W2"], c["b2"]), c["Z2"], c["D2"]),
              DropoutCache(LinearCache(c["A2"], c["W3"], c["b3"]), c["Z3"], None)]
    grads = backward_propagation_with_dropout(c["A3"], Y, caches, keep_prob=0.8)
    expected = {
        "dA1": [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748], [0.65515713, 0.0, -0.00337459, 0.0, -0.0]],
        "dA2": [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731], [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
                [0.0, 0.0, -0.00292733, 0.0, -0.0]],
        "dW3": [[-0.06951191, 0, 0]], "db3": [[-0.2715031]],
        "dW2": [[-0.00256518, -0.0009476], [0, 0], [0, 0]], "db2": [[0.06033089], [0], [0]],
        "dW1": [[0.00019884, 0.00028657, 0.00012138], [0.00035647, 0.00051375, 0.00021761]],
        "db1": [[-0.00037647], [-0.00067492]],
    }
    for key, value in expected.items():
        assert_printed(grads[key], value)


# ------------------------------------------------------------------------ central differences


numerical_gradients = central_differences


def relative_difference(numerical, analytical, keys):
    a = np.concatenate([numerical[k].ravel() for k in keys])
    b = np.concatenate([analytical[k].ravel() for k in keys])
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


OUTPUTS = {  # output activation: (loss, labels for m examples and n_y outputs)
    "sigmoid": ("binary_cross_entropy", lambda rs, n_y, m: (rs.rand(n_y, m) < 0.5).astype(float)),
    "softmax": ("categorical_cross_entropy", lambda rs, n_y, m: np.eye(n_y)[rs.randint(n_y, size=m)].T),
    "identity": ("squared_error", lambda rs, n_y, m: rs.randn(n_y, m)),
}
DEPTHS = {"1 hidden": [3, 4, 1], "2 hidden": [3, 5, 4, 1], "4 hidden": [4, 3, 5, 3, 4, 1]}


def problem(dims, hidden, output, seed):
    rs = np.random.RandomState(seed)
    dims = list(dims)
    if output == "softmax":
        dims[-1] = 3
    elif output == "identity":
        dims[-1] = 2
    m = 7
    X = rs.randn(dims[0], m)
    loss, labels = OUTPUTS[output]
    Y = labels(rs, dims[-1], m)
    params = initialize_parameters(dims, method="xavier", seed=seed)
    params = {k: v + (0.1 * rs.randn(*v.shape) if k.startswith("b") else 0) for k, v in params.items()}
    return X, Y, params, loss


@pytest.mark.parametrize("depth", sorted(DEPTHS))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_l2_gradients_match_central_differences(depth, hidden, output):
    X, Y, params, loss = problem(DEPTHS[depth], hidden, output, seed=len(depth) + len(hidden))
    lambd = 0.9

    def cost(p):
        AL, _ = model_forward(X, p, hidden, output)
        return compute_cost_with_regularization(AL, Y, p, lambd, loss=loss)

    AL, caches = model_forward(X, params, hidden, output)
    grads = backward_propagation_with_regularization(AL, Y, caches, lambd, hidden, output, loss)
    numerical = numerical_gradients(cost, params)
    keys = sorted(numerical)
    assert relative_difference(numerical, grads, keys) < 1e-7
    # and the L2 part is (λ/m) W[l] on top of the unregularized gradient (model_backward starts a
    # sigmoid output from the notes' dA[L], this module from the notebook's dZ[L] = AL − Y: equal to rounding)
    plain = model_backward(AL, Y, caches, hidden, output, loss)
    for l in range(1, len(DEPTHS[depth])):
        np.testing.assert_allclose(grads[f"dW{l}"], plain[f"dW{l}"] + lambd / X.shape[1] * params[f"W{l}"],
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grads[f"db{l}"], plain[f"db{l}"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("depth", sorted(DEPTHS))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_dropout_gradients_with_a_fixed_mask_match_central_differences(depth, hidden, output):
    X, Y, params, loss = problem(DEPTHS[depth], hidden, output, seed=7 + len(depth) * len(hidden))
    n_hidden = len(DEPTHS[depth]) - 2
    keep_prob = [0.6, 0.8, 0.7, 0.9][:n_hidden]
    lambd = 0.3 if output == "sigmoid" else 0.0  # dropout alone, and dropout with L2

    def cost(p):
        AL, _ = forward_propagation_with_dropout(X, p, keep_prob, hidden, output, seed=4)  # same masks each call
        return compute_cost_with_regularization(AL, Y, p, lambd, loss=loss)

    AL, caches = forward_propagation_with_dropout(X, params, keep_prob, hidden, output, seed=4)
    assert any(not c.D.all() for c in caches[:-1])  # some units are dropped
    grads = backward_propagation_with_dropout(AL, Y, caches, keep_prob, hidden, output, loss, lambd=lambd)
    numerical = numerical_gradients(cost, params)
    assert relative_difference(numerical, grads, sorted(numerical)) < 1e-7


# ------------------------------------------------------------------------------ definitions


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_keep_prob_one_is_plain_propagation(hidden):
    X, Y, params, loss = problem(DEPTHS["2 hidden"], hidden, "sigmoid", seed=3)
    AL, caches = forward_propagation_with_dropout(X, params, keep_prob=1.0, hidden_activation=hidden)
    AL0, caches0 = model_forward(X, params, hidden)
    np.testing.assert_array_equal(AL, AL0)
    assert all(c.D.all() for c in caches[:-1])
    grads = backward_propagation_with_dropout(AL, Y, caches, 1.0, hidden)
    grads_l2 = backward_propagation_with_regularization(AL0, Y, caches0, 0.0, hidden)
    for key in grads_l2:
        np.testing.assert_array_equal(grads[key], grads_l2[key])
    grads0 = model_backward(AL0, Y, caches0, hidden)  # the notes' dA[L] path: equal to rounding
    for key in grads0:
        np.testing.assert_allclose(grads[key], grads0[key], rtol=1e-12, atol=1e-15)


def test_inverted_dropout_keeps_the_expected_activation():
    X = np.ones((1, 200000))
    params = {"W1": np.full((1, 1), 2.0), "b1": np.zeros((1, 1)), "W2": np.ones((1, 1)), "b2": np.zeros((1, 1))}
    AL, caches = forward_propagation_with_dropout(X, params, keep_prob=0.3, output_activation="identity")
    kept = caches[0].D.mean()
    assert abs(kept - 0.3) < 0.005  # about keep_prob of the units survive
    np.testing.assert_allclose(np.unique(AL), [0.0, 2.0 / 0.3], rtol=1e-15)  # survivors scaled by 1/keep_prob
    assert abs(AL.mean() - 2.0) < 0.04  # E[A] unchanged


def test_an_int_seed_repeats_the_masks_and_a_generator_draws_new_ones():
    X, Y, params, _ = problem(DEPTHS["2 hidden"], "relu", "sigmoid", seed=5)
    _, a = forward_propagation_with_dropout(X, params, 0.5, seed=9)
    _, b = forward_propagation_with_dropout(X, params, 0.5, seed=9)
    np.testing.assert_array_equal(a[0].D, b[0].D)
    rng = np.random.default_rng(0)
    _, c = forward_propagation_with_dropout(X, params, 0.5, seed=rng)
    _, d = forward_propagation_with_dropout(X, params, 0.5, seed=rng)
    assert not np.array_equal(c[0].D, d[0].D)


def test_l2_cost_is_the_cross_entropy_plus_the_frobenius_norms():
    X, Y, params, _ = problem(DEPTHS["4 hidden"], "relu", "sigmoid", seed=6)
    AL, _ = model_forward(X, params)
    m = X.shape[1]
    penalty = sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, 6)) * 0.8 / (2 * m)
    cross_entropy = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    assert compute_cost_with_regularization(AL, Y, params, 0.8) == pytest.approx(cross_entropy + penalty, rel=1e-14)
    assert compute_cost_with_regularization(AL, Y, params, 0) == pytest.approx(cross_entropy, rel=1e-14)


def test_cost_of_saturated_outputs_is_zero_when_right_and_inf_when_wrong():
    params = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
    right = compute_cost_with_regularization(np.array([[1.0, 0.0]]), np.array([[1, 0]]), params, 0)
    wrong = compute_cost_with_regularization(np.array([[1.0, 0.0]]), np.array([[0, 0]]), params, 0)
    assert right == 0.0 and wrong == np.inf


@pytest.mark.parametrize("call, error, match", [
    (lambda X, Y, p: forward_propagation_with_dropout(X, p, keep_prob=0), ValueError,
     r"'keep_prob' parameter of forward_propagation_with_dropout must be a finite number > 0"),
    (lambda X, Y, p: forward_propagation_with_dropout(X, p, keep_prob=1.2), ValueError, r"a probability in \(0, 1\]"),
    (lambda X, Y, p: forward_propagation_with_dropout(X, p, keep_prob=[0.5]), ValueError,
     r"a list of 2 numbers, one per hidden layer .* Got 1 numbers instead"),
    (lambda X, Y, p: forward_propagation_with_dropout(X, p, hidden_activation="sigmod"), ValueError,
     r"'hidden_activation' parameter of forward_propagation_with_dropout must be one of"),
    (lambda X, Y, p: forward_propagation_with_dropout(X.T, p), ValueError,
     r"X has 7 features, but W1 expects 3 .* It looks transposed"),
    (lambda X, Y, p: compute_cost_with_regularization(np.full_like(Y, 0.5), Y, p, lambd=-1), ValueError,
     r"'lambd' parameter of compute_cost_with_regularization must be a finite number >= 0"),
    (lambda X, Y, p: compute_cost_with_regularization(np.full_like(Y, 0.5), 2 * Y + 1, p, lambd=1), ValueError,
     "binary labels 0/1"),
    (lambda X, Y, p: backward_propagation_with_regularization(np.full_like(Y, 0.5), Y, [], 0.1), TypeError,
     "caches must be the non-empty list returned by model_forward"),
    (lambda X, Y, p: backward_propagation_with_dropout(model_forward(X, p)[0], Y, model_forward(X, p)[1], 0.5),
     TypeError, r"must be a DropoutCache \(linear_cache, Z, D\)"),
])
def test_bad_input_is_named(call, error, match):
    X, Y, params, _ = problem(DEPTHS["2 hidden"], "relu", "sigmoid", seed=8)
    with pytest.raises(error, match=match):
        call(X, Y, params)
