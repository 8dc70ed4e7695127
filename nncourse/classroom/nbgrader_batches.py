"""Run nbgrader steps for many students in ONE process (nbgrader takes ~3.5 s to import).

``run_batches`` starts ``python -m nncourse.classroom.nbgrader_batches`` once per group of
students (``--jobs N`` groups run at the same time on the one SQLite gradebook). Each
process loads the course's ``nbgrader_config.py``, calls nbgrader's own API per student
(``NbGraderAPI.autograde``, ``generate_feedback``...), and writes one result file per
student, ``{"success": bool, "log": str}``, as soon as that student is done, so a killed
batch loses only the student it was working on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from nncourse.atomic import write_json
from nncourse.isolation.processes import set_parent_death_signal

VERBS = ("autograde", "generate_feedback", "generate_assignment", "assign", "collect",
         "release_feedback")
BATCH_DIED = "batch process ended"


def load_api(root: Path):
    """Nbgrader's API configured by ``root/nbgrader_config.py``."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(config=config)


def call(api, verb: str, lesson: str, student: str | None) -> dict:
    """One nbgrader step for one student (or for the whole lesson when ``student`` is None)."""
    if verb == "autograde":
        return api.autograde(lesson, student, force=True, create=True)
    if verb == "generate_feedback":
        return api.generate_feedback(lesson, student, force=True)
    if verb == "generate_assignment":
        return api.generate_assignment(lesson, force=True, create=True)
    if verb == "assign":  # generate, then release to the exchange, in one process
        made = api.generate_assignment(lesson, force=True, create=True)
        if not made.get("success"):
            return made
        released = api.release_assignment(lesson)
        released["log"] = made.get("log", "") + released.get("log", "")
        return released
    if verb == "collect":
        return api.collect(lesson, update=True)
    if verb == "release_feedback":
        return api.release_feedback(lesson, student)
    raise ValueError(f"expected one of {VERBS}, got {verb!r}")


def main(argv: list[str] | None = None, after=None, watch=None) -> int:
    """Entry point of one batch process.

    ``after(course_root, lesson, student, result)``, if given, runs after nbgrader for each
    student (the autograde batch grades ``nnlib`` there: ``autograde/batch.py``); what it
    raises is recorded as ``finish_error`` and the batch goes on. ``watch``, if given, is
    a context manager entered around each student's nbgrader step (the autograde time
    budget, ``autograde/budget.py``).
    """
    parser = argparse.ArgumentParser(prog="python -m nncourse.classroom.nbgrader_batches")
    parser.add_argument("--course", type=Path, required=True)
    parser.add_argument("--lesson", required=True)
    parser.add_argument("--verb", choices=VERBS, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder of result files")
    parser.add_argument("--parent", type=int, default=None,
                        help="die with this process (the command that started the batch)")
    parser.add_argument("students", nargs="*")
    args = parser.parse_args(argv)
    if args.parent is not None:  # a kill -9 of autograde must not leave batches grading
        set_parent_death_signal(args.parent)
    os.chdir(args.course)
    quiet_known_warnings()
    start = time.perf_counter()
    api = load_api(args.course)
    print(f"nbgrader imported in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    for student in args.students or [None]:
        start = time.perf_counter()
        try:
            with watch or contextlib.nullcontext():
                result = call(api, args.verb, args.lesson, student)
        except Exception as error:  # nbgrader raised instead of reporting: record it
            result = {"success": False, "log": "", "error": repr(error)}
        result = {"success": bool(result.get("success")),
                  "log": str(result.get("log", ""))[-20000:],
                  "error": str(result.get("error", ""))[-5000:],
                  "nbgrader_seconds": round(time.perf_counter() - start, 2)}
        if after is not None:  # workers and gradebook here: nbgrader is imported
            start = time.perf_counter()
            try:
                after(args.course, args.lesson, student, result)
            except Exception as error:  # no record: the parent reports it, the batch goes on
                result["finish_error"] = repr(error)
            result["grader_seconds"] = round(time.perf_counter() - start, 2)
        write_json(args.out / f"{student or '_lesson'}.json", result)
    return 0


def quiet_known_warnings() -> None:
    """Silence what nbgrader 0.9's gradebook says to SQLAlchemy 2 on every submission.

    Its ``SubmittedAssignment`` and ``SubmittedNotebook`` are built before they join the
    session, so the autoflush warns "not in session, add operation ... will not proceed"
    three times per student; the rows are added right after, as the gradebook tests
    show. Those lines filled the batch log an instructor reads when a batch fails.
    """
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=r".*not in session, add operation along",
                            category=SAWarning)


def groups(students: list[str], jobs: int) -> list[list[str]]:
    """Split ``students`` round-robin into at most ``jobs`` non-empty groups."""
    jobs = max(1, min(jobs, len(students)))
    return [students[i::jobs] for i in range(jobs) if students[i::jobs]]


def run_batches(root: Path, lesson: str, verb: str, students: list[str], jobs: int,
                out: Path, env: dict | None = None, timeout: float | None = None,
                pass_fds: tuple = (), module: str = "nncourse.classroom.nbgrader_batches"
                ) -> dict:
    """Run ``verb`` for ``students`` in ``jobs`` parallel processes; return results by student.

    ``module`` is the batch's entry point: this module, or one that calls ``main`` with an
    ``after`` step (``nncourse.classroom.autograde.batch``).

    A student whose process died before writing a result gets
    ``{"success": False, "error": "batch process ended ..."}``; the others keep theirs.
    """
    out.mkdir(parents=True, exist_ok=True)
    for student in students:
        (out / f"{student}.json").unlink(missing_ok=True)
    base = [sys.executable, "-m", module, "--course", str(root), "--parent", str(os.getpid()),
            "--lesson", lesson, "--verb", verb, "--out", str(out)]
    full_env = {**os.environ, **(env or {})}
    # nbgrader runs its environment's ``alembic`` by name: put our bin folder first.
    bindir = str(Path(sys.executable).parent)
    full_env["PATH"] = os.pathsep.join([bindir, full_env.get("PATH", "")])
    procs = []
    for index, group in enumerate(groups(students, jobs) if students else [[]]):
        log = open(out / f".batch-{index}.log", "w")  # a file: a pipe could fill and stall
        procs.append((subprocess.Popen([*base, *group], cwd=root, env=full_env,
                                       pass_fds=pass_fds, stdout=log, stderr=log), log))
    tails = []
    for proc, log in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if proc.returncode:
            tails.append(f"exit {proc.returncode}: " + Path(log.name).read_text()[-1500:])
    results = {}
    for student in students or ["_lesson"]:
        path = out / f"{student}.json"
        if path.is_file():
            results[student] = json.loads(path.read_text())
        else:
            results[student] = {"success": False, "log": "",
                                "error": f"{BATCH_DIED} before this student: "
                                         + " | ".join(t for t in tails if t)}
    return results


if __name__ == "__main__":
    sys.exit(main())
