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

==============  ==============================================================================
module          holds
==============  ==============================================================================
``value``       :class:`Value`: a node, its operations with their local derivatives, backward()
``functions``   :func:`exp`, :func:`log`, :func:`tanh`, :func:`sigmoid`, :func:`relu` as functions
``explain``     :func:`explain`: a graph as the notes' forward and backward steps
``examples``    the notes' graphs: :func:`course_example` (J = 3(a + bc)), :func:`logistic_example`
==============  ==============================================================================

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

from denseflow.graph.examples import (
    CourseExample,
    LogisticExample,
    course_example,
    logistic_example,
)
from denseflow.graph.explain import Explanation, explain
from denseflow.graph.functions import exp, log, relu, sigmoid, tanh
from denseflow.graph.value import Value

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
