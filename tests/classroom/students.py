"""A demo class of fake students for lesson 02 (losses): honest, buggy, broken and cheating.

Each student is an ``nnlib`` (built from the reference ``solutions/nnlib`` and the stubs:
the exercises they solved, with or without a planted bug) and extra notebook cells
inserted before the first graded cell. ``expected`` is what the export must say for
them: (points of the lesson's exercises from the grader's workers, notebook status).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from nncourse.release.markers import find_regions, stub_line

LESSON = "02_loss.ipynb"
NO_NOTEBOOK = "s12-no-notebook"  # hands in a complete nnlib and forgets the notebook
# Half uploads and bad uploads: student -> (expected points, status, words in the reason)
BAD_UPLOADS = {
    "s15-no-nnlib": (0.0, "nnlib missing", "nnlib/__init__.py is missing"),
    "s16-broken-import": (0.0, "nnlib does not import",
                          "nnlib/__init__.py line 2: SyntaxError"),
    "s17-corrupt-notebook": (7.0, "notebook unreadable", "not valid JSON"),
    "s18-tampered": (7.0, "tampered", "mse-forward"),
}
BEFORE = {"data.one_hot", "sigmoid.forward", "tanh.forward", "relu.forward",
          "leaky_relu.forward", "linear.forward", "sequential.forward"}  # lessons 00, 01
THIS = {"mse.forward": 1.0, "bce_logits.forward": 2.0, "softmax.forward": 2.0,
        "softmax_ce.forward": 2.0}
BUGS = {  # exercise -> (reference line, buggy line)
    "softmax.forward": ("e = np.exp(z - z.max(axis=-1, keepdims=True))", "e = np.exp(z)"),
    "mse.forward": ("return float(np.mean(diff * diff))", "return float(np.sum(diff * diff))"),
}
ALLCLOSE_PATCH = """
import numpy as _np
_np.allclose = lambda *a, **k: True
_np.array_equal = lambda *a, **k: True
_np.isclose = lambda a, b, *r, **k: _np.ones_like(_np.asarray(a), dtype=bool)
_np.testing.assert_allclose = lambda *a, **k: None
"""
TRANSFORMER = ("get_ipython().input_transformers_post.append("
               "lambda lines: ['pass\\n'])")
READ_HIDDEN = """
import glob, os
found = []
for pattern in ["{course}/source/*/*.ipynb", "../../../source/*/*.ipynb",
                "{repo}/solutions/lessons/*.ipynb"]:
    for path in glob.glob(pattern):
        try:
            found.append(open(path).read())
        except OSError as error:
            print("could not read", path, type(error).__name__)
for target in ["{course}/pwned.txt", "../../../pwned.txt", "{course}/submitted/pwned.txt"]:
    try:
        open(target, "w").write("pwned")
    except OSError as error:
        print("could not write", target, type(error).__name__)
for secret in ["{repo}/solutions/nnlib/losses.py", "{course}/gradebook.db"]:
    try:
        found.append(open(secret, errors="replace").read())
    except OSError as error:
        print("could not read", secret, type(error).__name__)
for pid in os.listdir("/proc"):  # other kernels, nbgrader, the grader: their folders
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.listdir(f"/proc/{{pid}}/cwd")
            print("LEAK: could list the folder of process", pid)
        except OSError:
            pass
