"""Bad input gets a clear ValueError/TypeError naming the parameter, the expectation and the fix."""

import numpy as np
import pytest

from denseflow.core.initializers import initialize_parameters
from denseflow.core.optimizers import update_parameters
from denseflow.core.propagation import (
    compute_cost,
    linear_backward,
    linear_forward,
    model_backward,
    model_forward,
)
from denseflow.models import DeepNetwork, LogisticRegression, ShallowNetwork

X = np.arange(12, dtype=float).reshape(3, 4) / 10
Y = np.array([[0, 1, 0, 1]])
PARAMS = initialize_parameters([3, 2, 1], method="he", seed=0)

CASES = [
    ("rank-1 X", lambda: model_forward(np.ones(3), PARAMS), ValueError, "reshape(1, -1)"),
    ("3-D X", lambda: model_forward(np.ones((3, 4, 2)), PARAMS), ValueError, "must be 2-D"),
    ("NaN in X", lambda: model_forward(np.where(X > 0.5, np.nan, X), PARAMS), ValueError, "contains NaN"),
    ("Inf in X", lambda: LogisticRegression().fit(np.where(X > 0.5, np.inf, X), Y), ValueError, "NaN or infinity"),
    ("string X", lambda: model_forward("abc", PARAMS), TypeError, "2-D numeric array"),
    ("object X", lambda: model_forward(np.array([[1, "a"]], dtype=object), PARAMS), TypeError, "must hold numbers"),
    ("m mismatch", lambda: LogisticRegression().fit(X, Y[:, :3]), ValueError, "same number of examples"),
    ("non-binary labels", lambda: LogisticRegression(output_activation="sigmoid").fit(X, np.array([[0, 1, 2, 1]])),
     ValueError, "binary labels 0/1"),
    ("two labels not 0/1", lambda: LogisticRegression().fit(X, np.array([[0, 2, 0, 2]])), ValueError, "Map your two classes"),
    ("non-binary cost", lambda: compute_cost(np.array([[0.5, 0.5]]), np.array([[0, 3]])), ValueError, "binary labels 0/1"),
    ("W wrong shape", lambda: model_forward(X, {**PARAMS, "W2": np.ones((1, 3))}), ValueError, "W2 has shape (1, 3)"),
    ("b wrong shape", lambda: model_forward(X, {**PARAMS, "b1": np.zeros(2)}), ValueError, "b1 has shape (2,)"),
    ("b wrong size", lambda: model_forward(X, {**PARAMS, "b1": np.zeros((3, 1))}), ValueError,
     "one entry per row of W1 (n[1] = 2)"),
    ("linear b wrong shape", lambda: linear_forward(X, np.ones((2, 3)), np.zeros((1, 2))), ValueError,
     "b has shape (1, 2) but must have shape (n[l], 1) = (2, 1). Use b.reshape(-1, 1)."),
    ("missing b", lambda: model_forward(X, {"W1": np.ones((1, 3))}), ValueError, "no 'b1'"),
    ("X features vs W1", lambda: model_forward(X[:2], PARAMS), ValueError, "W1 has shape (2, 3)"),
    ("unknown activation", lambda: model_forward(X, PARAMS, hidden_activation="sigmod"), ValueError, "Got 'sigmod' instead"),
    ("unknown initialization", lambda: initialize_parameters([2, 1], method="glorot"), ValueError, "'initialization' parameter"),
    ("bad layer dims", lambda: initialize_parameters([2, 0, 1]), ValueError, "positive ints"),
    ("negative learning rate", lambda: update_parameters(PARAMS, {}, -1), ValueError, "'learning_rate' parameter"),
    ("grads missing", lambda: update_parameters(PARAMS, {}, 0.1), ValueError, "missing 'dW1'"),
    ("dZ wrong shape", lambda: linear_backward(np.ones((2, 4)), (X, np.ones((1, 3)), np.zeros((1, 1)))), ValueError, "shape of Z"),
    ("linear_forward shapes", lambda: linear_forward(X, np.ones((2, 2)), np.zeros((2, 1))), ValueError, "(n[l], n[l-1])"),
    ("bad cache", lambda: linear_backward(np.ones((1, 4)), [X]), TypeError, "LinearCache"),
    ("model_backward caches", lambda: model_backward(np.ones((1, 4)) / 2, Y, None), TypeError, "caches"),
    ("fit n_x vs layer_dims", lambda: DeepNetwork([5, 3, 1]).fit(X, Y), ValueError, "X has 3 features, but DeepNetwork expects 5"),
    ("output size vs Y", lambda: DeepNetwork([3, 2, 2]).fit(X, Y), ValueError, "output layer"),
    ("hidden activation name", lambda: ShallowNetwork(hidden_activation="sigmod").fit(X, Y), ValueError,
     "The 'hidden_activation' parameter of ShallowNetwork must be one of"),
    ("num_iterations type", lambda: ShallowNetwork(num_iterations=1.5).fit(X, Y), TypeError, "'num_iterations'"),
    ("n_h zero", lambda: ShallowNetwork(n_h=0).fit(X, Y), ValueError, "'n_h'"),
    ("dtype", lambda: ShallowNetwork(dtype="float16").fit(X, Y), ValueError, "'dtype'"),
    ("predict before fit", lambda: ShallowNetwork().predict(X), ValueError, "not fitted yet"),
    ("transposed Y", lambda: LogisticRegression().fit(X, Y.T), ValueError, "pass Y.T"),
    ("one-hot not one-hot", lambda: DeepNetwork([3, 2, 3]).fit(X, np.ones((3, 4))), ValueError, "one-hot"),
    ("loss vs output", lambda: DeepNetwork([3, 1], output_activation="identity", loss="binary_cross_entropy").fit(X, Y),
     ValueError, "needs a sigmoid output"),
    ("seed out of range", lambda: ShallowNetwork(seed=-1).fit(X, Y), ValueError, "[0, 2**32 - 1]"),
    ("hidden_layers int", lambda: LogisticRegression().__class__.__mro__[1](hidden_layers=5).fit(X, Y), TypeError,
     "'hidden_layers' parameter"),
    ("initial_parameters shape", lambda: ShallowNetwork(n_h=3).fit(X, Y, initial_parameters=initialize_parameters([3, 2, 1])),
     ValueError, "W1 has shape (2, 3) but layer 1 needs"),
    ("ZL shape", lambda: compute_cost(np.array([[0.5, 0.5]]), np.array([[0, 1]]), ZL=np.zeros((1, 3))), ValueError,
     "ZL must have the shape of AL"),
    ("caches of another batch", lambda: model_backward(np.full((1, 2), 0.5), np.array([[0, 1]]),
                                                       model_forward(X, PARAMS)[1]), ValueError, "does not fit"),
    ("sample weights shape", lambda: LogisticRegression().fit(X, Y, sample_weight=np.ones(3)), ValueError, "sample_weight"),
]


