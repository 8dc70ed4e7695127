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

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.base import Call, Failure, Result, require

# The reference's results a backward check keeps: its cache, for the stand-in call.
CACHE = "cache:*"


def on_true_forward(call: Call, index: int, output: str, keep: tuple[str, ...]) -> Call:
    """The stand-in call of ``call`` (call ``index`` of its check), given the true cache.

    ``output`` is the key of the forward's result (``y``, ``value``); ``keep`` the
    inputs it needs (no perturbed points: only the backward is graded from it). A second
    backward (``twice``) stays: gradients must accumulate on the true cache too.
    """
    args = {k: v for k, v in call.args.items()
            if k not in ("elementwise_h", "report_cache", "grading_backward")}
    inputs = {k: v for k, v in call.inputs.items() if k in keep or k.startswith("param:")}
    return Call(call.probe, args, inputs, fill=(index, (output, CACHE)), label="true_forward")


def kept_names(result: Result) -> list[str]:
    """The cached attributes the stand-in call left as the student's forward made them."""
    if "kept" not in result:
        return []
    text = np.asarray(result["kept"], dtype=np.uint8).tobytes().decode("utf-8", "replace")
    return [name for name in text.split(",") if name]


def true_forward_result(result: Result, what: str) -> Result:
    """The stand-in call's result, or the ``Failure`` of the exception it raised.

    The grader put the true cache in place before that call's backward, so a backward
    that finds nothing cached there (``lost_cache``: on its second call, say) removed it
    itself: ``cache_cleared``.
    """
    if lost_cache(result):
        raise Failure(f"{what} (run on the true forward's cache) raised "
                      f"{result.describe_error()}", "cache_cleared", status="error")
    return require(result, f"{what} (run on the true forward's cache)")


def explain(failure: Failure, what: str, result: Result) -> Failure:
    """``failure`` with a sentence on how the backward was graded, for a wrong forward."""
    kept = kept_names(result)
    text = (f"{failure.verdict.message}\nYour {what} forward does not compute or keep what "
            f"the true one does (its own check says how), so {what}.backward was run on "
            "what the true forward caches, in place of your forward's cache, and compared "
            "with the true derivative.")
    if kept:
        listed = ", ".join(f"self.{name}" for name in kept)
        text += (f" The grader could not replace {listed} (neither the contract's cache "
                 "name nor a copy of the forward's input or output): it kept your values, "
                 "so fix forward first, then check backward again.")
    return Failure(text, failure.verdict.diagnosis, failure.verdict.status)


def lost_cache(result: Result) -> bool:
    """The student's backward found nothing cached (the provided ``cached`` helper's error).

    That is the forward's bug (its own check says so); the backward is then graded on
    the true forward's cache.
    """
    return not result.ok and result.error_type == "RuntimeError" and \
        "which forward caches" in result.error


def cache_differs(own: Result, reference: Result) -> list[str]:
    """Cache names the student's forward shares with the reference but fills otherwise."""
    return [k[6:] for k in reference.arrays if k.startswith("cache:") and k in own.arrays
            and (np.shape(own[k]) != np.shape(reference[k])
                 or not nm.close(own[k], reference[k], 1e-7, 1e-12))]


def forward_is_true(own: Result, reference: Result | None, output: str, rtol=1e-7,
                    stand_in: Result | None = None) -> bool:
    """True when the student's forward computes the true output and cache (if comparable).

    ``None`` when there is no reference to compare with. A forward that raised
    (``ForwardFailed``, see ``inside/true_forward.py``) or lost its cache (``lost_cache``)
    is not true. A call that failed in backward is not true either when the same backward
    ran on the true forward's cache (``stand_in``, the stand-in call's result) without
    raising: what it raised on was the cache the student's forward kept (the output
    cached as the input, say), the forward's bug. Otherwise it counts as true, so that
    its own error is reported.
    """
    if reference is None:
        return None
    if not own.ok:
        if lost_cache(own) or own.error_type == "ForwardFailed":
            return False
        return not (stand_in is not None and stand_in.ok)
    return nm.close(own[output], reference[output], rtol, 1e-12) and \
        not cache_differs(own, reference)
