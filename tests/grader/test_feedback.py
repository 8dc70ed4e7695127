"""What a student reads: the public-check feedback on realistic mistakes.

Each case patches a copy of the reference (``bugzoo.apply``) and runs the public checks
the way ``nncourse check`` does on a student's machine (stored expected values, no
reference), then reads the message and the diagnosis as the student would see them.
"""

import re

import pytest
from bugzoo import BUGS, Variant, apply, bug

from nncourse.grader import report_text
from nncourse.grader.api import grade_package
from nncourse.grader.checks.diagnose import HINTS, hint

A, L, LO, G, OP, T, IN, D = ("activations.py", "layers.py", "losses.py", "gradcheck.py",
                             "optim.py", "train.py", "init.py", "data.py")
SOFTMAX = ("    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
           "    e /= e.sum(axis=-1, keepdims=True)\n    return e")

# (bug, expected status, expected diagnosis, a phrase the message must hold)
CASES = [
    (bug("sigmoid prints instead of returning", "sigmoid.forward", A,
         "        self._out = out\n        return out",
         "        self._out = out\n        print(out)"),
     "error", "no_return", "Printing a value does not return it"),
    (bug("softmax max without keepdims", "softmax.forward", LO, SOFTMAX,
         "    e = np.exp(z - z.max(axis=-1)[:, None])\n    e /= e.sum(axis=-1)\n    return e"),
     "error", "broadcast_shapes", "could not be broadcast"),
    (bug("linear forward x @ W.T", "linear.forward", L,
         "        out = x @ self.W.value\n", "        out = x @ self.W.value.T\n"),
     "error", "matmul_shapes", "Linear.forward raised ValueError"),
    (bug("numerical gradient divides by h", "gradcheck.numerical_gradient", G,
         "grad[i] = (f_plus - f_minus) / (2 * h)", "grad[i] = (f_plus - f_minus) / h"),
     "failed", "double", "got 16.6975, expected 8.34876"),
    (bug("bce through clipped probabilities", "bce_logits.forward", LO,
         "        losses = np.maximum(pred, 0.0) - pred * target + np.log1p(np.exp(-np.abs(pred)))",
         "        s = np.clip(1 / (1 + np.exp(-pred)), 1e-12, 1 - 1e-12)\n"
         "        losses = -target * np.log(s) - (1 - target) * np.log(1 - s)"),
     "failed", "unstable_loss", "gave 11.1472, expected 400.095"),
    (bug("sgd velocity in a local variable", "sgd.step", OP,
         "                v *= self.momentum\n                v += p.grad\n",
         "                v = self.momentum * v + p.grad\n"),
     "failed", "state_between_steps", "after step 2 of 4"),
    (bug("sgd without the learning rate", "sgd.step", OP,
         "                p.value -= self.lr * p.grad\n", "                p.value -= p.grad\n"),
     "failed", "lr_ignored", "SGD(lr=0.1): the parameters after step 1 of 3"),
    (bug("numerical gradient with a tiny h", "gradcheck.numerical_gradient", G,
         "        x[i] = old + h\n        f_plus", "        h = 1e-13\n        x[i] = old + h\n"
         "        f_plus"),
     "failed", "step_size", "sin(x) * c + x**2 differs"),
    (bug("sequential forward backwards", "sequential.forward", L,
         "        for module in self.modules:\n            x = module.forward(x)",
         "        for module in self.modules[::-1]:\n            x = module.forward(x)"),
     "failed", "wrong_order", "the calls were: forward of module 4, forward of module 3,"),
    (bug("capstone trained with dW divided by N", "capstone.digits", L,
         "self.W.grad += x.T @ dout", "self.W.grad += x.T @ dout / len(x)"),
     "failed", None, "It trains with your own linear.forward, linear.backward, relu.forward"),
    (bug("relu forward: code written, raise left in", "relu.forward", A,
         "        return np.maximum(x, 0.0)",
         "        out = np.maximum(x, 0.0)\n        raise NotImplementedError("
         "'Exercise relu.forward (lesson 01): not implemented yet')"),
     "not_implemented", None, "1 not implemented yet (still raising NotImplementedError)"),
    (bug("softmax cross-entropy gradient without the one-hot", "softmax_ce.backward", LO,
         "        dz[np.arange(probs.shape[0]), y] -= 1.0\n", ""),
     "failed", "onehot_not_subtracted", "got 0.0122204, expected -0.16278"),
    (bug("rel_error over the norm of a only", "gradcheck.rel_error", G,
         "    scale = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)",
         "    scale = np.linalg.norm(a)"),
     "failed", "one_norm_denominator",
     "rel_error(a, b) for b = a plus noise of size 1e-6 gave 1.26386e-06, "
     "expected 6.31929e-07\n         rel_error(a, b) = ||a - b|| / max(||a|| + ||b||, tiny)"),
    (bug("early stopping one step late", "train.early_stopping", T,
         "return self.bad_epochs >= self.patience", "return self.bad_epochs > self.patience"),
     "failed", "patience_off_by_one", "first difference at step 4 (loss 0.92): answered "
     "False, expected True"),
    (bug("linear forward returns (out, cache)", "linear.forward", L,
         "        out += self.b.value\n        return out",
         "        out += self.b.value\n        return out, x"),
     "error", "returned_tuple", "Likely bug: more than the array is returned: return only the "
     "array, and keep what backward needs on self"),
    (bug("softmax along axis 0", "softmax.forward", LO, SOFTMAX,
         "    e = np.exp(z - z.max(axis=0, keepdims=True))\n"
         "    e /= e.sum(axis=0, keepdims=True)\n    return e"),
     "failed", "wrong_axis", "at [0, 1]: got 0.809861, expected 0.509632"),
    (bug("adam step count never increased", "adam.step", OP, "        self.t += 1\n",
         "        t = self.t + 1\n"),
     "error", "zero_division", "Adam.step raised ZeroDivisionError"),
    (bug("train_epoch returns the last batch loss", "train.train_epoch", T,
         "    return total / seen\n", "    return float(loss)\n"),
     "failed", "last_batch_loss", "train_epoch returned 6.86052"),
    (bug("leaky relu backward without the slope", "leaky_relu.backward", A,
         "return np.where(x > 0, dout, self.negative_slope * dout)",
         "return np.where(x > 0, dout, 0.0)"),
     "failed", "slope_ignored", "LeakyReLU.backward(dout)"),
    (bug("linear forward still the stub", "linear.backward", L,
         "        self._x = x\n        out = x @ self.W.value\n",
         "        raise NotImplementedError('Exercise linear.forward (lesson 01): not "
         "implemented yet')\n        out = x\n"),
     "not_implemented", None, "linear.backward needs linear.forward, which is not "
     "implemented yet; do that first."),
    (bug("sequential backward drops the chain", "sequential.backward", L,
         "            dout = module.backward(dout)", "            module.backward(dout)"),
     "failed", "chain_dropped", "dout =\n"),
    (bug("numerical gradient perturbs a copy", "gradcheck.numerical_gradient", G,
         "    for i in np.ndindex(x.shape):",
         "    x = x.copy()\n    for i in np.ndindex(x.shape):"),
     "failed", "perturbed_copy", "reads x from its enclosing scope (as check_module does) "
     "differs from the expected values"),
    (bug("minibatches never stops", "train.minibatches", T,
         "    for start in range(0, n, batch_size):",
         "    start = 0\n    while True:\n        start = start % n"),
     "failed", None, "still yielding after 12 batches"),
    (bug("he_normal by uniform draws, dtype ignored", "init.he", IN,
         "    std = np.sqrt(2.0 / fan_in)\n    return normal((fan_in, fan_out), std, rng, dtype)",
         "    std = np.sqrt(2.0 / fan_in)\n    return rng.uniform(-std, std, (fan_in, fan_out))"),
     "failed", "dtype_changed", "dtype=np.float32) did not return float32"),
    (bug("early stopping never records best_epoch", "train.early_stopping", T,
         "            self.best_epoch = self.epoch\n", ""),
     "failed", "stopping_state", "after step 1 best_epoch is never set, expected 0 (the "
     "0-based index "
     "of the step that gave best"),
    (bug("one_hot with integer entries", "data.one_hot", D,
         "    Y = np.zeros((len(y), num_classes))",
         "    Y = np.zeros((len(y), num_classes), dtype=int)"),
     "failed", None, "np.zeros((N, C)) is float64 by default"),
]
CASES += [
    (bug("one_hot returns a list", "data.one_hot", D,
         "    Y[np.arange(len(y)), y] = 1.0\n    return Y",
         "    Y[np.arange(len(y)), y] = 1.0\n    return Y.tolist()"),
     "error", "returned_list", "returned a list; expected a numpy array"),
    (bug("an exception says where in the student's file", "linear.forward", L,
         "        out = x @ self.W.value\n", "        out = x @ self.W.value.T\n"),
     "error", "matmul_shapes", "(at nnlib/layers.py, line "),
]
CASES += [
    (bug("train_epoch forgets to pass its rng on", "train.train_epoch", T,
         "    for Xb, yb in minibatches(X, y, batch_size, rng=rng):",
         "    for Xb, yb in minibatches(X, y, batch_size):"),
     "error", "rng_not_passed", "pass train_epoch's rng on to minibatches"),
]
CASES += [
    (bug("softmax_ce backward subtracts the one-hot from its cached probs", "softmax_ce.backward",
         LO, "        dz = probs.copy()\n", "        dz = probs\n"),
     "failed", "mutated_cache", "called twice with the same dout returned two different gradients"),
]
CASES += [
    (bug("tanh computes in float32", "tanh.forward", A,
         "        self._out = np.tanh(x)", "        self._out = np.tanh(x.astype(np.float32))"),
     "failed", None, "turned a float64 input into float32"),
]
CASES += [  # numerical stability is graded where the lessons teach it
    (bug("naive sigmoid: right values by way of an overflow", "sigmoid.forward", A,
         "        e = np.exp(-np.abs(x))\n        out = np.where(x >= 0, 1.0, e)\n"
         "        out /= 1.0 + e\n", "        out = 1.0 / (1.0 + np.exp(-x))\n"),
     "failed", "unstable_sigmoid", "made numpy warn 'overflow encountered in exp' for x ="),
    (bug("log_softmax as the log of softmax", "softmax.forward", LO,
         "    shifted = z - z.max(axis=-1, keepdims=True)\n"
         "    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n"
         "    return shifted\n", "    return np.log(softmax(z))\n"),
     "failed", "log_of_softmax", "log_softmax(z) gives NaN or inf for logits of +-1000"),
]
CASES += [  # numerical_gradient perturbs in place on purpose: "work on a copy" is wrong there
    (bug("numerical_gradient leaves x at x - h", "gradcheck.numerical_gradient", G,
         "        x[i] = old\n        grad[i]", "        grad[i]"),
     "failed", "not_restored", "numerical_gradient left x changed"),
]
CASES += [  # training-loop bugs named by their cause, not by a symptom
    (bug("sgd keeps one velocity for all parameters", "sgd.step", OP,
         "        for p, v in zip(self.params, self.velocities, strict=True):\n"
         "            if self.momentum:\n                v *= self.momentum\n"
         "                v += p.grad\n                p.value -= self.lr * v\n",
         "        for p in self.params:\n            if self.momentum:\n"
         "                self.v = self.momentum * getattr(self, 'v', 0.0) + p.grad\n"
         "                p.value -= self.lr * self.v\n"),
     "error", "state_shared", "on parameters of the shapes (3, 2), (2,)"),
    (bug("train_epoch never calls zero_grad", "train.train_epoch", T,
         "        optimizer.zero_grad()\n", ""),
     "failed", "zero_grad_missing", "(zero_grad never called)"),
    (Variant("early stopping compares with the last loss", "train.early_stopping", (
        (T, "        if val_loss < self.best - self.min_delta:\n",
         "        if val_loss < getattr(self, 'last', float('inf')) - self.min_delta:\n"),
        (T, "        self.epoch += 1\n        return self.bad_epochs",
         "        self.last = float(val_loss)\n        self.epoch += 1\n"
         "        return self.bad_epochs"))),
     "failed", "compared_with_last", "first difference at step 4 (loss 0.92)"),
]
CASES += [  # (N, 1) against (N,) broadcasts to (N, N)
    (bug("mse squeezes pred", "mse.forward", LO, "        diff = pred - target\n",
         "        diff = pred.squeeze() - target\n"),
     "failed", "squeezed_broadcast", "MSELoss.forward gave"),
    (bug("bce ravels the logits", "bce_logits.forward", LO, "        losses = np.maximum(",
         "        pred = pred.ravel() if pred.shape[1] == 1 else pred\n"
         "        losses = np.maximum("),
     "failed", "squeezed_broadcast", "BCEWithLogitsLoss.forward gave"),
]
CASES += [  # a forward that forgets its cache fails itself, not the backward after it
    (bug("sigmoid forward caches nothing", "sigmoid.forward", A,
         "        self._out = out\n        return out\n", "        return out\n"),
     "failed", "not_cached", "Sigmoid.forward gives the right output but does not keep"),
    (bug("linear forward forgets x", "linear.forward", L, "        self._x = x\n", ""),
     "failed", "not_cached", "Linear.forward gives the right output but does not keep"),
    (bug("bce forward forgets its targets", "bce_logits.forward", LO,
         "        self._z, self._y = pred, target\n", "        self._z, self._y = pred, None\n"),
     "failed", "not_cached", "BCEWithLogitsLoss.forward gives the right output"),
]
CASES += [  # a cache is graded too: backward will use it
    (bug("softmax_ce caches naive probabilities", "softmax_ce.forward", LO,
         "        self._probs = np.exp(logp)\n",
         "        self._probs = np.exp(pred) / np.exp(pred).sum(axis=1, keepdims=True)\n"),
     "failed", "unstable_softmax", "but caches NaN or inf in self._probs"),
]
CASES += [  # a transposed weight gradient is not a bias bug
    (bug("linear backward dW transposed", "linear.backward", L,
         "self.W.grad += x.T @ dout", "self.W.grad += dout.T @ x"),
     "error", "transposed", "Linear.backward raised ValueError"),
]
CASES += [  # Sequential's loops
    (bug("sequential feeds every module the original input", "sequential.forward", L,
         "        for module in self.modules:\n            x = module.forward(x)\n"
         "        return x\n",
         "        for module in self.modules:\n            out = module.forward(x)\n"
         "        return out\n"),
     "failed", "original_input", "Sequential.forward: the output differs"),
    (bug("sequential backward skips the first module", "sequential.backward", L,
         "        for module in reversed(self.modules):\n            dout = module.backward",
         "        for module in reversed(self.modules[1:]):\n            dout = module.backward"),
     "failed", "module_skipped", "the calls were: backward of module 4, backward of module 3, "
     "backward of module 2, backward of module 1\n"),
    (bug("sequential forward skips the last module", "sequential.forward", L,
         "        for module in self.modules:\n            x = module.forward(x)\n",
         "        for module in self.modules[:-1]:\n            x = module.forward(x)\n"),
     "failed", "module_skipped", "should call the 5 modules once each"),
]
ZOO = {"tanh through exp overflows at +-800": "for x = [[-800.  -50.    0.   50.  800.]]",
       "mse gradient averaged over rows only": "got -0.95621, expected -0.478105"}
