"""Feedback names a cause for bugs nobody wrote a check for.

Three mechanisms, each tested by what a student reads:

- an exception the code raised is read for its likely cause (``checks/exceptions.py``):
  a None in an operation, a call with missing arguments, an index past an axis...;
- a wrong result whose error has a shape (``checks/signatures.py``): NaN, all zeros, a
  constant factor or offset, one sign of the input, only the true class's entries;
- the part of a multi-part exercise that goes wrong: Adam's m, v or t, the velocity, the
  running statistics, the early-stopping answers, the batches of an epoch, the order.

Each end-to-end case patches a copy of the reference (``bugzoo.apply``) with a bug a
student could write and runs the public checks as ``nncourse check`` does.
"""

import numpy as np
import pytest
from bugzoo import apply, bug

from nncourse.grader import report_text
from nncourse.grader.api import grade_package
from nncourse.grader.checks.autodiff import TOPO_ORDER
from nncourse.grader.checks.base import Failure, Result, Variant
from nncourse.grader.checks.diagnose import GENERIC_CODES, HINTS, hint
from nncourse.grader.checks.exceptions import EXCEPTION_HINTS, exception_code
from nncourse.grader.checks.signatures import side_code, signature_code, wrong_only_where

A, L, LO, G, OP, T, D = ("activations.py", "layers.py", "losses.py", "gradcheck.py",
                         "optim.py", "train.py", "data.py")
AD, N, R = "autodiff.py", "normalise.py", "regularise.py"

