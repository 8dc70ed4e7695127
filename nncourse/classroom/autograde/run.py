"""``nncourse autograde LESSON``: nbgrader for the notebook, the grader's workers for nnlib.

For each submission not graded yet (no record, or a record of other files):

1. **nbgrader** runs the notebook in the isolated kernel (``kernel.py``) and records its
   cells in the gradebook. Students are batched, ``--jobs N`` batches at once
   (``batch.py`` on ``classroom/nbgrader_batches.py``). A notebook nbgrader could not run
   is "failed to run".
2. In the same batch process (``finish.py``), **the grader's workers** score the lesson's
   exercises on a copy of the submission's ``nnlib/**/*.py`` (``grading.py``); those
   scores replace the exercise cells' ``auto_score`` in the gradebook
   (``classroom/gradebook.py``), whatever the kernel made of them.
3. A **record** is written last (``classroom/records.py``). A run killed at any point leaves the
   submission without a record, and the next run grades it again with ``--force``
   semantics: nothing lost, nothing counted twice. A lock file keeps two runs (or the
   orphaned batches of a killed one) from grading the same lesson at once.
"""

from __future__ import annotations

import argparse
import fcntl
import fnmatch
import os
import shutil
import sys
import time
from pathlib import Path

from nncourse.classroom.autograde import budget, kernel, progress_bar
from nncourse.classroom.autograde.finish import finish
from nncourse.classroom.autograde.grading import GRADER_ERROR
from nncourse.classroom.autograde.grading import SCRATCH_PREFIX as GRADE_PREFIX
from nncourse.classroom.course import COURSE_HELP, Course, CourseError, lesson_number, open_lesson
from nncourse.classroom.nbgrader_batches import BATCH_DIED, run_batches
from nncourse.classroom.records import read_record
from nncourse.grader.workers import SCRATCH_PREFIX as WORKER_PREFIX
from nncourse.handin import submission_hash
from nncourse.isolation import rights, scratch

BATCH_MODULE = "nncourse.classroom.autograde.batch"  # nbgrader, then ``finish``, per student
SCRATCH_PREFIX = "nncourse-autograde-"
# Scratch folders of every stage of grading; those of a dead owner (a run killed with
# SIGKILL) are removed when the next autograde starts.
STALE_SCRATCH = (SCRATCH_PREFIX, GRADE_PREFIX, WORKER_PREFIX)



def lock_lesson(course: Course, lesson: str, wait: bool = True) -> int:
    """Take the lesson's autograde lock; return its file descriptor (inherited by batches)."""
    path = course.private / "runs" / lesson / "autograde.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not wait:
            os.close(fd)
            raise CourseError(f"another autograde of {lesson} is running") from None
        print(f"waiting for another autograde of {lesson} to finish...", file=sys.stderr)
        fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def run_notebooks(course: Course, lesson: str, students: list[str], jobs: int,
                  lock_fd: int, seconds: float | None = None) -> dict[str, dict]:
    """Nbgrader autograde for ``students``; a dead batch's students get retried alone.

    ``seconds`` is each notebook's time budget (default: the lesson's, from ``assign``).
    """
    base = scratch.make_scratch(SCRATCH_PREFIX)
    os.chmod(base, 0o711)  # the kernel (nobody) may enter its own folder, not list others
    env = {"NNCOURSE_SCRATCH": str(base),
           budget.ENV: str(seconds or budget.lesson_budget(course.private, lesson))}
    out = course.private / "runs" / lesson / "nbgrader"
    try:
        results = run_batches(course.root, lesson, "autograde", students, jobs, out, env,
                              timeout=900 + 300 * len(students), pass_fds=(lock_fd,),
                              module=BATCH_MODULE)
        again = [s for s, r in results.items() if BATCH_DIED in r.get("error", "")]
        for start in range(0, len(again), jobs):  # one student per process this time
            chunk = again[start:start + jobs]
            results.update(run_batches(course.root, lesson, "autograde", chunk, len(chunk),
                                       out, env, timeout=900, pass_fds=(lock_fd,),
                                       module=BATCH_MODULE))
        return results
    finally:
        kernel_uids = {rights.own_uid(int(p.name.split("-")[1])) for p in base.glob(
            kernel.SCRATCH_PREFIX + "*") if p.name.split("-")[1].isdigit()}
        if rights.level() != "scratch-only":  # kernels had uids of their own
            scratch.remove_owned(kernel_uids)  # what they left in /tmp goes too
        shutil.rmtree(base, ignore_errors=True)


