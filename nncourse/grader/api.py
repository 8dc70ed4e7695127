"""Python API of the grader: ``grade_package`` gives the JSON object of ``nncourse grade``.

The result is ``{score, max_score, exercises: [{id, lesson, points, max_points, status,
message, diagnosis}], public_only}``. Each exercise scores all its points when it
passes and none otherwise. Deterministic: the same package always gets the same object.
"""

from __future__ import annotations

from pathlib import Path

from nncourse.grader import engine
from nncourse.grader.registry import select
from nncourse.grader.workers import WorkerLimits

ROOT = Path(__file__).resolve().parents[2]


def default_reference_root() -> Path | None:
    """The repository's ``solutions/`` folder (the reference nnlib's parent), if present."""
    candidate = ROOT / "solutions"
    return candidate if (candidate / "nnlib" / "__init__.py").is_file() else None


def find_package(nnlib_parent: Path) -> Path:
    """``nnlib_parent/nnlib``, or ``GraderError`` saying what is missing."""
    package = Path(nnlib_parent) / "nnlib"
    if not (package / "__init__.py").is_file():
        raise engine.GraderError(f"expected a package folder {package} with an __init__.py, "
                                 "found none")
    return package


def trusted_datasets(reference_root: Path | None, package: Path) -> Path | None:
    """Data sets for the workers: the reference's copy, else the package's own."""
    for folder in ([reference_root / "nnlib" / "datasets"] if reference_root else []) + [
            package / "datasets"]:
        if folder.is_dir():
            return folder
    return None


def report(verdicts, public_only: bool) -> dict:
    """The JSON object for a list of ``(exercise, verdict)``."""
    rows = []
    for exercise, verdict in verdicts:
        rows.append({
            "id": exercise.id, "lesson": exercise.lesson,
            "points": exercise.points if verdict.passed else 0,
            "max_points": exercise.points, "status": verdict.status,
            "message": verdict.message, "diagnosis": verdict.diagnosis,
        })
    return {"score": sum(r["points"] for r in rows),
            "max_score": sum(r["max_points"] for r in rows),
            "exercises": rows, "public_only": public_only}


def grade_package(nnlib_parent: Path, *, exercises=None, lesson: int | None = None,
                  hidden: bool = True, reference_root: Path | None = None,
                  stored_only: bool = False, limits: WorkerLimits | None = None) -> dict:
    """Grade the ``nnlib`` package inside ``nnlib_parent`` in workers.

    Args:
        nnlib_parent: the folder that contains ``nnlib/`` (a submission, a workspace, or
            the repository's ``solutions/``).
        exercises: exercise ids to grade (default: all, or those of ``lesson``).
        lesson: grade only this lesson's exercises.
        hidden: run hidden checks too (needs ``nncourse/grader/hidden/``).
        reference_root: the folder containing the reference ``nnlib``; default the
            repository's ``solutions/``. Without a reference, the stored public expected
            values are used (public checks only).
        limits: resource limits of the student's worker (default ``WorkerLimits()``;
            a grading platform with less memory passes smaller ones).
        stored_only: use the stored public expected values even where a reference
            exists (what a student's machine does; ``nncourse check``).

    Returns:
        The object above: ``public_only`` and, per exercise, a ``diagnosis`` too.
    """
    package = find_package(Path(nnlib_parent))
    chosen = select(exercises, lesson)
    if stored_only and hidden:
        raise engine.GraderError("hidden checks need the reference; stored_only is for "
                                 "public checks")
    if not stored_only:
        reference_root = reference_root or default_reference_root()
    stored = None
    if reference_root is None:
        if hidden:
            raise engine.GraderError("hidden checks need the reference solutions (solutions/"
                                     "nnlib); none found")
        from nncourse.grader.expected import load_public
        stored = load_public()
    reference = find_package(reference_root) if reference_root and not stored_only else None
    verdicts = engine.run_exercises(
        package, chosen, hidden=hidden, reference=reference, stored=stored,
        datasets=trusted_datasets(reference_root, package), limits=limits)
    return report(verdicts, public_only=not hidden)
