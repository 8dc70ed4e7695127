"""Does every exercise have a ladder of hints that gives no answer away, and does it unlock?"""

import json
import re
import shutil
from pathlib import Path

import pytest
from answer_leaks import find_leaks, reference_expressions

from nncourse import atomic, cli
from nncourse.grader import hints, progress
from nncourse.grader.check_command import ChecksFailed, check
from nncourse.grader.registry import GRADED

ROOT = Path(__file__).resolve().parents[2]
CODE_LIKE = re.compile(r"\bnp\.|\bself\.\w|\breturn \w+ *[-+*/@(\[.]|\+=|-=|\bdef\b|"
                       r"\bfor \w+ in\b|\[\s*:|\.sum\(|\.T\b|\blambda\b|\bimport\b")


def test_every_graded_exercise_has_two_or_three_hints_and_nothing_else_has_any():
    assert set(hints.LADDERS) == set(GRADED)
    for exercise, ladder in hints.LADDERS.items():
        assert 2 <= len(ladder) <= 3, exercise
        assert all(isinstance(h, str) and len(h) > 20 for h in ladder), exercise
        assert len(set(ladder)) == len(ladder), f"{exercise}: a hint repeats"


def test_no_hint_shows_a_solution_expression():
    """The answer-leak lookup of the release, run over every hint (token shape, renamings),
    the ladders and the sentences that address a diagnosed bug alike."""
    from nncourse.grader.checks.diagnose import HINTS

    texts = {f"hint {i + 1} of {ex}": h for ex, ladder in hints.LADDERS.items()
             for i, h in enumerate(ladder)}
    texts.update({f"the hint of bug {code}": text for code, text in HINTS.items()})
    leaks = find_leaks(reference_expressions(ROOT / "solutions" / "nnlib"), texts)
    assert not leaks, "\n".join(f"{leak.exercise}: {leak.expression!r} in {leak.where}"
                                for leak in leaks)


def test_no_hint_reads_like_a_line_of_code():
    for exercise, ladder in hints.LADDERS.items():
        for text in ladder:
            assert not CODE_LIKE.search(text), f"{exercise}: {text!r}"


def test_the_leak_lookup_would_catch_a_hint_that_gives_the_code():
    planted = {"hint": "Use dout * (1.0 - out * out) and you are done."}
    found = find_leaks(reference_expressions(ROOT / "solutions" / "nnlib"), planted)
    assert {leak.exercise for leak in found} == {"tanh.backward"}


def rows(exercise, status, diagnosis=None):
    return [{"id": exercise, "status": status, "diagnosis": diagnosis}]


def test_the_ladder_unlocks_in_order_and_a_pass_resets_it(tmp_path):
    ladder = hints.ladder("relu.forward")
    assert progress.after_check(tmp_path, rows("relu.forward", "failed")) == {}
    for rung in range(1, len(ladder) + 2):
        shown = progress.after_check(tmp_path, rows("relu.forward", "failed"))
        top = min(rung, len(ladder))
        assert shown == {"relu.forward": f"Hint {top}/{len(ladder)}: {ladder[top - 1]}"}
    assert progress.after_check(tmp_path, rows("relu.forward", "passed")) == {}
    assert "relu.forward" not in progress.load(tmp_path)["exercises"]
    assert progress.after_check(tmp_path, rows("relu.forward", "failed")) == {}  # fresh


def test_not_implemented_and_grader_faults_are_no_attempt(tmp_path):
    for _ in range(3):
        progress.after_check(tmp_path, rows("mse.forward", "not_implemented"))
        progress.after_check(tmp_path, rows("mse.forward", "grader_error"))
    assert not progress.path_of(tmp_path).exists()  # nothing changed, nothing written


def test_a_diagnosed_bug_is_addressed_instead_of_the_ladder(tmp_path):
    progress.after_check(tmp_path, rows("linear.backward", "failed", "transposed"))
    shown = progress.after_check(tmp_path, rows("linear.backward", "failed", "transposed"))
    assert "likely bug named above" in shown["linear.backward"]
    assert progress.load(tmp_path)["exercises"]["linear.backward"]["hints_seen"] == 0
    first = progress.next_hint(tmp_path, "linear.backward")
    assert "transposed" in first  # the diagnosis's own sentence, once
    assert progress.next_hint(tmp_path, "linear.backward").startswith("Hint 1/3:")


def test_a_corrupt_progress_file_is_rebuilt_with_a_warning(tmp_path):
    path = progress.path_of(tmp_path)
    path.parent.mkdir()
    path.write_text('{"exercises": {"relu.forward": {"attempts": "many"')
    with pytest.warns(UserWarning, match="could not be read; it was rebuilt"):
        data = progress.load(tmp_path)
    assert data["exercises"] == {}
    assert json.loads(path.read_text())["exercises"] == {}
    assert path.with_name("progress.json.corrupt").read_text().startswith('{"exercises"')


def test_the_progress_file_is_replaced_whole_never_written_in_place(tmp_path, monkeypatch):
    progress.after_check(tmp_path, rows("relu.forward", "failed"))
    before = progress.path_of(tmp_path).read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError):
        progress.after_check(tmp_path, rows("relu.forward", "failed"))
    assert progress.path_of(tmp_path).read_text() == before
    assert [p.name for p in progress.path_of(tmp_path).parent.iterdir()] == ["progress.json"]


def test_nncourse_hint_prints_the_next_hint(tmp_path, capsys):
    (tmp_path / "nnlib").mkdir()
    (tmp_path / "nnlib" / "__init__.py").write_text("")
    ladder = hints.ladder("sgd.step")
    for number in (1, 2):
        assert cli.main(["hint", "sgd.step", "--path", str(tmp_path)]) == 0
        assert capsys.readouterr().out.strip() == \
            f"sgd.step: Hint {number}/{len(ladder)}: {ladder[number - 1]}"
    assert cli.main(["hint", "no.such", "--path", str(tmp_path)]) == 2
    assert "unknown exercise" in capsys.readouterr().err


def test_check_unlocks_hints_on_a_wrong_module_and_resets_on_a_correct_one(tmp_path):
    """check() itself: a wrong relu.forward twice, then three times, then the right one."""
    shutil.copytree(ROOT / "solutions" / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    source = tmp_path / "nnlib" / "activations.py"
    right = source.read_text()
    assert right.count("return np.maximum(x, 0.0)") == 1
    source.write_text(right.replace("return np.maximum(x, 0.0)", "return np.abs(x)"))
    seen = []
    for _ in range(3):
        with pytest.raises(ChecksFailed) as info:
            check("relu.forward", path=tmp_path, display=False)
        row = info.value.result.report["exercises"][0]
        # |x| is right for x > 0 only: a generic code, so the ladder answers it
        assert row["diagnosis"] == "wrong_for_negative", row
        seen.append(row.get("hint"))
        assert str(info.value.result).count("Hint") == (row.get("hint") is not None)
    ladder = hints.ladder("relu.forward")
    assert seen == [None, f"Hint 1/3: {ladder[0]}", f"Hint 2/3: {ladder[1]}"]
    source.write_text(right)
    assert check("relu.forward", path=tmp_path, display=False).passed
    assert progress.load(tmp_path)["exercises"] == {}
