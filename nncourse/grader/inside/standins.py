"""Grader-owned stand-ins: toy modules, a toy loss and a recording optimizer.

A check tests one exercise in isolation. ``Sequential`` needs modules, ``train_epoch`` a
model, a loss and an optimizer; here they are toys that are *not* solutions of any
exercise (an elementwise scale, a row reversal, a square, a quadratic loss), so the
student bundle ships no solution. They run inside the worker and subclass the
submission's provided ``Module`` and ``Parameter``. Each records the calls it gets in a
shared ``log`` (codes in ``EVENTS``), which the trusted side reads back as an array.
"""

from __future__ import annotations

import time

import numpy as np

from nncourse.grader.protocol import EVENTS


def make_standins(layers):
    """Stand-in classes built on the submission's ``layers.Module`` and ``layers.Parameter``."""

    class Scale(layers.Module):
        """``out = x * a`` elementwise with a trainable ``a`` (shape D,); logs its calls."""

        def __init__(self, a, log, index, parameter=None):
            self.a = parameter if parameter is not None else layers.Parameter(
                np.array(a, dtype=np.float64), "a")
            self.log, self.index = log, index

        def forward(self, x):
            self.log.append(10 * self.index + 1)
            self._x = np.array(x, dtype=np.float64)
            return self._x * self.a.value

        def backward(self, dout):
            self.log.append(10 * self.index + 2)
            dout = np.asarray(dout, dtype=np.float64)
            self.a.grad += (dout * self._x).sum(axis=0)
            return dout * self.a.value

        def parameters(self):
            return [self.a]

    class Reverse(layers.Module):
        """``out = x[:, ::-1]``: order matters when it sits between scales."""

        def __init__(self, log, index):
            self.log, self.index = log, index

        def forward(self, x):
            self.log.append(10 * self.index + 1)
            return np.asarray(x)[:, ::-1].copy()

        def backward(self, dout):
            self.log.append(10 * self.index + 2)
            return np.asarray(dout)[:, ::-1].copy()

    class Square(layers.Module):
        """``out = x**2`` elementwise (so the input matters in backward)."""

        def __init__(self, log, index):
            self.log, self.index = log, index

        def forward(self, x):
            self.log.append(10 * self.index + 1)
            self._x = np.array(x, dtype=np.float64)
            return self._x**2

        def backward(self, dout):
            self.log.append(10 * self.index + 2)
            return 2.0 * self._x * np.asarray(dout)

    class QuadraticLoss:
        """``L = sum((pred - y)**2) / (2 B)``; logs every call and every value returned."""

        def __init__(self, log, values):
            self.log, self.values = log, values

        def forward(self, pred, target):
            self.log.append(EVENTS["loss.forward"])
            self._diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, np.float64)
            value = float((self._diff**2).sum() / (2 * len(self._diff)))
            self.values.append(value)
            return value

        __call__ = forward

        def backward(self, dloss=1.0):
            self.log.append(EVENTS["loss.backward"])
            return self._diff * (float(dloss) / len(self._diff))

    class RecordingModel(layers.Module):
        """Elementwise scale whose calls are logged with the ids of the rows it sees."""

        def __init__(self, d, log, seen):
            self.w = layers.Parameter(np.ones(d), "w")
            self.log, self.seen = log, seen

        def forward(self, x):
            self.log.append(EVENTS["model.forward"])
            self._x = np.array(x, dtype=np.float64)
            self.seen.append(self._x[:, 0].copy())
            return self._x * self.w.value

        def backward(self, dout):
            self.log.append(EVENTS["model.backward"])
            self.w.grad += (np.asarray(dout) * self._x).sum(axis=0)
            return np.asarray(dout) * self.w.value

        def parameters(self):
            return [self.w]

        def zero_grad(self):
            self.log.append(EVENTS["zero_grad"])  # model.zero_grad() counts as well
            self.w.grad[...] = 0.0

    class RecordingOptimizer:
        """Logs ``zero_grad`` and ``step``; a step records the gradient, then moves ``w``."""

        def __init__(self, params, log, grads):
            self.params, self.log, self.grads = list(params), log, grads

        def zero_grad(self):
            self.log.append(EVENTS["zero_grad"])
            for p in self.params:
                p.grad[...] = 0.0

        def step(self):
            self.log.append(EVENTS["step"])
            for p in self.params:
                self.grads.append(p.grad.copy())
                p.value -= 0.1 * p.grad

    return {"Scale": Scale, "Reverse": Reverse, "Square": Square,
            "QuadraticLoss": QuadraticLoss, "RecordingModel": RecordingModel,
            "RecordingOptimizer": RecordingOptimizer}


