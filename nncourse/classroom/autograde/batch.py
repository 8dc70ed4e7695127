"""One autograde batch process: nbgrader's autograde, then ``finish``, per student.

Started by ``run.py`` through ``nbgrader_batches.run_batches``; the grader's workers run
here, where nbgrader (and the gradebook) are already imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nncourse.classroom.autograde.budget import ENV, FALLBACK, Watch
from nncourse.classroom.autograde.finish import finish
from nncourse.classroom.course import Course
from nncourse.classroom.nbgrader_batches import main as batch_main

WATCH = Watch(float(os.environ.get(ENV) or FALLBACK))


def after_student(course_root: Path, lesson: str, student: str, result: dict) -> None:
    """Grade the student's ``nnlib`` and write the record (nbgrader has run the notebook)."""
    if WATCH.exceeded:
        result["budget_exceeded"] = WATCH.seconds
    finish(Course.load(course_root), lesson, student, result)


if __name__ == "__main__":
    sys.exit(batch_main(after=after_student, watch=WATCH))