@pytest.mark.parametrize("what, call, exc, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(what, call, exc, fragment):
    with pytest.raises(exc) as err:
        call()
    assert fragment in str(err.value)


def test_predict_on_wrong_n_x_after_fit():
    m = LogisticRegression(num_iterations=5)
    m.fit(X, Y)
    with pytest.raises(ValueError, match="X has 4 features, but LogisticRegression expects 3"):
        m.predict(np.ones((4, 2)))


def test_no_assert_statements_in_package():
    import ast
    import pathlib

    import denseflow

    root = pathlib.Path(denseflow.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        offenders += [f"{path.name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert offenders == []


@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("where", [None, 0, 999, 1000, 65_000, -1])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_block_by_block_finds_any_bad_value(monkeypatch, order, where, bad):
    import denseflow.core.validation as validation

    monkeypatch.setattr(validation, "_FINITE_BLOCK", 1000)  # many blocks, and a last short one
    base = np.random.default_rng(0).standard_normal((131, 1001))  # 131,131 entries
    X = np.asfortranarray(base) if order == "F" else base[:, ::2] if order == "strided" else base.copy()
    if where is not None:  # the where-th entry in memory order (a block's first or last, the very last)
        row, col = np.unravel_index(where % X.size, X.shape, order="F" if order == "F" else "C")
        X[row, col] = bad
    assert validation.all_finite(X) is (where is None)
    assert validation.check_array_2d(X, "X", finite=False) is not None
    if where is not None:
        with pytest.raises(ValueError, match=rf"X contains NaN or infinity \(first at row {row}, column {col}\)"):
            validation.check_array_2d(X, "X")