CASES += [(b, "failed", b.diagnosis, ZOO[b.name]) for b in BUGS if b.name in ZOO]
LESSON10 = {  # what a student reads for the classic regularisation bugs of the zoo
    "weight decay on the bias too": "a bias's gradient should come back unchanged",
    "weight decay with the wrong sign": "W.grad (shape (3, 2)) after add_weight_decay",
    "weight decay shrinks the values": "changed W.value; it should change only the gradients",
    "weight decay replaces the gradient": "W.grad (shape (3, 2)) after add_weight_decay",
    "dropout scales at test time instead of training": "in eval mode should return x "
                                                       "unchanged",
    "dropout scales in both modes": "every entry was multiplied by 0.75",
    "dropout scales by p": "each kept entry is x times 0.25",
    "dropout never rescales": "the mean of out / x is about 0.75",
    "dropout keeps with probability p": "expected about 25% (p is the probability of dropping)",
    "dropout draws from np.random": "two modules with the same seed gave different outputs",
    "dropout drops in eval mode": "it changed some entries",
    "dropout draws in eval mode too": "in eval mode drew random numbers from its rng",
    "dropout backward draws a fresh mask": "are zero in one and not in the other",
    "dropout promotes float32 to float64": "turned a float32 input into float64",
    "dropout backward promotes float32 dout": "turned a float32 dout into float64",
    "dropout backward forgets the scale": "differs from dout times the mask of the forward",
}
CASES += [(b, "failed", b.diagnosis, LESSON10[b.name]) for b in BUGS if b.name in LESSON10]
LESSON09 = {  # what a student reads for the classic bugs of the autodiff engine
    "backward assigns instead of accumulating": "as one node whose parents are (x, x)",
    "backward walks the order forwards": "at [1, 1]: got 0, expected",
    "backward never resets the gradients": "a second root.backward(grad)",
    "backward ignores the grad it is given": "on a chain x -> sin -> scale -> sin",
    "topo_order by recursion": "raised RecursionError on a deep graph (a chain of 5000",
    "topo_order returns the root first": "node 7 comes before its parent 5",
    "topo_order visits a node twice": "lists node(s) [0, 2] more than once",
    "add without unbroadcast": "the gradient of b has shape (2, 3), expected (3,)",
    "unbroadcast forgets the axes of size 1": "the gradient of a has shape (2, 3), expected (2, 1)",
    "mul uses each operand's own value": "the rule of a * b for a of shape (2, 3)",
    "matmul transposes swapped": "the rule of a @ b for a of shape (2, 4) and b of shape (4, 3) "
                                 "raised ValueError",
    "matmul gradients in the wrong order": "the gradient of a has shape (4, 3), expected (2, 4)",
    "sum does not spread dout back": "the gradient of a has shape (), expected (2, 3)",
    "mul rule adds to .grad itself": "wrote to an operand's .grad",
}
ERRORS09 = {"topo_order by recursion", "matmul transposes swapped"}
CASES += [(b, "error" if b.name in ERRORS09 else "failed", b.diagnosis, LESSON09[b.name])
          for b in BUGS if b.name in LESSON09]
