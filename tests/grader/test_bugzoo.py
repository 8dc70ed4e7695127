"""Does the grader tell right from wrong, on the right exercise, naming the bug?"""

import pytest
from bugzoo import ALTERNATIVES, BUGS, apply

from nncourse.grader.api import grade_package


def grade(variant, tmp_path, extra=()):
    parent = apply(variant, tmp_path)
    report = grade_package(parent, exercises=[variant.exercise, *extra], hidden=True)
    return {row["id"]: row for row in report["exercises"]}


@pytest.mark.parametrize("variant", BUGS, ids=[b.name for b in BUGS])
def test_bug_loses_points_on_its_exercise(variant, tmp_path):
    rows = grade(variant, tmp_path, variant.still_passes)
    row = rows[variant.exercise]
    assert row["status"] in ("failed", "error"), row
    assert row["points"] == 0
    if variant.diagnosis:
        assert row["diagnosis"] == variant.diagnosis, row["message"]
    for other in variant.still_passes:  # one bug costs its points once
        assert rows[other]["status"] == "passed", rows[other]


def test_the_zoo_is_large_and_mostly_diagnosed():
    assert len(BUGS) >= 30
    assert sum(b.diagnosis is not None for b in BUGS) >= 20


@pytest.mark.parametrize("variant", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_correct_alternative_gets_full_marks(variant, tmp_path):
    row = grade(variant, tmp_path)[variant.exercise]
    assert row["status"] == "passed", row["message"]
    assert row["points"] == row["max_points"]
