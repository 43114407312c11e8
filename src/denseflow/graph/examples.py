"""The notes' two example computation graphs, built and differentiated.

* :func:`course_example`: the notes' first graph J = 3(a + bc), with u = bc and v = a + u
  (dJ/da = 3, dJ/db = 3c, dJ/dc = 3b);
* :func:`logistic_example`: one example of logistic regression, z = w1 x1 + w2 x2 + b,
  a = σ(z), L(a, y) = −(y log a + (1 − y) log(1 − a)), where the engine reproduces the notes'
  dz = a − y, dw1 = x1 dz, dw2 = x2 dz, db = dz.

Each returns its nodes as a named tuple (:class:`CourseExample`, :class:`LogisticExample`) with
``backward()`` already run; ``.explain()`` describes the steps (``denseflow graph``).

Import these names from :mod:`denseflow.graph`.
"""

from __future__ import annotations

from typing import NamedTuple

from denseflow.graph.explain import Explanation, explain
from denseflow.graph.value import Value, _describe, _is_real

__all__ = ["CourseExample", "course_example", "LogisticExample", "logistic_example"]


class CourseExample(NamedTuple):
    """The notes' graph J = 3(a + bc): inputs a, b, c; u = bc, v = a + u, J = 3v."""

    a: Value
    b: Value
    c: Value
    u: Value
    v: Value
    J: Value

    def explain(self) -> Explanation:
        """The forward and backward steps (see :func:`explain`)."""
        return explain(self.J)


def course_example(a=5, b=3, c=2) -> CourseExample:
    """Build the notes' computation graph J = 3(a + bc) and run ``backward()``.

    u = bc,  v = a + u,  J = 3v;   dJ/dv = 3,  dJ/du = dJ/dv · dv/du = 3,  dJ/da = 3,
    dJ/db = dJ/du · du/db = 3c,  dJ/dc = dJ/du · du/dc = 3b.

    Parameters
    ----------
    a, b, c : float, default 5, 3, 2
        The inputs (the notes' values by default).

    Returns
    -------
    CourseExample
        The six nodes, with ``grad`` filled; ``.explain()`` describes the steps.

    Examples
    --------
    >>> from denseflow.graph import course_example
    >>> ex = course_example()
    >>> ex.u.data, ex.v.data, ex.J.data
    (6.0, 11.0, 33.0)
    >>> ex.a.grad, ex.b.grad, ex.c.grad
    (3.0, 6.0, 9.0)
    """

    a, b, c = Value(a, "a"), Value(b, "b"), Value(c, "c")
    u = b * c
    u.label = "u"
    v = a + u
    v.label = "v"
    J = 3 * v
    J.label = "J"
    J.backward()
    return CourseExample(a, b, c, u, v, J)


class LogisticExample(NamedTuple):
    """The notes' one-example logistic regression graph (inputs, z, a = ŷ, loss L)."""

    x1: Value
    x2: Value
    w1: Value
    w2: Value
    b: Value
    z: Value
    a: Value
    L: Value

    def explain(self) -> Explanation:
        """The forward and backward steps (see :func:`explain`)."""
        return explain(self.L)


def logistic_example(x1=1.0, x2=2.0, w1=0.5, w2=-0.25, b=0.5, y=1) -> LogisticExample:
    """One example of logistic regression as a graph, with ``backward()`` run.

    z = w1 x1 + w2 x2 + b,  a = σ(z),  L(a, y) = −(y log a + (1 − y) log(1 − a)).

    The engine reproduces the notes' results: dz = a − y, dw1 = x1 dz, dw2 = x2 dz, db = dz.

    Parameters
    ----------
    x1, x2 : float
        The example's features.
    w1, w2, b : float
        The parameters.
    y : {0, 1}
        The label (a constant of the graph).

    Examples
    --------
    >>> from denseflow.graph import logistic_example
    >>> ex = logistic_example(x1=1.0, x2=2.0, w1=0.5, w2=-0.25, b=0.5, y=1)
    >>> ex.z.data, round(ex.a.data, 6)
    (0.5, 0.622459)
    >>> round(ex.z.grad, 6), round(ex.a.data - 1, 6)          # dz = a − y
    (-0.377541, -0.377541)
    >>> round(ex.w2.grad, 6), round(ex.b.grad, 6)             # dw2 = x2 · dz, db = dz
    (-0.755081, -0.377541)
    """

    if not _is_real(y) or y not in (0, 1):
        raise ValueError(f"The 'y' parameter of logistic_example must be 0 or 1. Got {_describe(y)} instead.")
    x1, x2 = Value(x1, "x1"), Value(x2, "x2")
    w1, w2, b = Value(w1, "w1"), Value(w2, "w2"), Value(b, "b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = -(y * a.log() + (1 - y) * (1 - a).log())
    L.label = "L"
    L.backward()
    return LogisticExample(x1, x2, w1, w2, b, z, a, L)
