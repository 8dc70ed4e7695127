"""Checks of the activation modules: values, then gradients by finite differences.

Forward: the output against the reference on random inputs (and, for the sigmoid and tanh,
at +-800 where a naive ``exp`` overflows: a NaN, or numpy's overflow warning even where the
value comes out right, fails), the dtype kept for float32, the input unchanged.

Backward: the derivative of the *true* activation (``checks/truth.py``). When the
student's forward agrees with the reference, ``dx`` must match central differences of it
along random directions and the reference; when it does not, the backward is run on the
cache the true forward keeps and must give the reference's ``dx``. Inputs stay at least
0.1 away from the kinks of ReLU and leaky ReLU, so ``x > 0`` and ``x >= 0`` masks agree.
A wrong ``dx`` is compared with the signatures of common bugs, built from the true
forward: without the upstream factor, derivative at the output, a mask from ``dout`` or
reversed, and the derivative of the student's own (wrong) forward.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose
from nncourse.grader.checks.signatures import side_code
from nncourse.grader.checks.truth import (
    CACHE,
    cache_differs,
    explain,
    forward_is_true,
    on_true_forward,
    true_forward_result,
)

SMALL = {"seed": 1, "n": 3, "d": 4}


def no_mutation(result, names, what):
    """``Failure`` if a probe flagged one of ``names`` as changed by the call."""
    for name in names:
        key = f"mutated:{name}"
        if key in result and bool(result[key]):
            raise Failure(f"{what} changed its input '{name}' in place", "mutated_input")


def kept_cache(got, what: str, want=None) -> None:
    """``Failure`` if forward did not keep what backward reads, or kept other values.

    The probe runs the student's backward once after forward (``inside/probes.py``,
    ``cache_missing``); only the provided ``cached`` helper's error counts, so a
    backward not written yet, or wrong, changes nothing here. Where a call reported its
    cache (``report_cache``) and the reference's is known (``want``), an attribute with
    one of the reference's cache names must hold the reference's values: backward is
    graded on the true cache (``checks/truth.py``), so a wrong cache is forward's bug.
    """
    for i, result in enumerate(got):
        if result.ok and "cache_missing" in result and bool(result["cache_missing"]):
            raise Failure(f"{what} gives the right output but does not keep on self what "
                          "backward reads (the backward code given with the exercise "
                          "raised 'needs self.<name>, which forward caches')", "not_cached")
        if result.ok and want is not None and len(want) > i and want[i].ok:
            wrong = cache_differs(result, want[i])
            if wrong:
                raise Failure(f"{what} gives the right output but keeps other values in "
                              f"self.{wrong[0]} than the true forward does (backward will "
                              "read them)", "wrong_cache")


def warning_text(result) -> str:
    """What numpy warned in a watched call (``inside/calling.watched``), or ``""``."""
    if "warning" not in result:
        return ""
    return np.asarray(result["warning"], dtype=np.uint8).tobytes().decode("utf-8", "replace")


def no_overflow(result, what: str, where: str, code: str | None) -> None:
    """``Failure`` if numpy warned (overflow, invalid value, division by 0) inside ``what``.

    Only calls planned with ``watch_warnings`` report it (``inside/calling.watched``).
    """
    if "warning" not in result:
        return
    text = warning_text(result)
    raise Failure(f"{what} made numpy warn '{text}' {where}: the result may look right, but "
                  "only by way of that overflow (or invalid value), which the stable form "
                  "never meets", code)


def compare(got, want, what, variant, *, rtol=1e-7, atol=1e-12, inputs=(), n=None,
            candidates=None, diagnosis=None, fallback=None):
    """``Failure`` with the worst entries (public only) unless ``got`` is close to ``want``.

    Its code: ``diagnosis`` if given, else a known bug (``diagnose``), the error's shape
    (``signatures``) or the wrong side of an input ``x``, else ``fallback``.
    """
    got = np.asarray(got)
    nm.check_shape(got, np.shape(want), what)
    if nm.close(got, want, rtol, atol):
        return
    code = diagnosis or diagnose(got, want, n=n, candidates=candidates)
    x = dict(inputs).get("x")
    if code is None and x is not None:
        code = side_code(got, want, x)
    code = code or fallback
    text = f"{what} differs from the expected values"
    if not np.all(np.isfinite(got)):
        text = f"{what} holds NaN or inf where the expected values are finite"
    if variant.public:
        text += ":\n" + nm.worst_entries(got, want)
        if inputs:
            text += "\n" + "\n".join(nm.show_array(k, v) for k, v in inputs)
    raise Failure(text, code)


class ActivationForward(Check):
    """``forward(x)`` of an activation module against the reference."""

    def __init__(self, module: str, init: dict | None = None, extreme: float | None = None):
        self.module, self.init = module, init or {}
        self.extreme = extreme
        self.public = [SMALL]

    def inputs(self, variant):
        """Inputs of one variant: random, extreme (sigmoid and tanh), and float32."""
        rng = variant.rng()
        x = rng.standard_normal((variant["n"], variant["d"])) * 3.0
        out = [x]
        if self.extreme:
            out.append(np.array([[-self.extreme, -50.0, 0.0, 50.0, self.extreme]]))
        out.append(x.astype(np.float32))
        return out

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        args = {"module": self.module, "init": self.init}
        watch = {**args, "watch_warnings": True}
        calls = [Call("module", watch if i == 1 and self.extreme else args, {"x": x},
                      want=("y",)) for i, x in enumerate(self.inputs(variant))]
        calls[0].inputs["dout_probe"] = np.ones_like(calls[0].inputs["x"])
        calls[0].args = {**calls[0].args, "report_cache": True}
        calls[0].want = ("y", CACHE)
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        name = self.module.split(".")[1]
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            x = call.inputs["x"]
            result = require(result, f"{name}.forward")
            y = result["y"]
            no_mutation(result, ["x"], f"{name}.forward")
            nm.check_shape(y, x.shape, f"{name}.forward(x)")
            if x.dtype.kind == "f" and y.dtype != x.dtype:
                raise Failure(f"{name}.forward turned a {x.dtype} input into {y.dtype}; "
                              f"expected {x.dtype} (keep the input's dtype)",
                              "dtype_changed" if y.dtype.itemsize > x.dtype.itemsize else None)
            if self.extreme and i == 1 and not np.all(np.isfinite(y)):
                raise Failure(f"{name}.forward gives NaN or inf for x = "
                              f"{np.array2string(x)}: got {np.array2string(y)}",
                              f"unstable_{name.lower()}")
            if self.extreme and i == 1:
                no_overflow(result, f"{name}.forward", f"for x = {np.array2string(x)}",
                            f"unstable_{name.lower()}")
            if want is not None:
                rtol = 1e-5 if x.dtype == np.float32 else 1e-7
                a = self.init.get("negative_slope")
                known = {"slope_ignored_default": np.where(x > 0, x, 0.01 * x),
                         "mask_reversed": np.where(x > 0, a * x, x)} if a is not None else {}
                if name == "Sigmoid":  # sigmoid(-x): a sign flipped, or np.where's branches
                    known["sigmoid_reflected"] = 1.0 - want[i]["y"]
                compare(y, want[i]["y"], f"{name}.forward(x)", variant, rtol=rtol,
                        atol=1e-6 if x.dtype == np.float32 else 1e-12, inputs=[("x", x)],
                        candidates=known)
        kept_cache(got, f"{name}.forward", want)


class ActivationBackward(Check):
    """``backward(dout)``: the derivative of the true activation (see ``checks/truth.py``)."""

    def __init__(self, module: str, init: dict | None = None, kinks: bool = False,
                 slope: float | None = None):
        self.module, self.init, self.kinks, self.slope = module, init or {}, kinks, slope
        self.public = [SMALL]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        shape = (variant["n"], variant["d"])
        x = nm.away_from_kinks(rng, shape, 0.1, 1.5) if self.kinks else \
            rng.standard_normal(shape) * 1.5
        dout = rng.standard_normal(shape)
        dirs = nm.directions(rng, shape)
        args = {"module": self.module, "init": self.init, "elementwise_h": nm.H,
                "report_cache": True, "grading_backward": True, "twice": True}
        inputs = {"x": x, "dout": dout, "xs": nm.perturbed(x, dirs)}
        call = Call("module", args, inputs, want=("y", "dx", "ys_elem", "ys_out", CACHE))
        call.dirs = dirs
        calls = [call, on_true_forward(call, 0, "y", ("x", "dout"))]
        if not self.kinks:  # the output's formula fed the input (on the reference: a bug)
            bug = {"module": self.module, "init": self.init, "output_as_input": True}
            calls.append(Call("module", bug, {"x": x, "dout": dout}, want=("dx",),
                              label="bug"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        name = self.module.split(".")[1]
        call, x, dout = calls[0], calls[0].inputs["x"], calls[0].inputs["dout"]
        shown = [("x", x), ("dout", dout)]
        what = f"{name}.backward(dout) (for a random dout)"
        if forward_is_true(got[0], want and want[0], "y", stand_in=got[1]) is False:
            self.judge_on_true_forward(variant, got, want, x, dout, what, shown)
            return
        result = require(got[0], f"{name}.forward/backward")
        # x changed in place by forward is the forward's own check's business (probe: read
        # right after forward), not a reason to fail its backward as well
        no_mutation(result, ["dout"], f"{name}.backward")
        nm.check_shape(result["dx"], x.shape, f"{name}.backward(dout)")
        same_again(result, f"{name}.backward")
        numeric = nm.directional(result["ys"], nm.H, dout)
        analytic = nm.along(result["dx"], call.dirs)
        if want is None:  # no reference here: the student's own forward is all there is
            if nm.close(analytic, numeric, rtol=1e-5, atol=1e-7):
                return
            compare(result["dx"], dout * local_slope(result), what, variant, rtol=1e-5,
                    atol=1e-7, inputs=shown, candidates=self.candidates([result], x, dout))
            raise Failure(f"{name}.backward(dout) does not match central differences of your "
                          "forward along random directions")
        ref = want[0]["dx"]
        if nm.gradient_ok(analytic, numeric, result["dx"], ref, True):
            return
        compare(result["dx"], ref, what, variant, rtol=1e-5, atol=1e-7, inputs=shown,
                candidates=self.candidates(want, x, dout))
        raise Failure(f"{name}.backward(dout) does not match central differences of your "
                      "forward along random directions")

    def judge_on_true_forward(self, variant, got, want, x, dout, what, shown):
        """``Failure`` unless the backward, run on the true forward's cache, gives ``dx``."""
        name = self.module.split(".")[1]
        true = true_forward_result(got[1], f"{name}.backward")
        no_mutation(true, ["dout"], f"{name}.backward")
        nm.check_shape(true["dx"], x.shape, f"{name}.backward(dout)")
        if nm.close(true["dx"], want[0]["dx"], 1e-6, 1e-10):
            try:
                same_again(true, f"{name}.backward")
            except Failure as failure:
                raise explain(failure, name, true) from None
            return
        candidates = self.candidates(want, x, dout)
        if got[0].ok and "ys_elem" in got[0]:
            candidates["follows_own_forward"] = dout * local_slope(got[0])
        try:
            compare(true["dx"], want[0]["dx"], what, variant, rtol=1e-5, atol=1e-7,
                    inputs=shown, candidates=candidates)
        except Failure as failure:
            raise explain(failure, name, true) from None

    def candidates(self, source, x, dout):
        """What common bugs return, from the results ``source`` (the reference's if known).

        Without the upstream factor, the derivative at the output, the output's formula
        fed the input, and for the rectifiers a mask taken from ``dout``, or reversed,
        or the slope left out.
        """
        at_output = (source[0]["ys_out"][0] - source[0]["ys_out"][1]) / (2 * nm.H)
        candidates = {"no_upstream": local_slope(source[0]),
                      "derivative_at_output": dout * at_output}
        if len(source) > 2 and source[2].ok and "dx" in source[2]:
            candidates["formula_at_input"] = source[2]["dx"]
        if self.slope is not None:
            candidates["wrong_mask"] = np.where(dout > 0, dout, self.slope * dout)
            candidates["mask_reversed"] = np.where(x > 0, self.slope * dout, dout)
        if self.slope:  # leaky ReLU: the slope left out, or the default one hard-coded
            candidates["slope_ignored"] = np.where(x > 0, dout, 0.0)
            candidates["slope_ignored_default"] = np.where(x > 0, dout, 0.01 * dout)
        return candidates


