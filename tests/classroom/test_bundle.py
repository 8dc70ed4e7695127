"""The student bundle: complete, leak-free, installable, and updates never overwrite work."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from common import ROOT

from nncourse.classroom import leaks
from nncourse.classroom.prepare.bundle import BundleError, build
from nncourse.release.markers import find_regions

GIT = ["git", "-c", "user.name=student", "-c", "user.email=student@example.org"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "nnlib-course"
    build(ROOT, out, upto=1)
    return out


def solution_only_lines() -> set[str]:
    """Lines inside solution regions of solutions/nnlib that appear nowhere outside them
    (an oracle independent of leaks.py: line by line, no whitespace folding)."""
    inside, outside = set(), set()
    for path in (ROOT / "solutions" / "nnlib").rglob("*.py"):
        lines = path.read_text().splitlines()
        marked = set()
        for region in find_regions("\n".join(lines), str(path)):
            marked.update(range(region.begin, region.end - 1))
        for number, line in enumerate(lines):
            (inside if number in marked else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= 20}


def lab_arguments(readme: str) -> list[str]:
    """The arguments of the first ``bin/jupyter lab`` command of a README."""
    line = next(ln for ln in readme.splitlines() if "bin/jupyter lab" in ln)
    return shlex.split(line.split("bin/jupyter lab", 1)[1])


def test_bundle_holds_what_students_need(bundle):
    """README, pyproject, stubs, lessons 00-01 only, public grader with expected values?"""
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(bundle).parts}
    assert {"README.md", "pyproject.toml", "nnlib/__init__.py", "nnlib/layers.py",
            "nncourse/cli.py", "nncourse/grader/check_command.py",
            "nncourse/student/submit.py", "nncourse/handin.py", "nncourse/lessons.py",
            "nncourse/isolation/enter.py", "nncourse/grader/inside/server.py"} <= files
    assert sorted(f for f in files if f.startswith("lessons/")) == [
        "lessons/00_welcome.ipynb", "lessons/01_forward_pass.ipynb"]
    assert any(f.startswith("nncourse/grader/public/") for f in files)
    for forbidden in ("nncourse/grader/hidden", "nncourse/release", "solutions",
                      "nncourse/classroom", "nncourse/grader/grade_command.py"):
        assert not any(f.startswith(forbidden) for f in files), forbidden
    readme = (bundle / "README.md").read_text()
    assert "pip install -e ." in readme and "jupyter lab" in readme
    # the same start command as the instructor README's (tests/test_jupyterlab.py runs it):
    # JupyterLab rooted at the course folder, so nnlib/ is in the file browser
    # (but for the instructor's nbgrader settings: students get no nbgrader panels)
    instructor = [a for a in lab_arguments((ROOT / "README.md").read_text())
                  if not a.startswith("--LabApp.app_settings_dir=")]
    assert lab_arguments(readme) == instructor
    assert "nncourse check" in readme and "nncourse submit" in readme


def test_no_solution_or_hidden_text_in_any_file(bundle):
    """Does no file of the bundle (or its zip) hold a solution-only line or hidden content?"""
    secret_lines = solution_only_lines()
    assert len(secret_lines) > 20  # the oracle found the reference's solution lines
    hidden = ROOT / "nncourse" / "grader" / "hidden"
    hidden_lines = {ln.strip() for p in hidden.rglob("*") if p.is_file()
                    and "__pycache__" not in p.parts
                    for ln in p.read_text(errors="replace").splitlines()
                    if len(ln.strip()) >= 25 and not ln.strip().startswith(("#", "import", "from"))}
    texts = {p: leaks.readable(p) for p in bundle.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(bundle).parts}
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        texts.update({Path(n): archive.read(n).decode("utf-8", "replace")
                      for n in archive.namelist()})
    for path, text in texts.items():
        lines = {ln.strip() for ln in text.splitlines()}
        assert not (lines & secret_lines), (path, sorted(lines & secret_lines)[:3])
        assert not (lines & hidden_lines), (path, sorted(lines & hidden_lines)[:3])
        assert not re.search(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)", text), path


def test_a_leak_is_refused(tmp_path):
    """Does building into a folder that holds solution code fail and add nothing?"""
    out = tmp_path / "leaky"
    (out / "nnlib").mkdir(parents=True)
    (out / "nnlib" / "cheat.py").write_text((ROOT / "solutions" / "nnlib" / "losses.py")
                                            .read_text().replace("### ", "# "))
    with pytest.raises(BundleError, match="would leak"):
        build(ROOT, out, upto=0)
    assert not (out / "README.md").exists()


def test_new_release_never_overwrites_student_work(bundle, tmp_path):
    """After a student edits an nnlib file and a notebook, does pulling the next lesson's
    release bring the new notebook and leave both edits alone?"""
    out = tmp_path / "course-repo"
    build(ROOT, out, upto=0)
    clone = tmp_path / "student"
    subprocess.run(["git", "clone", "-q", str(out), str(clone)], check=True)
    edited = clone / "nnlib" / "losses.py"
    edited.write_text(edited.read_text() + "\n# my own helper\nMY_CONSTANT = 42\n")
    nb_path = clone / "lessons" / "00_welcome.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "My notes on lesson 0."
    nb_path.write_text(json.dumps(nb))
    subprocess.run([*GIT, "commit", "-qam", "my work"], cwd=clone, check=True)
    (clone / "nnlib" / "data.py").write_text((clone / "nnlib" / "data.py").read_text()
                                             + "\n# uncommitted edit\n")
    # the stub of a later lesson changed upstream meanwhile: the bundle must keep the old one
    result = build(ROOT, out, upto=2)
    assert "lessons/01_forward_pass.ipynb" in result["added"]
    assert not any(rel.startswith(("nnlib/", "lessons/00")) for rel in result["added"])
    pulled = subprocess.run([*GIT, "pull", "-q", "--no-rebase"], cwd=clone,
                            capture_output=True, text=True)
    assert pulled.returncode == 0, pulled.stderr
    assert (clone / "lessons" / "02_loss.ipynb").is_file()
    assert "MY_CONSTANT = 42" in edited.read_text()
    assert json.loads(nb_path.read_text())["cells"][0]["source"] == "My notes on lesson 0."
    assert "# uncommitted edit" in (clone / "nnlib" / "data.py").read_text()


def reference_body(exercise: str, module: str) -> str:
    """The reference lines of one exercise's region (markers dropped)."""
    lines = (ROOT / "solutions" / "nnlib" / module).read_text().splitlines(keepends=True)
    regions = [r for r in find_regions("".join(lines)) if r.exercise == exercise]
    return "".join(lines[regions[0].begin:regions[0].end - 1])


