"""Checks of lesson 11: batch normalisation (``normalise.BatchNorm1d``).

``batchnorm.forward``, in float64 on batches of at least 4 rows whose features have
different means and spreads:

- the training output against the reference (and the contract's definition), first at a
  large ``eps = 0.5``, where an ``eps`` added outside the square root shows;
- with ``gamma = 1`` and ``beta = 0`` every output feature has mean 0 and (biased)
  variance ``var / (var + eps)`` over the batch, 1 up to eps (the variance of the batch
  is the one divided by N);
- the running statistics after one training forward follow the contract's rule
  ``running = running * (1 - momentum) + batch * momentum`` (biased batch variance);
- a fresh module in eval mode uses the running statistics, leaves them unchanged, gives
  the same output on a second call and for one row alone; ``train()`` again updates them.

``batchnorm.backward``: ``dx``, ``gamma.grad`` and ``beta.grad`` against central
differences (float64, step 1e-6, a random ``dout``) of the student's own training-mode
forward along random directions and coordinates, and against the reference, when that
forward agrees with it; a second backward must double the parameter gradients. When the
forward does not agree, the backward is run again on the cache the reference's forward
keeps (``checks/truth.py``: values swapped in where the student's cache has the
reference's names, ``_x_hat`` and ``_inv_std``, or is a copy of the output) and its
gradients must be the reference's: a backward that mirrors a wrong forward earns nothing,
and a right one keeps its points. A cache named otherwise is kept as the student's
forward made it (the contract does not fix the names), and the feedback says so.

The expected running statistics and the diagnoses' candidates are computed here from the
contract (its definition and update rule), never from a derived formula.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import compare, kept_cache, no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose
from nncourse.grader.checks.layers import accumulates, differences_text, gradients_on_true_forward
from nncourse.grader.checks.signatures import signature_code
from nncourse.grader.checks.truth import (
    CACHE,
    forward_is_true,
    on_true_forward,
    true_forward_result,
)


def features(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """A batch (n, d) whose features have different means (about +-3) and spreads (0.5-3)."""
    return rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-3, 3, d)


def normalised(x, mean, var, eps, gamma=1.0, beta=0.0):
    """The contract's definition: ``gamma * (x - mean) / sqrt(var + eps) + beta``."""
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def fmt_array(values) -> str:
    """A short vector printed in 4 significant digits."""
    return np.array2string(np.asarray(values, dtype=np.float64), precision=4)


def moments(x):
    """The batch's mean and biased variance per feature, and the variance divided by N - 1."""
    return x.mean(axis=0), x.var(axis=0), x.var(axis=0, ddof=1)


def bn_inputs(rng, n, d, params=True, stats=True):
    """Inputs of a ``batchnorm`` probe call: ``x``, ``gamma`` (|gamma| >= 0.5), ``beta``, stats."""
    inputs = {"x": features(rng, n, d)}
    if params:
        inputs["param:gamma"] = nm.away_from_kinks(rng, d, 0.5)
        inputs["param:beta"] = rng.standard_normal(d)
    if stats:
        inputs["running_mean"] = rng.standard_normal(d)
        inputs["running_var"] = rng.uniform(0.5, 2.0, d)
    return inputs


