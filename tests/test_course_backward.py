"""Backward propagation against the course's published unit tests (course 1, weeks 3 and 4).

Inputs are drawn exactly as the course's ``testCases`` / ``public_tests.py`` draw them (legacy
global seed); the expected arrays are the published ones, printed to 8 decimals, so they are
compared to within 1e-8. Sources: the W4A1 ``public_tests.py`` (``linear_backward_test``,
``linear_activation_backward_test``, ``L_model_backward_test``) and ``testCases_v4a.py``; the W3A1
``public_tests.py`` (``layer_sizes_test``, ``backward_propagation_test``) and ``testCases_v2.py``.
"""

import numpy as np
import pytest

from denseflow.core.activations import ACTIVATIONS
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.optimizers import update_parameters
from denseflow.core.propagation import (
    _model_backward,
    backward_propagation,
    compute_cost,
    forward_propagation,
    layer_sizes,
    linear_activation_backward,
    linear_backward,
    model_backward,
    model_forward,
)
from denseflow.datasets import planar_flower
from denseflow.models import ShallowNetwork
from denseflow.training import make_engine

PUBLISHED = 1e-8  # the published arrays are rounded to 8 decimals


def assert_published(actual, expected, name=""):
    np.testing.assert_allclose(actual, np.array(expected), rtol=0, atol=PUBLISHED, err_msg=name)


# ------------------------------------------------------------------------------- week 4 steps


