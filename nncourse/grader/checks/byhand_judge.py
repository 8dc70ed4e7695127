"""How a by-hand answer is judged: the question's parts and the step a wrong answer points to.

The questions themselves (their numbers and forward functions) are in ``byhand.py``; this
module holds what every question shares: the central difference that gives each value
without a stored derivative formula, the logistic function, the ``Question`` / ``Step`` /
``Slip`` records and ``judge``.

A wrong answer is told which step to recheck: from the steps the student gave (the first
wrong one, with the right ones before it named), else from the final number alone when it
equals a classic slip (a factor left out, a sign, a mean instead of a sum).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

H = 1e-6


def slope(f: Callable[[float], float], at: float) -> float:
    """The central difference of ``f`` at ``at`` (error about 1e-12 for these questions)."""
    return (f(at + H) - f(at - H)) / (2 * H)


def sigma(z: float) -> float:
    """The logistic function, written through tanh (stable at any z)."""
    return 0.5 * (1.0 + math.tanh(0.5 * z))


@dataclass(frozen=True)
class Step:
    """One intermediate answer: its variable, its symbol and what to recheck when wrong."""

    name: str
    label: str
    value: Callable[[], float]
    recheck: str


@dataclass(frozen=True)
class Slip:
    """A classic wrong final answer, and the step it points to."""

    value: Callable[[], float]
    step: str
    says: str


@dataclass(frozen=True)
class Question:
    """A by-hand question: the final answer's variable, its steps, its known slips."""

    id: str
    answer: str
    label: str
    value: Callable[[], float]
    steps: tuple[Step, ...]
    slips: tuple[Slip, ...]
    rtol: float = 0.01
    atol: float = 1e-3
    combine: str = "multiply along the chain (and add over paths)"

    def names(self) -> tuple[str, ...]:
        """Every variable the answer cell may assign: the steps, then the answer."""
        return tuple(s.name for s in self.steps) + (self.answer,)

    def close(self, got: float, want: float) -> bool:
        """Within the tolerance: 1 % of the value, or 1e-3 near zero (3 digits suffice)."""
        return abs(got - want) <= max(self.rtol * abs(want), self.atol)

    def code(self, step: str) -> str:
        """The diagnosis code of a wrong step."""
        return f"byhand:{self.id}:{step}"


def judge(question: Question, answers: dict[str, float]) -> tuple[bool, str, str | None]:
    """``(passed, message, diagnosis code)`` for the numbers read from the answer cell.

    ``answers`` maps the variables found to their numbers (missing ones are absent).
    """
    want = question.value()
    got = answers.get(question.answer)
    if got is None:
        return False, (f"no number for {question.answer} found: write "
                       f"'{question.answer} = <number>' in the answer cell"), None
    if question.close(got, want):
        return True, f"{question.label} = {got:g} is right", None
    right, wrong = [], None
    for step in question.steps:
        if step.name not in answers:
            continue
        if question.close(answers[step.name], step.value()):
            right.append(step.label)
        elif wrong is None:
            wrong = step
    within = f"within {question.rtol:.0%}".replace("%", " %") if question.rtol else "exactly"
    intro = f"{question.label} = {got:g} is not right ({within})"
    if wrong is not None:
        names = " and ".join([", ".join(right[:-1]), right[-1]] if len(right) > 1 else right)
        said = f"{names} {'is' if len(right) == 1 else 'are'} right; " if right else ""
        end = "" if wrong.recheck.endswith("?") else "."
        return False, (f"{intro}. {said}the error is in {wrong.label}: recheck "
                       f"{wrong.recheck}{end}"), question.code(wrong.name)
    if len(right) == len(question.steps):
        return False, (f"{intro}. Every step you gave is right; the error is in putting "
                       f"them together: {question.combine}."), \
            question.code("product")
    for slip in question.slips:
        if question.close(got, slip.value()):
            return False, f"{intro}: {slip.says}.", question.code(slip.step)
    steps = ", ".join(f"{s.name} ({s.label})" for s in question.steps)
    return False, (f"{intro}. Recheck each step; fill in {steps} as well and the check "
                   "will say which one is wrong."), None
