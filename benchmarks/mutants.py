"""What a mutant is: the solution regions, mutmut's mutants of them, and their outcomes.

mutmut (3, pinned in the ``dev`` extras) makes the mutants: ``create_mutations`` with the
lines inside the ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers as the lines to
mutate, each mutation applied alone (``deep_replace``) to give one plain mutated file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.release.markers import find_regions

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


@dataclass(frozen=True)
class Region:
    """Lines ``begin < line < end`` (1-based, markers excluded) of one solution region."""

    file: str
    exercise: str
    begin: int
    end: int
    indent: str


@dataclass
class Site:
    """Which mutant, and where: the changed line before and after."""

    id: str
    exercise: str
    file: str
    line: int
    original: str
    mutated: str


@dataclass
class Mutant(Site):
    """One mutated copy of one file; the change lies inside one region."""

    source: str = field(default="", repr=False)


@dataclass
class Outcome(Site):
    """What grading one mutant gave."""

    status: str = ""  # of the mutated region's exercise, or "runner_timeout"
    diagnosis: str | None = None
    message: str = ""
    others_down: list[str] = field(default_factory=list)
    others_status: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        """The exercise lost its points on a verdict about the code.

        ``grader_error`` (the grader failed, the student is not blamed and is regraded)
        and ``runner_timeout`` (no verdict at all) are not verdicts, so not caught.
        """
        return self.status not in ("passed", "grader_error", "runner_timeout")

    @property
    def named(self) -> bool:
        return self.caught and bool(self.diagnosis)


def regions_of(path: Path) -> list[Region]:
    """The solution regions of one file, in order (found as ``nncourse release`` finds them)."""
    return [Region(path.name, r.exercise, r.begin, r.end, r.indent)
            for r in find_regions(path.read_text(), str(path))]


def all_regions(package: Path) -> list[Region]:
    return [r for path in sorted(package.glob("*.py")) for r in regions_of(path)]


def mutant_id(exercise: str, original: str, mutated: str) -> str:
    text = "\n".join((exercise, original.strip(), mutated.strip()))
    return f"{exercise}:{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def generate(package: Path, regions: list[Region]) -> list[Mutant]:
    """mutmut's mutants of every line inside ``regions``, one file and one change each.

    mutmut reads its settings (``[tool.mutmut]`` of ``pyproject.toml``) from the current
    folder, so the repository root is the current folder while it parses.
    """
    from mutmut.mutation.file_mutation import create_mutations, deep_replace

    mutants, seen = [], set()
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        for name in sorted({r.file for r in regions}):
            path = package / name
            source = path.read_text()
            inside = [r for r in regions if r.file == name]
            lines = {n for r in inside for n in range(r.begin + 1, r.end)}
            module, mutations, _, _ = create_mutations(str(path), source, lines)
            before = source.splitlines()
            for mutation in mutations:
                code = deep_replace(module, mutation.original_node, mutation.mutated_node).code
                after = code.splitlines()
                if code == source or len(after) != len(before):
                    continue  # a no-op, or a change of line count (none of mutmut's operators)
                changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1)
                           if a != b]
                region = next(r for r in inside if r.begin < changed[0] <= changed[-1] < r.end)
                original = "\n".join(before[n - 1] for n in changed)
                mutated = "\n".join(after[n - 1] for n in changed)
                ident = mutant_id(region.exercise, original, mutated)
                while ident in seen:  # the same change on two identical lines
                    ident += "+"
                seen.add(ident)
                mutants.append(Mutant(ident, region.exercise, name, changed[0],
                                      original.strip(), mutated.strip(), code))
    finally:
        os.chdir(here)
    return mutants


def stub_text(exercise: str) -> str:
    return f"Exercise {exercise}: stubbed"


def stubbed(path: Path, regions: list[Region]) -> str:
    """The file with ``regions`` replaced by a one-line stub like ``nncourse release``'s."""
    lines = path.read_text().splitlines(keepends=True)
    for r in sorted(regions, key=lambda r: r.begin, reverse=True):
        stub = f'{r.indent}raise NotImplementedError("{stub_text(r.exercise)}")\n'
        lines[r.begin - 1:r.end] = [stub]
    return "".join(lines)


