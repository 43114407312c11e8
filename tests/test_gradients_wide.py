"""Every (output, loss) pair at output widths above 1, and sample weights, against central differences.

scikit-learn's MLP once shipped a loss/gradient mismatch for several outputs that a width-1 check
could not see; these checks cover the wide cases explicitly.
"""

import numpy as np
import pytest
from _differences import central_differences

from denseflow.core.activations import get_activation
from denseflow.core.initializers import initialize_parameters
from denseflow.core.losses import get_loss
from denseflow.core.propagation import _model_forward
from denseflow.gradcheck import gradient_check
from denseflow.training import ReferenceEngine


def _data(n_x, n_y, m, seed, kind):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    if kind == "binary":
        Y = (rng.random((n_y, m)) > 0.5).astype(float)  # n_y independent binary outputs
    elif kind == "onehot":
        Y = np.eye(n_y)[rng.integers(0, n_y, m)].T
    else:
        Y = rng.normal(size=(n_y, m))
    return X, Y


@pytest.mark.parametrize(
    "output, loss, kind, n_y",
    [
        ("sigmoid", "binary_cross_entropy", "binary", 3),
        ("softmax", "categorical_cross_entropy", "onehot", 4),
        ("identity", "squared_error", "real", 2),
        ("sigmoid", "squared_error", "binary", 2),
        ("tanh", "squared_error", "real", 3),
    ],
)
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_wide_outputs_match_central_differences(output, loss, kind, n_y, hidden):
    X, Y = _data(3, n_y, 6, 0, kind)
    params = initialize_parameters([3, 4, n_y], "xavier", seed=1)
    report = gradient_check(params, X, Y, hidden_activation=hidden, output_activation=output, loss=loss,
                            epsilon=1e-6, threshold=1e-7)
    assert report.passed, str(report)


@pytest.mark.parametrize("output, loss, kind, n_y", [
    ("sigmoid", "binary_cross_entropy", "binary", 1),
    ("softmax", "categorical_cross_entropy", "onehot", 3),
    ("identity", "squared_error", "real", 2),
])
def test_weighted_gradients_match_central_differences(output, loss, kind, n_y):
    # J = Σ w(i) L(i) / Σ w(i): the engine's dW, db against two-sided differences of that J.
    X, Y = _data(3, n_y, 7, 2, kind)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=(1, 7))
    params = initialize_parameters([3, 4, n_y], "xavier", seed=4)
    hidden, out, lossr = get_activation("tanh"), get_activation(output), get_loss(loss)
    engine = ReferenceEngine(params, X, Y, hidden, out, lossr, 0.1, sample_weight=w)
    AL, caches = _model_forward(X, params, hidden, out)
    grads = engine.gradients(AL, caches)

    def J(p):
        A, c = _model_forward(X, p, hidden, out)
        return engine._cost(A, c)

    numerics = central_differences(J, params)
    for key in params:
        numeric = numerics["d" + key]
        analytic = grads["d" + key]
        rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
        assert rel < 1e-7, (key, rel)
