"""Caches: what forward propagation keeps for backward propagation, as named, immutable records.

The course passes caches as plain tuples — ``linear_cache = (A_prev, W, b)`` and
``cache = (linear_cache, Z)`` — and unpacks them by position. Here they are NamedTuples with the
same order, so the course's unpacking still works and ``cache.Z`` reads as the notes do. Tuples
built by hand are accepted wherever a cache is expected (:func:`as_linear_cache`,
:func:`as_layer_cache`).

Examples
--------
>>> import numpy as np
>>> from denseflow.core.caches import LayerCache, LinearCache, as_layer_cache
>>> A_prev, W, b = np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1))
>>> cache = as_layer_cache(((A_prev, W, b), W @ A_prev + b))
>>> isinstance(cache, LayerCache), isinstance(cache.linear_cache, LinearCache), cache.Z.shape
(True, True, (1, 3))
>>> linear_cache, Z = cache  # the course's unpacking
>>> linear_cache.W is W
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["LinearCache", "LayerCache", "as_linear_cache", "as_layer_cache"]


class LinearCache(NamedTuple):
    """What the linear step keeps for back-propagation: A[l−1] (n[l−1], m), W[l], b[l]."""

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray


class LayerCache(NamedTuple):
    """What a layer keeps: its :class:`LinearCache` and Z[l] (n[l], m)."""

    linear_cache: LinearCache
    Z: np.ndarray


def as_linear_cache(cache) -> LinearCache:
    """``cache`` as a :class:`LinearCache`; a plain tuple ``(A_prev, W, b)`` is accepted."""
    if isinstance(cache, LinearCache):
        return cache
    if not isinstance(cache, tuple) or len(cache) != 3:
        raise TypeError(
            "cache must be a LinearCache or a tuple (A_prev, W, b) as returned by linear_forward; "
            f"got {type(cache).__name__}."
        )
    return LinearCache(*cache)


def as_layer_cache(cache) -> LayerCache:
    """``cache`` as a :class:`LayerCache`; a plain tuple ``(linear_cache, Z)`` is accepted."""
    if isinstance(cache, LayerCache):
        return cache
    if not isinstance(cache, tuple) or len(cache) != 2:
        raise TypeError(
            "cache must be a LayerCache or a tuple (linear_cache, Z) as returned by "
            f"linear_activation_forward; got {type(cache).__name__}."
        )
    return LayerCache(as_linear_cache(cache[0]), cache[1])
