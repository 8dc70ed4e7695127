"""A backward is graded as the derivative of the true function (``checks/truth.py``).

Each case patches the reference's forward and backward together, grades both exercises
with the public checks (as a student's ``nncourse check`` does) and asserts both
verdicts and the words the student reads: a wrong forward with a backward that mirrors
it earns nothing for the backward; a wrong forward with a right backward costs only the
forward's points.
"""

from __future__ import annotations

import pytest
from bugzoo import Variant, apply

from nncourse.grader import report_text
from nncourse.grader.api import grade_package
from nncourse.grader.checks.diagnose import hint

A, L, LO, R = "activations.py", "layers.py", "losses.py", "regularise.py"
DROP = ("        self._mask = keep / (1.0 - self.p)\n"
        "        return (x * self._mask).astype(x.dtype, copy=False)\n")
SIGMOID = ("        e = np.exp(-np.abs(x))\n        out = np.where(x >= 0, 1.0, e)\n"
           "        out /= 1.0 + e\n        self._out = out\n        return out\n")
SEQ_FORWARD = ("        for module in self.modules:\n            x = module.forward(x)\n"
               "        return x\n")


def pair(name, patches, forward, backward, diagnosis=None, phrase=""):
    """A case: patches, the two exercises, the backward's status, diagnosis and words."""
    return Variant(name, backward, tuple(patches), diagnosis), forward, phrase


