"""``nncourse collect LESSON``: bring submissions into ``submitted/STUDENT/lessonNN``.

Two sources:

- the nbgrader exchange (default): ``nbgrader collect``, then each collected folder is
  pruned to the expected files (the notebook, ``nnlib/**/*.py``, nbgrader's
  ``timestamp.txt`` and ``submission_secret.txt``);
- ``--zips DIR``: one zip per student downloaded from an LMS. The student id is taken
  from the file name (``--id-pattern``, default: everything before the first ``_``,
  so ``s001.zip`` and ``s001_lesson00.zip`` both mean ``s001``). Only the expected files
  are read; unsafe paths, links and oversized members refuse that one zip. The zip's
  modification time becomes nbgrader's ``timestamp.txt``.

A bad zip never stops the others. Each collected upload is then checked as data (nothing
of it runs): a missing or uncompilable ``nnlib``, a missing or unreadable notebook. The
command prints a table of what is wrong per student and exits 1 when any upload was
refused or has a problem (it is still collected and will be graded: the problem becomes
its status).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from nncourse.classroom.course import COURSE_HELP, Course, open_lesson
from nncourse.classroom.nbgrader_batches import run_batches
from nncourse.handin import (
    NBGRADER_FILES,
    SubmissionError,
    is_expected,
    nnlib_problem,
    notebook_problem,
    read_zip,
    write_submission,
)

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.@+-]{0,63}$")


def student_from_name(name: str, pattern: str) -> str:
    """The student id in a zip's file name, checked to be a safe folder name."""
    match = re.match(pattern, name)
    student = match.group("student") if match else ""
    if not STUDENT_ID.match(student):
        raise SubmissionError(f"{name}: expected a student id matching {pattern!r} at the "
                              f"start of the file name, got {student!r}")
    return student


def zip_timestamp(path: Path) -> str:
    """The zip's modification time in nbgrader's ``timestamp.txt`` format (UTC)."""
    moment = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def collect_zips(course: Course, lesson: str, folder: Path, pattern: str) -> tuple[list, list]:
    """Unpack every zip of ``folder``; return (students collected, refusal messages)."""
    notebook = course.notebook(lesson)
    done, refused = [], []
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        refused.append(f"no .zip files in {folder}")
    for path in zips:
        try:
            student = student_from_name(path.name, pattern)
            files = read_zip(path, notebook)
            files["timestamp.txt"] = zip_timestamp(path).encode()
            write_submission(files, course.submission(student, lesson))
            done.append(student)
        except SubmissionError as error:
            refused.append(str(error))
    return done, refused


def prune(folder: Path, notebook: str) -> list[str]:
    """Delete everything in a collected submission that is not expected; return what went."""
    removed = []
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or (path.is_file() and not is_expected(rel, notebook)
                                 and rel not in NBGRADER_FILES):
            path.unlink()
            removed.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def upload_problems(course: Course, lesson: str, students: list[str]) -> dict[str, list[str]]:
    """What is wrong with each collected upload (students with none are left out)."""
    notebook = course.notebook(lesson)
    found = {}
    for student in students:
        folder = course.submission(student, lesson)
        problems = [p for p in (nnlib_problem(folder), notebook_problem(folder / notebook)) if p]
        if problems:
            found[student] = problems
    return found


def problem_table(problems: dict[str, list[str]]) -> str:
    """The per-student table ``collect`` prints."""
    width = max(len("student"), *(len(s) for s in problems))
    lines = [f"{'student':<{width}}  problem", f"{'-' * width}  {'-' * 7}"]
    for student, found in sorted(problems.items()):
        for index, problem in enumerate(found):
            lines.append(f"{student if index == 0 else '':<{width}}  {problem}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse collect``."""
    parser.add_argument("lesson", help="lesson number or name")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("--zips", type=Path, default=None,
                        help="folder of one zip per student (LMS download) instead of the exchange")
    parser.add_argument("--id-pattern", default=r"(?P<student>[^_]+?)(?:_.*)?\.zip$",
                        help="regex with a 'student' group, matched against each zip's name")


def run(args: argparse.Namespace) -> int:
    """Collect one lesson's submissions."""
    opened = open_lesson(args, "collect")
    if opened is None:
        return 2
    course, lesson = opened
    refused: list[str] = []
    if args.zips:
        done, refused = collect_zips(course, lesson, args.zips, args.id_pattern)
    else:
        result = run_batches(course.root, lesson, "collect", [], 1,
                             course.private / "runs" / lesson / "collect")["_lesson"]
        if not result["success"]:
            print(result["log"][-3000:] + result.get("error", ""), file=sys.stderr)
            return 2
        done = course.students_submitted(lesson)
        for student in done:
            for rel in prune(course.submission(student, lesson), course.notebook(lesson)):
                print(f"{student}: ignored {rel}")
    problems = upload_problems(course, lesson, done)
    print(f"{lesson}: collected {len(done)} submission(s), {len(problems)} with a problem, "
          f"{len(refused)} refused")
    if problems:
        print(problem_table(problems))
        print("(collected anyway: each is graded, and its problem becomes its status)")
    for line in refused:
        print(f"refused: {line}", file=sys.stderr)
    return 1 if refused or problems else 0
