"""The compiled optimizer steps of :mod:`denseflow.training.kernels` (imported only when numba is installed).

Each kernel is one loop over the flat buffers that performs, element by element, the NumPy passes
of :class:`denseflow.training.FastBatchEngine` it replaces (``_step``, ``_adam_folded``), in their
order and rounding: no fused multiply-add (numba leaves ``fastmath`` off),
and ``error_model='numpy'`` (a division by zero gives inf as NumPy's does, without the check that
would keep the loop from being vectorized). The results are therefore bit-identical to the
passes'. Compiled functions are cached on disk (numba's ``cache=True``); where no cache location
is writable they are compiled once per process instead.
"""

from __future__ import annotations

import math

import numba

__all__ = ["gd", "momentum", "nesterov", "rmsprop", "adam", "adam_folded"]

_OPTIONS = {"nogil": True, "error_model": "numpy", "boundscheck": False}


def _jit(function):
    try:
        return numba.njit(cache=True, **_OPTIONS)(function)
    except RuntimeError:  # no writable cache location ("no locator available")
        return numba.njit(**_OPTIONS)(function)


@_jit
def adam_folded(theta, g, v, s, beta1, beta2, c, eps_c2, k):  # pragma: no cover - compiled by numba
    """Adam's folded step in one pass: v := β₁ v + G; s := β₂ s + c G²; θ := θ − k v / (√s + ε c₂)."""
    for i in range(theta.shape[0]):
        gi = g[i]
        vi = v[i] * beta1
        vi = vi + gi
        v[i] = vi
        gg = gi * gi
        gg = gg * c
        si = s[i] * beta2
        si = si + gg
        s[i] = si
        d = math.sqrt(si)
        d = d + eps_c2
        u = vi / d
        u = u * k
        theta[i] = theta[i] - u


@_jit
def gd(theta, g, alpha):  # pragma: no cover - compiled by numba
    """θ := θ − α dθ."""
    for i in range(theta.shape[0]):
        u = g[i] * alpha
        theta[i] = theta[i] - u


@_jit
def momentum(theta, g, v, beta, one_minus_beta, alpha):  # pragma: no cover - compiled by numba
    """v := β v + (1 − β) dθ; θ := θ − α v."""
    for i in range(theta.shape[0]):
        gi = g[i] * one_minus_beta
        vi = v[i] * beta
        vi = vi + gi
        v[i] = vi
        u = vi * alpha
        theta[i] = theta[i] - u


@_jit
def nesterov(theta, g, v, beta, one_minus_beta, alpha):  # pragma: no cover - compiled by numba
    """v := β v + (1 − β) dθ; θ := θ − α (β v + (1 − β) dθ)."""
    for i in range(theta.shape[0]):
        gi = g[i] * one_minus_beta
        vi = v[i] * beta
        vi = vi + gi
        v[i] = vi
        u = vi * beta
        u = u + gi
        u = u * alpha
        theta[i] = theta[i] - u


@_jit
def rmsprop(theta, g, s, beta, one_minus_beta, epsilon, alpha):  # pragma: no cover - compiled by numba
    """s := β s + (1 − β) dθ²; θ := θ − α dθ / (√s + ε)."""
    for i in range(theta.shape[0]):
        gi = g[i]
        gg = gi * gi
        gg = gg * one_minus_beta
        si = s[i] * beta
        si = si + gg
        s[i] = si
        d = math.sqrt(si)
        d = d + epsilon
        u = gi * alpha
        u = u / d
        theta[i] = theta[i] - u


@_jit
def adam(theta, g, v, s, beta1, one_minus_beta1, beta2, one_minus_beta2, correction1, correction2, epsilon,
         alpha):  # pragma: no cover - compiled by numba
    """The course's Adam: v := β₁ v + (1 − β₁) dθ; s := β₂ s + (1 − β₂) dθ²;
    θ := θ − α (v / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)."""
    for i in range(theta.shape[0]):
        gi = g[i]
        gi1 = gi * one_minus_beta1
        vi = v[i] * beta1
        vi = vi + gi1
        v[i] = vi
        gg = gi * gi
        gg = gg * one_minus_beta2
        si = s[i] * beta2
        si = si + gg
        s[i] = si
        d = si / correction2
        d = math.sqrt(d)
        d = d + epsilon
        u = vi / correction1
        u = u * alpha
        u = u / d
        theta[i] = theta[i] - u