CASES = [
    # the wrong pair: forward returns its input, backward returns dout
    (*pair("sigmoid identity forward, backward returns dout",
           [(A, SIGMOID, "        self._out = x\n        return x\n"),
            (A, "return dout * out * (1.0 - out)", "return dout")],
           "sigmoid.forward", "sigmoid.backward", "follows_own_forward",
           "was run on what the true forward caches"), "failed"),
    # the converse: a sign error in forward, backward right in terms of the cached output
    (*pair("sigmoid forward sign error, backward right on the output",
           [(A, SIGMOID, "        out = 1.0 / (1.0 + np.exp(x))\n        self._out = out\n"
                         "        return out\n")],
           "sigmoid.forward", "sigmoid.backward"), "passed"),
    (*pair("tanh forward negated, backward right on the output (own cache name)",
           [(A, "        self._out = np.tanh(x)\n        return self._out\n",
             "        self.t = -np.tanh(x)\n        return self.t\n"),
            (A, "        out = self._cached(\"_out\")\n        dout = check_dout(dout, out.shape,"
                " out.dtype)\n        ### BEGIN SOLUTION tanh.backward",
             "        out = self.t\n        ### BEGIN SOLUTION tanh.backward")],
           "tanh.forward", "tanh.backward"), "passed"),
    (*pair("sigmoid backward feeds the output's formula the input",
           [(A, "        self._out = out\n        return out\n        ### END SOLUTION\n\n"
                "    def backward",
             "        self._out = out\n        self._x = x\n        return out\n"
             "        ### END SOLUTION\n\n    def backward"),
            (A, "return dout * out * (1.0 - out)",
             "return dout * self._x * (1.0 - self._x)")],
           "", "sigmoid.backward", "formula_at_input", "feed it the output"), "failed"),
    (*pair("tanh backward feeds the output's formula the input",
           [(A, "        self._out = np.tanh(x)\n        return self._out\n",
             "        self._out = np.tanh(x)\n        self._x = x\n        return self._out\n"),
            (A, "return dout * (1.0 - out * out)", "return dout * (1.0 - self._x ** 2)")],
           "", "tanh.backward", "formula_at_input", ""), "failed"),
    (*pair("leaky relu backward with the mask reversed",
           [(A, "return np.where(x > 0, dout, self.negative_slope * dout)",
             "return np.where(x > 0, self.negative_slope * dout, dout)")],
           "", "leaky_relu.backward", "mask_reversed", "the slope 1 belongs where x > 0"),
     "failed"),
    (*pair("leaky relu forward with the slope on the wrong side",
           [(A, "return np.where(x > 0, x, self.negative_slope * x)",
             "return np.where(x > 0, self.negative_slope * x, x)")],
           "", "leaky_relu.forward", "mask_reversed", "the slope 1 belongs where x > 0"),
     "failed"),
    (*pair("linear forward subtracts the bias, backward mirrors it",
           [(L, "        out += self.b.value\n", "        out -= self.b.value\n"),
            (L, "self.b.grad += dout.sum(axis=0)", "self.b.grad -= dout.sum(axis=0)")],
           "linear.forward", "linear.backward", "follows_own_forward", "fix forward first"),
     "failed"),
    (*pair("mse forward sums, backward mirrors it",
           [(LO, "return float(np.mean(diff * diff))", "return float(np.sum(diff * diff))"),
            (LO, "return diff * (2.0 * dloss / diff.size)", "return diff * (2.0 * dloss)")],
           "mse.forward", "mse.backward", "follows_own_forward", "fix forward first"),
     "failed"),
    (*pair("log_softmax through np.log(softmax): softmax_ce graded with the true one",
           [(LO, "    shifted = z - z.max(axis=-1, keepdims=True)\n"
                 "    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n"
                 "    return shifted\n", "    return np.log(softmax(z))\n")],
           "softmax.forward", "softmax_ce.forward"), "passed"),
    (*pair("softmax_ce forward negated, backward right on the true cache",
           [(LO, "return float(-np.mean(logp[np.arange(pred.shape[0]), target]))",
             "return float(np.mean(logp[np.arange(pred.shape[0]), target]))")],
           "softmax_ce.forward", "softmax_ce.backward"), "passed"),
    (*pair("batchnorm forward with N - 1, backward right on the true cache",
           [("normalise.py", "var = x.var(axis=0)\n", "var = x.var(axis=0, ddof=1)\n")],
           "batchnorm.forward", "batchnorm.backward"), "passed"),
    (*pair("linear forward forgets x: backward graded on the true cache",
           [(L, "        self._x = x\n", "")], "linear.forward", "linear.backward"), "passed"),
    (*pair("softmax_ce forward caches wrong probabilities: backward on the true ones",
           [(LO, "        self._probs = np.exp(logp)\n", "        self._probs = -np.exp(logp)\n")],
           "", "softmax_ce.backward"), "passed"),
    (*pair("softmax_ce forward caches wrong probabilities: the forward pays",
           [(LO, "        self._probs = np.exp(logp)\n", "        self._probs = -np.exp(logp)\n")],
           "", "softmax_ce.forward", "wrong_cache", "keeps other values in self._probs"),
     "failed"),
    (*pair("sigmoid forward raises: backward graded on the true cache alone",
           [(A, "        e = np.exp(-np.abs(x))\n", "        e = None\n")],
           "sigmoid.forward", "sigmoid.backward"), "passed"),
    (*pair("bce forward raises: backward graded on the true cache alone",
           [(LO, "        return float(np.mean(losses))\n", "        return float(None)\n")],
           "bce_logits.forward", "bce_logits.backward"), "passed"),
    (*pair("linear forward returns the bias alone (wrong shape): no grader fault",
           [(L, "        out += self.b.value\n", "        out = self.b.value\n")],
           "linear.forward", "linear.backward"), "passed"),
    (*pair("log_softmax keeps one column: softmax_ce.backward on the true probabilities",
           [(LO, "    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n",
             "    shifted = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n")],
           "softmax.forward", "softmax_ce.backward"), "passed"),
    (*pair("batchnorm variance over the whole batch (a scalar cache): backward on the true one",
           [("normalise.py", "var = x.var(axis=0)\n", "var = x.var(axis=None)\n")],
           "batchnorm.forward", "batchnorm.backward"), "passed"),
    (*pair("mse forward sums, backward right",
           [(LO, "return float(np.mean(diff * diff))", "return float(np.sum(diff * diff))")],
           "mse.forward", "mse.backward"), "passed"),
    # Sequential: the stand-ins get the inputs the true forward feeds them
    (*pair("sequential forward reversed, backward right",
           [(L, SEQ_FORWARD, SEQ_FORWARD.replace("in self.modules", "in reversed(self.modules)"))],
           "sequential.forward", "sequential.backward"), "passed"),
    (*pair("sequential forward raises, backward right",
           [(L, SEQ_FORWARD, "        return None.forward(x)\n")],
           "sequential.forward", "sequential.backward"), "passed"),
    (*pair("sequential forward and backward both in forward order",
           [(L, SEQ_FORWARD, SEQ_FORWARD.replace("in self.modules", "in reversed(self.modules)")),
            (L, "        for module in reversed(self.modules):\n            dout = module",
             "        for module in self.modules:\n            dout = module")],
           "sequential.forward", "sequential.backward", "wrong_order",
           "Sequential.backward was run on what the true forward caches"), "failed"),
    # dropout: the backward is graded on the true mask of the forward's drop pattern
    (*pair("dropout forward scales by 1 + p, backward multiplies by the mask",
           [(R, "self._mask = keep / (1.0 - self.p)", "self._mask = keep / (1.0 + self.p)")],
           "dropout.forward", "dropout.backward"), "passed"),
    (*pair("dropout forward and backward share a wrong mask of their own",
           [(R, DROP, "        self.m = keep * 1.7\n"
                      "        return (x * self.m).astype(x.dtype, copy=False)\n"),
            (R, "        if self._mask is None:\n            return dout.copy()\n"
                "        return (dout * self._mask).astype(dout.dtype, copy=False)\n",
             "        if not self.training or self.p == 0.0:\n            return dout.copy()\n"
             "        return (dout * self.m).astype(dout.dtype, copy=False)\n")],
           "dropout.forward", "dropout.backward", "follows_own_forward",
           "differs from dout times the mask of the forward before it"), "failed"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0].name for c in CASES])
