"""Does a failing check, or a demo cell on a stub, show one line, not a traceback?"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def test_a_failing_check_cell_fails_quietly(tmp_path):
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib")  # the student stubs
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('import nncourse\nnncourse.check("data.one_hot")'),
                nbformat.v4.new_code_cell('print("after")')]
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
        raise AssertionError("the failing check cell did not fail")  # Run All must stop
    except CellExecutionError:
        pass
    outputs = nb.cells[0].outputs
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "TODO" in shown and "data.one_hot" in shown  # the table
    error = next(o for o in outputs if o.output_type == "error")
    assert error.ename == "ChecksFailed"
    assert len(error.traceback) == 1 and "Traceback" not in error.traceback[0]
    assert "the table above says what to fix" in error.traceback[0]
    assert "File " not in "".join(error.traceback)
    assert not nb.cells[1].outputs  # the next cell did not run


DEMO = """import matplotlib.pyplot as plt
import nncourse
from nnlib import activations
import numpy as np
with nncourse.uses_your_nnlib():
    z = np.linspace(-5, 5, 11)
    fig, ax = plt.subplots()
    ax.plot(z, activations.Sigmoid().forward(z))"""


def run_demo(tmp_path: Path, package: Path) -> nbformat.NotebookNode:
    """Run DEMO with ``package``'s nnlib and the notebook's inline backend; its one cell."""
    shutil.copytree(package, tmp_path / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(DEMO)]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline"))
    return nb.cells[0]


def images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


def test_a_demo_cell_on_a_stub_names_the_exercise_and_shows_no_empty_figure(tmp_path):
    cell = run_demo(tmp_path, ROOT / "nnlib")
    error = next(o for o in cell.outputs if o.output_type == "error")
    assert error.ename == "FinishFirst"
    assert error.traceback == [
        "FinishFirst: finish sigmoid.forward (lesson 01) first: this cell runs it "
        "(check it with nncourse check sigmoid.forward)"]
    assert images(cell) == 0  # the figure opened before the stub raised was closed


def test_the_same_demo_cell_on_the_solutions_draws_its_figure(tmp_path):
    cell = run_demo(tmp_path, ROOT / "solutions" / "nnlib")
    assert not [o for o in cell.outputs if o.output_type == "error"]
    assert images(cell) == 1


def test_other_errors_keep_their_traceback_and_lose_their_empty_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nncourse.student.unfinished import FinishFirst, uses_your_nnlib

    kept = plt.figure()
    with pytest.raises(ValueError, match="expected x of shape"):
        with uses_your_nnlib():
            plt.figure()
            raise ValueError("expected x of shape (N, 4), got (3, 5)")
    with pytest.raises(NotImplementedError) as own:  # the student's own, naming nothing
        with uses_your_nnlib():
            raise NotImplementedError("later")
    assert not isinstance(own.value, FinishFirst)
    with pytest.raises(FinishFirst) as caused:  # a stub behind another error still counts
        with uses_your_nnlib():
            try:
                raise NotImplementedError("Exercise init.he: not implemented yet")
            except NotImplementedError as stub:
                raise RuntimeError("model building failed") from stub
    assert caused.value.exercise == "init.he" and caused.value.lesson is None
    assert plt.get_fignums() == [kept.number]
    plt.close(kept)


def stub_failures(cell) -> list[str]:
    """A stub's tracebacks in one executed cell: the errors a student should not see.

    Only a ``NotImplementedError`` outside the student's own answer cell counts. A failing
    check's one line (``ChecksFailed``), a wrapped demo cell's (``FinishFirst``) and what
    follows them (a ``NameError`` for a name the failed cell would have defined) do not.
    """
    if cell.get("metadata", {}).get("nbgrader", {}).get("solution", False):
        return []
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", [])
            if o.output_type == "error" and o.ename == "NotImplementedError"]


@pytest.mark.parametrize("lesson", sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb")))
def test_every_released_cell_on_the_stubs_fails_in_one_line(lesson, tmp_path):
    """Run the released lesson on the stubs: does every demo cell that needs an unfinished
    exercise name it (``with nncourse.uses_your_nnlib():``) instead of a traceback?"""
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    nb = nbformat.read(ROOT / "lessons" / lesson, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline"))
    failures = {i: stub_failures(cell) for i, cell in enumerate(nb.cells)}
    unwrapped = {i: errors for i, errors in failures.items() if errors}
    assert not unwrapped, f"cells to wrap in nncourse.uses_your_nnlib(): {unwrapped}"
