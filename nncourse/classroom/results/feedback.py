"""``nncourse feedback LESSON``: one HTML page per student, safe to hand back.

``nbgrader generate_feedback`` (configured without hidden tests and with the workers'
verdicts, see ``nbconfig.py``) writes ``feedback/STUDENT/lessonNN/``. nbgrader copies
the whole autograded folder there, so everything but the HTML (and nbgrader's
``timestamp.txt`` and ``submission_secret.txt``) is then deleted: no ``.py`` file of
anyone goes back. Each page is scanned for hidden-test and solution text; a page with
any is deleted and the command exits 2 naming it. A page of a submission whose status is
not ``ok`` (``timed out``, ``tampered``, ``nnlib missing``...) starts with that status and
its reason.

``--release`` hands the pages back: through the nbgrader exchange (``nbgrader
release_feedback``) for students who submitted there, and for students collected from
LMS zips (which have no exchange submission to attach feedback to) as one file per
student, ``STUDENT_lessonNN.html``, plus a zip of them all, for upload to the LMS.
"""

from __future__ import annotations

import argparse
import fnmatch
import html
import re
import shutil
import sys
import zipfile
from pathlib import Path

from nncourse.classroom import leaks
from nncourse.classroom.course import COURSE_HELP, Course, open_lesson
from nncourse.classroom.nbgrader_batches import run_batches
from nncourse.classroom.prepare.assign import course_secrets
from nncourse.classroom.records import read_records, verdict_text
from nncourse.handin import NBGRADER_FILES


def feedback_secrets(course: Course, lesson: str) -> list[leaks.Secret]:
    """Secrets of the lesson plus the grader's hidden folder."""
    import nncourse

    hidden = Path(nncourse.__file__).resolve().parent / "grader" / "hidden"
    return course_secrets(course, lesson) + leaks.hidden_secrets(hidden)


def clean_and_check(folder: Path, secrets: list[leaks.Secret]) -> list[str]:
    """Keep only ``.html`` in a student's feedback folder; return leak findings.

    nbgrader's own ``NBGRADER_FILES`` stay too: ``nbgrader release_feedback`` needs them.
    """
    for path in sorted(folder.rglob("*"), reverse=True):
        keep = path.suffix == ".html" or path.relative_to(folder).as_posix() in NBGRADER_FILES
        if path.is_symlink() or (path.is_file() and not keep):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return leaks.scan(folder, secrets) if folder.is_dir() else []


def write_record_page(course: Course, lesson: str, student: str, folder: Path) -> None:
    """A plain feedback page from the autograde record, for a notebook that did not run."""
    record = read_records(course.record_dir(lesson))[student]
    rows = []
    for cell in course.exercise_cells(lesson):
        exercise = next((e for e in record["nnlib"]["exercises"] if e["id"] == cell.exercise),
                        None)
        text = verdict_text(exercise, record["cells"].get(cell.grade_id), cell.points)
        rows.append(f"<h3>{html.escape(cell.exercise)}</h3><pre>{html.escape(text)}</pre>")
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{lesson} feedback"
            f"</title></head><body><h1>{html.escape(lesson)}: feedback for "
            f"{html.escape(student)}</h1><p>Your notebook could not be run to the end: "
            f"{html.escape(record['notebook'])} ({html.escape(record.get('reason', ''))}). "
            "Your <code>nnlib</code> exercises were graded separately by the grader's "
            f"workers: {record['score']:g}/{record['max_score']:g} point(s).</p>"
            + "".join(rows) + "</body></html>\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{Path(course.notebook(lesson)).stem}.html").write_text(page)


def generate(course: Course, lesson: str, pattern: str = "*") -> tuple[list[str], list[str]]:
    """Feedback for every graded student matching ``pattern``; return (done, problems)."""
    students = [s for s in read_records(course.record_dir(lesson)) if fnmatch.fnmatch(s, pattern)]
    if not students:
        return [], [f"no autograded submissions of {lesson}; run 'nncourse autograde' first"]
    results = run_batches(course.root, lesson, "generate_feedback", students, 1,
                          course.private / "runs" / lesson / "feedback")
    secrets = feedback_secrets(course, lesson)
    done, problems = [], []
    for student in students:
        folder = course.root / "feedback" / student / lesson
        if not any(folder.glob("*.html")) and (course.record_dir(lesson) / f"{student}.json"
                                               ).is_file():
            write_record_page(course, lesson, student, folder)  # nbgrader could not run it
        leaks_found = clean_and_check(folder, secrets)
        if leaks_found:
            for path in folder.glob("*.html"):
                path.unlink()
            problems += [f"{student}: feedback withheld, {line}" for line in leaks_found]
        elif not any(folder.glob("*.html")):
            problems.append(f"{student}: nbgrader made no feedback: "
                            f"{results[student].get('error', '')[-300:]}")
        else:
            add_status_banner(course, lesson, student, folder)
            hide_scratch_paths(folder)
            done.append(student)
    return done, problems


