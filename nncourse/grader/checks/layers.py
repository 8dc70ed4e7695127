"""Checks of ``Linear`` and ``Sequential``.

``linear.forward``: ``forward(x)`` with given ``W`` and ``b`` against the reference, for a
batch and for a single row. ``linear.backward``: ``dx``, ``W.grad`` and ``b.grad``
against central differences of the student's own forward along random directions and
coordinates (all coordinates on the small public sizes) and against the reference when
the forward agrees; when it does not, against the reference alone (the true derivative:
``Linear.backward`` needs only the cached input, which a wrong forward still keeps, so
no stand-in cache is needed); a second ``backward`` must double the gradients (they
accumulate). ``Sequential`` is checked with grader-owned stand-in modules (a scale, a
row reversal, a square), never with the student's layers, so a bug elsewhere does not
cost these points; the stand-ins log their calls, which shows the order.
"""

from __future__ import annotations

import re

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import compare, kept_cache, no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose
from nncourse.grader.checks.truth import (
    CACHE,
    explain,
    forward_is_true,
    on_true_forward,
    true_forward_result,
)
from nncourse.grader.protocol import LOG_MARK


def linear_args(d, m, twice=False):
    """Probe arguments building ``Linear(d, m)`` with ``W`` and ``b`` set from inputs."""
    return {"module": "layers.Linear", "init_args": [d, m], "init": {"rng": True},
            "params": ["W", "b"], "twice": twice}


def linear_inputs(variant, n=None):
    """Random ``x`` (n, d), ``W`` (d, m) and ``b`` (m,) of a variant."""
    rng = variant.rng()
    n, d, m = n or variant["n"], variant["d"], variant["m"]
    return {"x": rng.standard_normal((n, d)), "param:W": rng.standard_normal((d, m)),
            "param:b": rng.standard_normal(m)}


