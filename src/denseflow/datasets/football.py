"""The "football" data of the second course's Regularization assignment, in the course's layout.

The French goalkeeper's kicks: each example is the position (pos_x, pos_y) on the field where a
French player (label 1, blue) or an opposing player (label 0, red) headed the ball. The course
ships it as ``datasets/data.mat`` (X, y, Xval, yval: 211 training and 200 test examples; it is the
``ex6data3.mat`` of the earlier Machine Learning course). denseflow reads it from a CSV file you
name (it does not ship or download it): a header ``pos_x,pos_y,team`` and 411 rows, the 211
training rows first, then the 200 test rows, team 0/1.

Only NumPy is imported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.datasets.csvfile import _check_path, load_csv

__all__ = ["FootballData", "load_football"]

_COLUMNS = ["pos_x", "pos_y", "team"]
_M_TRAIN, _M_TEST = 211, 200


class FootballData(NamedTuple):
    """The football data; unpacks as ``train_X, train_Y, test_X, test_Y`` (the notebook's
    ``load_2D_dataset()``).

    Attributes
    ----------
    train_X : ndarray of shape (2, 211), float64
        Positions (pos_x, pos_y), one column per example.
    train_Y : ndarray of shape (1, 211), float64 of 0.0/1.0 (1 = the French team)
    test_X : ndarray of shape (2, 200), float64
    test_Y : ndarray of shape (1, 200), float64
    """

    train_X: np.ndarray
    train_Y: np.ndarray
    test_X: np.ndarray
    test_Y: np.ndarray


def load_football(path) -> FootballData:
    """Load the Regularization assignment's football data from your CSV copy.

    Parameters
    ----------
    path : str or Path
        The CSV file (header ``pos_x,pos_y,team``; 211 training rows, then 200 test rows), or a
        folder holding it as ``football.csv``.

    Returns
    -------
    FootballData
        ``train_X`` (2, 211), ``train_Y`` (1, 211), ``test_X`` (2, 200), ``test_Y`` (1, 200).

    Raises
    ------
    FileNotFoundError
        No such file (or no ``football.csv`` in the folder).
    ValueError
        Other columns, another number of rows, or labels other than 0/1.

    Examples
    --------
    >>> train_X, train_Y, test_X, test_Y = load_football("data/football.csv")  # doctest: +SKIP
    >>> train_X.shape, test_Y.shape  # doctest: +SKIP
    ((2, 211), (1, 200))
    """
    owner = "load_football"
    path = _check_path(path, "path", owner)
    if path.is_dir():
        if not (path / "football.csv").is_file():
            raise FileNotFoundError(f"The folder {str(path)!r} holds no football.csv; pass the path of the CSV file.")
        path = path / "football.csv"
    if not Path(path).exists():
        raise FileNotFoundError(
            f"The football data file {str(path)!r} does not exist; expected a CSV file with the header "
            f"{','.join(_COLUMNS)} and {_M_TRAIN + _M_TEST} rows."
        )
    data = load_csv(path, label_column="team", has_header=True)
    columns = [*data.feature_names, data.label_name]
    if columns != _COLUMNS:
        raise ValueError(f"{path} must have the columns {_COLUMNS}; found {columns}.")
    if data.classes is not None:
        raise ValueError(f"The 'team' column of {path} must hold 0/1 labels; found {data.classes[:5]}.")
    m = data.X.shape[1]
    if m != _M_TRAIN + _M_TEST:
        raise ValueError(
            f"{path} holds {m} examples; the football data has {_M_TRAIN + _M_TEST} ({_M_TRAIN} training rows, "
            f"then {_M_TEST} test rows)."
        )
    X, Y = data.X, data.Y
    return FootballData(X[:, :_M_TRAIN].copy(), Y[:, :_M_TRAIN].copy(), X[:, _M_TRAIN:].copy(), Y[:, _M_TRAIN:].copy())
