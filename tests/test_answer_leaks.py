"""Does the student release keep every exercise's answer to itself, and can we tell if not?

The lookup (``tests/answer_leaks.py``) compares expressions by token shape, so these tests
also pin down what counts as "the same expression".
"""

from pathlib import Path

import pytest
from answer_leaks import (
    expression_shape,
    find_leaks,
    reference_expressions,
    region_expressions,
    student_texts,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def expressions():
    return reference_expressions(ROOT / "solutions" / "nnlib")


def test_release_shows_no_solution_expression(expressions):
    """Do the stubs (docstrings included) and every lesson cell keep the answers hidden?"""
    leaks = find_leaks(expressions, student_texts(ROOT))
    shown = "\n".join(f"  {leak.exercise}: {leak.expression!r} in {leak.where}" for leak in leaks)
    assert not leaks, f"the student release shows solution expressions:\n{shown}"


def test_every_exercise_with_arithmetic_has_expressions_to_look_for(expressions):
    """Is the lookup really reading the regions (an empty list would find nothing)?"""
    found = {e.exercise for e in expressions}
    for exercise in ("linear.backward", "sigmoid.backward", "softmax_ce.backward", "adam.step",
                     "train.minibatches", "train.early_stopping"):
        assert exercise in found, exercise


def test_a_planted_leak_in_a_stub_docstring_is_found(expressions):
    """Would a docstring that states the answer, with other variable names, fail the test?"""
    stub = '    def backward(self, g):\n        """Return ``g * (1 - y * y)``."""\n'
    leaks = find_leaks(expressions, {"nnlib/activations.py": stub})
    assert {(leak.exercise, leak.where) for leak in leaks} == {
        ("tanh.backward", "nnlib/activations.py")}


def test_a_planted_leak_in_a_lesson_cell_is_found(expressions):
    """Would a lesson cell that shows a gradient formula in prose fail the test?"""
    cell = "Then add `X.T @ G` into the weight gradient and return `G @ W.T`."
    leaks = {leak.expression for leak in find_leaks(expressions, {"lessons/04 cell 9": cell})}
    # lesson 09's matmul rule is the same product as Linear's dW: found under both
    assert leaks == {"x.T @ dout", "dout @ self.W.value.T", "self.data.T @ dout"}


def test_the_provided_real_release_would_fail_with_the_answer_pasted_in(expressions):
    """The real stub file plus one solution line: found, and named by exercise?"""
    texts = student_texts(ROOT)
    texts["nnlib/train.py"] += "\n# if val_loss < self.best - self.min_delta: improve\n"
    assert {leak.exercise for leak in find_leaks(expressions, texts)} == {"train.early_stopping"}


def test_token_shape_ignores_names_self_and_number_spelling():
    assert expression_shape("dout * out * (1.0 - out)") == expression_shape("g * s * (1 - s)")
    assert expression_shape("self._x.T @ dout") == expression_shape("X.T @ G")
    assert expression_shape("self.W.value.T") == expression_shape("W.T")


def test_token_shape_keeps_what_changes_the_answer():
    """A transpose, a function, a keyword or a repeated variable is part of the answer."""
    assert expression_shape("x.T @ dout") != expression_shape("x @ dout")
    assert expression_shape("np.exp(x) - a") != expression_shape("np.log(x) - a")
    assert expression_shape("e.sum(axis=-1)") != expression_shape("e.sum(keepdims=-1)")
    assert expression_shape("a * a - b") != expression_shape("a * c - b")


def test_prose_is_not_a_call():
    """'dout (N, M)' in a docstring is a variable and its shape, not a call of dout."""
    assert find_leaks(region_expressions("linear.backward", "dW = x.T @ dout\n"),
                      {"doc": "dW += x.T @ dout (D, M)"})


def test_region_expressions_come_from_code_not_comments_or_strings():
    body = ("# the answer is x.T @ dout, written out\n"
            "message = 'expected x.T @ dout here'\n"
            "for i in range(0, n, batch_size):\n"
            "    yield X[i : i + batch_size]\n")
    sources = [e.source for e in region_expressions("demo.part", body)]
    assert sources == ["X[i : i + batch_size]"]  # "i + batch_size" alone is too short


def test_short_or_operator_free_expressions_do_not_count():
    body = "out = np.maximum(x, 0.0)\nreturn dout * (x > 0)\nmask = x > 0\n"
    assert [e.source for e in region_expressions("demo.part", body)] == ["dout * (x > 0)"]
