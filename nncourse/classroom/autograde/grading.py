"""The class workflow's one door to the grader: score a submission's ``nnlib`` in workers.

The grader (``nncourse.grader.api.grade_package``) runs the student's code in worker
processes with limits and compares on the trusted side; it never runs in a notebook
kernel, so nothing a notebook does (a patched ``np.allclose``, an input transformer)
changes these scores. ``NNCOURSE_GRADER_API`` may name another module with the same
``grade_package`` function (the classroom tests use a small stand-in).

By-hand questions (``byhand.<name>``) have no ``nnlib`` code: ``grade_byhand`` scores them
from the answer cells' SOURCE in the notebook as submitted (``nncourse.grader.
answer_cells``), read as data and never run; what the kernel did with those cells during
nbgrader's run does not count either.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

from nncourse.grader.answer_cells import combine, grade_notebook
from nncourse.grader.registry import is_byhand
from nncourse.grader.report_text import WORKER_PATH
from nncourse.handin import copy_expected
from nncourse.isolation.scratch import make_scratch

# Exercise statuses; ``grader_error`` is the grader's own failure, never the student's.
SCRATCH_PREFIX = "nncourse-grade-"
STATUSES = ("passed", "failed", "error", "timeout", "not_implemented", "grader_error")
GRADER_ERROR = "grader error"  # the submission status when any exercise is a grader_error


def not_graded(exercises: list[str], message: str, status: str) -> dict:
    """A grader result in which no exercise could be graded, each saying why."""
    return {"score": 0.0, "max_score": None, "public_only": False, "exercises": [
        {"id": ex, "points": 0.0, "max_points": None, "status": status, "message": message,
         "diagnosis": None} for ex in exercises]}


def grader_module():
    """The module providing ``grade_package``."""
    return importlib.import_module(os.environ.get("NNCOURSE_GRADER_API", "nncourse.grader.api"))


def grade_submission(submission: Path, notebook: str, exercises: list[str], lesson: int,
                     reference_root: Path | None) -> dict:
    """Grade ``exercises`` of the ``nnlib`` in ``submission``, hidden checks included.

    Only ``nnlib/**/*.py`` is copied into a fresh scratch folder that the workers import
    from; other files of the submission cannot take part. A submission without an
    ``nnlib`` package gets an ``error`` per exercise saying so. No message holds a path of
    the scratch folder.

    Returns:
        The grader's dict: ``score``, ``max_score``, ``exercises`` (``id``, ``points``,
        ``max_points``, ``status``, ``message``, ``diagnosis``), ``public_only``.
    """
    scratch = make_scratch(SCRATCH_PREFIX)
    try:
        copy_expected(submission, scratch / "sub", notebook, include_notebook=False)
        if not (scratch / "sub" / "nnlib" / "__init__.py").is_file():
            return not_graded(exercises, "no nnlib/ package was handed in (nnlib/__init__.py "
                              "is missing)", "error")
        try:
            result = grader_module().grade_package(
                scratch / "sub", exercises=exercises, lesson=lesson, hidden=True,
                reference_root=reference_root)
        except Exception as error:  # the grader itself failed: no exercise is graded
            result = not_graded(exercises, f"the grader failed on this submission: {error!r}",
                                "grader_error")
        for row in result.get("exercises", []):
            text = (row.get("message") or "").replace(f"{scratch}/sub/", "")
            row["message"] = WORKER_PATH.sub("nnlib/", text)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_byhand(submission: Path, notebook: str, exercises: list[str]) -> list[dict]:
    """Rows (as the grader's) for the by-hand questions, read from the submitted notebook.

    A missing or unreadable notebook scores 0 on each (status ``not_implemented``).
    """
    return grade_notebook(Path(submission) / notebook, exercises)


def grade_all(submission: Path, notebook: str, exercises: list[str], lesson: int,
              reference_root: Path | None) -> dict:
    """``grade_submission`` for the ``nnlib`` exercises plus ``grade_byhand``, one result."""
    code = [e for e in exercises if not is_byhand(e)]
    byhand = grade_byhand(submission, notebook, [e for e in exercises if is_byhand(e)])
    result = grade_submission(submission, notebook, code, lesson, reference_root) if code \
        else {"score": 0, "max_score": 0, "public_only": False, "exercises": []}
    return combine(result, byhand, exercises)
