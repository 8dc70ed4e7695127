"""The student's progress per exercise: failed attempts and hints seen, in one small file.

``WORKSPACE/.nncourse/progress.json`` (WORKSPACE is the folder holding ``nnlib/``, found as
``nncourse check`` finds it) maps each exercise id to ``{"attempts", "hints_seen",
"diagnosis"}``. A course release never writes there (the bundle only adds files to
``nnlib/`` and ``lessons/``), so progress survives every update. Writes go to a temporary
file in the same folder and are renamed into place, so a crash leaves the old file or the
new one, never half of one. A file that cannot be read is moved aside to
``progress.json.corrupt`` and rebuilt empty, with a warning.

The ladder (``hints.LADDERS``): the first failure shows only the diagnosis; the second
failed attempt unlocks hint 1, each further one the next hint. ``nncourse hint`` unlocks
the next one on request. When a failure's diagnosis names a known bug, that bug's
sentence is the hint and the ladder does not move. A generic code (the shape of the
error or an exception's likely cause, ``diagnose.GENERIC_CODES``) names no bug: the
report shows its sentence and the ladder moves as for an unnamed failure. A pass resets
the exercise. Exercises that are only not implemented yet, or that the grader failed on, count as no
attempt.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from nncourse.atomic import write_json
from nncourse.grader import hints
from nncourse.grader.checks.byhand import STEP_HINTS
from nncourse.grader.checks.diagnose import GENERIC_CODES, HINTS

BUG_HINTS = {**HINTS, **STEP_HINTS}  # diagnosis code -> the sentence that addresses it

FOLDER, NAME = ".nncourse", "progress.json"
ATTEMPTED = ("failed", "error", "timeout")  # statuses that count as a failed attempt
VERSION = 1


def path_of(workspace: Path) -> Path:
    """Where the progress file of a workspace lives."""
    return Path(workspace) / FOLDER / NAME


def _valid(data: object) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        return False
    for entry in data["exercises"].values():
        if not isinstance(entry, dict):
            return False
        for key in ("attempts", "hints_seen"):
            if not isinstance(entry.get(key, 0), int) or isinstance(entry.get(key, 0), bool):
                return False
    return True


def load(workspace: Path) -> dict:
    """The progress of a workspace; an unreadable file is moved aside and rebuilt empty."""
    path = path_of(workspace)
    if not path.exists():
        return {"version": VERSION, "exercises": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not _valid(data):
        aside = path.with_name(NAME + ".corrupt")
        try:
            os.replace(path, aside)
        except OSError:
            aside = None
        warnings.warn(f"the progress file {path} could not be read; it was rebuilt empty "
                      f"(attempts and hints seen start again)"
                      + (f"; the old file is kept as {aside}" if aside else ""),
                      stacklevel=2)
        data = {"version": VERSION, "exercises": {}}
        save(workspace, data)
    return data


def save(workspace: Path, data: dict) -> None:
    """Write the progress file atomically (temporary file, then rename)."""
    write_json(path_of(workspace), data)


def entry_of(data: dict, exercise: str) -> dict:
    """The (mutable) entry of one exercise, created empty when missing."""
    entry = data["exercises"].setdefault(exercise, {})
    entry.setdefault("attempts", 0)
    entry.setdefault("hints_seen", 0)
    entry.setdefault("diagnosis", None)
    return entry


def rung(exercise: str, number: int) -> str:
    """Hint ``number`` (from 1) of an exercise, labelled with its place on the ladder."""
    ladder = hints.ladder(exercise)
    return f"Hint {number}/{len(ladder)}: {ladder[number - 1]}"


def bug_hint(code: str) -> str:
    """The hint for a diagnosed bug, as ``nncourse hint`` prints it."""
    return f"Hint (the likely bug your last check named): {BUG_HINTS[code]}."


BUG_FIRST = ("Hint: fix the likely bug named above first; this exercise's general hints "
             "resume once it is gone (nncourse hint {id} asks for the next one).")


def after_check(workspace: Path, rows: list[dict]) -> dict[str, str]:
    """Record one check run; return ``{exercise id: hint to show}`` for the failures.

    ``rows`` are the report's exercise rows (``id``, ``status``, ``diagnosis``).
    """
    data = load(workspace)
    before = json.dumps(data, sort_keys=True)
    shown: dict[str, str] = {}
    for row in rows:
        exercise, status = row["id"], row["status"]
        if status == "passed":
            data["exercises"].pop(exercise, None)
            continue
        if status not in ATTEMPTED:
            continue
        entry = entry_of(data, exercise)
        entry["attempts"] += 1
        code = row.get("diagnosis")
        entry["diagnosis"] = code if code in BUG_HINTS else None
        if entry["attempts"] < 2:
            continue
        if entry["diagnosis"] and entry["diagnosis"] not in GENERIC_CODES:
            shown[exercise] = BUG_FIRST.format(id=exercise)
            continue
        size = len(hints.ladder(exercise))
        entry["hints_seen"] = min(size, max(entry["hints_seen"], entry["attempts"] - 1))
        if entry["hints_seen"]:
            shown[exercise] = rung(exercise, entry["hints_seen"])
    if json.dumps(data, sort_keys=True) != before:  # a clean pass writes nothing
        save(workspace, data)
    return shown


def next_hint(workspace: Path, exercise: str) -> str:
    """Unlock and return the next hint of ``exercise`` (what ``nncourse hint`` prints).

    After a failure whose diagnosis named a known bug, that bug's sentence comes first
    (once); then the ladder's next rung; at the top, the strongest hint again.
    """
    data = load(workspace)
    entry = entry_of(data, exercise)
    ladder = hints.ladder(exercise)
    if entry["diagnosis"] in BUG_HINTS and entry["diagnosis"] not in GENERIC_CODES:
        text = bug_hint(entry["diagnosis"])
        entry["diagnosis"] = None
    elif entry["hints_seen"] < len(ladder):
        entry["hints_seen"] += 1
        text = rung(exercise, entry["hints_seen"])
    else:
        text = rung(exercise, len(ladder)) + "\n(That is the last hint of this exercise.)"
    save(workspace, data)
    return text
