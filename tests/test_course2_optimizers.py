"""Course 2, week 2: the optimizers' update rules (course functions and pure init/update pairs).

Oracles: the notebooks' unit-test values (old testCases.py with W2 (3, 3), and the 2021
public_tests.py with W2 (3, 2)), closed forms, the two views against each other bit for bit, and
PyTorch's torch.optim on the same gradients.
"""

import numpy as np
import pytest

from denseflow.core.optimizers import (
    OPTIMIZERS,
    AdamState,
    GradientDescentState,
    MomentumState,
    RMSpropState,
    adam,
    get_optimizer,
    gradient_descent,
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    momentum,
    rmsprop,
    update_parameters,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_rmsprop,
)


def course_case(w2_shape):
    """The notebooks' test case: np.random.seed(1); W1, b1, W2, b2, dW1, db1, dW2, db2 in that order."""
    rs = np.random.RandomState(1)
    W1, b1, W2, b2 = rs.randn(2, 3), rs.randn(2, 1), rs.randn(*w2_shape), rs.randn(3, 1)
    dW1, db1, dW2, db2 = rs.randn(2, 3), rs.randn(2, 1), rs.randn(*w2_shape), rs.randn(3, 1)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def assert_printed(actual, expected):
    """Equal to the 8 decimals the notebooks print."""
    np.testing.assert_allclose(actual, np.array(expected), rtol=0, atol=5e-9)


# --------------------------------------------------------------------- the notebooks' values

OLD_GD = {
    "W1": [[1.63535156, -0.62320365, -0.53718766], [-1.07799357, 0.85639907, -2.29470142]],
    "b1": [[1.74604067], [-0.75184921]],
    "W2": [[0.32171798, -0.25467393, 1.46902454], [-2.05617317, -0.31554548, -0.3756023],
           [1.1404819, -1.09976462, -0.1612551]],
    "b2": [[-0.88020257], [0.02561572], [0.57539477]],
}
NEW_GD = {
    "W1": [[1.63312395, -0.61217855, -0.5339999], [-1.06196243, 0.85396039, -2.3105546]],
    "b1": [[1.73978682], [-0.77021546]],
    "W2": [[0.32587637, -0.24814147], [1.47146563, -2.05746183], [-0.32772076, -0.37713775]],
    "b2": [[1.13773698], [-1.09301954], [-0.16397615]],
}


@pytest.mark.parametrize("w2_shape, expected", [((3, 3), OLD_GD), ((3, 2), NEW_GD)], ids=["old", "2021"])
def test_update_parameters_with_gd_matches_notebook(w2_shape, expected):
    params, grads = course_case(w2_shape)
    new = update_parameters_with_gd(params, grads, 0.01)
    for key, value in expected.items():
        assert_printed(new[key], value)


OLD_MOMENTUM = {
    "W1": [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]],
    "b1": [[1.74493465], [-0.76027113]],
    "W2": [[0.31930698, -0.24990073, 1.4627996], [-2.05974396, -0.32173003, -0.38320915],
           [1.13444069, -1.0998786, -0.1713109]],
    "b2": [[-0.87809283], [0.04055394], [0.58207317]],
    "v:dW1": [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]],
    "v:db1": [[-0.01228902], [-0.09357694]],
    "v:dW2": [[-0.02678881, 0.05303555, -0.06916608], [-0.03967535, -0.06871727, -0.08452056],
              [-0.06712461, -0.00126646, -0.11173103]],
    "v:db2": [[0.02344157], [0.16598022], [0.07420442]],
}
NEW_MOMENTUM = {
    "W1": [[1.62522322, -0.61179863, -0.52875457], [-1.071868, 0.86426291, -2.30244029]],
    "b1": [[1.74430927], [-0.76210776]],
    "W2": [[0.31972282, -0.24924749], [1.46304371, -2.05987282], [-0.32294756, -0.38336269]],
    "b2": [[1.1341662], [-1.09920409], [-0.171583]],
    "v:dW1": [[-0.08778584, 0.00422137, 0.05828152], [-0.11006192, 0.11447237, 0.09015907]],
    "v:db1": [[0.05024943], [0.09008559]],
    "v:dW2": [[-0.06837279, -0.01228902], [-0.09357694, -0.02678881], [0.05303555, -0.06916608]],
    "v:db2": [[-0.03967535], [-0.06871727], [-0.08452056]],
}


@pytest.mark.parametrize("w2_shape, expected", [((3, 3), OLD_MOMENTUM), ((3, 2), NEW_MOMENTUM)],
                         ids=["old", "2021"])
