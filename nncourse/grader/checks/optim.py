"""Checks of ``SGD.step`` (with momentum) and ``Adam.step``.

Parameters and the gradients of each step are given; the values after every step are
compared with the reference. A large learning rate makes the sign and the size of the
first step plain: SGD must move by exactly ``-lr * grad``, Adam by about ``lr`` per
entry (bias correction). A momentum trajectory that lags one step behind the expected
one is the velocity updated after the parameter; ``step`` must not change the gradients.
Gradient entries are kept at least 0.3 away from zero: near zero, Adam's two correct
forms (``eps`` added to the corrected or to the raw root) differ by more than rounding.
A third Adam setting has an ``eps`` larger than every gradient: there the two forms
differ in size but not in direction, and only the direction of the first step is
graded (an ``eps`` subtracted from the denominator steps uphill).
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.base import Call, Check, Failure, require

SHAPES = [(3, 2), (2,)]


def optimizer_call(path, kwargs, values, grads):
    """A probe call running ``steps`` updates of an optimizer on given parameters."""
    inputs = {f"value{i}": v for i, v in enumerate(values)}
    inputs.update({f"grads{i}": g for i, g in enumerate(grads)})
    args = {"optimizer": path, "kwargs": kwargs, "count": len(values),
            "steps": len(grads[0])}
    return Call("optimizer", args, inputs, want=("values", "state:*"))


def away_from_zero(z: np.ndarray, margin: float = 0.3) -> np.ndarray:
    """``z`` pushed out of ``(-margin, margin)``, keeping signs: ``sign(z) (margin + |z|)``."""
    return np.where(z < 0, -1.0, 1.0) * (margin + np.abs(z))


class OptimizerCheck(Check):
    """Trajectories of an optimizer against the reference; sign and size of the first step."""

    def __init__(self, path, settings):
        self.path, self.settings = path, settings
        self.public = [{"seed": 10, "scale": 1.0}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        calls = []
        for kwargs, steps in self.settings:
            values = [rng.standard_normal(s) * variant["scale"] for s in SHAPES]
            grads = [away_from_zero(rng.standard_normal((steps, *s))) for s in SHAPES]
            calls.append(optimizer_call(self.path, kwargs, values, grads))
            if kwargs.get("eps", 0.0) >= LARGE_EPS:  # only the direction is compared
                calls[-1].label, calls[-1].want = "large_eps", ()
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        name = self.path.split(".")[1]
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            if not result.ok and result.error_type == "ValueError" and "broadcast" in \
                    result.error:
                raise Failure(f"{name}.step raised {result.describe_error()} on parameters "
                              f"of the shapes {', '.join(str(s) for s in SHAPES)}",
                              "state_shared", status="error")
            result = require(result, f"{name}.step")
            kwargs = call.args["kwargs"]
            if not bool(result["zeroed"]):
                raise Failure(f"{name}.zero_grad() left some gradients non-zero")
            if bool(result["grads_changed"]):
                raise Failure(f"{name}.step changed p.grad; it should only read it",
                              "mutated_input")
            values = np.asarray(result["values"], dtype=np.float64)
            w0 = np.concatenate([call.inputs[f"value{k}"].ravel()
                                 for k in range(call.args["count"])])
            g0 = np.concatenate([call.inputs[f"grads{k}"][0].ravel()
                                 for k in range(call.args["count"])])
            steps = call.args["steps"]
            if values.shape != (steps, w0.size):
                raise Failure(f"{name}.step changed the shape of the parameters")
            first = values[0] - w0
            if call.label == "large_eps":
                if np.any(first * g0 >= 0):
                    raise Failure(f"{name}.step with eps={kwargs['eps']}, larger than every "
                                  "root of v_hat here: the first step did not move every "
                                  "entry against its gradient", "eps_sign")
                continue
            if not bool(result["in_place"]) and (want is None or nm.close(
                    values, want[i]["values"], 1e-6, 1e-9)):
                raise Failure(f"{name}.step gave the parameters the right values in new "
                              "arrays; the contract updates every p.value in place",
                              "not_in_place")
            if np.all(first * g0 > 0):
                raise Failure(f"{name}.step with lr={kwargs['lr']}: the first step moved every "
                              "entry in the direction of its gradient (uphill)", "update_sign")
            if want is None:
                continue
            expected = want[i]["values"]
            if nm.close(values, expected, 1e-6, 1e-9):  # eps placement may differ a little
                continue
            code = self.diagnose(values, expected, w0, kwargs, g0) or state_code(
                result, want[i], kwargs)
            text = f"{name}(lr={kwargs['lr']}" + "".join(
                f", {k}={v}" for k, v in kwargs.items() if k != "lr") + ")"
            bad = int(np.argmax([not nm.close(v, e, 1e-6, 1e-9)
                                 for v, e in zip(values, expected, strict=False)]))
            text += f": the parameters after step {bad + 1} of {steps} differ from the " \
                    "expected ones"
            if variant.public:
                text += ":\n" + nm.worst_entries(values[bad], expected[bad])
            raise Failure(text, code)

    def diagnose(self, values, expected, w0, kwargs, g0):
        """The code of a recognisable optimizer bug, from the shape of the trajectory."""
        first, want_first = values[0] - w0, expected[0] - w0
        if nm.close(first, -want_first, 1e-6):
            return "update_sign"
        if len(values) > 1 and nm.close(first, 0 * first) and nm.close(
                values[1:], expected[:-1], 1e-7, 1e-12):
            return "momentum_order"
        if "betas" not in kwargs and kwargs["lr"] != 1 and nm.close(first, -g0, 1e-6):
            return "lr_ignored"
        if len(values) > 1 and nm.close(values[0], expected[0], 1e-6, 1e-9):
            return "state_between_steps"
        ratio = np.median(np.abs(first) / np.maximum(np.abs(want_first), 1e-300))
        for bad in (3.1623, 31.623, 0.1, 0.31623):
            if "betas" in kwargs and abs(ratio - bad) < 0.02 * bad:
                return "no_bias_correction"
        return None


def state_code(result, want, kwargs) -> str | None:
    """Which part of a wrong trajectory is wrong, from the optimizer's state after each step.

    The first step at which ``m``, ``v``, ``t`` or (with momentum) the velocities differ
    from the reference's names that piece; state right at every step while the
    parameters are not puts the bug in the update built from it. Optimizers whose state
    lacks the contract's form (``probes.optimizer_state``) get no code.
    """
    names = ("t", "m", "v") if "betas" in kwargs else ("velocities",) if kwargs.get(
        "momentum") else ()
    keys = [f"state:{name}" for name in names]
    if not keys or not all(k in result and k in want for k in keys):
        return None
    codes = {"state:t": "step_count", "state:m": "first_moment", "state:v": "second_moment",
             "state:velocities": "velocity_update"}
    for step in range(len(want[keys[0]])):
        for key in keys:
            if not nm.close(result[key][step], want[key][step], 1e-6, 1e-12):
                return codes[key]
    return "adam_update" if "betas" in kwargs else "sgd_update"


# An eps larger than the gradients (|g| < 5 here) dominates the denominator: both correct
# placements of eps keep every first step against its gradient, however far they differ
# in size, while an eps subtracted turns the denominator negative.
LARGE_EPS = 10.0

SGD_STEP = OptimizerCheck("optim.SGD", [
    ({"lr": 0.1}, 3),
    ({"lr": 0.05, "momentum": 0.9}, 4),
    ({"lr": 10.0, "momentum": 0.5}, 2),
])
ADAM_STEP = OptimizerCheck("optim.Adam", [
    ({"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8}, 5),
    ({"lr": 1.0, "betas": [0.8, 0.99], "eps": 1e-8}, 3),
    ({"lr": 0.1, "betas": [0.9, 0.999], "eps": LARGE_EPS}, 2),
])
