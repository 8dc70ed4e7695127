"""Checks of the losses and of ``softmax``/``log_softmax``.

Forward: the loss value against the reference on random inputs and at logits of
+-1000 (where a naive formula overflows or takes ``log(0)``), inputs left unchanged,
and a clear ``ValueError`` for MSE on ``(N, 1)`` predictions against ``(N,)`` targets.
Backward: ``dpred`` for an upstream ``dloss`` against central differences of the
student's own loss along random directions and coordinates, and against the reference;
when the student's forward gives another value than the reference, the backward is run
on the true forward's cache and must give the reference's ``dpred`` (``checks/truth.py``).
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import (
    compare,
    kept_cache,
    no_mutation,
    no_overflow,
    same_again,
    warning_text,
)
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose
from nncourse.grader.checks.signatures import normalising_code, signature_code, target_code
from nncourse.grader.checks.truth import (
    CACHE,
    explain,
    forward_is_true,
    on_true_forward,
    true_forward_result,
)

DLOSS = 0.7


def mse_cases(rng, n, m):
    """(pred, target) pairs for MSE: (N, M) and (N, 1)."""
    return [(rng.standard_normal((n, m)), rng.standard_normal((n, m))),
            (rng.standard_normal((n, 1)), rng.standard_normal((n, 1)))]


def bce_cases(rng, n, m):
    """(logits, targets) for BCE: hard labels, soft labels, logits of +-1000."""
    logits = rng.standard_normal((n, 1)) * 3.0
    return [(logits, rng.integers(0, 2, (n, 1)).astype(np.float64)),
            (rng.standard_normal((n, m)) * 2.0, rng.uniform(0, 1, (n, m))),
            (np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [0.5]]),
             np.array([[1.0], [0.0], [0.0], [1.0], [1.0]]))]


def sce_cases(rng, n, m):
    """(logits, labels) for softmax cross-entropy: moderate and +-1000 logits."""
    c = m + 1
    extreme = rng.standard_normal((n, c)) * 1000.0
    return [(rng.standard_normal((n, c)) * 2.0, rng.integers(0, c, n)),
            (extreme, rng.integers(0, c, n))]


def per_row(n_of, expected, pred) -> dict:
    """The candidate of a mean over the N rows where the loss averages all N*M entries."""
    if n_of is not size_of or np.ndim(pred) != 2 or np.shape(pred)[1] < 2:
        return {}
    return {"rows_not_entries": np.asarray(expected) * np.shape(pred)[1]}


class LossForward(Check):
    """``forward(pred, target)`` of a loss against the reference."""

    def __init__(self, loss, cases, unstable, n_of, errors=(), softmax_standin=False):
        self.loss, self.cases, self.unstable, self.n_of = loss, cases, unstable, n_of
        self.errors, self.softmax_standin = errors, softmax_standin
        self.public = [{"seed": 5, "n": 4, "m": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``).

        With ``softmax_standin`` each case is a pair: the call that gives the reference's
        ``log_softmax`` of the logits, then the graded call, in which those true values
        stand in for the student's ``softmax`` and ``log_softmax`` (``softmax.forward``,
        a separate exercise, so a bug there costs its own points only).
        """
        calls = []
        for p, t in self.cases(variant.rng(), variant["n"], variant["m"]):
            extreme = bool(np.abs(p).max() >= 1000)
            args = {"loss": self.loss, "watch_warnings": extreme, "report_cache": True,
                    "probe_cache": not extreme}
            if self.softmax_standin:
                source = Call("loss", {"loss": self.loss, "report_logsm": True},
                              {"pred": p, "target": t}, want=("value", "logsm"),
                              label="source")
                source.args["report_cache"] = True
                source.want = (*source.want, CACHE)
                calls += [source, Call("loss", args, {"pred": p, "target": t},
                                       fill=(len(calls), ("logsm",)))]
            else:
                calls.append(Call("loss", args, {"pred": p, "target": t},
                                  want=("value", CACHE)))
        for pred, target in self.errors:
            calls.append(Call("loss", {"loss": self.loss}, {"pred": pred, "target": target},
                              label="error"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        name = self.loss.split(".")[1]
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            if call.label == "source":
                continue
            expected_at = i - 1 if call.fill else i
            pred, target = call.inputs["pred"], call.inputs["target"]
            if call.label == "error":
                if result.ok or result.error_type != "ValueError":
                    raise Failure(f"{name}: pred of shape {pred.shape} with target of shape "
                                  f"{target.shape} should raise a ValueError (broadcasting "
                                  "would give a wrong loss), but it "
                                  + ("returned a value" if result.ok else
                                     f"raised {result.describe_error()}"))
                continue
            result = require(result, f"{name}.forward")
            no_mutation(result, ["pred", "target"], f"{name}.forward")
            value = np.asarray(result["value"], dtype=np.float64)
            if value.shape != ():
                raise Failure(f"{name}.forward returned an array of shape {value.shape}; "
                              "expected one number (the mean over the batch)")
            if not np.isfinite(value):
                extreme = np.abs(pred).max() >= 1000
                raise Failure(f"{name}.forward returned {value} for logits "
                              f"{'of +-1000' if extreme else 'of moderate size'}",
                              self.extreme_code(result) if extreme else None)
            if want is not None:
                logsm = want[expected_at].arrays.get("logsm") if call.fill else None
                self.compare_value(variant, value, float(want[expected_at]["value"]), pred,
                                   target, wide_ok=wide_cases_pass(calls, got, want),
                                   logsm=logsm, extreme=self.extreme_code(result))
            bad = [k[6:] for k in result.arrays if k.startswith("cache:")
                   and not np.all(np.isfinite(result[k]))]
            if bad:
                raise Failure(f"{name}.forward returns the right loss for logits of +-1000, "
                              f"but caches NaN or inf in self.{bad[0]}, which backward will "
                              "use", self.unstable)
            no_overflow(result, f"{name}.forward", "for logits of +-1000",
                        self.extreme_code(result))
        graded = [i for i, c in enumerate(calls) if c.label not in ("source", "error")]
        kept_cache([got[i] for i in graded], f"{name}.forward",
                   None if want is None else [want[i - 1 if calls[i].fill else i]
                                              for i in graded])

    def extreme_code(self, result) -> str | None:
        """A wrong loss at +-1000: with the true softmax, an overflow is the student's exp."""
        if self.unstable != "unstable_softmax":
            return self.unstable
        overflow = "overflow" in warning_text(result)
        return "unstable_softmax" if overflow else "log_of_probabilities"

    def compare_value(self, variant, value, expected, pred, target, wide_ok=False,
                      logsm=None, extreme=None):
        """``Failure`` naming the likely bug unless the loss ``value`` is ``expected``.

        ``wide_ok``: the cases of shape (N, M), M > 1, gave the right value; a wrong one
        at (N, 1) then points to a squeeze that made (N,) meet (N, 1). ``logsm``: the true
        log-probabilities (cross-entropy), for the loss of ``logp[:, target]``, an N x N
        block in place of one entry per row.
        """
        if nm.close(value, expected, 1e-7, 1e-10):
            return
        name = self.loss.split(".")[1]
        candidates = per_row(self.n_of, np.array([expected]), pred)
        if logsm is not None and np.ndim(target) == 1 and len(target) > 1:
            block = np.asarray(logsm)[:, np.asarray(target, dtype=np.int64)]
            candidates["target_block"] = np.array([-block.mean()])
        code = diagnose(np.array([value]), np.array([expected]), n=self.n_of(pred),
                        candidates=candidates)
        if np.abs(pred).max() >= 1000:  # extreme logits: the stable formula
            code = code or extreme or self.unstable
        if code is None and wide_ok and np.shape(pred)[1:] == (1,):
            code = "squeezed_broadcast"
        text = f"{name}.forward gave {nm.fmt(float(value))}, expected {nm.fmt(expected)}"
        if variant.public:
            text += "\n" + nm.show_array("pred", pred) + "\n" + nm.show_array("target", target)
        raise Failure(text, code)


class LossBackward(Check):
    """``backward(dloss)`` of a loss: central differences of the student's forward, reference."""

    def __init__(self, loss, cases, n_of, unstable):
        self.loss, self.cases, self.n_of, self.unstable = loss, cases, n_of, unstable
        self.public = [{"seed": 6, "n": 4, "m": 2}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng(3)
        calls = []
        for pred, target in self.cases(variant.rng(), variant["n"], variant["m"]):
            dirs = nm.directions(rng, pred.shape)
            large = np.abs(pred).max() >= 1000
            inputs = {"pred": pred, "target": target}
            if not large:
                inputs["preds"] = nm.perturbed(pred, dirs)
            call = Call("loss", {"loss": self.loss, "dloss": DLOSS, "report_cache": True,
                                 "grading_backward": True},
                        inputs, want=("value", "dpred", CACHE))
            call.dirs = dirs
            calls += [call, on_true_forward(call, len(calls), "value", ("pred", "target"))]
        return calls

    def candidates(self, expected, pred, target, dirs=None):
        """Results of known bugs, built from ``expected`` (projected on ``dirs`` if given).

        Without the upstream ``dloss``, averaged over rows, or (labels) with the one-hot
        target not subtracted.
        """
        out = {"no_upstream": expected / DLOSS, **per_row(self.n_of, expected, pred)}
        if np.ndim(target) == 1 and np.ndim(pred) == 2:
            onehot = np.zeros(np.shape(pred))
            onehot[np.arange(len(target)), np.asarray(target, dtype=np.int64)] = 1.0
            term = onehot * (DLOSS / self.n_of(pred))
            out["onehot_not_subtracted"] = expected + (term if dirs is None else
                                                       nm.along(term, dirs))
        return out

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        name = self.loss.split(".")[1]
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            if call.label == "true_forward":
                continue
            if forward_is_true(result, want and want[i], "value",
                               stand_in=got[i + 1]) is False:
                self.judge_on_true_forward(variant, call, result, got[i + 1], want[i]["dpred"])
                continue
            result = require(result, f"{name}.backward")
            pred, target = call.inputs["pred"], call.inputs["target"]
            if "mutated_in_backward:pred" in result:  # pred changed by forward: its own check
                no_mutation(result, ["target"], f"{name}.forward/backward")
            else:
                no_mutation(result, ["pred", "target"], f"{name}.forward/backward")
            dpred = result["dpred"]
            nm.check_shape(dpred, pred.shape, f"{name}.backward()")
            backward_rules(result, name)
            if not np.all(np.isfinite(dpred)):
                raise Failure(f"{name}.backward gives NaN or inf for logits of +-1000",
                              self.unstable)
            ref = None if want is None else want[i]["dpred"]
            matches = None if want is None else nm.close(result["value"], want[i]["value"],
                                                         1e-7, 1e-10)
            if "preds" not in call.inputs:  # extreme logits: reference only
                if ref is not None and not nm.close(dpred, ref, 1e-6, 1e-10):
                    compare(dpred, ref, f"{name}.backward() at logits of +-1000", variant,
                            rtol=1e-6, atol=1e-10, diagnosis=self.unstable)
                continue
            numeric = nm.directional(result["values"], nm.H) * DLOSS
            analytic = nm.along(dpred, call.dirs)
            if nm.gradient_ok(analytic, numeric, dpred, ref, matches):
                continue
            n = self.n_of(pred)
            code = diagnose(analytic, numeric, n=n,
                            candidates=self.candidates(numeric, pred, target, call.dirs))
            if code is None and ref is not None:  # on whole arrays
                code = target_code(self.loss, dpred, ref, target) or signature_code(dpred, ref)
            text = f"{name}.backward(dloss={DLOSS}) does not match central differences of " \
                   "your forward"
            if variant.public and len(call.dirs) == pred.size:
                text += ":\n" + nm.worst_entries(dpred, numeric.reshape(pred.shape))
                text += "\n" + nm.show_array("pred", pred) + "\n" + \
                    nm.show_array("target", call.inputs["target"])
            raise Failure(text, code)


    def judge_on_true_forward(self, variant, call, own, true, ref):
        """``Failure`` unless the backward, run on the true forward's cache, gives ``ref``."""
        name = self.loss.split(".")[1]
        pred, target = call.inputs["pred"], call.inputs["target"]
        true = true_forward_result(true, f"{name}.backward")
        dpred = true["dpred"]
        nm.check_shape(dpred, pred.shape, f"{name}.backward()")
        if nm.close(dpred, ref, 1e-6, 1e-10):
            try:  # on the true cache as on the student's own
                backward_rules(true, name)
            except Failure as failure:
                raise explain(failure, name, true) from None
            return
        candidates = self.candidates(ref, pred, target)
        if own.ok and "values" in own and nm.close(nm.along(own["dpred"], call.dirs),
                                        nm.directional(own["values"], nm.H) * DLOSS,
                                        rtol=1e-5, atol=1e-7):
            candidates = {"follows_own_forward": own["dpred"], **candidates}
        try:
            compare(dpred, ref, f"{name}.backward(dloss={DLOSS})", variant, rtol=1e-6,
                    atol=1e-10, n=self.n_of(pred), candidates=candidates)
        except Failure as failure:
            raise explain(failure, name, true) from None


def backward_rules(result, name: str) -> None:
    """``Failure`` if backward changed ``pred`` in place, or gives another dpred again."""
    if bool(result.arrays.get("mutated_in_backward:pred", False)):
        raise Failure(f"{name}.backward changed the input 'pred' in place", "mutated_input")
    same_again(result, f"{name}.backward()")


class Softmax(Check):
    """``softmax(z)`` and ``log_softmax(z)`` against the reference, stable at +-1000.

    A variant with ``k`` gives logits of shape (k, n, c): the contract is "along the last
    axis" for any shape (..., C), so ``axis=1`` written for (N, C) fails there.
    """

    public = [{"seed": 7, "n": 3, "c": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        shape = (variant["n"], variant["c"])
        z = rng.standard_normal((variant["k"], *shape) if variant.get("k") else shape) * 2.0
        extreme = np.array([[1000.0, -1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.5, -1000.0]])
        return [Call("call", {"function": f"losses.{fn}", "inputs": ["z"],
                              "watch_warnings": zz is extreme}, {"z": zz}, want=("out",))
                for fn in ("softmax", "log_softmax") for zz in (z, extreme)]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            fn = call.args["function"].split(".")[1]
            result = require(result, fn)
            z, out = call.inputs["z"], result["out"]
            no_mutation(result, ["z"], fn)
            nm.check_shape(out, z.shape, f"{fn}(z)")
            extreme = np.abs(z).max() >= 1000
            if not np.all(np.isfinite(out)):
                raise Failure(f"{fn}(z) gives NaN or inf for logits "
                              f"{'of +-1000' if extreme else 'of moderate size'}",
                              "log_of_softmax" if log_of_softmax(fn, out, want, i) else
                              "unstable_softmax" if extreme else None)
            no_overflow(result, f"{fn}(z)", "for logits of +-1000", "unstable_softmax")
            if want is not None:
                compare(out, want[i]["out"], f"{fn}(z)" + (" at logits of +-1000" if extreme
                                                           else ""), variant, rtol=1e-7,
                        atol=1e-12, inputs=[("z", z)],
                        diagnosis="unstable_softmax" if extreme else None,
                        fallback=normalising_code(fn, out),
                        candidates={"wrong_axis": along_wrong_axis(z, fn)})


def wide_cases_pass(calls, got, want) -> bool:
    """True when every (N, M) case with M > 1 gave the reference's loss value."""
    wide = [(i, r) for i, (c, r) in enumerate(zip(calls, got, strict=False))
            if c.label not in ("source", "error") and np.ndim(c.inputs["pred"]) == 2
            and np.shape(c.inputs["pred"])[1] > 1]
    return bool(wide) and all(
        r.ok and nm.close(float(r["value"]), float(want[i - 1 if calls[i].fill else i]["value"]),
                          1e-7, 1e-10) for i, r in wide)


def log_of_softmax(fn, out, want, i) -> bool:
    """True when ``out`` is ``log_softmax`` taken as the log of probabilities.

    Those that rounded to 0 give ``-inf``: then it is ``-inf`` only where the true
    probability underflows, and finite elsewhere.
    """
    if fn != "log_softmax" or want is None or np.any(np.isnan(out)):
        return False
    minus_inf = np.isneginf(out)
    return bool(minus_inf.any() and np.all(np.exp(want[i]["out"])[minus_inf] == 0.0))


def along_wrong_axis(z, fn):
    """``softmax`` or ``log_softmax`` of ``z`` along a wrong axis (a known bug).

    Axis 0 for a matrix; axis 1 (written for (N, C)) for more dimensions.
    """
    axis = 0 if z.ndim == 2 else 1
    shifted = z - z.max(axis=axis, keepdims=True)
    log = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return log if fn == "log_softmax" else np.exp(log)


def size_of(pred):
    """The number of entries (MSE and BCE average over all of them)."""
    return int(np.size(pred))


def rows_of(pred):
    """The batch size N (softmax cross-entropy averages over rows)."""
    return int(np.shape(pred)[0])


MSE_ERRORS = [(np.zeros((3, 1)), np.zeros(3))]
MSE_FORWARD = LossForward("losses.MSELoss", mse_cases, None, size_of, MSE_ERRORS)
MSE_BACKWARD = LossBackward("losses.MSELoss", mse_cases, size_of, None)
BCE_FORWARD = LossForward("losses.BCEWithLogitsLoss", bce_cases, "unstable_loss", size_of)
BCE_BACKWARD = LossBackward("losses.BCEWithLogitsLoss", bce_cases, size_of, "unstable_loss")
SOFTMAX_FORWARD = Softmax()
SOFTMAX_CE_FORWARD = LossForward("losses.SoftmaxCrossEntropyLoss", sce_cases,
                                 "unstable_softmax", rows_of, softmax_standin=True)
SOFTMAX_CE_BACKWARD = LossBackward("losses.SoftmaxCrossEntropyLoss", sce_cases, rows_of,
                                   "unstable_softmax")
