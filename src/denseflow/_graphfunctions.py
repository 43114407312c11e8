"""The function spellings of :class:`~denseflow.graph.Value`'s methods (private).

The notes write ``a = σ(z)`` and ``tanh(z)``; the engine's methods are ``z.sigmoid()`` and
``z.tanh()``. :func:`exp`, :func:`log`, :func:`tanh`, :func:`sigmoid` and :func:`relu` are the
function forms: each takes a Value or a plain number (wrapped as a constant leaf) and returns
the same graph node as the method, e.g. ``sigmoid(z)`` is ``z.sigmoid()``.
:mod:`denseflow.graph` re-exports these names: import them from there.

Examples
--------
>>> from denseflow.graph import Value, sigmoid
>>> z = Value(0.0, "z")
>>> a = sigmoid(z)
>>> a.op, a.parents == (z,), a.data
('sigmoid', True, 0.5)
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import Value

__all__: list[str] = []  # private: denseflow.graph imports these names and re-exports them


@functools.cache
def _resolve(name: str):
    """Value's method ``name`` and ``_as_value``, imported on the first call and kept.

    :mod:`denseflow.graph` defines Value and imports this module, so they cannot be imported when
    this module loads (and importing them on every call would double a spelling's cost).
    """
    from .graph import Value, _as_value

    return getattr(Value, name), _as_value


def _unary(name: str):
    def function(x) -> Value:
        method, as_value = _resolve(name)
        return method(as_value(x, f"{name}()"))

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
