"""Gradescope's side: ``results.json`` from an ``Outcome``, and the ``run_autograder`` entrypoint.

Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): the working directory is ``/autograder``; the upload is in
``/autograder/submission``; ``/autograder/results/results.json`` holds ``score``,
``execution_time`` (seconds), ``output`` (text about the whole submission),
``stdout_visibility`` and ``tests``, each with ``name``, ``score``, ``max_score``,
``status`` (``passed``/``failed``), ``output`` and ``visibility`` (``visible``,
``hidden``, ``after_due_date``, ``after_published``). The top-level ``score`` overrides the
sum of the tests'.

Here: one visible test per exercise (``lesson NN: <id>``) with the feedback
``nncourse grade`` gives; when a hidden variant failed, its details go in a second,
zero-point test visible ``after_published``, and the visible test says only that a hidden
check failed. Our own stdout (the run's log) is ``hidden`` from students.

``python -m nncourse.classroom.platforms.gradescope`` grades ``$ROOT/submission`` and writes
``$ROOT/results/results.json``; ``ROOT`` is ``$NNCOURSE_GRADESCOPE_ROOT`` (default
``/autograder``), the lessons are in ``$ROOT/source/nncourse-platform.json`` and the
reference in ``$NNCOURSE_REFERENCE`` (default ``/opt/nncourse/solutions``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nncourse.classroom.platforms import outcome as outcomes
from nncourse.grader import report_text

HIDDEN_NOTE = ("A hidden check (other sizes and seeds) failed; its details are shown when "
               "grades are published.")


def tests(out: outcomes.Outcome) -> list[dict]:
    """The ``tests`` array: one per exercise, plus the hidden details of failed ones."""
    report = out.report or {"exercises": []}
    found = {r["id"]: r for r in report["exercises"]}
    rows = []
    for number, exercise in enumerate(out.exercises, start=1):
        row = found.get(exercise)
        lesson = outcomes.EXERCISES[exercise].lesson
        name = f"lesson {lesson:02d}: {exercise}"
        if row is None:  # nothing graded: no nnlib in the upload
            rows.append({"name": name, "number": str(number), "score": 0,
                         "max_score": outcomes.EXERCISES[exercise].points,
                         "status": "failed", "visibility": "visible",
                         "output": out.problem or "not graded"})
            continue
        text = outcomes.student_text(report_text.message(row, report))
        passed = row["status"] == "passed"
        hidden = outcomes.is_hidden_failure(row)
        rows.append({"name": name, "number": str(number), "score": row["points"],
                     "max_score": row["max_points"],
                     "status": "passed" if passed else "failed", "visibility": "visible",
                     "output": (row["message"] if passed else
                                HIDDEN_NOTE if hidden else text)})
        if hidden:
            rows.append({"name": f"{name} (hidden check details)",
                         "number": f"{number}.1", "score": 0, "max_score": 0,
                         "status": "failed", "visibility": "after_published",
                         "output": text})
    return rows


def results(out: outcomes.Outcome) -> dict:
    """The whole ``results.json`` object."""
    report = out.report
    summary = out.problem or (report_text.summary(report) if report else "")
    return {"score": report["score"] if report and not out.problem else 0,
            "execution_time": round(out.seconds, 2),
            "output": summary,
            "stdout_visibility": "hidden",
            "tests": tests(out)}


def main(argv: list[str] | None = None) -> int:
    """Grade the submission and write ``results.json`` (exit 0 whenever it is written)."""
    root = Path(os.environ.get("NNCOURSE_GRADESCOPE_ROOT", "/autograder"))
    data = outcomes.run_platform(root, "submission", "source", results)
    print(f"graded in {data['execution_time']} s: score {data['score']}; "
          + (data["output"].splitlines() or [""])[0])  # our stdout: hidden from students
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
