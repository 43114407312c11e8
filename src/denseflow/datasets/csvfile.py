"""CSV tables in the course's layout: X (n_x, m), one column per example, and Y (1, m).

* :func:`load_csv` — a labelled table, one row per example, as :class:`CsvData`.
* :func:`load_features_csv` — a table without labels (for prediction), as X.
* :func:`standardization_stats` / :func:`standardize` — per-feature mean 0 / std 1 scaling.

Import these from :mod:`denseflow.datasets`.
Only NumPy and the standard library are imported here.

Examples
--------
>>> X = np.array([[1.0, 3.0], [5.0, 5.0]])
>>> mean, std = standardization_stats(X)
>>> standardize(X, mean, std)
array([[-1.,  1.],
       [ 0.,  0.]])
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.core.validation import check_X

__all__ = [
    "CsvData",
    "load_csv",
    "load_features_csv",
    "standardization_stats",
    "standardize",
]


def _check_path(path, param: str, owner: str) -> Path:
    """A str or os.PathLike as a Path (also used by :mod:`denseflow.datasets.cat` for the cat files)."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"The {param!r} parameter of {owner} must be a path (str or pathlib.Path). Got {path!r} instead.")
    return Path(path)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

_MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}


class CsvData(NamedTuple):
    """A labelled table in the course's layout.

    Attributes
    ----------
    X : ndarray of shape (n_x, m), float64
        Features, one column per row of the file (standardized if asked).
    Y : ndarray of shape (1, m), float64
        Labels. 0/1 labels are kept; any other values are mapped to 0 .. C-1 in sorted order.
    feature_names : list of str
        From the header, or ``x1 .. xn`` without one.
    mean, std : ndarray of shape (n_x, 1) or None
        Standardization statistics (None when ``standardize=False``); apply them to new data
        with :func:`standardize`.
    label_name : str
        The label column's header, or ``'y'``.
    classes : list or None
        None when the labels were already 0/1; otherwise the original values, sorted
        (numbers numerically, text alphabetically): ``classes[k]`` is what label k stands for.
    """

    X: np.ndarray
    Y: np.ndarray
    feature_names: list
    mean: np.ndarray | None
    std: np.ndarray | None
    label_name: str
    classes: list | None


def _parse_float(cell: str):
    try:
        return float(cell)
    except ValueError:
        return None


def _read_rows(path, delimiter, has_header, owner, *, force_header=False):
    """Return (path, header or None, header_line, [(line, fields)], n_fields); cells stripped, blank lines skipped."""
    path = _check_path(path, "path", owner)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"The 'delimiter' parameter of {owner} must be a single character. Got {delimiter!r} instead.")
    if has_header not in (None, True, False):
        raise TypeError(f"The 'has_header' parameter of {owner} must be True, False or None (auto). Got {has_header!r} instead.")
    if not path.exists():
        raise FileNotFoundError(f"The CSV file {str(path)!r} does not exist.")
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; pass the path of a CSV file.")
    rows = []
    line = 0
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # blank line
                rows.append((start, [f.strip() for f in fields]))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: could not be read as UTF-8 text ({exc}). Save the file as UTF-8 CSV.") from None
    except csv.Error as exc:
        raise ValueError(f"{path}, line {line + 1}: could not be parsed as CSV ({exc}).") from None
    if not rows:
        raise ValueError(
            f"{path} is empty: expected an optional header line, then one line per example with "
            f"{delimiter!r}-separated numbers."
        )
    if has_header is None:
        # Auto-detect: the first line is a header when none of its cells is a number.
        has_header = force_header or all(_parse_float(c) is None for c in rows[0][1])
    header, header_line = (rows[0][1], rows[0][0]) if has_header else (None, None)
    data = rows[1:] if has_header else rows
    if not data:
        raise ValueError(f"{path} has a header on line {header_line} but no data lines after it.")
    n_fields, ref = (len(header), f"the header on line {header_line}") if header else (len(data[0][1]), f"line {data[0][0]}")
    for ln, fields in data:
        if len(fields) != n_fields:
            raise ValueError(
                f"{path}, line {ln}: expected {n_fields} fields (as {ref}), found {len(fields)}. "
                f"Check for a missing or extra {delimiter!r} on that line."
            )
    return path, header, header_line, data, n_fields


