"""A tiny computation-graph engine: scalar values and reverse-mode derivatives.

This is the notes' computation graph made runnable. Every arithmetic operation on a
:class:`Value` records a new node that remembers its inputs (``parents``) and the operation
(``op``); each operation keeps its *local* backward step right beside its forward line.
:meth:`Value.backward` then walks the graph from the final node J back to the inputs, applying
the chain rule

    dJ/dx = Σ over the nodes y that use x of  dJ/dy · dy/dx,

so that every node's ``grad`` holds dJ/d(that node) — the number the notes call ``dvar`` (``da``,
``dw1``, ``dz``, …). Gradients are *accumulated* with ``+=`` because a node can feed several
others (that is the Σ above).

The notes' first example, J = 3(a + bc) with u = bc and v = a + u:

>>> from denseflow.graph import Value
>>> a, b, c = Value(5, "a"), Value(3, "b"), Value(2, "c")
>>> u = b * c; u.label = "u"
>>> v = a + u; v.label = "v"
>>> J = 3 * v; J.label = "J"
>>> J.data
33.0
>>> J.backward()
>>> a.grad, b.grad, c.grad, u.grad, v.grad
(3.0, 6.0, 9.0, 3.0, 3.0)

:func:`course_example` builds exactly this graph and :func:`explain` turns any graph into
printable forward and backward steps (used by ``denseflow graph``).

Design notes
------------
* The topological order is built iteratively with an explicit stack, so a chain of 100,000
  nodes works (no ``RecursionError``).
* ``backward()`` recomputes from scratch: it first sets ``grad = 0`` on every node of the graph
  that leads to the node it is called on, then seeds that node with 1. Calling it twice gives
  the same gradients, never twice the gradients. To add the gradients of two outputs, build
  their sum and call ``backward()`` on it.
* Only real numbers are accepted (``int``, ``float``, NumPy scalars; not ``bool``); mistakes
  raise ``TypeError``/``ValueError`` messages that name the operation, what was expected, what
  was received and how to fix it.
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from typing import Callable, NamedTuple

from scipy.special import expit

__all__ = [
    "Value",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "Explanation",
    "explain",
    "CourseExample",
    "course_example",
    "LogisticExample",
    "logistic_example",
]


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _describe(x) -> str:
    if isinstance(x, Value):
        return repr(x)
    return f"{x!r} ({type(x).__name__})"[:120]


def _as_value(x, where: str) -> "Value":
    """Wrap a plain number as a constant leaf; pass a Value through; refuse anything else."""
    if isinstance(x, Value):
        return x
    if _is_real(x):
        return Value(x)
    raise TypeError(
        f"The operands of {where} must be numbers (int or float) or Values. Got {_describe(x)} "
        f"instead. Convert it first, e.g. Value(float(x))."
    )


def _no_backward():
    # A leaf (an input or a constant) has nothing to pass its gradient on to.
    return None


class Value:
    """A scalar node of a computation graph: its value, and dJ/d(itself) after ``backward()``.

    Parameters
    ----------
    data : int or float
        The value of this node (stored as a Python ``float``). Must be finite.
    label : str, default ''
        A name for printing, e.g. ``"a"``, ``"w1"``, ``"z"`` (also available as ``name``).

    Attributes
    ----------
    data : float
        The forward value.
    grad : float
        dJ/d(this node) after ``J.backward()`` — the notes' ``dvar``. 0.0 before.
    label : str
        The node's name (``name`` is an alias).
    parents : tuple of Value
        The nodes this one was computed from (empty for a leaf).
    op : str
        The operation that produced it: ``'+'``, ``'-'``, ``'*'``, ``'/'``, ``'neg'``, ``'**2'``,
        ``'exp'``, ``'log'``, ``'tanh'``, ``'sigmoid'``, ``'relu'``; ``''`` for a leaf.

    Notes
    -----
    Local derivatives used by the backward steps (out = the new node, g = dJ/d(out)):

    =============  ===================================================
    out = a + b    da += g,              db += g
    out = a − b    da += g,              db −= g
    out = a · b    da += b · g,          db += a · g
    out = a / b    da += g / b,          db −= a / b² · g
    out = aᵖ       da += p · aᵖ⁻¹ · g   (p a number)
    out = cᵃ       da += cᵃ · ln c · g  (c > 0 a number)
    out = eᵃ       da += eᵃ · g
    out = log a    da += g / a
    out = tanh a   da += (1 − tanh² a) · g
    out = σ(a)     da += σ(a)(1 − σ(a)) · g
    out = relu a   da += (a > 0) · g
    =============  ===================================================

    Examples
    --------
    >>> x = Value(2.0, "x")
    >>> y = x * x + 3 * x          # x feeds three operations: its gradients add up
    >>> y.backward()
    >>> y.data, x.grad             # dy/dx = 2x + 3
    (10.0, 7.0)
    """

    __slots__ = ("data", "grad", "label", "_parents", "_op", "_backward")

    def __init__(self, data, label: str = ""):
        if not _is_real(data):
            raise TypeError(
                f"The 'data' parameter of Value must be a real number (int or float). "
                f"Got {_describe(data)} instead. Use Value(float(x))."
            )
        data = float(data)
        if not math.isfinite(data):
            raise ValueError(f"The 'data' parameter of Value must be finite. Got {data!r} instead.")
        if not isinstance(label, str):
            raise TypeError(f"The 'label' parameter of Value must be a str. Got {_describe(label)} instead.")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._parents: tuple = ()
        self._op = ""
        self._backward: Callable[[], None] = _no_backward

    @classmethod
    def _node(cls, data: float, parents: tuple, op: str) -> "Value":
        # Result of an operation: no input checks (inf from an overflowing exp is allowed).
        out = cls.__new__(cls)
        out.data = float(data)
        out.grad = 0.0
        out.label = ""
        out._parents = parents
        out._op = op
        out._backward = _no_backward
        return out

    # ------------------------------------------------------------------ read-only graph structure

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from, in operand order (empty for a leaf)."""
        return self._parents

    @property
    def op(self) -> str:
        """The operation that produced this node (``''`` for a leaf)."""
        return self._op

    @property
    def name(self) -> str:
        """Alias of :attr:`label`."""
        return self.label

    @name.setter
    def name(self, value: str) -> None:
        self.label = value

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # ------------------------------------------------------------------------------- arithmetic
    # Each operation: the forward line, then its local backward step.

    def __add__(self, other) -> "Value":
        other = _as_value(other, "'+'")
        out = Value._node(self.data + other.data, (self, other), "+")

        def _backward():  # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __sub__(self, other) -> "Value":
        other = _as_value(other, "'-'")
        out = Value._node(self.data - other.data, (self, other), "-")

        def _backward():  # d(a-b)/da = 1, d(a-b)/db = -1
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __mul__(self, other) -> "Value":
        other = _as_value(other, "'*'")
        out = Value._node(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other) -> "Value":
        other = _as_value(other, "'/'")
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"Division by zero in a / b: the denominator {_describe(other)} is 0. "
                f"Add a small constant to it, or rewrite the expression."
            )
        out = Value._node(self.data / other.data, (self, other), "/")

        def _backward():  # d(a/b)/da = 1/b, d(a/b)/db = -a/b²
            self.grad += out.grad / other.data
            other.grad -= self.data / (other.data * other.data) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> "Value":
        out = Value._node(-self.data, (self,), "neg")

        def _backward():  # d(-a)/da = -1
            self.grad -= out.grad

        out._backward = _backward
        return out

    def __pos__(self) -> "Value":
        return self

    def __pow__(self, p) -> "Value":
        if isinstance(p, Value) or not _is_real(p) or not math.isfinite(p):
            raise TypeError(
                f"The exponent of a ** p must be a finite number (int or float). Got {_describe(p)} "
                f"instead. For a variable exponent write exp(p * log(a))."
            )
        p = float(p)
        a = self.data
        if a < 0 and not p.is_integer():
            raise ValueError(
                f"a ** p with a negative base a = {a:g} needs an integer exponent p; got p = {p:g} "
                f"(the result would be complex)."
            )
        if a == 0 and p < 0:
            raise ZeroDivisionError(f"a ** p with a = 0 and a negative exponent p = {p:g} divides by zero.")
        out = Value._node(a**p, (self,), f"**{p:g}")

        def _backward():  # d(aᵖ)/da = p · aᵖ⁻¹ (at a = 0 with p < 1: infinite slope)
            if p == 0:
                local = 0.0
            elif a == 0 and p < 1:
                local = math.inf
            else:
                local = p * a ** (p - 1)
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def __rpow__(self, base) -> "Value":
        # base ** self with a number base c > 0: d(cᵃ)/da = cᵃ · ln c.
        if not _is_real(base) or not math.isfinite(base) or base <= 0:
            raise ValueError(
                f"The base of c ** a (a a Value) must be a positive finite number. Got {_describe(base)} "
                f"instead. For another base write exp(a * log(c)) with c a positive Value."
            )
        c = float(base)
        const = Value(c)
        try:
            data = c**self.data
        except OverflowError:
            data = math.inf
        out = Value._node(data, (const, self), "**")

        def _backward():
            self.grad += out.data * math.log(c) * out.grad

        out._backward = _backward
        return out

    # Plain numbers on the left: wrap them as constant leaves and keep the operand order,
    # so that 3 * v is the node (3, v), as the notes write it.
    def __radd__(self, other) -> "Value":
        return _as_value(other, "'+'") + self

    def __rsub__(self, other) -> "Value":
        return _as_value(other, "'-'") - self

    def __rmul__(self, other) -> "Value":
        return _as_value(other, "'*'") * self

    def __rtruediv__(self, other) -> "Value":
        return _as_value(other, "'/'") / self

    # ------------------------------------------------------------------------------ functions

    def exp(self) -> "Value":
        """eᵃ, with d(eᵃ)/da = eᵃ."""
        try:
            data = math.exp(self.data)
        except OverflowError:
            data = math.inf
        out = Value._node(data, (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> "Value":
        """The natural logarithm log a (a > 0), with d(log a)/da = 1/a."""
        if self.data <= 0:
            raise ValueError(
                f"log(a) needs a > 0; got {_describe(self)}. In the cross-entropy loss, a = σ(z) "
                f"lies in (0, 1): compute a with sigmoid(z) rather than by hand."
            )
        out = Value._node(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> "Value":
        """tanh a, with d(tanh a)/da = 1 − tanh² a."""
        t = math.tanh(self.data)
        out = Value._node(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> "Value":
        """σ(a) = 1 / (1 + e⁻ᵃ) (``scipy.special.expit``), with σ'(a) = σ(a)(1 − σ(a))."""
        s = float(expit(self.data))
        out = Value._node(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> "Value":
        """max(0, a), with derivative 1 for a > 0 and 0 otherwise (0 at a = 0, as the course)."""
        out = Value._node(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # ------------------------------------------------------------------------------- backward

    def topological_order(self) -> list:
        """Every node this one depends on (itself included), each after all of its parents.

        Built with an explicit stack (no recursion), so very deep graphs work.

        Examples
        --------
        >>> a = Value(1.0, "a")
        >>> b = a * 2; b.label = "b"
        >>> [n.label or "const" for n in b.topological_order()]
        ['a', 'const', 'b']
        """
        order: list = []
        visited: set = set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)  # all of its parents are already in `order`
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            for parent in reversed(node._parents):
                if parent not in visited:
                    stack.append((parent, False))
        return order

    def backward(self) -> None:
        """Fill ``grad`` = d(self)/d(node) for every node of the graph that leads to ``self``.

        The node it is called on (J) is seeded with dJ/dJ = 1; then, from J back to the inputs,
        each node passes its gradient to its parents with its local derivative (chain rule).

        Calling it twice gives the same result: the gradients of all nodes of this graph are
        set to 0 first (nodes outside the graph are left alone).

        Examples
        --------
        >>> w = Value(-2.0, "w")
        >>> L = (w * w).tanh()
        >>> L.backward(); first = w.grad
        >>> L.backward(); w.grad == first
        True
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


# ------------------------------------------------------------------------- function spellings


def _unary(name: str):
    method = getattr(Value, name)

    def function(x) -> Value:
        return method(_as_value(x, f"{name}()"))

    function.__name__ = name
    function.__qualname__ = name
    return function


exp = _unary("exp")
exp.__doc__ = """eˣ as a graph node; ``x`` may be a Value or a number.

>>> exp(Value(0.0)).data
1.0
"""
log = _unary("log")
log.__doc__ = """Natural log of a positive Value or number, as a graph node.

>>> log(Value(1.0)).data
0.0
"""
tanh = _unary("tanh")
tanh.__doc__ = """tanh x as a graph node.

>>> tanh(Value(0.0)).data
0.0
"""
sigmoid = _unary("sigmoid")
sigmoid.__doc__ = """σ(x) = 1 / (1 + e⁻ˣ) as a graph node.

>>> sigmoid(Value(0.0)).data
0.5
"""
relu = _unary("relu")
relu.__doc__ = """max(0, x) as a graph node.

>>> relu(Value(-3.0)).data
0.0
"""


# ------------------------------------------------------------------------------ explanations


def _fmt(x: float) -> str:
    return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0


def _fmt_operand(x: float) -> str:
    s = _fmt(x)
    return f"({s})" if x < 0 else s


class Explanation(NamedTuple):
    """The steps of a graph, as printable lines.

    Attributes
    ----------
    forward : tuple of str
        One line per computed node, left to right: ``"u = b * c = 3 * 2 = 6"``.
    backward : tuple of str
        One line per named node, right to left, with the chain rule used:
        ``"dJ/du = dJ/dv · dv/du = 3 · 1 = 3"``.
    output : str
        The name of the final node (``"J"``).
    """

    forward: tuple
    backward: tuple
    output: str = "J"

    def lines(self) -> list:
        """All steps, forward then backward."""
        return list(self.forward) + list(self.backward)

    def __str__(self) -> str:
        out = ["Forward pass (left to right): compute each node's value"]
        out += [f"  {line}" for line in self.forward]
        J = self.output
        out.append(
            f"Backward pass (right to left): chain rule, d{J}/dx = Σ over the users y of x: d{J}/dy · dy/dx"
        )
        out += [f"  {line}" for line in self.backward]
        return "\n".join(out)


def _local_derivatives(node: Value) -> dict:
    """d(node)/d(parent) for each distinct parent, read off the node's own backward step.

    The step is run once with d(node) = 1 and the parents' gradients set to 0, then every
    gradient is restored; the engine's own derivative code is what gets explained.
    """
    parents = list(dict.fromkeys(node._parents))
    saved = [(n, n.grad) for n in [node, *parents]]
    try:
        for p in parents:
            p.grad = 0.0
        node.grad = 1.0
        node._backward()
        return {p: p.grad for p in parents}
    finally:
        for n, g in saved:
            n.grad = g


def explain(output: Value) -> Explanation:
    """Run ``output.backward()`` and describe every step, with values and the chain rule.

    Nodes without a label get the names ``t1``, ``t2``, … in computation order (an unlabeled
    final node is called ``J``); unlabeled leaves are constants and are shown as numbers (no
    derivative line). The derivative lines use the notes' notation:
    ``dJ/du = dJ/dv · dv/du = 3 · 1 = 3``; in code that number is ``u.grad``, the notes' ``du``.
    Backward lines run right to left, breadth first from J.

    Parameters
    ----------
    output : Value
        The final node J.

    Returns
    -------
    Explanation
        ``forward`` and ``backward`` tuples of strings; ``str()`` prints both under headings.

    Examples
    --------
    >>> ex = course_example()
    >>> for line in explain(ex.J).lines():
    ...     print(line)
    u = b * c = 3 * 2 = 6
    v = a + u = 5 + 6 = 11
    J = 3 * v = 3 * 11 = 33
    dJ/dJ = 1
    dJ/dv = 3
    dJ/da = dJ/dv · dv/da = 3 · 1 = 3
    dJ/du = dJ/dv · dv/du = 3 · 1 = 3
    dJ/db = dJ/du · du/db = 3 · 2 = 6
    dJ/dc = dJ/du · du/dc = 3 · 3 = 9
    """
    if not isinstance(output, Value):
        raise TypeError(
            f"The 'output' parameter of explain must be a Value. Got {_describe(output)} instead."
        )
    order = output.topological_order()
    names: dict = {}
    counter = 0
    for node in order:
        if node.label:
            names[node] = node.label
        elif node is output:
            names[node] = "J"
        elif node._parents:
            counter += 1
            names[node] = f"t{counter}"

    def show(node: Value) -> str:
        return names.get(node, _fmt_operand(node.data))

    local = {node: _local_derivatives(node) for node in order if node._parents}
    children: dict = {node: [] for node in order}
    for node in order:
        for p in dict.fromkeys(node._parents):
            children[p].append(node)

    forward = []
    for node in order:
        if not node._parents:
            continue
        ops = node._parents
        if node._op in ("+", "-", "*", "/"):
            expr = f"{show(ops[0])} {node._op} {show(ops[1])}"
            nums = f"{_fmt_operand(ops[0].data)} {node._op} {_fmt_operand(ops[1].data)}"
        elif node._op == "neg":
            expr, nums = f"-{show(ops[0])}", f"-{_fmt_operand(ops[0].data)}"
        elif node._op == "**":  # c ** a
            expr = f"{show(ops[0])} ** {show(ops[1])}"
            nums = f"{_fmt_operand(ops[0].data)} ** {_fmt_operand(ops[1].data)}"
        elif node._op.startswith("**"):  # a ** p
            expr = f"{show(ops[0])} {node._op}"
            nums = f"{_fmt_operand(ops[0].data)} {node._op}"
        else:
            expr, nums = f"{node._op}({show(ops[0])})", f"{node._op}({_fmt(ops[0].data)})"
        forward.append(f"{names[node]} = {expr} = {nums} = {_fmt(node.data)}")

    # Right to left, breadth first: a node is explained once every node that uses it has been
    # (Kahn's algorithm from J), so the order reads like the notes: dv, da, du, db, dc.
    pending = {node: len(children[node]) for node in order}
    queue = deque([output])
    right_to_left = []
    while queue:
        node = queue.popleft()
        right_to_left.append(node)
        for p in dict.fromkeys(node._parents):
            pending[p] -= 1
            if pending[p] == 0:
                queue.append(p)

    output.backward()
    J = names[output]
    backward = [f"d{J}/d{J} = 1"]
    for node in right_to_left:
        if node is output or node not in names:
            continue
        x = names[node]
        users = children[node]
        if users == [output]:
            backward.append(f"d{J}/d{x} = {_fmt(node.grad)}")
            continue
        symbols, numbers_ = [], []
        for y in users:
            d = local[y][node]
            if y is output:
                symbols.append(f"∂{J}/∂{x}")
                numbers_.append(_fmt_operand(d))
            else:
                symbols.append(f"d{J}/d{names[y]} · d{names[y]}/d{x}")
                numbers_.append(f"{_fmt_operand(y.grad)} · {_fmt_operand(d)}")
        backward.append(f"d{J}/d{x} = {' + '.join(symbols)} = {' + '.join(numbers_)} = {_fmt(node.grad)}")
    return Explanation(tuple(forward), tuple(backward), J)


# ------------------------------------------------------------------------------ the notes' graphs


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
