"""Data sets in the course's layout: X (n_x, m), one column per example, and Y (1, m).

* :func:`planar_flower` — the two-petal "flower" of week 3, bit-identical to the course's
  ``load_planar_dataset`` (same legacy seeding, same draw order, same arithmetic).
* :func:`noisy_moons`, :func:`noisy_circles`, :func:`blobs`, :func:`gaussian_quantiles` — the
  extra planar sets of the course's ``load_extra_datasets``, built with scikit-learn.
* :data:`DATASETS` / :func:`load_dataset` — the planar sets by their command-line names.
* :func:`load_cat` / :func:`load_cat_images` — the cat-vs-non-cat HDF5 files of weeks 2 and 4.
* :func:`load_csv` / :func:`load_features_csv` — your own table, one row per example.
* :func:`standardize`, :func:`standardization_stats`, :func:`train_val_split`, :func:`columns_to_images`.

The cat loader is defined in the private module ``denseflow._catdata``, the CSV loaders and the
standardization functions in ``denseflow._csvdata``, the helpers the sets share in
``denseflow._basedata``; the public names are re-exported here: import them from ``denseflow.datasets``.

All labels are returned as float64 0.0/1.0 (the course uses uint8 for the flower and int64 for
the cats; the models accept any of them, and float64 avoids unsigned wrap-around in ``1 - Y``).

Only NumPy is imported here. h5py and scikit-learn are imported inside the functions that need
them, so ``import denseflow`` stays light; install them with ``pip install "denseflow[data]"``.

Examples
--------
>>> from denseflow.datasets import planar_flower
>>> X, Y = planar_flower()
>>> X.shape, Y.shape
((2, 400), (1, 400))
>>> X[:, 0].round(8)
array([1.20444229, 3.57611415])
"""

from __future__ import annotations

import inspect

import numpy as np

from ._basedata import _check_m, _column_labels, _import_optional
from ._catdata import CatData, CatImages, load_cat, load_cat_images  # re-exported, like the CSV loaders
from ._csvdata import (  # re-exported: the CSV loaders live in _csvdata to keep modules small
    CsvData,
    load_csv,
    load_features_csv,
    standardization_stats,
    standardize,
)
from ._validation import check_choice, check_positive, check_positive_int, check_seed, check_X, check_XY

__all__ = [
    "planar_flower",
    "noisy_moons",
    "noisy_circles",
    "blobs",
    "gaussian_quantiles",
    "DATASETS",
    "load_dataset",
    "CatData",
    "CatImages",
    "load_cat",
    "load_cat_images",
    "columns_to_images",
    "CsvData",
    "load_csv",
    "load_features_csv",
    "standardization_stats",
    "standardize",
    "train_val_split",
]


# ---------------------------------------------------------------------------------------------
# planar data sets
# ---------------------------------------------------------------------------------------------


def planar_flower(m: int = 400, seed: int = 1):
    r"""The course's two-class "flower" (week 3, ``load_planar_dataset``).

    For each class j ∈ {0, 1}, N = m/2 points are drawn, in this order, from a legacy
    ``np.random.RandomState(seed)`` (the global NumPy seed is neither used nor changed):

    .. math::

        t = \mathrm{linspace}(3.12\,j,\ 3.12\,(j+1),\ N) + 0.2\,\varepsilon, \qquad
        r = 4 \sin(4t) + 0.2\,\eta, \qquad x = (r \sin t,\ r \cos t)

    with ε, η ~ N(0, 1) (ε drawn before η). With the defaults the numbers are bit-identical to the
    course's, which seeds the global generator with ``np.random.seed(1)``.

    Parameters
    ----------
    m : int, default 400
        Number of examples; a positive even int.
    seed : int, default 1
        Seed of the legacy ``RandomState`` (1 is the course's).

    Returns
    -------
    X : ndarray of shape (2, m), float64
        One column per point; the first m/2 columns are class 0.
    Y : ndarray of shape (1, m), float64
        Labels 0.0 (red) / 1.0 (blue). The course stores them as uint8.

    Examples
    --------
    >>> X, Y = planar_flower()
    >>> X[:, 0].round(8), int(Y.sum())
    (array([1.20444229, 3.57611415]), 200)
    """
    owner = "planar_flower"
    m = _check_m(m, owner, even=True)
    seed = check_seed(seed, owner)
    rng = np.random.RandomState(seed)
    N = m // 2
    a = 4  # maximum ray of the flower
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        # Same expressions, in the same order, as the course: bit-identical results.
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)


