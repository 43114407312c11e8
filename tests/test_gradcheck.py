"""Back-propagation checked three ways: central differences, the graph engine, PyTorch."""

import numpy as np
import pytest

import denseflow.gradcheck.check as gradcheck_module
from denseflow.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.propagation import compute_cost, model_backward, model_forward
from denseflow.gradcheck import (
    GradCheckReport,
    ParameterCheck,
    gradient_check,
    random_check,
    relative_error,
)
from denseflow.graph import Value

OUTPUTS = {"sigmoid": 1, "softmax": 3}  # output activation -> output width n[L]


def _network(hidden, output, depth, seed=0, m=3, n_x=3, width=4):
    """Small random network and data: He weights, random biases, one-hot Y for softmax."""
    rng = np.random.default_rng(seed)
    n_y = OUTPUTS[output]
    dims = [n_x] + [width] * (depth - 1) + [n_y]
    params = initialize_parameters(dims, method="he", seed=rng)
    for l in range(1, depth + 1):
        params[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((n_x, m))
    if output == "softmax":
        Y = np.eye(n_y)[rng.integers(0, n_y, m)].T
    else:
        Y = rng.integers(0, 2, (1, m)).astype(float)
    return params, X, Y


def _min_abs_hidden_z(params, X, hidden, output):
    _, caches = model_forward(X, params, hidden, output)
    return min((float(np.min(np.abs(c.Z))) for c in caches[:-1]), default=np.inf)


# ------------------------------------------------------------------- central differences: grid


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backprop_matches_central_differences(hidden, depth, output):
    params, X, Y = _network(hidden, output, depth)
    # ε = 1e-5 (near the float64 optimum): with the course's 1e-7, rounding in J alone reaches
    # ~1e-7 relative error for the small W1 gradients of deep sigmoid stacks.
    epsilon = 1e-5
    if hidden in ("relu", "leaky_relu"):
        # Precondition, deterministic for these seeds: no z near the kink at 0 (|z| >> ε).
        assert _min_abs_hidden_z(params, X, hidden, output) > 1e-2
    report = gradient_check(params, X, Y, hidden, output, epsilon=epsilon)
    assert report.passed, report.format()
    assert report.max_error < 1e-7
    assert [e.name for e in report.entries] == [f"{p}{l}" for l in range(1, depth + 1) for p in "Wb"]
    assert report.loss == ("categorical_cross_entropy" if output == "softmax" else "binary_cross_entropy")
    if hidden in ("relu", "leaky_relu") and depth > 1:
        assert report.kink_distance > 1e-2
    else:
        assert report.kink_distance is None


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_course_epsilon_passes_on_shallow_networks(hidden, depth, output):
    params, X, Y = _network(hidden, output, depth, seed=1)
    if hidden in ("relu", "leaky_relu"):
        assert _min_abs_hidden_z(params, X, hidden, output) > 1e-4
    report = gradient_check(params, X, Y, hidden, output)  # ε = 1e-7, threshold 1e-7
    assert report.epsilon == 1e-7 and report.threshold == 1e-7
    assert report.max_error < 1e-7, report.format()


@pytest.mark.parametrize(
    "output, loss, Y",
    [
        ("sigmoid", "squared_error", [[1.0, 0.0, 1.0]]),  # not fused: dA[L] = AL − Y, then σ'
        ("tanh", "squared_error", [[0.3, -0.9, 0.5]]),
        ("identity", "squared_error", [[0.3, -1.2, 2.0]]),
        ("sigmoid", "binary_cross_entropy", [[1.0, 0.0, 1.0]]),  # fused: dZ[L] = AL − Y
    ],
)
def test_every_output_and_loss_pair(output, loss, Y):
    params, X, _ = _network("tanh", "sigmoid", 3, seed=2)
    report = gradient_check(params, X, np.array(Y), "tanh", output, loss=loss, epsilon=1e-6)
    assert report.max_error < 1e-7, report.format()
    assert report.loss == loss
    AL, _ = model_forward(X, params, "tanh", output)
    assert report.cost == pytest.approx(compute_cost(AL, np.array(Y), loss), rel=1e-12)


# ------------------------------------------------------------------------ a wrong gradient is named


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2", "W3", "b3"])
def test_a_perturbed_gradient_is_detected_and_named(name):
    params, X, Y = _network("tanh", "sigmoid", 3)
    AL, caches = model_forward(X, params, "tanh", "sigmoid")
    grads = model_backward(AL, Y, caches, "tanh", "sigmoid")
    bad = {k: v.copy() for k, v in grads.items()}
    bad[f"d{name}"][0, 0] += 1e-3
    report = gradient_check(params, X, Y, "tanh", "sigmoid", grads=bad)
    assert not report.passed
    assert report.failed == (name,)
    assert report.failed_layers == (int(name[1]),)
    assert report.worst.name == name and report[name].worst_index == (0, 0)
    assert report[name].analytic - report[name].numeric == pytest.approx(1e-3, rel=1e-5)
    assert report[name].relative_error > 1e-4
    text = str(report)
    assert f"FAILED for {name} (layer {name[1]})" in text
    assert "backward step" in text


def test_a_wrong_activation_derivative_is_named():
    # tanh'(z) written as 1 − a instead of 1 − a²: every layer below the first hidden one is wrong.
    tanh = ACTIVATIONS["tanh"]
    wrong = tanh._replace(backward=lambda dA, Z, A: dA * (1.0 - A))
    params, X, Y = _network("tanh", "sigmoid", 2)
    report = gradient_check(params, X, Y, wrong, "sigmoid")
    assert report.failed == ("W1", "b1") and report.failed_layers == (1,)
    assert report["W2"].passed and report["b2"].passed


def test_a_wrong_backward_pass_is_detected(monkeypatch):
    # A backward pass that forgets the 1/m in db1 (m = 3 here).
    original = gradcheck_module.model_backward

    def forgetful_backward(*args, **kwargs):
        grads = original(*args, **kwargs)
        grads["db1"] = grads["db1"] * 3
        return grads

    monkeypatch.setattr(gradcheck_module, "model_backward", forgetful_backward)
    params, X, Y = _network("relu", "softmax", 2)
    report = gradient_check(params, X, Y, "relu", "softmax")
    assert report.failed == ("b1",)
    assert report["b1"].relative_error == pytest.approx(0.5, rel=1e-6)  # |3g − g| / (3|g| + |g|)


# ------------------------------------------------------------------------------ report and inputs


def test_parameters_are_not_modified_and_float32_is_checked_in_float64():
    params, X, Y = _network("relu", "sigmoid", 3)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    before = {k: v.copy() for k, v in params32.items()}
    report = gradient_check(params32, X, Y, "relu", "sigmoid", epsilon=1e-6)
    assert all(np.array_equal(params32[k], before[k]) and params32[k].dtype == np.float32 for k in params32)
    assert report.max_error < 1e-7  # the float32 values, checked in float64


def test_report_fields_and_table():
    params, X, Y = _network("tanh", "softmax", 2)
    report = gradient_check(params, X, Y, "tanh", "softmax")
    assert isinstance(report, GradCheckReport) and isinstance(report.entries[0], ParameterCheck)
    assert report.max_error == max(e.relative_error for e in report.entries)
    assert report.failed == () and report.failed_layers == ()
    assert report["W2"].shape == (3, 4)
    assert report.cost > 0 and report.difference <= report.max_error
    e = report["W1"]
    assert e.worst_index[0] < 4 and e.worst_index[1] < 3
    assert abs(e.analytic - e.numeric) < 1e-7
    text = report.format()
    assert text == str(report)
    assert "PASSED" in text and "epsilon = 1e-07" in text
    assert [line.split()[0] for line in text.splitlines()[4:8]] == ["W1", "b1", "W2", "b2"]
    with pytest.raises(KeyError, match="No parameter 'W9'"):
        report["W9"]


def test_rounding_hint_when_errors_are_noise():
    entry = ParameterCheck("W1", (2, 2), 2e-7, (0, 0), 1e-4, 1.00001e-4, 1e-6, False)
    report = GradCheckReport(
        (entry,), 2e-7, 2e-7, 1e-7, 1e-7, 0.7, "binary_cross_entropy", "sigmoid", "sigmoid"
    )
    assert not report.passed
    assert "rounding noise" in str(report) and "epsilon=1e-5" in str(report)
    assert "backward step" not in str(report)


def test_kink_hint():
    entry = ParameterCheck("W1", (2, 2), 1e-3, (0, 0), 1.0, 0.999, 1e-9, False)
    report = GradCheckReport(
        (entry,), 1e-3, 1e-3, 1e-7, 1e-7, 0.7, "binary_cross_entropy", "relu", "sigmoid", kink_distance=3e-8
    )
    assert "kink" in str(report)


@pytest.mark.parametrize(
    "grad, approx, expected",
    [([1.0, 2.0], [1.0, 2.0], 0.0), ([0.0], [0.0], 0.0), ([1.0], [-1.0], 1.0), ([3.0, 4.0], [0.0, 0.0], 1.0)],
)
def test_relative_error(grad, approx, expected):
    assert relative_error(np.array(grad), np.array(approx)) == expected


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(Y=np.ones((2, 3))), ValueError, r"Y has 2 rows, but the output layer has n\[2\] = 1"),
        (dict(Y=np.array([[1.0, 0.5, 1.0]])), ValueError, "binary labels"),
        (dict(X=np.ones((5, 3))), ValueError, "W1 has shape \\(4, 3\\) but layer 1 expects"),
        (dict(X=np.ones(3)), ValueError, "rank-1"),
        (dict(epsilon=0.0), ValueError, "'epsilon' parameter of gradient_check"),
        (dict(threshold="small"), TypeError, "'threshold' parameter of gradient_check"),
        (dict(hidden_activation="softmax"), ValueError, "'hidden_activation' parameter of gradient_check"),
        (dict(output_activation="sigmod"), ValueError, "Got 'sigmod' instead"),
        (dict(loss="hinge"), ValueError, "'loss' parameter of gradient_check"),
        (dict(output_activation="identity", loss="binary_cross_entropy"), ValueError, "cost J is not finite"),
        (dict(grads={"dW1": np.zeros((4, 3))}), ValueError, "grads is missing 'db1'"),
        (dict(grads=[1, 2]), TypeError, "'grads' parameter of gradient_check must be a dict"),
        (dict(parameters={"W1": np.ones((4, 3))}), ValueError, "has 'W1' but no 'b1'"),
    ],
)
def test_bad_input_gets_a_clear_message(change, error, match):
    params, X, Y = _network("tanh", "sigmoid", 2)
    kwargs = dict(parameters=params, X=X, Y=Y, hidden_activation="tanh", output_activation="sigmoid")
    if "X" in change and change["X"].ndim == 2:
        kwargs["X"] = change["X"]
    kwargs.update(change)
    if kwargs["output_activation"] == "identity":
        kwargs["X"] = 10 * kwargs["X"]  # make some output a = z fall outside (0, 1)
    with pytest.raises(error, match=match):
        gradient_check(**kwargs)


