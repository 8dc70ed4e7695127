"""After nbgrader has run a submission's notebook: grade its ``nnlib``, write its record.

``finish`` runs in the batch process, per student (``batch.py``): the grader's workers
score the exercises (the by-hand questions are read from the submitted notebook's
source, on this side), the scores replace the exercise cells' ``auto_score`` in the
gradebook with the submission's status (``gradebook.set_status``), and the record
is written last.
"""

from __future__ import annotations

import time

from nncourse.atomic import write_json
from nncourse.classroom import gradebook
from nncourse.classroom.autograde import statuses
from nncourse.classroom.autograde.grading import GRADER_ERROR, grade_all
from nncourse.classroom.course import Course, lesson_number
from nncourse.handin import submission_hash


def finish(course: Course, lesson: str, student: str, nb_result: dict) -> dict:
    """Grade one submission's nnlib, write its scores, then its record; return the record."""
    sub = course.submission(student, lesson)
    notebook = course.notebook(lesson)
    cells = course.exercise_cells(lesson)
    digest = submission_hash(sub, notebook)
    start = time.perf_counter()
    result = grade_all(sub, notebook, [c.exercise for c in cells],
                       lesson_number(lesson), course.repo / "solutions")
    by_id = {e["id"]: e for e in result.get("exercises", [])}
    points = {c.grade_id: gradebook.worker_points(c, by_id.get(c.exercise)) for c in cells}
    faults = [e["id"] for e in result.get("exercises", []) if e["status"] == "grader_error"]
    problems = [(GRADER_ERROR, f"the grader failed on {', '.join(faults)} (not the student's "
                 "code); the next autograde grades it again")] if faults else []
    problems += statuses.nnlib_problems(sub, result)
    problems += statuses.notebook_problems(sub, notebook, course.release_notebook(lesson),
                                           nb_result)
    status, reason = statuses.status_of(problems)
    found = gradebook.set_worker_scores(course.gradebook, lesson, notebook, student, cells,
                                        result)
    gradebook.set_status(course.gradebook, lesson, notebook, student, status, reason)
    record = {
        "student": student, "lesson": lesson, "hash": digest, "notebook": status,
        "reason": reason, "problems": [list(p) for p in problems],
        "nnlib": result, "cells": points, "in_gradebook": found == len(cells),
        "score": sum(points.values()), "max_score": sum(c.points for c in cells),
        "seconds": {"notebook": nb_result.get("nbgrader_seconds"),
                    "nnlib": round(time.perf_counter() - start, 2)},
    }
    write_json(course.record_dir(lesson) / f"{student}.json", record)
    return record
