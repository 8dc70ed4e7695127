"""``nncourse bundle OUT``: build what students get - a folder, a zip, and a git repository.

The bundle holds a student ``README.md``, a ``pyproject.toml``, the stubs ``nnlib/``, the
released ``lessons/`` (all, or up to ``--upto N``) and the public grader: ``nncourse``
without ``grader/hidden/``, without the instructor-only modules (``release/``,
``grader/grade_command.py``, the class workflow ``classroom/``), with
``grader/public/`` (the public checks' expected values). Before it counts as built, every
file is scanned for solution regions of ``solutions/nnlib``, solution and hidden-test
regions of the lesson notebooks, and the content of ``grader/hidden/``; any finding
deletes the new files and exits 2.

Re-running into an existing ``OUT`` (e.g. to add lesson 03) only ADDS files to ``nnlib/``
and ``lessons/``: a file there that was already released is never changed (the tooling,
README and pyproject may be updated), so ``git pull`` in a student's clone brings the
new notebook and cannot touch their work. ``OUT`` is a git repository with one commit per
run, ready to push; ``OUT.zip`` holds the same files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

from nncourse.classroom import leaks
from nncourse.lessons import lesson_name

SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
INSTRUCTOR_ONLY = (  # relative to nncourse/
    "grader/hidden", "grader/grade_command.py", "release", "classroom",
)
STUDENT_WORK = ("nnlib/", "lessons/")  # released once, never changed afterwards
AUTHOR = ["-c", "user.name=nncourse", "-c", "user.email=nncourse@localhost"]

README = """\
# nnlib: build your own neural-network library

Lesson by lesson you write `nnlib`, a numpy library - layers, activations, losses,
backpropagation, optimizers, a training loop - and train a digit classifier with it.

## Two commands

Install (Python 3.10 or newer), then open the course in JupyterLab (run both in this
folder):

```bash
python3 -m venv .venv && .venv/bin/pip install -e .
.venv/bin/jupyter lab --allow-root --ServerApp.root_dir=. lessons/00_welcome.ipynb
```

JupyterLab opens at this folder with lesson 00 open: its file browser shows `lessons/`
and `nnlib/`, where you write your code. (`--allow-root` changes nothing for a normal
user; it lets JupyterLab start where you are root, in a container for example.)

Linux and macOS work as they are. On Windows, work inside WSL (the Windows Subsystem for
Linux): the checks run your code in separate, limited processes, which need a Unix.

## How the course works

- Each lesson is a notebook in `lessons/`. You write your code in the stubs of `nnlib/`
  (each raises `NotImplementedError` naming its exercise), in JupyterLab or any editor.
  Your `nnlib` grows over all lessons; later lessons use what you built earlier.
- Check an exercise: run its check cell in the notebook (`nncourse.check("mse.forward")`),
  or in a terminal `.venv/bin/nncourse check mse.forward` (`--lesson 2` for a whole
  lesson). Only the public checks run on your machine: the autograder also runs hidden
  ones, so "passed" here means "passed the public checks".
- Stuck? A failed check shows a hint from your second attempt on, a stronger one with each
  further attempt; `.venv/bin/nncourse hint mse.forward` asks for the next one. Your
  attempts are kept in `.nncourse/progress.json` (no new release touches it).
- Hand in: `.venv/bin/nncourse submit 2` writes `submit/lesson02.zip` (the lesson's
  notebook and your whole `nnlib/`) to upload; with `--exchange` it hands in through
  nbgrader on a course JupyterHub. It refuses, saying why, when something is missing.
