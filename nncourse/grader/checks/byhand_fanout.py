"""Lesson 09's by-hand question: the gradient of a tiny expression with fan-out.

``c = a * b``, ``d = c + a``, ``L = d * c`` at ``a = 2``, ``b = -1.5``: ``a`` is used by
``c`` and by ``d``, ``c`` by ``d`` and by ``L``. Every value is a central difference of
the expression (or of the part of it after a node, the node's value held as given), so
no derivative is written down here.
"""

from __future__ import annotations

from nncourse.grader.checks.byhand_judge import Question, Slip, Step, slope

FAN = {"a": 2.0, "b": -1.5}


def _c(a: float, v: dict = FAN) -> float:
    return a * v["b"]


def _d(c: float, a: float) -> float:
    return c + a


_C0 = _c(FAN["a"])
_D0 = _d(_C0, FAN["a"])
_DL_DD = lambda: slope(lambda d: d * _C0, _D0)  # noqa: E731 - L as a function of d alone
_DL_DC = lambda: slope(lambda c: _d(c, FAN["a"]) * c, _C0)  # noqa: E731 - both uses of c
_DL_DC_ONE = lambda: slope(lambda c: _D0 * c, _C0)  # noqa: E731 - c's direct use only
_DC_DA = lambda: slope(_c, FAN["a"])  # noqa: E731
_DL_DA = lambda: slope(lambda a: _d(_c(a), a) * _c(a), FAN["a"])  # noqa: E731

FANOUT = Question(
    id="byhand.fanout", answer="dL_da", label="dL/da",
    value=_DL_DA,
    steps=(
        Step("dL_dd", "dL/dd", _DL_DD,
             "the slope of L = d * c with respect to d, c held at its forward value"),
        Step("dL_dc", "dL/dc", _DL_DC,
             "c is used twice, by L directly and by d: add the two shares"),
    ),
    slips=(
        Slip(lambda: _DL_DC_ONE() * _DC_DA() + _DL_DD(), "dL_dc",
             "dL/dd is right; dL/dc has only c's direct use in L: c also feeds d, whose "
             "share dL/dd adds to it"),
        Slip(lambda: _DL_DC() * _DC_DA(), "dL_dd",
             "dL/dc is right; a's direct use in d is missing: a is used by c and by d, so "
             "dL/dd (times the slope 1 of d in a) adds to the share through c"),
        Slip(_DL_DD, "dL_dc",
             "that is only a's direct share through d: the share through c (dL/dc times "
             "the slope of c in a) is missing"),
        Slip(lambda: _DL_DC_ONE() * _DC_DA(), "dL_dc",
             "both fan-outs lost a share: c feeds L and d, a feeds c and d; each node's "
             "gradient adds the shares of all its uses"),
    ),
    combine="dL/da = dL/dc times the slope of c in a, plus dL/dd times the slope of d in a",
)
