"""``nncourse export [FORMAT] [LESSON...]``: grades as CSV, or a grading platform's files.

``FORMAT`` (or ``--format``) is ``csv`` (default, below), ``canvas`` or ``moodle`` (grade
files those LMSs import as they are: ``classroom/platforms/lms_csv.py``), ``gradescope``
(``-o autograder.zip``, a complete autograder) or ``prairielearn`` (``-o DIR``, question
folders and the grading image); the platforms need no course folder, only the lessons.

The CSV is one row per student and lesson.

Columns: ``student``, ``lesson``, ``status``, one column per exercise (its id), ``written``
(manually graded answers), ``total``, ``max_score``. ``status`` tells a real 0 from no
grade: ``ok``; a submission status of ``nncourse.classroom.autograde.statuses`` (``nnlib
missing``, ``failed to run``, ``timed out``, ``tampered``...: the exercise scores come
from the workers, the written answers need a look); ``not graded`` (collected, not
autograded yet); ``missing`` (assigned, no submission); ``not assigned`` (only with
``--all``). A score cell is empty when there is no score, never 0 in its place. By
default only the lessons handed out are exported.

Exercise scores are the workers' (from the autograde record, the same numbers autograde
wrote into the gradebook); written answers are read from the gradebook, where formgrader
puts manual scores. Should someone re-run plain ``nbgrader autograde`` (formgrader's
button), the gradebook's exercise cells hold the kernel's numbers again: the status then
says so.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from nncourse.classroom import gradebook
from nncourse.classroom.course import COURSE_HELP, Course, CourseError
from nncourse.classroom.records import read_records


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def lesson_rows(course: Course, lesson: str, roster: list[str]) -> list[dict]:
    """The export rows of one lesson."""
    notebook = course.notebook(lesson)
    cells = course.exercise_cells(lesson)
    exercise_ids = {c.grade_id for c in cells}
    records = read_records(course.record_dir(lesson))
    scores = gradebook.lesson_scores(course.gradebook, lesson, notebook) if \
        course.gradebook.is_file() else {}
    submitted = set(course.students_submitted(lesson))
    rows = []
    for student in sorted(set(roster) | submitted | set(records)):
        record = records.get(student)
        row: dict = {"student": student, "lesson": lesson}
        if record is None:
            row["status"] = "not graded" if student in submitted else (
                "missing" if course.assigned(lesson) else "not assigned")
            rows.append(row)
            continue
        row["status"] = record["notebook"]
        grades = scores.get(student, {})
        total = 0.0
        for cell in cells:
            value = record["cells"].get(cell.grade_id)  # the workers' score is authoritative
            row[cell.exercise] = value
            total += value or 0.0
            if cell.grade_id in grades and grades[cell.grade_id] != value:
                row["status"] += "; gradebook out of sync, run 'nncourse autograde --force'"
        written = [v for k, v in grades.items() if k not in exercise_ids]
        row["written"] = sum(v for v in written if v is not None) if written and all(
            v is not None for v in written) else None
        row["total"] = total + (row["written"] or 0.0)
        rows.append(row)
    return rows


def export_csv(course: Course, lessons: list[str]) -> str:
    """The CSV text for ``lessons``."""
    roster = gradebook.students(course.gradebook)
    columns = ["student", "lesson", "status"]
    rows = []
    for lesson in lessons:
        cells = course.exercise_cells(lesson)
        columns += [c.exercise for c in cells if c.exercise not in columns]
        top = sum(c.points for c in cells) + _written_max(course, lesson)
        for row in lesson_rows(course, lesson, roster):
            row["max_score"] = top
            rows.append(row)
    columns += ["written", "total", "max_score"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (_fmt(v) if isinstance(v, float) or v is None else v)
                         for k, v in ((c, row.get(c)) for c in columns)})
    return out.getvalue()


def _written_max(course: Course, lesson: str) -> float:
    """Points of the lesson's manually graded cells."""
    import json

    nb = json.loads(course.source_notebook(lesson).read_text())
    exercise_ids = {c.grade_id for c in course.exercise_cells(lesson)}
    return sum(float(c["metadata"]["nbgrader"]["points"]) for c in nb["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade")
               and c["metadata"]["nbgrader"]["grade_id"] not in exercise_ids)