def same_again(result, what: str) -> None:
    """``Failure`` if a second backward with the same dout gave another dx."""
    if bool(result.arrays.get("repeat_differs", False)):
        raise Failure(f"{what} called twice with the same dout returned two different "
                      "gradients: it changes what forward cached (an in-place operation on "
                      "a cached array?)", "mutated_cache")


def local_slope(source) -> np.ndarray:
    """The elementwise derivative of ``source``'s forward at x, by central differences."""
    return (source["ys_elem"][0] - source["ys_elem"][1]) / (2 * nm.H)


SIGMOID_FORWARD = ActivationForward("activations.Sigmoid", extreme=800.0)
TANH_FORWARD = ActivationForward("activations.Tanh", extreme=800.0)
RELU_FORWARD = ActivationForward("activations.ReLU")
LEAKY_RELU_FORWARD = ActivationForward("activations.LeakyReLU", {"negative_slope": 0.1})
SIGMOID_BACKWARD = ActivationBackward("activations.Sigmoid")
TANH_BACKWARD = ActivationBackward("activations.Tanh")
RELU_BACKWARD = ActivationBackward("activations.ReLU", kinks=True, slope=0.0)
LEAKY_RELU_BACKWARD = ActivationBackward("activations.LeakyReLU", {"negative_slope": 0.1},
                                         kinks=True, slope=0.1)
