"""Are the committed student files exactly what solutions/ generates, and do they leak nothing?"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nncourse.release.builder import PRODUCTS
from nncourse.release.markers import find_regions

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "nnlib"
STUDENT = ROOT / "nnlib"


def nncourse(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "nncourse.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def stripped_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def solution_bodies():
    """(file, exercise, line) for every code line that exists only inside a solution region."""
    for path in sorted(REFERENCE.rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        regions = find_regions(text, str(path))
        inside = {n for r in regions for n in range(r.begin - 1, r.end)}
        provided = {lines[n].strip() for n in range(len(lines)) if n not in inside}
        for region in regions:
            for line in lines[region.begin : region.end - 1]:
                code = line.strip()
                if code and not code.startswith("#") and code not in provided:
                    yield path.relative_to(REFERENCE), region.exercise, code


def test_committed_release_is_up_to_date():
    result = nncourse("release", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def leaked_lines(student_text):
    """Solution-only lines of the reference that stand in the given student files."""
    student_lines = {rel: set(stripped_lines(text)) for rel, text in student_text.items()}
    return [
        (str(rel), exercise, code)
        for rel, exercise, code in solution_bodies()
        if code in student_lines.get(rel, set())
    ]


def test_student_package_holds_no_marker_or_solution_line():
    student_text = {
        path.relative_to(STUDENT): path.read_text() for path in STUDENT.rglob("*.py")
    }
    assert not [p for p, text in student_text.items() if re.search("BEGIN SOLUTION", text)]
    leaks = leaked_lines(student_text)
    assert not leaks, f"solution lines found in nnlib/: {leaks[:5]}"


def test_leak_detector_catches_one_solution_line_in_a_stub_file():
    rel, exercise, code = next(solution_bodies())
    student = (STUDENT / rel).read_text() + "\n" + code + "\n"
    assert (str(rel), exercise, code) in leaked_lines({rel: student})


def test_every_exercise_has_a_stub_in_the_student_package():
    text = "\n".join(p.read_text() for p in STUDENT.rglob("*.py"))
    exercises = {exercise for _, exercise, _ in solution_bodies()}
    assert exercises, "the reference library has no solution regions"
    missing = [ex for ex in exercises if f'"Exercise {ex} ' not in text]
    assert not missing


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the generated and source folders, to break things in."""
    for folder in ["solutions"] + [product.out for product in PRODUCTS]:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, tmp_path / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_check_fails_on_an_edited_stale_or_missing_file_and_release_repairs_it(repo_copy):
    target = next(iter(sorted((repo_copy / "nnlib").glob("*.py"))))
    target.write_text(target.read_text() + "\n# edited by hand\n")
    (repo_copy / "nnlib" / "extra.py").write_text("x = 1\n")
    result = nncourse("release", "--check", "--root", str(repo_copy))
    assert result.returncode == 1
    assert f"out of date: nnlib/{target.name}" in result.stdout
    assert "stale (not generated from solutions/): nnlib/extra.py" in result.stdout

    assert nncourse("release", "--root", str(repo_copy)).returncode == 0
    again = nncourse("release", "--check", "--root", str(repo_copy))
    assert again.returncode == 0, again.stdout


def test_malformed_marker_fails_release_with_file_and_line(repo_copy):
    target = repo_copy / "solutions" / "nnlib" / "broken.py"
    target.write_text("def f():\n    ### BEGIN SOLUTION f.g\n    return 1\n")
    result = nncourse("release", "--root", str(repo_copy))
    assert result.returncode == 2
    assert "solutions/nnlib/broken.py:2" in result.stderr and "never closed" in result.stderr
    assert not (repo_copy / "nnlib" / "broken.py").exists()