def _resolve_column(column, header, n_fields, path, param, owner):
    """A column given by index (negative allowed) or header name → 0-based index."""
    if isinstance(column, str):
        if header is None:
            raise ValueError(
                f"The {param!r} parameter of {owner} is the name {column!r}, but {path} has no header "
                f"line. Pass a column index instead (0 .. {n_fields - 1}, or -1 for the last)."
            )
        hits = [i for i, h in enumerate(header) if h == column]
        if not hits:
            raise ValueError(
                f"The {param!r} parameter of {owner} is {column!r}, which is not a column of {path}; "
                f"the header has {header}."
            )
        if len(hits) > 1:
            raise ValueError(f"{path}: the header names {len(hits)} columns {column!r} (columns {[h + 1 for h in hits]}); rename them.")
        return hits[0]
    if isinstance(column, bool) or not isinstance(column, (int, np.integer)):
        raise TypeError(f"The {param!r} parameter of {owner} must be a column index (int) or a header name (str). Got {column!r} instead.")
    if not -n_fields <= column < n_fields:
        raise ValueError(
            f"The {param!r} parameter of {owner} is {column}, but {path} has {n_fields} column(s): "
            f"use 0 .. {n_fields - 1} or -{n_fields} .. -1."
        )
    return int(column) % n_fields


def _where(path, ln, j, header):
    name = f" ({header[j]!r})" if header else ""
    return f"{path}, line {ln}, column {j + 1}{name}"


def _parse_features(path, header, data, columns, delimiter):
    X = np.empty((len(columns), len(data)))
    for i, (ln, fields) in enumerate(data):
        for k, j in enumerate(columns):
            cell = fields[j]
            if cell.lower() in _MISSING:
                raise ValueError(
                    f"{_where(path, ln, j, header)}: empty or missing value {cell!r}. Every feature must "
                    f"be a number: fill in or drop that line."
                )
            value = _parse_float(cell)
            if value is None:
                hint = " (decimal comma? use '.' as the decimal mark)" if "," in cell and delimiter != "," else ""
                raise ValueError(f"{_where(path, ln, j, header)}: {cell!r} is not a number{hint}.")
            if not math.isfinite(value):
                raise ValueError(f"{_where(path, ln, j, header)}: {cell!r} is not a finite number.")
            X[k, i] = value
    return X


def _feature_columns(n_fields, skip, path, delimiter, first_line, owner):
    columns = [j for j in range(n_fields) if j != skip]
    if not columns:
        hint = ""
        others = [d for d in ",;\t|" if d != delimiter and d in first_line]
        if others:
            hint = f" The first line contains {others[0]!r}: is it the delimiter (delimiter={others[0]!r})?"
        raise ValueError(
            f"{path} has only {n_fields} column ({'the label' if skip is not None else 'ignored'}); "
            f"at least one feature column is needed.{hint}"
        )
    return columns


def _known_labels(path, header, data, j, raw, known):
    """Map each label through the given classes (text as text, numbers numerically)."""
    by_text, by_number = {}, {}
    for k, c in enumerate(known):
        by_text.setdefault(str(c), k)
        v = c if isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool) else _parse_float(str(c))
        if v is not None and math.isfinite(v):
            by_number.setdefault(float(v), k)
    Y = np.empty((1, len(raw)))
    unknown = {}
    for i, ((ln, _), cell) in enumerate(zip(data, raw)):
        k = by_text.get(cell)
        if k is None:
            v = _parse_float(cell)
            k = None if v is None else by_number.get(v)
        if k is None:
            unknown.setdefault(cell, ln)
            continue
        Y[0, i] = k
    if unknown:
        first, ln = next(iter(unknown.items()))
        labels = list(unknown)[:5]
        raise ValueError(
            f"{_where(path, ln, j, header)}: label {first!r} is not one of the known classes "
            f"{[str(c) for c in known]}; the file holds {len(unknown)} unknown label(s): {labels}."
        )
    return Y