# ------------------------------------------------------------------------------------ random_check


@pytest.mark.parametrize(
    "layer_dims, hidden, output",
    [
        ([5, 3], "tanh", "sigmoid"),  # denseflow gradcheck --layers 5,3 --hidden-activation tanh
        ([5, 3, 3], "tanh", "softmax"),
        ([4, 5, 4, 1], "relu", "sigmoid"),
        ([4, 5, 4, 3], "leaky_relu", "softmax"),
        ([3, 4, 2], "relu", "identity"),
        ([3, 4, 2], "sigmoid", "tanh"),
    ],
)
def test_random_check(layer_dims, hidden, output):
    report = random_check(layer_dims, hidden, output, seed=0)
    assert report.passed, report.format()
    assert report.hidden_activation == hidden and report.output_activation == output
    assert report["W1"].shape == (layer_dims[1], layer_dims[0])
    assert report == random_check(layer_dims, hidden, output, seed=0)  # reproducible
    if output not in ("sigmoid", "softmax"):
        assert report.loss == "squared_error"
    if hidden in ("relu", "leaky_relu") and len(layer_dims) > 2:
        assert report.kink_distance >= 1e3 * report.epsilon


def test_random_check_rejects_bad_arguments():
    with pytest.raises(ValueError, match="'layer_dims' parameter of random_check"):
        random_check([3])
    with pytest.raises(TypeError, match="'seed' parameter of random_check must be an int"):
        random_check(seed="0")
    with pytest.raises(ValueError, match="'initialization' parameter of random_check"):
        random_check(initialization="glorot")
    with pytest.raises(TypeError, match="'m' parameter of random_check must be an int"):
        random_check(m=2.5)


