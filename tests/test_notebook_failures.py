"""Does a failing check in a notebook show its table and one line, not a traceback?"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
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
