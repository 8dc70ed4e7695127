"""Shared fixtures. Only tests/reference/ may import nnlib in the pytest process."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root():
    """The repository root."""
    return ROOT