# (bug, status, diagnosis, a phrase of the message)
CASES = [
    # exceptions
    (bug("minibatches shuffles with rng.shuffle, which returns None", "train.minibatches", T,
         "order = rng.permutation(n) if shuffle", "order = rng.shuffle(np.arange(n)) if shuffle"),
     "error", "none_value", "'NoneType' object is not subscriptable"),
    (bug("relu with np.maximum of one argument", "relu.forward", A,
         "return np.maximum(x, 0.0)", "return np.maximum(x)"),
     "error", "wrong_arguments", "ReLU.forward raised TypeError"),
    (bug("adam zips two lists for three names", "adam.step", OP,
         "zip(self.params, self.m, self.v, strict=True)", "zip(self.params, self.m)"),
     "error", "unpack_count", "not enough values to unpack"),
    (bug("numerical gradient shaped like f's value", "gradcheck.numerical_gradient", G,
         "grad = np.zeros_like(x)", "grad = np.zeros_like(f(x))"),
     "error", "no_axes", "array is 0-dimensional, but 1 were indexed"),
    (bug("numerical gradient takes float of the product", "gradcheck.numerical_gradient", G,
         "float(np.sum(value * dout)) if dout", "float(value * dout) if dout"),
     "error", "not_scalar", "can be converted to Python scalars"),
    (bug("cross-entropy gradient indexes rows by the class count", "softmax_ce.backward", LO,
         "dz[np.arange(probs.shape[0]), y] -= 1.0", "dz[np.arange(probs.shape[1]), y] -= 1.0"),
     "error", "index_lengths", "indexing arrays could not be broadcast"),
    (bug("one_hot shifts the labels by one", "data.one_hot", D,
         "Y[np.arange(len(y)), y] = 1.0", "Y[np.arange(len(y)), y + 1] = 1.0"),
     "error", "index_range", "is out of bounds for axis 1"),
    (bug("softmax sums along axis 2", "softmax.forward", LO,
         "    e /= e.sum(axis=-1, keepdims=True)", "    e /= e.sum(axis=2, keepdims=True)"),
     "error", "axis_range", "axis 2 is out of bounds"),
    (bug("linear backward reads an attribute forward never set", "linear.backward", L,
         "self.W.grad += x.T @ dout", "self.W.grad += self.input.T @ dout"),
     "error", "missing_attribute", "has no attribute 'input'"),
    (bug("linear backward uses a capital X", "linear.backward", L,
         "self.W.grad += x.T @ dout", "self.W.grad += X.T @ dout"),
     "error", "undefined_name", "NameError: name 'X' is not defined"),
    (bug("rel_error takes max of one number", "gradcheck.rel_error", G,
         "max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)",
         "max(np.linalg.norm(a) + np.linalg.norm(b))"),
     "error", "not_iterable", "is not iterable"),
    (bug("relu with an if on the whole array", "relu.forward", A,
         "return np.maximum(x, 0.0)", "return x if x > 0 else 0 * x"),
     "error", "array_truth", "truth value of an array"),
    (bug("autodiff gradients start as integer zeros", "autodiff.backward", AD,
         "node.grad = np.zeros_like(node.data)", "node.grad = np.zeros(node.data.shape, int)"),
     "error", "dtype_cast", "Cannot cast ufunc"),
    (bug("backward orders from a parent, not from the root", "autodiff.backward", AD,
         "order = topo_order(self)", "order = topo_order(self.parents[0])"),
     "error", "helper_misused", "the grader's stand-in for topo_order"),
    (bug("bce backward takes |z| in place", "bce_logits.backward", LO,
         "        e = np.exp(-np.abs(z))\n", "        e = np.exp(-np.abs(z, out=z))\n"),
     "failed", "mutated_input", "BCEWithLogitsLoss.backward changed the input 'pred' in place"),
    # the shape of the error
    (bug("numerical gradient divides by the restored difference", "gradcheck.numerical_gradient",
         G, "grad[i] = (f_plus - f_minus) / (2 * h)",
         "grad[i] = (f_plus - f_minus) / (2 * (x[i] - old))"),
     "failed", "not_finite", "holds NaN or inf"),
    (bug("numerical gradient never stores its estimate", "gradcheck.numerical_gradient", G,
         "grad[i] = (f_plus - f_minus) / (2 * h)", "g = (f_plus - f_minus) / (2 * h)"),
     "failed", "all_zero", "got 0, expected"),
    (bug("cross-entropy gradient divides by every entry", "softmax_ce.backward", LO,
         "dz *= dloss / probs.shape[0]", "dz *= dloss / probs.size"),
     "failed", "constant_factor", "does not match central differences"),
    (bug("linear forward subtracts the bias", "linear.forward", L,
         "        out += self.b.value\n", "        out -= self.b.value\n"),
     "failed", "row_offset", "Linear.forward(x) differs from the expected values"),
    (bug("batch norm's beta gradient summed over every axis", "batchnorm.backward", N,
         "self.beta.grad += np.sum(dout, axis=0)", "self.beta.grad += np.sum(dout)"),
     "failed", "same_everywhere", "beta.grad does not match central differences"),
    (bug("relu backward multiplies by x", "relu.backward", A,
         "return dout * (x > 0)", "return dout * (x > 0) * x"),
     "failed", "wrong_for_positive", "ReLU.backward(dout)"),
    (bug("leaky relu forgets x on the negative side", "leaky_relu.forward", A,
         "return np.where(x > 0, x, self.negative_slope * x)",
         "return np.where(x > 0, x, self.negative_slope)"),
     "failed", "wrong_for_negative", "LeakyReLU.forward(x) differs"),
    (bug("relu flattens its output", "relu.forward", A,
         "return np.maximum(x, 0.0)", "return np.maximum(x, 0.0).ravel()"),
     "failed", "wrong_shape", "ReLU.forward(x) has shape (12,), expected (3, 4)"),
    (bug("cross-entropy gradient adds the one-hot", "softmax_ce.backward", LO,
         "dz[np.arange(probs.shape[0]), y] -= 1.0", "dz[np.arange(probs.shape[0]), y] += 1.0"),
     "failed", "true_class_entries", "does not match central differences"),
    (bug("bce gradient adds the target", "bce_logits.backward", LO,
         "        s -= y\n", "        s += y\n"),
     "failed", "target_term", "does not match central differences"),
    (bug("softmax divides by the sum of everything", "softmax.forward", LO,
         "    e /= e.sum(axis=-1, keepdims=True)", "    e /= e.sum()"),
     "failed", "rows_not_normalised", "softmax(z) differs"),
    (bug("softmax subtracts the column maxima", "softmax.forward", LO,
         "    e = np.exp(z - z.max(axis=-1, keepdims=True))",
         "    e = np.exp(z - z.max(axis=0, keepdims=True))"),
     "failed", "shift_not_per_row", "softmax(z) differs"),
    # the part that goes wrong
    (bug("adam's m weighs the gradient by b1", "adam.step", OP,
         "m += (1.0 - b1) * p.grad", "m += b1 * p.grad"),
     "failed", "first_moment", "the parameters after step 1 of 5"),
    (bug("adam's v averages the gradient, not its square", "adam.step", OP,
         "v += (1.0 - b2) * p.grad * p.grad", "v += (1.0 - b2) * p.grad"),
     "failed", "second_moment", "the parameters after step 1 of 5"),
    (bug("adam without the square root", "adam.step", OP,
         "denom = np.sqrt(v)", "denom = v.copy()"),
     "failed", "adam_update", "the parameters after step 1 of 5"),
    (bug("sgd rebinds p.value instead of updating it in place", "sgd.step", OP,
         "p.value -= self.lr * p.grad", "p.value = p.value - self.lr * p.grad"),
     "failed", "not_in_place", "gave the parameters the right values in new arrays"),
    (bug("adam rebinds p.value", "adam.step", OP,
         "p.value -= m / denom", "p.value = p.value - m / denom"),
     "failed", "not_in_place", "updates every p.value in place"),
    (bug("weight decay rebinds p.grad", "regularise.weight_decay", R,
         "p.grad += lam * p.value", "p.grad = p.grad + lam * p.value"),
     "failed", "not_in_place", "gave W.grad the right values in a new array"),
    # from an outside pass of 88 bugs (stop 22): each was caught with no cause or a
    # misleading one
    (bug("sigmoid with np.where's branches swapped", "sigmoid.forward", A,
         "out = np.where(x >= 0, 1.0, e)", "out = np.where(x >= 0, e, 1.0)"),
     "failed", "sigmoid_reflected", "Sigmoid.forward(x) differs from the expected values"),
    (bug("cross-entropy indexes logp[:, target]", "softmax_ce.forward", LO,
         "return float(-np.mean(logp[np.arange(pred.shape[0]), target]))",
         "return float(-np.mean(logp[:, target]))"),
     "failed", "target_block", "SoftmaxCrossEntropyLoss.forward gave"),
    (bug("rel_error divides by ||a|| alone", "gradcheck.rel_error", G,
         "scale = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)",
         "scale = max(np.linalg.norm(a), np.finfo(np.float64).tiny)"),
     "failed", "one_norm_denominator", "rel_error(a, b) for b = a plus noise"),
    (bug("one_hot sets whole columns", "data.one_hot", D,
         "Y[np.arange(len(y)), y] = 1.0", "Y[:, y] = 1.0"),
     "failed", "label_columns", "one_hot(y, num_classes=4) differs"),
    (bug("numerical_gradient's second point lands back on x", "gradcheck.numerical_gradient",
         G, "x[i] = old - h\n", "x[i] = x[i] - h\n"),
     "failed", "second_point_at_x", "numerical_gradient(f, x, dout=dout)"),
    (bug("weight decay adds 2 lam W", "regularise.weight_decay", R,
         "p.grad += lam * p.value", "p.grad += 2 * lam * p.value"),
     "failed", "decay_doubled", "W.grad (shape (3, 2)) after add_weight_decay"),
    (bug("weight decay adds lam W / 2", "regularise.weight_decay", R,
         "p.grad += lam * p.value", "p.grad += lam / 2 * p.value"),
     "failed", "decay_halved", "W.grad (shape (3, 2)) after add_weight_decay"),
    (bug("batchnorm backward without the variance path", "batchnorm.backward", N,
         "return inv_std * (dx_hat - dx_hat.mean(axis=0)\n"
         "                          - x_hat * (dx_hat * x_hat).mean(axis=0))",
         "return inv_std * (dx_hat - dx_hat.mean(axis=0))"),
     "failed", "bn_no_var_path", "dx does not match central differences"),
    (bug("batchnorm backward forgets gamma in dx", "batchnorm.backward", N,
         "dx_hat = dout * self.gamma.value", "dx_hat = dout"),
     "failed", "bn_gamma_left_out", "dx does not match central differences"),
    (bug("batchnorm's gamma.grad without x_hat", "batchnorm.backward", N,
         "self.gamma.grad += np.sum(dout * x_hat, axis=0)",
         "self.gamma.grad += np.sum(dout, axis=0)"),
     "failed", "bn_dgamma_no_xhat", "gamma.grad does not match central differences"),
    (bug("xavier's variance used as its std", "init.xavier", "init.py",
         "std = np.sqrt(2.0 / (fan_in + fan_out))", "std = 2.0 / (fan_in + fan_out)"),
     "failed", "std_is_variance", "standard deviation 0.004"),
    (bug("he from fan_out", "init.he", "init.py",
         "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)"),
     "failed", "wrong_fan", "he_normal((300, 200), rng): standard deviation"),
    (bug("xavier with 1 in the numerator", "init.xavier", "init.py",
         "std = np.sqrt(2.0 / (fan_in + fan_out))", "std = np.sqrt(1.0 / (fan_in + fan_out))"),
     "failed", "std_numerator", "xavier_normal((300, 200), rng): standard deviation"),
    (bug("xavier with the uniform form's 6 as a normal's variance", "init.xavier", "init.py",
         "std = np.sqrt(2.0 / (fan_in + fan_out))", "std = np.sqrt(6.0 / (fan_in + fan_out))"),
     "failed", "wrong_std", "xavier_normal((300, 200), rng): standard deviation"),
    # a second outside pass (57 bugs): named wrongly "subtract the row maximum"
    (bug("cross-entropy takes the log of softmax plus an eps", "softmax_ce.forward", LO,
         "logp = log_softmax(pred)", "logp = np.log(softmax(pred) + 1e-12)"),
     "failed", "log_of_probabilities", "SoftmaxCrossEntropyLoss.forward gave"),
    (bug("cross-entropy takes the log of softmax", "softmax_ce.forward", LO,
         "logp = log_softmax(pred)", "logp = np.log(softmax(pred))"),
     "failed", "log_of_probabilities", "for logits of +-1000"),
    (bug("minibatches shuffles whenever an rng is given", "train.minibatches", T,
         "order = rng.permutation(n) if shuffle else np.arange(n)",
         "order = rng.permutation(n) if rng is not None else np.arange(n)"),
     "failed", "shuffle_ignored", "(an rng was passed too)"),
    (bug("dropout draws one row of mask for the whole batch", "dropout.forward", R,
         "keep = self.rng.random(x.shape) >= self.p",
         "keep = self.rng.random(x.shape[-1]) >= self.p"),
     "failed", "mask_shared_rows", "dropped the same entries in all 40 rows"),
    (bug("linear forward computes in float64 whatever the layer's dtype", "linear.forward", L,
         "out = x @ self.W.value\n", "out = x.astype(np.float64) @ self.W.value\n"),
     "failed", "dtype_changed", "Linear.forward of a float32 layer turned a float32 x"),
    (bug("tanh backward squares its cached output in place", "tanh.backward", A,
         "return dout * (1.0 - out * out)", "out *= out\n        return dout * (1.0 - out)"),
     "failed", "mutated_cache", "Tanh.backward called twice with the same dout"),
    (bug("dropout's eval forward keeps the last training mask", "dropout.forward", R,
         "            self._mask = None\n            return x.copy()",
         "            return x.copy()"),
     "failed", "not_cached", "left the training mask in self._mask"),
    (bug("train_epoch gives minibatches a fresh generator", "train.train_epoch", T,
         "    for Xb, yb in minibatches(X, y, batch_size, rng=rng):",
         "    for Xb, yb in minibatches(X, y, batch_size, rng=np.random.default_rng(0)):"),
     "error", "rng_not_passed", "the generator train_epoch was given, got another one"),
    (bug("mul's rule does not unbroadcast the second share", "autodiff.mul", AD,
         "unbroadcast(dout * self.data, other.shape))", "dout * self.data)"),
     "failed", "no_unbroadcast", "the gradient of b has shape (2, 3), expected (3,)"),
    (bug("relu forward against a float64 zero array", "relu.forward", A,
         "return np.maximum(x, 0.0)", "return np.maximum(x, np.zeros(x.shape))"),
     "failed", "dtype_changed", "ReLU.forward turned a float32 input into float64"),
    (bug("adam subtracts eps from the root", "adam.step", OP,
         "            denom += self.eps\n", "            denom -= self.eps\n"),
     "failed", "eps_sign", "did not move every entry against its gradient"),
    (bug("adam counts parameters, not steps", "adam.step", OP,
         "self.t += 1", "self.t += len(self.params)"),
     "failed", "step_count", "the parameters after step 1 of 5"),
    (bug("sgd velocity takes the learning rate", "sgd.step", OP,
         "                v += p.grad\n", "                v += self.lr * p.grad\n"),
     "failed", "velocity_update", "SGD(lr=0.05, momentum=0.9)"),
    (bug("sgd update rescales the velocity", "sgd.step", OP,
         "                p.value -= self.lr * v\n",
         "                p.value -= self.lr * v / (1.0 - self.momentum)\n"),
     "failed", "sgd_update", "SGD(lr=0.05, momentum=0.9)"),
    (bug("early stopping never resets its count", "train.early_stopping", T,
         "            self.bad_epochs = 0\n", ""),
     "failed", "stops_early", "EarlyStopping(patience="),
    (bug("early stopping counts small improvements", "train.early_stopping", T,
         "if val_loss < self.best - self.min_delta:", "if val_loss < self.best + self.min_delta:"),
     "failed", "stops_late", "min_delta=0.05"),
    (bug("minibatches slices one short", "train.minibatches", T,
         "idx = order[start : start + batch_size]", "idx = order[start : start + batch_size - 1]"),
     "failed", "examples_missing", "an epoch should hold every example exactly once"),
    (bug("minibatches splits into n // batch_size parts", "train.minibatches", T,
         "    for start in range(0, n, batch_size):\n"
         "        idx = order[start : start + batch_size]\n",
         "    for idx in np.array_split(order, n // batch_size):\n"),
     "failed", "batch_sizes", "expected batch sizes [3, 3, 3, 1]"),
    (bug("minibatches never shuffles", "train.minibatches", T,
         "order = rng.permutation(n) if shuffle else np.arange(n)", "order = np.arange(n)"),
     "failed", "not_shuffled", "the examples were not shuffled"),
    (bug("minibatches makes zero labels up for y=None", "train.minibatches", T,
         "yield X[idx], (None if y is None else y[idx])",
         "yield X[idx], (np.zeros(len(idx)) if y is None else y[idx])"),
     "failed", "y_none", "minibatches(X, None, batch_size=3) should yield (Xb, None)"),
    (bug("train_epoch batches by a fixed size", "train.train_epoch", T,
         "minibatches(X, y, batch_size, rng=rng)", "minibatches(X, y, 32, rng=rng)"),
     "error", "helper_misused", "batch_size=32, but train_epoch was given batch_size="),
    (bug("train_epoch adds unweighted losses", "train.train_epoch", T,
         "total += float(loss) * len(Xb)", "total += float(loss)"),
     "failed", "epoch_mean", "expected the mean loss over all examples"),
    (bug("train_epoch returns the total", "train.train_epoch", T,
         "    return total / seen", "    return total"),
     "failed", "summed_losses", "expected the mean loss over all examples"),
    (bug("batch norm's running mean takes the whole batch mean", "batchnorm.forward", N,
         "self.running_mean += m * mean", "self.running_mean += mean"),
     "failed", "bn_running_rule", "running_mean after one training-mode forward"),
    (bug("batch norm trains with the running statistics", "batchnorm.forward", N,
         "            mean = x.mean(axis=0)\n            var = x.var(axis=0)\n",
         "            mean, var = self.running_mean.copy(), self.running_var.copy()\n"),
     "failed", "bn_running_in_training", "in training mode differs from the expected values"),
    (bug("dropout drops half whatever p is", "dropout.forward", R,
         "keep = self.rng.random(x.shape) >= self.p", "keep = self.rng.random(x.shape) >= 0.5"),
     "failed", "drop_share", "expected about 25%"),
    (bug("dropout scales by 1 + p", "dropout.forward", R,
         "self._mask = keep / (1.0 - self.p)", "self._mask = keep / (1.0 + self.p)"),
     "failed", "keep_scale", "each kept entry is x times 0.8"),
    (bug("topo_order lists the data, not the nodes", "autodiff.topo_order", AD,
         "            order.append(node)\n", "            order.append(node.data)\n"),
     "failed", "topo_not_node", "returned something that is not a node"),
    (bug("topo_order stops at the first node done", "autodiff.topo_order", AD,
         "            order.append(node)\n            continue\n",
         "            order.append(node)\n            break\n"),
     "failed", "topo_missing", "are missing"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0].name for c in CASES])
