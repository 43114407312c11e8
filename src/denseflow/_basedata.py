"""Private building blocks shared by the data-set modules (:mod:`denseflow.datasets`, ``_catdata``).

* :func:`_check_m` — the number of examples ``m`` of a generated set, with a clear message.
* :func:`_import_optional` — import h5py or scikit-learn lazily, or say which pip extra brings it.
* :func:`_column_labels` — scikit-learn's (m, 2), (m,) arrays in the course's (2, m), (1, m) layout.

Import the public data sets from :mod:`denseflow.datasets`; this module is private.
Only NumPy and the standard library are imported here.
"""

from __future__ import annotations

import importlib

import numpy as np

from ._validation import check_positive_int

__all__: list[str] = []


def _check_m(m, owner: str, *, even: bool = False, minimum: int = 2):
    m = check_positive_int(m, "m", owner)
    if m < minimum:
        raise ValueError(f"The 'm' parameter of {owner} must be an int >= {minimum}. Got {m!r} instead.")
    if even and m % 2:
        raise ValueError(
            f"The 'm' parameter of {owner} must be an even int (m/2 points per class). "
            f"Got {m!r} instead; use {m + 1} or {m - 1}."
        )
    return m


def _import_optional(module: str, pip_name: str, owner: str):
    """Import an optional dependency, or say which pip extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{owner} needs the optional package {pip_name!r}, which is not installed. "
            f'Install it with: pip install "denseflow[data]" (or pip install {pip_name}).'
        ) from exc


def _column_labels(X, Y):
    """(X, Y) from scikit-learn's (m, 2), (m,) to the course's (2, m), (1, m) float64."""
    return np.ascontiguousarray(X.T, dtype=np.float64), Y.reshape(1, -1).astype(np.float64)
