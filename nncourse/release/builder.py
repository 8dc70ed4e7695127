"""Generate the student files from ``solutions/`` and check that the committed ones match.

The release is a list of *products*, declared as data at the bottom of this file. Each
product owns one output folder and is a function from the repository root to the files
that folder must hold (relative path -> bytes). ``release`` writes them and deletes stale
files; ``check`` compares without writing. Generation is deterministic, so "is the
committed release up to date" is a plain comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nncourse.release.errors import ReleaseError
from nncourse.release.markers import ANY_MARKER, make_stub

Files = dict[str, bytes]
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


@dataclass(frozen=True)
class Product:
    """One generated folder: ``out`` (relative to the root) and the function making it."""

    name: str
    out: str
    make: Callable[[Path], Files]


def source_files(folder: Path) -> list[Path]:
    """All files below ``folder`` in a stable order, caches skipped."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not SKIP_PARTS.intersection(p.relative_to(folder).parts)
        and p.suffix not in {".pyc", ".pyo"}
    )


def exercise_lessons() -> dict[str, str]:
    """Map exercise id -> lesson number, from the grader's registry when it is there."""
    try:
        from nncourse.grader.registry import EXERCISES
    except ImportError:  # the registry is optional for the builder
        return {}
    return {ex.id: f"{ex.lesson:02d}" for ex in EXERCISES.values()}


def make_student_package(root: Path) -> Files:
    """``solutions/nnlib`` with every solution region replaced by a stub."""
    src = root / "solutions" / "nnlib"
    if not src.is_dir():
        raise ReleaseError(f"expected the reference library at {src}, found nothing")
    lessons = exercise_lessons()
    files: Files = {}
    for path in source_files(src):
        rel = path.relative_to(src).as_posix()
        data = path.read_bytes()
        if path.suffix == ".py":
            text = data.decode("utf-8")
            data = make_stub(text, f"solutions/nnlib/{rel}", lessons).encode("utf-8")
        files[rel] = data
    return files


def make_student_lessons(root: Path) -> Files:
    """The released lesson notebooks (solutions and hidden tests removed by nbgrader)."""
    src = root / "solutions" / "lessons"
    try:
        from nncourse.release.notebooks import release_notebook
    except ImportError:
        return {}
    files: Files = {}
    for path in source_files(src):
        rel = path.relative_to(src).as_posix()
        data = path.read_bytes()
        files[rel] = release_notebook(data, rel) if path.suffix == ".ipynb" else data
    return files


def make_public_expected(root: Path) -> Files:
    """Expected values of the public checks, computed from the reference in a worker."""
    try:
        from nncourse.grader.expected import build_public_expected
    except ImportError:
        return {}
    return build_public_expected(root)


def make_locked_cells(root: Path) -> Files:
    """Per released lesson, its locked cells (``NN_name.json``: grade_id -> source).

    ``nncourse submit`` compares a student's notebook with them (edited checks).
    """
    import json

    from nncourse.handin import locked_cells

    files: Files = {}
    for rel, data in make_student_lessons(root).items():
        if rel.endswith(".ipynb"):
            cells = locked_cells(json.loads(data.decode("utf-8")))
            text = json.dumps(cells, indent=1, sort_keys=True) + "\n"
            files[rel[: -len(".ipynb")] + ".json"] = text.encode("utf-8")
    return files


PRODUCTS = [
    Product("student package", "nnlib", make_student_package),
    Product("student lessons", "lessons", make_student_lessons),
    Product("released locked cells", "nncourse/grader/released", make_locked_cells),
    Product("public expected values", "nncourse/grader/public", make_public_expected),
]


def made(product: Product, root: Path) -> Files:
    """Run one product and refuse output that still carries a solution or hidden-test marker.

    nbgrader swallows errors in its own hooks, so this check is what makes a failed strip
    loud instead of silently shipping a solution.
    """
    files = product.make(root)
    for rel, data in files.items():
        if ANY_MARKER.search(data.decode("utf-8", errors="replace")):
            raise ReleaseError(
                f"{product.out}/{rel}: generated file still holds a BEGIN/END SOLUTION or "
                "HIDDEN TESTS marker; refusing to release it"
            )
    return files


def existing_files(folder: Path) -> Files:
    """The files a product folder holds now."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in source_files(folder)}


def differences(root: Path) -> list[str]:
    """Human-readable lines, one per file that differs from what the builder makes."""
    lines = []
    for product in PRODUCTS:
        wanted = made(product, root)
        if not wanted:
            continue
        have = existing_files(root / product.out)
        for rel in sorted(set(wanted) | set(have)):
            where = f"{product.out}/{rel}"
            if rel not in have:
                lines.append(f"missing: {where}")
            elif rel not in wanted:
                lines.append(f"stale (not generated from solutions/): {where}")
            elif have[rel] != wanted[rel]:
                lines.append(f"out of date: {where}")
    return lines


def release(root: Path) -> list[str]:
    """Write every product; return the relative paths written or deleted."""
    changed = []
    for product in PRODUCTS:
        wanted = made(product, root)
        if not wanted:
            continue
        out = root / product.out
        have = existing_files(out)
        for rel, data in wanted.items():
            if have.get(rel) != data:
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                changed.append(f"wrote {product.out}/{rel}")
        for rel in sorted(set(have) - set(wanted)):
            (out / rel).unlink()
            changed.append(f"deleted {product.out}/{rel}")
    return changed
