"""Tests of the scalar computation-graph engine (denseflow.graph)."""

import math

import numpy as np
import pytest

from denseflow.graph import (
    CourseExample,
    Explanation,
    Value,
    course_example,
    exp,
    explain,
    log,
    logistic_example,
    relu,
    sigmoid,
    tanh,
)

# ------------------------------------------------------------------------- closed forms (notes)


def test_course_example_values_and_derivatives():
    ex = course_example()
    assert isinstance(ex, CourseExample)
    assert (ex.u.data, ex.v.data, ex.J.data) == (6.0, 11.0, 33.0)
    assert ex.J.grad == 1.0
    assert (ex.v.grad, ex.u.grad) == (3.0, 3.0)
    assert (ex.a.grad, ex.b.grad, ex.c.grad) == (3.0, 6.0, 9.0)


@pytest.mark.parametrize("a, b, c", [(5, 3, 2), (0, 0, 0), (-1.5, 2.5, 4.0), (1e3, -7, 0.25)])
def test_course_example_closed_form(a, b, c):
    ex = course_example(a, b, c)
    assert ex.J.data == pytest.approx(3 * (a + b * c), rel=1e-15)
    # dJ/da = 3, dJ/db = 3c, dJ/dc = 3b
    assert (ex.a.grad, ex.b.grad, ex.c.grad) == (3.0, 3.0 * c, 3.0 * b)


def test_course_example_explanation_lines():
    explanation = course_example().explain()
    assert isinstance(explanation, Explanation)
    assert explanation.forward == (
        "u = b * c = 3 * 2 = 6",
        "v = a + u = 5 + 6 = 11",
        "J = 3 * v = 3 * 11 = 33",
    )
    assert explanation.backward == (
        "dJ/dJ = 1",
        "dJ/dv = 3",
        "dJ/da = dJ/dv · dv/da = 3 · 1 = 3",
        "dJ/du = dJ/dv · dv/du = 3 · 1 = 3",
        "dJ/db = dJ/du · du/db = 3 · 2 = 6",
        "dJ/dc = dJ/du · du/dc = 3 · 3 = 9",
    )
    text = str(explanation)
    assert text.startswith("Forward pass")
    assert "Backward pass" in text
    assert len(text.splitlines()) == 2 + len(explanation.lines()) == 11


def test_explain_names_unlabeled_nodes_and_sums_over_users():
    x = Value(2.0, "x")
    y = x * x + 3 * x
    lines = explain(y).lines()
    assert lines[:3] == ["t1 = x * x = 2 * 2 = 4", "t2 = 3 * x = 3 * 2 = 6", "J = t1 + t2 = 4 + 6 = 10"]
    # x is used by two nodes: its line adds both chain-rule terms (2x + 3 = 7).
    assert lines[-1] == "dJ/dx = dJ/dt1 · dt1/dx + dJ/dt2 · dt2/dx = 1 · 4 + 1 · 3 = 7"
    assert x.grad == 7.0


def test_explain_leaves_the_gradients_of_a_fresh_backward():
    ex = logistic_example()
    before = [n.grad for n in ex]
    explain(ex.L)
    assert [n.grad for n in ex] == before


# ------------------------------------------------------------- one-example logistic regression


def _logistic_graph(x1, x2, w1, w2, b, y):
    x1, x2, w1, w2, b = (Value(v) for v in (x1, x2, w1, w2, b))
    z = w1 * x1 + w2 * x2 + b
    a = sigmoid(z)
    L = -(y * log(a) + (1 - y) * log(1 - a))
    L.backward()
    return x1, x2, w1, w2, b, z, a, L


@pytest.mark.parametrize(
    "x1, x2, w1, w2, b, y",
    [
        (1.0, 2.0, 0.5, -0.25, 0.5, 1),
        (1.0, 2.0, 0.5, -0.25, 0.5, 0),
        (-3.0, 0.7, 1.2, 2.0, -0.4, 1),
        (0.3, -1.1, -2.0, 0.5, 1.5, 0),
    ],
)
def test_logistic_regression_graph_matches_the_notes(x1, x2, w1, w2, b, y):
    nodes = _logistic_graph(x1, x2, w1, w2, b, y)
    _, _, w1_, w2_, b_, z, a, L = nodes
    z_value = w1 * x1 + w2 * x2 + b
    a_value = 1.0 / (1.0 + math.exp(-z_value))
    assert z.data == pytest.approx(z_value, abs=1e-15)
    assert a.data == pytest.approx(a_value, rel=1e-14)
    assert L.data == pytest.approx(-(y * math.log(a_value) + (1 - y) * math.log(1 - a_value)), rel=1e-13)
    dz = a_value - y  # the notes: dz = a − y
    assert a.grad == pytest.approx(-y / a_value + (1 - y) / (1 - a_value), rel=1e-12)  # da
    assert z.grad == pytest.approx(dz, abs=1e-14)
    assert w1_.grad == pytest.approx(x1 * dz, abs=1e-14)  # dw1 = x1 dz
    assert w2_.grad == pytest.approx(x2 * dz, abs=1e-14)  # dw2 = x2 dz
    assert b_.grad == pytest.approx(dz, abs=1e-14)  # db = dz
    ex = logistic_example(x1, x2, w1, w2, b, y)
    assert (ex.z.grad, ex.w1.grad, ex.w2.grad, ex.b.grad, ex.L.data) == pytest.approx(
        (z.grad, w1_.grad, w2_.grad, b_.grad, L.data), abs=1e-15
    )