# --------------------------------------------------------- two engines: graph.Value vs model_backward


def _graph_network(params, X, Y, hidden, output):
    """The same cost J built from scalar Values: returns (J, W, b, A) as nested lists of Values."""
    L = len(params) // 2
    m = X.shape[1]
    A = [[Value(float(x)) for x in row] for row in X]
    nodes = {0: A}
    W, b = {}, {}
    for l in range(1, L + 1):
        W[l] = [[Value(float(w)) for w in row] for row in params[f"W{l}"]]
        b[l] = [Value(float(row[0])) for row in params[f"b{l}"]]
        n, n_prev = len(W[l]), len(W[l][0])
        # Z[l] = W[l] A[l-1] + b[l]
        Z = [[sum((W[l][i][j] * A[j][k] for j in range(n_prev)), b[l][i]) for k in range(m)]
             for i in range(n)]
        act = output if l == L else hidden
        if act == "softmax":
            E = [[z.exp() for z in row] for row in Z]
            totals = [sum(E[i][k] for i in range(n)) for k in range(m)]
            A = [[E[i][k] / totals[k] for k in range(m)] for i in range(n)]
        else:
            A = [[getattr(z, act)() for z in row] for row in Z]
        nodes[l] = A
    if output == "softmax":  # J = −(1/m) Σ Σ y log a
        losses = [-sum(float(Y[i, k]) * A[i][k].log() for i in range(len(A))) for k in range(m)]
    else:  # J = −(1/m) Σ [y log a + (1 − y) log(1 − a)]
        y = [float(v) for v in Y[0]]
        losses = [-(y[k] * A[0][k].log() + (1 - y[k]) * (1 - A[0][k]).log()) for k in range(m)]
    J = sum(losses[1:], losses[0]) * (1.0 / m)
    return J, W, b, nodes


