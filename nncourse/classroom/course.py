"""One nbgrader course folder for an nnlib class: where things are, and what a lesson holds.

A course folder (made by ``nncourse setup``) looks like::

    COURSE/
      nbgrader_config.py      nbgrader's configuration (written by setup, safe to edit)
      nncourse.json           {"repo": ..., "course_id": ..., "exchange": ..., "lessons": {...}}
      gradebook.db            nbgrader's gradebook (scores of notebook cells AND nnlib exercises)
      source/lessonNN/        the lesson's solution notebook, nothing else
      release/lessonNN/       what students get (nbgrader generate_assignment)
      submitted/STUDENT/lessonNN/   NN_name.ipynb + nnlib/**.py
      autograded/, feedback/  nbgrader's folders
      nncourse/records/lessonNN/STUDENT.json   one autograde record per submission
      nncourse/jupyter/kernels/nncourse-sandbox/   the isolated kernel (autograde/kernel.py)

Each lesson is the nbgrader assignment ``lessonNN``. The autograded exercises of a lesson
are read from its source notebook: every locked, graded code cell whose code calls
``nncourse.check("<exercise id>")``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.lessons import CourseError, lesson_name, lesson_number  # noqa: F401 - re-exported

CONFIG_NAME = "nncourse.json"
COURSE_HELP = "the course folder made by 'nncourse setup' (default: the current folder)"
CHECK_CALL = re.compile(r"""nncourse\.check\(\s*["']([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)["']""")


@dataclass(frozen=True)
class ExerciseCell:
    """A graded notebook cell whose score comes from the grader's workers."""

    exercise: str
    grade_id: str
    points: float


@dataclass
class Course:
    """A course folder and the settings ``nncourse setup`` recorded in ``nncourse.json``."""

    root: Path
    repo: Path
    course_id: str = "nnlib"
    exchange: Path | None = None
    lessons: dict[str, str] = field(default_factory=dict)  # lessonNN -> notebook file name

    @classmethod
    def load(cls, root: Path) -> Course:
        """Read ``root/nncourse.json``; raise ``CourseError`` when it is not a course folder."""
        root = Path(root).resolve()
        path = root / CONFIG_NAME
        if not path.is_file():
            raise CourseError(
                f"expected a course folder made by 'nncourse setup' at {root}, "
                f"found no {CONFIG_NAME}"
            )
        data = json.loads(path.read_text())
        exchange = data.get("exchange")
        return cls(root=root, repo=Path(data["repo"]), course_id=data["course_id"],
                   exchange=Path(exchange) if exchange else None, lessons=data["lessons"])

    def save(self) -> None:
        """Write ``nncourse.json``."""
        data = {"repo": str(self.repo), "course_id": self.course_id,
                "exchange": str(self.exchange) if self.exchange else None,
                "lessons": dict(sorted(self.lessons.items()))}
        (self.root / CONFIG_NAME).write_text(json.dumps(data, indent=2) + "\n")

    # -- paths ------------------------------------------------------------------------------

    @property
    def private(self) -> Path:
        """``COURSE/nncourse``: records, kernelspec, logs, reports."""
        return self.root / "nncourse"

    @property
    def gradebook(self) -> Path:
        """Nbgrader's SQLite gradebook."""
        return self.root / "gradebook.db"

    def lesson(self, text: str | int) -> str:
        """The assignment name of a lesson this course has; ``CourseError`` otherwise."""
        name = lesson_name(text)
        if name not in self.lessons:
            known = ", ".join(sorted(self.lessons)) or "none"
            raise CourseError(f"expected one of this course's lessons ({known}), got {text!r}")
        return name

    def notebook(self, lesson: str) -> str:
        """The notebook file name of a lesson, e.g. ``00_welcome.ipynb``."""
        return self.lessons[self.lesson(lesson)]

    def source_notebook(self, lesson: str) -> Path:
        """``source/lessonNN/NN_name.ipynb``."""
        return self.root / "source" / self.lesson(lesson) / self.notebook(lesson)

    def release_notebook(self, lesson: str) -> Path:
        """``release/lessonNN/NN_name.ipynb``: what students were given."""
        return self.root / "release" / self.lesson(lesson) / self.notebook(lesson)

    def assigned(self, lesson: str) -> bool:
        """Whether ``lesson`` was handed out (``nncourse assign`` made its release)."""
        return (self.root / "release" / self.lesson(lesson)).is_dir()

    def submission(self, student: str, lesson: str) -> Path:
        """``submitted/STUDENT/lessonNN``."""
        return self.root / "submitted" / student / self.lesson(lesson)

    def record_dir(self, lesson: str) -> Path:
        """Folder of the autograde records of one lesson."""
        return self.private / "records" / self.lesson(lesson)

    def students_submitted(self, lesson: str) -> list[str]:
        """Students with a submission folder for ``lesson``, sorted."""
        base = self.root / "submitted"
        name = self.lesson(lesson)
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / name).is_dir())

    def exercise_cells(self, lesson: str) -> list[ExerciseCell]:
        """The worker-graded cells of a lesson, read from its source notebook."""
        return exercise_cells(json.loads(self.source_notebook(lesson).read_text()))


def exercise_cells(nb: dict) -> list[ExerciseCell]:
    """Locked graded code cells that call ``nncourse.check("<id>")``, in notebook order."""
    cells = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        source = "".join(cell.get("source", ""))
        match = CHECK_CALL.search(source)
        if match:
            cells.append(ExerciseCell(match.group(1), meta["grade_id"], float(meta["points"])))
    return cells


def open_lesson(args, verb: str) -> tuple[Course, str] | None:
    """The course (``args.course``) and lesson (``args.lesson``) a verb works on.

    None, after saying why on stderr as ``nncourse VERB: ...``, when either is not there;
    the verb then exits with status 2.
    """
    try:
        course = Course.load(args.course)
        return course, course.lesson(args.lesson)
    except CourseError as error:
        print(f"nncourse {verb}: {error}", file=sys.stderr)
        return None

