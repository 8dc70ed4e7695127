"""nbgrader preprocessor: show the grader's verdict in each worker-graded cell of feedback.

In the autograded notebook, an exercise cell's outputs are whatever the student's kernel
printed (possibly a traceback quoting a hidden-test line, possibly a cheat's fake
"passed"). ``WorkerVerdicts`` replaces them by the authoritative verdict of the grader's
workers, read from the submission's autograde record, and puts a warning on top of a
notebook that failed to run. It runs in ``GenerateFeedback`` after ``ClearHiddenTests``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from nncourse.classroom.records import read_record, verdict_text


class WorkerVerdicts(NbGraderPreprocessor):
    """Replace the outputs of worker-graded cells by the worker's verdict."""

    def preprocess(self, nb, resources):
        """Rewrite the cells of one feedback notebook."""
        info = resources["nbgrader"]
        root = Path(info["db_url"].replace("sqlite:///", "", 1)).parent
        record = read_record(root / "nncourse" / "records" / info["assignment"],
                             info["student"]) or {}
        self._record = record
        self._by_id = {e["id"]: e for e in record.get("nnlib", {}).get("exercises", [])}
        nb, resources = super().preprocess(nb, resources)
        if record.get("notebook", "ok") != "ok":
            note = nbformat.v4.new_markdown_cell(
                f"**Autograder:** {record['notebook']}: {record.get('reason', '')}. Your "
                "`nnlib` exercises were graded separately, by running your library in the "
                "grader's workers; the notebook's written answers are graded by hand.")
            nb.cells.insert(0, note)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        """Swap a worker-graded cell's outputs for its verdict."""
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        cells = self._record.get("cells", {})
        if cell.cell_type == "code" and grade_id in cells:
            exercise = self._by_id.get(grade_id.replace("-", ".", 1))
            text = verdict_text(exercise, cells[grade_id], float(meta.get("points", 0)))
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return cell, resources
