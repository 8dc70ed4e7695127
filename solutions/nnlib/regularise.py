"""Regularisation: weight decay, dropout, and training with validation in eval mode.

A network that fits its training set better and better can at the same time get worse on
data it has not seen (overfitting). Three remedies of lesson 10:

- **L2 weight decay** adds the penalty ``(lam / 2) * sum W**2`` over the *weight
  matrices* to the loss. It enters training as one more term in each weight's gradient
  (``add_weight_decay``, called between ``backward`` and ``step``). Biases (1-D
  parameters) are not decayed: they shift a unit, they do not make it sensitive to its
  inputs, and decaying them only pulls every output towards 0.
- **Dropout** (``Dropout``) zeroes each entry of its input with probability ``p`` while
  training and is the identity in evaluation.
- **Early stopping** (``train.EarlyStopping`` of lesson 06) keeps the epoch with the
  lowest validation loss; ``run_epochs`` trains with dropout on and measures with it off.

Shape letters: N examples, D features.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib.layers import Module, Parameter, as_float_array, cached, check_dout
from nnlib.metrics import evaluate
from nnlib.train import EarlyStopping, History, train_epoch


def weight_matrices(params: Iterable[Parameter]) -> list[Parameter]:
    """The parameters that weight decay acts on: those with 2 or more axes (not biases)."""
    return [p for p in params if p.value.ndim >= 2]


def l2_penalty(params: Iterable[Parameter], lam: float) -> float:
    """The L2 penalty ``(lam / 2) * sum of W**2`` over the parameters with 2 or more axes.

    Args:
        params: parameters, e.g. ``model.parameters()``; 1-D ones (biases) are left out.
        lam: the decay strength, ``>= 0``.

    Returns:
        The penalty, a float (add it to the data loss to report the total loss).
    """
    return 0.5 * float(lam) * sum(float(np.sum(p.value**2)) for p in weight_matrices(params))


def add_weight_decay(params: Iterable[Parameter], lam: float) -> None:
    """Add the gradient of ``l2_penalty(params, lam)`` to every parameter's ``.grad``.

    Called after ``backward`` and before ``optimizer.step()``, so the step sees the
    gradient of the total loss ``L_data + (lam / 2) * sum W**2``.

    Args:
        params: parameters whose ``.grad`` holds ``dL_data/dp`` (any shapes). Parameters
            with 2 or more axes (weights, e.g. ``W`` of shape (D, M)) are decayed;
            1-D ones (biases, shape (M,)) are not, their ``.grad`` is left as it is.
        lam: the decay strength, ``>= 0``.

    Each ``p.grad`` is updated in place (same shape and dtype); ``p.value`` is unchanged.

    Raises:
        ValueError: if ``lam`` is negative or not a number.
    """
    if not float(lam) >= 0:
        raise ValueError(f"expected lam >= 0, got {lam!r}")
    ### BEGIN SOLUTION regularise.weight_decay
    # d/dW of (lam/2) sum W**2 is lam * W, entry by entry; += keeps the data gradient (and
    # the arrays others hold). Biases are not in weight_matrices, as the lesson decides.
    for p in weight_matrices(params):
        p.grad += lam * p.value
    ### END SOLUTION


class WeightDecay:
    """An optimizer wrapper: ``step()`` adds weight decay to the gradients, then steps.

    ``WeightDecay(SGD(model.parameters(), lr=0.1), lam=1e-3)`` is used wherever an
    optimizer is (``train_epoch``, ``fit``, ``run_epochs``).
    """

    def __init__(self, optimizer, lam: float) -> None:
        self.optimizer, self.lam = optimizer, float(lam)
        self.params = optimizer.params

    def zero_grad(self) -> None:
        """The wrapped optimizer's ``zero_grad``."""
        self.optimizer.zero_grad()

    def step(self) -> None:
        """``add_weight_decay`` on the parameters, then the wrapped optimizer's ``step``."""
        add_weight_decay(self.params, self.lam)
        self.optimizer.step()