def fixed_order_batches(order, sizes, batch_size_given=None, rng_given=None):
    """A stand-in for ``minibatches`` that yields the rows of ``order`` in given sizes.

    It never shuffles, so it is no solution of ``train.minibatches``; it lets
    ``train_epoch`` be checked alone. Like the real one, it refuses to shuffle without a
    generator, so a ``train_epoch`` that forgets to pass its ``rng`` on is caught, and
    another generator than ``rng_given`` (a new one gives every epoch the same order); it
    refuses another batch size than ``batch_size_given``, the one ``train_epoch`` got.
    """
    def batches(X, y, batch_size, *, rng=None, shuffle=True):
        if shuffle and not isinstance(rng, np.random.Generator):
            raise ValueError("minibatches(..., shuffle=True) needs rng=, a np.random.Generator, "
                             f"got {rng!r}: pass train_epoch's rng on to minibatches")
        if shuffle and rng_given is not None and rng is not rng_given:
            raise ValueError("minibatches(..., shuffle=True) needs rng=, the generator "
                             "train_epoch was given, got another one: pass train_epoch's rng "
                             "on to minibatches (a new generator repeats the same order)")
        if batch_size_given is not None and batch_size != batch_size_given:
            raise RuntimeError(f"the grader's stand-in for minibatches got batch_size="
                               f"{batch_size!r}, but train_epoch was given batch_size="
                               f"{batch_size_given}: pass it on unchanged")
        start = 0
        for size in sizes:
            idx = order[start:start + size]
            start += size
            yield np.asarray(X)[idx], (None if y is None else np.asarray(y)[idx])
    return batches


def numgrad_functions(c, x_given):
    """The functions handed to ``numerical_gradient``.

    ``array(x) = sin(x) * c + x**2`` (shape of x); ``scalar(x) = sum(x**3 * c)``;
    ``closure`` is ``scalar`` of ``x_given`` read from the enclosing scope, ignoring its
    argument, as ``check_module`` uses it: only an in-place perturbation of ``x`` is seen.
    """
    def array(x):
        array.calls += 1
        return np.sin(x) * c + x**2

    def scalar(x):
        scalar.calls += 1
        return float(np.sum(x**3 * c))

    def closure(_ignored):
        closure.calls += 1
        return float(np.sum(x_given**3 * c))

    array.calls = scalar.calls = closure.calls = 0
    return {"array": array, "scalar": scalar, "closure": closure}


class PieceClock:
    """Wall time spent in some methods of some objects (the capstone's time budget).

    ``pieces`` are ``(label, object, method name)``; each method is wrapped on its
    instance, and the time of every call is added to its label (objects of one label,
    such as two ``Linear`` layers, share it). ``report`` gives the labels (UTF-8, comma
    separated) and their seconds, for the feedback to name the slowest piece.
    """

    def __init__(self, pieces) -> None:
        self.seconds: dict[str, float] = {}
        for label, owner, name in pieces:
            self.seconds.setdefault(label, 0.0)
            setattr(owner, name, self.timed(label, getattr(owner, name)))

    def timed(self, label, method):
        """``method`` adding its wall time to ``label``."""
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
        return run

    def report(self) -> dict[str, np.ndarray]:
        """``piece_names`` (bytes) and ``piece_seconds``, in the order of the pieces."""
        names = ",".join(self.seconds).encode()
        return {"piece_names": np.frombuffer(names, dtype=np.uint8).copy(),
                "piece_seconds": np.array(list(self.seconds.values()))}


