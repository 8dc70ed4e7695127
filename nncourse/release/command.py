"""``nncourse release [--check]``: regenerate the student files, or check they are current."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nncourse.release.builder import differences, release
from nncourse.release.errors import MarkerError, ReleaseError


def find_root(start: Path) -> Path:
    """The repository root: the nearest folder above ``start`` holding ``solutions/nnlib``."""
    for folder in [start, *start.parents]:
        if (folder / "solutions" / "nnlib").is_dir():
            return folder
    raise ReleaseError(
        f"no 'solutions/nnlib' folder in {start} or above it; run this from the instructor "
        "repository (the student bundle has no solutions to release)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse release``."""
    parser.add_argument(
        "--check", action="store_true",
        help="change nothing; exit 1 when the committed student files differ from solutions/",
    )
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: found)")


def run(args: argparse.Namespace) -> int:
    """Regenerate (or check) ``nnlib/``, ``lessons/`` and the public expected values."""
    try:
        root = (args.root or find_root(Path.cwd())).resolve()
        if args.check:
            lines = differences(root)
            for line in lines:
                print(line)
            if lines:
                print(f"{len(lines)} generated file(s) differ; run 'nncourse release'.",
                      file=sys.stderr)
                return 1
            print("release is up to date")
            return 0
        for line in release(root):
            print(line)
        print("release written")
        return 0
    except (ReleaseError, MarkerError) as error:
        print(f"nncourse release: {error}", file=sys.stderr)
        return 2
