"""Is a verdict independent of the seed: right code passes at 50 seeds, a bug fails at each?

The checks draw their inputs from seeded generators. A check that false-alarms for an
unlucky draw (an input next to a ReLU kink, a tiny gradient entry) or lets a bug through
for a lucky one would make a grade depend on luck. Here every exercise's hidden variant
is replaced by the same sizes at 50 other seeds.
"""

import pytest
from bugzoo import ALTERNATIVES, BUGS, apply

from nncourse.grader import hidden
from nncourse.grader.api import grade_package
from nncourse.grader.registry import EXERCISES

SEEDS = range(50)
SEEDED = sorted(ex for ex, variants in hidden.HIDDEN.items() if variants)
CHUNK = 10  # seeds per grading run: one run's answers stay well under a worker's file limit


def set_seeds(monkeypatch, exercises, seeds):
    """Each exercise's hidden variants become its first hidden variant at ``seeds``."""
    for exercise in exercises:
        first = hidden.HIDDEN[exercise][0]
        monkeypatch.setitem(hidden.HIDDEN, exercise,
                            [{**first, "seed": 7000 + seed} for seed in seeds])


@pytest.fixture
def fifty_seeds(monkeypatch):
    """Every exercise's hidden variants at all 50 seeds, in one run."""
    set_seeds(monkeypatch, SEEDED, SEEDS)


def test_the_reference_passes_every_exercise_at_fifty_seeds(monkeypatch, root):
    for start in range(0, len(SEEDS), CHUNK):
        set_seeds(monkeypatch, SEEDED, SEEDS[start:start + CHUNK])
        report = grade_package(root / "solutions", exercises=SEEDED, hidden=True)
        failed = {row["id"]: row["message"] for row in report["exercises"]
                  if row["status"] != "passed"}
        assert not failed, f"seeds {start}..{start + CHUNK - 1}"
        assert report["score"] == sum(EXERCISES[ex].points for ex in SEEDED)


@pytest.mark.parametrize("variant", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_a_correct_alternative_passes_at_fifty_seeds(variant, fifty_seeds, tmp_path):
    report = grade_package(apply(variant, tmp_path), exercises=[variant.exercise], hidden=True)
    row = report["exercises"][0]
    assert row["status"] == "passed", row["message"]


# Bugs whose effect depends on the drawn data (which entries a mask keeps): each must fail
# at every one of the 50 seeds, graded one seed at a time with no public variant, so the
# verdict rests on the seeded draw alone.
DATA_DEPENDENT = ["relu mask from dout", "relu backward zeroes dout in place"]


@pytest.mark.parametrize("name", DATA_DEPENDENT)
def test_a_data_dependent_bug_fails_at_each_seed(name, monkeypatch, tmp_path):
    variant = next(b for b in BUGS if b.name == name)
    parent = apply(variant, tmp_path)
    first = hidden.HIDDEN[variant.exercise][0]
    monkeypatch.setattr(EXERCISES[variant.exercise].load_check(), "public", [])
    verdicts = set()
    for seed in SEEDS:
        monkeypatch.setitem(hidden.HIDDEN, variant.exercise, [{**first, "seed": 7000 + seed}])
        report = grade_package(parent, exercises=[variant.exercise], hidden=True)
        verdicts.add((report["exercises"][0]["status"], report["score"]))
    assert verdicts in ({("failed", 0)}, {("error", 0)})