LESSON11 = {  # what a student reads for the classic batch-norm bugs of the zoo
    "batchnorm variance with N - 1": "divided by N - 1 (ddof=1, the unbiased estimate)",
    "batchnorm eps outside the square root": "eps is added outside the square root",
    "batchnorm updates the running statistics in eval": "BatchNorm1d in eval mode changed "
                                                        "running_mean",
    "batchnorm eval with the batch statistics": "forward(x) in eval mode differs from the "
                                                "expected values",
    "batchnorm momentum reversed": "the newest batch gets the weight momentum",
    "batchnorm running statistics never updated": "with running_mean = [ 1.5433 -0.7421 "
                                                  "-0.9614] before",
    "batchnorm running variance with N - 1": "running_var after one training-mode forward",
    "batchnorm backward only the direct path": "dx does not match central differences of "
                                               "your forward in training mode",
    "batchnorm gamma and beta gradients not summed": "gamma.grad has shape (5, 3), expected (3,)",
    "batchnorm gamma and beta gradients averaged": "gamma.grad does not match central "
                                                   "differences",
    "batchnorm gradients overwritten": "gamma.grad should be twice the first one",
}
CASES += [(b, "failed", b.diagnosis, LESSON11[b.name]) for b in BUGS if b.name in LESSON11]
CASES += [(b, "error", b.diagnosis, "non-broadcastable output operand with shape (3,)")
          for b in BUGS if b.name == "batchnorm beta gradient added in place without the sum"]
