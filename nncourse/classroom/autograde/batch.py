"""One autograde batch process: nbgrader's autograde, then ``finish``, per student.

Started by ``run.py`` through ``nbgrader_batches.run_batches``; the grader's workers run
here, where nbgrader (and the gradebook) are already imported. First it starts the
batch's warm kernel server (``warm_kernels.py``), which imports while nbgrader does.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from nncourse.classroom.autograde import kernel, warm_kernels
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


def main() -> int:
    """The batch, with a warm kernel server beside it unless it is switched off."""
    if not warm_kernels.enabled():
        return batch_main(after=after_student, watch=WATCH)
    server, address = warm_kernels.start(kernel.scratch_base())
    os.environ[kernel.SERVER_ENV] = address  # nbgrader's kernels inherit it
    try:
        return batch_main(after=after_student, watch=WATCH)
    finally:
        server.kill()  # and with it the kernels it forked, all ended by now
        server.wait()
        shutil.rmtree(Path(address).parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
