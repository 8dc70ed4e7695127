"""Checks of ``numerical_gradient`` and ``rel_error``.

``numerical_gradient`` is run on grader-owned functions whose gradients are known in
closed form: ``f(x) = sin(x) * c + x**2`` with an upstream ``dout`` (gradient
``dout * (cos(x) * c + 2 x)``) and the scalar ``f(x) = sum(x**3 * c)`` (gradient
``3 x**2 c``), on a 2-D and a 1-D ``x``, and the same scalar function reading ``x`` from
its enclosing scope (as ``check_module`` does), which only an in-place perturbation of
``x`` reaches. Central differences with ``h = 1e-5`` agree to
about ``1e-9``; one-sided differences (recomputed here) only to about ``1e-5``, and a
result close but not that close (a much smaller or larger ``h``) are named. ``x`` must
be unchanged afterwards. ``rel_error`` is compared with the reference on a few pairs,
including two zero arrays (0, not NaN).
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import compare
from nncourse.grader.checks.base import Call, Check, Failure, require


def one_sided(call, side: int, h: float = 1e-5) -> np.ndarray:
    """The one-sided difference (f(x + side h) - f(x)) / (side h) of the call's function."""
    x, c = call.inputs["x"], call.inputs["c"]
    step = side * h
    if "dout" in call.inputs:
        f = lambda v: np.sin(v) * c + v**2  # noqa: E731
        return call.inputs["dout"] * (f(x + step) - f(x)) / step
    return ((x + step) ** 3 - x**3) * c / step


class NumericalGradient(Check):
    """The student's ``numerical_gradient`` against closed-form gradients."""

    public = [{"seed": 8, "n": 3, "d": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        shape = (variant["n"], variant["d"])
        x, c, dout = (rng.standard_normal(shape) for _ in range(3))
        x1, c1 = rng.standard_normal(variant["d"] + 1), rng.standard_normal(variant["d"] + 1)
        return [Call("numerical_gradient", {"kind": "array"}, {"x": x, "c": c, "dout": dout}),
                Call("numerical_gradient", {"kind": "scalar"}, {"x": x1, "c": c1}),
                Call("numerical_gradient", {"kind": "closure"}, {"x": x1, "c": c1})]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for call, result in zip(calls, got, strict=False):
            result = require(result, "numerical_gradient")
            x, c = call.inputs["x"], call.inputs["c"]
            if "dout" in call.inputs:
                expected = call.inputs["dout"] * (np.cos(x) * c + 2 * x)
                what = "numerical_gradient(f, x, dout=dout) for f(x) = sin(x) * c + x**2"
            elif call.args["kind"] == "scalar":
                expected = 3 * x**2 * c
                what = "numerical_gradient(f, x) for the scalar f(x) = sum(x**3 * c)"
            else:
                expected = 3 * x**2 * c
                what = ("numerical_gradient(f, x) for an f that ignores its argument and "
                        "reads x from its enclosing scope (as check_module does)")
            grad = result["grad"]
            nm.check_shape(grad, x.shape, what)
            if not nm.close(grad, expected, rtol=1e-7, atol=1e-9):
                code = None
                if any(nm.close(grad, one_sided(call, side), 1e-6, 1e-8) for side in (1, -1)):
                    code = "forward_difference"
                elif any(nm.close(grad, one_sided(call, side) / 2, 1e-6, 1e-8)
                         for side in (1, -1)):
                    code = "second_point_at_x"
                elif nm.close(grad, expected, 2e-2, 1e-3):
                    code = "step_size"
                if call.args["kind"] == "closure" and not np.any(grad):
                    code = "perturbed_copy"
                compare(grad, expected, what, variant, rtol=1e-7, atol=1e-9,
                        inputs=[("x", x)], diagnosis=code)
            after = result["x_after"]  # put back to its old values (to rounding)
            if after.shape != x.shape or not nm.close(after, x, rtol=1e-12, atol=1e-300):
                raise Failure("numerical_gradient left x changed; put each entry back after "
                              "perturbing it", "not_restored")
            if int(result["calls"]) < 2 * x.size:
                raise Failure(f"{what}: f was called {int(result['calls'])} times for "
                              f"{x.size} entries; expected two calls per entry")


PAIRS = ["b = a plus noise of size 1e-6", "b = -a", "b unrelated to a", "a = b = 0",
         "a and b of size 1e-8, b = 1.01 a"]
REL_ERROR_FORMULA = ("rel_error(a, b) = ||a - b|| / max(||a|| + ||b||, tiny), with the norms "
                     "of whole arrays (np.linalg.norm): one number for all entries")


class RelError(Check):
    """``rel_error(a, b)`` against the reference."""

    public = [{"seed": 9, "n": 3, "d": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        a = rng.standard_normal((variant["n"], variant["d"]))
        pairs = [(a, a + 1e-6 * rng.standard_normal(a.shape)), (a, -a),
                 (a, rng.standard_normal(a.shape)), (np.zeros(3), np.zeros(3)),
                 (a * 1e-8, a * 1e-8 * 1.01)]
        return [Call("call", {"function": "gradcheck.rel_error", "inputs": ["a", "b"]},
                     {"a": p, "b": q}, want=("out",)) for p, q in pairs]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            result = require(result, "rel_error")
            out = np.asarray(result["out"], dtype=np.float64)
            if out.shape != ():
                raise Failure(f"rel_error returned an array of shape {out.shape}; expected "
                              "one number", "wrong_shape")
            pair = PAIRS[i] if i < len(PAIRS) else "a pair"
            if not np.isfinite(out):
                raise Failure(f"rel_error returned {out} for {pair}; expected a finite number"
                              + (" (0 for two zero arrays: max(..., tiny) in the "
                                 "denominator)" if not np.any(call.inputs["a"]) else ""),
                              "zero_division" if not np.any(call.inputs["a"]) else "not_finite")
            if want is not None and not nm.close(out, want[i]["out"], 1e-9, 1e-15):
                text = f"rel_error(a, b) for {pair} gave {nm.fmt(float(out))}, expected " \
                       f"{nm.fmt(float(want[i]['out']))}\n{REL_ERROR_FORMULA}"
                if variant.public:
                    text += "\n" + nm.show_array("a", call.inputs["a"]) + "\n" + \
                        nm.show_array("b", call.inputs["b"])
                raise Failure(text, denominator_code(out, call.inputs["a"], call.inputs["b"]))


def denominator_code(out, a, b) -> str | None:
    """``one_norm_denominator`` when ``out`` is ``||a - b||`` over ``||a||`` or ``||b||`` alone."""
    norm = np.linalg.norm
    diff = norm(a - b)
    for scale in (norm(a), norm(b)):
        if scale > 0 and nm.close(out, diff / scale, 1e-9, 1e-15):
            return "one_norm_denominator"
    return None


NUMERICAL_GRADIENT = NumericalGradient()
REL_ERROR = RelError()
