"""Shared fixtures: the course's data folder beside the project (tests only)."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def cat_dir():
    """The course's cat-vs-non-cat HDF5 files in ../shared/data (skipped when absent)."""
    if not (SHARED_DATA / "train_catvnoncat.h5").exists():
        pytest.skip(f"course cat data not found in {SHARED_DATA}")
    return SHARED_DATA