def test_the_student_reads_a_named_cause(case, tmp_path):
    variant, status, diagnosis, phrase = case
    report = grade_package(apply(variant, tmp_path), exercises=[variant.exercise],
                           hidden=False, stored_only=True)
    row = report["exercises"][0]
    assert (row["status"], row["diagnosis"]) == (status, diagnosis), row["message"]
    text = report_text.as_text(report)
    assert phrase in text and hint(diagnosis) in text


# Messages as Python and numpy 2 word them (from the mutation runs), and their codes.
EXCEPTIONS = [
    ("TypeError", "unsupported operand type(s) for +: 'float' and 'NoneType'", "none_value"),
    ("AttributeError", "'NoneType' object has no attribute 'shape'", "none_value"),
    ("TypeError", "Use () not None as shape arguments", "none_value"),
    ("UFuncTypeError", "Cannot cast ufunc 'add' output from dtype('O') to dtype('float64') "
     "with casting rule 'same_kind'", "none_value"),
    ("IndexError", "too many indices for array: array is 0-dimensional, but 2 were indexed",
     "no_axes"),
    ("TypeError", "full() missing 1 required positional argument: 'fill_value'",
     "wrong_arguments"),
    ("ValueError", "either both or neither of x and y should be given", "wrong_arguments"),
    ("TypeError", "maximum() takes from 2 to 3 positional arguments but 1 was given",
     "wrong_arguments"),
    ("TypeError", "cannot unpack non-iterable Parameter object", "unpack_count"),
    ("TypeError", "unsupported operand type(s) for -: 'list' and 'float'", "wrong_type"),
    ("ValueError", "minibatches(..., shuffle=True) needs rng=, a np.random.Generator, got "
     "None", "rng_not_passed"),
    ("UnboundLocalError", "cannot access local variable 'out' where it is not associated "
     "with a value", "undefined_name"),
    ("IndexError", "index 4 is out of bounds for axis 1 with size 4", "index_range"),
    ("ValueError", "operands could not be broadcast together with shapes (3,4) (3,)",
     "broadcast_shapes"),
    ("IndexError", "invalid index to scalar variable.", "no_axes"),
    ("KeyError", "'W'", None),
]


