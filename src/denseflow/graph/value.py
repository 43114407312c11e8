"""The computation graph's node: :class:`Value`, a scalar that records how it was computed.

Each arithmetic operation keeps its *local* backward step right beside its forward line;
:meth:`Value.backward` walks the graph in topological order (an explicit stack, so a chain of
100,000 nodes works) and accumulates dJ/d(node) in every node's ``grad``. The input checks of
the operations and the topological order are the helpers below the class's imports.

>>> from denseflow.graph import Value
>>> a, b, c = Value(5, "a"), Value(3, "b"), Value(2, "c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> a.grad, b.grad, c.grad
(3.0, 6.0, 9.0)
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

from scipy.special import expit

__all__ = ["Value"]


# ---------------------------------------------------------------------------------------------
# Value's helpers: what counts as a number, the operations' input checks, the local slope of
# a ** p and the topological order (an explicit stack, so a chain of 100,000 nodes works)
# ---------------------------------------------------------------------------------------------

def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _describe(x) -> str:
    if isinstance(x, Value):
        return repr(x)
    return f"{x!r} ({type(x).__name__})"[:120]


def _check_leaf(data, label) -> float:
    """Check the arguments of ``Value(data, label)``; return ``data`` as a float."""
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
    return data


def _check_divisor(other: Value) -> None:
    """Refuse a / b with b = 0."""
    if other.data == 0.0:
        raise ZeroDivisionError(
            f"Division by zero in a / b: the denominator {_describe(other)} is 0. "
            f"Add a small constant to it, or rewrite the expression."
        )


def _check_power(a: float, p: float) -> None:
    """Refuse a ** p where it is complex (a < 0, p not an integer) or divides by zero."""
    if a < 0 and not p.is_integer():
        raise ValueError(
            f"a ** p with a negative base a = {a:g} needs an integer exponent p; got p = {p:g} "
            f"(the result would be complex)."
        )
    if a == 0 and p < 0:
        raise ZeroDivisionError(f"a ** p with a = 0 and a negative exponent p = {p:g} divides by zero.")


def _power_slope(a: float, p: float) -> float:
    """d(aᵖ)/da = p · aᵖ⁻¹ (0 for p = 0; at a = 0 with p < 1: infinite slope)."""
    if p == 0:
        return 0.0
    if a == 0 and p < 1:
        return math.inf
    return p * a ** (p - 1)


def _check_base(base) -> float:
    """Check the number c of c ** a (a a Value); return it as a float."""
    if not _is_real(base) or not math.isfinite(base) or base <= 0:
        raise ValueError(
            f"The base of c ** a (a a Value) must be a positive finite number. Got {_describe(base)} "
            f"instead. For another base write exp(a * log(c)) with c a positive Value."
        )
    return float(base)


def _check_log(a: Value) -> None:
    """Refuse log(a) with a ≤ 0."""
    if a.data <= 0:
        raise ValueError(
            f"log(a) needs a > 0; got {_describe(a)}. In the cross-entropy loss, a = σ(z) "
            f"lies in (0, 1): compute a with sigmoid(z) rather than by hand."
        )


def _topological_order(output: Value) -> list:
    """Every node ``output`` depends on (itself included), each after all of its parents.

    Built with an explicit stack (no recursion), so very deep graphs work.
    """
    order: list = []
    visited: set = set()
    stack = [(output, False)]
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
        self.data = _check_leaf(data, label)
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
        _check_divisor(other)
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
        _check_power(a, p)
        out = Value._node(a**p, (self,), f"**{p:g}")

        def _backward():  # d(aᵖ)/da = p · aᵖ⁻¹ (at a = 0 with p < 1: infinite slope)
            self.grad += _power_slope(a, p) * out.grad

        out._backward = _backward
        return out

    def __rpow__(self, base) -> "Value":
        # base ** self with a number base c > 0: d(cᵃ)/da = cᵃ · ln c.
        c = _check_base(base)
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
        _check_log(self)
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
        return _topological_order(self)

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
