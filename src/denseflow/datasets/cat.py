"""The cat-vs-non-cat HDF5 files of the course's weeks 2 and 4, in the course's layout.

* :func:`load_cat` — X (12288, m) in [0, 1] and Y (1, m), as :class:`CatData`.
* :func:`load_cat_images` — the raw uint8 images and labels (for plots), as :class:`CatImages`.
* :func:`columns_to_images` — the way back from columns to images.

Both check the folder, the two files and every dataset in them, and say what was expected.
Only NumPy is imported here; h5py is imported inside :func:`load_cat_images`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.core.validation import check_X
from denseflow.datasets.common import _import_optional
from denseflow.datasets.csvfile import _check_path

__all__ = ["CatData", "CatImages", "load_cat", "load_cat_images", "columns_to_images"]


_CAT_FILES = {
    "train": ("train_catvnoncat.h5", "train_set_x", "train_set_y"),
    "test": ("test_catvnoncat.h5", "test_set_x", "test_set_y"),
}
_CAT_DEFAULT_CLASSES = ["non-cat", "cat"]


class CatImages(NamedTuple):
    """The raw cat-vs-non-cat arrays as stored in the HDF5 files (for plotting).

    Attributes
    ----------
    train_images : ndarray of shape (m_train, 64, 64, 3), uint8
    train_labels : ndarray of shape (m_train,), int64 (1 = cat)
    test_images : ndarray of shape (m_test, 64, 64, 3), uint8
    test_labels : ndarray of shape (m_test,), int64
    classes : list of str
        ``['non-cat', 'cat']``: ``classes[label]`` names a label.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: list


class CatData(NamedTuple):
    """The cat data in the course's layout; unpacks as ``train_X, train_Y, test_X, test_Y, classes``.

    Attributes
    ----------
    train_X : ndarray of shape (12288, 209), float64 in [0, 1]
        Each image flattened in C order into one column, divided by 255.
    train_Y : ndarray of shape (1, 209), float64 of 0.0/1.0 (1 = cat)
    test_X : ndarray of shape (12288, 50), float64 in [0, 1]
    test_Y : ndarray of shape (1, 50), float64
    classes : list of str
        ``['non-cat', 'cat']``.
    """

    train_X: np.ndarray
    train_Y: np.ndarray
    test_X: np.ndarray
    test_Y: np.ndarray
    classes: list


def _read_cat_file(h5py, path: Path, x_key: str, y_key: str):
    expected = f"datasets {x_key!r} (m, 64, 64, 3) uint8, {y_key!r} (m,) of 0/1 and 'list_classes'"
    try:
        with h5py.File(path, "r") as f:
            found = sorted(f.keys())
            missing = [k for k in (x_key, y_key) if not isinstance(f.get(k), h5py.Dataset)]
            if not missing:
                x = f[x_key][()]
                y = f[y_key][()]
                classes = f["list_classes"][()] if isinstance(f.get("list_classes"), h5py.Dataset) else None
    except OSError as exc:
        raise ValueError(
            f"{path} is not a readable HDF5 file ({exc}). Expected the course's {path.name} holding "
            f"{expected}; the file may be truncated or corrupted: download it again."
        ) from None
    if missing:
        raise ValueError(f"{path} lacks dataset(s) {missing}: expected {expected}; found {found}.")
    if x.ndim != 4 or x.dtype != np.uint8 or x.shape[0] == 0:
        raise ValueError(
            f"Dataset {x_key!r} in {path} must be uint8 images of shape (m, height, width, channels) with "
            f"m >= 1, e.g. (209, 64, 64, 3); found shape {x.shape}, dtype {x.dtype}."
        )
    if not (y.ndim == 1 or (y.ndim == 2 and 1 in y.shape)):
        raise ValueError(
            f"Dataset {y_key!r} in {path} must be a vector of labels of shape (m,); found shape {y.shape}."
        )
    y = y.reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{path} holds {x.shape[0]} images in {x_key!r} but {y.shape[0]} labels in {y_key!r}: "
            f"one label per image expected."
        )
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"Dataset {y_key!r} in {path} must hold labels 0/1; found {np.unique(y)[:5].tolist()}.")
    if classes is not None:
        classes = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in np.ravel(classes)]
        if len(classes) != 2:
            raise ValueError(f"Dataset 'list_classes' in {path} must hold 2 class names; found {classes}.")
    return x, y.astype(np.int64), classes


