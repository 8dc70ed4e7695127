"""``nncourse status`` and ``nncourse.status()``: where you are, exercise by exercise.

Per lesson and exercise: **passed**, **failing** (with the first line of the last
diagnosis), or **not started** (the stub still raises ``NotImplementedError``), and the
hints used so far (from the hints' progress file, ``nncourse/grader/progress.py``).

The verdicts come from running the public checks in workers, as ``nncourse check`` does
(a status run records no attempt and unlocks no hint). They are cached in
``WORKSPACE/.nncourse/status.json`` under a key made of every ``.py`` file of your
``nnlib`` (a worker imports the whole package, so any file can change any verdict) and of
the grader's own files: a second run with nothing changed is instant, and any edit is
checked again. By-hand questions are read from the saved lesson notebook every time.
Nothing in ``.nncourse/`` is ever handed in (``submit`` packs the notebook and
``nnlib/**/*.py`` only).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from pathlib import Path

from nncourse.atomic import write_json
from nncourse.grader import answer_cells, hints, progress, report_text
from nncourse.grader.check_command import find_nnlib, saved_notebook
from nncourse.grader.engine import source_hash
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import BYHAND, select

CACHE = "status.json"  # beside progress.json, in WORKSPACE/.nncourse/
GRADER = Path(__file__).resolve().parents[1]  # the nncourse package: checks and stored values
STATES = {"passed": "passed", "not_implemented": "not started", "failed": "failing",
          "error": "failing", "timeout": "failing", "grader_error": "not checked"}


def cache_key(workspace: Path) -> str:
    """A fingerprint of the student's ``nnlib`` and of the grader that judges it."""
    both = source_hash(workspace / "nnlib") + source_hash(GRADER, (".py", ".json"))
    return hashlib.sha256(both.encode()).hexdigest()


def read_cache(workspace: Path, key: str) -> dict:
    """The cached report rows (by exercise id) if they were made with ``key``, else {}."""
    path = workspace / progress.FOLDER / CACHE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("key") != key:
        return {}
    return data.get("rows") if isinstance(data.get("rows"), dict) else {}


def checked_rows(workspace: Path, exercises: list[str]) -> tuple[list[dict], bool]:
    """The public checks' report rows of ``exercises`` and whether they came from the cache."""
    key = cache_key(workspace)
    cached = read_cache(workspace, key)
    if all(e in cached for e in exercises):
        return [cached[e] for e in exercises], True
    from nncourse.grader.api import grade_package

    report = grade_package(workspace, exercises=exercises, hidden=False, stored_only=True)
    for row in report["exercises"]:
        row["detail"] = detail(row)
    fresh = {r["id"]: r for r in report["exercises"] if r["status"] != "grader_error"}
    try:  # a grader fault is not cached: the next run tries again
        write_json(workspace / progress.FOLDER / CACHE, {"key": key, "rows": cached | fresh})
    except OSError:
        pass  # a read-only folder: status still works, only slower
    return report["exercises"], False


def detail(row: dict) -> str:
    """One line on a row that did not pass: the likely bug if named, else the first line."""
    text = report_text.message(row)
    if row["status"] == "passed":
        return ""
    if row["status"] == "not_implemented":  # only worth a word when another stub blocks it
        blocker = re.match(r"\S+ needs (\S+), which is not implemented", text)
        return f"needs {blocker.group(1)} first" if blocker else ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return next((ln for ln in lines if ln.startswith("Likely bug:")), lines[0] if lines else "")


def byhand_rows(workspace: Path, lesson: int | None) -> list[dict]:
    """By-hand questions, read from the saved lesson notebooks (none saved: not started)."""
    rows = []
    for exercise in BYHAND.values():
        if lesson is None or exercise.lesson == lesson:
            notebook = saved_notebook(workspace, exercise.lesson)
            source = answer_cells.cell_source(notebook, exercise.id) if notebook else None
            row = answer_cells.grade_source(exercise.id, source, "the saved notebook")
            rows.append(row | {"detail": detail(row)})
    return rows


class Status:
    """Each exercise's state and hints used; text in a terminal, a table in a notebook."""

    def __init__(self, rows: list[dict], used: dict[str, int], cached: bool):
        self.rows, self.used, self.cached = rows, used, cached

    def state(self, exercise: str) -> str:
        """``passed``, ``failing``, ``not started`` (or ``not checked``) of one exercise."""
        return next(STATES[r["status"]] for r in self.rows if r["id"] == exercise)

    def hints(self, exercise: str) -> str:
        """Hints used out of the exercise's ladder, e.g. ``1/3``."""
        return f"{self.used.get(exercise, 0)}/{len(hints.ladder(exercise))}"

    def summary(self) -> str:
        """One line: how many exercises are in each state."""
        states = [STATES[r["status"]] for r in self.rows]
        counts = ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(STATES.values())
                           if s in states)
        reused = " (nnlib unchanged since the last status: verdicts reused)" if self.cached \
            else ""
        return f"{len(self.rows)} exercise(s): {counts}{reused}"

    def __str__(self) -> str:
        lines = [f"{'lesson':<7} {'exercise':<30} {'status':<12} {'hints':<6} last diagnosis"]
        for row in self.rows:
            lines.append(f"{row['lesson']:02d}      {row['id']:<30} {STATES[row['status']]:<12}"
                         f" {self.hints(row['id']):<6} {row['detail']}".rstrip())
        return "\n".join(lines + [self.summary()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{row['lesson']:02d}</td><td><code>{html.escape(row['id'])}</code></td>"
            f"<td style='color:{report_text.COLOURS[row['status']]}'>"
            f"{STATES[row['status']]}</td><td>{self.hints(row['id'])}</td>"
            f"<td style='text-align:left'>{html.escape(row['detail'])}</td></tr>"
            for row in self.rows)
        head = "".join(f"<th>{h}</th>" for h in ("lesson", "exercise", "status", "hints",
                                                  "last diagnosis"))
        return (f"<div><table><tr>{head}</tr>{cells}</table>"
                f"<p>{html.escape(self.summary())}</p></div>")


def status(lesson: int | None = None, *, path: Path | None = None) -> Status:
    """Every exercise's state (or one lesson's), checked now or reused from the cache.

    Args:
        lesson: only this lesson's exercises (default: all of them).
        path: the folder containing ``nnlib`` (default: where ``import nnlib`` would look).

    Raises:
        KeyError: for a lesson with no exercise, naming the lessons that have some.
    """
    workspace = find_nnlib(path, prefer_cwd=True)
    exercises = [e.id for e in select(None, lesson)]
    rows, cached = checked_rows(workspace, exercises)
    rows = sorted(rows + byhand_rows(workspace, lesson), key=lambda r: r["lesson"])
    used = {ex: entry.get("hints_seen", 0)
            for ex, entry in progress.load(workspace)["exercises"].items()}
    return Status(rows, used, cached)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse status``."""
    parser.add_argument("--lesson", type=int, help="only this lesson's exercises")
    parser.add_argument("--path", type=Path, default=None,
                        help="folder containing nnlib/ (default: the nnlib Python would import)")


def run(args: argparse.Namespace) -> int:
    """Print the table; exit 0 (it is a report, not a check), 2 when it cannot be made."""
    try:
        print(status(args.lesson, path=args.path))
    except (GraderError, KeyError) as error:
        print(f"nncourse status: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    return 0
