"""Parameter initialization, with the course's legacy seeding.

Each :class:`Initializer` record gives the scale that multiplies a standard-normal draw
``randn(n[l], n[l-1])`` for W[l]; biases b[l] are zeros of shape (n[l], 1) and consume no random
numbers.

=========  ==========================================  =====================================
name       W[l]                                        note
=========  ==========================================  =====================================
zeros      0                                           shows the symmetry problem
random     randn · 0.01                                the course's "small random"
scaled     randn / √n[l−1]                             the course's deep-network init
he         randn · √(2 / n[l−1])                       He et al. 2015, for ReLU
xavier     randn · √(2 / (n[l−1] + n[l]))              Glorot & Bengio 2010
=========  ==========================================  =====================================

Two random sources:

* default: ``numpy.random.default_rng(seed)`` (PCG64);
* ``course=True``: the legacy ``numpy.random.RandomState(seed)``, drawing W1, W2, …, WL in that
  order, so the course's notebooks' numbers come out exactly.

Examples
--------
>>> params = initialize_parameters([5, 4, 3], method="random", seed=3, course=True)
>>> round(float(params["W1"][0, 0]), 8)
0.01788628
>>> params["b1"].shape
(4, 1)
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from denseflow.core.validation import check_choice, check_layer_dims

__all__ = ["Initializer", "INITIALIZERS", "initialize_parameters", "make_rng"]


class Initializer(NamedTuple):
    """``scale(G, n_prev, n)`` turns a standard-normal draw G into W[l] (``None``: zeros).

    The course's own arithmetic is kept (``G * 0.01``, ``G / sqrt(n_prev)``) so course-mode
    parameters are bit-identical to the notebooks'.
    """

    name: str
    scale: Callable[[np.ndarray, int, int], np.ndarray] | None
    description: str


INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in (
        Initializer("zeros", None, "all zeros (every hidden unit stays identical: symmetry)"),
        Initializer("random", lambda G, n_prev, n: G * 0.01, "randn * 0.01"),
        Initializer("scaled", lambda G, n_prev, n: G / math.sqrt(n_prev), "randn / sqrt(n[l-1])"),
        Initializer("he", lambda G, n_prev, n: G * math.sqrt(2.0 / n_prev), "randn * sqrt(2 / n[l-1])"),
        Initializer(
            "xavier", lambda G, n_prev, n: G * math.sqrt(2.0 / (n_prev + n)), "randn * sqrt(2 / (n[l-1] + n[l]))"
        ),
    )
}


def make_rng(seed=None, course: bool = False):
    """Return the random source: legacy ``RandomState`` in course mode, else ``default_rng``."""
    if course:
        return np.random.RandomState(seed)
    return np.random.default_rng(seed)


def _randn(rng, shape):
    if isinstance(rng, np.random.RandomState):
        return rng.randn(*shape)
    return rng.standard_normal(shape)


def initialize_parameters(layer_dims, method: str = "scaled", seed=None, course: bool = False, dtype=np.float64):
    """Initialize W1, b1, …, WL, bL for ``layer_dims = [n_x, n[1], …, n[L]]``.

    Parameters
    ----------
    layer_dims : list of int
        Layer sizes including the input size n_x and the output size n[L].
    method : {'zeros', 'random', 'scaled', 'he', 'xavier'}
        See the module table.
    seed : int or None
        Seed of the random source (or an existing ``RandomState``/``Generator``).
    course : bool
        Use the legacy ``RandomState(seed)`` as the course's notebooks do.
    dtype : numpy dtype
        float64 (default) or float32; draws are made in float64 and then cast, so float32
        parameters are the float64 ones rounded.

    Returns
    -------
    dict
        ``{"W1": (n[1], n_x), "b1": (n[1], 1), …}``.
    """
    dims = check_layer_dims(layer_dims)
    init = INITIALIZERS[check_choice(method, INITIALIZERS, "initialization", "initialize_parameters")]
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        rng = seed
    else:
        rng = None if init.scale is None else make_rng(seed, course)
    params = {}
    for l in range(1, len(dims)):
        n_prev, n = dims[l - 1], dims[l]
        if init.scale is None:
            W = np.zeros((n, n_prev))
        else:
            W = init.scale(_randn(rng, (n, n_prev)), n_prev, n)
        params[f"W{l}"] = W.astype(dtype, copy=False)
        params[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return params
