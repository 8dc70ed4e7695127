"""Turn a lesson notebook in nbgrader source form into the student release.

The source (``solutions/lessons/*.ipynb``) holds solution regions, hidden-test regions and
graded cells with points. The release (``lessons/*.ipynb``) is made by nbgrader's own
preprocessors, applied in the order ``nbgrader generate_assignment`` applies them, minus
the steps that need a course folder or a gradebook (header/footer, ``SaveCells``)::

    source --validate--> LockCells -> ClearSolutions -> ClearOutput -> CheckCellMetadata
           -> ComputeChecksums -> ClearHiddenTests -> ClearMarkScheme -> ComputeChecksums
           -> CheckCellMetadata --nbformat.writes--> release bytes

Everything that is wrong raises ``ReleaseError`` naming the notebook (and the cell):
nbgrader only logs some problems, and a release that silently keeps a solution is the
worst failure a course can have. Output bytes depend only on the input bytes.

The small ``*_cell`` constructors at the bottom build cells in the course's conventions
(``docs/writing-lessons.md``); lesson writers may use them from a script or write the JSON
in JupyterLab with nbgrader's "Create Assignment" toolbar.
"""

from __future__ import annotations

import nbformat
from nbformat.notebooknode import NotebookNode

from nncourse.grader.registry import answer_cell_id
from nncourse.release.errors import ReleaseError

SCHEMA_VERSION = 3
KERNEL_NAME = "python3"


def _pipeline() -> list:
    """Nbgrader's release preprocessors, in ``GenerateAssignment``'s order.

    Imported lazily: nbgrader is heavy and only the instructor side releases notebooks.
    """
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    # ComputeChecksums runs before ClearHiddenTests (as in nbgrader, where the gradebook
    # stores that checksum) and again after it, so the student's copy validates as unchanged.
    return [
        LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
        ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata,
    ]


# what an ipykernel reports in kernel_info and JupyterLab writes into a saved notebook
LANGUAGE_INFO = ("codemirror_mode", "file_extension", "mimetype", "name",
                 "nbconvert_exporter", "pygments_lexer", "version")


def read_source(data: bytes, rel: str) -> NotebookNode:
    """Parse and validate a source notebook; raise ``ReleaseError`` on anything malformed.

    Checks: valid nbformat 4 JSON, kernelspec ``python3``, the ``language_info`` a kernel
    reports (JupyterLab fills in a partial one when the kernel connects and marks the
    notebook unsaved on opening), no stored outputs or execution counts, and for every
    cell with nbgrader metadata: schema version 3, a ``grade_id`` unique in the notebook,
    ``points > 0`` on graded cells, and autograded test cells locked.
    """
    where = f"solutions/lessons/{rel}"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # JSON, unicode and schema errors all mean "malformed"
        raise ReleaseError(f"{where}: not a valid nbformat 4 notebook: {error}") from error
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != KERNEL_NAME:
        raise ReleaseError(f"{where}: expected kernelspec name {KERNEL_NAME!r}, got {kernel!r}")
    missing = [key for key in LANGUAGE_INFO if key not in nb.metadata.get("language_info", {})]
    if missing:
        raise ReleaseError(f"{where}: metadata.language_info lacks {', '.join(missing)} "
                           "(JupyterLab would mark the notebook unsaved as it opens); "
                           "save the notebook once from JupyterLab after its kernel started")
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        _check_cell(cell, f"{where} cell {index}", seen)
    return nb


