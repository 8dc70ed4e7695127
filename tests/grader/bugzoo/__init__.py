"""Realistic buggy (and correct alternative) variants of the reference ``nnlib``.

Each entry patches a copy of ``solutions/nnlib`` with exact string replacements
``(file, old, new)``; a patch whose ``old`` text is not found exactly once is an error,
so a drifting reference cannot silently turn a bug into a no-op.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[3] / "solutions"


@dataclass(frozen=True)
class Variant:
    """A named patch of the reference: the exercise it touches and the expected diagnosis."""

    name: str
    exercise: str
    patches: tuple[tuple[str, str, str], ...]
    diagnosis: str | None = None
    still_passes: tuple[str, ...] = field(default=())


def apply(variant: Variant, parent: Path) -> Path:
    """Copy the reference into ``parent/nnlib`` and apply the patches; return ``parent``."""
    target = parent / "nnlib"
    shutil.copytree(SOLUTIONS / "nnlib", target, ignore=shutil.ignore_patterns("__pycache__"))
    for file, old, new in variant.patches:
        path = target / file
        text = path.read_text()
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"{variant.name}: expected {old!r} once in {file}, found {count}")
        path.write_text(text.replace(old, new))
    return parent


def bug(name, exercise, file, old, new, diagnosis=None, still_passes=(), more=()):
    return Variant(name, exercise, ((file, old, new), *more), diagnosis, tuple(still_passes))


A, L, LO, G, OP, T, IN, D = ("activations.py", "layers.py", "losses.py", "gradcheck.py",
                             "optim.py", "train.py", "init.py", "data.py")

BUGS = [
    bug("sigmoid overflows at +-800", "sigmoid.forward", A,
        "        e = np.exp(-np.abs(x))\n        out = np.where(x >= 0, 1.0, e)\n"
        "        out /= 1.0 + e\n",
        "        out = np.exp(x) / (1.0 + np.exp(x))\n", "unstable_sigmoid"),
    bug("sigmoid derivative at the output", "sigmoid.backward", A,
        "return dout * out * (1.0 - out)",
        "s = 1.0 / (1.0 + np.exp(-out))\n        return dout * s * (1.0 - s)",
        "derivative_at_output", still_passes=("sigmoid.forward",)),
    bug("tanh backward without dout", "tanh.backward", A,
        "return dout * (1.0 - out * out)", "return 1.0 - out * out", "no_upstream"),
    bug("tanh backward sign", "tanh.backward", A,
        "return dout * (1.0 - out * out)", "return dout * (out * out - 1.0)", "sign"),
    bug("relu mask from dout", "relu.backward", A,
        "return dout * (x > 0)", "return dout * (dout > 0)", "wrong_mask"),
    bug("relu forward in place", "relu.forward", A,
        "        self._x = x\n        return np.maximum(x, 0.0)",
        "        self._x = x.copy()\n        x[x < 0] = 0.0\n        return x", "mutated_input",
        still_passes=("relu.backward",)),
    bug("relu backward zeroes dout in place", "relu.backward", A,
        "return dout * (x > 0)", "dout[x <= 0] = 0.0\n        return dout", "mutated_input"),
    bug("leaky relu mask from dout", "leaky_relu.backward", A,
        "return np.where(x > 0, dout, self.negative_slope * dout)",
        "return np.where(dout > 0, dout, self.negative_slope * dout)", "wrong_mask"),
    bug("leaky relu ignores its slope", "leaky_relu.forward", A,
        "return np.where(x > 0, x, self.negative_slope * x)",
        "return np.where(x > 0, x, 0.01 * x)"),
    bug("linear forward without bias", "linear.forward", L,
        "        out += self.b.value\n", ""),
    bug("linear dW transposed", "linear.backward", L,
        "self.W.grad += x.T @ dout", "self.W.grad = dout.T @ x", "transposed"),
    bug("linear bias gradient not summed", "linear.backward", L,
        "self.b.grad += dout.sum(axis=0)", "self.b.grad = dout", "bias_not_summed"),
    bug("linear bias gradient averaged", "linear.backward", L,
        "self.b.grad += dout.sum(axis=0)", "self.b.grad += dout.mean(axis=0)", "batch_scale"),
    bug("linear dW overwritten", "linear.backward", L,
        "self.W.grad += x.T @ dout", "self.W.grad = x.T @ dout", "overwrote_grad"),
    bug("linear dW divided by N again", "linear.backward", L,
        "self.W.grad += x.T @ dout", "self.W.grad += x.T @ dout / x.shape[0]", "batch_scale"),
    bug("linear dx sign", "linear.backward", L,
        "return dout @ self.W.value.T", "return -dout @ self.W.value.T", "sign"),
    bug("sequential forward reversed", "sequential.forward", L,
        "        for module in self.modules:\n            x = module.forward(x)",
        "        for module in reversed(self.modules):\n            x = module.forward(x)",
        "wrong_order", still_passes=("sequential.backward",)),
    bug("sequential forward feeds every module x", "sequential.forward", L,
        "            x = module.forward(x)\n        return x",
        "            out = module.forward(x)\n        return out",
        "original_input", still_passes=("sequential.backward",)),
    bug("sequential backward in forward order", "sequential.backward", L,
        "        for module in reversed(self.modules):\n            dout = module.backward(dout)",
        "        for module in self.modules:\n            dout = module.backward(dout)",
        "wrong_order"),
    bug("sequential backward drops the chain", "sequential.backward", L,
        "            dout = module.backward(dout)", "            module.backward(dout)"),
    bug("mse (N,1) minus (N,) broadcast", "mse.forward", LO,
        "        diff = pred - target\n        self._diff = diff",
        "        diff = pred - target.ravel()\n        self._diff = diff"),
    bug("mse loss summed while gradient averaged", "mse.forward", LO,
        "return float(np.mean(diff * diff))", "return float(np.sum(diff * diff))",
        "batch_scale", still_passes=("mse.backward",)),
    bug("mse gradient without the 2", "mse.backward", LO,
        "return diff * (2.0 * dloss / diff.size)", "return diff * (dloss / diff.size)",
        "factor_two"),
    bug("mse gradient ignores dloss", "mse.backward", LO,
        "return diff * (2.0 * dloss / diff.size)", "return diff * (2.0 / diff.size)",
        "no_upstream"),
    bug("mse gradient sign", "mse.backward", LO,
        "return diff * (2.0 * dloss / diff.size)", "return -diff * (2.0 * dloss / diff.size)",
        "sign"),
    bug("bce through log(sigmoid)", "bce_logits.forward", LO,
        "        losses = np.maximum(pred, 0.0) - pred * target + "
        "np.log1p(np.exp(-np.abs(pred)))\n",
        "        s = 1.0 / (1.0 + np.exp(-pred))\n"
        "        losses = -(target * np.log(s) + (1 - target) * np.log(1 - s))\n",
        "unstable_loss"),
    bug("bce gradient not divided by N", "bce_logits.backward", LO,
        "s *= dloss / z.size", "s *= dloss", "batch_scale"),
    bug("softmax without the max shift", "softmax.forward", LO,
        "e = np.exp(z - z.max(axis=-1, keepdims=True))", "e = np.exp(z)", "unstable_softmax"),
    bug("softmax along axis 1, right only for (N, C)", "softmax.forward", LO,
        "    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    e /= e.sum(axis=-1, "
        "keepdims=True)",
        "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    e /= e.sum(axis=1, keepdims=True)",
        "wrong_axis"),
    bug("log_softmax shifts its input in place", "softmax.forward", LO,
        "    shifted = z - z.max(axis=-1, keepdims=True)\n",
        "    z -= z.max(axis=-1, keepdims=True)\n    shifted = z\n", "mutated_input",
        still_passes=("softmax_ce.backward",)),
    bug("softmax cross-entropy summed", "softmax_ce.forward", LO,
        "return float(-np.mean(logp[np.arange(pred.shape[0]), target]))",
        "return float(-np.sum(logp[np.arange(pred.shape[0]), target]))", "batch_scale"),
    bug("softmax cross-entropy gradient divided by N twice", "softmax_ce.backward", LO,
        "dz *= dloss / probs.shape[0]", "dz *= dloss / probs.shape[0] ** 2", "batch_scale"),
    bug("softmax cross-entropy gradient not divided by N", "softmax_ce.backward", LO,
        "dz *= dloss / probs.shape[0]", "dz *= dloss", "batch_scale"),
    Variant("numerical gradient by forward differences", "gradcheck.numerical_gradient", (
        (G, "        x[i] = old - h\n        f_minus = scalar(f(x))",
         "        x[i] = old\n        f_minus = scalar(f(x))"),
        (G, "grad[i] = (f_plus - f_minus) / (2 * h)", "grad[i] = (f_plus - f_minus) / h")),
        "forward_difference"),
    bug("numerical gradient leaves x perturbed", "gradcheck.numerical_gradient", G,
        "        x[i] = old\n        grad[i] =", "        grad[i] =", "not_restored"),
    bug("numerical gradient perturbs a copy of x", "gradcheck.numerical_gradient", G,
        "        x[i] = old + h\n        f_plus = scalar(f(x))\n        x[i] = old - h\n"
        "        f_minus = scalar(f(x))\n",
        "        xp = x.copy()\n        xp[i] = old + h\n        f_plus = scalar(f(xp))\n"
        "        xp[i] = old - h\n        f_minus = scalar(f(xp))\n"),
    bug("rel_error divides 0 by 0", "gradcheck.rel_error", G,
        "scale = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)",
        "scale = np.linalg.norm(a) + np.linalg.norm(b)", "zero_division"),
    bug("sgd goes uphill", "sgd.step", OP,
        "                p.value -= self.lr * p.grad",
        "                p.value += self.lr * p.grad",
        "update_sign"),
    bug("sgd momentum in the wrong order", "sgd.step", OP,
        "                v *= self.momentum\n                v += p.grad\n"
        "                p.value -= self.lr * v\n",
        "                p.value -= self.lr * v\n                v *= self.momentum\n"
        "                v += p.grad\n", "momentum_order"),
    Variant("adam without bias correction", "adam.step", (
        (OP, "step_size = self.lr / (1.0 - b1**self.t)", "step_size = self.lr"),
        (OP, "v_scale = 1.0 / np.sqrt(1.0 - b2**self.t)", "v_scale = 1.0")),
        "no_bias_correction"),
    bug("minibatches range(N // B) drops the last batch", "train.minibatches", T,
        "    for start in range(0, n, batch_size):\n"
        "        idx = order[start : start + batch_size]",
        "    for k in range(n // batch_size):\n"
        "        idx = order[k * batch_size : (k + 1) * batch_size]", "drops_last_batch"),
    bug("minibatches shuffles with the global generator", "train.minibatches", T,
        "order = rng.permutation(n) if shuffle else np.arange(n)",
        "order = np.random.permutation(n) if shuffle else np.arange(n)", "no_rng"),
    bug("train_epoch steps before backward (stale W)", "train.train_epoch", T,
        "        model.backward(dpred)\n        optimizer.step()",
        "        optimizer.step()\n        model.backward(dpred)", "step_order"),
    bug("train_epoch forgets zero_grad", "train.train_epoch", T,
        "        optimizer.zero_grad()\n        dpred", "        dpred", "zero_grad_missing"),
    bug("train_epoch unweighted mean of batch losses", "train.train_epoch", T,
        "        total += float(loss) * len(Xb)\n        seen += len(Xb)",
        "        total += float(loss)\n        seen += 1", "unweighted_mean"),
    bug("early stopping ignores min_delta", "train.early_stopping", T,
        "if val_loss < self.best - self.min_delta:", "if val_loss < self.best:"),
    bug("early stopping never records best_epoch", "train.early_stopping", T,
        "            self.best_epoch = self.epoch\n", ""),
    bug("early stopping never counts its epochs", "train.early_stopping", T,
        "            self.bad_epochs += 1\n        self.epoch += 1",
        "            self.bad_epochs += 1"),
    bug("xavier initialises to zero", "init.xavier", IN,
        "std = np.sqrt(2.0 / (fan_in + fan_out))", "std = 0.0", "zero_init"),
    bug("he uses fan_out", "init.he", IN,
        "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)", "wrong_fan"),
    bug("one_hot off by one", "data.one_hot", D,
        "Y[np.arange(len(y)), y] = 1.0", "Y[np.arange(len(y)), y - 1] = 1.0"),
]

ALTERNATIVES = [
    Variant("linear backward with einsum and loops", "linear.backward", (
        (L, "        self.W.grad += x.T @ dout\n        self.b.grad += dout.sum(axis=0)\n"
            "        return dout @ self.W.value.T",
         "        self.W.grad += np.einsum('nd,nm->dm', x, dout)\n"
         "        for row in dout:\n            self.b.grad += row\n"
         "        return np.einsum('nm,dm->nd', dout, self.W.value)"),)),
    bug("relu backward with np.where and a >= mask", "relu.backward", A,
        "return dout * (x > 0)", "return np.where(x >= 0, dout, 0.0)"),
    bug("sigmoid through tanh", "sigmoid.forward", A,
        "        e = np.exp(-np.abs(x))\n        out = np.where(x >= 0, 1.0, e)\n"
        "        out /= 1.0 + e\n", "        out = 0.5 * (1.0 + np.tanh(0.5 * x))\n"),
    Variant("softmax and log_softmax through logaddexp", "softmax.forward", (
        (LO, "    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
             "    e /= e.sum(axis=-1, keepdims=True)\n    return e",
         "    return np.exp(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))"),
        (LO, "    shifted = z - z.max(axis=-1, keepdims=True)\n"
             "    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n"
             "    return shifted",
         "    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)"))),
    bug("mse with explicit loops", "mse.forward", LO,
        "        return float(np.mean(diff * diff))",
        "        total = 0.0\n        for value in diff.ravel():\n"
        "            total += value * value\n        return float(total / diff.size)"),
    bug("sgd momentum in the CS231n form", "sgd.step", OP,
        "                v *= self.momentum\n                v += p.grad\n"
        "                p.value -= self.lr * v\n",
        "                v *= self.momentum\n                v -= self.lr * p.grad\n"
        "                p.value += v\n"),
    bug("numerical gradient over a flat view", "gradcheck.numerical_gradient", G,
        "    grad = np.zeros_like(x)\n    for i in np.ndindex(x.shape):",
        "    grad = np.zeros_like(x)\n    for i in [np.unravel_index(k, x.shape)"
        " for k in range(x.size)]:"),
    bug("train_epoch zeroes gradients first", "train.train_epoch", T,
        "        pred = model.forward(Xb)\n        loss = loss_fn.forward(pred, yb)\n"
        "        optimizer.zero_grad()\n",
        "        optimizer.zero_grad()\n        pred = model.forward(Xb)\n"
        "        loss = loss_fn.forward(pred, yb)\n"),
]
ALTERNATIVES += [
    bug("train_epoch zeroes through the model as well", "train.train_epoch", T,
        "        optimizer.zero_grad()\n        dpred",
        "        model.zero_grad()\n        optimizer.zero_grad()\n        dpred"),
    bug("numerical gradient restores x by += and -=", "gradcheck.numerical_gradient", G,
        "        x[i] = old + h\n        f_plus = scalar(f(x))\n        x[i] = old - h\n"
        "        f_minus = scalar(f(x))\n        x[i] = old\n",
        "        x[i] += h\n        f_plus = scalar(f(x))\n        x[i] -= 2 * h\n"
        "        f_minus = scalar(f(x))\n        x[i] += h\n"),
    bug("adam in the paper's efficient form (eps unscaled)", "adam.step", OP,
        "            denom = np.sqrt(v)\n            denom *= v_scale\n"
        "            denom += self.eps\n            denom /= step_size\n"
        "            p.value -= m / denom\n",
        "            p.value -= (step_size / v_scale) * m / (np.sqrt(v) + self.eps)\n"),
]
BUGS += [
    bug("tanh through exp overflows at +-800", "tanh.forward", A,
        "        self._out = np.tanh(x)",
        "        self._out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        "unstable_tanh"),
    bug("mse gradient averaged over rows only", "mse.backward", LO,
        "        return diff * (2.0 * dloss / diff.size)",
        "        return diff * (2.0 * dloss / diff.shape[0])", "rows_not_entries"),
]

# lesson 10: weight decay and dropout
R = "regularise.py"
DECAY = "    for p in weight_matrices(params):\n        p.grad += lam * p.value\n"
KEEP = "keep = self.rng.random(x.shape) >= self.p"
SCALE = "self._mask = keep / (1.0 - self.p)"
EVAL = "        if not self.training or self.p == 0.0:\n            self._mask = None\n" \
       "            return x.copy()\n"
BACK = "return (dout * self._mask).astype(dout.dtype, copy=False)"
BUGS += [
    bug("weight decay on the bias too", "regularise.weight_decay", R, DECAY,
        "    for p in params:\n        p.grad += lam * p.value\n", "bias_decayed"),
    bug("weight decay with the wrong sign", "regularise.weight_decay", R, DECAY,
        DECAY.replace("+=", "-="), "decay_sign"),
    bug("weight decay shrinks the values", "regularise.weight_decay", R, DECAY,
        DECAY.replace("p.grad +=", "p.value -="), "decay_on_value"),
    bug("weight decay replaces the gradient", "regularise.weight_decay", R, DECAY,
        DECAY.replace("+=", "="), "overwrote_grad"),
    bug("dropout scales at test time instead of training", "dropout.forward", R, SCALE,
        "self._mask = keep.astype(np.float64)", "scale_at_test",
        more=((R, EVAL, EVAL.replace("x.copy()", "x * (1.0 - self.p)")),)),
    bug("dropout scales in both modes", "dropout.forward", R, EVAL,
        EVAL.replace("x.copy()", "x * (1.0 - self.p)"), "scale_at_test"),
    bug("dropout scales by p", "dropout.forward", R, SCALE, "self._mask = keep * self.p",
        "scale_by_p", still_passes=("dropout.backward",)),
    bug("dropout never rescales", "dropout.forward", R, SCALE,
        "self._mask = keep.astype(np.float64)", "no_inverted_scale",
        still_passes=("dropout.backward",)),
    bug("dropout keeps with probability p", "dropout.forward", R, KEEP,
        "keep = self.rng.random(x.shape) < self.p", "keep_drop_swapped",
        still_passes=("dropout.backward",)),
    bug("dropout draws from np.random", "dropout.forward", R, KEEP,
        "keep = np.random.random(x.shape) >= self.p", "no_rng",
        still_passes=("dropout.backward",)),
    bug("dropout drops in eval mode", "dropout.forward", R, "if not self.training or self.p",
        "if self.p", "drops_in_eval"),
    bug("dropout draws in eval mode too", "dropout.forward", R, EVAL,
        "        self.rng.random(x.shape)\n" + EVAL, "eval_draws",
        still_passes=("dropout.backward",)),
    bug("dropout backward draws a fresh mask", "dropout.backward", R, BACK,
        "return dout * (self.rng.random(dout.shape) >= self.p) / (1.0 - self.p)",
        "fresh_mask", still_passes=("dropout.forward",)),
    bug("dropout promotes float32 to float64", "dropout.forward", R,
        "return (x * self._mask).astype(x.dtype, copy=False)", "return x * self._mask",
        "dtype_changed", still_passes=("dropout.backward",)),
    bug("dropout backward promotes float32 dout", "dropout.backward", R, BACK,
        "return dout * self._mask", "dtype_changed", still_passes=("dropout.forward",)),
    bug("dropout backward forgets the scale", "dropout.backward", R, BACK,
        "return dout * (self._mask != 0)", "no_inverted_scale",
        still_passes=("dropout.forward",)),
]
ALTERNATIVES += [
    Variant("dropout with a boolean mask, scaled in both passes", "dropout.forward", (
        (R, SCALE, "self._mask = keep"),
        (R, "return (x * self._mask).astype", "return (x * self._mask / (1.0 - self.p)).astype"),
        (R, BACK, "return dout * self._mask / (1.0 - self.p)"))),
    Variant("dropout backward with a boolean mask", "dropout.backward", (
        (R, SCALE, "self._mask = keep"),
        (R, "return (x * self._mask).astype", "return (x * self._mask / (1.0 - self.p)).astype"),
        (R, BACK, "return np.where(self._mask, dout / (1.0 - self.p), 0.0)"))),
    bug("dropout drawn with rng.binomial", "dropout.forward", R, KEEP,
        "keep = self.rng.binomial(1, 1.0 - self.p, size=x.shape)"),
    bug("weight decay through np.add, skipping 1-D parameters", "regularise.weight_decay", R,
        DECAY, "    for p in params:\n        if p.value.ndim == 1:\n            continue\n"
        "        np.add(p.grad, lam * p.value, out=p.grad)\n"),
]


# lessons 09 and 11 keep their bugs and alternatives in their own files
from bugzoo.autodiff import ALTERNATIVES as _AD_ALTERNATIVES  # noqa: E402
from bugzoo.autodiff import BUGS as _AD_BUGS  # noqa: E402
from bugzoo.batchnorm import ALTERNATIVES as _BN_ALTERNATIVES  # noqa: E402
from bugzoo.batchnorm import BUGS as _BN_BUGS  # noqa: E402

BUGS += _AD_BUGS + _BN_BUGS
ALTERNATIVES += _AD_ALTERNATIVES + _BN_ALTERNATIVES

# found by an outside pass of 88 bugs (stop 22): each cost a second exercise before
BUGS += [
    bug("linear forward caches its output as x", "linear.forward", L,
        "        self._x = x\n        out = x @ self.W.value\n        out += self.b.value\n"
        "        return out",
        "        out = x @ self.W.value\n        out += self.b.value\n        self._x = out\n"
        "        return out", "wrong_cache", still_passes=("linear.backward",)),
    bug("sequential forward skips the last module", "sequential.forward", L,
        "        for module in self.modules:\n            x = module.forward(x)",
        "        for module in self.modules[:-1]:\n            x = module.forward(x)",
        "module_skipped", still_passes=("sequential.backward",)),
    bug("softmax_ce backward edits the cached probabilities", "softmax_ce.backward", LO,
        "dz = probs.copy()", "dz = probs", "mutated_cache",
        still_passes=("softmax_ce.forward",)),
    bug("batchnorm forward centres x in place", "batchnorm.forward", "normalise.py",
        "self._x_hat = (x - mean) * self._inv_std",
        "x -= mean\n        self._x_hat = x * self._inv_std", "mutated_input",
        still_passes=("batchnorm.backward",)),
]

# from a second outside pass (57 bugs, stop 22)
BUGS += [
    bug("dropout backward divides the scaled mask by 1 - p again", "dropout.backward", R,
        BACK, "return (dout * self._mask / (1.0 - self.p)).astype(dout.dtype, copy=False)",
        still_passes=("dropout.forward",)),
]
