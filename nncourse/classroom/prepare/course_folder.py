"""``nncourse setup COURSE_DIR``: create (or update) the nbgrader course folder of a class.

Each lesson ``solutions/lessons/NN_name.ipynb`` becomes the assignment ``lessonNN`` whose
``source/`` holds that notebook and nothing else. Re-running setup adds new lessons and
rewrites the configuration; it never touches submissions or the gradebook.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from nncourse.classroom.autograde import kernel
from nncourse.classroom.course import Course, CourseError, lesson_name
from nncourse.classroom.prepare import nbconfig


def find_repo(start: Path) -> Path:
    """The instructor repository: the nearest folder at or above ``start`` with solutions."""
    for folder in [start, *start.parents]:
        if (folder / "solutions" / "lessons").is_dir():
            return folder
    raise CourseError(
        f"no 'solutions/lessons' folder in {start} or above it; pass --repo (the instructor "
        "repository, not the student bundle)"
    )


def student_files(repo: Path) -> list[str]:
    """Every file of the student package, as submission-relative paths ``nnlib/...py``."""
    base = repo / "nnlib" if (repo / "nnlib").is_dir() else repo / "solutions" / "nnlib"
    return sorted(
        "nnlib/" + p.relative_to(base).as_posix() for p in base.rglob("*.py")
        if "__pycache__" not in p.parts
    )


def lesson_notebooks(repo: Path) -> dict[str, Path]:
    """``lessonNN`` -> source notebook, for every ``solutions/lessons/NN_*.ipynb``."""
    found = {}
    for path in sorted((repo / "solutions" / "lessons").glob("[0-9][0-9]_*.ipynb")):
        found[lesson_name(path.name)] = path
    if not found:
        raise CourseError(f"expected lesson notebooks NN_name.ipynb in {repo}/solutions/lessons")
    return found


def setup_course(root: Path, repo: Path, exchange: Path | None = None,
                 course_id: str = "nnlib", timeout: int = 30) -> Course:
    """Create or update the course folder; return it."""
    root, repo = root.resolve(), repo.resolve()
    exchange = (exchange or root.parent / f"{root.name}-exchange").resolve()
    if exchange.is_relative_to(root):
        raise CourseError(f"expected the exchange outside the course folder, got {exchange}")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # the gradebook, sources and submissions are the instructor's only
    notebooks = lesson_notebooks(repo)
    course = Course(root=root, repo=repo, course_id=course_id, exchange=exchange)
    for lesson, path in notebooks.items():
        folder = root / "source" / lesson
        folder.mkdir(parents=True, exist_ok=True)
        for stray in folder.iterdir():
            if stray.name != path.name:  # source/ must never hold a .py or anything else
                shutil.rmtree(stray) if stray.is_dir() else stray.unlink()
        shutil.copyfile(path, folder / path.name)
        course.lessons[lesson] = path.name
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o777 | 0o1000)  # nbgrader's shared exchange: sticky, world-writable
    kernels = kernel.install_kernelspec(course.private, root, repo)
    config = nbconfig.render(root, course_id, exchange, sorted(course.lessons),
                             student_files(repo), kernels.parent.parent, timeout)
    (root / "nbgrader_config.py").write_text(config)
    course.save()
    return course


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse setup``."""
    parser.add_argument("course_dir", type=Path, help="the course folder to create or update")
    parser.add_argument("--repo", type=Path, default=None,
                        help="instructor repository (default: found above the cwd)")
    parser.add_argument("--exchange", type=Path, default=None,
                        help="nbgrader exchange root (default: COURSE_DIR-exchange next to it)")
    parser.add_argument("--course-id", default="nnlib", help="nbgrader course id")
    parser.add_argument("--timeout", type=int, default=30, help="seconds per notebook cell")


def run(args: argparse.Namespace) -> int:
    """Create the course folder and say what it holds."""
    try:
        repo = args.repo or find_repo(Path.cwd())
        course = setup_course(args.course_dir, repo, args.exchange, args.course_id, args.timeout)
    except CourseError as error:
        print(f"nncourse setup: {error}", file=sys.stderr)
        return 2
    print(f"course folder: {course.root}")
    print(f"exchange:      {course.exchange}")
    print(f"lessons:       {', '.join(sorted(course.lessons))}")
    print(f"sandbox:       {kernel.level()}")
    return 0
