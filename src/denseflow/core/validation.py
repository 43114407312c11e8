"""Input checks at the boundary, with scikit-learn style messages.

Every public entry point calls these before touching NumPy, so a user sees
*which* parameter is wrong, what was expected, what was received and how to fix
it, never a traceback from inside NumPy. Nothing here uses ``assert``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

__all__ = [
    "all_finite",
    "check_array_2d",
    "check_X",
    "check_XY",
    "check_binary_labels",
    "check_one_hot",
    "check_choice",
    "check_positive",
    "check_fraction",
    "check_positive_int",
    "check_layer_dims",
    "check_seed",
    "check_parameters",
    "check_bias",
    "layer_count",
]


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


#: Elements per block of :func:`all_finite` (a 64 KiB mask that stays in the core's cache).
_FINITE_BLOCK = 1 << 16


def all_finite(arr) -> bool:
    """Whether every entry of the numeric array ``arr`` (or array-like) is finite (no NaN, no ±inf).

    ``np.isfinite(arr).all()`` block by block: one pass over ``arr`` without the full-size
    boolean mask (47 MB for a 784 × 60,000 X, whose first touch costs more than the check), and
    it stops at the first block with a bad value. Arrays that are not contiguous in memory are
    checked whole.

    Examples
    --------
    >>> all_finite(np.array([[1.0, 2.0]])), all_finite(np.array([[1.0, np.nan]]))
    (True, False)
    """
    arr = np.asarray(arr)
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.T.reshape(-1) if arr.flags.f_contiguous else None
    if flat is None or flat.size <= _FINITE_BLOCK:
        return bool(np.isfinite(arr).all())
    mask = np.empty(_FINITE_BLOCK, bool)
    for start in range(0, flat.size, _FINITE_BLOCK):
        part = flat[start:start + _FINITE_BLOCK]
        out = mask[:part.size]
        np.isfinite(part, out=out)
        if not out.all():
            return False
    return True


def check_array_2d(x, name: str, *, allow_int: bool = True, finite: bool = True, dtype=None):
    """Return ``x`` as a 2-D floating array, or raise a clear error.

    Rank-1 arrays are rejected with the ``reshape`` that fixes them (the notes:
    "avoid rank-1 arrays").

    Examples
    --------
    >>> check_array_2d([[1.0, 2.0]], "X").shape
    (1, 2)
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(
            f"{name} must be a 2-D numeric array; got {_describe(x)}. "
            f"Pass a NumPy array, e.g. np.asarray(...)."
        )
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a 2-D numeric array; could not convert it: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == np.bool_
    ):
        raise TypeError(
            f"{name} must hold numbers; got dtype {arr.dtype}. "
            f"Convert it with np.asarray({name}, dtype=float)."
        )
    if arr.ndim == 1:
        raise ValueError(
            f"{name} is a rank-1 array of shape {arr.shape}; denseflow needs 2-D arrays "
            f"(avoid rank-1 arrays). Use {name}.reshape(1, -1) for a row of {arr.shape[0]} examples, "
            f"or {name}.reshape(-1, 1) for a single example with {arr.shape[0]} features."
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n_x, m), one column per example; got {arr.ndim}-D "
            f"shape {arr.shape}. Flatten images with {name}.reshape({name}.shape[0], -1).T."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}.")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if finite and not all_finite(arr):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at row {bad[0]}, column {bad[1]}). "
            f"Remove or impute those values before training."
        )
    return arr


def check_X(X, n_x: int | None = None, *, name: str = "X", dtype=None, owner: str = "the network"):
    """Check that ``X`` has shape (n_x, m) and finite values."""
    X = check_array_2d(X, name, dtype=dtype)
    if n_x is not None and X.shape[0] != n_x:
        hint = ""
        if X.shape[1] == n_x:
            hint = f" It looks transposed: pass {name}.T."
        raise ValueError(
            f"{name} has {X.shape[0]} features, but {owner} expects {n_x} "
            f"({name} must have shape (n_x, m): one column per example).{hint}"
        )
    return X


def check_binary_labels(Y, name: str = "Y"):
    """Raise unless every entry of ``Y`` is 0 or 1."""
    ok = (Y == 0) | (Y == 1)
    if not np.all(ok):
        values = np.unique(Y[~ok])[:5]
        raise ValueError(
            f"{name} must hold binary labels 0/1 for binary cross-entropy; found {values.tolist()}. "
            f"Map your classes to 0 and 1, or use a softmax output with one-hot labels."
        )
    return Y


def check_one_hot(Y, name: str = "Y"):
    """Raise unless every column of ``Y`` is a one-hot vector."""
    check_binary_labels(Y, name)
    sums = Y.sum(axis=0)
    if not np.all(sums == 1):
        col = int(np.argmax(sums != 1))
        raise ValueError(
            f"{name} must be one-hot with shape (C, m): exactly one 1 per column; column {col} sums "
            f"to {sums[col]:g}. Build it with np.eye(C)[labels].T."
        )
    return Y


def check_XY(X, Y, *, X_name: str = "X", Y_name: str = "Y", n_x=None, dtype=None, owner="the network"):
    """Check X (n_x, m) and Y (n_y, m) together: same m, finite, 2-D."""
    X = check_X(X, n_x, name=X_name, dtype=dtype, owner=owner)
    Y = check_array_2d(Y, Y_name, dtype=dtype)
    if Y.shape[1] != X.shape[1]:
        hint = ""
        if Y.shape[0] == X.shape[1]:
            hint = f" It looks transposed: pass {Y_name}.T."
        raise ValueError(
            f"{X_name} and {Y_name} must have the same number of examples m (columns); "
            f"{X_name} has {X.shape[1]}, {Y_name} has {Y.shape[1]} ({Y_name} must have shape "
            f"(n_y, m)).{hint}"
        )
    return X, Y


