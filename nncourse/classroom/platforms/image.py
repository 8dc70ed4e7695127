"""The one grading image: the files both exports ship, and its ``Dockerfile``.

``write_grader_tree(dest, exercises)`` writes a folder that is the build context of the
image (PrairieLearn) and is run by Gradescope's ``setup.sh`` (Gradescope builds its own
image from its base; the same ``install.sh`` runs in both):

- ``nncourse/``: the grader, the isolation layer, the hand-in rules and the platform
  entrypoints; ``grader/hidden/`` holds only the chosen exercises' hidden variants;
- ``solutions/nnlib/``: the reference, with the solution regions of lessons after the
  last chosen one replaced by their stubs (their answers are not shipped);
- ``requirements.txt`` (numpy, nothing else), ``install.sh`` (installs numpy and copies
  the grader into the interpreter's site-packages and the reference to
  ``/opt/nncourse/solutions``), ``Dockerfile`` (python slim + ``install.sh``) and the
  PrairieLearn entrypoint ``nncourse-prairielearn``.

Nothing in it needs the network once installed: grading reads only these files.
"""

from __future__ import annotations

import pprint
import shutil
from pathlib import Path

from nncourse.grader.registry import EXERCISES
from nncourse.release.markers import find_regions, stub_line

PACKAGE = Path(__file__).resolve().parents[2]  # the nncourse package
ROOT = PACKAGE.parent
IMAGE_PYTHON = "python:3.11-slim"
ENTRY_MODULES = ("__init__.py", "upload.py", "outcome.py", "gradescope.py", "prairielearn.py")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "hidden")

REQUIREMENTS = "numpy>=1.24,<3\n"

INSTALL = """\
#!/bin/sh
# Install the nnlib grader: numpy, the grader package, the reference. Needs the network
# for numpy only (at image build time); grading itself reads only installed files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${NNCOURSE_PYTHON:-python3}
"$PYTHON" -m pip install --no-cache-dir -r "$here/requirements.txt"
site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -rf "$site/nncourse" /opt/nncourse/solutions
cp -r "$here/nncourse" "$site/nncourse"
mkdir -p /opt/nncourse
cp -r "$here/solutions" /opt/nncourse/solutions
sed "s|@PYTHON@|$PYTHON|" "$here/nncourse-prairielearn" > /usr/local/bin/nncourse-prairielearn
chmod 0755 /usr/local/bin/nncourse-prairielearn
"""

DOCKERFILE = f"""\
# The nnlib grading image (PrairieLearn's externalGradingOptions.image). Build it from
# this folder: docker build -t nnlib-grader .
FROM {IMAGE_PYTHON}
COPY . /tmp/nncourse-grader
RUN sh /tmp/nncourse-grader/install.sh && rm -rf /tmp/nncourse-grader
ENV PYTHONDONTWRITEBYTECODE=1
ENTRYPOINT ["/usr/local/bin/nncourse-prairielearn"]
"""

PRAIRIELEARN_ENTRY = """\
#!/bin/sh
# PrairieLearn's entrypoint: grade /grade/student, write /grade/results/results.json.
exec "${NNCOURSE_PYTHON:-@PYTHON@}" -m nncourse.classroom.platforms.prairielearn "$@"
"""


def hidden_module(exercises: list[str]) -> str:
    """The text of ``grader/hidden/__init__.py`` holding only ``exercises``' variants."""
    from nncourse.grader.hidden import HIDDEN

    chosen = {e: HIDDEN[e] for e in exercises if e in HIDDEN}
    return ('"""Hidden variants of the checks of the exported lessons (see the '
            'repository\'s copy)."""\n\nHIDDEN: dict[str, list[dict]] = '
            + pprint.pformat(chosen, sort_dicts=False, width=90) + "\n")


def trimmed_reference(text: str, path: str, last_lesson: int) -> str:
    """``text`` with the regions of exercises after ``last_lesson`` replaced by stubs."""
    lines = text.splitlines(keepends=True)
    for region in reversed(find_regions(text, path)):
        exercise = EXERCISES.get(region.exercise)
        if exercise is not None and exercise.lesson > last_lesson:
            lines[region.begin - 1:region.end] = [stub_line(region) + "\n"]
    return "".join(lines)


def write_grader_tree(dest: Path, exercises: list[str]) -> Path:
    """Write the image's build context for ``exercises`` into the new folder ``dest``."""
    dest = Path(dest)
    package = dest / "nncourse"
    for rel in ("grader", "isolation"):
        shutil.copytree(PACKAGE / rel, package / rel, ignore=SKIP)
    (package / "grader" / "hidden").mkdir()
    (package / "grader" / "hidden" / "__init__.py").write_text(hidden_module(exercises))
    for rel in ("__init__.py", "lessons.py", "handin.py", "classroom/__init__.py"):
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE / rel, package / rel)
    (package / "classroom" / "platforms").mkdir()
    for name in ENTRY_MODULES:
        shutil.copyfile(Path(__file__).parent / name, package / "classroom" / "platforms" / name)
    last = max(EXERCISES[e].lesson for e in exercises)
    src, out = ROOT / "solutions" / "nnlib", dest / "solutions" / "nnlib"
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in sorted(out.rglob("*.py")):
        path.write_text(trimmed_reference(path.read_text(), str(path.relative_to(dest)), last))
    (dest / "requirements.txt").write_text(REQUIREMENTS)
    (dest / "Dockerfile").write_text(DOCKERFILE)
    for name, text in (("install.sh", INSTALL), ("nncourse-prairielearn", PRAIRIELEARN_ENTRY)):
        (dest / name).write_text(text)
        (dest / name).chmod(0o755)
    return dest
