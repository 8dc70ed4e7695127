"""Find the solution regions of a reference ``.py`` file and turn them into stubs.

A region is written between two marker lines that name the exercise::

    ### BEGIN SOLUTION linear.forward
    ...reference code...
    ### END SOLUTION

``make_stub`` replaces each region, markers included, by one line at the marker's
indentation that raises ``NotImplementedError`` naming the exercise. Every other line is
copied unchanged. Malformed markers (nested, unterminated, stray ``END``, no id) raise
``MarkerError`` naming the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nncourse.release.errors import MarkerError

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?P<rest>.*)$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
EXERCISE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
# Any mention of a marker word, even malformed ("#BEGIN SOLUTION"), is checked so that a
# typo cannot let a solution slip into the student release unnoticed.
ANY_MARKER = re.compile(r"(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS)")


@dataclass(frozen=True)
class Region:
    """One solution region: 1-based line numbers of its markers, inclusive."""

    exercise: str
    begin: int
    end: int
    indent: str


def find_regions(text: str, path: str = "<string>") -> list[Region]:
    """Return the solution regions of ``text`` in order.

    Raises:
        MarkerError: on a nested or unterminated region, a stray END, a marker that is
            not alone on its line, or a missing or malformed exercise id.
    """
    regions: list[Region] = []
    open_region: tuple[str, int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_region is not None:
                raise MarkerError(
                    f"{where}: nested '### BEGIN SOLUTION'; the region opened at line "
                    f"{open_region[1]} is not closed yet"
                )
            exercise = begin.group("rest").strip()
            if not EXERCISE_ID.match(exercise):
                raise MarkerError(
                    f"{where}: expected '### BEGIN SOLUTION <exercise id>' with an id like "
                    f"'linear.forward', got {line.strip()!r}"
                )
            open_region = (exercise, number, begin.group("indent"))
        elif end:
            if open_region is None:
                raise MarkerError(f"{where}: '### END SOLUTION' without a BEGIN before it")
            regions.append(Region(open_region[0], open_region[1], number, open_region[2]))
            open_region = None
        elif ANY_MARKER.search(line):
            raise MarkerError(
                f"{where}: malformed marker {line.strip()!r}; expected a line holding only "
                "'### BEGIN SOLUTION <exercise id>' or '### END SOLUTION'"
            )
    if open_region is not None:
        raise MarkerError(
            f"{path}:{open_region[1]}: '### BEGIN SOLUTION {open_region[0]}' is never closed "
            "by '### END SOLUTION'"
        )
    return regions


def stub_line(region: Region, lessons: dict[str, str] | None = None) -> str:
    """The line that replaces ``region`` in the student file."""
    lesson = (lessons or {}).get(region.exercise)
    where = f" (lesson {lesson})" if lesson else ""
    message = f"Exercise {region.exercise}{where}: not implemented yet"
    return f'{region.indent}raise NotImplementedError("{message}")'


def make_stub(text: str, path: str = "<string>", lessons: dict[str, str] | None = None) -> str:
    """Return ``text`` with every solution region replaced by its stub line.

    Args:
        text: the reference source.
        path: shown in error messages.
        lessons: optional map from exercise id to lesson number, shown in the stub message.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for region in find_regions(text, path):
        out.extend(lines[cursor : region.begin - 1])
        out.append(stub_line(region, lessons) + "\n")
        cursor = region.end
    out.extend(lines[cursor:])
    return "".join(out)