def test_update_parameters_with_momentum_matches_notebook(w2_shape, expected):
    params, grads = course_case(w2_shape)
    v = initialize_velocity(params)
    new, v = update_parameters_with_momentum(params, grads, v, beta=0.9, learning_rate=0.01)
    for key, value in expected.items():
        assert_printed(v[key[2:]] if key.startswith("v:") else new[key], value)


OLD_ADAM = {
    "W1": [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]],
    "b1": [[1.75225313], [-0.75376553]],
    "W2": [[0.32648046, -0.25681174, 1.46954931], [-2.05269934, -0.31497584, -0.37661299],
           [1.14121081, -1.09244991, -0.16498684]],
    "b2": [[-0.88529979], [0.03477238], [0.57537385]],
    "s:dW1": [[0.00121136, 0.00131039, 0.00081287], [0.0002525, 0.00081154, 0.00046748]],
    "s:db1": [[1.51020075e-05], [8.75664434e-04]],
    "s:dW2": [[7.17640232e-05, 2.81276921e-04, 4.78394595e-04], [1.57413361e-04, 4.72206320e-04, 7.14372576e-04],
              [4.50571368e-04, 1.60392066e-07, 1.24838242e-03]],
    "s:db2": [[5.49507194e-05], [2.75494327e-03], [5.50629536e-04]],
}


def test_update_parameters_with_adam_matches_old_notebook():
    params, grads = course_case((3, 3))
    v, s = initialize_adam(params)
    new, v, s, _, _ = update_parameters_with_adam(params, grads, v, s, t=2)  # lr .01, β1 .9, β2 .999, ε 1e-8
    for key, value in OLD_ADAM.items():
        if key.startswith("s:") and key != "s:dW1":  # printed as 1.51020075e-05: 9 significant digits
            np.testing.assert_allclose(s[key[2:]], value, rtol=5e-9, atol=0)
        elif key.startswith("s:"):
            assert_printed(s[key[2:]], value)
        else:
            assert_printed(new[key], value)
    for key, value in OLD_MOMENTUM.items():  # the notebook: v is the same as in the momentum test
        if key.startswith("v:"):
            assert_printed(v[key[2:]], value)


def test_update_parameters_with_adam_matches_2021_public_tests():
    params, grads = course_case((3, 2))
    v, s = initialize_adam(params)
    t, lr, beta1, beta2, eps = 2, 0.02, 0.8, 0.888, 1e-2
    new, v, s, vc, sc = update_parameters_with_adam(params, grads, v, s, t, lr, beta1, beta2, eps)
    rows = {
        "v:dW1": [-0.17557168, 0.00844275, 0.11656304], "v:dW2": [-0.13674557, -0.02457805],
        "v:db1": [0.10049887], "v:db2": [-0.07935071],
        "s:dW1": [0.08631117, 0.00019958, 0.03804344], "s:dW2": [0.05235818, 0.00169142],
        "s:db1": [0.02828006], "s:db2": [0.0176303],
        "W1": [1.63937725, -0.62327448, -0.54308727], "W2": [0.33400549, -0.23563857],
        "b1": [1.72995096], "b2": [1.14852557],
    }
    state = {"v": v, "s": s}
    for key, value in rows.items():
        actual = state[key[0]][key[2:]] if ":" in key else new[key]
        assert_printed(actual[0], value)
    assert_printed(new["W1"], [[1.63937725, -0.62327448, -0.54308727], [-1.0578897, 0.85032154, -2.31657668]])
    assert_printed(new["W2"], [[0.33400549, -0.23563857], [1.47715417, -2.04561842], [-0.33729882, -0.36908457]])
    assert_printed(new["b1"], [[1.72995096], [-0.7762447]])
    assert_printed(new["b2"], [[1.14852557], [-1.08492339], [-0.15740527]])
    # public_tests: vc = v · 1/(1 − β1^t), sc = s · 1/(1 − β2^t)
    for k in v:
        np.testing.assert_allclose(vc[k], v[k] * (1 / (1 - beta1**t)), rtol=1e-15)
        np.testing.assert_allclose(sc[k], s[k] * (1 / (1 - beta2**t)), rtol=1e-15)


