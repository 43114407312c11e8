"""The fuzzed boundary (issue 14): the CSV loader and the array validators, fed by hypothesis.

Every input ends in a result that keeps the documented contract (shapes, dtypes, finite values)
or in a documented error class (ValueError, TypeError, FileNotFoundError, IsADirectoryError) —
never another exception (IndexError, KeyError, AttributeError, OverflowError, UnicodeError, …).
The model-file loader's fuzzing is in the model-file tests.
"""

import math
import string

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from denseflow.core import validation as v  # noqa: E402
from denseflow.datasets import (  # noqa: E402
    load_csv,
    load_features_csv,
    standardization_stats,
    standardize,
    train_val_split,
)

DOCUMENTED = (ValueError, TypeError, FileNotFoundError, IsADirectoryError)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(call):
    """Run ``call``: its result, or the documented error it raised (anything else fails the test)."""
    try:
        return call()
    except DOCUMENTED as exc:
        assert str(exc), "an error without a message"
        return exc


# ----------------------------------------------------------------------------- the CSV loader

NUMBERS = st.one_of(st.floats(-1e6, 1e6).map(repr), st.integers(-1000, 1000).map(str), st.sampled_from(["0", "1"]))
ODD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["", " ", "NA", "nan", "?", "null", "yes", "no", "1,5", "1e400", "1e308", "-0", "0x10", "1_000",
                     '"', '""', '"a,b"', "\t", "é", "\x00", "1 2", "∞", "١"]),
    st.text(alphabet=string.printable + "é€\u2028", max_size=6),
)
CELLS = st.one_of(NUMBERS, NUMBERS, NUMBERS, ODD)  # mostly numbers, so that many tables load
DELIMITERS = st.sampled_from([",", ";", "\t", "|", " "])
COLUMNS = st.one_of(st.just(-1), st.just(-1), st.integers(-6, 6), st.sampled_from(["label", "x1", "nope", ""]),
                    st.none(), st.floats(), st.booleans())


@st.composite
def tables(draw):
    """A text table: rows of cells (sometimes ragged), an optional header, a delimiter, line ends."""
    delimiter = draw(DELIMITERS)
    width = draw(st.integers(1, 4))
    cells = NUMBERS if draw(st.booleans()) else CELLS  # half the tables are all numbers
    exact = st.lists(cells, min_size=width, max_size=width)
    rows = draw(st.lists(st.one_of(exact, exact, exact, st.lists(cells, max_size=width + 1)), min_size=1, max_size=6)
                | st.just([]))
    header = draw(st.one_of(st.none(), st.lists(st.sampled_from(["x1", "x2", "label", "", "x1"]),
                                                min_size=width, max_size=width)))
    lines = ([delimiter.join(header)] if header else []) + [delimiter.join(r) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    return text, delimiter


def _check_csv_result(data, delimiter):
    X, Y = data.X, data.Y
    assert X.ndim == 2 and Y.shape == (1, X.shape[1]) and X.dtype == np.float64
    assert X.shape[0] >= 1 and X.shape[1] >= 1 and np.all(np.isfinite(X)) and np.all(np.isfinite(Y))
    assert len(data.feature_names) == X.shape[0]
    if data.classes is not None:
        assert set(np.unique(Y)) <= set(range(len(data.classes)))
    else:
        assert set(np.unique(Y)) <= {0.0, 1.0}


@FAST
@given(table=tables(), label_column=COLUMNS, has_header=st.sampled_from([None, True, False]),
       classes=st.one_of(st.none(), st.lists(st.sampled_from(["0", "1", "yes", 2, 1.5, "no"]), max_size=3)),
       standardize=st.booleans())
def test_load_csv_ends_in_a_result_or_a_documented_error(tmp_path, table, label_column, has_header, classes,
                                                          standardize):
    text, delimiter = table
    path = tmp_path / "fuzz.csv"
    path.write_text(text, encoding="utf-8", newline="")
    result = outcome(lambda: load_csv(path, label_column=label_column, standardize=standardize,
                                      has_header=has_header, delimiter=delimiter, classes=classes))
    if not isinstance(result, Exception):
        _check_csv_result(result, delimiter)
        if classes is not None:
            assert result.classes == list(classes)


@FAST
@given(table=tables(), ignore_column=COLUMNS)
def test_load_features_csv_ends_in_a_result_or_a_documented_error(tmp_path, table, ignore_column):
    text, delimiter = table
    path = tmp_path / "fuzz.csv"
    path.write_text(text, encoding="utf-8", newline="")
    X = outcome(lambda: load_features_csv(path, delimiter=delimiter, ignore_column=ignore_column))
    if not isinstance(X, Exception):
        assert X.ndim == 2 and X.shape[0] >= 1 and X.shape[1] >= 1 and np.all(np.isfinite(X))


@FAST
@given(raw=st.binary(max_size=200), label_column=st.integers(-3, 3))
def test_load_csv_on_arbitrary_bytes(tmp_path, raw, label_column):
    path = tmp_path / "bytes.csv"
    path.write_bytes(raw)
    result = outcome(lambda: load_csv(path, label_column=label_column))
    if not isinstance(result, Exception):
        _check_csv_result(result, ",")


@FAST
@given(path=st.one_of(st.text(max_size=5), st.binary(max_size=5), st.integers(), st.none(), st.just(".")),
       delimiter=st.one_of(st.text(max_size=3), st.integers(), st.none()))
def test_load_csv_rejects_bad_arguments(tmp_path, monkeypatch, path, delimiter):
    monkeypatch.chdir(tmp_path)  # relative names land in an empty folder
    result = outcome(lambda: load_csv(path, delimiter=delimiter))
    assert isinstance(result, Exception)


# ----------------------------------------------------------------------------- the array validators

DTYPES = st.one_of(hnp.floating_dtypes(), hnp.integer_dtypes(), hnp.boolean_dtypes(), hnp.complex_number_dtypes(),
                   hnp.datetime64_dtypes(), hnp.unicode_string_dtypes(), st.just(np.dtype(object)))
ARRAYS = hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
MATRIX = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4)
GOOD = st.one_of(hnp.arrays(np.float64, MATRIX, elements=st.floats(-1e6, 1e6)),
                 hnp.arrays(np.int64, MATRIX, elements=st.integers(-1000, 1000)),
                 hnp.arrays(np.bool_, MATRIX))
