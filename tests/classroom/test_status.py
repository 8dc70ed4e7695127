"""``nncourse status``: right on a fresh course, after a pass and a failure, never stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import students
from common import ROOT

from nncourse.cli import main
from nncourse.grader import api, progress
from nncourse.grader.registry import GRADED
from nncourse.handin import is_expected
from nncourse.student import status as status_module
from nncourse.student.status import CACHE, status


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A student's course folder as the bundle gives it: lessons and nnlib stubs."""
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def write_library(workspace: Path, solved: set[str], bugs: tuple[str, ...] = ()) -> None:
    """Fill in the reference of ``solved`` (with ``bugs``), every other exercise a stub."""
    for rel, text in students.library(ROOT, solved, bugs).items():
        (workspace / rel).write_text(text)


def states(result) -> dict[str, str]:
    return {row["id"]: result.state(row["id"]) for row in result.rows}


def no_grading(*args, **kwargs):
    raise AssertionError("the public checks ran although nothing changed")


def test_a_fresh_course_is_all_not_started_and_a_second_run_is_cached(workspace,
                                                                      monkeypatch):
    first = status(path=workspace)
    assert states(first) == {exercise: "not started" for exercise in GRADED}
    assert not first.cached and (workspace / progress.FOLDER / CACHE).is_file()
    monkeypatch.setattr(api, "grade_package", no_grading)
    second = status(path=workspace)
    assert second.cached and states(second) == states(first)
    assert "verdicts reused" in second.summary()


def test_one_exercise_done_is_passed_and_the_rest_not_started(workspace):
    write_library(workspace, {"data.one_hot"})
    found = states(status(path=workspace))
    assert found.pop("data.one_hot") == "passed"
    assert set(found.values()) == {"not started"}


def test_a_failing_exercise_shows_its_diagnosis_and_hints_used(workspace, capsys):
    write_library(workspace, {"mse.forward"}, bugs=("mse.forward",))
    data = progress.load(workspace)
    progress.entry_of(data, "mse.forward")["hints_seen"] = 1
    progress.save(workspace, data)
    assert main(["status", "--lesson", "2", "--path", str(workspace)]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(ln for ln in lines if "mse.forward" in ln)
    # a stub of its own needs no words; one blocked by another's stub names it
    assert next(ln for ln in lines if " softmax.forward" in ln).split()[2:] == [
        "not", "started", "0/3"]
    assert row.split()[:4] == ["02", "mse.forward", "failing", "1/3"]
    assert "Likely bug:" in row and "sum" in row.lower()  # the diagnosis, on one line


def test_an_edit_is_checked_again_never_read_from_the_cache(workspace):
    assert status(lesson=0, path=workspace).state("data.one_hot") == "not started"
    write_library(workspace, {"data.one_hot"})
    done = status(lesson=0, path=workspace)
    assert not done.cached and done.state("data.one_hot") == "passed"
    data = workspace / "nnlib" / "data.py"
    data.write_text(data.read_text().replace("Y[np.arange(len(y)), y] = 1.0",
                                             "Y[np.arange(len(y)), y] = 2.0"))
    broken = status(lesson=0, path=workspace)
    assert not broken.cached and broken.state("data.one_hot") == "failing"


def test_a_grader_change_or_a_corrupt_cache_is_checked_again(workspace, monkeypatch):
    status(lesson=0, path=workspace)
    monkeypatch.setattr(status_module, "cache_key", lambda folder: "another grader")
    assert not status(lesson=0, path=workspace).cached
    (workspace / progress.FOLDER / CACHE).write_text("{not json")
    assert not status(lesson=0, path=workspace).cached


def test_a_lesson_without_exercises_is_refused_clearly(workspace, capsys):
    assert main(["status", "--lesson", "12", "--path", str(workspace)]) == 2
    assert "no graded exercise in lesson 12" in capsys.readouterr().err


def test_the_cache_is_never_handed_in():
    assert not is_expected(f"{progress.FOLDER}/{CACHE}", "00_welcome.ipynb")
