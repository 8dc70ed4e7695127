"""The training loop: minibatches, one epoch, stopping criteria, and ``fit``.

Training repeats one small loop. For every minibatch of an epoch: the forward pass gives
predictions, the loss compares them with the targets, the optimizer clears the gradients
(``backward`` only ever adds to them), the backward pass of the loss and then of the model
fills every parameter's ``.grad``, and the optimizer steps.

``fit`` runs epochs of that loop, records a ``History`` of losses and accuracies and
stops at the first of three criteria: a maximum number of epochs, a training loss that
has stopped changing (tolerance), or a validation loss that has stopped improving (early
stopping with patience). Measuring without training (``predict``, ``evaluate``,
``accuracy``) lives in ``metrics.py`` and is importable from here too.

Everything here works with any objects that follow the ``Module``, loss and optimizer
contracts of ``layers.py``, ``losses.py`` and ``optim.py``. Shape letters: N examples,
B examples in one batch, D input features, M outputs, C classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from nnlib.metrics import accuracy, check_positive_int, evaluate, predict

STOP_REASONS = ("max_epochs", "tolerance", "early_stopping")


def minibatches(
    X: np.ndarray,
    y: np.ndarray | None,
    batch_size: int,
    *,
    rng: np.random.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield the minibatches of one epoch: every example exactly once.

    With ``shuffle=True`` the order is one random permutation of ``0..N-1`` drawn from
    ``rng``; otherwise the examples come in their stored order. The last batch holds the
    ``N % batch_size`` examples that are left over, when there are any. ``X`` and ``y`` are
    never modified: each batch is a new array.

    This is a generator, so argument errors are raised when iteration starts.

    Args:
        X: inputs, shape (N, ...), usually (N, D).
        y: targets, shape (N, ...), or None when there are none.
        batch_size: B, the number of examples in a full batch.
        rng: the ``np.random.Generator`` that shuffles; required when ``shuffle=True``.
        shuffle: draw a new order for this epoch (True) or keep the stored order (False).

    Yields:
        (Xb, yb): Xb of shape (B, ...) and yb of shape (B, ...) or None, the same
        examples in the same order; the last batch may be smaller than B.

    Raises:
        ValueError: if ``X`` and ``y`` hold different numbers of examples, ``batch_size``
            is not a positive integer, or ``shuffle=True`` without an ``rng``.
    """
    X = np.asarray(X)
    y = None if y is None else np.asarray(y)
    batch_size = check_positive_int(batch_size, "batch_size")
    if X.ndim == 0:
        raise ValueError(f"expected X with a first axis of examples, got a scalar {X!r}")
    if y is not None and len(y) != len(X):
        raise ValueError(
            f"expected X and y to hold the same number of examples, got len(X) = {len(X)} "
            f"and len(y) = {len(y)}"
        )
    if shuffle and not isinstance(rng, np.random.Generator):
        raise ValueError(
            "shuffle=True needs rng, a np.random.Generator such as np.random.default_rng(0); "
            f"got {rng!r} (or pass shuffle=False)"
        )
    ### BEGIN SOLUTION train.minibatches
    n = len(X)
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], (None if y is None else y[idx])
    ### END SOLUTION


def train_epoch(model, loss_fn, optimizer, X, y, batch_size: int, *, rng) -> float:
    """Train for one epoch over shuffled minibatches; return the epoch's mean loss.

    For every batch, in this order: the model's forward, the loss's forward, the
    optimizer's ``zero_grad``, the loss's backward (dL/dpred), the model's backward with
    that gradient, and the optimizer's ``step``.

    The returned value is the epoch's loss: the mean over all N examples of their
    losses, each as measured in the step that used it, also when the last batch is
    smaller than B. (The loss's forward gives the mean over one batch only.)

    Args:
        model: a ``Module``: ``forward(Xb) -> pred`` and ``backward(dpred)``.
        loss_fn: ``forward(pred, yb) -> float`` and ``backward() -> dpred``.
        optimizer: ``zero_grad()`` and ``step()`` over the model's parameters.
        X: inputs, shape (N, D).
        y: targets, shape (N,) of class labels or (N, M).
        batch_size: B, examples per batch.
        rng: the ``np.random.Generator`` that shuffles the batches.

    Returns:
        The mean training loss of the epoch, a float.
    """
    ### BEGIN SOLUTION train.train_epoch
    total, seen = 0.0, 0
    for Xb, yb in minibatches(X, y, batch_size, rng=rng):
        pred = model.forward(Xb)
        loss = loss_fn.forward(pred, yb)
        optimizer.zero_grad()
        dpred = loss_fn.backward()
        model.backward(dpred)
        optimizer.step()
        total += float(loss) * len(Xb)
        seen += len(Xb)
    return total / seen
    ### END SOLUTION


class EarlyStopping:
    """Say when to stop: the validation loss has not improved for ``patience`` epochs.

    An epoch *improves* when its loss is below the best so far by more than
    ``min_delta``. Every other epoch (a NaN loss too)
    adds one to ``bad_epochs``; an improvement resets it to 0. ``step`` returns True once
    ``bad_epochs`` reaches ``patience``.

    Attributes:
        patience: how many epochs in a row without improvement are tolerated.
        min_delta: how much lower than ``best`` a loss must be to count as better.
        best: the best (lowest) loss seen so far; ``inf`` before the first step.
        best_epoch: 0-based index of the step that gave ``best`` (None before the
            first step), so ``history.val_loss[best_epoch] == best``.
        bad_epochs: epochs since the last improvement.
        epoch: how many times ``step`` has been called.
    """

    def __init__(self, patience: int, min_delta: float = 0.0):
        self.patience = check_positive_int(patience, "patience")
        if not min_delta >= 0:
            raise ValueError(f"expected min_delta >= 0, got {min_delta!r}")
        self.min_delta = float(min_delta)
        self.best = np.inf
        self.best_epoch: int | None = None
        self.bad_epochs = 0
        self.epoch = 0

    def step(self, val_loss: float) -> bool:
        """Record one epoch's validation loss; return True when training should stop.

        Args:
            val_loss: this epoch's validation loss.

        Returns:
            True if the loss has not improved (by more than ``min_delta``) for
            ``patience`` epochs in a row, else False.
        """
        ### BEGIN SOLUTION train.early_stopping
        if val_loss < self.best - self.min_delta:
            self.best = float(val_loss)
            self.best_epoch = self.epoch
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.epoch += 1
        return self.bad_epochs >= self.patience
        ### END SOLUTION


