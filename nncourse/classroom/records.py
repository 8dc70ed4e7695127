"""Autograde records: one small JSON file per submission, written atomically.

A record is the last thing ``nncourse autograde`` writes for a submission, after both
nbgrader and the grader's workers are done and their scores are in the gradebook. Its
presence (with the submission's current hash) means "this submission is graded"; a run
killed at any point before leaves no record, and the next run grades it again from
scratch. Records hold what the gradebook cannot: the notebook's run status and the
workers' messages and diagnoses (read by ``feedback``, ``export`` and ``report``).

Record fields: ``student``, ``lesson``, ``hash`` (of the expected files),
``notebook`` ("ok", "failed to run" or "missing"), ``nnlib`` (the grader's result dict
with ``score``, ``max_score`` and ``exercises``), ``score`` and ``max_score`` of the
worker-graded exercises. They are written with ``nncourse.atomic.write_json``.
"""

from __future__ import annotations

import json
from pathlib import Path


def read_record(folder: Path, student: str) -> dict | None:
    """The record of ``student`` in a lesson's record folder, or None."""
    path = folder / f"{student}.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:  # cannot happen with write_json; treat as not graded
        return None


def read_records(folder: Path) -> dict[str, dict]:
    """Every record of a lesson, by student."""
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.glob("*.json")):
        record = read_record(folder, path.stem)
        if record is not None:
            out[path.stem] = record
    return out


def verdict_text(exercise: dict | None, points: float | None, max_points: float) -> str:
    """The text shown under one exercise cell."""
    if exercise is None:
        return "Autograder: this exercise was not graded (no autograde record).\n"
    lines = [f"Autograder, hidden checks included - {exercise['id']}: {exercise['status']}, "
             f"{points or 0:g}/{max_points:g} point(s)"]
    if exercise.get("message"):
        lines.append(str(exercise["message"]).strip())
    if exercise.get("diagnosis") and "Likely bug:" not in str(exercise.get("message")):
        lines.append(f"Likely bug: {exercise['diagnosis']}")  # the message did not say it
    return "\n".join(lines) + "\n"