def noisy_moons(m: int = 200, noise: float = 0.2, seed: int | None = 1):
    """Two interleaving half circles (scikit-learn's ``make_moons``; course: noise=.2).

    Parameters
    ----------
    m : int, default 200
        Number of examples (the course's N = 200).
    noise : float, default 0.2
        Standard deviation of the Gaussian noise added to the points.
    seed : int or None, default 1
        ``random_state`` for scikit-learn. The course passed none (the global generator), so its
        exact points cannot be reproduced; None does the same.

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of 0.0/1.0

    Examples
    --------
    >>> X, Y = noisy_moons(m=10)
    >>> X.shape, Y.shape, np.unique(Y).tolist()
    ((2, 10), (1, 10), [0.0, 1.0])
    """
    owner = "noisy_moons"
    m = _check_m(m, owner)
    noise = check_positive(noise, "noise", owner, allow_zero=True)
    seed = check_seed(seed, owner, allow_none=True)
    sk = _import_optional("sklearn.datasets", "scikit-learn", owner)
    return _column_labels(*sk.make_moons(n_samples=m, noise=noise, random_state=seed))


def noisy_circles(m: int = 200, factor: float = 0.5, noise: float = 0.3, seed: int | None = 1):
    """A small circle (label 1) inside a large one (label 0) (``make_circles``; course: factor=.5, noise=.3).

    Parameters
    ----------
    m : int, default 200
        Number of examples.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one, in (0, 1).
    noise : float, default 0.3
        Standard deviation of the Gaussian noise.
    seed : int or None, default 1
        ``random_state`` for scikit-learn (the course used the global generator).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of 0.0/1.0

    Examples
    --------
    >>> X, Y = noisy_circles(m=10)
    >>> X.shape, Y.shape
    ((2, 10), (1, 10))
    """
    owner = "noisy_circles"
    m = _check_m(m, owner)
    factor = check_positive(factor, "factor", owner)
    if factor >= 1:
        raise ValueError(f"The 'factor' parameter of {owner} must be in (0, 1). Got {factor!r} instead.")
    noise = check_positive(noise, "noise", owner, allow_zero=True)
    seed = check_seed(seed, owner, allow_none=True)
    sk = _import_optional("sklearn.datasets", "scikit-learn", owner)
    return _column_labels(*sk.make_circles(n_samples=m, factor=factor, noise=noise, random_state=seed))


def blobs(m: int = 200, seed: int | None = 5, centers: int = 6):
    """Gaussian blobs around ``centers`` centres, labelled by centre index mod 2.

    The course makes six blobs (``make_blobs(n_samples=N, random_state=5, n_features=2,
    centers=6)``) and then uses ``Y % 2`` so that the task stays binary; so does this function.

    Parameters
    ----------
    m : int, default 200
        Number of examples.
    seed : int or None, default 5
        ``random_state`` for scikit-learn; 5 is the course's, so the defaults reproduce its data.
    centers : int, default 6
        Number of blobs (>= 2).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of 0.0/1.0 (blob index mod 2)

    Examples
    --------
    >>> X, Y = blobs(m=12)
    >>> X.shape, np.unique(Y).tolist()
    ((2, 12), [0.0, 1.0])
    """
    owner = "blobs"
    m = _check_m(m, owner)
    seed = check_seed(seed, owner, allow_none=True)
    centers = check_positive_int(centers, "centers", owner)
    if centers < 2:
        raise ValueError(f"The 'centers' parameter of {owner} must be an int >= 2. Got {centers!r} instead.")
    sk = _import_optional("sklearn.datasets", "scikit-learn", owner)
    X, Y = sk.make_blobs(n_samples=m, random_state=seed, n_features=2, centers=centers)
    return _column_labels(X, Y % 2)


