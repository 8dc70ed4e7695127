"""``nncourse check [EXERCISE | --lesson N]`` and ``nncourse.check(...)`` for students.

Finds the student's ``nnlib`` with ``importlib.util.find_spec`` (without importing it
here: in a notebook this process is the student's kernel) and runs the public checks in
workers, with the expected values stored in ``nncourse/grader/public/``. In a notebook
the verdicts show as a small table; in a terminal as text.

A by-hand question (``byhand.<name>``) runs no code: its number is read from the answer
cell's source (``answer_cells.py``; in a notebook the cell last run, in a terminal the saved
lesson notebook) and judged on this side. Each run of public checks is recorded in the
workspace's progress file (``progress.py``), which unlocks the hints: none on the first
failure, the next one after each further failed attempt. ``check`` raises
``ChecksFailed`` (an ``AssertionError``) when a check failed or an exercise is not
implemented yet, so a notebook cell calling it fails; the command exits with status 0
only when every check that ran passed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

from nncourse.grader import answer_cells, progress, report_text
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import BYHAND, is_byhand, preload, select
from nncourse.grader.workers import prelaunch


class ChecksFailed(AssertionError):
    """Some checks failed; ``.result`` holds the full ``CheckResult``.

    In a notebook the table above says everything: IPython shows this error as one line
    (``_render_traceback_``) instead of a traceback into the course's code, and the cell
    still counts as failed (Run All stops, nbgrader's Validate reports it).
    """

    def __init__(self, result: CheckResult):
        super().__init__(report_text.summary(result.report))
        self.result = result

    def _render_traceback_(self) -> list[str]:
        return [f"ChecksFailed: {self} (the table above says what to fix)"]


class CheckResult:
    """The report of a check run, shown as HTML in notebooks and as text elsewhere."""

    def __init__(self, report: dict, package: Path):
        self.report, self.package = report, package

    @property
    def passed(self) -> bool:
        """True when every exercise that ran passed."""
        return all(r["status"] == "passed" for r in self.report["exercises"])

    def __str__(self) -> str:
        return f"checks of {self.package}\n" + report_text.as_text(self.report)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return report_text.as_html(self.report)


def find_nnlib(path: Path | None = None, prefer_cwd: bool = False) -> Path:
    """The folder containing the student's ``nnlib`` package, without importing it.

    ``importlib.util.find_spec`` finds it where ``import nnlib`` would (it imports nothing
    for a top-level package); the command line looks in the current folder first.
    """
    if path is not None:
        return Path(path)
    here = [Path.cwd(), Path.cwd().parent]
    if prefer_cwd and (here[0] / "nnlib" / "__init__.py").is_file():
        return here[0].resolve()
    spec = importlib.util.find_spec("nnlib")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]).resolve().parent
    for folder in here:
        if (folder / "nnlib" / "__init__.py").is_file():
            return folder.resolve()
    raise GraderError("no 'nnlib' package found: run this from the course folder (the one "
                      "holding nnlib/ and lessons/), or pass path=")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where rich display works)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def saved_notebook(parent: Path, lesson: int) -> Path | None:
    """The saved notebook of a lesson: in the current folder, else in ``parent/lessons``."""
    for folder in (Path.cwd(), parent / "lessons"):
        found = sorted(folder.glob(f"{lesson:02d}_*.ipynb"))
        if found:
            return found[0]
    return None


def last_run_cell(names: tuple[str, ...]) -> str | None:
    """The latest cell run in this kernel that assigns one of ``names`` (its text only)."""
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    history = getattr(getattr(ip, "history_manager", None), "input_hist_raw", None) or []
    for text in reversed(history):
        found, problems = answer_cells.read_answers(str(text), names)
        if found or problems:
            return str(text)
    return None


def byhand_report(exercise: str, parent: Path, source: str | None) -> dict:
    """The report of one by-hand question, read from the text given, the kernel or a file."""
    from nncourse.grader.checks.byhand import QUESTIONS

    saved = saved_notebook(parent, BYHAND[exercise].lesson)
    saved_text = answer_cells.cell_source(saved, exercise) if saved else None
    where = "the cell text given"
    if source is None and in_notebook():
        source, where = last_run_cell(QUESTIONS[exercise].names()), "the cell you ran last"
    if source is None:
        source, where = saved_text, (saved.name if saved else "no saved lesson notebook")
    row = answer_cells.grade_source(exercise, source, where)
    if saved_text is not None and where == "the cell you ran last":
        names = QUESTIONS[exercise].names()
        if answer_cells.read_answers(saved_text, names)[0] != \
                answer_cells.read_answers(source or "", names)[0]:
            row["message"] += (f"\nNote: the saved {saved.name} holds other numbers; save "
                               "the notebook (Ctrl+S) before handing in: the autograder "
                               "reads the saved file.")
    return answer_cells.report([row]) | {"public_only": True}


def with_hints(parent: Path, report: dict) -> dict:
    """Record the attempt in the progress file and add each failure's unlocked hint."""
    try:
        shown = progress.after_check(parent, report["exercises"])
    except OSError as error:  # a read-only folder must not stop the checks
        warnings.warn(f"progress not recorded ({error}); hints cannot unlock", stacklevel=3)
        return report
    for row in report["exercises"]:
        if row["id"] in shown:
            row["hint"] = shown[row["id"]]
    return report


def check(exercise: str | None = None, lesson: int | None = None, hidden: bool = False, *,
          path: Path | None = None, display: bool = True,
          prefer_cwd: bool = False, source: str | None = None) -> CheckResult | None:
    """Run the public checks (or, on the instructor's machine, all) and show the verdicts.

    Args:
        exercise: an exercise id such as ``"linear.backward"``; None for all (or a lesson).
        lesson: run every exercise of this lesson.
        hidden: also run the hidden checks (instructor repository only).
        path: the folder containing ``nnlib`` (default: where ``import nnlib`` would look).
        display: show the verdicts (HTML in a notebook, text otherwise).
        prefer_cwd: look for ``./nnlib`` before asking the import system (command line).
        source: for a by-hand question, the answer cell's text to read (default: the
            cell last run in a notebook, else the saved lesson notebook).

    Returns:
        The ``CheckResult`` when everything passed; ``None`` when it was already shown in
        a notebook, so that the cell does not show the same table a second time.

    Raises:
        ChecksFailed: an ``AssertionError`` when a check failed or is not implemented.
    """
    from nncourse.grader.api import grade_package

    parent = find_nnlib(path, prefer_cwd)
    if exercise is not None and is_byhand(exercise):
        report = byhand_report(exercise, parent, source)
    else:
        report = grade_package(parent, exercises=None if exercise is None else [exercise],
                               lesson=lesson, hidden=hidden, stored_only=not hidden)
    if not hidden:
        report = with_hints(parent, report)
    result = CheckResult(report, parent / "nnlib")
    shown_in_notebook = display and in_notebook()
    if shown_in_notebook:
        from IPython.display import display as show
        show(result)
    elif display:
        print(result)
    if not result.passed:
        raise ChecksFailed(result)
    return None if shown_in_notebook else result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse check``."""
    parser.add_argument("exercise", nargs="?", help="exercise id, e.g. linear.backward")
    parser.add_argument("--lesson", type=int, help="check every exercise of this lesson")
    parser.add_argument("--path", type=Path, default=None,
                        help="folder containing nnlib/ (default: the nnlib Python would import)")
    parser.add_argument("--hidden", action="store_true",
                        help="instructor only: run the hidden checks against the reference")


def run(args: argparse.Namespace) -> int:
    """Exit status 0 only when every check that ran passed."""
    try:
        parent = find_nnlib(args.path, prefer_cwd=True)
        if args.exercise is None or not is_byhand(args.exercise):
            exercises = select(None if args.exercise is None else [args.exercise], args.lesson)
            prelaunch(parent / "nnlib", preload(exercises))  # boots while we import numpy
        check(args.exercise, args.lesson, args.hidden, path=parent)
    except ChecksFailed:
        return 1
    except (GraderError, KeyError) as error:
        print(f"nncourse check: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    return 0