def true_dropout_mask(module, y: np.ndarray, p: float, scaled: bool) -> None:
    """Put in ``module._mask`` the mask the true forward keeps for the entries ``y`` kept.

    The drop pattern is the student's own (``y != 0``: the checks' inputs are never 0);
    the values are the true ones, in one of the contract's two forms: the scale folded in
    (``kept / (1 - p)``, ``scaled``) or the kept entries alone (0/1, boolean if the
    student's own mask was). A backward that reads another attribute is not helped: it
    is graded on its own mask.
    """
    kept = np.asarray(y) != 0
    own = getattr(module, "_mask", None)
    if scaled:
        module._mask = (kept / (1.0 - p)).astype(np.asarray(y).dtype)
    else:
        boolean = isinstance(own, np.ndarray) and own.dtype == bool
        module._mask = kept if boolean else kept.astype(np.asarray(y).dtype)


def mask_form(module, y: np.ndarray, p: float) -> int:
    """The form of the mask the student's forward kept in ``_mask``.

    1 scaled, 0 the kept entries alone (0/1), -1 neither (another attribute, another
    shape, other values).
    """
    own, kept = getattr(module, "_mask", None), np.asarray(y) != 0
    if not isinstance(own, np.ndarray) or own.shape != kept.shape or not kept.any():
        return -1
    values = np.asarray(own, dtype=np.float64)[kept]
    if np.allclose(values, 1.0 / (1.0 - p)) and p > 0:
        return 1
    return 0 if np.allclose(values, 1.0) else -1


def dropout_backwards(make, x: np.ndarray, p: float, dout: np.ndarray) -> dict:
    """Backward after a fresh module's forward: on its own mask, and on the true one.

    ``dx`` (own mask; ``dx_raised`` instead when that backward raises), ``dx_true`` and
    ``dx_true01`` (``true_dropout_mask``, scaled and 0/1), ``mask_form`` (``mask_form``:
    the form the student's forward chose, which its backward must then read), and ``y``
    of the forward. Raises what the student's code raises otherwise.
    """
    out = {}
    for key, scaled in (("dx", None), ("dx_true", True), ("dx_true01", False)):
        module = make()
        y = np.asarray(module.forward(x.copy()))
        out["y"] = y.astype(np.float64)
        if scaled is None:
            out["mask_form"] = np.array(mask_form(module, y, p))
        else:
            true_dropout_mask(module, y, p, scaled)
        try:
            out[key] = np.asarray(module.backward(dout.copy()), dtype=np.float64)
        except Exception:  # noqa: BLE001 - on its own mask: a mask backward cannot use
            if scaled is not None:
                raise
            out["dx_raised"] = np.array(True)
    return out


def eval_backwards(make, x: np.ndarray, dout: np.ndarray, key: str) -> dict:
    """Backward after a fresh module's eval-mode forward, with the true ``_mask = None``.

    ``key`` (that backward's dx) and, for the forward's check, ``key + "_own"`` (on the
    forward's own state; ``key + "_raised"`` when that raises). Nothing when the student's
    code raises on the true state: its own check grades that.
    """
    out = {}
    try:
        for own in (False, True):
            module = make()
            module.eval()
            module.forward(x.copy())
            if not own:
                module._mask = None
            name = key + ("_own" if own else "")
            try:
                out[name] = np.asarray(module.backward(dout.copy()), dtype=np.float64)
            except Exception:  # noqa: BLE001 - on its own state: a mask backward cannot use
                if not own:
                    raise
                out[key + "_raised"] = np.array(True)
    except Exception:  # noqa: BLE001
        return {}
    return out


def backward_without_forward(make, x: np.ndarray, p: float, seed: int, dout: np.ndarray) -> dict:
    """Dropout's backward when the student's forward raises: on the true forward's mask.

    The mask is the one the true forward draws first from a generator of ``seed``
    (``rng.random(x.shape) >= p``, the contract's drawing), in both of the contract's
    forms, with ``_shape`` set as the provided forward code sets it. Returns
    ``forward_failed``, the true ``y`` and ``dx_true``/``dx_true01`` (left out where the
    student's backward raises on them).
    """
    kept = np.random.default_rng(seed).random(x.shape) >= p
    y = x * kept / (1.0 - p)
    out = {"forward_failed": np.array(True), "y": y.astype(np.float64)}
    for key, scaled in (("dx_true", True), ("dx_true01", False)):
        module = make()
        module._shape = x.shape
        true_dropout_mask(module, y, p, scaled)
        try:
            out[key] = np.asarray(module.backward(dout.copy()), dtype=np.float64)
        except Exception:  # noqa: BLE001 - graded as not matching
            pass
    return out
