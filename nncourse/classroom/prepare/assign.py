"""``nncourse assign LESSON``: make the lesson's release with nbgrader and hand it out.

``nbgrader generate_assignment`` strips the notebook's solutions and hidden tests into
``release/lessonNN``; ``release_assignment`` copies that to the exchange (``--no-exchange``
stops before, for an LMS or the git bundle). Before anything counts as released, the
release folder is checked: it must hold the lesson notebook and nothing else, and no
file may carry a marker, a solution region or a hidden test. On any finding the release
and its exchange copy are deleted and the command exits 2.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from nncourse.classroom import leaks
from nncourse.classroom.autograde import budget
from nncourse.classroom.course import COURSE_HELP, Course, open_lesson
from nncourse.classroom.nbgrader_batches import run_batches


def course_secrets(course: Course, lesson: str) -> list[leaks.Secret]:
    """What must never appear in anything of ``lesson`` a student gets."""
    secrets = leaks.notebook_secrets(course.source_notebook(lesson))
    solutions = course.repo / "solutions" / "nnlib"
    if solutions.is_dir():
        secrets += leaks.library_secrets(solutions)
    return secrets


def check_release(course: Course, lesson: str) -> list[str]:
    """Problems of ``release/lessonNN`` (empty when it is safe to hand out)."""
    folder = course.root / "release" / lesson
    if not folder.is_dir():
        return [f"nbgrader made no release folder {folder}"]
    problems = [f"unexpected file in the release: {p.relative_to(folder)}"
                for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name != course.notebook(lesson)]
    if not (folder / course.notebook(lesson)).is_file():
        problems.append(f"the release lacks {course.notebook(lesson)}")
    return problems + leaks.scan(folder, course_secrets(course, lesson))


def withdraw(course: Course, lesson: str) -> None:
    """Delete a bad release and its copy in the exchange."""
    shutil.rmtree(course.root / "release" / lesson, ignore_errors=True)
    if course.exchange:
        shutil.rmtree(course.exchange / course.course_id / "outbound" / lesson,
                      ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse assign``."""
    parser.add_argument("lesson", help="lesson number or name, e.g. 3 or lesson03")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("--no-exchange", action="store_true",
                        help="only generate release/lessonNN (hand it out by LMS or git)")


def run(args: argparse.Namespace) -> int:
    """Generate, check, and release one lesson."""
    opened = open_lesson(args, "assign")
    if opened is None:
        return 2
    course, lesson = opened
    verb = "generate_assignment" if args.no_exchange else "assign"
    result = run_batches(course.root, lesson, verb, [], 1,
                         course.private / "runs" / lesson / "assign")["_lesson"]
    problems = check_release(course, lesson)
    if not result["success"] or problems:
        withdraw(course, lesson)
        print(f"nncourse assign: {lesson} NOT released.", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        if not result["success"]:
            print(result["log"][-3000:] + result.get("error", ""), file=sys.stderr)
        return 2
    where = "release folder only" if args.no_exchange else f"exchange {course.exchange}"
    print(f"{lesson}: released {course.notebook(lesson)} ({where}); checked: no solution "
          "or hidden-test text")
    timing = budget.measure(course.repo, course.notebook(lesson), course.private, lesson, 60)
    note = f" (the reference notebook failed: {timing['reference_error']})" \
        if timing["reference_error"] else f" ({budget.MARGIN:g} x the reference's " \
        f"{timing['reference_seconds']:g} s + {budget.SLACK:g} s)"
    print(f"{lesson}: autograde stops a notebook after {timing['budget']:g} s{note}")
    return 0