def _parse_labels(path, header, data, j, known=None):
    raw = []
    for ln, fields in data:
        cell = fields[j]
        if cell.lower() in _MISSING:
            raise ValueError(f"{_where(path, ln, j, header)}: missing label {cell!r}. Every line needs a label.")
        raw.append(cell)
    if known is not None:
        return _known_labels(path, header, data, j, raw, known), list(known)
    nums = [_parse_float(c) for c in raw]
    is_num = [v is not None for v in nums]
    if any(is_num) and not all(is_num):
        a, b = is_num.index(True), is_num.index(False)
        raise ValueError(
            f"{_where(path, data[b][0], j, header)}: label {raw[b]!r} is text, but the label on line "
            f"{data[a][0]} is the number {raw[a]!r}; use one kind of label throughout."
        )
    if all(is_num):
        for (ln, _), v, c in zip(data, nums, raw):
            if not math.isfinite(v):
                raise ValueError(f"{_where(path, ln, j, header)}: label {c!r} is not a finite number.")
        values = np.array(nums, dtype=np.float64)
        if np.all((values == 0) | (values == 1)):
            return values.reshape(1, -1), None
        uniq = np.unique(values)
        classes = [int(u) if float(u).is_integer() else float(u) for u in uniq]
        return np.searchsorted(uniq, values).astype(np.float64).reshape(1, -1), classes
    classes = sorted(set(raw))
    index = {c: k for k, c in enumerate(classes)}
    return np.array([index[c] for c in raw], dtype=np.float64).reshape(1, -1), classes


def _parse_targets(path, header, data, j):
    """Real-valued targets (regression): every label cell a finite number, kept as it is."""
    Y = np.empty((1, len(data)))
    for i, (ln, fields) in enumerate(data):
        cell = fields[j]
        if cell.lower() in _MISSING:
            raise ValueError(f"{_where(path, ln, j, header)}: missing target {cell!r}. Every line needs a target.")
        value = _parse_float(cell)
        if value is None:
            raise ValueError(f"{_where(path, ln, j, header)}: target {cell!r} is not a number; regression "
                             f"(task='regression') needs a number in the label column of every line.")
        if not math.isfinite(value):
            raise ValueError(f"{_where(path, ln, j, header)}: target {cell!r} is not a finite number.")
        Y[0, i] = value
    return Y


_TASKS = ("classification", "regression")