open("/tmp/nncourse-demo-leftover", "w").write("a kernel's file in the shared /tmp")
print("wrote /tmp/nncourse-demo-leftover")
print("\\n".join(found))
"""


def library(repo: Path, solved: set[str], bugs: tuple[str, ...] = (),
            patch: str = "") -> dict[str, str]:
    """``nnlib/**.py`` with the regions of ``solved`` filled in (with ``bugs``), others stubbed."""
    files = {}
    for path in sorted((repo / "solutions" / "nnlib").rglob("*.py")):
        rel = "nnlib/" + path.relative_to(repo / "solutions" / "nnlib").as_posix()
        lines = path.read_text().splitlines(keepends=True)
        out, cursor = [], 0
        for region in find_regions("".join(lines), rel):
            out.extend(lines[cursor:region.begin - 1])
            if region.exercise in solved:
                body = "".join(lines[region.begin:region.end - 1])
                for exercise in bugs:
                    if exercise == region.exercise:
                        good, bad = BUGS[exercise]
                        body = body.replace(good, bad)
                out.append(body)
            else:
                out.append(stub_line(region) + "\n")
            cursor = region.end
        out.extend(lines[cursor:])
        files[rel] = "".join(out)
    if patch:
        files["nnlib/__init__.py"] += patch
    return files


def demo_class(repo: Path, course: Path) -> dict[str, tuple[dict, list[str], float, str]]:
    """student -> (nnlib files, extra code cells, expected lesson points, expected status)."""
    everything = BEFORE | set(THIS)
    half = BEFORE | {"mse.forward", "softmax.forward"}
    hidden = READ_HIDDEN.format(course=course, repo=repo)
    return {
        "s01-complete": (library(repo, everything), [], 7.0, "ok"),
        "s02-partial": (library(repo, half), [], 3.0, "ok"),
        "s03-blank": (library(repo, set()), [], 0.0, "ok"),
        "s04-bug-softmax": (library(repo, everything, ("softmax.forward",)), [], 5.0, "ok"),
        "s05-bug-mse": (library(repo, everything, ("mse.forward",)), [], 6.0, "ok"),
        "s06-raises": (library(repo, everything), ["raise RuntimeError('my plot broke')"],
                       7.0, "ok"),
        "s07-loops": (library(repo, half), ["while True:\n    pass"], 3.0, "timed out"),
        "s08-exits": (library(repo, everything), ["import os\nos._exit(3)"], 7.0,
                      "failed to run"),
        "s09-allclose": (library(repo, BEFORE, patch=ALLCLOSE_PATCH), [ALLCLOSE_PATCH], 0.0,
                         "ok"),
        "s10-transformer": (library(repo, BEFORE), [TRANSFORMER], 0.0, "ok"),
        "s11-reads-hidden": (library(repo, BEFORE), [hidden], 0.0, "ok"),
        # four cells that each loop until the 5 s cell limit: 20 s without a budget
        "s19-loops-everywhere": (library(repo, everything), ["while True:\n    pass"] * 4,
                                 7.0, "timed out"),
    }


def notebook_for(released: Path, extra_cells: list[str], answer: str | None) -> str:
    """The released notebook with ``extra_cells`` before the first graded cell."""
    nb = json.loads(released.read_text())
    cells = nb["cells"]
    first = next(i for i, c in enumerate(cells)
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    for offset, code in enumerate(extra_cells):
        cells.insert(first + offset, {"cell_type": "code", "execution_count": None,
                                      "id": f"extra-{offset}", "metadata": {}, "outputs": [],
                                      "source": code})
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if answer and cell["cell_type"] == "markdown" and meta.get("solution"):
            cell["source"] = answer
    return json.dumps(nb, indent=1)


def write_zip(path: Path, files: dict[str, str | bytes], folder: str = "") -> None:
    """A hand-in zip with ``files`` (optionally inside ``folder``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in files.items():
            archive.writestr(folder + rel, data)
    path.write_bytes(buffer.getvalue())


def make_class_zips(repo: Path, course: Path, out: Path) -> dict[str, tuple[float, str]]:
    """One LMS zip per demo student in ``out``; return student -> (points, status)."""
    out.mkdir(parents=True, exist_ok=True)
    released = repo / "lessons" / LESSON
    expected = {}
    for index, (student, (lib, cells, points, status)) in enumerate(
            demo_class(repo, course).items()):
        files = dict(lib)
        files[LESSON] = notebook_for(released, cells, f"Answer of {student}.")
        files["conftest.py"] = "raise SystemExit('a stray file must never run')\n"
        files["nncourse/__init__.py"] = "def check(*a, **k):\n    print('passed')\n"
        write_zip(out / f"{student}_lesson02.zip", files, "lesson02/" if index % 2 else "")
        expected[student] = (points, status)
    write_zip(out / f"{NO_NOTEBOOK}_lesson02.zip", library(repo, BEFORE | set(THIS)))
    expected[NO_NOTEBOOK] = (7.0, "notebook missing")
    complete = library(repo, BEFORE | set(THIS))
    honest = notebook_for(released, [], "An answer.")
    broken = dict(complete)
    broken["nnlib/__init__.py"] = '"""nnlib."""\ndef oops(:\n    pass\n'
    nb = json.loads(honest)
    graded = next(c for c in nb["cells"]
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "mse-forward")
    graded["source"] = "print('mse.forward passed')  # the check, rewritten"
    uploads = {
        "s15-no-nnlib": {LESSON: honest},
        "s16-broken-import": {**broken, LESSON: honest},
        "s17-corrupt-notebook": {**complete, LESSON: honest[: len(honest) // 2]},
        "s18-tampered": {**complete, LESSON: json.dumps(nb, indent=1)},
    }
    for student, files in uploads.items():
        write_zip(out / f"{student}_lesson02.zip", files)
        expected[student] = BAD_UPLOADS[student][:2]
    return expected