NAMED = {"linear forward without bias": "bias_missing", "one_hot off by one": "label_off_by_one",
         "leaky relu ignores its slope": "slope_ignored_default"}  # zoo entries, now named
CASES += [(b, "failed", NAMED[b.name], "") for b in BUGS if b.name in NAMED]


def student_check(variant, tmp_path):
    """The report of ``nncourse check EXERCISE`` on the patched copy."""
    parent = apply(variant, tmp_path)
    return grade_package(parent, exercises=[variant.exercise], hidden=False, stored_only=True)


@pytest.mark.parametrize("case", CASES, ids=[c[0].name for c in CASES])
def test_the_student_reads_a_precise_message(case, tmp_path):
    variant, status, diagnosis, phrase = case
    report = student_check(variant, tmp_path)
    row = report["exercises"][0]
    assert (row["status"], row["diagnosis"]) == (status, diagnosis), row["message"]
    text = report_text.as_text(report)
    assert phrase in text
    assert "BadReturn" not in text and "\n         \n" not in text  # no jargon, no empty line
    if diagnosis:
        assert hint(diagnosis) in text
    assert "all tests passed" not in text


def test_hints_name_dloss_and_tell_half_from_double():
    assert "dloss" in HINTS["no_upstream"]
    assert "half" in HINTS["factor_two"] and "twice" in HINTS["double"]


