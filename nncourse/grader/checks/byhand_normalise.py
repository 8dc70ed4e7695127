"""By-hand question of lesson 11: batch normalisation of one feature over a batch of three.

Kept beside ``byhand.py`` (which holds the other lessons' questions and the ``QUESTIONS``
table that lists this one too) so that each file stays short. As there, every value is
computed from the question's forward definitions, never from a stored result.
"""

from __future__ import annotations

import math

from nncourse.grader.checks.byhand_judge import Question, Slip, Step

# One feature over a batch of three examples, x = (1, 4, 4), gamma = 3, beta = 1, eps = 0:
# the output of the first example, out_1 = gamma * x_hat_1 + beta.
BATCH = {"x": (1.0, 4.0, 4.0), "gamma": 3.0, "beta": 1.0}


def _mean(xs=BATCH["x"]) -> float:
    return sum(xs) / len(xs)


def _var(ddof: int = 0, xs=BATCH["x"]) -> float:
    return sum((x - _mean(xs)) ** 2 for x in xs) / (len(xs) - ddof)


def _x_hat(var: float | None = None, root=math.sqrt) -> float:
    return (BATCH["x"][0] - _mean()) / root(_var() if var is None else var)


def _out(x_hat: float) -> float:
    return BATCH["gamma"] * x_hat + BATCH["beta"]


BATCHNORM_VALUE = Question(
    id="byhand.batchnorm", answer="out_1", label="out_1",
    value=lambda: _out(_x_hat()),
    steps=(
        Step("mu", "the batch mean", _mean, "the mean of the three values of the feature"),
        Step("var", "the batch variance", _var,
             "the mean of the squared deviations from the batch mean: divide by the number "
             "of examples, N = 3"),
        Step("x_hat_1", "x_hat_1", _x_hat,
             "the first example's deviation from the mean, divided by the square root of the "
             "variance (eps = 0)"),
    ),
    slips=(
        Slip(lambda: _out(_x_hat(_var(ddof=1))), "var",
             "the variance was divided by N - 1 = 2; batch normalisation divides by N = 3"),
        Slip(lambda: _out(_x_hat(root=lambda v: v)), "x_hat_1",
             "the deviation was divided by the variance; divide by its square root (the "
             "standard deviation)"),
        Slip(_x_hat, "product", "your number is x_hat_1: scale it by gamma and shift it by "
             "beta"),
        Slip(lambda: BATCH["gamma"] * (_x_hat() + BATCH["beta"]), "product",
             "beta was added before the scaling: out_1 = gamma x_hat_1 + beta"),
    ),
    combine="out_1 = gamma times x_hat_1, plus beta",
)