def test_bundle_installs_in_a_fresh_venv_and_checks(bundle, tmp_path):
    """Does ``pip install -e`` of the bundle give a working ``nncourse check``: exit 1 with
    'not implemented' on the stubs, exit 0 once one reference function is copied in?"""
    venv = tmp_path / "venv"
    # --system-site-packages: numpy comes from the base interpreter (no download); the
    # bundle itself is installed for real, editable, with its own entry point.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "-q", "--no-deps", "-e", str(bundle)], check=True,
                   capture_output=True)
    nncourse = venv / "bin" / "nncourse"
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import nncourse; print(nncourse.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.stdout.strip() == str(bundle / "nncourse" / "__init__.py")
    first = subprocess.run([str(nncourse), "check", "data.one_hot"], cwd=bundle,
                           capture_output=True, text=True)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "not implemented" in first.stdout.lower()
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(bundle), str(work)], check=True)
    data = work / "nnlib" / "data.py"
    stub = next(ln for ln in data.read_text().splitlines() if "data.one_hot" in ln
                and "NotImplementedError" in ln)
    data.write_text(data.read_text().replace(stub + "\n",
                                             reference_body("data.one_hot", "data.py")))
    second = subprocess.run([str(nncourse), "check", "data.one_hot"], cwd=work,
                            capture_output=True, text=True)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "passed" in second.stdout.lower()