def _grads_of(rows):
    return np.array([[v.grad for v in row] for row in rows])


@pytest.mark.parametrize(
    "dims, hidden, output",
    [
        ([2, 2, 1], "tanh", "sigmoid"),
        ([2, 3, 1], "relu", "sigmoid"),
        ([2, 2, 3], "sigmoid", "softmax"),
        ([3, 2, 2, 1], "tanh", "sigmoid"),
    ],
)
def test_two_engines_same_expression(dims, hidden, output):
    rng = np.random.default_rng(7)
    params = initialize_parameters(dims, method="xavier", seed=rng)
    for l in range(1, len(dims)):
        params[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    m = 2
    X = rng.standard_normal((dims[0], m))
    Y = np.eye(dims[-1])[[0, 2]].T if output == "softmax" else np.array([[1.0, 0.0]])

    AL, caches = model_forward(X, params, hidden, output)
    grads = model_backward(AL, Y, caches, hidden, output)
    J, W, b, A = _graph_network(params, X, Y, hidden, output)
    J.backward()

    loss = "categorical_cross_entropy" if output == "softmax" else "binary_cross_entropy"
    assert J.data == pytest.approx(get_loss(loss).cost(AL, Y, caches[-1].Z), abs=1e-14)
    for l in range(1, len(dims)):
        np.testing.assert_allclose(grads[f"dW{l}"], _grads_of(W[l]), rtol=0, atol=1e-12)
        np.testing.assert_allclose(grads[f"db{l}"], _grads_of([[v] for v in b[l]]), rtol=0, atol=1e-12)
        # dA[l−1] follows the course convention: m · ∂J/∂A[l−1].
        np.testing.assert_allclose(grads[f"dA{l - 1}"], m * _grads_of(A[l - 1]), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------ PyTorch autograd


@pytest.mark.parametrize(
    "hidden, output",
    [
        ("relu", "sigmoid"),
        ("tanh", "sigmoid"),
        ("sigmoid", "softmax"),
        ("leaky_relu", "softmax"),
        ("identity", "sigmoid"),
    ],
)
def test_model_backward_matches_torch_autograd(hidden, output):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    n_y = OUTPUTS[output]
    rng = np.random.default_rng(3)
    dims = [4, 5, 3, n_y]
    params = initialize_parameters(dims, method="he", seed=rng)
    for l in range(1, len(dims)):
        params[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    m = 6
    X = rng.standard_normal((dims[0], m))
    if output == "softmax":
        labels = rng.integers(0, n_y, m)
        Y = np.eye(n_y)[labels].T
    else:
        Y = rng.integers(0, 2, (1, m)).astype(float)

    AL, caches = model_forward(X, params, hidden, output)
    grads = model_backward(AL, Y, caches, hidden, output)

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    g = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
        "identity": lambda z: z,
    }[hidden]
    A = torch.tensor(X, dtype=torch.float64)
    L = len(dims) - 1
    for l in range(1, L):
        A = g(t[f"W{l}"] @ A + t[f"b{l}"])
    ZL = t[f"W{L}"] @ A + t[f"b{L}"]
    if output == "softmax":
        J = F.cross_entropy(ZL.T, torch.tensor(labels), reduction="mean")
    else:
        J = F.binary_cross_entropy_with_logits(ZL, torch.tensor(Y, dtype=torch.float64), reduction="mean")
    J.backward()
    for k in params:
        np.testing.assert_allclose(grads[f"d{k}"], t[k].grad.numpy(), rtol=1e-10, atol=1e-13)
