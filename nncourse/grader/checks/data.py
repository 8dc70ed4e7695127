"""Check of ``one_hot``: values against the reference, with and without ``num_classes``."""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks.activations import compare, no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require


class OneHot(Check):
    """``one_hot(y, num_classes)`` against the reference."""

    public = [{"seed": 15, "n": 5, "c": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        n, c = variant["n"], variant["c"]
        y = rng.integers(0, c, n)
        y[0] = c - 1
        cases = [(y, {"num_classes": c}), (y, {}), (y[1:] % (c - 1), {"num_classes": c + 2})]
        return [Call("call", {"function": "data.one_hot", "inputs": ["y"], "kwargs": kw},
                     {"y": labels}, want=("out",)) for labels, kw in cases]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            result = require(result, "one_hot")
            no_mutation(result, ["y"], "one_hot")
            out = result["out"]
            if out.dtype.kind != "f":
                raise Failure(f"one_hot returned dtype {out.dtype}; expected float64 "
                              "(np.zeros((N, C)) is float64 by default)")
            if want is not None:
                labels, width = call.inputs["y"], out.shape[-1] if out.ndim == 2 else 0
                shifted = np.zeros_like(np.asarray(want[i]["out"], dtype=np.float64))
                shifted[np.arange(len(labels)), (labels - 1) % max(width, 1)] = 1.0
                columns = np.zeros_like(shifted)  # every row gets every label's column
                columns[:, labels] = 1.0
                compare(out, want[i]["out"], "one_hot(y" + "".join(
                    f", {k}={v}" for k, v in call.args["kwargs"].items()) + ")", variant,
                    rtol=0, atol=0, inputs=[("y", call.inputs["y"])],
                    candidates={"label_off_by_one": shifted, "label_columns": columns})


ONE_HOT = OneHot()
