"""The playground's data: the library's planar sets, XOR and a two-arm spiral, or a CSV file.

* :func:`xor` and :func:`spiral` — two more seeded 2-D sets, in the course's layout (X (2, m),
  Y (1, m)); the others come from :mod:`denseflow.datasets` (:data:`GENERATORS` holds them all).
* :func:`make_data` — the data a run trains on: generated (or uploaded), then split into a
  training and a test set with :func:`denseflow.datasets.train_val_split` (seed 0, exactly as
  ``denseflow train --val-fraction`` splits), as :class:`PlaygroundData`.
* :func:`read_upload` — an uploaded CSV file, read with :func:`denseflow.datasets.load_csv`
  (two feature columns, the label last, two classes).
* :func:`to_csv` — a data set as CSV text that ``denseflow train --dataset csv`` reads back
  bit for bit (every float written with its shortest round-trip repr).

Examples
--------
>>> X, Y = xor(m=6, seed=0)
>>> X.shape, Y.shape, sorted(set(Y.ravel().tolist()))
((2, 6), (1, 6), [0.0, 1.0])
>>> X, Y = spiral(m=10, seed=0)
>>> X.shape, int(Y.sum())
((2, 10), 5)
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow import datasets
from denseflow.core.validation import check_positive, check_seed

__all__ = ["xor", "spiral", "GENERATORS", "LABELS", "PlaygroundData", "Upload", "make_data", "read_upload",
           "to_csv"]


def _check_m(m, owner):
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
        raise ValueError(f"The 'm' parameter of {owner} must be an int >= 2. Got {m!r} instead.")
    return int(m)


def xor(m: int = 200, noise: float = 0.3, seed: int | None = 0):
    r"""The XOR pattern: label 1 where x₁ and x₂ have the same sign, 0 where they differ.

    Points are drawn uniformly in the square [−4, 4]², labelled by the sign of x₁ x₂, then moved
    by Gaussian noise: x ← x + noise · ε, ε ~ N(0, I), from ``numpy.random.default_rng(seed)``
    (uniform draws first, then the noise), so points near the axes may cross them.

    Parameters
    ----------
    m : int, default 200
        Number of examples (>= 2).
    noise : float, default 0.3
        Standard deviation of the noise, >= 0.
    seed : int or None, default 0
        Seed of ``default_rng`` (None: fresh entropy, not reproducible).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), float64 of 0.0/1.0

    Examples
    --------
    >>> X, Y = xor(m=4, noise=0.0, seed=1)
    >>> bool(np.all(Y == (X[0] * X[1] > 0)))
    True
    """
    owner = "xor"
    m = _check_m(m, owner)
    noise = check_positive(noise, "noise", owner, allow_zero=True)
    seed = check_seed(seed, owner, allow_none=True)
    rng = np.random.default_rng(seed)
    P = rng.uniform(-4.0, 4.0, size=(2, m))
    Y = (P[0] * P[1] > 0).astype(np.float64).reshape(1, m)
    X = P + noise * rng.standard_normal((2, m))
    return X, Y


def spiral(m: int = 300, noise: float = 0.2, seed: int | None = 0):
    r"""Two interleaved spiral arms, one per class.

    Class j ∈ {0, 1} gets m/2 points (class 1 takes the odd one): along the arm, t runs
    evenly over [0, 1], the radius is r = 4t and the angle θ = 3.5π t + jπ (1.75 turns), so
    x = (r sin θ, r cos θ) + noise · ε with ε ~ N(0, I) from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    m : int, default 300
        Number of examples (>= 2).
    noise : float, default 0.2
        Standard deviation of the noise, >= 0.
    seed : int or None, default 0
        Seed of ``default_rng``.

    Returns
    -------
    X : ndarray of shape (2, m), float64
        The first m // 2 columns are class 0.
    Y : ndarray of shape (1, m), float64 of 0.0/1.0

    Examples
    --------
    >>> X, Y = spiral(m=4, noise=0.0)
    >>> np.hypot(X[0], X[1]).round(3), Y
    (array([0., 4., 0., 4.]), array([[0., 0., 1., 1.]]))
    """
    owner = "spiral"
    m = _check_m(m, owner)
    noise = check_positive(noise, "noise", owner, allow_zero=True)
    seed = check_seed(seed, owner, allow_none=True)
    rng = np.random.default_rng(seed)
    sizes = (m // 2, m - m // 2)
    X = np.empty((2, m))
    Y = np.empty((1, m))
    start = 0
    for j, n in enumerate(sizes):
        t = np.linspace(0.0, 1.0, n)
        r, theta = 4.0 * t, 3.5 * math.pi * t + j * math.pi
        X[0, start:start + n] = r * np.sin(theta)
        X[1, start:start + n] = r * np.cos(theta)
        Y[0, start:start + n] = j
        start += n
    X += noise * rng.standard_normal((2, m))
    return X, Y


#: Every generated data set, by name: the command line's planar sets, then XOR and the spiral.
GENERATORS = {**datasets.DATASETS, "xor": xor, "spiral": spiral}

#: What the page calls each data set.
LABELS = {"planar": "planar flower", "moons": "moons", "circles": "circles", "blobs": "blobs",
          "gaussian-quantiles": "Gaussian quantiles", "xor": "XOR", "spiral": "spiral", "csv": "CSV file"}


class Upload(NamedTuple):
    """An uploaded CSV file, read and checked.

    ``name`` is a safe file name for the command that reproduces a run; ``text`` the file as sent.
    """

    name: str
    text: str
    X: np.ndarray
    Y: np.ndarray
    class_names: list | None


class PlaygroundData(NamedTuple):
    """The data of a run: all of it (``X_all``, ``Y_all``, in the generator's order), then its
    training part (``X``, ``Y``) and test part (``X_test``, ``Y_test``; None without a test set);
    for an uploaded file its safe name and its text (else None)."""

    X_all: np.ndarray
    Y_all: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    class_names: list | None
    description: str
    csv_name: str | None
    csv_text: str | None


def _safe_name(filename) -> str:
    stem = Path(str(filename or "")).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:64]
    if not stem:
        return "data.csv"
    return stem if stem.lower().endswith(".csv") else stem + ".csv"


def read_upload(raw: bytes, filename=None, *, max_points: int = 2000) -> Upload:
    """Read an uploaded CSV file with :func:`denseflow.datasets.load_csv` and check it is a 2-D, two-class set.

    The file has one row per example: two feature columns and the label in the last column (a
    header line is optional; labels other than 0/1 are mapped to 0/1 in sorted order).

    Raises
    ------
    ValueError
        The file is not UTF-8 CSV, a cell is not a number, it has more or fewer than two
        feature columns, more than ``max_points`` rows, or not exactly two classes.

    Examples
    --------
    >>> up = read_upload(b"x1,x2,label\\n0,1,no\\n1,0,yes\\n", "my points.csv")
    >>> up.name, up.X.shape, up.Y.tolist(), up.class_names
    ('my_points.csv', (2, 2), [[0.0, 1.0]], ['no', 'yes'])
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"The CSV file could not be read as UTF-8 text ({exc}). Save it as UTF-8 CSV.") from None
    name = _safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="denseflow-playground-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(raw)
        try:
            csv = datasets.load_csv(path, label_column=-1)
        except ValueError as exc:
            # load_csv names the file; the temporary folder means nothing to the user.
            raise ValueError(str(exc).replace(str(path), name)) from None
    n_x, m = csv.X.shape
    if n_x != 2:
        raise ValueError(f"{name}: the playground draws 2-D data, so the file must have two feature columns and "
                         f"the label last; it has {n_x} feature column(s).")
    if m > max_points:
        raise ValueError(f"{name} has {m} rows; the playground's cap is {max_points} points.")
    classes = np.unique(csv.Y)
    if classes.size != 2:
        raise ValueError(f"{name}: the playground trains a binary classifier, so the label column must hold two "
                         f"classes; it holds {classes.size} ({(csv.classes or classes.tolist())[:5]}).")
    class_names = None if csv.classes is None else [str(c) for c in csv.classes]
    return Upload(name, text, csv.X, csv.Y, class_names)