def autograde(course: Course, lesson: str, pattern: str = "*", jobs: int = 1,
              force: bool = False, budget_seconds: float | None = None,
              progress=None) -> dict[str, dict]:
    """Autograde every matching submission that needs it; return their records.

    ``progress`` is the stream of the progress bar (default stderr).
    """
    if not (course.root / "release" / lesson).is_dir():
        raise CourseError(f"{lesson} was never assigned: run 'nncourse assign "
                          f"{lesson_number(lesson)}' (or --no-exchange) first")
    students = [s for s in course.students_submitted(lesson) if fnmatch.fnmatch(s, pattern)]
    notebook = course.notebook(lesson)
    lock_fd = lock_lesson(course, lesson)
    for prefix in STALE_SCRATCH:  # left by a killed run (its processes died with it)
        scratch.sweep_stale(prefix)
    try:
        pending = []
        for student in students:
            record = read_record(course.record_dir(lesson), student)
            current = submission_hash(course.submission(student, lesson), notebook)
            if force or record is None or record.get("hash") != current \
                    or record.get("notebook") == GRADER_ERROR:
                pending.append(student)
        if not pending:
            return {}
        for student in pending:  # a stale record must not survive a failed regrade
            (course.record_dir(lesson) / f"{student}.json").unlink(missing_ok=True)
        records_dir = course.record_dir(lesson)
        with progress_bar.follow(len(pending), lambda: sum(
                (records_dir / f"{s}.json").is_file() for s in pending), progress):
            nb_results = run_notebooks(course, lesson, pending, max(1, jobs), lock_fd,
                                       budget_seconds)
        records = {}
        for student in pending:  # the batches wrote the records; a dead batch did not
            record = read_record(course.record_dir(lesson), student)
            if record is None:
                try:
                    record = finish(course, lesson, student, nb_results[student])
                except Exception as error:  # reported; the others are still graded
                    print(f"{student}: NOT graded: {error!r}", file=sys.stderr)
                    continue
            records[student] = record
        return records
    finally:
        os.close(lock_fd)


def default_jobs() -> int:
    """Parallel batches by default: one per core, and one more.

    A batch is idle now and then (a kernel starting, a reply awaited), and the extra one
    fills those gaps; more than that only shares the cores (``docs/instructor.md``).
    """
    return (os.cpu_count() or 1) + 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse autograde``."""
    parser.add_argument("lesson", help="lesson number or name")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("--student", default="*", help="glob of student ids (default: all)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="batches graded in parallel (default: the cores plus one, "
                        f"{default_jobs()} here)")
    parser.add_argument("--force", action="store_true",
                        help="grade again even submissions already graded unchanged")
    parser.add_argument("--notebook-budget", type=float, default=None, metavar="SECONDS",
                        help="time budget of each notebook (default: measured by 'nncourse "
                        "assign' from the reference notebook, with a margin)")


def run(args: argparse.Namespace) -> int:
    """Autograde and print one line per submission graded."""
    opened = open_lesson(args, "autograde")
    if opened is None:
        return 2
    course, lesson = opened
    start = time.perf_counter()
    try:
        records = autograde(course, lesson, args.student, args.jobs, args.force,
                            args.notebook_budget)
    except CourseError as error:
        print(f"nncourse autograde: {error}", file=sys.stderr)
        return 2
    for student, record in sorted(records.items()):
        verdicts = " ".join(f"{e['id']}={e['status']}" for e in record["nnlib"]["exercises"])
        note = "" if record["notebook"] == "ok" else f"  [{record['notebook']}: {record['reason']}]"
        took = record.get("seconds") or {}
        timing = f"  ({took.get('notebook') or 0:.1f} s notebook, {took.get('nnlib') or 0:.1f} s " \
            "nnlib)" if took else ""
        print(f"{student:<20} {record['score']:g}/{record['max_score']:g}  {verdicts}{note}"
              f"{timing}")
    elapsed = time.perf_counter() - start
    rate = f", {60 * len(records) / elapsed:.0f} per minute" if records and elapsed > 0 else ""
    print(f"{lesson}: graded {len(records)} submission(s) in {elapsed:.1f} s{rate}"
          " (unchanged submissions skipped; --force grades them again)")
    missing = [s for s in course.students_submitted(lesson) if fnmatch.fnmatch(s, args.student)
               and read_record(course.record_dir(lesson), s) is None]
    faulty = sorted(s for s, r in records.items() if r["notebook"] == GRADER_ERROR)
    if faulty:
        print(f"{lesson}: the grader itself failed on {len(faulty)} submission(s), not graded "
              f"(their exercises score nothing until graded again): {', '.join(faulty)}; run "
              "'nncourse autograde' again to grade just these", file=sys.stderr)
    return 1 if missing or faulty else 0