@pytest.mark.parametrize("error_type, message, code", EXCEPTIONS)
def test_an_exception_is_read_for_its_cause(error_type, message, code):
    assert exception_code(error_type, message) == code


def test_every_exception_code_is_reachable_and_explained():
    from nncourse.grader.checks.exceptions import RULES

    codes = {code for _, _, code in RULES}
    assert set(EXCEPTION_HINTS) - {"no_return", "returned_tuple", "returned_list"} <= codes
    assert all(code in HINTS for code in codes)
    tested = {c for *_, c in EXCEPTIONS} | {c[2] for c in CASES}
    assert set(EXCEPTION_HINTS) - tested - {"no_return", "returned_tuple", "returned_list"} \
        == set(), "an exception code without a test"


def test_the_error_shape_codes_and_their_limits():
    rng = np.random.default_rng(0)
    want = rng.standard_normal((4, 3))
    assert signature_code(want * 1.7, want) == "constant_factor"
    assert signature_code(want + 0.3, want) == "constant_offset"
    assert signature_code(want + np.array([0.1, -0.2, 0.3]), want) == "row_offset"
    assert signature_code(np.full_like(want, 2.0), want) == "same_everywhere"
    assert signature_code(np.zeros_like(want), want) == "all_zero"
    assert signature_code(np.where(want > 0, np.nan, want), want) == "not_finite"
    assert signature_code(want ** 2, want) is None  # no shape to name: no code at all
    assert signature_code(np.array([2.0]), np.array([1.0])) is None  # one number has every ratio
    x = rng.standard_normal((4, 3))
    assert side_code(np.where(x > 0, 2 * want, want), want, x) == "wrong_for_positive"
    assert side_code(np.where(x < 0, 0 * want, want), want, x) == "wrong_for_negative"
    few = want.copy()
    few[np.unravel_index(np.argmax(x), x.shape)] += 1  # one wrong entry: too few to say
    assert (x > 0).sum() > 2 and side_code(few, want, x) is None
    mask = np.zeros((4, 3), dtype=bool)
    mask[:, 0] = True
    assert wrong_only_where(np.where(mask, want + 1, want), want, mask)
    assert not wrong_only_where(want + 1, want, mask)