# --------------------------------------------------------------- every op vs central differences

UNARY = {
    "x + 2.5": lambda x: x + 2.5,
    "2.5 + x": lambda x: 2.5 + x,
    "x - 4": lambda x: x - 4,
    "4 - x": lambda x: 4 - x,
    "x * -1.5": lambda x: x * -1.5,
    "-1.5 * x": lambda x: -1.5 * x,
    "x / 3": lambda x: x / 3,
    "3 / x": lambda x: 3 / x,
    "-x": lambda x: -x,
    "x ** 2": lambda x: x**2,
    "x ** 3": lambda x: x**3,
    "x ** -1": lambda x: x**-1,
    "x ** 0.5": lambda x: x**0.5,
    "x ** 0": lambda x: x**0,
    "2 ** x": lambda x: 2**x,
    "exp": lambda x: exp(x),
    "log": lambda x: log(x),
    "tanh": lambda x: tanh(x),
    "sigmoid": lambda x: sigmoid(x),
    "relu": lambda x: relu(x),
    "x.exp()": lambda x: x.exp(),
    "x.tanh()": lambda x: x.tanh(),
}


def _central(f, x, h=1e-6):
    return (f(Value(x + h)).data - f(Value(x - h)).data) / (2 * h)


@pytest.mark.parametrize("x0", [0.7, 1.9, -1.3])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_derivative_matches_central_difference(name, x0):
    f = UNARY[name]
    if name in ("log", "x ** 0.5") and x0 < 0:
        x0 = -x0
    x = Value(x0)
    out = f(x)
    out.backward()
    assert x.grad == pytest.approx(_central(f, x0), rel=1e-7, abs=1e-9)


BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
}


@pytest.mark.parametrize("x0, y0", [(0.8, -1.7), (-2.5, 0.4), (3.0, 3.0)])
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_derivatives_match_central_differences(op, x0, y0):
    f = BINARY[op]
    x, y = Value(x0, "x"), Value(y0, "y")
    out = f(x, y)
    out.backward()
    h = 1e-6
    dx = (f(Value(x0 + h), Value(y0)).data - f(Value(x0 - h), Value(y0)).data) / (2 * h)
    dy = (f(Value(x0), Value(y0 + h)).data - f(Value(x0), Value(y0 - h)).data) / (2 * h)
    assert x.grad == pytest.approx(dx, rel=1e-7, abs=1e-9)
    assert y.grad == pytest.approx(dy, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("x0, expected", [(2.0, 1.0), (-2.0, 0.0), (0.0, 0.0)])
def test_relu_derivative_is_zero_at_and_below_the_kink(x0, expected):
    x = Value(x0)
    relu(x).backward()
    assert x.grad == expected


def test_a_composite_expression_matches_central_differences():
    def f(x, y):
        return tanh(x * y + exp(y / 2)) * sigmoid(x - y) / (1 + x**2)

    x, y = Value(0.3), Value(-0.8)
    f(x, y).backward()
    h = 1e-6
    dx = (f(Value(0.3 + h), Value(-0.8)).data - f(Value(0.3 - h), Value(-0.8)).data) / (2 * h)
    dy = (f(Value(0.3), Value(-0.8 + h)).data - f(Value(0.3), Value(-0.8 - h)).data) / (2 * h)
    assert (x.grad, y.grad) == pytest.approx((dx, dy), rel=1e-7)


# -------------------------------------------------------------- accumulation, depth, backward twice


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x: x * x, 2 * 3.0),  # x used twice by one node
        (lambda x: x + x + x, 3.0),  # by two nodes
        (lambda x: (x * 2) * (x + 1), 4 * 3.0 + 2),  # a diamond: d/dx 2x(x+1) = 4x + 2
        (lambda x: x / x, 0.0),
        (lambda x: x - x, 0.0),
    ],
)
def test_gradients_accumulate_over_every_use(build, expected):
    x = Value(3.0)
    build(x).backward()
    assert x.grad == pytest.approx(expected, abs=1e-15)