class LinearForward(Check):
    """``Linear.forward`` against the reference."""

    public = [{"seed": 2, "n": 3, "d": 4, "m": 2}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        args = linear_args(variant["d"], variant["m"])
        calls = [Call("module", args, linear_inputs(variant), want=("y",)),
                 Call("module", args, linear_inputs(variant, n=1), want=("y",))]
        calls[0].inputs["dout_probe"] = np.ones((variant["n"], variant["m"]))
        calls[0].args = {**args, "report_cache": True}
        calls[0].want = ("y", CACHE)
        # a float32 layer (Linear(..., dtype=np.float32)) on float32 x computes in float32
        single = {**args, "init": {**args["init"], "dtype": "float32"}}
        calls.append(Call("module", single, {k: v.astype(np.float32) for k, v in
                                             linear_inputs(variant).items()}, want=("y",)))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            result = require(result, "Linear.forward")
            no_mutation(result, ["x"], "Linear.forward")
            if call.inputs["x"].dtype == np.float32 and result["y"].dtype != np.float32:
                raise Failure("Linear.forward of a float32 layer turned a float32 x into "
                              f"{result['y'].dtype}; keep the layer's dtype", "dtype_changed")
            n = call.inputs["x"].shape[0]
            nm.check_shape(result["y"], (n, variant["m"]), "Linear.forward(x)")
            if want is not None:
                x, W = call.inputs["x"], call.inputs["param:W"]
                single = call.inputs["x"].dtype == np.float32
                compare(result["y"], want[i]["y"], "Linear.forward(x)", variant,
                        rtol=1e-5 if single else 1e-9, atol=1e-6 if single else 1e-12,
                        inputs=[(k.replace("param:", ""), v) for k, v in call.inputs.items()],
                        candidates={"bias_missing": x @ W})
        kept_cache(got, "Linear.forward", want)


class LinearBackward(Check):
    """``Linear.backward``: finite differences, reference, accumulation."""

    public = [{"seed": 3, "n": 3, "d": 4, "m": 2}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng(1)
        d, m = variant["d"], variant["m"]
        inputs = linear_inputs(variant)
        inputs["dout"] = rng.standard_normal((variant["n"], m))
        dirs = {}
        for name, key in (("x", "x"), ("W", "param:W"), ("b", "param:b")):
            dirs[name] = nm.directions(rng, inputs[key].shape)
            inputs["xs" if name == "x" else f"{name}s"] = nm.perturbed(inputs[key], dirs[name])
        call = Call("module", {**linear_args(d, m, twice=True), "report_cache": True,
                               "grading_backward": True}, inputs,
                    want=("y", "dx", "grad:W", "grad:b", CACHE))
        call.dirs = dirs
        return [call, on_true_forward(call, 0, "y", ("x", "dout"))]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        call, result = calls[0], got[0]
        true = forward_is_true(result, want and want[0], "y", 1e-9, got[1])
        if true is not False and not result.ok and result.error_type == "ValueError" and \
                "broadcast" in result.error:
            raise Failure(f"Linear.backward raised {result.describe_error()}",
                          broadcast_code(result.error), status="error")
        n, d, m = variant["n"], variant["d"], variant["m"]
        if true is False:
            own = {key: {"follows_own_forward": result[key]} for name, key, ys_key in (
                ("x", "dx", "ys"), ("W", "grad:W", "ys:W"), ("b", "grad:b", "ys:b"))
                if result.ok and mirrors_own_forward(result, key, ys_key, call, name)}
            gradients_on_true_forward(variant, true_forward_result(got[1], "Linear.backward"),
                                      want[0], GRADIENT_LABELS, "Linear", n, own)
            return
        result = require(result, "Linear.forward/backward")
        dout = call.inputs["dout"]
        # x changed in place by forward is the forward's own check's business
        no_mutation(result, ["dout"], "Linear.backward")
        shapes = {"dx": (n, d), "grad:W": (d, m), "grad:b": (m,)}
        for key, shape in shapes.items():
            got_shape = tuple(np.shape(result[key]))
            if key == "grad:b" and got_shape in ((n, m), (1, m), (n,)):
                raise Failure(f"b.grad has shape {got_shape}, expected {shape}",
                              "bias_not_summed")
            nm.check_shape(result[key], shape, "dx" if key == "dx" else key[5:] + ".grad")
        matches = None if want is None else nm.close(result["y"], want[0]["y"], 1e-9, 1e-12)
        names = {"x": ("dx", "ys"), "W": ("grad:W", "ys:W"), "b": ("grad:b", "ys:b")}
        for name, (grad_key, ys_key) in names.items():
            dirs = call.dirs[name]
            numeric = nm.directional(result[ys_key], nm.H, dout)
            analytic = nm.along(result[grad_key], dirs)
            ref = None if want is None else want[0][grad_key]
            if nm.gradient_ok(analytic, numeric, result[grad_key], ref, matches):
                continue
            label = "dx" if name == "x" else f"{name}.grad"
            candidates = {"no_upstream": nm.directional(result[ys_key], nm.H, np.ones_like(dout))}
            if name == "b":
                candidates["bias_not_summed"] = nm.along(np.full(m, dout.sum()), dirs)
                for row in (dout[0], dout[-1]):
                    candidates.setdefault("bias_not_summed_row", nm.along(row, dirs))
            code = diagnose(analytic, numeric, n=n, candidates=candidates)
            if code == "bias_not_summed_row":
                code = "bias_not_summed"
            raise Failure(differences_text(label, "", result[grad_key], numeric, dirs,
                                           call, ("x", "param:W", "dout"), variant), code)
        accumulates(result, ("W", "b"))


GRADIENT_LABELS = {"dx": "dx", "grad:W": "W.grad", "grad:b": "b.grad"}


def mirrors_own_forward(result, key, ys_key, call, name) -> bool:
    """True when gradient ``key`` matches central differences of the student's own forward."""
    return np.shape(result[ys_key])[1:] == np.shape(call.inputs["dout"]) and nm.close(
        nm.along(result[key], call.dirs[name]),
        nm.directional(result[ys_key], nm.H, call.inputs["dout"]), rtol=1e-5, atol=1e-7)


def gradients_on_true_forward(variant, true, reference, labels: dict, module: str,
                              n: int | None = None, candidates: dict | None = None) -> None:
    """``Failure`` unless a stand-in call's gradients are the reference's (``truth.py``).

    ``labels`` maps result keys to what the student reads (``{"grad:W": "W.grad"}``);
    ``candidates`` optionally maps a key to the known bugs' results for ``diagnose``.
    On the true cache as on the student's own: ``dout`` left as it was, and a second
    backward doubles each parameter's gradient.
    """
    try:
        no_mutation(true, ["dout"], f"{module}.backward")
        for key, label in labels.items():
            nm.check_shape(true[key], np.shape(reference[key]), label)
            compare(true[key], reference[key], label, variant, rtol=1e-6, atol=1e-10, n=n,
                    candidates=(candidates or {}).get(key))
        accumulates(true, [k[5:] for k in labels if k.startswith("grad:")
                           and f"grad2:{k[5:]}" in true])
    except Failure as failure:
        raise explain(failure, module, true) from None


def differences_text(label, mode, grad, numeric, dirs, call, shown, variant) -> str:
    """The failure text of a gradient that central differences of the forward disagree with.

    With the worst entries and the inputs ``shown`` when the variant is public and every
    coordinate was probed; ``mode`` qualifies the forward (" in training mode").
    """
    text = (f"{label} does not match central differences of your forward{mode} (for a "
            "random dout)")
    if variant.public and len(dirs) == np.prod(np.shape(grad)):
        text += ":\n" + nm.worst_entries(grad, numeric.reshape(np.shape(grad)))
        text += "\n" + "\n".join(nm.show_array(k.replace("param:", ""), call.inputs[k])
                                 for k in shown)
    return text


def accumulates(result, names) -> None:
    """``Failure`` unless a second backward with the same dout doubled each ``<name>.grad``."""
    for name in names:
        once, twice = result[f"grad:{name}"], result[f"grad2:{name}"]
        if not nm.close(twice, 2 * once, 1e-9, 1e-12):
            raise Failure(f"after a second backward with the same dout, {name}.grad should "
                          f"be twice the first one (gradients accumulate), got "
                          f"{'the same values' if nm.close(twice, once) else 'other values'}",
                          "overwrote_grad")


SPECS = [["scale", "a0", False], ["reverse"], ["square"], ["scale", "a1", False],
         ["scale", "a0", True]]


def calls_text(log: list[int]) -> str:
    """The stand-ins' call log (10 * module + 1 forward / 2 backward) in words."""
    return ", ".join(f"{'forward' if v % 10 == 1 else 'backward'} of module {v // 10}"
                     for v in log) or "none"


class SequentialCheck(Check):
    """``Sequential.forward`` (and ``backward``) over logging stand-in modules.

    ``sequential.backward`` is graded on the true forward: when the student's forward
    calls the stand-ins in another order or feeds them other inputs, a second call
    (``true_forward``) gives each stand-in the input the true forward feeds it (from the
    reference's call) before the student's backward runs, and only that call counts.
    """

    def __init__(self, backward: bool):
        self.backward = backward
        self.public = [{"seed": 4, "n": 3, "d": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng(2 if self.backward else 0)
        n, d = variant["n"], variant["d"]
        inputs = {"x": rng.standard_normal((n, d)), "a0": rng.uniform(0.5, 2.0, d),
                  "a1": rng.uniform(-2.0, -0.5, d)}
        if self.backward:
            inputs["dout"] = rng.standard_normal((n, d))
            want = ("y", "dx", "grads", "log", CACHE)
            calls = [Call("sequential", {"modules": SPECS, "report_cache": True,
                                         "grading_backward": True}, inputs, want=want),
                     Call("sequential", {"modules": SPECS, "true_forward": True}, inputs,
                          want=("dx", "grads"), fill=(0, (CACHE,)), label="true_forward")]
        else:
            want = ("y", "log")
            calls = [Call("sequential", {"modules": SPECS}, inputs, want=want),
                     Call("sequential", {"modules": SPECS[:1]}, dict(inputs), want=want)]
        # on the reference: the last module alone on x, what a loop that feeds every
        # module the original input returns
        calls.append(Call("sequential", {"modules": SPECS[-1:]}, {"x": inputs["x"], "a0":
                          inputs["a0"]}, want=("y",), label="last_alone"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        if self.backward and self.forward_is_true(got, want) is False:
            self.judge_on_true_forward(variant, calls[1], got[1], want[1])
            return
        what = "Sequential.backward" if self.backward else "Sequential.forward"
        alone = None if want is None else want[-1]["y"]
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            if call.label in ("last_alone", "true_forward"):
                continue
            result = require(result, what)
            if not self.backward:  # x changed by forward is the forward's own business
                no_mutation(result, ["x"], "Sequential.forward")
            log = [int(v) for v in result["log"]]
            count = len(call.args["modules"])
            forward_log = [10 * k + 1 for k in range(count)]
            forwards, backwards = split_log(log)
            if forwards != forward_log:
                raise Failure(f"forward should call the {count} modules once each, first to "
                              f"last; the calls were: {calls_text(forwards)}",
                              order_code(forwards, forward_log))
            if self.backward:
                backward_order(backwards, count)
            if want is None:
                continue
            compare(result["y"], want[i]["y"], f"{what}: the output", variant, rtol=1e-9,
                    candidates={"original_input": alone} if count > 1 else None)
            if self.backward:
                backward_values(result, want[i], call, variant)

    @staticmethod
    def forward_is_true(got, want) -> bool | None:
        """False when the student's forward raised or called or fed the stand-ins otherwise.

        None without the reference's results to compare with.
        """
        if want is None:
            return None
        own = got[0]
        if not own.ok:  # in forward, or in backward on what that forward left (as above)
            return own.error_type != "ForwardFailed" and not (len(got) > 1 and got[1].ok)
        forwards, _ = split_log([int(v) for v in own["log"]])
        return forwards == [10 * k + 1 for k in range(len(SPECS))] and \
            nm.close(own["y"], want[0]["y"], 1e-9, 1e-12)

    @staticmethod
    def judge_on_true_forward(variant, call, result, want):
        """``Failure`` unless the backward is right after the stand-ins got true inputs.

        Right: its calls last module first, ``dx`` and the stand-ins' gradients.
        """
        true = true_forward_result(result, "Sequential.backward")
        try:
            backward_order(split_log([int(v) for v in true["log"]])[1], len(SPECS))
            backward_values(true, want, call, variant)
        except Failure as failure:
            raise explain(failure, "Sequential", true) from None


def split_log(log: list[int]) -> tuple[list[int], list[int]]:
    """The calls ``Sequential.forward`` made, and those ``backward`` made.

    The probe marks the start of backward with ``LOG_MARK``; forwards that a backward
    calls again count as backward's.
    """
    if LOG_MARK not in log:
        return log, []
    at = log.index(LOG_MARK)
    return log[:at], log[at + 1:]


def backward_order(log: list[int], count: int) -> None:
    """``Failure`` unless ``log`` is one backward call per module, last module first."""
    expected = [10 * k + 2 for k in reversed(range(count))]
    if log != expected:
        raise Failure("backward should call each module's backward once, last module "
                      f"first; the calls were: {calls_text(log)}", order_code(log, expected))


def backward_values(result, want, call, variant) -> None:
    """``Failure`` unless ``dx`` and the stand-ins' gradients are the reference's."""
    compare(result["dx"], want["dx"], "Sequential.backward(dout)", variant, rtol=1e-9,
            inputs=[("dout", call.inputs["dout"])],
            candidates={"chain_dropped": call.inputs["dout"]})
    compare(result["grads"], want["grads"], "the stand-in modules' gradients", variant,
            rtol=1e-9)


def broadcast_code(error: str) -> str | None:
    """The likely bug of a broadcast error in ``Linear.backward``, from the shapes it names.

    Two shapes that are each other's reverse: a transposed ``dW``; a 2-D shape meeting a
    1-D one: a bias gradient not summed over the batch; otherwise no guess.
    """
    shapes = [tuple(int(n) for n in re.findall(r"\d+", group))
              for group in re.findall(r"\(([\d, ]*)\)", error)]
    if any(a == b[::-1] and a != b and len(a) == 2 for a in shapes for b in shapes):
        return "transposed"
    if any(len(a) == 2 for a in shapes) and any(len(b) == 1 for b in shapes):
        return "bias_not_summed"
    return "broadcast_shapes"


def order_code(log: list[int], expected: list[int]) -> str | None:
    """The diagnosis of a call log that is not ``expected``: reversed, or a module left out."""
    if log == expected[::-1]:
        return "wrong_order"
    if len(log) == len(expected) - 1 and all(v in expected for v in log):
        return "module_skipped"
    return None


LINEAR_FORWARD = LinearForward()
LINEAR_BACKWARD = LinearBackward()
SEQUENTIAL_FORWARD = SequentialCheck(backward=False)
SEQUENTIAL_BACKWARD = SequentialCheck(backward=True)