def test_linear_backward_current_release():
    np.random.seed(1)
    dZ = np.random.randn(3, 4)
    A, W, b = np.random.randn(5, 4), np.random.randn(3, 5), np.random.randn(3, 1)
    dA_prev, dW, db = linear_backward(dZ, (A, W, b))
    assert_published(dA_prev, [[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                               [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                               [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                               [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                               [-2.52214926, 2.67882552, -0.67947465, 1.48119548]])
    assert_published(dW, [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                          [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                          [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]])
    assert_published(db, [[-0.14713786], [-0.11313155], [-0.13209101]])


LINEAR_ACTIVATION_BACKWARD = {
    "sigmoid": ([[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
                [[0.10266786, 0.09778551, -0.01968084]], [[-0.05729622]]),
    "relu": ([[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
             [[0.44513824, 0.37371418, -0.10478989]], [[-0.20837892]]),
}


@pytest.mark.parametrize("activation", sorted(LINEAR_ACTIVATION_BACKWARD))
def test_linear_activation_backward_published(activation):
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A, W, b, Z = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1), np.random.randn(1, 2)
    dA_prev, dW, db = linear_activation_backward(dA, ((A, W, b), Z), activation)
    expected = LINEAR_ACTIVATION_BACKWARD[activation]
    for name, got, want in zip(("dA_prev", "dW", "db"), (dA_prev, dW, db), expected):
        assert_published(got, want, name)


def _l_model_backward_case():
    """``L_model_backward_test_case``: AL, Y and the caches are independent random draws."""
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = np.random.randn(4, 2), np.random.randn(3, 4), np.random.randn(3, 1), np.random.randn(3, 2)
    A2, W2, b2, Z2 = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1), np.random.randn(1, 2)
    return AL, Y, (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))


L_MODEL_BACKWARD = {
    "dA1": [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]],
    "dW2": [[-0.39202432, -0.13325855, -0.04601089]],
    "db2": [[0.15187861]],
    "dA0": [[0.0, 0.52257901], [0.0, -0.3269206], [0.0, -0.32070404], [0.0, -0.74079187]],
    "dW1": [[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0.0, 0.0, 0.0, 0.0],
            [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
    "db1": [[-0.22007063], [0.0], [-0.02835349]],
}


def test_L_model_backward_published_random_AL():
    AL, Y, caches = _l_model_backward_case()
    assert AL[0, 0] > 1  # the published test's AL is no probability
    grads = model_backward(AL, Y, caches, check_AL=False)
    assert set(grads) == set(L_MODEL_BACKWARD)
    for key, expected in L_MODEL_BACKWARD.items():
        assert_published(grads[key], expected, key)
    # The course's first steps, by hand: dAL, then sigmoid_backward on the cached Z[2].
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    np.testing.assert_allclose(dAL, [[-0.5590876, 1.77465392]], atol=PUBLISHED)
    dA1, dW2, db2 = linear_activation_backward(dAL, caches[1], "sigmoid")
    np.testing.assert_array_equal(grads["dW2"], dW2)
    np.testing.assert_array_equal(grads["db2"], db2)
    np.testing.assert_array_equal(grads["dA1"], dA1)


def test_the_fused_path_does_not_reproduce_the_published_test():
    # dZ[L] = AL − Y is exact only when AL = σ(Z[L]); this AL is not, so the fused training path
    # gives other gradients: the published test tells the two paths apart.
    AL, Y, caches = _l_model_backward_case()
    fused = _model_backward(AL, Y.astype(float), [tuple(c) for c in caches], ACTIVATIONS["relu"],
                            ACTIVATIONS["sigmoid"], get_loss("binary_cross_entropy"))
    assert abs(fused["db2"][0, 0] - L_MODEL_BACKWARD["db2"][0][0]) > 0.1


@pytest.mark.parametrize("AL, where", [
    ([[1.78862847, 0.43650985]], "AL[0, 0] = 1.78862847"),
    ([[0.5, 1.0]], "AL[0, 1] = 1.0"),
    ([[0.0, 0.5]], "AL[0, 0] = 0.0"),
    ([[0.5, -0.25]], "AL[0, 1] = -0.25"),
])
def test_AL_outside_the_open_interval_is_an_error_naming_the_fix(AL, where):
    _, Y, caches = _l_model_backward_case()
    with pytest.raises(ValueError, match=r"The 'AL' parameter of model_backward") as info:
        model_backward(np.array(AL), Y, caches)
    message = str(info.value)
    assert where in message and "strictly between 0 and 1" in message
    assert "Pass the AL that model_forward returned" in message and "check_AL=False" in message


@pytest.mark.parametrize("AL, ok", [([[1.0, 0.0]], True), ([[0.5, 1.2]], False)])
def test_other_losses_only_require_a_sigmoid_range(AL, ok):
    # Squared error does not divide by AL or 1 − AL: a saturated 0 or 1 is a real sigmoid output.
    _, Y, caches = _l_model_backward_case()
    call = lambda: model_backward(np.array(AL), Y, caches, loss="squared_error")
    if ok:
        assert np.isfinite(call()["dW1"]).all()
    else:
        with pytest.raises(ValueError, match=r"between 0 and 1 \(σ\(z\) never leaves"):
            call()


def test_check_AL_must_be_a_bool():
    AL, Y, caches = _l_model_backward_case()
    with pytest.raises(TypeError, match="'check_AL' parameter of model_backward must be True or False"):
        model_backward(AL, Y, caches, check_AL="no")


def _network(dims, hidden, output, seed):
    rng = np.random.default_rng(seed)
    params = initialize_parameters(dims, method="xavier", seed=seed)
    X = rng.standard_normal((dims[0], 7))
    if output == "softmax":
        Y = np.eye(dims[-1])[rng.integers(0, dims[-1], 7)].T
    else:
        Y = (rng.random((dims[-1], 7)) > 0.5).astype(float)
    return X, Y, params


@pytest.mark.parametrize("dims", [[3, 1], [3, 4, 1], [4, 5, 3, 2], [3, 4, 3]])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_notes_path_and_fused_path_agree_on_a_consistent_forward_pass(dims, hidden):
    output = "softmax" if dims[-1] == 3 else "sigmoid"
    X, Y, params = _network(dims, hidden, output, seed=len(dims) + len(hidden))
    AL, caches = model_forward(X, params, hidden, output)
    notes = model_backward(AL, Y, caches, hidden, output)
    fused = _model_backward(AL, Y, caches, ACTIVATIONS[hidden], ACTIVATIONS[output], get_loss(None, output=output))
    assert set(notes) == set(fused)
    for key in notes:
        np.testing.assert_allclose(notes[key], fused[key], rtol=1e-12, atol=1e-15, err_msg=key)


@pytest.mark.parametrize("w", [40.0, 800.0, -800.0])
def test_a_saturated_sigmoid_output_gets_the_exact_limit(w):
    # σ(w x) rounds to exactly 1 (w x > 36.7) or 0 (w x < −744) for the first example: there the
    # notes' dA[L] ⊙ σ'(Z[L]) is ∞ · 0, and dZ[L] takes its limit AL − Y. The second is ordinary.
    params = {"W1": np.array([[w]]), "b1": np.zeros((1, 1))}
    X, Y = np.array([[1.0, 1.0 / w]]), np.array([[1 if w < 0 else 0, 1]])
    AL, caches = model_forward(X, params)
    assert AL[0, 0] in (0.0, 1.0)
    grads = model_backward(AL, Y, caches)
    dZ = np.array([[AL[0, 0] - Y[0, 0], 0.0]])
    s = 1 / (1 + np.exp(-1.0))  # the second example: Z = 1, dZ = dA σ(1)(1 − σ(1)) = s − 1
    dZ[0, 1] = -(1 / s) * s * (1 - s)
    np.testing.assert_allclose(grads["dW1"], dZ @ X.T / 2, rtol=1e-15)
    np.testing.assert_allclose(grads["db1"], dZ.sum(axis=1, keepdims=True) / 2, rtol=1e-15)
    fused = _model_backward(AL, Y.astype(float), caches, ACTIVATIONS["relu"], ACTIVATIONS["sigmoid"],
                            get_loss("binary_cross_entropy"))
    np.testing.assert_allclose(grads["dW1"], fused["dW1"], rtol=1e-15)


def test_an_exact_1_that_is_not_the_cached_sigmoid_is_still_an_error():
    params = {"W1": np.array([[2.0]]), "b1": np.zeros((1, 1))}
    AL, caches = model_forward(np.array([[1.0, 2.0]]), params)
    with pytest.raises(ValueError, match=r"exactly 0 or 1 only where σ of the cached Z\[L\] rounds to it\)\. "
                                         r"Got AL\[0, 1\] = 1\.0"):
        model_backward(np.array([[AL[0, 0], 1.0]]), np.array([[1, 0]]), caches)


# --------------------------------------------------------------------------------------- week 3


def test_layer_sizes_published():
    np.random.seed(1)
    X, Y = np.random.randn(5, 3), np.random.randn(2, 3)
    assert layer_sizes(X, Y) == (5, 4, 2)
    assert all(type(n) is int for n in layer_sizes(X, Y))


@pytest.mark.parametrize("X, Y, error, match", [
    (np.zeros((5, 3)), np.zeros((1, 4)), ValueError, "same number of examples m"),
    (np.zeros(5), np.zeros((1, 5)), ValueError, r"rank-1 array .*X\.reshape\(1, -1\)"),
    (np.zeros((2, 3)), "labels", TypeError, "Y must be a 2-D numeric array"),
])
def test_layer_sizes_errors(X, Y, error, match):
    with pytest.raises(error, match=match):
        layer_sizes(X, Y)


def _backward_propagation_case():
    """``backward_propagation_test_case`` (testCases_v2 / public_tests): a forward pass rounded to 8 decimals."""
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    parameters = {
        "W1": np.array([[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                        [-0.01793436, -0.00841747], [0.00502881, -0.01245288]]),
        "W2": np.array([[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]),
        "b1": np.zeros((4, 1)),
        "b2": np.zeros((1, 1)),
    }
    cache = {
        "A1": np.array([[-0.00616578, 0.0020626, 0.00349619], [-0.05225116, 0.02725659, -0.02646251],
                        [-0.02009721, 0.0036869, 0.02883756], [0.02152675, -0.01385234, 0.02599885]]),
        "A2": np.array([[0.5002307, 0.49985831, 0.50023963]]),
        "Z1": np.array([[-0.00616586, 0.0020626, 0.0034962], [-0.05229879, 0.02726335, -0.02646869],
                        [-0.02009991, 0.00368692, 0.02884556], [0.02153007, -0.01385322, 0.02600471]]),
        "Z2": np.array([[0.00092281, -0.00056678, 0.00095853]]),
    }
    return parameters, cache, X, Y


BACKWARD_PROPAGATION = {
    "dW1": [[0.00301023, -0.00747267], [0.00257968, -0.00641288], [-0.00156892, 0.003893], [-0.00652037, 0.01618243]],
    "db1": [[0.00176201], [0.00150995], [-0.00091736], [-0.00381422]],
    "dW2": [[0.00078841, 0.01765429, -0.00084166, -0.01022527]],
    "db2": [[-0.16655712]],
}


def test_backward_propagation_published():
    parameters, cache, X, Y = _backward_propagation_case()
    assert Y.dtype == bool and Y.tolist() == [[True, False, True]]
    grads = backward_propagation(parameters, cache, X, Y)
    assert set(grads) == set(BACKWARD_PROPAGATION)
    for key, expected in BACKWARD_PROPAGATION.items():
        assert_published(grads[key], expected, key)
        assert grads[key].shape == parameters[key[1:]].shape


def test_backward_propagation_uses_the_cached_A1_not_Z1():
    parameters, cache, X, Y = _backward_propagation_case()
    rs = np.random.RandomState(0)
    A1 = rs.uniform(-0.9, 0.9, (4, 3))  # deliberately not tanh(Z1)
    assert np.abs(A1 - np.tanh(cache["Z1"])).max() > 0.1
    grads = backward_propagation(parameters, {**cache, "A1": A1}, X, Y)
    # The notes' formulas, with the cached A1:
    m = 3
    dZ2 = cache["A2"] - Y
    dZ1 = parameters["W2"].T @ dZ2 * (1 - A1 ** 2)
    np.testing.assert_allclose(grads["dW2"], dZ2 @ A1.T / m, rtol=1e-14)
    np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / m, rtol=1e-14)
    np.testing.assert_allclose(grads["db1"], dZ1.sum(axis=1, keepdims=True) / m, rtol=1e-14)
    # tanh'(Z1) recomputed from Z1 would give other numbers ...
    dZ1_from_Z1 = parameters["W2"].T @ dZ2 * (1 - np.tanh(cache["Z1"]) ** 2)
    assert np.abs(grads["dW1"] - dZ1_from_Z1 @ X.T / m).max() > 1e-4
    # ... and Z1 (and Z2) are not read at all.
    other = backward_propagation(parameters, {"A1": A1, "A2": cache["A2"], "Z1": 100 + cache["Z1"]}, X, Y)
    for key in grads:
        np.testing.assert_array_equal(other[key], grads[key])


def test_week3_pair_equals_the_training_engines_bit_for_bit():
    X, Y = planar_flower()
    params = initialize_parameters([2, 4, 1], method="random", seed=2, course=True)
    A2, cache = forward_propagation(X, params)
    grads = backward_propagation(params, cache, X, Y)
    reference = make_engine("reference", params, X, Y, ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"],
                            get_loss("binary_cross_entropy"), 1.2, None)
    AL, caches = model_forward(X, params, "tanh")
    np.testing.assert_array_equal(AL, A2)
    np.testing.assert_array_equal(caches[0].Z, cache["Z1"])
    engine_grads = reference.gradients(AL, caches)
    for key in grads:
        np.testing.assert_array_equal(grads[key], engine_grads[key], err_msg=key)


def test_week3_nn_model_reproduces_the_published_costs_and_ShallowNetwork():
    # The notebook's nn_model(X, Y, n_h=4, num_iterations, print_cost) written with these functions.
    X, Y = planar_flower()
    n_x, n_h, n_y = layer_sizes(X, Y)
    params = initialize_parameters([n_x, n_h, n_y], method="random", seed=2, course=True)
    costs = {}
    for i in range(1001):
        A2, cache = forward_propagation(X, params)
        if i % 1000 == 0:
            costs[i] = compute_cost(A2, Y)
        params = update_parameters(params, backward_propagation(params, cache, X, Y), 1.2)
    assert costs[0] == pytest.approx(0.693048, abs=5e-7)  # "Cost after iteration 0: 0.693048"
    assert costs[1000] == pytest.approx(0.288083, abs=5e-7)  # "Cost after iteration 1000: 0.288083"
    model = ShallowNetwork(n_h=4, learning_rate=1.2, num_iterations=1001, seed=2, course=True)
    model.fit(X, Y)
    for key in params:
        np.testing.assert_array_equal(model.parameters_[key], params[key], err_msg=key)


def _shallow_params():
    return {"W1": np.ones((4, 2)) * 0.1, "b1": np.zeros((4, 1)), "W2": np.ones((1, 4)) * 0.1, "b2": np.zeros((1, 1))}


@pytest.mark.parametrize("call, error, match", [
    (lambda p, c, X, Y: backward_propagation({"W1": p["W1"], "b1": p["b1"]}, c, X, Y), ValueError,
     r"must hold one hidden layer, 'W1', 'b1', 'W2', 'b2' \(the week-3 network\). Got 1 layers"),
    (lambda p, c, X, Y: backward_propagation(p, [c["A1"], c["A2"]], X, Y), TypeError,
     r"'cache' parameter of backward_propagation must be the dict .* Got list instead"),
    (lambda p, c, X, Y: backward_propagation(p, {"A1": c["A1"]}, X, Y), TypeError, r"with keys \['A1'\]"),
    (lambda p, c, X, Y: backward_propagation(p, c, X, Y[:, :2]), ValueError, r"Y has shape \(1, 2\) but .* \(1, 3\)"),
    (lambda p, c, X, Y: backward_propagation(p, {**c, "A1": c["A1"][:3]}, X, Y), ValueError,
     r"cache\['A1'\] has shape \(3, 3\) but backward_propagation expects \(4, 3\)"),
    (lambda p, c, X, Y: backward_propagation(p, c, X, Y + 0.5), ValueError, "binary labels 0/1"),
    (lambda p, c, X, Y: backward_propagation(p, c, X.T, Y), ValueError,
     r"X has 3 features, but backward_propagation expects 2 .* It looks transposed: pass X.T"),
    (lambda p, c, X, Y: forward_propagation(X, {**p, "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}), ValueError,
     "Got 3 layers instead. Use model_forward / model_backward"),
])
def test_week3_input_errors(call, error, match):
    params = _shallow_params()
    X, Y = np.ones((2, 3)), np.array([[1, 0, 1]])
    _, cache = forward_propagation(X, params)
    with pytest.raises(error, match=match):
        call(params, cache, X, Y)