def load_csv(path, label_column=-1, standardize: bool = False, has_header=None, delimiter: str = ",",
             classes=None, task: str = "classification"):
    """Load a labelled CSV file, one row per example, as X (n_x, m) and Y (1, m).

    Parameters
    ----------
    path : str or Path
        A UTF-8 text file. Blank lines are skipped; cells are stripped of spaces.
    label_column : int or str, default -1
        The label column: an index (0-based, negative counts from the end) or a header name.
        Every other column is a feature and must hold numbers.
    standardize : bool, default False
        Rescale each feature to mean 0 and standard deviation 1 (a constant feature is only
        centred: its std is taken as 1). The statistics are returned so that new data can be
        scaled the same way with :func:`standardize`.
    has_header : bool or None, default None
        None detects it: the first line is a header when none of its cells is a number (or when
        ``label_column`` is a name).
    delimiter : str, default ","
        The character between cells (one character, e.g. ";" or "\\t").
    classes : list or None, default None
        The classes the labels must be among, e.g. a fitted model's class names, in the model's
        order: label ``classes[k]`` becomes k (text compared as text, numbers numerically, so
        ``1.0`` is the class ``'1'``), and a label not in the list is an error naming its line.
        None: the classes are read from the file (below).
    task : {'classification', 'regression'}, default 'classification'
        'regression' reads the label column as real-valued targets y, kept as they are (every
        cell a finite number; ``classes`` must be None and ``CsvData.classes`` is None).

    Returns
    -------
    CsvData
        ``(X, Y, feature_names, mean, std, label_name, classes)``, see :class:`CsvData`.
        Labels that are not already 0/1 (text such as 'no'/'yes', or numbers such as -1/1) are
        mapped to 0 .. C-1 in sorted order, and ``classes`` lists the originals. With
        ``classes`` given, Y holds indices into it and ``CsvData.classes`` is that list.
        With ``task='regression'``, Y holds the targets themselves.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is empty; a line has the wrong number of fields; a feature cell is empty, missing
        ('NA', 'nan', '?') or not a number; a label is missing; ``label_column`` does not exist.
        Messages give the 1-based line (as in a text editor) and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = p.write_text("size,weight,kind\\n1,10,dog\\n3,30,cat\\n")
    >>> data = load_csv(p, label_column="kind")
    >>> data.X
    array([[ 1.,  3.],
           [10., 30.]])
    >>> data.Y, data.classes
    (array([[1., 0.]]), ['cat', 'dog'])
    >>> load_csv(p, label_column="kind", classes=["dog", "cat", "bird"]).Y
    array([[0., 1.]])
    >>> _ = p.write_text("size,weight\\n1,10.5\\n3,30\\n")
    >>> load_csv(p, label_column="weight", task="regression").Y      # real targets, as they are
    array([[10.5, 30. ]])
    """
    owner = "load_csv"
    if task not in _TASKS:
        raise ValueError(f"The 'task' parameter of {owner} must be one of {set(_TASKS)}. Got {task!r} instead.")
    if task == "regression" and classes is not None:
        raise TypeError(f"The 'classes' parameter of {owner} must be None with task='regression' (targets are "
                        f"real numbers, not classes). Got {classes!r:.80} instead.")
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"The 'standardize' parameter of {owner} must be True or False. Got {standardize!r} instead.")
    if classes is not None:
        if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
            raise TypeError(f"The 'classes' parameter of {owner} must be a list of class labels or None. "
                            f"Got {classes!r} instead.")
        classes = list(classes)
        if not classes:
            raise ValueError(f"The 'classes' parameter of {owner} must list at least one class. Got [] instead.")
    path, header, _, data, n_fields = _read_rows(
        path, delimiter, has_header, owner, force_header=isinstance(label_column, str)
    )
    j = _resolve_column(label_column, header, n_fields, path, "label_column", owner)
    columns = _feature_columns(n_fields, j, path, delimiter, delimiter.join(data[0][1]), owner)
    X = _parse_features(path, header, data, columns, delimiter)
    if task == "regression":
        Y = _parse_targets(path, header, data, j)
    else:
        Y, classes = _parse_labels(path, header, data, j, classes)
    names = [header[c] or f"x{k + 1}" for k, c in enumerate(columns)] if header else [f"x{k + 1}" for k in range(len(columns))]
    label_name = (header[j] or "y") if header else "y"
    mean = std = None
    if standardize:
        mean, std = standardization_stats(X)
        X = (X - mean) / std
    return CsvData(X, Y, names, mean, std, label_name, classes)


def load_features_csv(path, has_header=None, delimiter: str = ",", ignore_column=None):
    """Load a CSV file without labels (for prediction) as X (n_x, m).

    Parameters
    ----------
    path : str or Path
    has_header : bool or None, default None
        None detects it (the first line is a header when none of its cells is a number).
    delimiter : str, default ","
    ignore_column : int, str or None, default None
        A column to leave out, e.g. a label column present in the file.

    Returns
    -------
    X : ndarray of shape (n_x, m), float64
        Not standardized: apply the model's stored statistics with :func:`standardize`.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_csv`, with the line and column of the offending cell.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "new.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3,4\\n5,6\\n")
    >>> load_features_csv(p)
    array([[1., 3., 5.],
           [2., 4., 6.]])
    """
    owner = "load_features_csv"
    path, header, _, data, n_fields = _read_rows(
        path, delimiter, has_header, owner, force_header=isinstance(ignore_column, str)
    )
    skip = None if ignore_column is None else _resolve_column(ignore_column, header, n_fields, path, "ignore_column", owner)
    columns = _feature_columns(n_fields, skip, path, delimiter, delimiter.join(data[0][1]), owner)
    return _parse_features(path, header, data, columns, delimiter)