@pytest.mark.parametrize("order, code, phrase", [
    ([0, 1, 3, 2, 5, 6, 7], "topo_parent_after", "node 3 comes before its parent 2"),
    ([0, 1, 2, 3, 4, 5, 6, 7], "topo_extra", "node(s) [4] that the root does not depend on"),
])
def test_topo_order_names_what_is_wrong_with_an_order(order, code, phrase):
    # the check's first graph: root 7 depends on every node but 4 (see TopoOrder.plan)
    variant = Variant({"seed": 90, "n": 2, "m": 3})
    call = TOPO_ORDER.plan(variant)[0]
    with pytest.raises(Failure) as caught:
        TOPO_ORDER.judge(variant, [call], [Result(True, {"order": np.array(order)})], None)
    assert caught.value.verdict.diagnosis == code
    assert phrase in str(caught.value) and code in HINTS


def test_every_diagnosis_has_a_test_of_its_words():
    # each code a check can give is asserted, as the student reads it, by some test here
    # or in test_feedback, test_truth, test_bugzoo or the zoo itself
    from pathlib import Path

    tests = "".join(p.read_text() for p in Path(__file__).parents[1].rglob("*.py"))
    assert [code for code in HINTS if f'"{code}"' not in tests] == []


def test_a_generic_code_keeps_the_hidden_check_advice(tmp_path):
    # axis=1 is the last axis of the public (N, C) logits but not of the hidden (K, N, C)
    variant = bug("softmax sums along axis 1", "softmax.forward", LO,
                  "    e /= e.sum(axis=-1, keepdims=True)", "    e /= e.sum(axis=1, keepdims=True)")
    report = grade_package(apply(variant, tmp_path), exercises=["softmax.forward"], hidden=True)
    row = report["exercises"][0]
    assert row["diagnosis"] in GENERIC_CODES, row
    assert "A hidden check (other sizes and seeds) failed" in row["message"]
    assert "a hard-coded size or shape" in row["message"] and hint(row["diagnosis"]) in \
        row["message"]
    assert "wrong_std" not in GENERIC_CODES  # a known bug is not generic
