"""``nncourse export gradescope LESSON... -o autograder.zip``: a complete Gradescope autograder.

The zip holds, at its root (as Gradescope's specification requires): ``setup.sh`` (run
once, as root, when Gradescope builds the image: a virtual environment with numpy and
the grader, via ``grader/install.sh``), ``run_autograder`` (run per submission; grades
``/autograder/submission`` and writes ``/autograder/results/results.json``, see
``gradescope.py``), ``nncourse-platform.json`` (the exercises graded) and ``grader/``
(``image.py``: the grader, the chosen lessons' hidden checks and reference).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from nncourse.classroom.platforms import image
from nncourse.classroom.platforms.outcome import CONFIG_NAME
from nncourse.grader.registry import EXERCISES

VENV = "/opt/nncourse/venv"

SETUP = f"""\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image.
set -euo pipefail
apt-get install -y --no-install-recommends python3 python3-venv
python3 -m venv {VENV}
NNCOURSE_PYTHON={VENV}/bin/python sh /autograder/source/grader/install.sh
"""

RUN = f"""\
#!/usr/bin/env bash
# Gradescope runs this per submission; it writes /autograder/results/results.json.
exec "${{NNCOURSE_PYTHON:-{VENV}/bin/python}}" -m nncourse.classroom.platforms.gradescope
"""


def exercises_of(lessons: list[int]) -> list[str]:
    """The exercise ids of ``lessons``, in registry order."""
    return [e.id for e in EXERCISES.values() if e.lesson in set(lessons)]


def platform_config(lessons: list[int]) -> str:
    """The text of ``nncourse-platform.json``."""
    return json.dumps({"lessons": sorted(lessons), "exercises": exercises_of(lessons)},
                      indent=2) + "\n"


def write_zip(lessons: list[int], out: Path) -> Path:
    """Write the autograder zip for ``lessons`` to ``out``."""
    with tempfile.TemporaryDirectory(prefix="nncourse-gradescope-") as tmp:
        root = Path(tmp)
        image.write_grader_tree(root / "grader", exercises_of(lessons))
        (root / CONFIG_NAME).write_text(platform_config(lessons))
        (root / "setup.sh").write_text(SETUP)
        (root / "run_autograder").write_text(RUN)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(root).as_posix())
                    mode = 0o755 if path.name in ("setup.sh", "run_autograder") or \
                        path.suffix == ".sh" or path.name.startswith("nncourse-") else 0o644
                    info.external_attr = (0o100000 | mode) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
    return out
