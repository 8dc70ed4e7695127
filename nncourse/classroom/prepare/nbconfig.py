"""The ``nbgrader_config.py`` of an nnlib course, as text.

Each setting answers one pitfall of the table "The nbgrader pitfalls" in docs/instructor.md:

- ``source/lessonNN`` holds the solution notebook only, so ``generate_assignment`` copies
  no ``.py`` file into a release and ``autograde`` has none to overwrite students' files
  with; ``Autograde.exclude_overwriting`` lists every ``nnlib`` file anyway, as a second
  line of defence should someone drop a ``.py`` into ``source/``.
- ``OverwriteCells.add_missing_cells``: a deleted graded cell is restored, not a silent NULL.
- ``GenerateFeedback.preprocessors``: no hidden tests, and the outputs of worker-graded
  cells replaced by the worker's verdict (no kernel traceback can quote a hidden line).
- ``Execute``: per-cell timeout, and the ``nncourse-sandbox`` kernel
  (``classroom/autograde/kernel.py``).
- ``Exchange.root``: the exchange is configured, so nbgrader's student extensions work.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = '''\
"""nbgrader configuration of the nnlib course, written by `nncourse setup`.

Re-running `nncourse setup` rewrites this file; see docs/instructor.md for each setting.
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True

# Submissions hold a lesson notebook and nnlib/**.py only (collect drops anything else).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# source/ holds notebooks only; never replace a student's nnlib file with another one.
c.Autograde.exclude_overwriting = {exclude!r}
c.OverwriteCells.add_missing_cells = True

# Student notebooks run in the sandboxed kernel, one cell at most {timeout} s.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [{jupyter_path!r}] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
)
c.Execute.kernel_name = "nncourse-sandbox"
c.Execute.timeout = {timeout}
c.Execute.startup_timeout = 60
c.Execute.interrupt_on_timeout = True

# Feedback: grades, no hidden tests, worker verdicts instead of kernel outputs.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nncourse.classroom.results.verdict_cells.WorkerVerdicts",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def render(root: Path, course_id: str, exchange: Path, lessons: list[str],
           nnlib_files: list[str], jupyter_path: Path, timeout: int = 30) -> str:
    """The text of ``nbgrader_config.py``.

    Args:
        root: the course folder.
        course_id: nbgrader's course id.
        exchange: the exchange root.
        lessons: assignment names (``lesson00``...).
        nnlib_files: every student file, relative to a submission (``nnlib/layers.py``).
        jupyter_path: the folder holding ``kernels/nncourse-sandbox``.
        timeout: seconds per notebook cell.
    """
    exclude = {lesson: list(nnlib_files) for lesson in lessons}
    return TEMPLATE.format(root=str(root), course_id=course_id, exchange=str(exchange),
                           exclude=exclude, jupyter_path=str(jupyter_path), timeout=timeout)