- New lessons arrive as new notebooks (`git pull`, or your hub's Assignments tab); they
  never overwrite your `nnlib` or your notebooks.
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nnlib-course-student"
version = "{version}"
description = "Your own numpy neural-network library, lesson by lesson."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["numpy>=1.24", "matplotlib>=3.7", "jupyterlab>=4.2,<5", "tqdm>=4.60",
                "ipywidgets>=8"]

[project.optional-dependencies]
exchange = ["nbgrader>=0.9.2"]

[project.scripts]
nncourse = "nncourse.cli:main"

[tool.setuptools.packages.find]
include = ["nnlib*", "nncourse*"]

[tool.setuptools.package-data]
nnlib = ["datasets/*"]
nncourse = ["**/*.json", "**/*.npz"]
"""
GITIGNORE = "__pycache__/\n*.pyc\n*.egg-info/\n.venv/\n.ipynb_checkpoints/\nsubmit/\n.nncourse/\n"


class BundleError(RuntimeError):
    """The bundle cannot be built or would leak; the message says what."""


def is_student_tooling(rel: str) -> bool:
    """Tell whether ``nncourse/<rel>`` goes to students (all but the instructor's side)."""
    return not any(rel == p or rel.startswith(p + "/") for p in INSTRUCTOR_ONLY)


def walk(folder: Path) -> list[Path]:
    """Files below ``folder``, caches skipped, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not SKIP.intersection(p.relative_to(folder).parts)
                  and p.suffix not in {".pyc", ".pyo"})


def bundle_files(repo: Path, upto: int | None) -> dict[str, bytes]:
    """Bundle-relative path -> bytes."""
    import nncourse

    files: dict[str, bytes] = {}
    for path in walk(repo / "nnlib"):
        files["nnlib/" + path.relative_to(repo / "nnlib").as_posix()] = path.read_bytes()
    for path in sorted((repo / "lessons").glob("[0-9][0-9]_*.ipynb")):
        if upto is None or int(lesson_name(path.name)[-2:]) <= upto:
            files["lessons/" + path.name] = path.read_bytes()
    package = Path(nncourse.__file__).resolve().parent
    for path in walk(package):
        rel = path.relative_to(package).as_posix()
        if is_student_tooling(rel):
            files["nncourse/" + rel] = path.read_bytes()
    version = "0.1.0"
    files["README.md"] = README.encode()
    files["pyproject.toml"] = PYPROJECT.format(version=version).encode()
    files[".gitignore"] = GITIGNORE.encode()
    return files


def secrets(repo: Path) -> list[leaks.Secret]:
    """Everything that must not be in the bundle."""
    import nncourse

    found = leaks.library_secrets(repo / "solutions" / "nnlib")
    for notebook in sorted((repo / "solutions" / "lessons").glob("*.ipynb")):
        found += leaks.notebook_secrets(notebook)
    hidden = Path(nncourse.__file__).resolve().parent / "grader" / "hidden"
    return found + leaks.hidden_secrets(hidden)


def git(out: Path, *args: str) -> str:
    """Run git in ``out``; return stdout."""
    done = subprocess.run(["git", *AUTHOR, *args], cwd=out, capture_output=True, text=True)
    if done.returncode:
        raise BundleError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def build(repo: Path, out: Path, upto: int | None = None) -> dict[str, list[str]]:
    """Write (or extend) the bundle; return {"added": [...], "kept": [...]}.

    ``added`` lists files written (new or updated tooling); ``kept`` lists student files
    whose newer version was NOT written because an older one was released before.
    """
    if not (repo / "solutions" / "nnlib").is_dir():
        raise BundleError(f"expected the instructor repository at {repo}, found no solutions/")
    if out.resolve().is_relative_to(repo.resolve()):
        raise BundleError(f"expected OUT outside the repository, got {out}")
    wanted = bundle_files(repo, upto)
    out.mkdir(parents=True, exist_ok=True)
    added, kept = [], []
    for rel, data in sorted(wanted.items()):
        target = out / rel
        if target.exists() and target.read_bytes() == data:
            continue
        if target.exists() and rel.startswith(STUDENT_WORK):
            kept.append(rel)  # released before: students may have edited it
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        added.append(rel)
    problems = leaks.scan(out, secrets(repo))
    if problems:
        for rel in added:
            (out / rel).unlink(missing_ok=True)
        raise BundleError("the bundle would leak; nothing added:\n  " + "\n  ".join(problems))
    if not (out / ".git").is_dir():
        git(out, "init", "-q", "-b", "main")
    git(out, "add", "-A")
    if git(out, "status", "--porcelain").strip():
        lessons = sorted(p.name[:2] for p in (out / "lessons").glob("*.ipynb"))
        git(out, "commit", "-q", "-m", f"Course release: lessons {', '.join(lessons)}")
    write_zip(out)
    return {"added": added, "kept": kept}


def write_zip(out: Path) -> Path:
    """``OUT.zip`` with the bundle's files (no ``.git``), inside a folder named like OUT."""
    path = out.with_suffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in walk(out):
            rel = file.relative_to(out)
            if rel.parts[0] != ".git":
                archive.write(file, (Path(out.name) / rel).as_posix())
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse bundle``."""
    parser.add_argument("out", type=Path, help="bundle folder to create or extend")
    parser.add_argument("--repo", type=Path, default=None,
                        help="instructor repository (default: found above the cwd)")
    parser.add_argument("--upto", type=int, default=None,
                        help="release lessons 00..N only (default: every released lesson)")


def run(args: argparse.Namespace) -> int:
    """Build the bundle and say what changed."""
    from nncourse.classroom.prepare.course_folder import find_repo

    try:
        repo = (args.repo or find_repo(Path.cwd())).resolve()
        result = build(repo, args.out.resolve(), args.upto)
    except (BundleError, RuntimeError) as error:
        print(f"nncourse bundle: {error}", file=sys.stderr)
        return 2
    for rel in result["kept"]:
        print(f"kept as released before (not overwritten): {rel}")
    print(f"bundle {args.out}: {len(result['added'])} file(s) added; zip "
          f"{args.out.with_suffix('.zip')}; git repository committed (push it to your host)")
    return 0
