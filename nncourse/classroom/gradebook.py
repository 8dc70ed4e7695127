"""Read and write nbgrader's gradebook: worker scores go in as the cells' ``auto_score``.

After ``nbgrader autograde`` each worker-graded cell (``grade_id`` = exercise id with
``-``) holds whatever the student's kernel made of the checks. ``set_worker_scores``
replaces that with the grader's score, so formgrader, ``nbgrader export`` and our export
all see the one authoritative number. Writes retry while another process holds SQLite's
lock (``--jobs N`` runs nbgrader processes on the same file).

nbgrader has no field for a submission's status, so ``set_status`` uses the two it has
that formgrader shows: a submission whose status is not ``ok`` has its notebook
*flagged*, and the comment of its first answer cell starts with ``STATUS_PREFIX`` and
the status and reason. A later ``ok`` takes both back when the comment is ours; a
grader's manual comment is a column of its own and never touched.
"""

from __future__ import annotations

import time
from pathlib import Path

from nncourse.classroom.course import ExerciseCell

RETRIES = 40
STATUS_PREFIX = "Autograde status: "


def _gradebook(path: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{path}")


def _retrying(action):
    """Run ``action()`` again while SQLite says the database is locked."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(RETRIES):
        try:
            return action()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == RETRIES - 1:
                raise
            time.sleep(0.1 + 0.05 * attempt)


def worker_points(cell: ExerciseCell, entry: dict | None) -> float:
    """The worker's score for one cell, scaled to the cell's points and clipped to them."""
    if not entry:
        return 0.0
    points = float(entry.get("points") or 0.0)
    top = entry.get("max_points")
    if top:
        points = points * cell.points / float(top)
    return max(0.0, min(cell.points, points))


def set_worker_scores(gradebook: Path, lesson: str, notebook: str, student: str,
                      cells: list[ExerciseCell], result: dict) -> int:
    """Write the worker scores of one submission; return how many cells were found.

    A notebook that nbgrader could not run still has its cells in the gradebook (NULL
    scores). When nbgrader recorded nothing (no notebook handed in), the submission is
    added here with nbgrader's own ``add_submission``, so formgrader shows it too.
    """
    from nbgrader.api import MissingEntry

    by_id = {e["id"]: e for e in result.get("exercises", [])}
    notebook_id = Path(notebook).stem

    def write() -> int:
        found = 0
        with _gradebook(gradebook) as gb:
            try:
                gb.find_submission(lesson, student)
            except MissingEntry:
                try:
                    gb.find_assignment(lesson)
                except MissingEntry:  # never assigned: nothing to record scores against
                    return 0
                gb.update_or_create_student(student)
                gb.add_submission(lesson, student)
            for cell in cells:
                try:
                    grade = gb.find_grade(cell.grade_id, notebook_id, lesson, student)
                except MissingEntry:  # a cell the gradebook does not know: skip it
                    continue
                grade.auto_score = worker_points(cell, by_id.get(cell.exercise))
                grade.manual_score = None
                grade.needs_manual_grade = False
                found += 1
            gb.db.commit()
        return found

    return _retrying(write)


def set_status(gradebook: Path, lesson: str, notebook: str, student: str, status: str,
               reason: str) -> bool:
    """Record a submission's status in the gradebook; return whether it was found."""
    from nbgrader.api import MissingEntry

    def write() -> bool:
        with _gradebook(gradebook) as gb:
            try:
                nb = gb.find_submission_notebook(Path(notebook).stem, lesson, student)
            except MissingEntry:
                return False
            comments = sorted(nb.comments, key=lambda c: c.name)
            ours = bool(comments) and (comments[0].auto_comment or "").startswith(
                STATUS_PREFIX)
            if status != "ok":
                nb.flagged = True
                if comments:
                    comments[0].auto_comment = f"{STATUS_PREFIX}{status}: {reason}"
            elif ours:
                nb.flagged = False
                comments[0].auto_comment = None
            gb.db.commit()
            return True

    return _retrying(write)


def status_in_gradebook(gradebook: Path, lesson: str, notebook: str,
                        student: str) -> tuple[bool, str | None]:
    """``(flagged, status comment or None)`` of one submission's notebook, as written."""
    with _gradebook(gradebook) as gb:
        nb = gb.find_submission_notebook(Path(notebook).stem, lesson, student)
        texts = [c.auto_comment for c in nb.comments
                 if (c.auto_comment or "").startswith(STATUS_PREFIX)]
        return bool(nb.flagged), (texts[0] if texts else None)


def lesson_scores(gradebook: Path, lesson: str, notebook: str) -> dict[str, dict[str, float]]:
    """``student -> {grade_id: score}`` for every graded cell of a lesson (None if ungraded)."""
    notebook_id = Path(notebook).stem

    def read() -> dict:
        out: dict[str, dict] = {}
        with _gradebook(gradebook) as gb:
            try:
                assignment = gb.find_assignment(lesson)
            except Exception:
                return {}
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    if nb.name != notebook_id:
                        continue
                    out[sub.student.id] = {
                        g.name: (None if g.score is None or (g.auto_score is None and
                                                             g.manual_score is None)
                                 else float(g.score))
                        for g in nb.grades
                    }
        return out

    return _retrying(read)


def students(gradebook: Path) -> list[str]:
    """Every student id in the gradebook (the roster), sorted."""
    if not gradebook.is_file():
        return []
    with _gradebook(gradebook) as gb:
        return sorted(s.id for s in gb.students)
