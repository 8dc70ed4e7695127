"""What is wrong with a submission as a whole: its status, apart from exercise verdicts.

A submission gets exactly one status, the most serious that applies (``ORDER``), and a
reason listing every problem found, in words an instructor can act on and with no
temporary path. ``ok`` means nothing is wrong with the hand-in itself; a 0 with ``ok`` is
a real 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from nncourse.classroom.autograde.grading import GRADER_ERROR
from nncourse.classroom.nbgrader_batches import BATCH_DIED
from nncourse.grader.registry import is_byhand
from nncourse.grader.report_text import import_failure, import_summary
from nncourse.handin import edited_cells, locked_cells, nnlib_problem, notebook_problem

ORDER = (GRADER_ERROR, "nnlib missing", "nnlib does not import", "notebook missing",
         "notebook unreadable", "failed to run", "timed out", "tampered", "ok")
TIMEOUT_LOG = "Timeout waiting for execute reply"


def nnlib_problems(submission: Path, result: dict) -> list[tuple[str, str]]:
    """Problems of the submitted ``nnlib``: missing, or its package does not import."""
    if not (submission / "nnlib" / "__init__.py").is_file():
        return [("nnlib missing", f"{nnlib_problem(submission)}, so no exercise could be "
                 "graded")]
    failure = import_failure({"exercises": [r for r in result.get("exercises", [])
                                            if not is_byhand(r["id"])]})
    if failure:
        return [("nnlib does not import", f"import nnlib fails at {import_summary(failure)}")]
    return []


def notebook_problems(submission: Path, notebook: str, release: Path,
                      nb_result: dict) -> list[tuple[str, str]]:
    """Problems of the notebook: missing, unreadable, failed to run, timed out, tampered."""
    path = submission / notebook
    if not path.is_file():
        return [("notebook missing", f"{notebook} was not handed in; nnlib was graded")]
    problem = notebook_problem(path)
    if problem:
        return [("notebook unreadable", f"{problem}; nnlib was graded")]
    submitted = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if nb_result.get("budget_exceeded"):
        problems.append(("timed out", f"the notebook ran past its time budget of "
                         f"{nb_result['budget_exceeded']:g} s and was stopped; nnlib was "
                         "graded"))
    elif not nb_result.get("success"):
        problems.append(("failed to run", failure_reason(nb_result)))
    elif TIMEOUT_LOG in nb_result.get("log", ""):
        problems.append(("timed out", "a cell ran past the time limit and was interrupted; "
                         "the rest of the notebook ran"))
    changed = tampered_cells(submitted, release)
    if changed:
        problems.append(("tampered", "graded cells edited or deleted: " + ", ".join(changed)
                         + " (nbgrader restored them from the release before grading)"))
    return problems


def tampered_cells(submitted: dict, release: Path) -> list[str]:
    """grade_ids of the release's locked cells that the submission changed or removed."""
    try:
        released = json.loads(release.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # no release to compare with: nothing to say
    return edited_cells(submitted, locked_cells(released))


def failure_reason(result: dict) -> str:
    """A one-line reason from nbgrader's log of a failed notebook."""
    text = result.get("log", "") + "\n" + result.get("error", "")
    for needle, reason in (("DeadKernelError", "the kernel died (os._exit, crash or memory)"),
                           ("Kernel died", "the kernel died (os._exit, crash or memory)"),
                           ("UnresponsiveKernel", "the kernel stopped answering"),
                           ("CellTimeoutError", "a cell ran past the time limit"),
                           ("Timeout", "a cell ran past the time limit"),
                           (BATCH_DIED, "the grading process stopped on this submission")):
        if needle in text:
            return reason
    errors = [line for line in text.splitlines() if "[ERROR]" in line]
    return errors[0][:200] if errors else "nbgrader could not run the notebook"


def status_of(problems: list[tuple[str, str]]) -> tuple[str, str]:
    """The most serious status among ``problems`` and a reason naming all of them."""
    if not problems:
        return "ok", ""
    problems = sorted(problems, key=lambda p: ORDER.index(p[0]))
    reason = "; ".join(text if status == problems[0][0] else f"also {status}: {text}"
                       for status, text in problems)
    return problems[0][0], reason