def _check_cell(cell: NotebookNode, where: str, seen: set[str]) -> None:
    """Validate one source cell (see ``read_source``); ``seen`` collects grade ids."""
    if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
        raise ReleaseError(
            f"{where}: expected no stored outputs or execution count in a source notebook, "
            f"got {len(cell.outputs)} output(s), execution_count={cell.execution_count}; "
            "clear them (JupyterLab: Edit > Clear Outputs of All Cells)"
        )
    meta = cell.metadata.get("nbgrader")
    if meta is None:
        return
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReleaseError(f"{where}: expected nbgrader schema_version 3, got {version!r}")
    grade_id = meta.get("grade_id")
    if meta.get("grade") or meta.get("solution") or meta.get("locked"):
        if not grade_id:
            raise ReleaseError(f"{where}: expected a grade_id on an nbgrader cell, got none")
        if grade_id in seen:
            raise ReleaseError(f"{where}: grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
    if meta.get("grade"):
        points = meta.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise ReleaseError(
                f"{where}: graded cell {grade_id!r} needs points > 0, got {points!r}"
            )
        if cell.cell_type == "code" and not meta.get("solution") and not meta.get("locked"):
            raise ReleaseError(
                f"{where}: graded test cell {grade_id!r} must be locked (\"locked\": true)"
            )


def release_notebook(data: bytes, rel: str) -> bytes:
    """The student release of one source notebook, as deterministic bytes.

    Args:
        data: the source notebook's bytes (``solutions/lessons/<rel>``).
        rel: its path relative to ``solutions/lessons``, used in error messages.

    Returns:
        ``nbformat.writes`` of the released notebook plus a trailing newline.

    Raises:
        ReleaseError: the source is malformed, or an nbgrader step refused it.
    """
    nb = read_source(data, rel)
    resources: dict = {}
    for step in _pipeline():
        try:
            nb, resources = step().preprocess(nb, resources)
        except Exception as error:  # nbgrader raises RuntimeError and ValidationError
            raise ReleaseError(
                f"solutions/lessons/{rel}: nbgrader {step.__name__} refused the notebook: "
                f"{error}"
            ) from error
    return (nbformat.writes(nb) + "\n").encode("utf-8")


# -- cell constructors for lesson writers -------------------------------------------------

GRADED_TEMPLATE = """\
# Graded: your score for this exercise comes from the autograder's own run of these checks
# (and hidden ones) on your nnlib, not from this notebook.
nncourse.check("{exercise}")
### BEGIN HIDDEN TESTS
nncourse.check("{exercise}", hidden=True)
### END HIDDEN TESTS"""


BYHAND_TEMPLATE = """\
# Graded: the autograder reads the numbers of the answer cell above from your saved notebook
# (it never runs the cell) and compares them with its own; this cell shows the same verdict.
nncourse.check("{exercise}")"""


def grade_id(exercise: str) -> str:
    """The nbgrader ``grade_id`` of an nnlib exercise: ``linear.forward`` -> ``linear-forward``."""
    return exercise.replace(".", "-")


def _nbgrader(grade_id_: str, *, grade: bool, solution: bool, locked: bool,
              points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked,
            "grade_id": grade_id_, "schema_version": SCHEMA_VERSION}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def graded_check_cell(exercise: str, points: float, cell_id: str | None = None) -> NotebookNode:
    """The locked, graded test cell of an nnlib exercise (public check + hidden checks)."""
    cell = nbformat.v4.new_code_cell(
        GRADED_TEMPLATE.format(exercise=exercise),
        metadata=_nbgrader(grade_id(exercise), grade=True, solution=False, locked=True,
                           points=points),
    )
    cell.id = cell_id or grade_id(exercise)
    return cell


def byhand_answer_cell(exercise: str, names: list[str], model: dict[str, float],
                       cell_id: str | None = None) -> NotebookNode:
    """The answer cell of a by-hand question: the variables to fill in, the model numbers.

    An nbgrader "autograded answer" cell (``solution: true``, no points): the points are on
    the ``byhand_graded_cell`` after it, and the trusted side reads this cell's source.
    """
    prompt = ("# Your numbers, as plain numbers (e.g. 1.5; three significant digits are "
              "enough):\n# " + ", ".join(f"{n} = ..." for n in names))
    solution = "\n".join(f"{n} = {model[n]!r}" for n in names)
    return practice_cell(answer_cell_id(exercise), solution, prompt,
                         cell_id=cell_id or answer_cell_id(exercise))


def byhand_graded_cell(exercise: str, points: float) -> NotebookNode:
    """The locked, graded cell of a by-hand question (scored from the answer cell's source)."""
    cell = nbformat.v4.new_code_cell(
        BYHAND_TEMPLATE.format(exercise=exercise),
        metadata=_nbgrader(grade_id(exercise), grade=True, solution=False, locked=True,
                           points=points),
    )
    cell.id = grade_id(exercise)
    return cell


def practice_cell(name: str, solution: str, prompt: str = "",
                  cell_id: str | None = None) -> NotebookNode:
    """An ungraded "your turn" code cell: ``prompt`` (kept) then the solution (stubbed)."""
    head = f"{prompt.strip()}\n" if prompt.strip() else ""
    source = f"{head}### BEGIN SOLUTION\n{solution.strip()}\n### END SOLUTION"
    cell = nbformat.v4.new_code_cell(
        source, metadata=_nbgrader(name, grade=False, solution=True, locked=False),
    )
    cell.id = cell_id or name
    return cell


def written_answer_cell(name: str, points: float, model_answer: str,
                        cell_id: str | None = None) -> NotebookNode:
    """A manually graded markdown answer cell; the model answer is stripped on release."""
    source = f"### BEGIN SOLUTION\n{model_answer.strip()}\n### END SOLUTION"
    cell = nbformat.v4.new_markdown_cell(
        source, metadata=_nbgrader(name, grade=True, solution=True, locked=False, points=points),
    )
    cell.id = cell_id or name
    return cell
