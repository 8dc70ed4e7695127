"""A time budget per notebook: a looping student costs at most that, not 30 s a cell.

``nncourse assign`` runs the lesson's reference notebook once and stores its time
(``measure``); the budget is ``MARGIN`` times that plus ``SLACK`` seconds (kernel start-up
and a slow machine). During autograde the batch process arms a ``Watch`` per student:
when the budget runs out it kills that student's kernel (a child of the batch process),
nbgrader records the notebook as failed and the submission's status is ``timed out``.
nbgrader's per-cell timeout stays as a second guard.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

from nncourse.isolation import processes

MARGIN, SLACK = 3.0, 30.0
FALLBACK = 600.0  # seconds, when no reference time was measured
ENV = "NNCOURSE_NOTEBOOK_BUDGET"  # the batch process reads the budget from here


def budget_file(private: Path, lesson: str) -> Path:
    """Where the measured reference time and the budget of a lesson are kept."""
    return private / "runs" / lesson / "budget.json"


def measure(repo: Path, notebook: str, private: Path, lesson: str, cell_timeout: int) -> dict:
    """Run the reference notebook once; store and return ``{reference_seconds, budget}``."""
    from nncourse.release.reference import execute, kernel_env

    source = repo / "solutions" / "lessons" / notebook
    with tempfile.TemporaryDirectory(prefix="nncourse-budget-") as out:
        start = time.perf_counter()
        _, error = execute(source, Path(out), kernel_env(repo), max(cell_timeout, 60))
        seconds = time.perf_counter() - start
    entry = {"reference_seconds": round(seconds, 1),
             "budget": round(MARGIN * seconds + SLACK) if error is None else FALLBACK,
             "reference_error": error}
    path = budget_file(private, lesson)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry, indent=1) + "\n")
    return entry


def lesson_budget(private: Path, lesson: str) -> float:
    """The stored budget of a lesson in seconds (``FALLBACK`` if none was measured)."""
    try:
        return float(json.loads(budget_file(private, lesson).read_text())["budget"])
    except (OSError, ValueError, KeyError, TypeError):
        return FALLBACK


# A kernel's command line: ipykernel's own, or the sandbox launcher's (which, when a warm
# kernel serves it, stays the process nbgrader knows; the kernel dies with it).
KERNEL_COMMANDS = (b"ipykernel", b"nncourse.classroom.autograde.kernel")


def kernel_children() -> list[int]:
    """PIDs of this process's children that are notebook kernels (or their launchers)."""
    found = []
    for pid in processes.children(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                line = handle.read()
                if any(name in line for name in KERNEL_COMMANDS):
                    found.append(pid)
        except OSError:
            continue
    return found


class Watch:
    """Kill the kernels of this process once ``seconds`` have passed since ``start``."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.exceeded = seconds, False
        self.timer: threading.Timer | None = None

    def __enter__(self) -> Watch:
        self.exceeded = False
        self.timer = threading.Timer(self.seconds, self.expire)
        self.timer.daemon = True
        self.timer.start()
        return self

    def expire(self) -> None:
        """The budget ran out: stop the notebook by killing its kernel."""
        self.exceeded = True
        for pid in kernel_children():
            processes.kill(pid)

    def __exit__(self, *exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