def test_summary_never_claims_more_than_what_ran():
    row = {"id": "relu.forward", "points": 1, "max_points": 1, "status": "passed",
           "message": "", "diagnosis": None}
    public = {"exercises": [row], "public_only": True, "score": 1, "max_score": 1}
    for text in (report_text.as_text(public), report_text.as_html(public)):
        assert "all public checks passed" in text and "all tests passed" not in text
    assert re.search(r"hidden included\) passed",
                     report_text.summary({**public, "public_only": False}))


def row(id_, status, message=""):
    points = 0 if status != "passed" else 1
    return {"id": id_, "points": points, "max_points": 1, "status": status,
            "message": message, "diagnosis": None}


def test_a_failure_names_the_failing_exercises_it_runs_and_timeouts_get_advice():
    report = {"exercises": [row("linear.backward", "failed", "W.grad ...\nLikely bug: x"),
                            row("relu.forward", "passed"),
                            row("capstone.digits", "failed", "test accuracy 50%"),
                            row("train.minibatches", "timeout", "no result within 5 s")],
              "public_only": True, "score": 1, "max_score": 4}
    text = report_text.as_text(report)
    assert "This check runs your linear.backward, train.minibatches, which did not pass" in text
    assert text.count("This check runs your") == 1  # relu.forward passed: not named
    assert "print inside a loop" in text
    page = report_text.as_html(report)
    assert "<b>Likely bug:</b> x" in page and "vertical-align:top" in page


