"""Explanations of a computation graph: its forward and backward steps as printable lines.

:func:`explain` runs ``backward()`` on the final node J of a graph of
:class:`~denseflow.graph.Value` nodes and describes every step in the notes' notation: one
forward line per computed node (``u = b * c = 3 * 2 = 6``), then one backward line per named
node with the chain rule it used (``dJ/du = dJ/dv · dv/du = 3 · 1 = 3``). The local derivatives
shown are read off each node's own backward step, so the engine's derivative code is what gets
explained. :class:`Explanation` holds the lines; ``str()`` prints them under headings (the
``denseflow graph`` command).

Import these names from :mod:`denseflow.graph`.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from denseflow.graph.value import Value, _describe

__all__ = ["Explanation", "explain"]


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
    >>> from denseflow.graph import course_example, explain
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