@dataclass
class History:
    """What ``fit`` recorded, one entry per epoch run.

    Attributes:
        train_loss: mean training loss of each epoch (from ``train_epoch``).
        val_loss: validation loss after each epoch; empty without validation data.
        train_acc: metric on the whole training set after each epoch; empty without one.
        val_acc: metric on the validation set after each epoch; empty without one.
        stop_reason: why training stopped, one of ``STOP_REASONS``: "max_epochs",
            "tolerance" or "early_stopping".
        best_epoch: with early stopping, the 0-based epoch of the lowest validation loss.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    stop_reason: str = "max_epochs"
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """How many epochs were run."""
        return len(self.train_loss)


def _check_fit_args(X, y, X_val, y_val, tol, patience, restore_best) -> None:
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"expected len(X) == len(y) > 0, got {len(X)} and {len(y)}")
    if (X_val is None) != (y_val is None):
        raise ValueError("expected both X_val and y_val, or neither; got only one of them")
    if patience is not None and X_val is None:
        raise ValueError(
            f"early stopping (patience={patience!r}) watches the validation loss: "
            "expected X_val and y_val, got none"
        )
    if tol is not None and not tol > 0:
        raise ValueError(f"expected tol > 0 or None, got {tol!r}")
    if restore_best and patience is None:
        raise ValueError("restore_best=True keeps the best epoch of early stopping: set patience")


def fit(
    model,
    loss_fn,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    tol: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = False,
    metric: Callable[[np.ndarray, np.ndarray], float] | None = accuracy,
    progress: bool = True,
) -> History:
    """Train ``model`` for up to ``epochs`` epochs and record what happened.

    Each epoch: ``train_epoch`` (shuffled minibatches), then the metric on the training
    set, then the loss and metric on the validation set when one is given. Training stops
    at the first of:

    - ``epochs`` epochs run ("max_epochs");
    - tolerance: ``|train_loss[t] - train_loss[t-1]| < tol`` ("tolerance");
    - early stopping: the validation loss has not improved by more than ``min_delta``
      for ``patience`` epochs ("early_stopping", see ``EarlyStopping``).

    With ``restore_best=True`` (early stopping only), the parameters of the epoch with the
    lowest validation loss are copied back into the model when training ends, whatever
    stopped it; the history still holds every epoch that was run.

    Args:
        model: a ``Module``, trained in place.
        loss_fn: ``forward(pred, target) -> float`` and ``backward() -> dpred``.
        optimizer: ``zero_grad()`` and ``step()`` over the model's parameters.
        X: training inputs, shape (N, D).
        y: training targets, shape (N,) or (N, M).
        epochs: the maximum number of epochs.
        batch_size: B, examples per batch.
        rng: the ``np.random.Generator`` that shuffles every epoch.
        X_val: optional validation inputs, shape (N_val, D).
        y_val: validation targets, required with ``X_val``.
        tol: stop when the training loss changes by less than this between epochs.
        patience: stop after this many epochs without validation improvement.
        min_delta: the smallest decrease of the validation loss that counts.
        restore_best: put back the best validation-loss parameters at the end.
        metric: ``metric(outputs, y) -> float``, recorded as train_acc / val_acc;
            ``accuracy`` by default, None for regression.
        progress: show a progress bar (in notebooks and terminals) with the losses.

    Returns:
        The ``History`` of the run.
    """
    epochs = check_positive_int(epochs, "epochs")
    _check_fit_args(X, y, X_val, y_val, tol, patience, restore_best)
    stopper = None if patience is None else EarlyStopping(patience, min_delta)
    best_values = None
    history = History()

    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not progress)
    for epoch in bar:
        loss = train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng=rng)
        history.train_loss.append(loss)
        if metric is not None:
            history.train_acc.append(metric(predict(model, X), y))
        if X_val is not None:
            history.val_loss.append(evaluate(model, loss_fn, X_val, y_val))
            if metric is not None:
                history.val_acc.append(metric(predict(model, X_val), y_val))
        bar.set_postfix(_latest(history))

        out_of_patience = stopper is not None and stopper.step(history.val_loss[-1])
        if restore_best and stopper.best_epoch == epoch:
            best_values = [p.value.copy() for p in model.parameters()]
        if tol is not None and epoch > 0 and abs(loss - history.train_loss[-2]) < tol:
            history.stop_reason = "tolerance"
            break
        if out_of_patience:
            history.stop_reason = "early_stopping"
            break

    bar.close()
    if stopper is not None:
        history.best_epoch = stopper.best_epoch
    if best_values is not None:
        for p, value in zip(model.parameters(), best_values, strict=True):
            p.value[...] = value
    return history


def _latest(history: History) -> dict[str, str]:
    """The last recorded values, formatted for the progress bar."""
    names = ("train_loss", "val_loss", "train_acc", "val_acc")
    return {name: f"{getattr(history, name)[-1]:.4g}" for name in names if getattr(history, name)}
