"""Hand-in and collection: what ``submit`` packs or refuses, what ``collect`` takes or refuses."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import students
from common import ROOT

from nncourse.cli import main
from nncourse.handin import SubmissionError, read_zip
from nncourse.student.submit import MANIFEST

NOTEBOOK = "02_loss.ipynb"


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A student's course folder: lessons and nnlib as the bundle gives them."""
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "notes.txt").write_text("not handed in")
    return tmp_path


def test_submit_packs_the_notebook_and_the_whole_nnlib(workspace, capsys):
    """Does the zip hold exactly the lesson notebook and every nnlib .py file?"""
    assert main(["submit", "2", "--dir", str(workspace), "--student", "s42"]) == 0
    out = workspace / "submit" / "s42_lesson02.zip"
    names = set(zipfile.ZipFile(out).namelist())
    wanted = {NOTEBOOK} | {"nnlib/" + p.relative_to(workspace / "nnlib").as_posix()
                           for p in (workspace / "nnlib").rglob("*.py")}
    assert names == wanted | {MANIFEST}
    assert read_zip(out, NOTEBOOK).keys() == wanted  # collect takes all of it back


def manifest_of(path: Path) -> dict:
    return json.loads(zipfile.ZipFile(path).read(MANIFEST))


def test_submit_warns_and_records_what_is_worth_a_word(workspace, capsys):
    """Stubs, an edited check cell, a notebook never run: handed in, each said and kept."""
    path = workspace / "lessons" / NOTEBOOK
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "mse-forward")
    cell["source"] = "print('passed')"
    path.write_text(json.dumps(nb))
    assert main(["submit", "2", "--dir", str(workspace)]) == 0
    captured = capsys.readouterr()
    assert "TODO  mse.forward" in captured.out  # the public checks' table
    for words in ("graded cells edited or deleted: mse-forward",
                  "exercises not implemented yet: mse.forward", f"{NOTEBOOK} was never run"):
        assert f"warning: {words}" in captured.err
    manifest = manifest_of(workspace / "submit" / "lesson02.zip")
    assert manifest["forced"] is False and len(manifest["warnings"]) == 3
    assert manifest["public_checks"]["mse.forward"] == "not_implemented"


@pytest.mark.parametrize("breakage, words", [
    ("syntax", "your nnlib does not compile: nnlib/losses.py line"),
    ("import", "your nnlib does not import: nnlib/__init__.py line 1: ModuleNotFoundError"),
])
def test_submit_refuses_an_nnlib_that_does_not_import(workspace, capsys, breakage, words):
    """Refused with the file and line, nothing written; --force hands it in all the same."""
    if breakage == "syntax":
        losses = workspace / "nnlib" / "losses.py"
        losses.write_text(losses.read_text() + "\ndef oops(:\n")
    else:
        init = workspace / "nnlib" / "__init__.py"
        init.write_text("import a_module_nobody_has\n" + init.read_text())
    assert main(["submit", "2", "--dir", str(workspace)]) == 2
    err = capsys.readouterr().err
    assert f"refused: {words}" in err and "nothing submitted" in err
    assert not (workspace / "submit").exists()
    assert main(["submit", "2", "--dir", str(workspace), "--force"]) == 0
    assert manifest_of(workspace / "submit" / "lesson02.zip")["forced"] is True


@pytest.mark.parametrize("breakage, message", [
    ("no-notebook", "expected the notebook of lesson02"),
    ("no-nnlib", "expected your package"),
    ("bad-json", "is not a valid notebook"),
    ("not-a-notebook", "expected nbformat 4"),
])
def test_submit_refuses_what_is_missing_or_broken(workspace, capsys, breakage, message):
    """Does submit refuse, saying what is wrong, and write no zip?"""
    if breakage == "no-notebook":
        (workspace / "lessons" / NOTEBOOK).unlink()
    elif breakage == "no-nnlib":
        shutil.rmtree(workspace / "nnlib")
    elif breakage == "bad-json":
        (workspace / "lessons" / NOTEBOOK).write_text('{"cells": [')
    else:
        (workspace / "lessons" / NOTEBOOK).write_text('{"hello": 1}')
    assert main(["submit", "2", "--dir", str(workspace)]) == 2
    err = capsys.readouterr().err
    assert "nothing submitted" in err and message in err
    assert not (workspace / "submit").exists()