def load_cat_images(data_dir) -> CatImages:
    """Read the raw uint8 images and labels of the cat-vs-non-cat files (for plots).

    Parameters
    ----------
    data_dir : str or Path
        Folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    Returns
    -------
    CatImages
        ``(train_images, train_labels, test_images, test_labels, classes)``, see :class:`CatImages`.
        ``list_classes`` is optional in the files (default ``['non-cat', 'cat']``).

    Raises
    ------
    FileNotFoundError
        The folder or one of the two files does not exist.
    ValueError
        A file is not HDF5 (truncated, garbage), lacks a dataset, or has the wrong shapes.

    Examples
    --------
    >>> imgs = load_cat_images("data")  # doctest: +SKIP
    >>> imgs.train_images.shape  # doctest: +SKIP
    (209, 64, 64, 3)
    """
    owner = "load_cat_images"
    data_dir = _check_path(data_dir, "data_dir", owner)
    names = [spec[0] for spec in _CAT_FILES.values()]
    if not data_dir.exists():
        raise FileNotFoundError(
            f"The data folder {str(data_dir)!r} does not exist; expected a folder holding {names}."
        )
    if not data_dir.is_dir():
        raise NotADirectoryError(f"{str(data_dir)!r} is a file; pass the folder that holds {names}.")
    missing = [n for n in names if not (data_dir / n).is_file()]
    if missing:
        found = sorted(p.name for p in data_dir.iterdir())[:20]
        raise FileNotFoundError(
            f"{str(data_dir)!r} lacks {missing}; expected {names}. Found: {found or 'an empty folder'}."
        )
    h5py = _import_optional("h5py", "h5py", owner)
    out = {split: _read_cat_file(h5py, data_dir / f, xk, yk) for split, (f, xk, yk) in _CAT_FILES.items()}
    (x_tr, y_tr, c_tr), (x_te, y_te, c_te) = out["train"], out["test"]
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise ValueError(
            f"Train and test images differ in shape: {x_tr.shape[1:]} vs {x_te.shape[1:]}; "
            f"both files must hold images of the same (height, width, channels)."
        )
    if c_tr is not None and c_te is not None and c_tr != c_te:
        raise ValueError(f"'list_classes' differs between the files: {c_tr} (train) vs {c_te} (test).")
    classes = c_te or c_tr or list(_CAT_DEFAULT_CLASSES)
    return CatImages(x_tr, y_tr, x_te, y_te, classes)


def load_cat(data_dir) -> CatData:
    """Load cat-vs-non-cat in the course's layout: X (12288, m) in [0, 1], Y (1, m).

    Each image (64, 64, 3) is flattened in C order into one column,
    ``x.reshape(x.shape[0], -1).T / 255``, exactly as the course does (no other scaling).

    Parameters
    ----------
    data_dir : str or Path
        Folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` (your own copy:
        denseflow does not ship or download them).

    Returns
    -------
    CatData
        ``train_X`` (12288, 209), ``train_Y`` (1, 209), ``test_X`` (12288, 50), ``test_Y`` (1, 50),
        ``classes`` ``['non-cat', 'cat']``; unpacks into these five. Raw uint8 images for plots:
        :func:`load_cat_images`, or :func:`columns_to_images` on columns of X.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_cat_images`.

    Examples
    --------
    >>> train_X, train_Y, test_X, test_Y, classes = load_cat("data")  # doctest: +SKIP
    >>> train_X.shape, test_Y.shape, classes  # doctest: +SKIP
    ((12288, 209), (1, 50), ['non-cat', 'cat'])
    """
    imgs = load_cat_images(data_dir)

    def flat(x):
        return x.reshape(x.shape[0], -1).T / 255.0

    def row(y):
        return y.reshape(1, -1).astype(np.float64)

    return CatData(flat(imgs.train_images), row(imgs.train_labels), flat(imgs.test_images),
                   row(imgs.test_labels), imgs.classes)


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
