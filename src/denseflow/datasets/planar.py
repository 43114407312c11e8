"""The planar data sets: the course's two-petal flower and the extra sets of week 3.

* :func:`planar_flower` — the two-petal "flower" of week 3, bit-identical to the course's
  ``load_planar_dataset`` (same legacy seeding, same draw order, same arithmetic).
* :func:`noisy_moons`, :func:`noisy_circles`, :func:`blobs`, :func:`gaussian_quantiles` — the
  extra planar sets of the course's ``load_extra_datasets``, built with scikit-learn.
* :data:`DATASETS` / :func:`load_dataset` — the planar sets by their command-line names;
  :func:`load_dataset_split` — one of them with a seeded, held-out test part.

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

from denseflow.core.validation import (
    check_choice,
    check_fraction,
    check_positive,
    check_positive_int,
    check_seed,
)
from denseflow.datasets.common import _check_m, _column_labels, _import_optional, train_val_split

__all__ = ["planar_flower", "noisy_moons", "noisy_circles", "blobs", "gaussian_quantiles", "DATASETS", "load_dataset",
           "load_dataset_split", "HELD_OUT_SEED"]


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


def blobs(m: int = 200, seed: int | None = 5, centers: int = 6, centers_seed: int | None = None):
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
    centers_seed : int or None, default None
        Seed of the blob centres when it differs from ``seed``: the centres are those that
        ``seed=centers_seed`` gives, the points are drawn with ``seed``. So
        ``blobs(seed=7, centers_seed=5)`` holds new points from the course's six blobs (a held-out
        set); None uses ``seed`` for both, as ``make_blobs`` does.

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of 0.0/1.0 (blob index mod 2)

    Examples
    --------
    >>> X, Y = blobs(m=12)
    >>> X.shape, np.unique(Y).tolist()
    ((2, 12), [0.0, 1.0])
    >>> X_new, _ = blobs(m=12, seed=7, centers_seed=5)   # other points, the same six blobs
    """
    owner = "blobs"
    m = _check_m(m, owner)
    seed = check_seed(seed, owner, allow_none=True)
    centers = check_positive_int(centers, "centers", owner)
    if centers < 2:
        raise ValueError(f"The 'centers' parameter of {owner} must be an int >= 2. Got {centers!r} instead.")
    centers_seed = check_seed(centers_seed, owner, allow_none=True, param="centers_seed")
    sk = _import_optional("sklearn.datasets", "scikit-learn", owner)
    where = centers
    if centers_seed is not None and centers_seed != seed:
        # The centres that make_blobs draws for centers_seed (it draws them before the points).
        where = sk.make_blobs(n_samples=centers, random_state=centers_seed, n_features=2, centers=centers,
                              return_centers=True)[2]
    X, Y = sk.make_blobs(n_samples=m, random_state=seed, n_features=2, centers=where)
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


#: The seed of held-out data: the new points of :func:`load_dataset` (``held_out=True``; no
#: generator's default seed) and the permutation that picks the test part in :func:`load_dataset_split`.
HELD_OUT_SEED = 1_000_003


def load_dataset(name: str, *, held_out: bool = False, **kwargs):
    """Build a planar data set by its name in :data:`DATASETS`.

    Parameters
    ----------
    name : {'planar', 'moons', 'circles', 'blobs', 'gaussian-quantiles'}
    held_out : bool, default False
        Draw new points from the same distribution as the default set, with the fixed seed
        :data:`HELD_OUT_SEED` instead of the generator's default seed (for blobs the centres
        stay those of the default seed): data a model trained on the default set never saw.
        ``seed`` cannot be given with it.
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
    >>> X_new, Y_new = load_dataset("planar", m=10, held_out=True)
    >>> bool(np.any(X_new != X))
    True
    """
    check_choice(name, DATASETS, "name", "load_dataset")
    func = DATASETS[name]
    params = inspect.signature(func).parameters
    if not isinstance(held_out, (bool, np.bool_)):
        raise TypeError(f"The 'held_out' parameter of load_dataset must be True or False. Got {held_out!r} instead.")
    if held_out:
        if "seed" in kwargs or "centers_seed" in kwargs:
            raise TypeError("load_dataset(held_out=True) draws with its own seed (HELD_OUT_SEED): do not pass "
                            "'seed' or 'centers_seed'.")
        if "centers_seed" in params:
            kwargs["centers_seed"] = params["seed"].default
        kwargs["seed"] = HELD_OUT_SEED
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unknown parameter(s) {unknown}; {func.__name__} accepts "
            f"{list(params)}."
        )
    return func(**kwargs)


def load_dataset_split(name: str, test_fraction: float = 0.2, **kwargs):
    """A planar data set by its name, with a fixed, seeded test part held out.

    The set of ``load_dataset(name, **kwargs)`` (its default seed unless ``seed`` is given) is
    cut by :func:`~denseflow.datasets.train_val_split` with the seed :data:`HELD_OUT_SEED`:
    round(test_fraction · m) random columns form the test set, the others the training set. The
    same arguments always give the same four arrays, so a model can be scored later on exactly
    the points it never saw.

    Parameters
    ----------
    name : {'planar', 'moons', 'circles', 'blobs', 'gaussian-quantiles'}
    test_fraction : float in [0, 1), default 0.2
        0: no test part (X_test and Y_test are None).
    **kwargs
        Passed on to :func:`load_dataset` (e.g. ``m``, ``seed``, ``noise``).

    Returns
    -------
    X, Y : ndarray of shape (2, m − m_test), (1, m − m_test)
    X_test, Y_test : ndarray of shape (2, m_test), (1, m_test), or None

    Raises
    ------
    TypeError
        ``test_fraction`` is not a number (a string, None, a bool).
    ValueError
        ``test_fraction`` is outside [0, 1).

    Examples
    --------
    >>> X, Y, X_test, Y_test = load_dataset_split("moons", 0.2)
    >>> X.shape, X_test.shape
    ((2, 160), (2, 40))
    >>> X_all, _ = load_dataset("moons")
    >>> sorted(map(tuple, np.hstack([X, X_test]).T)) == sorted(map(tuple, X_all.T))   # a partition
    True
    """
    try:
        # Not a number (a string, None, a bool) → TypeError; a number outside [0, 1) → ValueError.
        test_fraction = check_fraction(test_fraction, "test_fraction", "load_dataset_split", low_closed=True,
                                       high_closed=False)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} Pass a float such as test_fraction=0.2, or 0 for no test part.") from None
    X, Y = load_dataset(name, **kwargs)
    if test_fraction == 0:
        return X, Y, None, None
    return train_val_split(X, Y, float(test_fraction), seed=HELD_OUT_SEED)
