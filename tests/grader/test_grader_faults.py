"""A failure of the grader itself is retried once, then reported as the grader's, never a 0.

The faults are injected on the trusted side (this process): the worker's messages fail to
decode with the spurious ``SystemError`` CPython 3.11 once raised there.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_protocol import Cycle  # noqa: E402

from nncourse.grader import engine, grade_command, workers  # noqa: E402
from nncourse.grader.api import grade_package  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LESSON_02 = ["mse.forward", "bce_logits.forward", "softmax.forward", "softmax_ce.forward"]


@pytest.fixture
def submission(tmp_path) -> Path:
    """A correct submission: the reference nnlib, copied."""
    shutil.copytree(ROOT / "solutions" / "nnlib", tmp_path / "sub" / "nnlib")
    return tmp_path / "sub"


def flaky_decode(monkeypatch, failures: int) -> list[int]:
    """Make the first ``failures`` decodes of worker messages raise; count all calls."""
    calls = [0]
    real = workers.decode

    def decode(data):
        calls[0] += 1
        if calls[0] <= failures:
            raise SystemError("AST constructor recursion depth mismatch (injected)")
        return real(data)

    monkeypatch.setattr(workers, "decode", decode)
    engine.REFERENCE_CACHE.clear()
    return calls


def test_a_passing_fault_is_retried_and_graded(submission, monkeypatch):
    calls = flaky_decode(monkeypatch, failures=1)
    report = grade_package(submission, exercises=["mse.forward"], hidden=True)
    assert calls[0] > 1
    assert [r["status"] for r in report["exercises"]] == ["passed"]
    assert report["score"] == report["max_score"]


def test_a_persisting_fault_is_a_grader_error_not_a_zero(submission, monkeypatch, capsys):
    flaky_decode(monkeypatch, failures=10**6)
    report = grade_package(submission, exercises=["mse.forward", "sigmoid.forward"],
                           hidden=True)
    for row in report["exercises"]:
        assert row["status"] == "grader_error" and row["points"] == 0
        assert "the grader itself failed on this exercise (not your code" in row["message"]
        assert "SystemError" in row["message"]
    args = argparse.Namespace(dir=submission, exercise=["mse.forward"], lesson=None,
                              public_only=False, reference=None, json=False)
    assert grade_command.run(args) == 3
    out, err = capsys.readouterr()
    assert "GRADER  mse.forward" in out and "1 not graded because the grader failed" in out
    assert "the grader itself failed on mse.forward (twice)" in err


def test_a_check_that_raises_is_a_grader_error(submission, monkeypatch):
    from nncourse.grader.checks.losses import LossForward

    def broken(*args):
        raise IndexError("a bug in the check")

    monkeypatch.setattr(LossForward, "judge", broken)
    row = grade_package(submission, exercises=["mse.forward"], hidden=True)["exercises"][0]
    assert row["status"] == "grader_error" and "IndexError: a bug in the check" in row["message"]


def test_the_autograde_path_grades_the_reference_200_times_without_a_fault(submission):
    """Reference workers in their thread each time, amid garbage with finalizers."""
    from nncourse.classroom.autograde.grading import grade_submission

    garbage = [Cycle() for _ in range(2000)]  # what a batch process has after nbgrader
    del garbage
    faults = []
    for attempt in range(200):
        engine.REFERENCE_CACHE.clear()
        Cycle()
        result = grade_submission(submission, "02_losses.ipynb", LESSON_02, 2,
                                  ROOT / "solutions")
        faults += [(attempt, e["status"], e["message"][:200]) for e in result["exercises"]
                   if e["status"] != "passed"]
    assert faults == []