FORMATS = ("csv", "canvas", "moodle", "gradescope", "prairielearn")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse export``."""
    parser.add_argument("target", nargs="?", choices=FORMATS, default=None,
                        help="what to write (default csv)")
    parser.add_argument("lessons", nargs="*", default=[],
                        help="lessons (numbers; gradescope and prairielearn need them)")
    parser.add_argument("--format", choices=FORMATS, default=None, help="same as FORMAT")
    parser.add_argument("--id-field", default=None,
                        help="canvas: 'SIS Login ID' (default) or 'SIS User ID'; moodle: "
                             "username (default), idnumber or email")
    parser.add_argument("--image", default="nnlib-grader",
                        help="prairielearn: the grading image's name in info.json")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("--lesson", action="append", default=None,
                        help="only this lesson (repeatable; default: every lesson assigned)")
    parser.add_argument("--all", action="store_true",
                        help="every lesson of the course, assigned or not")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="file to write (default: standard output); gradescope: the "
                             "zip; prairielearn: a folder")


def run(args: argparse.Namespace) -> int:
    """Write the grades CSV, the LMS's CSV, or a platform's files."""
    target = args.format or args.target or "csv"
    if target in ("gradescope", "prairielearn"):
        return export_platform(target, args)
    try:
        course = Course.load(args.course)
        chosen = (args.lesson or []) + args.lessons
        lessons = [course.lesson(x) for x in chosen] if chosen else sorted(
            x for x in course.lessons if args.all or course.assigned(x))
    except CourseError as error:
        print(f"nncourse export: {error}", file=sys.stderr)
        return 2
    if target == "csv":
        text = export_csv(course, lessons)
    else:
        text = export_lms(course, lessons, target, args.id_field)
        if text is None:
            return 2
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def export_lms(course: Course, lessons: list[str], target: str, id_field: str | None):
    """The Canvas or Moodle CSV text (warnings on stderr), or None on a bad option."""
    from nncourse.classroom.platforms import lms_csv

    roster = gradebook.students(course.gradebook)
    rows = []
    for lesson in lessons:
        top = sum(c.points for c in course.exercise_cells(lesson)) + _written_max(course,
                                                                                  lesson)
        rows += [dict(row, max_score=top) for row in lesson_rows(course, lesson, roster)]
    write = lms_csv.canvas if target == "canvas" else lms_csv.moodle
    try:
        text, warnings = write(rows, id_field) if id_field else write(rows)
    except ValueError as error:
        print(f"nncourse export: --id-field: {error}", file=sys.stderr)
        return None
    for warning in warnings:
        print(f"nncourse export: {warning}", file=sys.stderr)
    return text


def export_platform(target: str, args: argparse.Namespace) -> int:
    """Write the Gradescope autograder zip or the PrairieLearn folder."""
    from nncourse.classroom.platforms import gradescope_export, prairielearn_export
    from nncourse.lessons import lesson_name, lesson_number

    try:
        lessons = sorted({lesson_number(lesson_name(x)) for x in
                          (args.lesson or []) + args.lessons})
    except CourseError as error:
        print(f"nncourse export {target}: {error}", file=sys.stderr)
        return 2
    graded = [n for n in lessons if gradescope_export.exercises_of([n])]
    if not lessons or graded != lessons or not args.output:
        print(f"nncourse export {target}: expected lessons with graded exercises and -o, "
              f"got lessons {lessons or 'none'}" + ("" if args.output else " and no -o"),
              file=sys.stderr)
        return 2
    if target == "gradescope":
        gradescope_export.write_zip(lessons, args.output)
    else:
        prairielearn_export.write_questions(lessons, args.output, args.image)
    from nncourse.grader.registry import EXERCISES

    points = sum(EXERCISES[e].points for e in gradescope_export.exercises_of(lessons))
    print(f"wrote {args.output} (lessons {', '.join(f'{n:02d}' for n in lessons)}: "
          f"{points} points)")
    return 0
