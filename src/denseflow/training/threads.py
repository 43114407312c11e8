"""How many BLAS threads training uses: one for small matrix products, and on a busy machine.

Training is matrix products (OpenBLAS, through NumPy) plus elementwise work (one thread). A
second BLAS thread pays only for large products on free cores; measured on this project's
2-core machine (``benchmarks/threads.py``, ``benchmarks/RESULTS.md``, section "BLAS threads"):

* on a quiet machine a second thread changes nothing up to 262,144 multiply-adds (n·k·m of a
  product ``(n, k) @ (k, m)``: OpenBLAS runs them on one thread anyway) and is 1.6× faster from
  884,736 (96³) on; the crossover, :data:`SMALL_PRODUCT`, lies between. The planar networks'
  products (a few thousand) never gain;
* on a busy machine (other processes running on the cores) OpenBLAS's threads wait for each
  other at every product: in five runs the cat network's iteration with 2 threads took from
  0.65× to 42× the time of 1 thread (more than 1× in four of them).

Running on one thread when two would pay costs at most 2× (two cores); running on two when a
core is busy cost up to 40×. The policy (``threads="auto"``, the default) therefore leans to
one thread: one thread when the largest product of an iteration is below :data:`SMALL_PRODUCT`;
otherwise one thread per core that no other process is using right now (Linux: the run queue of
``/proc/loadavg`` less this process's own running threads), and the BLAS default when every
core is free. A whole number forces that many threads. The environment variable
``DENSEFLOW_NUM_THREADS`` (``auto`` or a whole number) sets it for every fit of the process;
``denseflow --threads`` sets it for one command.

threadpoolctl (a dependency of denseflow) is imported only when a limit is applied.

Examples
--------
>>> largest_product([2, 4, 1], 400)
3200
>>> choose_threads([2, 4, 1], 400, "auto")
1
>>> choose_threads([12288, 20, 7, 5, 1], 209, 2)
2
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["ENV_VARIABLE", "SMALL_PRODUCT", "largest_product", "choose_threads", "parse_threads", "blas_threads",
           "copy_threads"]

#: The environment variable read when no thread count is given.
ENV_VARIABLE = "DENSEFLOW_NUM_THREADS"
#: Products with fewer multiply-adds (n·k·m) than this run on one thread (the measured crossover).
SMALL_PRODUCT = 500_000


def largest_product(layer_dims, m: int) -> int:
    """n·k·m of the largest matrix product of one training iteration of ``layer_dims`` on m examples.

    Forward ``W[l] A[l-1]`` and backward ``dZ[l] A[l-1]ᵀ``, ``W[l]ᵀ dZ[l]`` all cost
    n[l] · n[l−1] · m multiply-adds.
    """
    dims = [int(n) for n in layer_dims]
    return max(dims[l] * dims[l - 1] for l in range(1, len(dims))) * int(m)


def parse_threads(value, source: str = "threads"):
    """``'auto'``, None or a whole number >= 1 (also as text) → 'auto' or an int; else ValueError."""
    if value is None:
        return "auto"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "auto"):
            return "auto"
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{source} must be 'auto' or a whole number >= 1. Got {value!r} instead.") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{source} must be 'auto' or a whole number >= 1. Got {value!r} instead.")
    return value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _own_running() -> int:
    """Threads of this process that are running or runnable (state R), this one included.

    BLAS worker threads spin for a while after a product: they are this process's, not a sign
    that the machine is busy.
    """
    n = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii", errors="replace") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        n += state == "R"
    return max(n, 1)


def _busy_cores() -> int:
    """Cores other processes are running on now: the run queue of /proc/loadavg less this process's threads.

    The median of three readings 1 ms apart; 0 where /proc/loadavg does not exist, or where the
    kernel counts more CPUs than this process may use (a container: the run queue is the host's).
    """
    if (os.cpu_count() or 1) != _cores():
        return 0
    readings = []
    for k in range(3):
        try:
            with open("/proc/loadavg", encoding="ascii") as f:
                running = int(f.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        readings.append(max(running - _own_running(), 0))
        if k < 2:
            time.sleep(0.001)
    return sorted(readings)[1]


def choose_threads(layer_dims, m: int, threads=None):
    """The BLAS thread count for training ``layer_dims`` on m examples, or None (leave BLAS as is).

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n[1], …, n[L]].
    m : int
        Number of examples.
    threads : 'auto', int or None
        None reads :data:`ENV_VARIABLE` (``auto`` when unset); an int is returned as is.

    Returns
    -------
    int or None
        1 for products below :data:`SMALL_PRODUCT`; otherwise the free cores when some are busy,
        None when all are free.
    """
    if threads is None:
        threads = parse_threads(os.environ.get(ENV_VARIABLE), ENV_VARIABLE)
    else:
        threads = parse_threads(threads)
    if threads != "auto":
        return threads
    if largest_product(layer_dims, m) < SMALL_PRODUCT:
        return 1
    cores = _cores()
    free = cores - _busy_cores()
    return None if free >= cores else max(1, free)


@contextmanager
def blas_threads(threads):
    """Limit the BLAS libraries to ``threads`` threads inside the block (None: no change).

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1):
    ...     float(np.ones((2, 2)) @ np.ones(2) @ np.ones(2))
    4.0
    """
    if threads is None:
        yield
        return
    token = _LIMIT.set(int(threads))
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # a plain dependency; without it training runs with the BLAS default
            yield
            return
        with threadpool_limits(limits=int(threads), user_api="blas"):
            yield
    finally:
        _LIMIT.reset(token)


#: The thread count of the innermost :func:`blas_threads` block (None outside one).
_LIMIT: ContextVar[int | None] = ContextVar("denseflow_blas_threads", default=None)


def copy_threads() -> int:
    """Threads for denseflow's own large copies (the example-major copy of X in mini-batch training).

    The count of the :func:`blas_threads` block in force, so a fit that runs its products on one
    thread copies on one too. Outside such a block, a limit the user set on BLAS: threadpoolctl's
    (when the user's code has imported it) or ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``; else
    the cores this process may use.

    Examples
    --------
    >>> with blas_threads(1):
    ...     copy_threads()
    1
    """
    limit = _LIMIT.get()
    if limit is not None:
        return limit
    cores = _cores()
    if "threadpoolctl" in sys.modules:  # a threadpool_limits block of the user's may be in force
        from threadpoolctl import threadpool_info

        counts = [int(lib.get("num_threads") or 0) for lib in threadpool_info() if lib.get("user_api") == "blas"]
        counts = [n for n in counts if n > 0]
        if counts:
            return max(1, min(cores, min(counts)))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        try:
            return max(1, min(cores, int(os.environ[name])))
        except (KeyError, ValueError):
            continue
    return cores