ANYTHING = st.one_of(
    GOOD, GOOD, GOOD,
    ARRAYS,
    st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(), st.text(max_size=4), st.binary(max_size=4),
    st.lists(st.one_of(st.floats(), st.integers(-10**20, 10**20), st.text(max_size=2)), max_size=4),
    st.lists(st.lists(st.floats(), max_size=3), max_size=3),  # ragged too
    st.dictionaries(st.sampled_from(["W1", "b1", "W2", "b2", "x"]), st.one_of(ARRAYS, st.floats()), max_size=4),
)


def _check_2d(arr):
    assert isinstance(arr, np.ndarray) and arr.ndim == 2 and arr.size > 0
    assert np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr))


@FAST
@given(x=ANYTHING)
def test_check_array_2d(x):
    result = outcome(lambda: v.check_array_2d(x, "X"))
    if not isinstance(result, Exception):
        _check_2d(result)


@st.composite
def pairs(draw):
    """(X, Y): often a matching (n_x, m), (1, m) pair of numbers, else anything."""
    if draw(st.booleans()):
        n_x, m = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        floats = st.floats(-1e6, 1e6) | st.sampled_from([1e300, -1e300, 1e-300, np.nan, np.inf])
        X = draw(hnp.arrays(np.float64, (n_x, m), elements=floats))
        Y = draw(hnp.arrays(np.float64, (1, m), elements=st.sampled_from([0.0, 1.0, 2.0])))
        return X, Y
    return draw(ANYTHING), draw(ANYTHING)


@FAST
@given(XY=pairs(), n_x=st.one_of(st.none(), st.integers(1, 4)))
def test_check_XY(XY, n_x):
    X, Y = XY
    result = outcome(lambda: v.check_XY(X, Y, n_x=n_x))
    if not isinstance(result, Exception):
        X2, Y2 = result
        _check_2d(X2), _check_2d(Y2)
        assert X2.shape[1] == Y2.shape[1] and (n_x is None or X2.shape[0] == n_x)


@FAST
@given(Y=hnp.arrays(hnp.floating_dtypes() | hnp.integer_dtypes(), hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)))
def test_check_labels(Y):
    for check in (v.check_binary_labels, v.check_one_hot):
        result = outcome(lambda: check(Y))
        if not isinstance(result, Exception):
            assert np.all((Y == 0) | (Y == 1))


@FAST
@given(value=ANYTHING, allow_zero=st.booleans())
def test_check_numbers(value, allow_zero):
    for check in (v.check_positive, v.check_positive_int):
        result = outcome(lambda: check(value, "p", "owner", allow_zero=allow_zero))
        if not isinstance(result, Exception):
            assert math.isfinite(result) and (result > 0 or (allow_zero and result == 0))
    seed = outcome(lambda: v.check_seed(value, "owner", allow_none=True))
    if not isinstance(seed, Exception):
        assert seed is None or 0 <= seed <= 2**32 - 1
    choice = outcome(lambda: v.check_choice(value, ["relu", "tanh"], "p", "owner"))
    assert isinstance(choice, Exception) or choice in ("relu", "tanh")


@FAST
@given(dims=st.one_of(ANYTHING, st.lists(st.one_of(st.integers(-2, 5), st.floats(), st.booleans()), max_size=5)))
def test_check_layer_dims(dims):
    result = outcome(lambda: v.check_layer_dims(dims))
    if not isinstance(result, Exception):
        assert len(result) >= 2 and all(isinstance(n, int) and n >= 1 for n in result)


@FAST
@given(parameters=ANYTHING, n_x=st.one_of(st.none(), st.integers(1, 4)), b=ANYTHING, n=st.integers(1, 4))
def test_check_parameters_and_bias(parameters, n_x, b, n):
    L = outcome(lambda: v.check_parameters(parameters, n_x=n_x))
    assert isinstance(L, Exception) or L >= 1
    outcome(lambda: v.check_bias(b, n))


@FAST
@given(XY=pairs(), fraction=st.one_of(st.floats(0, 1), st.floats(), st.integers(-2, 2)),
       seed=st.one_of(st.none(), st.integers(-3, 3), st.floats()))
def test_split_and_standardization(XY, fraction, seed):
    X, Y = XY
    result = outcome(lambda: train_val_split(X, Y, fraction, seed=seed))
    if not isinstance(result, Exception):
        X_train, Y_train, X_val, Y_val = result
        assert X_train.shape[1] == Y_train.shape[1] >= 1
    stats = outcome(lambda: standardization_stats(X))
    if not isinstance(stats, Exception):
        mean, std = stats
        assert np.all(np.isfinite(mean)) and np.all(std > 0) and np.all(np.isfinite(std))
        scaled = standardize(X, mean, std)
        assert np.all(np.isfinite(scaled))
    outcome(lambda: standardize(X, Y, Y))
