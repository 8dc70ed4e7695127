"""By-hand numeric questions: one number worked with pencil and paper, before the code.

A question gives small numbers (a 2-input neuron, a batch of two examples) and asks for
one derivative, with the steps of its chain as optional extra answers. The student writes
plain numbers into an answer cell; ``nncourse.grader.answer_cells`` reads them from the
cell's *source* (never running it) and ``judge`` compares them here, on the trusted side,
with values this module computes itself: central differences in float64 of the
question's forward functions, so no derivative formula is stored anywhere.

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

    def names(self) -> tuple[str, ...]:
        """Every variable the answer cell may assign: the steps, then the answer."""
        return tuple(s.name for s in self.steps) + (self.answer,)

    def close(self, got: float, want: float) -> bool:
        """Within the tolerance: 1 % of the value, or 1e-3 near zero (3 digits suffice)."""
        return abs(got - want) <= max(self.rtol * abs(want), self.atol)

    def code(self, step: str) -> str:
        """The diagnosis code of a wrong step."""
        return f"byhand:{self.id}:{step}"


# -- lesson 03: a 2-input neuron ------------------------------------------------------------
# z = w1 x1 + w2 x2 + b, a = sigma(z), L = (a - y)^2 / 2 at these numbers:
NEURON = {"x1": 2.0, "x2": -1.0, "w1": 0.5, "w2": 1.0, "b": 0.0, "y": 1.0}


def _z(w1: float, v: dict = NEURON) -> float:
    return w1 * v["x1"] + v["w2"] * v["x2"] + v["b"]


def _loss_of_a(a: float, v: dict = NEURON) -> float:
    return 0.5 * (a - v["y"]) ** 2


_Z0 = _z(NEURON["w1"])
_A0 = sigma(_Z0)
_DL_DA = lambda: slope(_loss_of_a, _A0)  # noqa: E731
_DA_DZ = lambda: slope(sigma, _Z0)  # noqa: E731
_DZ_DW1 = lambda: slope(_z, NEURON["w1"])  # noqa: E731

NEURON_DW1 = Question(
    id="byhand.neuron", answer="dL_dw1", label="dL/dw1",
    value=lambda: slope(lambda w: _loss_of_a(sigma(_z(w))), NEURON["w1"]),
    steps=(
        Step("dL_da", "dL/da", _DL_DA,
             "the slope of L = (a - y)^2 / 2 with respect to a, at the forward value of a"),
        Step("da_dz", "da/dz", _DA_DZ,
             "the sigmoid's slope, taken at the forward value z (not at a)"),
        Step("dz_dw1", "dz/dw1", _DZ_DW1,
             "the slope of z = w1 x1 + w2 x2 + b with respect to w1: which input does w1 "
             "multiply?"),
    ),
    slips=(
        Slip(lambda: _DL_DA() * _DA_DZ(), "dz_dw1",
             "your number is dL/dz: dL/dz is right, the error is in dz/dw1 (the last "
             "factor of the chain is missing)"),
        Slip(lambda: _DL_DA() * _DA_DZ() * NEURON["x2"], "dz_dw1",
             "dL/dz is right, the error is in dz/dw1 (w1 multiplies x1, not x2)"),
        Slip(lambda: _DL_DA() * _DZ_DW1(), "da_dz",
             "dL/da and dz/dw1 are right, the error is in da/dz (the sigmoid's slope is "
             "missing from the chain)"),
        Slip(lambda: _DL_DA() * slope(sigma, _A0) * _DZ_DW1(), "da_dz",
             "dL/da and dz/dw1 are right, the error is in da/dz (the slope was taken at "
             "a instead of at z)"),
        Slip(lambda: -_DL_DA() * _DA_DZ() * _DZ_DW1(), "dL_da",
             "da/dz and dz/dw1 are right, the error is in dL/da (its sign: which way does "
             "L grow when a grows?)"),
        Slip(lambda: 2 * _DL_DA() * _DA_DZ() * _DZ_DW1(), "dL_da",
             "da/dz and dz/dw1 are right, the error is in dL/da (twice too large: what "
             "happens to the 1/2 of L?)"),
    ),
)

# -- lesson 04: dW_11 of a Linear layer on a batch of two -----------------------------------
# out = X W + b with X (2, 2), W (2, 1); the upstream gradient dout = dL/dout is given.
LINEAR = {"X": ((2.0, -1.0), (1.0, 3.0)), "W": (1.0, -1.0), "b": 0.5, "dout": (0.5, -2.0)}


def _out(n: int, w11: float, v: dict = LINEAR) -> float:
    x = v["X"][n]
    return x[0] * w11 + x[1] * v["W"][1] + v["b"]


def _share(n: int) -> Callable[[], float]:
    """Example n's contribution: dL/dout_n1 times d out_n1 / d W_11."""
    return lambda: LINEAR["dout"][n] * slope(lambda w: _out(n, w), LINEAR["W"][0])


def _linear_loss(w11: float, v: dict = LINEAR) -> float:
    """A loss whose gradient with respect to out is dout (L = sum of dout * out)."""
    return sum(v["dout"][n] * _out(n, w11) for n in range(2))


