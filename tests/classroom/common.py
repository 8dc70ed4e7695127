"""Plain helpers of the classroom tests (importable by name: a conftest is not)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSON = "lesson02"


def read_csv(text: str) -> dict[tuple[str, str], dict]:
    """Export rows by (student, lesson)."""
    return {(r["student"], r["lesson"]): r for r in csv.DictReader(io.StringIO(text))}


def sha(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