def zip_bytes(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_zip_takes_only_expected_files(tmp_path):
    """Are stray files (conftest, a fake nncourse, data, caches) ignored, in a folder too?"""
    path = tmp_path / "s1_lesson02.zip"
    path.write_bytes(zip_bytes({
        "work/02_loss.ipynb": b"{}", "work/nnlib/__init__.py": b"", "work/nnlib/x.py": b"1",
        "work/conftest.py": b"boom", "work/nncourse/__init__.py": b"fake",
        "work/nnlib/data.bin": b"\0", "work/nnlib/__pycache__/x.cpython-311.pyc": b"",
        "work/nnlib/.hidden.py": b"", "other/nnlib/y.py": b"2"}))
    assert sorted(read_zip(path, NOTEBOOK)) == ["02_loss.ipynb", "nnlib/__init__.py",
                                                "nnlib/x.py"]


@pytest.mark.parametrize("entries, symlink, message", [
    ({"../evil.py": b"x"}, None, "unsafe path"),
    ({"/abs/nnlib/a.py": b"x"}, None, "unsafe path"),
    ({"nnlib/a.py": b"x"}, "nnlib/link.py", "symbolic link"),
    ({"nnlib/big.py": b"0" * (6 * 2**20)}, None, "too large"),
    ({"nnlib/bomb.py": b"\0" * (3 * 2**20)}, None, "too large"),
    ({"readme.txt": b"hi"}, None, "found neither"),
])
def test_unsafe_zips_are_refused(tmp_path, entries, symlink, message):
    """Are zip-slip paths, links, oversized and bomb-like members refused?"""
    path = tmp_path / "s1.zip"
    path.write_bytes(zip_bytes(entries, symlink))
    with pytest.raises(SubmissionError, match=message):
        read_zip(path, NOTEBOOK)


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "s1.zip"
    path.write_bytes(b"PK but not really")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        read_zip(path, NOTEBOOK)


def test_exchange_round_trip(tmp_path, capsys):
    """Does ``submit --exchange`` reach nbgrader's exchange, and ``collect`` bring back only
    the notebook and nnlib into submitted/?"""
    from nncourse.classroom.prepare.course_folder import setup_course

    course = setup_course(tmp_path / "course", ROOT, tmp_path / "exchange")
    assert main(["assign", "2", "--course", str(course.root)]) == 0
    workspace = tmp_path / "student"
    shutil.copytree(ROOT / "lessons", workspace / "lessons")
    shutil.copytree(ROOT / "nnlib", workspace / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (workspace / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n"
        "c.Exchange.path_includes_course = True\n")
    assert main(["submit", "2", "--dir", str(workspace), "--exchange"]) == 0
    assert main(["collect", "2", "--course", str(course.root)]) == 0
    user = os.environ.get("USER") or __import__("getpass").getuser()
    sub = course.root / "submitted" / user / "lesson02"
    files = sorted(p.relative_to(sub).as_posix() for p in sub.rglob("*") if p.is_file())
    assert NOTEBOOK in files and "nnlib/layers.py" in files
    assert set(files) - {NOTEBOOK, "timestamp.txt", "submission_secret.txt"} == {
        f for f in files if f.startswith("nnlib/") and f.endswith(".py")}
    assert json.loads((sub / NOTEBOOK).read_text())["nbformat"] == 4
    assert students.LESSON == NOTEBOOK
    # graded and returned through the exchange: nbgrader's release_feedback finds the page
    assert main(["autograde", "2", "--course", str(course.root)]) == 0
    assert main(["feedback", "2", "--course", str(course.root)]) == 0
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    released = subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", "lesson02"],
                              cwd=course.root, env=env, capture_output=True, text=True)
    assert released.returncode == 0, released.stderr[-2000:]
    pages = list((tmp_path / "exchange" / "nnlib" / "feedback").glob("*.html"))
    assert len(pages) == 1 and "mse.forward: not_implemented" in pages[0].read_text()