def make_data(settings, upload: Upload | None = None) -> PlaygroundData:
    """The data that ``settings`` name, split into training and test sets.

    Generated sets are built by their generator with ``m``, ``seed`` = ``data_seed`` and, where
    the generator has it, ``noise`` (the generator checks them, with its own messages). The test
    set is drawn by ``train_val_split(X, Y, test_fraction, seed=0)``, as ``denseflow train
    --val-fraction`` draws its validation set.

    Examples
    --------
    >>> from denseflow.playground.settings import update_settings
    >>> data = make_data(update_settings(None, {"test_fraction": 0.25}))
    >>> data.X.shape, data.X_test.shape, data.description
    ((2, 300), (2, 100), 'planar flower: 400 points (300 training, 100 test)')
    """
    name = settings.dataset
    class_names, csv_name, csv_text = None, None, None
    if name == "csv":
        if upload is None:
            raise ValueError("The 'dataset' parameter of the playground is 'csv' but no CSV file was uploaded; "
                             "upload one first (two feature columns, the label last).")
        X, Y, class_names, csv_name, csv_text = upload.X, upload.Y, upload.class_names, upload.name, upload.text
        what = csv_name
    else:
        func = GENERATORS[name]
        kwargs = {"m": settings.m, "seed": settings.data_seed}
        if settings.noise is not None:
            kwargs["noise"] = settings.noise
        X, Y = func(**kwargs)
        what = LABELS[name]
    X_train, Y_train, X_test, Y_test = datasets.train_val_split(X, Y, settings.test_fraction, seed=0)
    m = X.shape[1]
    split = "" if X_test is None else f" ({X_train.shape[1]} training, {X_test.shape[1]} test)"
    return PlaygroundData(X, Y, X_train, Y_train, X_test, Y_test, class_names, f"{what}: {m} points{split}",
                          csv_name, csv_text)


def to_csv(X, Y) -> str:
    """X (2, m) and Y (1, m) as CSV text, one row per example: ``x1,x2,label``.

    Floats are written with their shortest round-trip repr, so
    ``load_csv`` reads back exactly the same numbers.

    Examples
    --------
    >>> print(to_csv(np.array([[0.1, 2.0], [-1.5, 1 / 3]]), np.array([[0.0, 1.0]])), end="")
    x1,x2,label
    0.1,-1.5,0
    2.0,0.3333333333333333,1
    """
    lines = ["x1,x2,label"]
    for x1, x2, y in zip(X[0].tolist(), X[1].tolist(), Y[0].tolist()):
        lines.append(f"{x1!r},{x2!r},{int(y)}")
    return "\n".join(lines) + "\n"