class Dropout(Module):
    """Inverted dropout: drop each entry with probability ``p`` while training.

    In training mode (``self.training`` True, the default; ``train()``) every entry of
    ``x`` is dropped (set to 0) independently with probability ``p``, and the kept
    entries are scaled so that the expected value of each output entry equals its input.
    In evaluation mode (``eval()``) the output is ``x`` itself and no random number is
    drawn. Random numbers come only from ``self.rng``, the generator given.

    Args:
        p: the probability of dropping an entry, in ``[0, 1)``.
        rng: a ``np.random.Generator``.

    Cache: forward in training mode keeps the mask it drew (shape of ``x``; boolean, 0/1,
    or with the scale folded in: your choice) for backward.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator) -> None:
        if not 0.0 <= float(p) < 1.0:
            raise ValueError(f"expected p in [0, 1), got {p!r}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"expected rng to be a np.random.Generator, got {type(rng).__name__}")
        self.p, self.rng = float(p), rng
        self.training = True
        self._mask = self._shape = None

    def train(self) -> Dropout:
        """Switch to training mode (entries are dropped); returns ``self``."""
        self.training = True
        return self

    def eval(self) -> Dropout:
        """Switch to evaluation mode (the identity); returns ``self``."""
        self.training = False
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The output of dropout, of the shape and dtype of ``x`` (any shape, e.g. (N, D)).

        Args:
            x: input array; not changed.

        Returns:
            out: shape of ``x``. Training: entries dropped and the rest scaled as the
            class docstring says; evaluation: equal to ``x``.
        """
        x = as_float_array(x)
        self._shape = x.shape
        ### BEGIN SOLUTION dropout.forward
        # Keep with probability q = 1 - p and divide by q: E[out] = q * x / q = x, so eval
        # needs no scaling (inverted dropout). Eval draws nothing from the rng.
        if not self.training or self.p == 0.0:
            self._mask = None
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        self._mask = keep / (1.0 - self.p)
        return (x * self._mask).astype(x.dtype, copy=False)
        ### END SOLUTION

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` for the last forward, of the shape of ``x``.

        Args:
            dout: ``dL/dout``, shape of forward's output.

        Returns:
            dx: shape of ``x``, dtype of ``dout``. Uses the mask cached by the last forward:
            draws nothing.
        """
        dout = as_float_array(dout, "dout")
        dout = check_dout(dout, cached(self, "_shape"), dout.dtype)
        ### BEGIN SOLUTION dropout.backward
        # out = x * mask entry by entry, so dx = dout * mask with the same mask; in eval
        # (no mask) the layer is the identity and dx = dout.
        if self._mask is None:
            return dout.copy()
        return (dout * self._mask).astype(dout.dtype, copy=False)
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"Dropout(p={self.p}, training={self.training})"


def set_training(model, training: bool) -> None:
    """Put every module of ``model`` with a mode in one mode (``Dropout``, ``BatchNorm1d``).

    ``model`` is a module or a ``Sequential``; a module has a mode when it has a
    ``training`` attribute and ``train()``/``eval()`` methods.
    """
    for module in getattr(model, "modules", [model]):
        if isinstance(module, Dropout) or hasattr(module, "training"):
            module.train() if training else module.eval()


def run_epochs(model, loss_fn, optimizer, X, y, X_val, y_val, *, epochs: int, batch_size: int,
               rng: np.random.Generator, patience: int | None = None) -> History:
    """Train with dropout on, measure the validation loss with it off, for each epoch.

    Like ``train.fit`` without its options, except that every ``Dropout`` of ``model``
    is in evaluation mode while the validation loss is measured (and after the run).
    With ``patience``, stops as ``train.EarlyStopping`` of lesson 06 says and records
    ``best_epoch``; the parameters are not restored.

    Returns:
        A ``History`` with ``train_loss`` (the epochs' mean training loss, dropout on) and
        ``val_loss`` per epoch.
    """
    stopper = None if patience is None else EarlyStopping(patience)
    history = History()
    for _ in range(epochs):
        set_training(model, True)
        history.train_loss.append(train_epoch(model, loss_fn, optimizer, X, y, batch_size,
                                              rng=rng))
        set_training(model, False)
        history.val_loss.append(evaluate(model, loss_fn, X_val, y_val))
        if stopper is not None and stopper.step(history.val_loss[-1]):
            history.stop_reason = "early_stopping"
            break
    if stopper is not None:
        history.best_epoch = stopper.best_epoch
    return history