def test_a_backward_is_graded_against_the_true_function(case, tmp_path):
    variant, forward, phrase, status = case
    exercises = [e for e in (forward, variant.exercise) if e]
    report = grade_package(apply(variant, tmp_path), exercises=exercises, hidden=False,
                           stored_only=True)
    rows = {r["id"]: r for r in report["exercises"]}
    if forward:
        assert rows[forward]["status"] in ("failed", "error"), rows[forward]["message"]
    row = rows[variant.exercise]
    assert (row["status"], row["diagnosis"]) == (status, variant.diagnosis), row["message"]
    text = report_text.as_text(report)
    assert phrase in text
    if variant.diagnosis:
        assert hint(variant.diagnosis) in text


@pytest.mark.parametrize("name, old, new, status, code, phrase", [
    ("dropout forward keeps its mask in a local", DROP,
     "        mask = keep / (1.0 - self.p)\n"
     "        return (x * mask).astype(x.dtype, copy=False)\n",
     "failed", "not_cached", "forward does not keep the mask it drew where backward reads it"),
    # the mutation run's survivor: the mask reset to "" in eval mode and at p = 0
    ("dropout forward resets its mask to ''", "            self._mask = None\n",
     "            self._mask = ''\n", "failed", "not_cached",
     "an eval-mode forward keeps no mask (None)"),
    ("dropout forward divides None", "self._mask = keep / (1.0 - self.p)",
     "self._mask = None / (1.0 - self.p)", "error", "none_value", "Dropout.forward raised"),
])
def test_a_dropout_forward_bug_costs_only_the_forward(name, old, new, status, code, phrase,
                                                      tmp_path):
    variant = Variant(name, "dropout.forward", ((R, old, new),))
    report = grade_package(apply(variant, tmp_path), hidden=False, stored_only=True,
                           exercises=["dropout.forward", "dropout.backward"])
    rows = {r["id"]: r for r in report["exercises"]}
    forward = rows["dropout.forward"]
    assert (forward["status"], forward["diagnosis"]) == (status, code), forward["message"]
    assert phrase in forward["message"]
    assert rows["dropout.backward"]["status"] == "passed", rows["dropout.backward"]["message"]


