"""Do the Gradescope and PrairieLearn exports grade as the platforms run them?

The harness plays the platform: it lays out Gradescope's ``/autograder`` (``source/`` is
the unzipped autograder, ``submission/`` the upload) or PrairieLearn's ``/grade``
(``tests/`` from the question, ``student/`` the upload) in a temporary root, runs the
real entrypoint scripts from the export (the trusted side imports the exported grader
tree, with its trimmed hidden checks and reference), and checks each ``results.json``
against the fields the platforms document (schemas below) and against
``nncourse grade`` on the same submission. Lesson 01 keeps it quick.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from nncourse.grader.hidden import HIDDEN

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "nnlib"
LESSON = 1

# Gradescope, "Autograder Specifications": top-level and per-test fields.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE = {
    "type": "object",
    "required": ["score", "execution_time", "stdout_visibility", "tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "visibility": VISIBILITY,
        "stdout_visibility": {"const": "hidden"},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "status", "output", "visibility"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"}, "number": {"type": "string"},
                "score": {"type": "number", "minimum": 0},
                "max_score": {"type": "number", "minimum": 0},
                "status": {"enum": ["passed", "failed"]},
                "output": {"type": "string"}, "visibility": VISIBILITY,
                "tags": {"type": "array"}, "extra_data": {"type": "object"},
            }}},
    },
}
# PrairieLearn, "External Grading" > "Grading results".
PRAIRIELEARN = {
    "type": "object",
    "required": ["gradable", "score", "tests"],
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"}, "output": {"type": "string"},
        "format_errors": {"type": ["string", "array"]},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "points", "max_points", "message", "output"],
            "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "points": {"type": "number", "minimum": 0},
                "max_points": {"type": "number", "minimum": 0},
                "message": {"type": "string"}, "output": {"type": "string"},
            }}},
    },
}
HIDDEN_ONLY_BUG = ("        out = x @ self.W.value\n",
                   "        out = x @ self.W.value\n        if len(x) > 15:\n"
                   "            return out\n")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    base = tmp_path_factory.mktemp("exports")
    nncourse = [sys.executable, "-m", "nncourse.cli", "export"]
    subprocess.run(nncourse + ["gradescope", str(LESSON), "-o", str(base / "ag.zip")],
                   check=True, capture_output=True)
    subprocess.run(nncourse + ["prairielearn", str(LESSON), "-o", str(base / "pl")],
                   check=True, capture_output=True)
    return base


def reference(folder: Path) -> Path:
    shutil.copytree(SOLUTIONS, folder / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def buggy(folder: Path) -> Path:
    reference(folder)
    path = folder / "nnlib" / "layers.py"
    path.write_text(path.read_text().replace(*HIDDEN_ONLY_BUG))
    return folder


def stubs(folder: Path) -> Path:
    shutil.copytree(ROOT / "nnlib", folder / "nnlib", ignore=shutil.ignore_patterns(
        "__pycache__"))
    return folder


def hostile(folder: Path, code: str) -> Path:
    reference(folder)
    (folder / "nnlib" / "__init__.py").write_text(code)
    return folder


def as_submit_zip(folder: Path, dest: Path) -> Path:
    """The upload as ``nncourse submit`` packs it, inside one top folder."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest / "lesson01.zip", "w") as archive:
        archive.writestr("lesson01/01_layers.ipynb", "{}")
        for path in sorted((folder / "nnlib").rglob("*.py")):
            archive.write(path, "lesson01/" + path.relative_to(folder).as_posix())
    return dest


def grade_json(folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "nncourse.cli", "grade", str(folder),
                           "--lesson", str(LESSON), "--json"], capture_output=True, text=True)
    return json.loads(done.stdout)


def environment(grader: Path, **extra: str) -> dict:
    env = dict(os.environ, NNCOURSE_PYTHON=sys.executable, PYTHONPATH=str(grader),
               NNCOURSE_REFERENCE=str(grader / "solutions"), **extra)
    return env


def run_gradescope(exports: Path, root: Path, fill) -> dict:
    with zipfile.ZipFile(exports / "ag.zip") as archive:
        archive.extractall(root / "source")
    fill(root / "submission")
    (root / "submission").mkdir(parents=True, exist_ok=True)
    env = environment(root / "source" / "grader", NNCOURSE_GRADESCOPE_ROOT=str(root))
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, cwd=root,
                   check=True, capture_output=True, timeout=60)
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, GRADESCOPE)
    return data


