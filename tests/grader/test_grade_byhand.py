"""Does ``nncourse grade DIR`` grade the by-hand questions from DIR's lesson notebooks?"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from nncourse.grader.registry import BYHAND, answer_cell_id

ROOT = Path(__file__).resolve().parents[2]
NNCOURSE = [sys.executable, "-m", "nncourse.cli"]
NOTEBOOK = "04_backward_pass.ipynb"


def grade(folder: Path, *args: str) -> dict:
    done = subprocess.run([*NNCOURSE, "grade", str(folder), "--json", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def answered(target: Path, answer: str) -> Path:
    """The released lesson 04 at ``target`` with its by-hand answer cell holding ``answer``."""
    nb = json.loads((ROOT / "lessons" / NOTEBOOK).read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == \
                answer_cell_id("byhand.linear_dw"):
            cell["source"] = answer
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb))
    return target


def test_a_submission_folder_scores_its_right_number_and_fails_a_wrong_one(tmp_path):
    answered(tmp_path / "right" / NOTEBOOK, "dW11 = -1.0\n")
    answered(tmp_path / "wrong" / NOTEBOOK, "dW11 = -0.5\n")
    right = grade(tmp_path / "right", "--exercise", "byhand.linear_dw")
    assert (right["score"], right["max_score"]) == (1, 1)
    assert right["exercises"][0]["status"] == "passed"
    row = grade(tmp_path / "wrong", "--exercise", "byhand.linear_dw")["exercises"][0]
    assert (row["status"], row["points"]) == ("failed", 0)
    assert "the paths add up" in row["message"]  # the same words autograde gives


def test_a_workspace_is_read_from_lessons_and_a_missing_notebook_scores_zero(tmp_path):
    answered(tmp_path / "ws" / "lessons" / NOTEBOOK, "dW11 = -1\n")
    (tmp_path / "empty").mkdir()
    report = grade(tmp_path / "ws", "--exercise", "byhand.linear_dw",
                   "--exercise", "byhand.neuron")
    status = {r["id"]: r["status"] for r in report["exercises"]}
    assert status == {"byhand.linear_dw": "passed", "byhand.neuron": "not_implemented"}
    row = grade(tmp_path / "empty", "--exercise", "byhand.linear_dw")["exercises"][0]
    assert row["status"] == "not_implemented" and "04_*.ipynb" in row["message"]


def test_a_lesson_grades_its_nnlib_exercises_and_its_byhand_question_together(tmp_path):
    """The stubs' nnlib scores 0; the answered by-hand number still earns its point."""
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    answered(tmp_path / NOTEBOOK, "dW11 = -1.0\n")
    report = grade(tmp_path, "--lesson", "4", "--public-only")
    ids = [r["id"] for r in report["exercises"]]
    assert ids[0] == "byhand.linear_dw" and len(ids) > 1
    assert [r["id"] for r in report["exercises"] if r["status"] == "passed"] == \
        ["byhand.linear_dw"]
    assert report["score"] == BYHAND["byhand.linear_dw"].points
    assert report["max_score"] == sum(r["max_points"] for r in report["exercises"])
