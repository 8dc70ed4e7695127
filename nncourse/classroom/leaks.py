"""Find solution or hidden-test text in files that go to students, and fail loudly.

nbgrader only logs some failures (a swallowed hook error leaves a solution in a release),
so every product that leaves the instructor's side - a release folder, a feedback folder,
the student bundle - is scanned here before it counts as done.

A *secret* is a solution region (of ``solutions/nnlib`` or of a source notebook), a
hidden-test region, or a file of ``nncourse/grader/hidden``. Text is compared with all
whitespace collapsed (and HTML tags stripped and entities decoded for ``.html``), so
re-indentation or syntax highlighting cannot hide a copy.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from nncourse.release.markers import ANY_MARKER, find_regions

MIN_LENGTH = 12  # shorter secrets ("pass", "x = 0") would match innocent text
REGION = re.compile(
    r"### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(.*?)### END \1", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Secret:
    """One piece of text that must never reach a student."""

    origin: str  # where it comes from, e.g. "solutions/nnlib/layers.py:42"
    text: str  # whitespace-collapsed


def normalise(text: str) -> str:
    """Collapse whitespace runs to one space."""
    return SPACE.sub(" ", text).strip()


def strings(obj) -> list[str]:
    """Every string inside a parsed JSON value (notebook sources, outputs, tracebacks)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for value in obj.values() for s in strings(value)]
    if isinstance(obj, list):
        return ["".join(obj)] if all(isinstance(v, str) for v in obj) else [
            s for value in obj for s in strings(value)]
    return []


def readable(path: Path) -> str:
    """A file's text as a student would read it.

    HTML: tags stripped, entities decoded. JSON and notebooks: the strings they hold,
    unescaped, plus the raw text.
    """
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix in {".html", ".htm"}:
        text = text + "\n" + html.unescape(TAG.sub("", text))
    elif path.suffix in {".json", ".ipynb"}:
        try:
            text = text + "\n" + "\n".join(strings(json.loads(text)))
        except ValueError:
            pass
    return text


def notebook_secrets(path: Path) -> list[Secret]:
    """Solution and hidden-test regions of a source notebook."""
    nb = json.loads(path.read_text())
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        source = "".join(cell.get("source", ""))
        for match in REGION.finditer(source):
            for line in match.group(2).splitlines() if match.group(1) == "HIDDEN TESTS" else [
                    match.group(2)]:
                text = normalise(line)
                if len(text) >= MIN_LENGTH:
                    found.append(Secret(f"{path.name} cell {index}", text))
    return found


def library_secrets(solutions_nnlib: Path) -> list[Secret]:
    """The body of every solution region of the reference ``nnlib``."""
    found = []
    for path in sorted(solutions_nnlib.rglob("*.py")):
        lines = path.read_text().splitlines()
        for region in find_regions("\n".join(lines), str(path)):
            text = normalise("\n".join(lines[region.begin:region.end - 1]))
            if len(text) >= MIN_LENGTH:
                found.append(Secret(f"{path.name}:{region.begin} ({region.exercise})", text))
    return found


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def hidden_secrets(hidden: Path) -> list[Secret]:
    """Every hidden-only line of the grader's hidden folder.

    A line counts when it is long enough (20 characters) and appears in no file of the
    ``nncourse`` package outside ``hidden/`` (a helper call shared with the public checks
    is not a secret, and must not block a bundle).
    """
    if not hidden.is_dir():
        return []
    public = {normalise(line) for path in _files(hidden.parents[1])
              if not path.is_relative_to(hidden) for line in readable(path).splitlines()}
    found = []
    for path in _files(hidden):
        for number, line in enumerate(readable(path).splitlines(), start=1):
            text = normalise(line)
            if len(text) >= max(MIN_LENGTH, 20) and text not in public:
                found.append(Secret(f"grader/hidden/{path.name}:{number}", text))
    return found


def scan(folder: Path, secrets: list[Secret]) -> list[str]:
    """One line per leak found in the files under ``folder`` (empty: nothing leaked).

    Also reports any BEGIN/END SOLUTION or HIDDEN TESTS marker.
    """
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        if ".git" in path.relative_to(folder).parts:
            continue
        text = readable(path)
        flat = normalise(text)
        rel = path.relative_to(folder).as_posix()
        if ANY_MARKER.search(text):
            problems.append(f"{rel}: holds a BEGIN/END SOLUTION or HIDDEN TESTS marker")
        for secret in secrets:
            if secret.text in flat:
                problems.append(f"{rel}: holds text of {secret.origin}: {secret.text[:60]!r}")
    return problems