@pytest.mark.parametrize("init", [initialize_velocity, initialize_rmsprop, lambda p: initialize_adam(p)[1]])
def test_state_initializers_give_zeros_shaped_like_the_parameters(init):
    # 2021 initialize_velocity_test case: W1 (3, 2), b1 (3, 1), W2 (3, 3), b2 (3, 1)
    params = {"W1": np.ones((3, 2)), "b1": np.ones((3, 1)), "W2": np.ones((3, 3)), "b2": np.ones((3, 1))}
    state = init(params)
    assert list(state) == ["dW1", "db1", "dW2", "db2"]
    for key, value in state.items():
        assert value.shape == params[key[1:]].shape and value.dtype == np.float64
        np.testing.assert_array_equal(value, 0.0)


def test_initialize_adam_gives_two_separate_dicts():
    v, s = initialize_adam({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))})
    assert v is not s and v["dW1"] is not s["dW1"]


def test_float32_parameters_keep_float32_state():
    state = adam().init({"W1": np.ones((2, 3), np.float32), "b1": np.zeros((2, 1), np.float32)})
    assert state.v["dW1"].dtype == np.float32 and state.s["db1"].dtype == np.float32


# ------------------------------------------------------------------------------ closed forms


def test_one_step_of_each_rule_by_hand():
    p = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    g = {"dW1": np.array([[0.2, -4.0]]), "db1": np.array([[1.0]])}
    lr = 0.1
    new, v = update_parameters_with_momentum(p, g, initialize_velocity(p), beta=0.8, learning_rate=lr)
    np.testing.assert_allclose(v["dW1"], [[0.04, -0.8]], rtol=1e-15)  # (1 − 0.8) g
    np.testing.assert_allclose(new["W1"], [[0.996, -1.92]], rtol=1e-15)
    new, s = update_parameters_with_rmsprop(p, g, initialize_rmsprop(p), beta=0.9, learning_rate=lr, epsilon=0.0)
    np.testing.assert_allclose(s["dW1"], [[0.004, 1.6]], rtol=1e-14)  # 0.1 g²
    np.testing.assert_allclose(new["W1"], [[1 - 0.1 * 0.2 / np.sqrt(0.004), -2 + 0.1 * 4 / np.sqrt(1.6)]], rtol=1e-14)
    v, s = initialize_adam(p)
    new, v, s, vc, sc = update_parameters_with_adam(p, g, v, s, t=1, learning_rate=lr, epsilon=0.0)
    np.testing.assert_allclose(vc["dW1"], g["dW1"], rtol=1e-14)  # bias correction undoes (1 − β) at t = 1
    np.testing.assert_allclose(sc["dW1"], g["dW1"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(new["W1"], p["W1"] - lr * np.sign(g["dW1"]), rtol=1e-12)  # a step of α
    np.testing.assert_allclose(new["b1"], [[0.4]], rtol=1e-12)


@pytest.mark.parametrize("t", [1, 2, 10, 1000])
def test_adam_bias_correction_with_a_constant_gradient(t):
    # With dθ = g at every step: v = (1 − β1^t) g and s = (1 − β2^t) g², so v̂ = g, ŝ = g².
    p = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    g = {"dW1": np.array([[3.0, -0.5]]), "db1": np.array([[2.0]])}
    opt = adam(learning_rate=0.01, epsilon=0.0)
    state = opt.init(p)
    for _ in range(t):
        p, state = opt.update(g, state, p)
    assert state.step == t
    np.testing.assert_allclose(state.v["dW1"], (1 - 0.9**t) * g["dW1"], rtol=1e-12)
    np.testing.assert_allclose(state.s["dW1"], (1 - 0.999**t) * g["dW1"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(p["W1"], -0.01 * t * np.sign(g["dW1"]), rtol=1e-9)


def test_momentum_with_a_constant_gradient_is_a_geometric_series():
    p = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    g = {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}
    opt = momentum(learning_rate=1.0, beta=0.5)
    state = opt.init(p)
    for _ in range(3):
        p, state = opt.update(g, state, p)
    # v = 0.5, 0.75, 0.875; W = −(0.5 + 0.75 + 0.875)
    np.testing.assert_allclose(state.v["dW1"], [[0.875]], rtol=1e-15)
    np.testing.assert_allclose(p["W1"], [[-2.125]], rtol=1e-15)


# ------------------------------------------------------------------ the two views, bit for bit


def random_problem(seed, dims=(3, 4, 2)):
    rs = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"], params[f"b{l}"] = rs.randn(dims[l], dims[l - 1]), rs.randn(dims[l], 1)
    grads = [{"d" + k: rs.randn(*v.shape) for k, v in params.items()} for _ in range(5)]
    return params, grads


def test_gradient_descent_is_update_parameters_bit_for_bit():
    params, grads = random_problem(0)
    opt = gradient_descent(0.05)
    state = opt.init(params)
    a = b = c = params
    for g in grads:
        a, state = opt.update(g, state, a)
        b = update_parameters(b, g, 0.05)
        c = update_parameters_with_gd(c, g, 0.05)
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k], c[k])
        np.testing.assert_array_equal(b[k], params[k] - 0.05 * grads[0]["d" + k] - 0.05 * grads[1]["d" + k]
                                      - 0.05 * grads[2]["d" + k] - 0.05 * grads[3]["d" + k] - 0.05 * grads[4]["d" + k])
    assert state == GradientDescentState(5)


def test_pure_momentum_equals_the_course_function_bit_for_bit():
    params, grads = random_problem(1)
    opt = momentum(learning_rate=0.01, beta=0.9)
    state = opt.init(params)
    a, b, v = params, params, initialize_velocity(params)
    for g in grads:
        a, state = opt.update(g, state, a)
        b, v = update_parameters_with_momentum(b, g, v, 0.9, 0.01)
    assert isinstance(state, MomentumState) and state.step == 5
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(state.v["d" + k], v["d" + k])


def test_pure_rmsprop_equals_the_course_function_bit_for_bit():
    params, grads = random_problem(2)
    opt = rmsprop(learning_rate=0.01, beta=0.95, epsilon=1e-6)
    state = opt.init(params)
    a, b, s = params, params, initialize_rmsprop(params)
    for g in grads:
        a, state = opt.update(g, state, a)
        b, s = update_parameters_with_rmsprop(b, g, s, beta=0.95, learning_rate=0.01, epsilon=1e-6)
    assert isinstance(state, RMSpropState) and state.step == 5
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(state.s["d" + k], s["d" + k])


def test_pure_adam_equals_the_course_function_and_the_notebooks_arithmetic_bit_for_bit():
    params, grads = random_problem(3)
    opt = adam(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8)
    state = opt.init(params)
    a, b, (v, s) = params, params, initialize_adam(params)
    c, vn, sn = dict(params), {k: np.zeros_like(x) for k, x in v.items()}, {k: np.zeros_like(x) for k, x in s.items()}
    for t, g in enumerate(grads, start=1):
        a, state = opt.update(g, state, a)
        b, v, s, _, _ = update_parameters_with_adam(b, g, v, s, t, 0.01, 0.9, 0.999, 1e-8)
        for k in params:  # the notebook's solution, literally (np.power)
            d = "d" + k
            vn[d] = 0.9 * vn[d] + (1 - 0.9) * g[d]
            v_corrected = vn[d] / (1 - 0.9**t)
            sn[d] = 0.999 * sn[d] + (1 - 0.999) * np.power(g[d], 2)
            s_corrected = sn[d] / (1 - 0.999**t)
            c[k] = c[k] - 0.01 * v_corrected / (np.sqrt(s_corrected) + 1e-8)
    assert isinstance(state, AdamState) and state.step == 5
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k], c[k])
        np.testing.assert_array_equal(state.s["d" + k], sn["d" + k])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_updates_leave_their_inputs_unchanged(name):
    params, grads = random_problem(4)
    before = {k: v.copy() for k, v in params.items()}
    opt = get_optimizer(name, learning_rate=0.1)
    state = opt.init(params)
    new, new_state = opt.update(grads[0], state, params)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert not np.array_equal(new[k], params[k])
    assert state.step == 0 and new_state.step == 1
    for field in state[1:]:  # the zero moving averages are not written into
        assert all(not np.any(x) for x in field.values())


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_learning_rate_passed_to_update_overrides_the_default(name):
    params, grads = random_problem(5)
    slow, fast = get_optimizer(name, learning_rate=0.1), get_optimizer(name, learning_rate=0.3)
    a, _ = slow.update(grads[0], slow.init(params), params, learning_rate=0.3)
    b, _ = fast.update(grads[0], fast.init(params), params)
    for k in params:
        np.testing.assert_array_equal(a[k], b[k])


