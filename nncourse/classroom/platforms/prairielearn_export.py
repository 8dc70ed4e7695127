"""``nncourse export prairielearn LESSON... -o DIR``: PrairieLearn questions and the image.

Writes ``DIR/questions/nnlibLessonNN/`` per lesson (copy them into the course
repository's ``questions/``) and ``DIR/grader/`` (the grading image's build context,
``image.py``; build it and push it where PrairieLearn can pull it). Each question:

- ``info.json``: ``uuid`` (fixed per lesson, so a re-export updates the same question),
  ``title``, ``topic``, ``type: v3``, ``singleVariant``, ``gradingMethod: External`` and
  ``externalGradingOptions`` (``enabled``, ``image``, ``entrypoint``, ``timeout``,
  ``enableNetworking: false``);
- ``question.html``: a ``<pl-file-upload>`` for the ``nncourse submit`` zip and
  ``<pl-external-grader-results>``;
- ``tests/nncourse-platform.json``: the exercises it grades (``/grade/tests`` at grading
  time, never shown to students).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from nncourse.classroom.platforms import image
from nncourse.classroom.platforms.gradescope_export import exercises_of, platform_config
from nncourse.classroom.platforms.outcome import CONFIG_NAME

NAMESPACE = uuid.UUID("5b0f1c1e-7d3a-4c55-9a55-6e6e6c69622e")  # fixed: stable question ids
ENTRYPOINT = "/usr/local/bin/nncourse-prairielearn"
TIMEOUT = 120  # seconds; a lesson grades in a few seconds, the capstone in up to 30

QUESTION = """\
<pl-question-panel>
  <p>Lesson {lesson:02d}: run <code>nncourse submit {lesson}</code> in your course folder and
  upload the zip it wrote (<code>submit/lesson{lesson:02d}.zip</code>). Your whole
  <code>nnlib</code> is graded, hidden checks included.</p>
</pl-question-panel>
<pl-file-upload file-patterns="*.zip"></pl-file-upload>
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
</pl-submission-panel>
"""


def info(lesson: int, image_name: str) -> dict:
    """The ``info.json`` of one lesson's question."""
    return {
        "uuid": str(uuid.uuid5(NAMESPACE, f"nnlib-lesson{lesson:02d}")),
        "title": f"nnlib lesson {lesson:02d}",
        "topic": "nnlib",
        "tags": ["nnlib", f"lesson{lesson:02d}"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True, "image": image_name, "entrypoint": ENTRYPOINT,
            "timeout": TIMEOUT, "enableNetworking": False,
        },
    }


def write_questions(lessons: list[int], out: Path, image_name: str = "nnlib-grader") -> Path:
    """Write the question folders and the image context for ``lessons`` into ``out``."""
    out = Path(out)
    for lesson in sorted(lessons):
        folder = out / "questions" / f"nnlibLesson{lesson:02d}"
        (folder / "tests").mkdir(parents=True, exist_ok=True)
        (folder / "info.json").write_text(json.dumps(info(lesson, image_name), indent=2) + "\n")
        (folder / "question.html").write_text(QUESTION.format(lesson=lesson))
        (folder / "tests" / CONFIG_NAME).write_text(platform_config([lesson]))
    if (out / "grader").exists():
        import shutil

        shutil.rmtree(out / "grader")
    image.write_grader_tree(out / "grader", exercises_of(lessons))
    return out
