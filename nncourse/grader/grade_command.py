"""``nncourse grade DIR [--json]``: every check, hidden included, of ``DIR/nnlib``.

By-hand questions are graded too, as autograde grades them: from the answer cells' source
in the lesson notebooks of ``DIR`` (or ``DIR/lessons``), read as data, never run
(``answer_cells.grade_folder``).

With ``--json`` it prints exactly one JSON object: ``{score, max_score, exercises: [{id,
lesson, points, max_points, status, message, diagnosis}], public_only}``. An exercise the
grader itself failed on (status ``grader_error``) makes the exit status 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nncourse.grader import answer_cells, report_text
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import BYHAND, GRADED, is_byhand


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse grade``."""
    parser.add_argument("dir", type=Path, help="folder containing nnlib/ (a submission, a "
                        "student workspace, or solutions)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--exercise", action="append", default=None,
                        help="grade only this exercise (repeatable)")
    parser.add_argument("--lesson", type=int, default=None, help="grade only this lesson")
    parser.add_argument("--public-only", action="store_true", help="skip the hidden checks")
    parser.add_argument("--reference", type=Path, default=None,
                        help="folder containing the reference nnlib (default: solutions/)")


def byhand_selection(exercises: list[str] | None, lesson: int | None) -> list[str]:
    """The by-hand questions among the chosen exercises, or of the lesson, or all."""
    if exercises is not None:
        return [e for e in exercises if is_byhand(e)]
    return [e for e, row in BYHAND.items() if lesson is None or row.lesson == lesson]


def run(args: argparse.Namespace) -> int:
    """Grade and print; exit status 2 when grading could not run, 3 on a grader error."""
    from nncourse.grader.api import grade_package

    byhand = byhand_selection(args.exercise, args.lesson)
    code = None if args.exercise is None else [e for e in args.exercise if not is_byhand(e)]
    try:
        if code == []:  # only by-hand questions chosen: no worker to start
            result = {"score": 0, "max_score": 0, "public_only": args.public_only,
                      "exercises": []}
        else:
            result = grade_package(args.dir, exercises=code, lesson=args.lesson,
                                   hidden=not args.public_only,
                                   reference_root=args.reference)
    except (GraderError, KeyError) as error:
        print(f"nncourse grade: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    order = [e for e in GRADED if e in set(byhand) | {r["id"] for r in result["exercises"]}]
    order.sort(key=lambda e: (GRADED[e].lesson, not is_byhand(e)))  # as in the lessons
    report = answer_cells.combine(result, answer_cells.grade_folder(args.dir, byhand), order)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=False))
    else:
        print(report_text.as_text(report))
    faults = [r["id"] for r in report["exercises"] if r["status"] == "grader_error"]
    if faults:
        print(f"nncourse grade: the grader itself failed on {', '.join(faults)} (twice); these "
              "are not graded: run the command again, and report it if it persists",
              file=sys.stderr)
        return 3
    return 0
