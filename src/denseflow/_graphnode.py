"""The helpers behind :class:`denseflow.graph.Value`'s methods (private).

They are kept out of the class so that each of its operations reads as the notes write it, the
forward line beside its local backward step:

* what counts as a number (:func:`_is_real`: ``int``, ``float``, NumPy scalars; not ``bool``)
  and how a refused operand is described in a message (:func:`_describe`);
* the input checks of the operations, each raising the ``TypeError``/``ValueError``/
  ``ZeroDivisionError`` that names the operation, what was expected, what was received and how
  to fix it (``_check_*``);
* the local slope of a ** p (:func:`_power_slope`), with its special cases p = 0 and a = 0;
* the topological order of a graph, built with an explicit stack (:func:`_topological_order`),
  so that a chain of 100,000 nodes works.

Examples
--------
>>> from denseflow._graphnode import _check_leaf, _power_slope
>>> _check_leaf(3, "a")
3.0
>>> _check_leaf(3, 4)
Traceback (most recent call last):
...
TypeError: The 'label' parameter of Value must be a str. Got 4 (int) instead.
>>> _power_slope(2.0, 3.0), _power_slope(0.0, 0.5)
(12.0, inf)
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import Value

__all__: list[str] = []  # private: denseflow.graph imports these names and re-exports them


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _describe(x) -> str:
    # Only called while raising an error. denseflow.graph defines Value and imports this module,
    # so Value is imported here, when needed, not when this module loads.
    from .graph import Value

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