def run_prairielearn(exports: Path, root: Path, fill) -> dict:
    question = exports / "pl" / "questions" / f"nnlibLesson{LESSON:02d}"
    shutil.copytree(question / "tests", root / "tests")
    fill(root / "student")
    (root / "student").mkdir(parents=True, exist_ok=True)
    env = environment(exports / "pl" / "grader", NNCOURSE_PRAIRIELEARN_ROOT=str(root))
    subprocess.run(["sh", str(exports / "pl" / "grader" / "nncourse-prairielearn")], env=env,
                   cwd=root, check=True, capture_output=True, timeout=60)
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, PRAIRIELEARN)
    return data


def student_texts(data: dict) -> list[str]:
    texts = [data.get("message", ""), data.get("output", "")]
    return texts + [t.get(k, "") for t in data["tests"] for k in ("output", "message")]


def assert_clean(data: dict) -> None:
    """No container or scratch path, no hidden variant's input in anything shown."""
    seeds = {str(v["seed"]) for variants in HIDDEN.values() for v in variants}
    for text in student_texts(data):
        for bad in ("/tmp", "nncourse-worker", "/autograder", "/grade/", "nncourse-platform"):
            assert bad not in text, text
        assert not any(f"seed {s}" in text or f"seed={s}" in text for s in seeds), text


SUBMISSIONS = {
    "reference": lambda d: reference(d),
    "buggy": lambda d: buggy(d),
    "stubs": lambda d: stubs(d),
    "import calls os._exit": lambda d: hostile(d, "import os\nos._exit(3)\n"),
}


@pytest.mark.parametrize("kind", list(SUBMISSIONS))
def test_gradescope_scores_as_nncourse_grade(exports, tmp_path, kind):
    """Gradescope: the score and per-exercise points are those of ``nncourse grade``."""
    made = SUBMISSIONS[kind](tmp_path / "made")
    want = grade_json(made)
    zipped = kind in ("reference", "buggy")  # the submit zip for some, nnlib/ for others
    fill = (lambda d: as_submit_zip(made, d)) if zipped else (
        lambda d: shutil.copytree(made, d))
    data = run_gradescope(exports, tmp_path / "autograder", fill)
    assert data["score"] == want["score"]
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    assert [t["score"] for t in visible] == [r["points"] for r in want["exercises"]]
    assert [t["name"] for t in visible] == [f"lesson 01: {r['id']}" for r in want["exercises"]]
    assert_clean(data)
    if kind == "buggy":  # a hidden failure: scored now, its details after publication
        later = [t for t in data["tests"] if t["visibility"] == "after_published"]
        assert [t["name"] for t in later] == ["lesson 01: linear.forward (hidden check details)"]
        assert later[0]["max_score"] == 0 and "hidden check" in later[0]["output"]
        assert "published" in next(t for t in visible if "linear" in t["name"])["output"]
    if kind == "import calls os._exit":
        assert data["score"] == 0 and "does not import" in data["output"]


def upload_of(name: str, data: bytes):
    """A platform upload folder holding one file ``name``."""
    def fill(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)

    return fill


def test_gradescope_upload_without_nnlib_says_so(exports, tmp_path):
    data = run_gradescope(exports, tmp_path / "autograder", upload_of("notes.txt", b"forgot"))
    assert data["score"] == 0 and "no nnlib found" in data["output"]
    assert all(t["score"] == 0 and t["status"] == "failed" for t in data["tests"])
    assert_clean(data)


def test_gradescope_corrupt_zip_says_so(exports, tmp_path):
    data = run_gradescope(exports, tmp_path / "autograder",
                          upload_of("lesson01.zip", b"PK\x03\x04 this is not a zip"))
    assert data["score"] == 0 and "not a readable zip" in data["output"]
    assert_clean(data)