def test_an_import_error_is_shown_once_with_the_students_path(tmp_path):
    variant = bug("syntax error in layers.py", "linear.forward", L,
                  "        out += self.b.value\n", "        out += self.b.value)\n")
    parent = apply(variant, tmp_path)
    report = grade_package(parent, lesson=1, hidden=False, stored_only=True)
    text = report_text.as_text(report)
    assert text.count("SyntaxError") == 1 and 'File "nnlib/layers.py", line' in text
    assert "nncourse-worker" not in text
    assert text.count("the same import error as sigmoid.forward above") == 5


def test_a_bug_only_hidden_checks_catch_says_where_to_look(tmp_path):
    # Hard-coded to the public checks' 4 columns: right there, wrong at the hidden sizes.
    variant = bug("relu keeps only 4 columns", "relu.forward", A,
                  "        return np.maximum(x, 0.0)",
                  "        out = np.zeros_like(x)\n"
                  "        out[:, :4] = np.maximum(x[:, :4], 0.0)\n        return out")
    parent = apply(variant, tmp_path)
    public = grade_package(parent, exercises=["relu.forward"], hidden=False, stored_only=True)
    assert public["exercises"][0]["status"] == "passed"
    report = grade_package(parent, exercises=["relu.forward"], hidden=True)
    row = report["exercises"][0]
    assert row["status"] == "failed"
    assert row["message"].startswith("A hidden check (other sizes and seeds) failed")
    assert "a hard-coded size or shape" in row["message"]
