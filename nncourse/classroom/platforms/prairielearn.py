"""PrairieLearn's side: ``results.json`` from an ``Outcome``, and the grading entrypoint.

PrairieLearn's external grading (docs/externalGrading.md): the question's ``tests/`` is
mounted at ``/grade/tests``, the student's files at ``/grade/student`` (a
``<pl-file-upload>`` puts each uploaded file there, no folders: students upload the
``nncourse submit`` zip), and ``/grade/results/results.json`` (the folder is not created
for us) holds ``score`` in [0, 1], ``gradable`` (``false``: the upload was unusable, no
attempt is counted; then ``format_errors``), ``message``, ``output`` and ``tests`` with
``name``, ``description``, ``points``, ``max_points``, ``message``, ``output``.

An upload without an ``nnlib`` is not gradable; an ``nnlib`` that does not import is
graded 0 (what ``nncourse grade`` gives it) with the import error as the message. Hidden
variants report what was compared, never their inputs (PrairieLearn has no delayed
visibility).

``python -m nncourse.classroom.platforms.prairielearn``: ``ROOT`` is
``$NNCOURSE_PRAIRIELEARN_ROOT`` (default ``/grade``); the exercises are in
``$ROOT/tests/nncourse-platform.json``, the reference in ``$NNCOURSE_REFERENCE``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nncourse.classroom.platforms import outcome as outcomes
from nncourse.grader import report_text


def results(out: outcomes.Outcome) -> dict:
    """The whole ``results.json`` object."""
    report = out.report
    if report is None:
        return {"gradable": False, "score": 0.0, "format_errors": [out.problem or ""],
                "message": out.problem or "", "tests": []}
    rows = []
    for row in report["exercises"]:
        exercise = outcomes.EXERCISES[row["id"]]
        rows.append({"name": row["id"], "description": f"lesson {exercise.lesson:02d}",
                     "points": row["points"], "max_points": row["max_points"],
                     "message": report_text.LABELS.get(row["status"], row["status"]),
                     "output": outcomes.student_text(report_text.message(row, report))})
    top = report["max_score"] or 1
    return {"gradable": True, "score": round(report["score"] / top, 6),
            "message": out.problem or report_text.summary(report),
            "output": f"graded in {out.seconds:.1f} s", "tests": rows}


def main(argv: list[str] | None = None) -> int:
    """Grade the student's files and write ``results.json`` (exit 0 whenever written)."""
    root = Path(os.environ.get("NNCOURSE_PRAIRIELEARN_ROOT", "/grade"))
    outcomes.run_platform(root, "student", "tests", results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
