"""Course set-up and release: the safety settings are there and a leaky release is refused."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from common import ROOT

from nncourse.classroom.autograde import kernel as sandbox
from nncourse.classroom.prepare.course_folder import setup_course, student_files
from nncourse.cli import main
from nncourse.isolation import mounts


@pytest.fixture
def course(tmp_path):
    return setup_course(tmp_path / "course", ROOT, tmp_path / "exchange", timeout=7)


def nbgrader_config(course):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()


def test_each_lesson_is_an_assignment_with_only_its_notebook(course):
    """Is every solutions/lessons notebook an assignment lessonNN whose source/ holds that
    notebook and nothing else (no .py that nbgrader would copy or overwrite with)?"""
    notebooks = sorted(p.name for p in (ROOT / "solutions" / "lessons").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(course.lessons.values()) == notebooks
    for lesson, name in course.lessons.items():
        files = [p for p in (course.root / "source" / lesson).rglob("*") if p.is_file()]
        assert [p.name for p in files] == [name]
        assert lesson == f"lesson{name[:2]}"
    assert stat.S_IMODE(course.root.stat().st_mode) == 0o700


def test_config_handles_the_nbgrader_pitfalls(course):
    """Does nbgrader_config.py set each setting the facts note calls for?"""
    c = nbgrader_config(course)
    exclude = c.Autograde.exclude_overwriting
    nnlib_files = student_files(ROOT)
    assert "nnlib/layers.py" in nnlib_files
    assert all(exclude[lesson] == nnlib_files for lesson in course.lessons)
    assert c.OverwriteCells.add_missing_cells is True
    preprocessors = c.GenerateFeedback.preprocessors
    assert "nbgrader.preprocessors.ClearHiddenTests" in preprocessors
    assert preprocessors.index("nbgrader.preprocessors.ClearHiddenTests") < preprocessors.index(
        "nncourse.classroom.results.verdict_cells.WorkerVerdicts")
    assert c.Execute.timeout == 7 and c.Execute.kernel_name == sandbox.KERNEL_NAME
    assert c.Exchange.root == str(course.exchange) and course.exchange.is_dir()
    spec = course.root / "nncourse" / "jupyter" / "kernels" / sandbox.KERNEL_NAME / "kernel.json"
    assert "nncourse.classroom.autograde.kernel" in spec.read_text()


def test_setup_again_removes_stray_source_files(course):
    """Does re-running setup remove a .py someone dropped into source/ (it would be copied
    into the release and over students' files)?"""
    stray = course.root / "source" / "lesson02" / "nnlib" / "losses.py"
    stray.parent.mkdir()
    stray.write_text("x = 1\n")
    setup_course(course.root, ROOT, course.exchange)
    assert not stray.exists() and not stray.parent.exists()


def test_assign_refuses_a_release_with_solution_text(course, capsys):
    """If a solution .py reaches source/ anyway, does assign fail loudly and withdraw the
    release from the course and the exchange?"""
    leak = course.root / "source" / "lesson02" / "nnlib" / "losses.py"
    leak.parent.mkdir()
    shutil.copyfile(ROOT / "solutions" / "nnlib" / "losses.py", leak)
    assert main(["assign", "2", "--course", str(course.root)]) == 2
    err = capsys.readouterr().err
    assert "NOT released" in err and "unexpected file in the release: nnlib/losses.py" in err
    assert "marker" in err or "holds text of" in err
    assert not (course.root / "release" / "lesson02").exists()
    assert not (course.exchange / "nnlib" / "outbound" / "lesson02").exists()


def test_closed_folders_above_the_interpreter_are_found(tmp_path):
    """Does the sandbox find folders other users cannot enter above a path?"""
    inner = tmp_path / "closed" / "open" / "python"
    inner.mkdir(parents=True)
    os.chmod(tmp_path / "closed", 0o700)
    assert tmp_path / "closed" in mounts.closed_ancestors(inner)
    os.chmod(tmp_path / "closed", 0o755)
    assert tmp_path / "closed" not in mounts.closed_ancestors(inner)


def test_sandbox_hides_course_repo_and_hidden_checks(tmp_path):
    """Are the course folder, the repository and grader/hidden hidden, with the nncourse
    package kept visible?"""
    course = tmp_path / "course"
    course.mkdir()
    hide, keep = mounts.hidden_and_kept(course, ROOT)
    assert course.resolve() in hide and ROOT in hide
    assert (ROOT / "nncourse" / "grader" / "hidden") in hide
    assert ROOT / "nncourse" in keep
    assert not any(k == ROOT or ROOT.is_relative_to(k) for k in keep)
    assert Path(sandbox.__file__).is_relative_to(ROOT / "nncourse")
