"""What the data-set modules share, and the train/validation split.

* :func:`train_val_split` — a seeded random split of the columns of X and Y.
* :func:`_check_m` — the number of examples ``m`` of a generated set, with a clear message.
* :func:`_import_optional` — import h5py or scikit-learn lazily, or say how to install it.
* :func:`_column_labels` — scikit-learn's (m, 2), (m,) arrays in the course's (2, m), (1, m) layout.

Only NumPy and the standard library are imported here.
"""

from __future__ import annotations

import importlib

import numpy as np

from denseflow.core.validation import check_positive, check_positive_int, check_XY

__all__ = ["train_val_split"]


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


#: Packages imported lazily that come with a plain install (the rest come with the [data] extra).
_DEPENDENCIES = {"scikit-learn"}


def _import_optional(module: str, pip_name: str, owner: str):
    """Import a lazily loaded package, or say how to install it (the [data] extra, or a dependency)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if pip_name in _DEPENDENCIES:
            raise ImportError(
                f"{owner} needs the package {pip_name!r}, a dependency of denseflow that is not installed "
                f"(or fails to import). Install it with: pip install {pip_name} (or reinstall denseflow)."
            ) from exc
        raise ImportError(
            f"{owner} needs the optional package {pip_name!r}, which is not installed. "
            f'Install it with: pip install "denseflow[data]" (or pip install {pip_name}).'
        ) from exc


def _column_labels(X, Y):
    """(X, Y) from scikit-learn's (m, 2), (m,) to the course's (2, m), (1, m) float64."""
    return np.ascontiguousarray(X.T, dtype=np.float64), Y.reshape(1, -1).astype(np.float64)


def train_val_split(X, Y, val_fraction: float = 0.2, seed: int | None = 0):
    """Split the columns of X and Y at random into training and validation sets.

    A permutation from ``np.random.default_rng(seed)`` is cut into
    n_val = round(val_fraction · m) (at least 1) validation columns and the rest.

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (n_y, m)
    val_fraction : float in [0, 1), default 0.2
        0 means no validation set.
    seed : int or None, default 0
        None draws a fresh, non-reproducible split.

    Returns
    -------
    X_train, Y_train, X_val, Y_val
        Arrays of shapes (n_x, m - n_val), (n_y, m - n_val), (n_x, n_val), (n_y, n_val).
        With ``val_fraction=0``: X, Y unshuffled, and None, None.

    Examples
    --------
    >>> X, Y = np.arange(20.0).reshape(2, 10), np.ones((1, 10))
    >>> [a.shape for a in train_val_split(X, Y, 0.3, seed=0)]
    [(2, 7), (1, 7), (2, 3), (1, 3)]
    """
    owner = "train_val_split"
    X, Y = check_XY(X, Y)
    val_fraction = check_positive(val_fraction, "val_fraction", owner, allow_zero=True)
    if val_fraction >= 1:
        raise ValueError(
            f"The 'val_fraction' parameter of {owner} must be in [0, 1) (0 = no validation set). "
            f"Got {val_fraction!r} instead."
        )
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"The 'seed' parameter of {owner} must be an int >= 0 or None. Got {seed!r} instead.")
    if val_fraction == 0:
        return X, Y, None, None
    m = X.shape[1]
    n_val = max(1, int(round(val_fraction * m)))
    if n_val >= m:
        raise ValueError(
            f"val_fraction={val_fraction} of m={m} examples leaves no training example; "
            f"use a smaller val_fraction or more data."
        )
    perm = np.random.default_rng(seed).permutation(m)
    val, train = perm[:n_val], perm[n_val:]
    return X[:, train], Y[:, train], X[:, val], Y[:, val]