def test_gradescope_zip_slip_is_refused(exports, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("nnlib/__init__.py", "")
        archive.writestr("../../evil.py", "print('out')")
    data = run_gradescope(exports, tmp_path / "autograder",
                          upload_of("lesson01.zip", buffer.getvalue()))
    assert data["score"] == 0 and "unsafe path in zip" in data["output"]
    assert not (tmp_path / "evil.py").exists()
    assert_clean(data)


def test_gradescope_import_that_never_ends_is_graded_zero(exports, tmp_path):
    made = hostile(tmp_path / "made", "while True:\n    pass\n")
    data = run_gradescope(exports, tmp_path / "autograder", lambda d: shutil.copytree(made, d))
    assert data["score"] == 0 and "does not import" in data["output"]
    assert_clean(data)


def test_gradescope_worker_memory_fits_the_container(exports, tmp_path):
    """A 1 GiB array (more than the 768 MB container could give) is that exercise's error."""
    made = reference(tmp_path / "made")
    path = made / "nnlib" / "activations.py"
    marker = "### BEGIN SOLUTION relu.forward\n"
    text = path.read_text()
    indent = text.split(marker)[0].rsplit("\n", 1)[1]
    path.write_text(text.replace(marker, f"{marker}{indent}_big = np.ones(2**27)\n"))
    data = run_gradescope(exports, tmp_path / "autograder", lambda d: shutil.copytree(made, d))
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["lesson 01: relu.forward"]
    assert "MemoryError" in failed[0]["output"]


@pytest.mark.parametrize("kind", ["reference", "buggy", "stubs", "import calls os._exit"])
def test_prairielearn_scores_as_nncourse_grade(exports, tmp_path, kind):
    """PrairieLearn: score = points / max_points of ``nncourse grade``, from the submit zip."""
    made = SUBMISSIONS[kind](tmp_path / "made")
    want = grade_json(made)
    data = run_prairielearn(exports, tmp_path / "grade", lambda d: as_submit_zip(made, d))
    assert data["gradable"] is True
    assert data["score"] == pytest.approx(want["score"] / want["max_score"])
    assert [(t["name"], t["points"], t["max_points"]) for t in data["tests"]] == [
        (r["id"], r["points"], r["max_points"]) for r in want["exercises"]]
    assert_clean(data)


def test_prairielearn_corrupt_upload_is_not_gradable(exports, tmp_path):
    data = run_prairielearn(exports, tmp_path / "grade", upload_of("lesson01.zip", b"garbage"))
    assert data["gradable"] is False and "not a readable zip" in data["format_errors"][0]
    assert_clean(data)


def test_prairielearn_question_declares_external_grading(exports):
    question = exports / "pl" / "questions" / f"nnlibLesson{LESSON:02d}"
    info = json.loads((question / "info.json").read_text())
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    assert options["enabled"] is True and options["enableNetworking"] is False
    assert options["entrypoint"] == "/usr/local/bin/nncourse-prairielearn"
    assert "<pl-file-upload" in (question / "question.html").read_text()
    assert "nncourse-prairielearn" in (exports / "pl" / "grader" / "Dockerfile").read_text()


def test_exports_ship_only_the_chosen_lessons(exports):
    """The hidden checks and the reference answers of later lessons are not shipped."""
    with zipfile.ZipFile(exports / "ag.zip") as archive:
        names = set(archive.namelist())
        hidden = archive.read("grader/nncourse/grader/hidden/__init__.py").decode()
        layers = archive.read("grader/solutions/nnlib/layers.py").decode()
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "nncourse-platform.json"} <= names
    assert not any("jupyter" in n or "/release/" in n for n in names)
    assert "linear.forward" in hidden and "linear.backward" not in hidden
    assert "BEGIN SOLUTION linear.forward" in layers
    assert "BEGIN SOLUTION linear.backward" not in layers
    assert "Exercise linear.backward" in layers  # a stub in its place
    assert "jupyter" not in setup and "install.sh" in setup


def docker_works() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.mark.skipif(not docker_works(), reason="no Docker engine on this machine")
def test_the_grading_image_builds_and_grades_offline(exports, tmp_path):
    grader = exports / "pl" / "grader"
    subprocess.run(["docker", "build", "-t", "nnlib-grader-test", str(grader)], check=True)
    root = tmp_path / "grade"
    shutil.copytree(exports / "pl" / "questions" / "nnlibLesson01" / "tests", root / "tests")
    as_submit_zip(reference(tmp_path / "made"), root / "student")
    subprocess.run(["docker", "run", "--rm", "--network", "none", "--memory", "768m",
                    "--cpus", "0.5", "-v", f"{root}:/grade", "nnlib-grader-test"], check=True)
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, PRAIRIELEARN)
    assert data["score"] == 1.0
