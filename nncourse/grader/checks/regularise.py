"""Checks of lesson 10: weight decay and dropout.

``regularise.weight_decay``: ``add_weight_decay(params, lam)`` on two weight matrices and
two biases with given gradients. What must be added to a weight's gradient is computed
here by central differences of the penalty's definition, ``(lam / 2) * sum W**2``, so no
derivative is stored; the biases' gradients must come back unchanged (the lesson does
not decay them), the values must not move. ``lam = 0`` changes nothing.

``dropout.forward`` and ``dropout.backward`` are checked on properties, not against the
reference's mask: any correct way of drawing the mask (``rng.random``, ``rng.binomial``,
a boolean or a float mask, the scale folded in or not) gets full marks. Inputs stay at
least 0.5 away from 0, so ``y / x`` shows the mask. Forward: the shape and dtype kept,
``x`` unchanged, the share of dropped entries near ``p`` (5 standard deviations), every
kept entry scaled by the same factor that keeps the expectation, the same output for
the same seed whatever the global ``np.random`` state, another one for another seed,
``p = 0`` the identity, evaluation mode the identity and drawing nothing, a float32
input giving a float32 output. Backward is judged against the mask of the student's own
forward in the same call (so a wrong forward costs its points once): ``dx`` equals
``dout`` times that mask, with the right scale for the entries that forward kept; a second
backward gives the same ``dx``; evaluation mode passes ``dout`` through; a float32 ``dout``
gives a float32 ``dx``.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose

NAMES = ("W", "b", "W", "b")


def penalty_slope(value: np.ndarray, lam: float) -> np.ndarray:
    """Central differences, entry by entry, of ``(lam / 2) * sum(value**2)`` (separable)."""
    penalty = lambda v: 0.5 * lam * v * v  # noqa: E731 - one entry's share of the sum
    return (penalty(value + nm.H) - penalty(value - nm.H)) / (2 * nm.H)


class WeightDecay(Check):
    """``add_weight_decay``: weights get the penalty's gradient added, biases nothing."""

    public = [{"seed": 50, "d": 3, "m": 2, "k": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        d, m, k = variant["d"], variant["m"], variant["k"]
        shapes = [(d, m), (m,), (m, k), (k,)]
        calls = []
        for lam in (0.1, 0.5, 0.0):
            inputs = {}
            for i, shape in enumerate(shapes):
                inputs[f"value{i}"] = nm.away_from_kinks(rng, shape, 0.3)
                inputs[f"grad{i}"] = rng.standard_normal(shape)
            calls.append(Call("weight_decay", {"names": list(NAMES), "lam": lam}, inputs))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for call, result in zip(calls, got, strict=False):
            result = require(result, "add_weight_decay")
            lam = call.args["lam"]
            for i, name in enumerate(NAMES):
                value, grad = call.inputs[f"value{i}"], call.inputs[f"grad{i}"]
                what = f"{name}.grad (shape {value.shape}) after add_weight_decay(params, " \
                       f"lam={lam})"
                if bool(result[f"changed:value{i}"]):
                    raise Failure(f"add_weight_decay(params, lam={lam}) changed {name}.value; "
                                  "it should change only the gradients (the optimizer's step "
                                  "moves the values)", "decay_on_value")
                new = result[f"grad{i}"]
                nm.check_shape(new, value.shape, what)
                added = penalty_slope(value, lam) if value.ndim >= 2 else np.zeros_like(value)
                if nm.close(new, grad + added, 1e-9, 1e-12):
                    if not bool(result.arrays.get(f"in_place:grad{i}", True)):
                        raise Failure(f"add_weight_decay(params, lam={lam}) gave {name}.grad "
                                      "the right values in a new array; the contract updates "
                                      "each p.grad in place", "not_in_place")
                    continue
                text = f"{what} differs from the expected values"
                if variant.public:
                    text += ":\n" + nm.worst_entries(new, grad + added)
                if value.ndim == 1:
                    bias_added = penalty_slope(value, lam)
                    code = "bias_decayed" if nm.close(new - grad, bias_added, 1e-6) else None
                    raise Failure(f"{text}\n  (a bias's gradient should come back unchanged)",
                                  code)
                code = diagnose(new - grad, added, candidates={
                    "overwrote_grad": added - grad, "decay_on_value": np.zeros_like(grad)})
                code = {"sign": "decay_sign", "double": "decay_doubled",
                        "factor_two": "decay_halved"}.get(code, code)
                if code == "decay_on_value":
                    code = None
                    text += "\n  (the gradient came back unchanged: nothing was added)"
                raise Failure(text, code)


def kept_mask(result, dout, p: float, shown: str) -> None:
    """``not_cached`` when backward, right on the true mask, is wrong on the forward's own.

    (Or raises on it: a mask backward cannot use.) Then forward did not keep the mask it
    drew where backward reads it (``self._mask``, or the attribute the student's backward
    uses). The same in eval mode, where the true forward keeps no mask (``None``). Without
    the probe's results (its backward raised, or is not written yet) there is nothing to
    say here.
    """
    if dout is None or "probe_y" not in result:
        return
    kept = np.asarray(result["probe_y"]) != 0
    right = dout * kept / (1.0 - p)
    own_wrong = "probe_dx_raised" in result or not nm.close(result["probe_dx"], right, 1e-9,
                                                             1e-12)
    eval_own_wrong = "probe_eval_raised" in result or (
        "probe_eval_own" in result and not nm.close(result["probe_eval_own"], dout, 1e-12, 0))
    if eval_own_wrong and "probe_eval" in result and nm.close(result["probe_eval"], dout,
                                                              1e-12, 0):
        raise Failure(f"{shown}: in eval mode, backward after this forward did not return "
                      "dout, and did once self._mask was None: an eval-mode forward keeps no "
                      "mask (None), so backward is the identity", "not_cached")
    if own_wrong and any(nm.close(result[k], right, 1e-9, 1e-12)
                         for k in true_keys(result, "probe_") if k in result):
        raise Failure(f"{shown}: backward after this forward gave another dx than dout times "
                      "the forward's mask, and the right one once the mask was put in "
                      "self._mask: forward does not keep the mask it drew where backward "
                      "reads it", "not_cached")


def true_keys(result, prefix: str = "", trust_form: bool = True) -> tuple[str, ...]:
    """The results of backward on the true mask in the form the student's forward chose.

    Scaled (``dx_true``) or 0/1 (``dx_true01``, see ``standins.mask_form``): a backward
    must read the mask as its own (right) forward keeps it. Either counts when the form
    is not known (a mask under another name, or none kept) or not to be trusted (a wrong
    forward: it pays for itself).
    """
    form = int(result.arrays.get(f"{prefix}mask_form", -1)) if trust_form else -1
    keys = {1: ("dx_true",), 0: ("dx_true01",)}.get(form, ("dx_true", "dx_true01"))
    return tuple(prefix + k for k in keys)


def ratio(result, x: np.ndarray, key: str) -> np.ndarray:
    """``result[key] / x``: the factor each entry was multiplied by."""
    return np.asarray(result[key], dtype=np.float64) / x


class DropoutCheck(Check):
    """Dropout's forward (``backward=False``) or backward, on properties of the mask.

    The mask is random, so no reference can stand in for the student's forward; instead
    the backward is graded on the true mask of the student's own drop pattern, put in
    ``self._mask`` (``standins.true_dropout_mask``): a backward right behind a wrong
    forward keeps its points, one that only mirrors a wrong forward loses them. The
    forward's check runs the student's backward once, so that a forward that keeps no
    mask where backward reads it fails itself (``not_cached``), not its backward.
    """

    P = (0.25, 0.6, 0.0)

    def __init__(self, backward: bool):
        self.backward = backward
        self.public = [{"seed": 41, "n": 40, "d": 50}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng(3 if self.backward else 0)
        shape = (variant["n"], variant["d"])
        calls = []
        probe = variant.rng(7)  # its own stream: the inputs above stay what they were
        for i, p in enumerate(self.P):
            inputs = {"x": nm.away_from_kinks(rng, shape, 0.5)}
            if self.backward:
                inputs["dout"] = nm.away_from_kinks(rng, shape, 0.5)
            else:  # a backward after the forward: is the mask kept where backward reads it?
                inputs["dout_probe"] = probe.standard_normal(shape)
            calls.append(Call("dropout", {"p": p, "seed": int(variant["seed"]) * 10 + i},
                              inputs))
        # float32 in, float32 out (a float64 mask would promote it); drawn last, so the
        # float64 calls above keep their inputs
        inputs = {k: v.astype(np.float32) for k, v in calls[0].inputs.items()}
        calls.append(Call("dropout", {"p": self.P[0], "seed": int(variant["seed"]) * 10 + 3,
                                      "float32": True}, inputs))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        what = "Dropout.backward" if self.backward else "Dropout.forward"
        for call, result in zip(calls, got, strict=False):
            result = require(result, "Dropout.forward/backward" if self.backward else what)
            p, x = call.args["p"], call.inputs["x"]
            if self.backward and "forward_failed" in result:  # forward raised: its own check
                self.judge_without_forward(result, call, p)
                continue
            for key in ("y", "y_eval", "y_train", "y_same", "y_other"):
                nm.check_shape(result[key], x.shape, f"Dropout.forward(x) (p={p})")
            if call.args.get("float32"):
                self.judge_dtype(result)
            elif self.backward:
                self.judge_backward(result, call, p)
            else:
                self.judge_forward(result, x, p, call.args["seed"], call.inputs.get("dout_probe"))

    def judge_dtype(self, result):
        """A float32 ``x`` (and ``dout``) gives a float32 output (and ``dx``)."""
        key, what, arg = ("dx", "Dropout.backward", "dout") if self.backward else \
            ("y", "Dropout.forward", "input")
        got = np.asarray(result[key]).dtype
        if got != np.float32:
            raise Failure(f"{what} turned a float32 {arg} into {got}; keep the {arg}'s dtype "
                          "(a float64 mask or scale promotes float32 arrays)", "dtype_changed")

    def judge_forward(self, result, x, p, seed, dout_probe=None):
        """The forward's properties for one ``p``."""
        no_mutation(result, ["x"], "Dropout.forward")
        if x.dtype != np.asarray(result["y"]).dtype:
            raise Failure(f"Dropout.forward turned a {x.dtype} input into "
                          f"{np.asarray(result['y']).dtype}; keep the input's dtype",
                          "dtype_changed")
        shown = f"Dropout(p={p})"
        y_eval = np.asarray(result["y_eval"], dtype=np.float64)
        if not nm.close(y_eval, x, 1e-12, 0):
            r = y_eval / x
            constant = np.allclose(r, r.flat[0], rtol=1e-9)
            code = "scale_at_test" if constant else "drops_in_eval"
            factor = f" every entry was multiplied by {nm.fmt(r.flat[0])}" if constant else ""
            raise Failure(f"{shown} in eval mode should return x unchanged (the identity);"
                          f"{factor or ' it changed some entries'}", code)
        if bool(result.arrays.get("stale_mask", False)):
            raise Failure(f"{shown}: an eval-mode forward after a training one left the "
                          "training mask in self._mask, so the next backward would apply it; "
                          "an eval-mode forward keeps no mask (None)", "not_cached")
        first = float(np.random.default_rng(seed).random())
        if float(result["after_eval"]) != first:
            raise Failure(f"{shown} in eval mode drew random numbers from its rng; evaluation "
                          "draws none (the output is x itself)", "eval_draws")
        r = ratio(result, x, "y")
        dropped = np.isclose(r, 0.0, atol=1e-12)
        share = float(dropped.mean())
        if p == 0.0:
            if not nm.close(result["y"], x, 1e-12, 0):
                raise Failure("Dropout(p=0) in training mode should return x unchanged "
                              f"(nothing dropped, nothing scaled); {share:.1%} of the entries "
                              "were dropped" + ("" if share else ", the others rescaled"))
            return
        kept = r[~dropped]
        spread = 5 * np.sqrt(p * (1 - p) / r.size)
        if abs(share - p) > spread:
            code = "keep_drop_swapped" if abs(share - (1 - p)) <= spread else "drop_share"
            raise Failure(f"{shown} in training mode dropped {share:.1%} of {r.size} entries, "
                          f"expected about {p:.0%} (p is the probability of dropping)", code)
        if kept.size == 0 or not np.allclose(kept, kept[0], rtol=1e-9):
            raise Failure(f"{shown}: the kept entries are not all multiplied by the same factor "
                          "(each kept entry is x times one constant)")
        if dropped.ndim == 2 and len(dropped) > 1 and np.all(dropped == dropped[:1]):
            raise Failure(f"{shown} in training mode dropped the same entries in all "
                          f"{len(dropped)} rows", "mask_shared_rows")
        scale, want = float(kept[0]), 1.0 / (1.0 - p)  # the mean of y / x must be 1
        mean = share * 0.0 + (1 - share) * scale
        if not np.isclose(scale, want, rtol=1e-9):
            code = {1.0: "no_inverted_scale", p: "scale_by_p", 1 - p: "scale_by_p"}
            code = next((c for f, c in code.items() if np.isclose(scale, f, rtol=1e-9)),
                        "keep_scale")
            raise Failure(f"{shown} in training mode: each kept entry is x times "
                          f"{nm.fmt(scale)}, so the mean of out / x is about {nm.fmt(mean)} "
                          "where it should be 1 (the expectation of each entry kept)", code)
        if not nm.close(result["y_same"], result["y"], 1e-12, 0):
            raise Failure(f"{shown}: two modules with the same seed gave different outputs "
                          "(the global np.random state differed between them)", "no_rng")
        if nm.close(result["y_other"], result["y"], 1e-12, 0):
            raise Failure(f"{shown}: modules with different seeds dropped the same entries",
                          "no_rng")
        if not np.any(np.asarray(result["y_train"]) == 0):
            raise Failure(f"{shown}: after eval() and then train() nothing is dropped any more")
        kept_mask(result, dout_probe, p, shown)

    @staticmethod
    def judge_without_forward(result, call, p):
        """``dx`` on the true forward's mask, when the student's forward raised."""
        dout = call.inputs["dout"]
        kept = np.asarray(result["y"]) != 0
        right = dout * kept / (1.0 - p)
        rtol = 1e-6 if call.args.get("float32") else 1e-9
        if not any(k in result and nm.close(result[k], right, rtol, 1e-12)
                   for k in ("dx_true", "dx_true01")):
            raise Failure(f"Dropout(p={p}).backward(dout) differs from dout times the mask, "
                          "run on the true forward's mask (your forward raised: its own "
                          "check says how)")

    def judge_backward(self, result, call, p):
        """``dx`` against the mask of the same call's forward, for one ``p``."""
        x, dout = call.inputs["x"], call.inputs["dout"]
        no_mutation(result, ["dout"], "Dropout.backward")
        shown = f"Dropout(p={p}).backward"
        # "dx" is missing when backward raised on the forward's own mask, not on the true one
        dx = np.asarray(result.arrays.get("dx", result.arrays.get("dx_true")), dtype=np.float64)
        nm.check_shape(dx, x.shape, f"{shown}(dout)")
        factor = ratio(result, x, "y")
        kept = ~np.isclose(factor, 0.0, atol=1e-12)
        own, right = dout * factor, dout * kept / (1.0 - p)
        # graded on the true mask of the forward's drop pattern, in the form the forward
        # chose (either, if unknown; standins.true_dropout_mask): right for one passes
        keys = [k for k in true_keys(result, trust_form=nm.close(factor, kept / (1.0 - p),
                                                                    1e-9, 1e-12)) if k in result]
        truth = next((np.asarray(result[k], dtype=np.float64) for k in keys
                      if nm.close(result[k], right, 1e-9, 1e-12)),
                     np.asarray(result[keys[0]] if keys else dx, dtype=np.float64))
        if not nm.close(truth, right, 1e-9, 1e-12):
            dx_kept = ~np.isclose(truth, 0.0, atol=1e-12)
            code = "fresh_mask" if np.any(dx_kept != kept) else diagnose(
                truth, right, candidates={"no_upstream": factor,
                                          "no_inverted_scale": dout * kept})
            if "dx" in result and nm.close(dx, own, 1e-9, 1e-12) and not nm.close(
                    own, right, 1e-9, 1e-12):
                code = "follows_own_forward"
            text = (f"{shown}(dout) differs from dout times the mask of the forward before it: "
                    f"{int((dx_kept != kept).sum())} of {dx.size} entries are zero in one and "
                    "not in the other" if code == "fresh_mask" else
                    f"{shown}(dout) differs from dout times the mask of the forward before it")
            raise Failure(text, code)
        if "dx2" in result and not nm.close(result["dx2"], dx, 1e-12, 0):
            raise Failure(f"{shown}: a second backward after the same forward gave another dx "
                          "(backward must reuse the forward's mask)", "fresh_mask")
        if not any(k in result and nm.close(result[k], dout, 1e-12, 0)
                   for k in ("dx_eval", "dx_eval_true")):
            raise Failure(f"{shown} in eval mode should return dout unchanged (the layer is the "
                          "identity there)")


WEIGHT_DECAY = WeightDecay()
DROPOUT_FORWARD = DropoutCheck(backward=False)
DROPOUT_BACKWARD = DropoutCheck(backward=True)