class BatchNormForward(Check):
    """``BatchNorm1d.forward``: batch statistics, running statistics, eval mode."""

    public = [{"seed": 60, "n": 5, "d": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        n, d = variant["n"], variant["d"]
        want = ("y", "y_eval", CACHE)
        # the large eps first: there an eps added outside the square root shows clearly
        return [Call("batchnorm", {"momentum": 0.1, "eps": 0.5}, bn_inputs(rng, n, d),
                     want=want, label="large eps"),
                Call("batchnorm", {"momentum": 0.3, "eps": 1e-5}, bn_inputs(rng, n, d, False),
                     want=want, label="unit"),
                Call("batchnorm", {"momentum": 0.2, "eps": 1e-5}, bn_inputs(rng, n + 2, d),
                     want=want, label="general")]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            result = require(result, "BatchNorm1d.forward")
            no_mutation(result, ["x"], "BatchNorm1d.forward")
            x = call.inputs["x"]
            for key in ("y", "y_eval", "y_eval2"):
                nm.check_shape(result[key], x.shape, "BatchNorm1d.forward(x)")
            if call.label == "unit":
                self.judge_unit(variant, result, call)
            self.judge_training(variant, result, call, None if want is None else want[i])
            self.judge_running(variant, result, call)
            self.judge_eval(variant, result, call, None if want is None else want[i])
        kept_cache(got, "BatchNorm1d.forward", want)  # backward is graded on the true cache

    def judge_unit(self, variant, result, call):
        """With gamma = 1 and beta = 0: mean 0 and variance var / (var + eps) per feature."""
        x, eps = call.inputs["x"], call.args["eps"]
        n = x.shape[0]
        _, var, _ = moments(x)
        y = np.asarray(result["y"], dtype=np.float64)
        got_mean, got_var, want_var = y.mean(axis=0), y.var(axis=0), var / (var + eps)
        if nm.close(got_mean, np.zeros_like(got_mean), 0, 1e-9) and \
                nm.close(got_var, want_var, 1e-7, 0):
            return
        code = None
        if nm.close(got_var, want_var * (n - 1) / n, 1e-4, 0):
            code = "bn_ddof1"
        text = (f"BatchNorm1d({x.shape[1]}) in training mode with gamma = 1 and beta = 0: "
                "each output feature should have mean 0 and variance 1 over the batch "
                "(exactly var / (var + eps))")
        if variant.public:
            text += (f"; for this batch of {n} rows the features have mean "
                     f"{fmt_array(got_mean)} and variance {fmt_array(got_var)}, expected "
                     f"{fmt_array(want_var)}")
        raise Failure(text, code)

    def judge_training(self, variant, result, call, want):
        """The training output against the reference and the contract's definition."""
        x, eps = call.inputs["x"], call.args["eps"]
        gamma, beta = call.inputs.get("param:gamma", 1.0), call.inputs.get("param:beta", 0.0)
        mean, var, var1 = moments(x)
        expected = normalised(x, mean, var, eps, gamma, beta) if want is None else want["y"]
        candidates = {
            "bn_ddof1": normalised(x, mean, var1, eps, gamma, beta),
            "bn_eps_outside": gamma * (x - mean) / (np.sqrt(var) + eps) + beta,
            "bn_running_in_training": normalised(x, call.inputs.get("running_mean", 0.0),
                                                 call.inputs.get("running_var", 1.0), eps,
                                                 gamma, beta)}
        shown = [(k.replace("param:", ""), v) for k, v in call.inputs.items()
                 if k in ("x", "param:gamma", "param:beta")]
        compare(result["y"], expected, f"BatchNorm1d(eps={eps}).forward(x) in training mode",
                variant, rtol=1e-9, atol=1e-12, inputs=shown, candidates=candidates)

    def judge_running(self, variant, result, call):
        """The running statistics after one training forward, and after eval() then train()."""
        if "running_mean" not in call.inputs:
            return
        x, m = call.inputs["x"], call.args["momentum"]
        mean, var, var1 = moments(x)
        for stat, batch, unbiased in (("mean", mean, None), ("var", var, var1)):
            old = call.inputs[f"running_{stat}"]
            right = (1 - m) * old + m * batch
            got = np.asarray(result[f"r1_{stat}"], dtype=np.float64)
            what = f"running_{stat} after one training-mode forward (momentum={m})"
            nm.check_shape(got, old.shape, what)
            if not nm.close(got, right, 1e-9, 1e-12):
                candidates = {"bn_momentum_reversed": m * old + (1 - m) * batch,
                              "bn_running_not_updated": old}
                if unbiased is not None:
                    candidates["bn_running_var_ddof1"] = (1 - m) * old + m * unbiased
                code = diagnose(got, right, candidates=candidates)
                rule = f"running_{stat} * (1 - momentum) + the batch's {stat} * momentum"
                text = (f"{what} is {fmt_array(got)}, expected {fmt_array(right)} ({rule}, "
                        f"with running_{stat} = {fmt_array(old)} before)" if variant.public
                        else f"{what} differs from the expected values ({rule})")
                raise Failure(text, code if code not in (None, "sign") else "bn_running_rule")
            after = np.asarray(result[f"ra_{stat}"], dtype=np.float64)
            if nm.close(after, old, 1e-12, 0):
                raise Failure(f"after eval() and then train(), a training-mode forward no "
                              f"longer updates running_{stat}")

    def judge_eval(self, variant, result, call, want):
        """Eval mode: running statistics used, left unchanged, same output every call."""
        x, eps = call.inputs["x"], call.args["eps"]
        gamma, beta = call.inputs.get("param:gamma", 1.0), call.inputs.get("param:beta", 0.0)
        rm = call.inputs.get("running_mean", np.zeros(x.shape[1]))
        rv = call.inputs.get("running_var", np.ones(x.shape[1]))
        for stat, old in (("mean", rm), ("var", rv)):
            if not nm.close(result[f"re_{stat}"], old, 1e-12, 0):
                change = (f" (from {fmt_array(old)} to {fmt_array(result[f're_{stat}'])})"
                          if variant.public else "")
                raise Failure(f"BatchNorm1d in eval mode changed running_{stat}{change}; "
                              "evaluation must leave the running statistics as they are",
                              "bn_updates_in_eval")
        expected = normalised(x, rm, rv, eps, gamma, beta) if want is None else want["y_eval"]
        mean, var, _ = moments(x)
        shown = [(k.replace("param:", ""), v) for k, v in call.inputs.items() if k != "x"]
        compare(result["y_eval"], expected, f"BatchNorm1d(eps={eps}).forward(x) in eval mode",
                variant, rtol=1e-9, atol=1e-12, inputs=shown,
                candidates={"bn_eval_batch_stats": normalised(x, mean, var, eps, gamma, beta)})
        if not nm.close(result["y_eval2"], result["y_eval"], 1e-12, 0):
            raise Failure("BatchNorm1d in eval mode gave another output on a second call with "
                          "the same x: evaluation must not change the module",
                          "bn_updates_in_eval")
        y_row = np.asarray(result["y_row"], dtype=np.float64)
        nm.check_shape(y_row, (1, x.shape[1]), "BatchNorm1d.forward(x[:1]) in eval mode")
        if not nm.close(y_row, np.asarray(result["y_eval"])[:1], 1e-9, 1e-12):
            raise Failure("BatchNorm1d in eval mode gave another output for the first row "
                          "alone than for the same row in the batch: in evaluation an "
                          "example's output must not depend on the other examples",
                          "bn_eval_batch_stats")


class BatchNormBackward(Check):
    """``BatchNorm1d.backward``: finite differences, reference, accumulation."""

    public = [{"seed": 61, "n": 5, "d": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng(1)
        n, d = variant["n"], variant["d"]
        inputs = bn_inputs(rng, n, d, stats=False)
        inputs["dout"] = rng.standard_normal((n, d))
        dirs = {}
        for name, key in (("x", "x"), ("gamma", "param:gamma"), ("beta", "param:beta")):
            dirs[name] = nm.directions(rng, inputs[key].shape)
            inputs["xs" if name == "x" else f"{name}s"] = nm.perturbed(inputs[key], dirs[name])
        args = {"module": "normalise.BatchNorm1d", "init_args": [d],
                "init": {"momentum": 0.1, "eps": 1e-5}, "params": ["gamma", "beta"],
                "twice": True, "report_cache": True, "grading_backward": True}
        call = Call("module", args, inputs, want=("y", "dx", "grad:gamma", "grad:beta", CACHE))
        call.dirs = dirs
        return [call, on_true_forward(call, 0, "y", ("x", "dout"))]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        call, result = calls[0], got[0]
        true = forward_is_true(result, want and want[0], "y", 1e-9, got[1])
        if true is not False and not result.ok and \
                "non-broadcastable output operand" in result.error:
            # an (N, D) array added in place into a (D,) gradient; other broadcast errors
            # (in dx, say) get require's generic diagnosis
            raise Failure(f"BatchNorm1d.backward raised {result.describe_error()}",
                          "bn_grads_not_summed", status="error")
        x, dout = call.inputs["x"], call.inputs["dout"]
        n, d = x.shape
        if true is False:  # graded on the true forward's cache
            gradients_on_true_forward(
                variant, true_forward_result(got[1], "BatchNorm1d.backward"), want[0],
                {"dx": "dx", "grad:gamma": "gamma.grad", "grad:beta": "beta.grad"},
                "BatchNorm1d", n)
            return
        result = require(result, "BatchNorm1d.forward/backward")
        # x changed in place by forward is the forward's own check's business
        no_mutation(result, ["dout"], "BatchNorm1d.backward")
        nm.check_shape(result["y"], (n, d), "BatchNorm1d.forward(x)")  # before the differences
        for key, shape in {"dx": (n, d), "grad:gamma": (d,), "grad:beta": (d,)}.items():
            label = "dx" if key == "dx" else key[5:] + ".grad"
            if key != "dx" and tuple(np.shape(result[key])) in ((n, d), (1, d)):
                raise Failure(f"{label} has shape {np.shape(result[key])}, expected {shape}",
                              "bn_grads_not_summed")
            nm.check_shape(result[key], shape, label)
        matches = None if want is None else nm.close(result["y"], want[0]["y"], 1e-9, 1e-12)
        names = {"x": ("dx", "ys"), "gamma": ("grad:gamma", "ys:gamma"),
                 "beta": ("grad:beta", "ys:beta")}
        for name, (grad_key, ys_key) in names.items():
            dirs = call.dirs[name]
            numeric = nm.directional(result[ys_key], nm.H, dout)
            analytic = nm.along(result[grad_key], dirs)
            ref = None if want is None else want[0][grad_key]
            if nm.gradient_ok(analytic, numeric, result[grad_key], ref, matches):
                continue
            label = "dx" if name == "x" else f"{name}.grad"
            candidates = {"no_upstream": nm.directional(result[ys_key], nm.H, np.ones_like(dout))}
            gamma = call.inputs["param:gamma"]
            if name == "x":
                _, var, _ = moments(x)
                local = dout * gamma / np.sqrt(var + call.args["init"]["eps"])
                candidates["bn_no_stat_paths"] = nm.along(local, dirs)
                # through x_hat and the mean, not the variance (which every x moves)
                candidates["bn_no_var_path"] = nm.along(
                    (dout - dout.mean(axis=0)) * gamma / np.sqrt(var + call.args["init"]["eps"]),
                    dirs)
                if ref is not None and np.all(gamma != 0):
                    candidates["bn_gamma_left_out"] = nm.along(ref / gamma, dirs)
            else:
                candidates["bn_grads_not_summed"] = numeric / n
                if name == "gamma":
                    candidates["bn_dgamma_no_xhat"] = nm.along(dout.sum(axis=0), dirs)
            code = diagnose(analytic, numeric, n=n, candidates=candidates)
            if code == "batch_scale" and name != "x":
                code = "bn_grads_not_summed"
            if code is None and ref is not None:  # the error's shape, on whole arrays
                code = signature_code(result[grad_key], ref)
            raise Failure(differences_text(label, " in training mode", result[grad_key],
                                           numeric, dirs, call, ("x", "param:gamma", "dout"),
                                           variant), code)
        accumulates(result, ("gamma", "beta"))


BATCHNORM_FORWARD = BatchNormForward()
BATCHNORM_BACKWARD = BatchNormBackward()
