"""Lesson names, shared by the student's and the instructor's tools.

A lesson is named ``lessonNN`` (nbgrader's assignment name); people type ``3``, ``03``,
``lesson03`` or the notebook's name ``03_chain_rule``.
"""

from __future__ import annotations

import re

LESSON_RE = re.compile(r"^(?:lesson)?(\d{1,2})(?:_.*?)?(?:\.ipynb)?$")


class CourseError(RuntimeError):
    """A course folder, lesson or submission is not what a command expected."""


def lesson_name(text: str | int) -> str:
    """Normalise ``0``, ``"00"``, ``"lesson00"`` or ``"00_welcome"`` to ``"lesson00"``."""
    match = LESSON_RE.match(str(text).strip())
    if not match:
        raise CourseError(f"expected a lesson like 3, 03 or lesson03, got {text!r}")
    return f"lesson{int(match.group(1)):02d}"


def lesson_number(name: str) -> int:
    """``"lesson03"`` -> 3."""
    return int(lesson_name(name)[len("lesson"):])
