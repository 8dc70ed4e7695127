"""A demo class of fake students for the fixture lesson: honest, buggy, broken and cheating.

Each student is a set of ``nnlib`` files (derived from the stubs and the reference) and
extra notebook cells inserted before the graded cells. ``expected`` is what the export
must say for them: (score of the worker-graded exercises, notebook status).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION.*\n", re.MULTILINE)

ALLCLOSE_PATCH = """
import numpy as _np
_np.allclose = lambda *a, **k: True
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
"""
TRANSFORMER = ("get_ipython().input_transformers_post.append("
               "lambda lines: ['pass\\n'])")
READ_HIDDEN = """
import glob, os
found = []
for pattern in ["{course}/source/*/*.ipynb", "../../../source/*/*.ipynb", "/**/source/lesson00/*.ipynb"]:
    for path in glob.glob(pattern, recursive=False):
        try:
            found.append(open(path).read())
        except OSError as error:
            print("could not read", path, error)
for target in ["{course}/pwned.txt", "../../../pwned.txt", "{repo}/pwned.txt"]:
    try:
        open(target, "w").write("pwned")
    except OSError as error:
        print("could not write", target, type(error).__name__)
print("\\n".join(found))
try:
    print(open("{repo}/solutions/nnlib/data.py").read())
except OSError as error:
    print("could not read solutions", type(error).__name__)
"""


def solved(text: str) -> str:
    """The reference file without its marker lines (what a perfect student writes)."""
    return MARKER_LINE.sub("", text)


def class_files(repo: Path, course: Path) -> dict[str, tuple[dict[str, str], list[str], float, str]]:
    """student -> (nnlib files, extra code cells, expected nnlib score, expected status)."""
    stubs = {p.name: p.read_text() for p in (repo / "nnlib").glob("*.py")}
    ref = {p.name: solved(p.read_text()) for p in (repo / "solutions" / "nnlib").glob("*.py")}
    full = dict(ref)
    half = {**stubs, "data.py": ref["data.py"]}
    off_by_one = {**full, "data.py": ref["data.py"].replace(
        "np.asarray(y, dtype=int)]", "np.asarray(y, dtype=int) - 1]")}
    wrong_mask = {**full, "activations.py": ref["activations.py"].replace(
        "np.where(x > 0.0, x, 0.0 * x)", "np.where(x < 0.0, x, 0.0 * x)")}
    cheat_lib = {**stubs, "__init__.py": stubs["__init__.py"] + ALLCLOSE_PATCH}
    hidden = READ_HIDDEN.format(course=course, repo=repo)
    return {
        "s01-complete": (full, [], 2.0, "ok"),
        "s02-partial": (half, [], 1.0, "ok"),
        "s03-blank": (stubs, [], 0.0, "ok"),
        "s04-bug-onehot": (off_by_one, [], 1.0, "ok"),
        "s05-bug-relu": (wrong_mask, [], 1.0, "ok"),
        "s06-raises": (full, ["raise RuntimeError('my experiment broke')"], 2.0, "ok"),
        "s07-loops": (half, ["while True:\n    pass"], 1.0, "ok"),
        "s08-exits": (full, ["import os\nos._exit(3)"], 2.0, "failed to run"),
        "s09-allclose": (cheat_lib, [ALLCLOSE_PATCH], 0.0, "ok"),
        "s10-transformer": (stubs, [TRANSFORMER], 0.0, "ok"),
        "s11-reads-hidden": (stubs, [hidden], 0.0, "ok"),
    }


def notebook_for(released: Path, extra_cells: list[str], answer: str | None) -> str:
    """The released notebook with ``extra_cells`` before the first graded cell."""
    nb = json.loads(released.read_text())
    cells = nb["cells"]
    first_graded = next(i for i, c in enumerate(cells)
                        if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    for offset, code in enumerate(extra_cells):
        cells.insert(first_graded + offset, {
            "cell_type": "code", "execution_count": None, "id": f"extra-{offset}",
            "metadata": {}, "outputs": [], "source": code})
    if answer:
        for cell in cells:
            if cell["cell_type"] == "markdown" and cell.get("metadata", {}).get(
                    "nbgrader", {}).get("solution"):
                cell["source"] = answer
    return json.dumps(nb, indent=1)


def write_zip(path: Path, files: dict[str, str], folder: str = "") -> None:
    """A student's hand-in zip (files optionally inside ``folder``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, text in files.items():
            archive.writestr(folder + rel, text)
    path.write_bytes(buffer.getvalue())


def make_class_zips(repo: Path, course: Path, out: Path) -> dict[str, tuple[float, str]]:
    """Write one zip per demo student into ``out``; return the expected (score, status)."""
    out.mkdir(parents=True, exist_ok=True)
    released = repo / "lessons" / "00_fixture.ipynb"
    expected = {}
    for index, (student, (lib, cells, score, status)) in enumerate(
            class_files(repo, course).items()):
        files = {f"nnlib/{name}": text for name, text in lib.items()}
        files["00_fixture.ipynb"] = notebook_for(released, cells, f"Answer of {student}.")
        files["conftest.py"] = "raise SystemExit('a stray file must never run')\n"
        files["nncourse/__init__.py"] = "def check(*a, **k):\n    print('passed')\n"
        write_zip(out / f"{student}_lesson00.zip", files, "lesson00/" if index % 2 else "")
        expected[student] = (score, status)
    return expected
