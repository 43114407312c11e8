"""Shared fixtures: the course's data files (tests only).

The course's data (the cat HDF5 files, football.csv) are not part of the repository. The tests
look for them in ``$DENSEFLOW_DATA`` when it is set, else in ``../shared/data`` beside the
project; a test that needs a file that is not there is skipped with the reason (so the README's
``pytest`` passes on a fresh clone), and ``DENSEFLOW_DATA=/nonexistent pytest`` runs the suite as
a machine without the data would.
"""

import os
from pathlib import Path

import pytest

#: The environment variable that points the suite at the course's data folder.
DATA_VARIABLE = "DENSEFLOW_DATA"
_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_DATA = Path(os.environ[DATA_VARIABLE]).expanduser() if os.environ.get(DATA_VARIABLE) else _DEFAULT
CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")


def data_missing(*files):
    """Why a test needing ``files`` of the course's data must be skipped, or None when they are there."""
    missing = [f for f in files if not (SHARED_DATA / f).is_file()]
    if not missing:
        return None
    return (f"course data {missing} not found in {SHARED_DATA} (set {DATA_VARIABLE} to the folder "
            f"that holds them)")


def needs_data(*files):
    """A skip marker for tests that read ``files`` from the course's data folder."""
    reason = data_missing(*files)
    return pytest.mark.skipif(reason is not None, reason=reason or "")


needs_cat = needs_data(*CAT_FILES)


@pytest.fixture(scope="session")
def cat_dir():
    """The folder holding the course's cat-vs-non-cat HDF5 files (skipped when absent)."""
    reason = data_missing(*CAT_FILES)
    if reason:
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def football_csv():
    """The course's football.csv (course 2, Regularization), skipped when absent."""
    reason = data_missing("football.csv")
    if reason:
        pytest.skip(reason)
    return SHARED_DATA / "football.csv"
