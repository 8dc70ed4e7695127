"""``nncourse submit LESSON``: pack a lesson notebook with your whole ``nnlib`` for hand-in.

Run it in your course folder (the one holding ``lessons/`` and ``nnlib/``). By default it
writes ``submit/lessonNN.zip`` (``STUDENT_lessonNN.zip`` with ``--student``) holding
``NN_name.ipynb`` and ``nnlib/**/*.py``, ready to upload to your course's website.
``--exchange`` hands the same files in through nbgrader's exchange (a shared machine or
JupyterHub; needs nbgrader installed). Nothing is sent when something is missing: the
message says what and where.

Before packing, ``submit`` protects the student from handing in something broken:

- it **refuses** (exit 2, nothing written) an ``nnlib`` that does not compile or does not
  import, naming the file and line;
- it runs the lesson's public checks in a worker and prints their table;
- it **warns** about graded cells edited or deleted (compared with the released lesson:
  ``nncourse/grader/released/``), exercises still unimplemented, and a notebook never run.

``--force`` hands in anyway. What was found goes into ``nncourse-submit.json`` in the zip.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from nncourse.handin import SubmissionError, edited_cells, is_expected, nnlib_problem
from nncourse.lessons import CourseError, lesson_name, lesson_number


def find_workspace(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``lessons/`` or ``nnlib/``."""
    for folder in [start, *start.parents]:
        if (folder / "lessons").is_dir() or (folder / "nnlib").is_dir():
            return folder
    return start


def lesson_notebook(workspace: Path, lesson: str) -> Path:
    """The lesson's notebook.

    That is ``lessons/NN_*.ipynb`` (the bundle), else ``lessonNN/NN_*.ipynb`` (fetched
    from nbgrader's exchange) in the workspace or the current folder.

    Raises:
        SubmissionError: when absent or ambiguous.
    """
    number = lesson_number(lesson)
    found = []
    for folder in (workspace / "lessons", workspace / lesson, Path.cwd() / lesson):
        found = sorted(folder.glob(f"{number:02d}_*.ipynb"))
        if found:
            break
    if not found:
        raise SubmissionError(
            f"expected the notebook of {lesson} at {workspace / 'lessons'}/{number:02d}_*.ipynb, "
            "found none; run this in your course folder (the one with lessons/ and nnlib/)")
    if len(found) > 1:
        raise SubmissionError(f"expected one notebook for {lesson}, found {len(found)}: "
                              + ", ".join(p.name for p in found))
    return found[0]


