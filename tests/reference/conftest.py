"""Tests in this folder import the reference ``nnlib`` from ``solutions/``.

The student package is also named ``nnlib``; the two never share a process. This file puts
``solutions/`` first on ``sys.path`` and fails loudly if ``nnlib`` resolves anywhere else.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
sys.path.insert(0, str(SOLUTIONS))

import nnlib  # noqa: E402

if Path(nnlib.__file__).resolve().parent != SOLUTIONS / "nnlib":
    raise RuntimeError(f"expected the reference nnlib in {SOLUTIONS}, got {nnlib.__file__}")


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(0)