def test_a_100000_node_chain_needs_no_recursion():
    x = Value(1.0, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    order = y.topological_order()
    assert len(order) == 200_001  # x, 100,000 constants, 100,000 products
    assert order[0] is x and order[-1] is y
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    assert y.data == pytest.approx(1.00001**100_000, rel=1e-9)


def test_topological_order_puts_parents_first():
    ex = course_example()
    order = ex.J.topological_order()
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)
    assert len(order) == 7  # a, b, c, the constant 3, u, v, J


def test_backward_twice_gives_the_same_gradients():
    ex = course_example()
    ex.J.backward()
    ex.J.backward()
    grads = (ex.a.grad, ex.b.grad, ex.c.grad, ex.u.grad, ex.v.grad, ex.J.grad)
    assert grads == (3.0, 6.0, 9.0, 3.0, 3.0, 1.0)


def test_backward_recomputes_for_the_node_it_is_called_on():
    x = Value(2.0)
    f, g = x * x, 5 * x
    f.backward()
    assert x.grad == 4.0
    g.backward()  # only g's graph: x's gradient is d g/dx, not the sum
    assert x.grad == 5.0
    (f + g).backward()  # the way to add the gradients of two outputs
    assert x.grad == 9.0


def test_graph_structure_is_recorded():
    a, b = Value(1.5, "a"), Value(-2.0, "b")
    out = a * b
    assert out.parents == (a, b) and out.op == "*"
    assert a.parents == () and a.op == ""
    c = 3 * a
    assert c.parents[1] is a and c.parents[0].data == 3.0  # the constant keeps its left position
    assert out.name == out.label == ""
    out.name = "ab"
    assert out.label == "ab"
    assert repr(out) == "Value(data=-3, grad=0, label='ab')"
    assert (a**2).op == "**2"


def test_exp_overflow_gives_infinity_not_an_error():
    assert exp(Value(1000.0)).data == math.inf


def test_numpy_scalars_are_numbers():
    x = Value(np.float64(2.0)) * np.int64(3)
    assert isinstance(x.data, float) and x.data == 6.0


# ---------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("data", ["1.0", None, [1.0], True, 1 + 2j, np.array([1.0])])
def test_value_rejects_non_numbers(data):
    with pytest.raises(TypeError, match="'data' parameter of Value must be a real number.*Got"):
        Value(data)


@pytest.mark.parametrize("data", [math.nan, math.inf, -math.inf])
def test_value_rejects_non_finite_numbers(data):
    with pytest.raises(ValueError, match="must be finite"):
        Value(data)


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="'label' parameter of Value must be a str"):
        Value(1.0, label=3)


@pytest.mark.parametrize(
    "operation",
    [
        lambda v: v + "2",
        lambda v: "2" + v,
        lambda v: v - None,
        lambda v: [1] - v,
        lambda v: v * "x",
        lambda v: {} * v,
        lambda v: v / "x",
        lambda v: "x" / v,
        lambda v: v + True,
    ],
)
def test_non_number_operands_raise_a_clear_type_error(operation):
    with pytest.raises(TypeError, match=r"must be numbers \(int or float\) or Values\. Got .* instead"):
        operation(Value(1.0))


@pytest.mark.parametrize("x0", [0.0, -1.0])
def test_log_of_a_non_positive_value_raises(x0):
    with pytest.raises(ValueError, match=r"log\(a\) needs a > 0"):
        log(Value(x0))
    with pytest.raises(ValueError, match=r"log\(a\) needs a > 0"):
        Value(x0).log()


@pytest.mark.parametrize("p", [Value(2.0), "2", None, True, math.nan])
def test_non_number_exponent_raises(p):
    with pytest.raises(TypeError, match=r"exponent of a \*\* p must be a finite number.*exp\(p \* log"):
        Value(2.0) ** p


def test_domain_errors_of_power_and_division():
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match="negative exponent"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="denominator"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="base of c \\*\\* a"):
        (-2) ** Value(1.0)
    assert (Value(-2.0) ** 3).data == -8.0


def test_unary_functions_reject_non_numbers():
    with pytest.raises(TypeError, match=r"operands of exp\(\) must be numbers"):
        exp("1")
    assert sigmoid(0).data == 0.5  # a plain number is wrapped


def test_explain_and_examples_reject_bad_input():
    with pytest.raises(TypeError, match="'output' parameter of explain must be a Value"):
        explain(3.0)
    with pytest.raises(ValueError, match="'y' parameter of logistic_example must be 0 or 1"):
        logistic_example(y=2)
    with pytest.raises(TypeError, match="'data' parameter of Value"):
        course_example(a="5")