BANNER = "<div id='nncourse-status'"
# The kernel's scratch folder, as tracebacks in the notebook's outputs show it.
SCRATCH_PATH = re.compile(r"/[^\s\"'<>]*?nncourse-autograde-[^/\s\"'<>]*/kernel-[^/\s\"'<>]*/")


def hide_scratch_paths(folder: Path) -> None:
    """Show paths in the kernel's scratch copy as the student's own (``nnlib/...``)."""
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        clean = SCRATCH_PATH.sub("", text)
        if clean != text:
            page.write_text(clean, encoding="utf-8")


def add_status_banner(course: Course, lesson: str, student: str, folder: Path) -> None:
    """Start each page of a submission whose status is not ``ok`` with that status."""
    record = read_records(course.record_dir(lesson)).get(student)
    if not record or record["notebook"] == "ok":
        return
    banner = (f"{BANNER} style='border:2px solid #cf222e;padding:8px;margin:8px'><b>Status "
              f"of your submission: {html.escape(record['notebook'])}</b><br>"
              f"{html.escape(record.get('reason', ''))}</div>")
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        if BANNER not in text:
            at = text.find("<body")
            at = text.find(">", at) + 1 if at >= 0 else 0
            page.write_text(text[:at] + banner + text[at:], encoding="utf-8")


def release(course: Course, lesson: str, students: list[str], out: Path) -> tuple[list, list]:
    """Hand back the pages of ``students``; return (lines saying where, problems)."""
    exchange = [s for s in students if (course.root / "feedback" / s / lesson /
                                        "submission_secret.txt").is_file()]
    others = [s for s in students if s not in exchange]
    said, problems = [], []
    if exchange:
        results = run_batches(course.root, lesson, "release_feedback", exchange, 1,
                              course.private / "runs" / lesson / "release_feedback")
        bad = [s for s in exchange if not results[s].get("success")]
        problems += [f"{s}: nbgrader release_feedback failed: "
                     f"{(results[s].get('log', '') + results[s].get('error', ''))[-300:]}"
                     for s in bad]
        said.append(f"{len(exchange) - len(bad)} released through the exchange")
    if others:
        out.mkdir(parents=True, exist_ok=True)
        bundle = out / f"{lesson}-feedback.zip"
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
            for student in others:
                page = next(iter(sorted((course.root / "feedback" / student / lesson)
                                        .glob("*.html"))))
                target = out / f"{student}_{lesson}.html"
                shutil.copyfile(page, target)
                archive.write(target, target.name)
        said.append(f"{len(others)} written for the LMS to {out} (one file per student, "
                    f"and all of them in {bundle.name})")
    return said, problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse feedback``."""
    parser.add_argument("lesson", help="lesson number or name")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("--student", default="*", help="glob of student ids (default: all)")
    parser.add_argument("--release", action="store_true",
                        help="hand the pages back: the exchange, or files for the LMS")
    parser.add_argument("--to", type=Path, default=None, help="with --release: folder of the "
                        "LMS files (default: COURSE/nncourse/feedback-release/lessonNN)")


def run(args: argparse.Namespace) -> int:
    """Generate, clean and check feedback."""
    opened = open_lesson(args, "feedback")
    if opened is None:
        return 2
    course, lesson = opened
    done, problems = generate(course, lesson, args.student)
    print(f"{lesson}: feedback for {len(done)} student(s) in {course.root / 'feedback'}")
    if args.release and done:
        out = args.to or course.private / "feedback-release" / lesson
        said, failed = release(course, lesson, done, out)
        print(f"{lesson}: feedback released: " + "; ".join(said))
        problems += failed
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return 2 if problems else 0