# --------------------------------------------------------------------------------- PyTorch


def torch_run(torch_optimizer, params, grads):
    torch = pytest.importorskip("torch")
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    opt = torch_optimizer(list(tensors.values()))
    for g in grads:
        opt.zero_grad()
        for k, t in tensors.items():
            t.grad = torch.tensor(g["d" + k], dtype=torch.float64)
        opt.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


def denseflow_run(opt, params, grads):
    state = opt.init(params)
    for g in grads:
        params, state = opt.update(g, state, params)
    return params


TORCH_CASES = {
    # name: (denseflow optimizer, torch optimizer factory)
    "sgd": (lambda: gradient_descent(0.05), lambda torch, ps: torch.optim.SGD(ps, lr=0.05)),
    # The course's v = β v + (1 − β) g is PyTorch's buffer b = β b + g times (1 − β): the same steps
    # when PyTorch's learning rate is α (1 − β) (dampening 0, no Nesterov).
    "momentum": (lambda: momentum(0.05, beta=0.9), lambda torch, ps: torch.optim.SGD(ps, lr=0.05 * (1 - 0.9), momentum=0.9)),
    "rmsprop": (lambda: rmsprop(0.01, beta=0.95, epsilon=1e-8),
                lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.95, eps=1e-8)),
    "adam": (lambda: adam(0.01, beta1=0.85, beta2=0.99, epsilon=1e-8),
             lambda torch, ps: torch.optim.Adam(ps, lr=0.01, betas=(0.85, 0.99), eps=1e-8)),
}


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_optimizers_take_the_same_steps_as_torch_optim(case):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH_CASES[case]
    params, grads = random_problem(6, dims=(4, 5, 3, 2))
    expected = torch_run(lambda ps: theirs(torch, ps), params, grads)
    got = denseflow_run(ours(), params, grads)
    for k in params:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-12, atol=1e-14)
        assert not np.allclose(got[k], params[k])


