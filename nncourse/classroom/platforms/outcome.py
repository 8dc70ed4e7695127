"""One platform grading run: stage the upload, grade it, word the result for the student.

``grade_upload`` is what both entrypoints call. It grades only through
``nncourse.grader.api.grade_package`` (hidden checks included) with ``PLATFORM_LIMITS``,
worker limits that fit a platform container (Gradescope's default is about 768 MB and half
a CPU): the student's worker and its forked request child may each map 256 MB, the
reference's worker runs beside them, and the trusted side needs about 100 MB.

Every text a student reads goes through ``student_text``: the grader's wording
(``report_text.message``) with no path of the container left in it. Hidden checks never
show their inputs (the engine words them "A hidden check ... failed: ...").
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.classroom.platforms import upload
from nncourse.grader import report_text
from nncourse.grader.api import grade_package
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import EXERCISES
from nncourse.grader.workers import WorkerLimits
from nncourse.handin import SubmissionError

PLATFORM_LIMITS = WorkerLimits(memory_mb=256, cpu_seconds=120)
DEFAULT_REFERENCE = "/opt/nncourse/solutions"  # where the image's install.sh puts it
CONFIG_NAME = "nncourse-platform.json"  # {"lessons": [...], "exercises": [...]}
HIDDEN_PREFIX = "A hidden check"
TEMP_PATH = re.compile(r"(?:/[^\s\"':]+)*/(?:tmp|autograder|grade)/[^\s\"':]*?(?=nnlib/)")


@dataclass
class Outcome:
    """What one run gave: a grader ``report``, or a ``problem`` with the whole upload."""

    exercises: list[str]
    report: dict | None = None
    problem: str | None = None
    seconds: float = 0.0
    max_score: float = field(default=0.0)


def read_config(path: Path) -> list[str]:
    """The exercise ids of a platform config file (``CONFIG_NAME``)."""
    config = json.loads(Path(path).read_text())
    return [e for e in config["exercises"] if e in EXERCISES]


def student_text(text: str) -> str:
    """``text`` with any path of the container or of a scratch folder cut to ``nnlib/``."""
    return TEMP_PATH.sub("", report_text.WORKER_PATH.sub("nnlib/", text or ""))


def is_hidden_failure(row: dict) -> bool:
    """Whether the exercise failed on a hidden variant (its details wait for publication)."""
    return (row.get("message") or "").startswith(HIDDEN_PREFIX)


def grade_upload(uploaded: Path, exercises: list[str], reference_root: Path) -> Outcome:
    """Grade the ``nnlib`` in the platform's upload folder ``uploaded``."""
    start = time.monotonic()
    outcome = Outcome(exercises=exercises,
                      max_score=sum(EXERCISES[e].points for e in exercises))
    with tempfile.TemporaryDirectory(prefix="nncourse-platform-") as tmp:
        try:
            staged = upload.stage(Path(uploaded), Path(tmp) / "submission")
            outcome.report = grade_package(staged, exercises=exercises, hidden=True,
                                           reference_root=reference_root,
                                           limits=PLATFORM_LIMITS)
        except SubmissionError as error:
            outcome.problem = student_text(str(error))
        except GraderError as error:  # the grader's fault, not the student's
            outcome.problem = ("the grader could not run (not your code; tell your "
                               f"instructor): {student_text(str(error))}")
    if outcome.report is not None and outcome.problem is None:
        failure = report_text.import_failure(outcome.report)
        failure = student_text(failure) if failure else None
        if failure:
            outcome.problem = ("your nnlib does not import, so no exercise could be "
                               f"graded:\n{failure}")
    outcome.seconds = time.monotonic() - start
    return outcome


def run_platform(root: Path, upload_dir: str, config_dir: str,
                 results: Callable[[Outcome], dict]) -> dict:
    """Grade ``root/upload_dir`` and write ``results(outcome)`` to ``root/results/``.

    The exercises are in ``root/config_dir/CONFIG_NAME``; the reference is in
    ``$NNCOURSE_REFERENCE`` (default ``DEFAULT_REFERENCE``). Returns what was written.
    """
    reference = Path(os.environ.get("NNCOURSE_REFERENCE", DEFAULT_REFERENCE))
    exercises = read_config(root / config_dir / CONFIG_NAME)
    try:
        out = grade_upload(root / upload_dir, exercises, reference)
    except Exception as error:  # a fault of ours: still a results.json, never a bare crash
        out = Outcome(exercises=exercises, problem="the grader itself failed (not your "
                      "code; tell your instructor): " + student_text(
                          f"{type(error).__name__}: {error}"))
    data = results(out)
    (root / "results").mkdir(parents=True, exist_ok=True)  # neither platform makes it
    (root / "results" / "results.json").write_text(json.dumps(data, indent=2))
    return data
