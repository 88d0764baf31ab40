"""Fixtures for tests/data."""

from pathlib import Path

import pytest
from data_fixtures import make_layout, real_rows


@pytest.fixture
def real_layout(tmp_path) -> Path:
    """``tmp/qs`` with train.csv = the real rows (extra columns kept) and a short tone per id."""
    return make_layout(tmp_path / "qs", real_rows())