def test_momentum_with_dampening_is_not_the_course_rule():
    # PyTorch's dampening = 1 − β looks like the course's rule but starts its buffer at g, not (1 − β) g.
    torch = pytest.importorskip("torch")
    params, grads = random_problem(7)
    damped = torch_run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1), params, grads)
    got = denseflow_run(momentum(0.05, beta=0.9), params, grads)
    assert not np.allclose(got["W1"], damped["W1"], rtol=1e-6)


# ------------------------------------------------------------------------ registry and errors


def test_registry_names_and_factories():
    assert sorted(OPTIMIZERS) == ["adam", "gd", "momentum", "rmsprop"]
    assert OPTIMIZERS["adam"].hyperparameters == ("learning_rate", "beta1", "beta2", "epsilon")
    opt = get_optimizer("rmsprop", learning_rate=0.02, beta=0.8)
    assert opt.name == "rmsprop" and dict(opt.hyperparameters) == {"learning_rate": 0.02, "beta": 0.8, "epsilon": 1e-8}
    assert get_optimizer("gd", learning_rate=0.1).name == "gradient_descent"


def test_unknown_optimizer_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"The 'optimizer' parameter of get_optimizer must be one of "
                                         r"\{'adam', 'gd', 'momentum', 'rmsprop'\}\. Got 'sgd' instead\."):
        get_optimizer("sgd")


@pytest.mark.parametrize("name, kwargs, error, match", [
    ("adam", {"beta": 0.9}, TypeError, r"'adam' does not take \['beta'\]; it takes \['learning_rate', 'beta1'"),
    ("gd", {}, TypeError, "needs a learning_rate"),
    ("momentum", {"beta": 1.0}, ValueError, r"'beta' parameter of momentum must be a number in \[0, 1\)"),
    ("adam", {"beta2": -0.1}, ValueError, r"'beta2' parameter of adam must be a finite number >= 0"),
    ("rmsprop", {"learning_rate": 0}, ValueError, r"'learning_rate' parameter of rmsprop must be a finite number > 0"),
    ("adam", {"epsilon": "1e-8"}, TypeError, r"'epsilon' parameter of adam must be a number"),
])
def test_bad_hyperparameters_are_named(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        get_optimizer(name, **kwargs)


def test_course_functions_check_their_inputs():
    params, grads = course_case((3, 2))
    with pytest.raises(ValueError, match=r"grads is missing 'db2'"):
        update_parameters_with_gd(params, {k: v for k, v in grads.items() if k != "db2"}, 0.1)
    with pytest.raises(ValueError, match=r"v\['dW2'\] must have the shape of W2, \(3, 2\); got shape \(3, 3\)"):
        update_parameters_with_momentum(params, grads, initialize_velocity(course_case((3, 3))[0]), 0.9, 0.01)
    v, s = initialize_adam(params)
    with pytest.raises(ValueError, match=r"The 't' parameter of update_parameters_with_adam must be an int >= 1"):
        update_parameters_with_adam(params, grads, v, s, t=0)
    with pytest.raises(TypeError, match=r"s must be the dict returned by initialize_rmsprop"):
        update_parameters_with_rmsprop(params, grads, None)
