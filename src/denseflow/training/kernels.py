"""Compiled one-pass optimizer steps for :class:`denseflow.training.FastBatchEngine` (optional: numba).

The engine's optimizer step over the flat parameter buffer is a series of NumPy passes, each a
read and a write of arrays as large as θ: Adam's folded step (:meth:`FastBatchEngine._adam_folded`)
is 11 of them, 0.51 ms per update in float64 for the [784, 256, 128, 1] network (234,113
parameters), half of a batch-64 epoch. With numba installed (``pip install "denseflow[fast]"``)
the same step runs as one loop that reads θ, dθ and the moments once and writes θ and the moments
once: 0.087 ms (float64) and 0.042 ms instead of 0.19 ms (float32), measured on this project's
machine. There is a kernel for each step of :data:`KERNELS` (gradient descent, momentum and
Nesterov's look-ahead, RMSprop, the course's Adam and the folded one). Each does its passes'
arithmetic in their order and rounding, so the parameters are **bit-identical** with and without
numba (tests assert it): numba changes only the speed, and a run resumed on the other side of the
switch equals the uninterrupted one.

When a kernel is used (:func:`step_kernel`), for float32 and float64 networks (a float16 or
longdouble one keeps the passes):

* ``DENSEFLOW_NUMBA`` unset or ``auto`` (the default): for networks of at least
  :data:`MIN_PARAMETERS` parameters, when numba can be imported. Below that, Adam's 11 passes take
  under 70 µs per update, and a process would pay more for importing numba (~0.15 s) and loading
  the compiled kernel than it saves;
* ``DENSEFLOW_NUMBA=1`` (also ``on``, ``true``, ``yes``): at every size; an ImportError if numba
  is not installed or cannot be loaded, a RuntimeError if it cannot compile a kernel;
* ``DENSEFLOW_NUMBA=0`` (also ``off``, ``false``, ``no``): never.

numba is imported only here, when a large enough network trains with mini-batches: ``import
denseflow`` still loads only NumPy and SciPy. A numba that is installed but cannot be loaded (for
example a release that does not support the installed NumPy), or that fails to compile a kernel
at its first call, gives one :class:`RuntimeWarning` and the NumPy passes (the same numbers), unless
``DENSEFLOW_NUMBA=1``. With ``NUMBA_DISABLE_JIT=1`` (numba's switch for debugging) the loops would
run as Python, so the passes are used, whatever ``DENSEFLOW_NUMBA`` says. numba caches the
compiled kernels on disk (beside the module, else in the user's cache folder), so only the first
process compiles them (~0.3 s each).

Examples
--------
>>> import os
>>> os.environ.get("DENSEFLOW_NUMBA", "auto") in ("auto", "0", "1", "on", "off")
True
>>> step_kernel("adam_folded", 10**6, environ={"DENSEFLOW_NUMBA": "off"}) is None
True
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import warnings

import numpy as np

__all__ = ["ENV_VARIABLE", "MIN_PARAMETERS", "KERNELS", "DTYPES", "kernel_setting", "step_kernel", "kernel_failed"]

#: The environment variable that turns the compiled kernels on or off.
ENV_VARIABLE = "DENSEFLOW_NUMBA"
#: With ``DENSEFLOW_NUMBA=auto``, networks with fewer parameters keep NumPy's passes.
MIN_PARAMETERS = 32_768
#: The optimizer steps there is a kernel for.
KERNELS = ("gd", "momentum", "nesterov", "rmsprop", "adam", "adam_folded")

_SETTINGS = {"": "auto", "auto": "auto", "1": "on", "on": "on", "true": "on", "yes": "on",
             "0": "off", "off": "off", "false": "off", "no": "off"}
#: The dtypes there are kernels for (a float16 or longdouble network keeps NumPy's passes).
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_lock = threading.Lock()
_loaded = None  # the module of kernels once imported; False once it failed
_problem = ""
_warned = False  # the RuntimeWarning about an unusable numba was given


def kernel_setting(environ=None) -> str:
    """``'auto'``, ``'on'`` or ``'off'``: the value of ``DENSEFLOW_NUMBA`` (ValueError for another)."""
    environ = os.environ if environ is None else environ
    raw = environ.get(ENV_VARIABLE, "auto")
    setting = _SETTINGS.get(raw.strip().lower())
    if setting is None:
        raise ValueError(f"The environment variable {ENV_VARIABLE} must be 'auto', '1' (on) or '0' (off) "
                         f"(also accepted: 'on', 'true', 'yes', 'off', 'false', 'no'). Got {raw!r} instead. "
                         f"Unset it to let denseflow decide.")
    return setting


def _warn_unusable():
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"numba is installed but could not be used ({_problem}); denseflow's mini-batch engine "
                      f"uses NumPy's passes instead (the same numbers, slower). Set {ENV_VARIABLE}=0 to silence "
                      f"this.", RuntimeWarning, stacklevel=4)


def _load(required: bool):
    """The module :mod:`denseflow.training._numba`, or None when numba is missing or unusable."""
    global _loaded, _problem
    with _lock:  # two threads building engines at once import (and warn) once
        if _loaded is None:
            if importlib.util.find_spec("numba") is None:
                if required:
                    raise ImportError(f"{ENV_VARIABLE}=1 asks for numba's compiled kernels, but numba is not "
                                      f"installed. Install it with `pip install \"denseflow[fast]\"`, or unset "
                                      f"{ENV_VARIABLE}.")
                return None  # not remembered: a later install in the same process is picked up
            try:
                compiled = importlib.import_module("denseflow.training._numba")
            except Exception as error:  # installed but unusable (e.g. a release built for another NumPy)
                _loaded, _problem = False, f"{type(error).__name__}: {error}"
            else:
                _loaded = compiled
        if _loaded is False:
            if required:
                raise ImportError(f"{ENV_VARIABLE}=1 asks for numba's compiled kernels, but numba could not be "
                                  f"used ({_problem}). Install a numba release that supports this NumPy, or unset "
                                  f"{ENV_VARIABLE}.")
            _warn_unusable()
            return None
    from numba.core.config import DISABLE_JIT

    return None if DISABLE_JIT else _loaded


def step_kernel(name: str, parameters: int, dtype=np.float64, environ=None):
    """The compiled one-pass optimizer step ``name`` for a network of ``parameters`` parameters, or None.

    ``name`` is one of :data:`KERNELS`: 'gd', 'momentum', 'nesterov', 'rmsprop', 'adam' (the
    course's order of operations) and 'adam_folded' (:meth:`FastBatchEngine._adam_folded`). None
    means: use NumPy's passes (numba is missing or turned off, the network is small, or its
    ``dtype`` is not one of :data:`DTYPES`; see the module's docstring). The kernel works on the
    flat buffers in place, with the scalars in the buffers' dtype, and computes what the engine's
    NumPy passes compute, bit for bit, except that it leaves the gradient buffer as it found it;
    its arguments are those of :mod:`denseflow.training._numba`.
    """
    if name not in KERNELS:
        raise ValueError(f"name must be one of {', '.join(map(repr, KERNELS))}. Got {name!r} instead.")
    setting = kernel_setting(environ)
    if setting == "off" or (setting == "auto" and parameters < MIN_PARAMETERS) or np.dtype(dtype) not in DTYPES:
        return None
    module = _load(required=setting == "on")
    return None if module is None else getattr(module, name)


def kernel_failed(error: Exception, environ=None) -> None:
    """What a kernel's first call that raised (numba could not compile it) comes to.

    With ``DENSEFLOW_NUMBA=1`` a RuntimeError that names the cause; otherwise one RuntimeWarning
    (the caller then takes NumPy's passes, whose numbers are the same). A kernel raises only before
    it runs (while numba types and compiles it), so the buffers are as they were.
    """
    global _loaded, _problem
    problem = f"{type(error).__name__}: {error}"
    if kernel_setting(environ) == "on":
        raise RuntimeError(f"{ENV_VARIABLE}=1 asks for numba's compiled kernels, but numba could not compile one "
                           f"({problem}). Unset {ENV_VARIABLE} to train with NumPy's passes.") from error
    with _lock:
        _loaded, _problem = False, problem
        _warn_unusable()
