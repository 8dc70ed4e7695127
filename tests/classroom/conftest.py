"""The demo class, run once per test session through assign -> collect -> autograde ->
feedback -> export on lesson 02 of the real course, with the real grader."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import students  # noqa: E402
from common import LESSON, ROOT, read_csv, sha  # noqa: E402, F401 - used by the fixture


@dataclass
class Demo:
    """Where the demo class lives and what each step said."""

    course: Path
    exchange: Path
    zips: Path
    expected: dict
    rows: dict
    outputs: dict
    source_hash: str


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """The demo class after the whole workflow."""
    from nncourse.classroom.prepare.course_folder import setup_course
    from nncourse.cli import main

    base = tmp_path_factory.mktemp("demo")
    course, exchange, zips = base / "course", base / "exchange", base / "zips"
    setup_course(course, ROOT, exchange, timeout=5)
    source = course / "source" / LESSON / students.LESSON
    outputs = {}

    def step(name, *argv):
        buffer = io.StringIO()
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = buffer
        try:
            outputs[name] = (main([str(a) for a in argv]), buffer.getvalue())
        finally:
            sys.stdout, sys.stderr = old

    step("assign", "assign", "2", "--course", course)
    expected = students.make_class_zips(ROOT, course, zips)
    students.write_zip(zips / "s13-evil_lesson02.zip",
                       {"../../escaped.py": "x = 1\n", "02_loss.ipynb": "{}"})
    step("collect", "collect", "2", "--course", course, "--zips", zips)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_student("s14-absent")  # on the roster, never handed in
    step("autograde", "autograde", "2", "--course", course, "--jobs", "2")
    step("feedback", "feedback", "2", "--course", course)
    step("export", "export", "--course", course, "--lesson", "2", "-o", base / "grades.csv")
    rows = read_csv((base / "grades.csv").read_text())
    return Demo(course, exchange, zips, expected, rows, outputs, sha(source))
