"""The grader end to end: full marks for the reference, nothing for the stubs, stable JSON."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bugzoo import BUGS, apply

from nncourse.grader.check_command import ChecksFailed, check
from nncourse.grader.registry import EXERCISES, GRADED

ROOT = Path(__file__).resolve().parents[2]
NNCOURSE = [sys.executable, "-m", "nncourse.cli"]


def cli(*args, env=None, cwd=ROOT):
    return subprocess.run([*NNCOURSE, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_reference_gets_full_marks_with_hidden_checks():
    done = cli("grade", "solutions", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"score", "max_score", "exercises"}
    # the by-hand questions are graded from solutions/lessons (their model answers)
    assert report["score"] == report["max_score"] == sum(e.points for e in GRADED.values())
    assert sorted(row["id"] for row in report["exercises"]) == sorted(GRADED)
    for row in report["exercises"]:
        assert set(row) >= {"id", "lesson", "points", "max_points", "status", "message"}
        assert row["status"] == "passed", row
    assert report["public_only"] is False


def test_student_package_scores_zero_everything_not_implemented():
    from nncourse.grader.api import grade_package

    report = grade_package(ROOT, hidden=True)
    assert report["score"] == 0
    assert {row["status"] for row in report["exercises"]} == {"not_implemented"}


def test_check_on_stubs_raises_an_assertion_error_with_honest_wording():
    with pytest.raises(AssertionError) as info:
        check("sigmoid.forward", path=ROOT, display=False)
    assert isinstance(info.value, ChecksFailed)
    text = str(info.value.result)
    assert "not implemented" in text and "all tests passed" not in text


def test_public_checks_use_stored_values_and_say_so():
    result = check(lesson=4, path=ROOT / "solutions", display=False)
    assert result.report["public_only"] is True
    assert "all public checks passed" in str(result)
    assert "all tests passed" not in str(result) + result._repr_html_()


def test_check_command_exit_status(tmp_path):
    assert cli("check", "linear.backward", cwd=ROOT / "solutions").returncode == 0
    bug = next(b for b in BUGS if b.exercise == "linear.backward")
    parent = apply(bug, tmp_path)
    done = cli("check", "linear.backward", cwd=parent)
    assert done.returncode == 1
    assert "Likely bug" in done.stdout


def test_grading_is_deterministic_across_hash_seeds_and_order(tmp_path):
    bug = next(b for b in BUGS if b.exercise == "linear.backward")
    parent = apply(bug, tmp_path)
    outputs = {cli("grade", str(parent), "--json", "--lesson", "4",
                   env={"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "12345")}
    assert len(outputs) == 1
    report = json.loads(outputs.pop())
    assert report["score"] < report["max_score"]
    from nncourse.grader.api import grade_package

    ids = [e.id for e in EXERCISES.values() if e.lesson == 4][::-1]
    again = grade_package(parent, exercises=ids)  # the nnlib rows (by-hand ones need a notebook)
    assert ids and {r["id"]: r for r in again["exercises"]} == {
        r["id"]: r for r in report["exercises"] if r["id"] in ids}


def test_hidden_inputs_are_not_shown(tmp_path):
    from nncourse.grader.api import grade_package
    from nncourse.grader.hidden import HIDDEN

    bug = next(b for b in BUGS if b.name == "tanh backward sign")
    parent = apply(bug, tmp_path)
    public = grade_package(parent, exercises=["tanh.backward"], hidden=False)
    assert "x =" in public["exercises"][0]["message"]  # small public inputs are shown
    path = parent / "nnlib" / "activations.py"  # now wrong only on the hidden sizes
    path.write_text(path.read_text().replace(
        "return dout * (out * out - 1.0)",
        "return dout * (1.0 - out * out) * (1 if out.shape[0] < 5 else -1)"))
    hidden = grade_package(parent, exercises=["tanh.backward"], hidden=True)["exercises"][0]
    assert hidden["status"] == "failed" and "hidden" in hidden["message"]
    assert "x =" not in hidden["message"] and not re.search(r"\d\.\d{4}", hidden["message"])
    assert HIDDEN["tanh.backward"]


def test_registry_matches_the_architecture_table():
    table = (ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| (\d\d) \| (.+?) \| (\d+)(?: each)? \|", table, re.M)
    documented = {}
    for lesson, ids, points in rows:
        for exercise in re.findall(r"`([a-z_]+\.[a-z_]+)`", ids):
            documented[exercise] = (int(lesson), int(points))
    assert documented == {e.id: (e.lesson, e.points) for e in GRADED.values()}


def test_stale_stored_values_are_an_error_not_a_silent_pass():
    from nncourse.grader.engine import run_exercises
    from nncourse.grader.expected import load_public
    from nncourse.grader.registry import select

    stored = load_public()
    assert set(stored) == set(EXERCISES)
    stored["linear.forward"] = dict(stored["linear.forward"], digest="0" * 16)
    chosen = select(["linear.forward", "tanh.forward"])
    verdicts = run_exercises(ROOT / "solutions" / "nnlib", chosen, hidden=False, reference=None,
                             stored=stored)
    status = {e.id: v.status for e, v in verdicts}
    assert status == {"linear.forward": "error", "tanh.forward": "passed"}


def test_student_bundle_runs_public_checks_and_refuses_hidden(monkeypatch):
    """Without solutions/ and hidden/ (the student bundle): stored values, public only."""
    from nncourse.grader import api, engine

    monkeypatch.setattr(api, "default_reference_root", lambda: None)
    monkeypatch.setitem(sys.modules, "nncourse.grader.hidden", None)
    report = api.grade_package(ROOT / "solutions", exercises=["sgd.step"], hidden=False)
    assert report["public_only"] and report["score"] == report["max_score"]
    with pytest.raises(engine.GraderError, match="reference|hidden"):
        api.grade_package(ROOT / "solutions", exercises=["sgd.step"], hidden=True)


def test_missing_digits_data_is_an_error_verdict_not_a_crash():
    from nncourse.grader.engine import run_exercises
    from nncourse.grader.registry import select

    verdicts = run_exercises(ROOT / "solutions" / "nnlib", select(["capstone.digits"]),
                             hidden=False, reference=ROOT / "solutions" / "nnlib", datasets=None)
    assert [(e.id, v.status) for e, v in verdicts] == [("capstone.digits", "error")]
    assert "digits" in verdicts[0][1].message


@pytest.mark.parametrize("name", ["DIGITS", "REGULARISED"])
def test_a_capstone_over_its_time_budget_is_told_which_piece_to_vectorise(monkeypatch, name):
    from nncourse.grader.checks import capstone
    from nncourse.grader.engine import run_exercises
    from nncourse.grader.registry import select

    check = getattr(capstone, name)
    monkeypatch.setattr(check, "public", [{**check.public[0], "budget": 1e-4}])
    nnlib = ROOT / "solutions" / "nnlib"
    [(_, verdict)] = run_exercises(nnlib, select([check.exercise]), hidden=False,
                                   reference=nnlib, datasets=nnlib / "datasets")
    assert (verdict.status, verdict.diagnosis) == ("failed", "too_slow"), verdict.message
    assert re.search(r"too slow: \d+\.\d s for one epoch, so 12 epochs would take about",
                     verdict.message)
    assert re.search(r"\. (Linear|ReLU|SoftmaxCrossEntropyLoss|BatchNorm1d|Dropout)\."
                     r"(forward|backward)|SGD\.step", verdict.message)
    assert "vectorise it" in verdict.message


@pytest.mark.parametrize("bug", ["batchnorm eval with the batch statistics",
                                 "batchnorm backward only the direct path"])
def test_capstone_regularised_fails_a_batch_norm_that_hurts_training(tmp_path, bug):
    """Reference passes; eval with the batch's statistics (the test digits come one at a
    time) and a backward without the mean and variance paths fall under the threshold."""
    from nncourse.grader.engine import run_exercises
    from nncourse.grader.registry import select

    reference = ROOT / "solutions" / "nnlib"
    chosen = select(["capstone.regularised"])
    [(_, verdict)] = run_exercises(reference, chosen, hidden=True, reference=reference,
                                   datasets=reference / "datasets")
    assert verdict.status == "passed", verdict.message
    [variant] = [b for b in BUGS if b.name == bug]
    parent = apply(variant, tmp_path)
    [(_, verdict)] = run_exercises(parent / "nnlib", chosen, hidden=True, reference=reference,
                                   datasets=reference / "datasets")
    assert verdict.status == "failed", verdict.message
    assert re.search(r"test accuracy \d+\.\d% after 12 epochs; expected at least 93%",
                     verdict.message)
    assert "batchnorm.forward, batchnorm.backward" in verdict.message


def test_capstone_regularised_passes_correct_alternatives_of_batch_norm_and_dropout(tmp_path):
    from bugzoo import ALTERNATIVES

    from nncourse.grader.api import grade_package

    chosen = [a for a in ALTERNATIVES if a.exercise.startswith(("batchnorm.", "dropout."))]
    assert len(chosen) >= 4
    for i, variant in enumerate(chosen):
        parent = apply(variant, tmp_path / str(i))
        report = grade_package(parent, exercises=["capstone.regularised"], hidden=True)
        [row] = report["exercises"]
        assert row["status"] == "passed", (variant.name, row["message"])