def test_a_wrong_dropout_backward_is_caught_behind_a_forward_that_raises(tmp_path):
    wrong = Variant("dropout forward raises, backward forgets the scale", "dropout.backward", (
        (R, "self._mask = keep / (1.0 - self.p)", "self._mask = None / (1.0 - self.p)"),
        (R, "        return (dout * self._mask).astype(dout.dtype, copy=False)",
         "        return (dout * (self._mask != 0)).astype(dout.dtype)")))
    report = grade_package(apply(wrong, tmp_path), hidden=False, stored_only=True,
                           exercises=["dropout.backward"])
    row = report["exercises"][0]
    assert row["status"] == "failed" and "your forward raised" in row["message"], row


LINEAR_BACKWARD = ("        self.W.grad += x.T @ dout\n        self.b.grad += dout.sum(axis=0)\n"
                   "        return dout @ self.W.value.T")
BN_BACKWARD = ('        x_hat, inv_std = cached(self, "_x_hat"), cached(self, "_inv_std")\n'
               "        self.beta.grad += np.sum(dout, axis=0)\n"
               "        self.gamma.grad += np.sum(dout * x_hat, axis=0)")


@pytest.mark.parametrize("name, patches, exercise, status, code, phrase", [
    # a wrong forward and a backward that overwrites: graded on the true cache, the
    # second backward must still double the gradients
    ("linear forward without the bias, backward overwrites",
     [(L, "        out += self.b.value\n", ""),
      (L, LINEAR_BACKWARD, LINEAR_BACKWARD.replace("+=", "="))],
     "linear.backward", "failed", "overwrote_grad", "W.grad should be twice the first one"),
    # an own cache (a stack) that the second backward finds empty: its own error
    ("linear backward pops a stack its forward pushes, and overwrites",
     [(L, "        self._x = x\n        out = x @ self.W.value",
       "        self._x = x\n        self.__dict__.setdefault('_stack', []).append(x)\n"
       "        out = x @ self.W.value"),
      (L, LINEAR_BACKWARD, "        x = self._stack.pop()\n"
       + LINEAR_BACKWARD.replace("+=", "="))],
     "linear.backward", "error", None, "pop from empty list"),
    ("batchnorm backward frees its cache and overwrites",
     [("normalise.py", BN_BACKWARD,
       BN_BACKWARD.replace("+=", "=").replace(
           ")\n        self.beta", ")\n        self._x_hat = None\n        self.beta"))],
     "batchnorm.backward", "error", "cache_cleared", "run on the true forward's cache"),
    # a backward that calls forward again: the backward's order, not the forward's fault
    ("sequential backward runs forward again",
     [(L, "        for module in reversed(self.modules):\n            dout = module",
       "        for module in self.modules:\n            module.forward(np.ones((3, 4)))\n"
       "        for module in reversed(self.modules):\n            dout = module")],
     "sequential.backward", "failed", None, "the calls were: forward of module 0"),
])
def test_the_true_cache_does_not_excuse_a_wrong_backward(name, patches, exercise, status,
                                                         code, phrase, tmp_path):
    report = grade_package(apply(Variant(name, exercise, tuple(patches)), tmp_path),
                           exercises=[exercise], hidden=False, stored_only=True)
    row = report["exercises"][0]
    assert (row["status"], row["diagnosis"]) == (status, code), row["message"]
    assert phrase in row["message"]
    assert "does not compute or keep what the true one does" not in row["message"] or \
        exercise != "sequential.backward"