# ---------------------------------------------------------------------------------------------
# standardization
# ---------------------------------------------------------------------------------------------


def standardization_stats(X, feature_names=None):
    """Per-feature mean and standard deviation of X (n_x, m), each (n_x, 1); a std of 0 becomes 1.

    Parameters
    ----------
    X : array of shape (n_x, m)
    feature_names : list of str, optional
        Names of the n_x features (e.g. a CSV file's header), used in the error message.

    Raises
    ------
    ValueError
        A feature's values are finite but so large (beyond ~1e154 in float64) that its mean, its
        standard deviation or the standardized values overflow to infinity; the message names
        the feature, its largest value and the fix (rescale that feature).

    Examples
    --------
    >>> mean, std = standardization_stats(np.array([[1.0, 3.0], [5.0, 5.0]]))
    >>> mean.ravel(), std.ravel()
    (array([2., 5.]), array([1., 1.]))
    >>> standardization_stats(np.array([[1.0, 2.0], [1e308, -1e308]]), ["size", "weight"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Feature 2 ('weight') holds values up to 1e+308 in magnitude, too large to standardize in float64: ...
    """
    X = check_X(X)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        scale = np.where(std == 0, 1.0, std)
        spread = np.max(np.abs(X - mean), axis=1, keepdims=True) / scale
    bad = ~(np.isfinite(mean) & np.isfinite(std) & np.isfinite(spread))
    if np.any(bad):
        j = int(np.flatnonzero(bad.ravel())[0])
        name = ""
        if feature_names is not None and j < len(feature_names):
            name = f" ({feature_names[j]!r})"
        biggest = float(np.max(np.abs(X[j])))
        raise ValueError(
            f"Feature {j + 1}{name} holds values up to {biggest:.3g} in magnitude, too large to standardize "
            f"in float64: its mean or standard deviation overflows to infinity. Rescale that feature "
            f"(e.g. divide it by 1e{max(int(np.log10(biggest)) - 3, 1)}) or drop it."
        )
    std[std == 0] = 1.0
    return mean, std


def standardize(X, mean, std):
    r"""Apply stored statistics: :math:`(X - \mu) / \sigma`, feature by feature.

    Parameters
    ----------
    X : array of shape (n_x, m)
    mean, std : arrays of shape (n_x, 1) (or (n_x,)), as returned by :func:`load_csv`
        or :func:`standardization_stats`; std must be > 0.

    Returns
    -------
    ndarray of shape (n_x, m)

    Examples
    --------
    >>> standardize(np.array([[1.0, 3.0]]), np.array([[2.0]]), np.array([[1.0]]))
    array([[-1.,  1.]])
    """
    stats = []
    for name, v in (("mean", mean), ("std", std)):
        try:
            v = np.asarray(v)
            if v.dtype.kind not in "biuf":  # complex, text, dates, objects
                raise TypeError
            v = v.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a numeric array of shape (n_x, 1); got {type(v).__name__}"
                            f"{' of dtype ' + str(v.dtype) if isinstance(v, np.ndarray) else ''}.") from None
        if not (v.ndim == 1 or (v.ndim == 2 and v.shape[1] == 1)) or v.size == 0:
            raise ValueError(f"{name} must have shape (n_x, 1), one value per feature; got shape {v.shape}.")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must hold finite numbers.")
        stats.append(v.reshape(-1, 1))
    mean, std = stats
    if mean.shape != std.shape:
        raise ValueError(f"mean and std must have the same shape; got {mean.shape} and {std.shape}.")
    if np.any(std <= 0):
        raise ValueError("std must be > 0 for every feature (standardization_stats uses 1 for constant features).")
    X = check_X(X, mean.shape[0], owner="the standardization statistics")
    return (X - mean) / std