LINEAR_DW = Question(
    id="byhand.linear_dw", answer="dW11", label="dL/dW_11",
    value=lambda: slope(_linear_loss, LINEAR["W"][0]),
    steps=(
        Step("dW11_example1", "example 1's share", _share(0),
             "example 1's path: dL/dout_11 times the slope of out_11 with respect to W_11"),
        Step("dW11_example2", "example 2's share", _share(1),
             "example 2's path: dL/dout_21 times the slope of out_21 with respect to W_11"),
    ),
    slips=(
        Slip(_share(0), "dW11_example2",
             "example 1's share is right, the error is in example 2's: W_11 is used by "
             "every example, so every example adds its share"),
        Slip(lambda: 0.5 * (_share(0)() + _share(1)()), "sum",
             "both shares are right, the error is in combining them: the paths add up "
             "(a sum over the batch; the mean of the loss is already inside dout)"),
        Slip(lambda: sum(LINEAR["dout"][n] * LINEAR["X"][n][1] for n in range(2)),
             "dW11_example1",
             "the error is in the local slope: out_n1 changes with W_11 at the rate of the "
             "input W_11 multiplies, the first feature x_n1"),
        Slip(lambda: sum(LINEAR["dout"][n] * LINEAR["W"][0] for n in range(2)),
             "dW11_example1",
             "the error is in the local slope: the slope of out_n1 with respect to W_11 is "
             "an input, not a weight"),
    ),
)

# -- lesson 10: one SGD step with weight decay ---------------------------------------------
# L = L_data(w) + (lam / 2) w^2 with L_data(w) = (w x - y)^2 / 2; then w_new = w - lr dL/dw.
DECAY = {"w": 2.0, "x": 0.5, "y": 2.0, "lam": 0.1, "lr": 0.5}


def _data_loss(w: float, v: dict = DECAY) -> float:
    return 0.5 * (w * v["x"] - v["y"]) ** 2


def _penalty(w: float, v: dict = DECAY) -> float:
    return 0.5 * v["lam"] * w * w


_DDATA = lambda: slope(_data_loss, DECAY["w"])  # noqa: E731
_DPEN = lambda: slope(_penalty, DECAY["w"])  # noqa: E731
_DTOTAL = lambda: slope(lambda w: _data_loss(w) + _penalty(w), DECAY["w"])  # noqa: E731


def _stepped(gradient: float) -> float:
    return DECAY["w"] - DECAY["lr"] * gradient


WEIGHT_DECAY_STEP = Question(
    id="byhand.weight_decay", answer="w_new", label="w after one step",
    value=lambda: _stepped(_DTOTAL()),
    steps=(
        Step("dLdata_dw", "dL_data/dw", _DDATA,
             "the slope of L_data = (w x - y)^2 / 2 with respect to w, at the given w"),
        Step("dpenalty_dw", "the penalty's slope", _DPEN,
             "the slope of (lam / 2) w^2 with respect to w (what happens to the 1/2?)"),
        Step("dL_dw", "dL/dw", _DTOTAL,
             "the slope of the total loss: the two slopes add"),
    ),
    slips=(
        Slip(lambda: _stepped(_DDATA()), "dpenalty_dw",
             "your number is the step without weight decay: the penalty's slope is missing"),
        Slip(lambda: _stepped(_DDATA() - _DPEN()), "dpenalty_dw",
             "dL_data/dw is right; the penalty's slope has the wrong sign (it pulls w "
             "towards 0, so it is added to the gradient)"),
        Slip(lambda: _stepped(_DDATA() + 2 * _DPEN()), "dpenalty_dw",
             "dL_data/dw is right; the penalty's slope is twice too large (what happens "
             "to the 1/2 of (lam / 2) w^2?)"),
        Slip(lambda: DECAY["w"] + DECAY["lr"] * _DTOTAL(), "dL_dw",
             "dL/dw is right, but the step went uphill: subtract lr times the gradient"),
        Slip(lambda: DECAY["w"] - _DTOTAL(), "dL_dw",
             "dL/dw is right, but the step forgot the learning rate"),
    ),
)

QUESTIONS: dict[str, Question] = {q.id: q for q in (NEURON_DW1, LINEAR_DW, WEIGHT_DECAY_STEP)}

# diagnosis code -> the sentence that addresses it (what a hint says for that step)
STEP_HINTS: dict[str, str] = {
    **{q.code(s.name): f"recheck {s.label}: {s.recheck}" for q in QUESTIONS.values()
       for s in q.steps},
    **{q.code("product"): "every step is right: multiply along the chain once more"
       for q in QUESTIONS.values()},
    "byhand:byhand.linear_dw:sum": "add the shares of the examples; do not average them",
}


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
    intro = f"{question.label} = {got:g} is not right (within 1 %)"
    if wrong is not None:
        names = " and ".join([", ".join(right[:-1]), right[-1]] if len(right) > 1 else right)
        said = f"{names} {'is' if len(right) == 1 else 'are'} right; " if right else ""
        end = "" if wrong.recheck.endswith("?") else "."
        return False, (f"{intro}. {said}the error is in {wrong.label}: recheck "
                       f"{wrong.recheck}{end}"), question.code(wrong.name)
    if len(right) == len(question.steps):
        return False, (f"{intro}. Every step you gave is right; the error is in putting "
                       "them together: multiply along the chain (and add over paths)."), \
            question.code("product")
    for slip in question.slips:
        if question.close(got, slip.value()):
            return False, f"{intro}: {slip.says}.", question.code(slip.step)
    steps = ", ".join(f"{s.name} ({s.label})" for s in question.steps)
    return False, (f"{intro}. Recheck each step; fill in {steps} as well and the check "
                   "will say which one is wrong."), None
