"""Are by-hand questions scored at autograde from the submitted notebook's source alone?"""

import json
from pathlib import Path

import pytest

from nncourse.classroom import gradebook
from nncourse.classroom.autograde import grading
from nncourse.classroom.course import exercise_cells

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "04_backward_pass.ipynb"


def submit(folder: Path, answer: str, *, extra_cells=(), outputs=()) -> Path:
    """A submission folder holding the released lesson 04 with its answer cell filled, and
    an (empty) nnlib package."""
    nb = json.loads((ROOT / "lessons" / NOTEBOOK).read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "byhand-linear_dw-answer":
            cell["source"] = answer
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "byhand-linear_dw":
            cell["outputs"] = list(outputs)
    nb["cells"] += list(extra_cells)
    (folder / "nnlib").mkdir(parents=True)
    (folder / "nnlib" / "__init__.py").write_text("")  # the stand-in grader ignores it
    (folder / NOTEBOOK).write_text(json.dumps(nb))
    return folder


@pytest.fixture
def no_workers(monkeypatch):
    """A stand-in grader for the nnlib exercise: these tests are about the by-hand cells."""

    class StandIn:
        @staticmethod
        def grade_package(parent, exercises, **kwargs):
            rows = [{"id": e, "lesson": 4, "points": 3, "max_points": 3, "status": "passed",
                     "message": "", "diagnosis": None} for e in exercises]
            return {"score": 3 * len(rows), "max_score": 3 * len(rows), "exercises": rows,
                    "public_only": False}

    monkeypatch.setattr(grading, "grader_module", lambda: StandIn)


def test_a_right_number_in_the_saved_answer_cell_scores_its_point(tmp_path, no_workers):
    sub = submit(tmp_path / "sub", "dW11_example1 = 1.0\ndW11_example2 = -2.0\ndW11 = -1.0\n")
    result = grading.grade_all(sub, NOTEBOOK, ["byhand.linear_dw", "linear.backward"], 4, None)
    assert [r["id"] for r in result["exercises"]] == ["byhand.linear_dw", "linear.backward"]
    assert result["exercises"][0]["status"] == "passed"
    assert (result["score"], result["max_score"]) == (4, 4)


def test_what_the_kernel_showed_or_other_cells_say_does_not_count(tmp_path, no_workers):
    """A wrong answer cell stays wrong: a faked PASS output and the right number elsewhere."""
    fake_output = {"output_type": "stream", "name": "stdout", "text": "PASS byhand.linear_dw"}
    elsewhere = {"cell_type": "code", "metadata": {}, "source": "dW11 = -1.0\n",
                 "outputs": [], "execution_count": None, "id": "elsewhere"}
    sub = submit(tmp_path / "sub", "dW11 = float(-1)\n", extra_cells=[elsewhere],
                 outputs=[fake_output])
    row = grading.grade_all(sub, NOTEBOOK, ["byhand.linear_dw"], 4, None)["exercises"][0]
    assert (row["status"], row["points"]) == ("failed", 0)
    assert "not a plain number" in row["message"]


def test_a_missing_notebook_scores_zero_not_a_crash(tmp_path):
    (tmp_path / "sub").mkdir()
    result = grading.grade_all(tmp_path / "sub", NOTEBOOK, ["byhand.linear_dw"], 4, None)
    assert result["score"] == 0 and result["exercises"][0]["status"] == "not_implemented"


def test_the_byhand_cell_is_an_exercise_cell_and_its_score_goes_into_the_gradebook(tmp_path):
    cells = exercise_cells(json.loads((ROOT / "solutions" / "lessons" / NOTEBOOK).read_text()))
    cell = next(c for c in cells if c.exercise == "byhand.linear_dw")
    assert (cell.grade_id, cell.points) == ("byhand-linear_dw", 1.0)
    sub = submit(tmp_path / "sub", "dW11 = -1\n")
    row = grading.grade_all(sub, NOTEBOOK, ["byhand.linear_dw"], 4, None)["exercises"][0]
    assert gradebook.worker_points(cell, row) == 1.0
