"""Grade files that Canvas and Moodle import as they are: one row per student.

Input: the rows of ``nncourse export`` (``student``, ``lesson``, ``status``, ``total``,
``max_score``). A lesson is one grade column, its total; a cell is left empty (never 0)
when the status is not a final grade (``missing``, ``not graded``, ``failed to run``,
``grader error``, ``nnlib missing``, ``notebook unreadable``, a gradebook out of sync):
``warnings`` lists each one.

- **Canvas** (Grades > Import, "Importing grades from a CSV file"): header ``Student, ID,
  SIS User ID, SIS Login ID, Section`` and one column per assignment; a second row
  ``Points Possible`` gives each column's maximum. Canvas matches a student by ``ID``,
  then ``SIS User ID``, then ``SIS Login ID``; the nbgrader student id goes in the
  column ``id_field`` names (``SIS Login ID`` by default), the others stay empty. A
  column whose name is no assignment of the course becomes a new assignment.
- **Moodle** (Grades > Import > CSV file): a header row, one column identifying the user
  (mapped on import: "Map from" this column, "Map to" ``username``, ``idnumber`` or
  ``email``) and one column per grade item (mapped to an item or "new grade item").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

# statuses whose total is the grade (classroom/autograde/statuses.py); the others need a look
FINAL = ("ok", "notebook missing", "nnlib does not import", "timed out", "tampered")
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_IDS = ("SIS User ID", "SIS Login ID")
MOODLE_IDS = {"username": "Username", "idnumber": "ID number", "email": "Email address"}


def column_name(lesson: str) -> str:
    """The grade column of a lesson (``lesson03`` -> ``nnlib lesson03``)."""
    return f"nnlib {lesson}"


def by_student(rows: list[dict]) -> tuple[dict, dict, list[str]]:
    """``{student: {lesson: total or None}}``, ``{lesson: max}`` and the warnings."""
    grades: dict[str, dict[str, float | None]] = {}
    tops: dict[str, float] = {}
    warnings = []
    for row in rows:
        lesson, status = row["lesson"], row.get("status") or ""
        tops[lesson] = row.get("max_score") or tops.get(lesson, 0)
        final = status in FINAL and row.get("total") is not None
        grades.setdefault(row["student"], {})[lesson] = row["total"] if final else None
        if not final:
            warnings.append(f"{row['student']} {lesson}: {status}; left empty")
    return grades, tops, warnings


def _fmt(value) -> str:
    return "" if value is None else f"{value:g}"


def _table(rows: list[dict], head: list[str], first: list[list[str]],
           who: Callable[[str], list[str]]) -> tuple[str, list[str]]:
    """CSV text: ``head`` + one column per lesson, the ``first`` rows, one row per student."""
    grades, tops, warnings = by_student(rows)
    lessons = sorted(tops)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head + [column_name(x) for x in lessons])
    for row in first:
        writer.writerow(row + [_fmt(tops[x]) for x in lessons])
    for student in sorted(grades):
        writer.writerow(who(student) + [_fmt(grades[student].get(x)) for x in lessons])
    return out.getvalue(), warnings


def canvas(rows: list[dict], id_field: str = "SIS Login ID") -> tuple[str, list[str]]:
    """The Canvas CSV text, and the warnings."""
    if id_field not in CANVAS_IDS:
        raise ValueError(f"expected id_field one of {CANVAS_IDS}, got {id_field!r}")

    def who(student: str) -> list[str]:
        return [student if c in ("Student", id_field) else "" for c in CANVAS_FIXED]

    return _table(rows, CANVAS_FIXED, [["Points Possible", "", "", "", ""]], who)


def moodle(rows: list[dict], id_field: str = "username") -> tuple[str, list[str]]:
    """The Moodle CSV text, and the warnings."""
    if id_field not in MOODLE_IDS:
        raise ValueError(f"expected id_field one of {sorted(MOODLE_IDS)}, got {id_field!r}")
    return _table(rows, [MOODLE_IDS[id_field]], [], lambda student: [student])
