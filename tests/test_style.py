"""Do the tools hold the line: ruff clean, and every module small enough to read?"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["nncourse", "solutions/nnlib", "nnlib", "tests", "benchmarks"]
# One concept per module: students read nnlib line by line, maintainers read nncourse.
MAX_LINES = {"solutions/nnlib": 320, "nncourse": 400}


def test_ruff_is_clean():
    beside = Path(sys.executable).parent / "ruff"  # the version the dev extra installed
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    assert ruff, "ruff is not installed: pip install -e '.[dev]'"
    result = subprocess.run([ruff, "check", *CHECKED], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize("folder", sorted(MAX_LINES))
def test_modules_stay_small(folder):
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_LINES[folder]
    }
    assert not too_long, f"split these modules (limit {MAX_LINES[folder]} lines): {too_long}"