def check_notebook(path: Path) -> None:
    """Refuse a notebook that is not valid nbformat 4 JSON (e.g. a failed save)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SubmissionError(f"{path.name} is not a valid notebook (JSON error: {error}); "
                              "open it in JupyterLab and save it again") from error
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(
            nb.get("cells"), list):
        raise SubmissionError(f"{path.name} is not a valid notebook: expected nbformat 4 "
                              "with a list of cells")


def package_parent(workspace: Path) -> Path:
    """The folder holding the student's ``nnlib``.

    That is the workspace's; or, when the workspace is not a bundle folder (no
    ``lessons/``, e.g. a hub home with fetched ``lessonNN/`` folders), the installed one,
    found without importing it (the editable install of the bundle is the student's copy).
    """
    if (workspace / "nnlib" / "__init__.py").is_file():
        return workspace
    spec = None if (workspace / "lessons").is_dir() else importlib.util.find_spec("nnlib")
    if spec and spec.origin and Path(spec.origin).name == "__init__.py":
        return Path(spec.origin).parent.parent
    raise SubmissionError(f"expected your package at {workspace / 'nnlib'} (with "
                          "__init__.py), found none; it is handed in with every lesson")


def gather(workspace: Path, lesson: str) -> dict[str, Path]:
    """Submission-relative path -> file: the notebook and ``nnlib/**/*.py``."""
    notebook = lesson_notebook(workspace, lesson)
    check_notebook(notebook)
    workspace = package_parent(workspace)
    files = {notebook.name: notebook}
    for path in sorted((workspace / "nnlib").rglob("*.py")):
        rel = path.relative_to(workspace).as_posix()
        if not path.is_symlink() and is_expected(rel, notebook.name):
            files[rel] = path
    return files


MANIFEST = "nncourse-submit.json"


def write_zip(files: dict[str, Path], out: Path, manifest: dict | None = None) -> None:
    """The hand-in zip (with what ``submit`` found, when given, as ``MANIFEST``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, path in sorted(files.items()):
            archive.write(path, rel)
        if manifest is not None:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def submit_exchange(files: dict[str, Path], lesson: str, course_id: str,
                    workspace: Path) -> int:
    """``nbgrader submit`` of a staging folder ``lessonNN/`` holding ``files``."""
    with tempfile.TemporaryDirectory(prefix="nncourse-submit-") as tmp:
        # nbgrader looks in ./lessonNN, or ./COURSE/lessonNN with path_includes_course
        for stage in (Path(tmp) / lesson, Path(tmp) / course_id / lesson):
            for rel, path in files.items():
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, stage / rel)
        if (workspace / "nbgrader_config.py").is_file():
            shutil.copyfile(workspace / "nbgrader_config.py", Path(tmp) / "nbgrader_config.py")
        done = subprocess.run([sys.executable, "-m", "nbgrader", "submit", lesson,
                               "--course", course_id], cwd=tmp)
        return done.returncode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse submit``."""
    parser.add_argument("lesson", help="lesson number, e.g. 3")
    parser.add_argument("--dir", type=Path, default=None,
                        help="your course folder (default: found from the current folder)")
    parser.add_argument("--student", default=None, help="your student id, put in the zip's name")
    parser.add_argument("-o", "--output", type=Path, default=None, help="zip file to write")
    parser.add_argument("--exchange", action="store_true",
                        help="hand in through nbgrader's exchange instead of a zip")
    parser.add_argument("--course-id", default="nnlib", help="nbgrader course id (--exchange)")
    parser.add_argument("--force", action="store_true",
                        help="hand in even an nnlib that does not compile or import")


RELEASED = Path(__file__).resolve().parents[1] / "grader" / "released"


def notebook_warnings(notebook: Path) -> list[str]:
    """Edited or deleted graded cells (against the release), and a notebook never run."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    released = RELEASED / f"{notebook.stem}.json"
    if released.is_file():
        edited = edited_cells(nb, json.loads(released.read_text()))
        if edited:
            found.append(f"graded cells edited or deleted: {', '.join(edited)} (the "
                         "autograder restores them and marks the hand-in 'tampered')")
    code = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    if code and not any(c.get("execution_count") for c in code):
        found.append(f"{notebook.name} was never run (no cell has an output): run it and "
                     "save it, so that your plots and answers are in it")
    return found


def public_checks(parent: Path, lesson: str) -> dict | None:
    """The lesson's public checks on the student's ``nnlib``, in workers (None: none here)."""
    from nncourse.grader.api import grade_package
    from nncourse.grader.registry import EXERCISES

    if not any(e.lesson == lesson_number(lesson) for e in EXERCISES.values()):
        return None
    return grade_package(parent, lesson=lesson_number(lesson), hidden=False, stored_only=True)


def protect(files: dict[str, Path], workspace: Path, lesson: str) -> tuple[list, list, dict]:
    """What stops a hand-in (refusals), what is worth a word (warnings), and the checks."""
    from nncourse.grader import report_text

    parent = package_parent(workspace)
    problem = nnlib_problem(parent)
    if problem:
        return [f"your nnlib does not compile: {problem}"], [], {}
    report = public_checks(parent, lesson)
    refusals, warnings = [], notebook_warnings(next(iter(files.values())))
    if report:
        print(report_text.as_text(report, verbose=False))
        rows = report["exercises"]
        failure = report_text.import_failure(report)
        if failure:
            refusals.append(f"your nnlib does not import: {report_text.import_summary(failure)}")
        todo = [r["id"] for r in rows if r["status"] == "not_implemented"]
        if todo and not refusals:
            warnings.append(f"exercises not implemented yet: {', '.join(todo)}")
    checks = {r["id"]: r["status"] for r in (report or {}).get("exercises", [])}
    return refusals, warnings, checks


def run(args: argparse.Namespace) -> int:
    """Check, pack and hand in (or write the zip)."""
    workspace = (args.dir or find_workspace(Path.cwd())).resolve()
    try:
        lesson = lesson_name(args.lesson)
        files = gather(workspace, lesson)
        refusals, warnings, checks = protect(files, workspace, lesson)
    except (SubmissionError, CourseError) as error:
        print(f"nncourse submit: nothing submitted: {error}", file=sys.stderr)
        return 2
    for line in refusals + warnings:
        print(f"nncourse submit: {'refused' if line in refusals else 'warning'}: {line}",
              file=sys.stderr)
    if refusals and not args.force:
        print("nncourse submit: nothing submitted (fix it, or --force to hand in anyway)",
              file=sys.stderr)
        return 2
    manifest = {"lesson": lesson, "forced": bool(refusals), "refusals": refusals,
                "warnings": warnings, "public_checks": checks}
    count = len(files) - 1
    if args.exchange:
        status = submit_exchange(files, lesson, args.course_id, workspace)
        if status == 0:
            print(f"{lesson}: handed in {next(iter(files))} and {count} nnlib file(s) "
                  "through the exchange")
        return status
    name = f"{args.student}_{lesson}.zip" if args.student else f"{lesson}.zip"
    out = args.output or workspace / "submit" / name
    write_zip(files, out, manifest)
    print(f"{lesson}: wrote {out} ({next(iter(files))} and {count} nnlib file(s)); upload "
          "it where your instructor asked")
    return 0
