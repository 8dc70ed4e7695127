"""Grading a backward against the true function, whatever the student's forward does.

A backward check plans two calls on the same inputs: the student's own forward and
backward (finite differences of that forward, for diagnoses), and a *stand-in* call
(``on_true_forward``) whose backward runs on the cache the true forward would have kept
(the worker's ``inside/true_forward.py`` swaps it in). When the student's forward agrees with
the reference, the backward must match both the central differences and the reference.
When it does not, only the stand-in call counts: its gradients must be the reference's.
So a wrong forward costs the forward's points once, and a backward that merely mirrors
a wrong forward earns nothing.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks.base import Call, Failure, Result, require

# The reference's results a backward check keeps: its cache, for the stand-in call.
CACHE = "cache:*"


def on_true_forward(call: Call, index: int, output: str, keep: tuple[str, ...]) -> Call:
    """The stand-in call of ``call`` (call ``index`` of its check), given the true cache.

    ``output`` is the key of the forward's result (``y``, ``value``); ``keep`` the
    inputs it needs (no perturbed points: only the backward is graded from it).
    """
    args = {k: v for k, v in call.args.items()
            if k not in ("elementwise_h", "twice", "report_cache")}
    inputs = {k: v for k, v in call.inputs.items() if k in keep or k.startswith("param:")}
    return Call(call.probe, args, inputs, fill=(index, (output, CACHE)), label="true_forward")


def kept_names(result: Result) -> list[str]:
    """The cached attributes the stand-in call left as the student's forward made them."""
    if "kept" not in result:
        return []
    text = np.asarray(result["kept"], dtype=np.uint8).tobytes().decode("utf-8", "replace")
    return [name for name in text.split(",") if name]


def true_forward_result(result: Result, what: str) -> Result:
    """The stand-in call's result, or the ``Failure`` of the exception it raised."""
    return require(result, f"{what} (run on the true forward's cache)")


def explain(failure: Failure, what: str, result: Result) -> Failure:
    """``failure`` with a sentence on how the backward was graded, for a wrong forward."""
    kept = kept_names(result)
    text = (f"{failure.verdict.message}\nYour {what} forward gives other values than the "
            f"true one (its own check says how), so {what}.backward was run on what the "
            "true forward caches, in place of your forward's cache, and compared with the "
            "true derivative.")
    if kept:
        listed = ", ".join(f"self.{name}" for name in kept)
        text += (f" The grader could not replace {listed} (neither the contract's cache "
                 "name nor a copy of the forward's input or output): it kept your values, "
                 "so fix forward first, then check backward again.")
    return Failure(text, failure.verdict.diagnosis, failure.verdict.status)
