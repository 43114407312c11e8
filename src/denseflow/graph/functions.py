"""The function spellings of :class:`~denseflow.graph.Value`'s methods.

The notes write ``a = σ(z)`` and ``tanh(z)``; the engine's methods are ``z.sigmoid()`` and
``z.tanh()``. :func:`exp`, :func:`log`, :func:`tanh`, :func:`sigmoid` and :func:`relu` are the
function forms: each takes a Value or a plain number (wrapped as a constant leaf) and returns
the same graph node as the method, e.g. ``sigmoid(z)`` is ``z.sigmoid()``.
Import these names from :mod:`denseflow.graph`.

Examples
--------
>>> from denseflow.graph import Value, sigmoid
>>> z = Value(0.0, "z")
>>> a = sigmoid(z)
>>> a.op, a.parents == (z,), a.data
('sigmoid', True, 0.5)
"""

from __future__ import annotations

from denseflow.graph.value import Value, _as_value

__all__ = ["exp", "log", "tanh", "sigmoid", "relu"]


def _unary(name: str):
    method = getattr(Value, name)

    def function(x) -> Value:
        return method(_as_value(x, f"{name}()"))

    function.__name__ = name
    function.__qualname__ = name
    return function


exp = _unary("exp")
exp.__doc__ = """eˣ as a graph node; ``x`` may be a Value or a number.

>>> from denseflow.graph import Value
>>> exp(Value(0.0)).data
1.0
"""
log = _unary("log")
log.__doc__ = """Natural log of a positive Value or number, as a graph node.

>>> from denseflow.graph import Value
>>> log(Value(1.0)).data
0.0
"""
tanh = _unary("tanh")
tanh.__doc__ = """tanh x as a graph node.

>>> from denseflow.graph import Value
>>> tanh(Value(0.0)).data
0.0
"""
sigmoid = _unary("sigmoid")
sigmoid.__doc__ = """σ(x) = 1 / (1 + e⁻ˣ) as a graph node.

>>> from denseflow.graph import Value
>>> sigmoid(Value(0.0)).data
0.5
"""
relu = _unary("relu")
relu.__doc__ = """max(0, x) as a graph node.

>>> from denseflow.graph import Value
>>> relu(Value(-3.0)).data
0.0
"""