def check_choice(value, choices: Iterable[str], param: str, owner: str):
    """Raise the scikit-learn style "must be one of" error for unknown names."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        listed = "{" + ", ".join(repr(c) for c in sorted(choices)) + "}"
        raise ValueError(f"The {param!r} parameter of {owner} must be one of {listed}. Got {value!r} instead.")
    return value


def check_positive(value, param: str, owner: str, *, allow_zero: bool = False):
    """A real number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"The {param!r} parameter of {owner} must be a number. Got {value!r} instead.")
    try:
        finite = bool(np.isfinite(float(value)))
    except OverflowError:  # an int beyond float64
        finite = False
    if not finite or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The {param!r} parameter of {owner} must be a finite number {bound}. Got {value!r} instead.")
    return float(value)


def check_fraction(value, param: str, owner: str, *, low_closed: bool, high_closed: bool) -> float:
    """A number in an interval between 0 and 1 ([0, 1), (0, 1), (0, 1] …)."""
    interval = ("[" if low_closed else "(") + "0, 1" + ("]" if high_closed else ")")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"The {param!r} parameter of {owner} must be a number in {interval}. Got {value!r} instead.")
    x = float(value)
    low_ok = x >= 0 if low_closed else x > 0
    high_ok = x <= 1 if high_closed else x < 1
    if not (low_ok and high_ok):  # NaN fails both
        raise ValueError(f"The {param!r} parameter of {owner} must be a number in {interval}. Got {value!r} instead.")
    return x


def check_positive_int(value, param: str, owner: str, *, allow_zero: bool = False):
    """A whole number >= 1 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"The {param!r} parameter of {owner} must be an int. Got {value!r} instead.")
    low = 0 if allow_zero else 1
    if value < low:
        raise ValueError(f"The {param!r} parameter of {owner} must be an int >= {low}. Got {value!r} instead.")
    return int(value)


def check_layer_dims(layer_dims, param: str = "layer_dims", owner: str = "initialize_parameters"):
    """``layer_dims`` = [n_x, n[1], ..., n[L]]: at least two positive ints."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Iterable):
        raise TypeError(
            f"The {param!r} parameter of {owner} must be a list of layer sizes [n_x, n[1], ..., n[L]]. "
            f"Got {layer_dims!r} instead."
        )
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            f"The {param!r} parameter of {owner} needs at least two sizes [n_x, n_y]; got {dims!r}."
        )
    for i, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(
                f"The {param!r} parameter of {owner} must hold positive ints; entry {i} is {n!r}."
            )
    return [int(n) for n in dims]


def check_parameters(parameters, n_x: int | None = None, name: str = "parameters"):
    """Check a course parameter dict {"W1", "b1", ..., "WL", "bL"}; return L.

    W[l] must be (n[l], n[l-1]) and b[l] must be (n[l], 1); the message names the layer.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"{name} must be a dict with keys 'W1', 'b1', ...; got {type(parameters).__name__}.")
    L = layer_count(parameters)
    if L == 0:
        raise ValueError(f"{name} must hold 'W1', 'b1', ... as the course names them; got keys {sorted(parameters)}.")
    prev = n_x
    for l in range(1, L + 1):
        W, b = parameters.get(f"W{l}"), parameters.get(f"b{l}")
        if b is None:
            raise ValueError(f"{name} has 'W{l}' but no 'b{l}'.")
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2:
            raise ValueError(f"W{l} must be 2-D with shape (n[{l}], n[{l - 1}]); got shape {W.shape}.")
        if prev is not None and W.shape[1] != prev:
            raise ValueError(
                f"W{l} has shape {W.shape} but layer {l} expects (n[{l}], n[{l - 1}]) = ({W.shape[0]}, {prev}): "
                f"its number of columns must equal the size of layer {l - 1}."
            )
        check_bias(b, W.shape[0], f"b{l}", layer=l)
        prev = W.shape[0]
    return L


def layer_count(parameters) -> int:
    """L: how many of "W1", "W2", ... (consecutive, from 1) a parameter dict holds."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def check_bias(b, n: int, name: str = "b", *, layer=None):
    """``b`` must have shape (n[l], 1) = (n, 1), one entry per row of W[l] (``layer`` is l, if known)."""
    shape = np.shape(b)
    if shape != (n, 1):
        l = "l" if layer is None else layer
        fix = (f"Use {name}.reshape(-1, 1)." if int(np.prod(shape)) == n else
               f"It needs one entry per row of W{'' if layer is None else layer} (n[{l}] = {n}).")
        raise ValueError(f"{name} has shape {shape} but must have shape (n[{l}], 1) = ({n}, 1). {fix}")


def check_seed(seed, owner: str, *, allow_none: bool = False, param: str = "seed"):
    """An int in [0, 2**32 - 1] (what ``np.random.RandomState`` accepts), or None if allowed."""
    if seed is None and allow_none:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        extra = " or None" if allow_none else ""
        raise TypeError(f"The {param!r} parameter of {owner} must be an int{extra}. Got {seed!r} instead.")
    if not 0 <= seed <= 2**32 - 1:
        extra = " or None" if allow_none else ""
        raise ValueError(
            f"The {param!r} parameter of {owner} must be an int in [0, 2**32 - 1]{extra}. Got {seed!r} instead."
        )
    return int(seed)
