"""Grade by-hand answers from a notebook's SOURCE: read the numbers, never run the cell.

A by-hand question's answer cell holds lines such as ``dL_dw1 = -0.25``. The trusted
side finds the cell by its nbgrader ``grade_id`` (``registry.answer_cell_id``) in the
notebook file, parses each ``NAME = ...`` line on its own with ``ast`` and takes the
right-hand side with ``ast.literal_eval``: a plain number counts, anything else (a name,
a call, arithmetic) is refused with a message. Nothing of the student's runs, so nothing
the student's code does (in the kernel or in the cell) can change what is read; the
expected values come from ``checks/byhand.py`` on this side.

Where the text comes from:

- autograde (``classroom/autograde/grading.py``): the submitted ``.ipynb`` file;
- ``nncourse grade DIR``: the lesson notebook in ``DIR`` or ``DIR/lessons`` (``grade_folder``);
- ``nncourse check byhand.X``: the saved lesson notebook of the workspace;
- ``nncourse.check("byhand.X")`` in a notebook: the cell the student last ran (from the
  kernel's input history, so an unsaved edit counts as the student sees it), with a note
  when the saved file says otherwise, since the autograder reads the saved file.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

from nncourse.grader.checks.byhand import QUESTIONS, judge
from nncourse.grader.registry import BYHAND, answer_cell_id

MAX_LINE = 200  # longer assignment lines are not read (no giant literals)


class Unreadable(ValueError):
    """A line assigns an answer variable something that is not a plain number."""


def read_number(line: str, name: str) -> float | None:
    """The number ``line`` assigns to ``name``; None when the line does not assign it.

    Raises:
        Unreadable: the line assigns ``name`` but not a plain, finite number.
    """
    text = line.strip()
    if not text.startswith(name) or len(text) > MAX_LINE:
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return None
    node = tree.body[0]
    if [getattr(t, "id", None) for t in node.targets] != [name]:
        return None
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unreadable(f"{name} = {ast.get_source_segment(text, node.value)} is not a plain "
                         "number: write the number itself (for example 1.5), not an "
                         "expression, a name or a call") from None
    if value is Ellipsis:
        return None  # the placeholder: not answered yet
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise Unreadable(f"{name} = {value!r} is not a finite number")
    return float(value)


def read_answers(source: str, names: tuple[str, ...]) -> tuple[dict[str, float], list[str]]:
    """``({name: number}, [problems])`` from an answer cell's text; the last line wins."""
    found: dict[str, float] = {}
    problems: dict[str, str] = {}
    for line in source.splitlines():
        for name in names:
            try:
                value = read_number(line, name)
            except Unreadable as error:
                problems[name] = str(error)
                found.pop(name, None)
                continue
            if value is not None:
                found[name] = value
                problems.pop(name, None)
    return found, list(problems.values())


def cell_source(notebook: Path, exercise: str) -> str | None:
    """The source of the question's answer cell in a notebook file (None if absent)."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == answer_cell_id(exercise):
                source = cell.get("source", "")
                return "".join(source) if isinstance(source, list) else str(source)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    return None


def grade_source(exercise: str, source: str | None, where: str) -> dict:
    """The report row of one by-hand question for an answer cell's text."""
    row = BYHAND[exercise]
    question = QUESTIONS[exercise]
    entry = {"id": exercise, "lesson": row.lesson, "points": 0, "max_points": row.points,
             "status": "failed", "message": "", "diagnosis": None}
    if source is None:
        entry.update(status="not_implemented",
                     message=f"no answer cell for {exercise} found in {where}")
        return entry
    answers, problems = read_answers(source, question.names())
    if question.answer not in answers and not problems:
        entry.update(status="not_implemented",
                     message=f"{exercise}: not answered yet (write '{question.answer} = "
                             f"<your number>' in its answer cell; read from {where})")
        return entry
    passed, message, code = judge(question, answers)
    if problems:
        message = "\n".join(problems + ([message] if question.answer in answers else []))
    entry.update(status="passed" if passed else "failed", message=message, diagnosis=code,
                 points=row.points if passed else 0)
    return entry


def grade_notebook(notebook: Path, exercises: list[str]) -> list[dict]:
    """Report rows of by-hand questions, read from a notebook file (what autograde does)."""
    return [grade_source(ex, cell_source(notebook, ex), Path(notebook).name)
            for ex in exercises]


def lesson_notebook(folder: Path, lesson: int) -> Path | None:
    """The notebook ``NN_*.ipynb`` of a lesson, or None when there is none.

    Looked for in ``folder`` (a submission), then ``folder/lessons`` (a workspace, or
    ``solutions``).
    """
    for where in (Path(folder), Path(folder) / "lessons"):
        found = sorted(where.glob(f"{lesson:02d}_*.ipynb"))
        if found:
            return found[0]
    return None


def grade_folder(folder: Path, exercises: list[str]) -> list[dict]:
    """Report rows of by-hand questions, each read from its lesson's notebook in ``folder``.

    A lesson without a notebook there scores 0 on its questions (``not_implemented``).
    """
    rows = []
    for exercise in exercises:
        lesson = BYHAND[exercise].lesson
        notebook = lesson_notebook(folder, lesson)
        rows += grade_notebook(notebook, [exercise]) if notebook else [grade_source(
            exercise, None, f"{Path(folder).name}/ (no {lesson:02d}_*.ipynb there or in "
            "lessons/)")]
    return rows


def combine(result: dict, rows: list[dict], order: list[str]) -> dict:
    """The grader's ``result`` for the ``nnlib`` exercises with by-hand ``rows`` added.

    Rows come in ``order`` (exercise ids), scores are summed; a ``max_score`` of None
    (nothing could be graded) stays None.
    """
    position = {e: i for i, e in enumerate(order)}
    merged = sorted(result.get("exercises", []) + rows,
                    key=lambda r: position.get(r["id"], len(position)))
    total = None if result.get("max_score") is None else \
        result["max_score"] + sum(r["max_points"] for r in rows)
    return {**result, "exercises": merged, "max_score": total,
            "score": (result.get("score") or 0) + sum(r["points"] for r in rows)}


def report(rows: list[dict]) -> dict:
    """A report object shaped like ``api.grade_package``'s, for by-hand rows."""
    return {"score": sum(r["points"] for r in rows),
            "max_score": sum(r["max_points"] for r in rows),
            "exercises": rows, "public_only": False}
