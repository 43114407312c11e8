"""Activations and losses: derivatives against central differences, stability at saturation."""

import numpy as np
import pytest
from scipy.special import expit

from denseflow.core.activations import ACTIVATIONS, get_activation, leaky_relu
from denseflow.core.losses import LOSSES, output_dZ
from denseflow.core.propagation import compute_cost, model_backward, model_forward

ELEMENTWISE = [n for n, a in ACTIVATIONS.items() if a.derivative is not None]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    Z = rng.uniform(-3, 3, size=(4, 6))
    Z[np.abs(Z) < 1e-3] = 0.5  # away from relu's kink
    eps = 1e-6
    numeric = (act.forward(Z + eps) - act.forward(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(Z, act.forward(Z)), numeric, atol=1e-8)


def test_softmax_backward_matches_central_differences():
    act = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(1)
    Z, dA = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    A = act.forward(Z)
    dZ = act.backward(dA, Z, A)
    eps = 1e-6
    numeric = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += eps
        Zm[idx] -= eps
        numeric[idx] = (np.sum(dA * act.forward(Zp)) - np.sum(dA * act.forward(Zm))) / (2 * eps)
    np.testing.assert_allclose(dZ, numeric, atol=1e-8)
    np.testing.assert_allclose(A.sum(axis=0), 1.0)


def test_notes_derivative_formulas():
    z = np.array([[-2.0, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].derivative(z, expit(z)), expit(z) * (1 - expit(z)))
    np.testing.assert_allclose(ACTIVATIONS["tanh"].derivative(z, np.tanh(z)), 1 - np.tanh(z) ** 2)
    np.testing.assert_array_equal(ACTIVATIONS["relu"].derivative(z, None), [[0, 0, 1, 1]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].derivative(z, None), [[0.01, 0.01, 1, 1]])
    np.testing.assert_allclose(leaky_relu(0.2).forward(z), [[-0.4, 0, 0.5, 3]])


def test_sigmoid_is_stable_for_any_z():
    z = np.array([[-1000.0, -800.0, 0.0, 800.0, 1000.0]])
    with np.errstate(all="raise"):
        a = ACTIVATIONS["sigmoid"].forward(z)
    assert np.all(np.isfinite(a)) and a[0, 0] == 0.0 and a[0, -1] == 1.0


def test_unknown_activation_lists_registry_names():
    with pytest.raises(ValueError, match="must be one of") as err:
        get_activation("sigmod", "activation", "DeepNetwork")
    for name in ACTIVATIONS:
        assert repr(name) in str(err.value)
    assert "Got 'sigmod' instead" in str(err.value)


def test_compute_cost_equals_logit_form():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(1, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    assert compute_cost(expit(Z), Y) == pytest.approx(compute_cost(expit(Z), Y, ZL=Z), rel=1e-13)


@pytest.mark.parametrize("z", [800.0, -800.0, 300.0])
def test_saturated_logits_give_finite_cost_and_gradients(z):
    # One layer whose Z[L] = ±800: the cost from logits stays finite, and so do the gradients.
    X = np.array([[1.0, 1.0]])
    params = {"W1": np.array([[z]]), "b1": np.zeros((1, 1))}
    Y = np.array([[0, 1]])
    AL, caches = model_forward(X, params)
    cost = LOSSES["binary_cross_entropy"].cost(AL, Y, caches[-1].Z)
    assert np.isfinite(cost) and cost == pytest.approx(abs(z) / 2, rel=1e-12)
    grads = model_backward(AL, Y, caches)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.isfinite(compute_cost(AL, Y, ZL=caches[-1].Z))


def test_categorical_cross_entropy_saturated():
    Z = np.array([[900.0, -900.0], [-900.0, 900.0], [0.0, 0.0]])
    Y = np.array([[0, 1], [1, 0], [0, 0]], dtype=float)
    A = ACTIVATIONS["softmax"].forward(Z)
    cost = LOSSES["categorical_cross_entropy"].cost(A, Y, Z)
    assert np.isfinite(cost) and cost == pytest.approx(1800.0)


def test_squared_error_cost_and_gradient():
    AL, Y = np.array([[0.2, 0.9]]), np.array([[0.0, 1.0]])
    loss = LOSSES["squared_error"]
    assert loss.cost(AL, Y) == pytest.approx((0.5 * 0.04 + 0.5 * 0.01) / 2)
    np.testing.assert_allclose(loss.dAL(AL, Y), AL - Y)


def test_fused_gradient_only_for_exact_pairs():
    sig, tanh = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]
    Z = np.array([[0.3, -1.2]])
    Y = np.array([[1.0, 0.0]])
    A = sig.forward(Z)
    bce, se = LOSSES["binary_cross_entropy"], LOSSES["squared_error"]
    np.testing.assert_allclose(output_dZ(bce, sig, A, Y, Z), A - Y)
    # (sigmoid, squared error) must go through dA[L]: dZ = (a − y) σ'(z), not a − y.
    np.testing.assert_allclose(output_dZ(se, sig, A, Y, Z), (A - Y) * A * (1 - A))
    # (tanh, BCE) through dA[L] too.
    At = np.tanh(Z) * 0.5 + 0.5
    expected = -(Y / At - (1 - Y) / (1 - At)) * (1 - At**2)
    np.testing.assert_allclose(output_dZ(bce, tanh, At, Y, Z), expected)
    with pytest.raises(ValueError, match="softmax output must be paired"):
        output_dZ(bce, ACTIVATIONS["softmax"], A, Y, Z)


def test_weighted_cost_equal_weights_is_unweighted():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(1, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    bce = LOSSES["binary_cross_entropy"]
    assert bce.cost(expit(Z), Y, Z, np.full((1, 5), 2.0)) == pytest.approx(bce.cost(expit(Z), Y, Z), rel=1e-15)
