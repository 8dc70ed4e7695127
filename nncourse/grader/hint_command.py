"""``nncourse hint EXERCISE``: unlock and print the next hint of one exercise.

Student side, shipped in the bundle. The workspace is found as ``nncourse check`` finds
it (the folder holding ``nnlib/``); the hint unlocked is recorded in its progress file
(``progress.py``), so the checks show the same rung afterwards. After a failure whose
diagnosis named a known bug, the first hint is that bug's sentence; then the ladder of
``hints.py`` (nudge, key identity, result in maths), never a line of code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nncourse.grader import hints, progress
from nncourse.grader.check_command import find_nnlib
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import GRADED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse hint``."""
    parser.add_argument("exercise", help="exercise id, e.g. linear.backward")
    parser.add_argument("--path", type=Path, default=None,
                        help="folder containing nnlib/ (default: the nnlib Python would import)")


def run(args: argparse.Namespace) -> int:
    """Print the next hint; exit status 2 for an unknown exercise or no workspace."""
    if args.exercise not in GRADED or not hints.ladder(args.exercise):
        print(f"nncourse hint: unknown exercise {args.exercise!r}; expected one of: "
              + ", ".join(GRADED), file=sys.stderr)
        return 2
    try:
        workspace = find_nnlib(args.path, prefer_cwd=True)
    except GraderError as error:
        print(f"nncourse hint: {error}", file=sys.stderr)
        return 2
    print(f"{args.exercise}: {progress.next_hint(workspace, args.exercise)}")
    return 0