def gaussian_quantiles(m: int = 200, seed: int | None = 1, n_classes: int = 2, cov: float = 0.5):
    """Concentric classes cut from one Gaussian by quantiles (``make_gaussian_quantiles``).

    The course's call: ``mean=None, cov=0.5, n_features=2, n_classes=2, shuffle=True``.

    Parameters
    ----------
    m : int, default 200
        Number of examples (>= n_classes).
    seed : int or None, default 1
        ``random_state`` for scikit-learn (the course passed None).
    n_classes : int, default 2
        Number of classes; labels are 0 .. n_classes-1 (binary with the default).
    cov : float, default 0.5
        Variance of the (isotropic) Gaussian.

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of class indices

    Examples
    --------
    >>> X, Y = gaussian_quantiles(m=10)
    >>> X.shape, np.unique(Y).tolist()
    ((2, 10), [0.0, 1.0])
    """
    owner = "gaussian_quantiles"
    m = _check_m(m, owner)
    seed = check_seed(seed, owner, allow_none=True)
    n_classes = check_positive_int(n_classes, "n_classes", owner)
    if n_classes < 2 or n_classes > m:
        raise ValueError(
            f"The 'n_classes' parameter of {owner} must be an int in [2, m={m}]. Got {n_classes!r} instead."
        )
    cov = check_positive(cov, "cov", owner)
    sk = _import_optional("sklearn.datasets", "scikit-learn", owner)
    X, Y = sk.make_gaussian_quantiles(
        mean=None, cov=cov, n_samples=m, n_features=2, n_classes=n_classes, shuffle=True, random_state=seed
    )
    return _column_labels(X, Y)


#: The planar data sets by their command-line names (``denseflow train --dataset NAME``).
DATASETS = {
    "planar": planar_flower,
    "moons": noisy_moons,
    "circles": noisy_circles,
    "blobs": blobs,
    "gaussian-quantiles": gaussian_quantiles,
}


def load_dataset(name: str, **kwargs):
    """Build a planar data set by its name in :data:`DATASETS`.

    Parameters
    ----------
    name : {'planar', 'moons', 'circles', 'blobs', 'gaussian-quantiles'}
    **kwargs
        Passed on to the generator (e.g. ``m``, ``seed``, ``noise``).

    Returns
    -------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m)

    Examples
    --------
    >>> X, Y = load_dataset("planar", m=10)
    >>> X.shape
    (2, 10)
    """
    check_choice(name, DATASETS, "name", "load_dataset")
    func = DATASETS[name]
    params = inspect.signature(func).parameters
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unknown parameter(s) {unknown}; {func.__name__} accepts "
            f"{list(params)}."
        )
    return func(**kwargs)


# ---------------------------------------------------------------------------------------------
# cat vs non-cat: the loader (HDF5) lives in _catdata; here the way back from columns to images
# ---------------------------------------------------------------------------------------------


def columns_to_images(X, image_shape=(64, 64, 3)):
    """Undo the course's flattening: X (h·w·c, m) in [0, 1] → uint8 images (m, h, w, c).

    Exact for columns made by :func:`load_cat` (x / 255 · 255 rounds back to x).

    Examples
    --------
    >>> x = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    >>> bool(np.array_equal(columns_to_images(x.reshape(1, -1).T / 255, (2, 2, 3)), x))
    True
    """
    shape = tuple(int(s) for s in image_shape)
    X = check_X(X, int(np.prod(shape)), owner=f"an image of shape {shape}")
    if X.min() < 0 or X.max() > 1:
        raise ValueError(f"X must hold pixel values in [0, 1] (pixels / 255); found [{X.min():g}, {X.max():g}].")
    return np.rint(X.T * 255).astype(np.uint8).reshape((X.shape[1],) + shape)


# ---------------------------------------------------------------------------------------------
# splitting
# ---------------------------------------------------------------------------------------------


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
