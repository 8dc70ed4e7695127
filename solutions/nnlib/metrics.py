"""Measuring a model without training it: outputs, mean loss, labels and accuracy.

``predict`` and ``evaluate`` run forward passes only (no backward, no step), in order,
a batch at a time so that a large data set never needs one huge array. Shape letters:
N examples, D input features, M outputs, C classes.
"""

from __future__ import annotations

import numpy as np


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
    return int(value)


def _batches(X: np.ndarray, batch_size: int) -> list[tuple[int, int]]:
    """Consecutive slices ``(start, stop)`` of at most ``batch_size`` examples."""
    batch_size = check_positive_int(batch_size, "batch_size")
    return [(start, min(start + batch_size, len(X))) for start in range(0, len(X), batch_size)]


def predict(model, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs on ``X``, computed batch by batch in order.

    Args:
        model: a ``Module``.
        X: inputs, shape (N, D).
        batch_size: examples per forward pass (bounds memory; does not change the result).

    Returns:
        Outputs stacked in the order of ``X``, shape (N, M).
    """
    X = np.asarray(X)
    outs = [model.forward(X[start:stop]) for start, stop in _batches(X, batch_size)]
    return np.concatenate(outs, axis=0)


def evaluate(model, loss_fn, X: np.ndarray, y: np.ndarray, batch_size: int = 1024) -> float:
    """Mean loss over ``X`` without training: no backward, no step.

    Args:
        model: a ``Module``.
        loss_fn: ``forward(pred, target) -> float``, a mean over the batch.
        X: inputs, shape (N, D).
        y: targets, shape (N,) or (N, M).
        batch_size: examples per forward pass.

    Returns:
        ``sum_b B_b * loss_b / N`` over batches b of B_b examples: the mean over all N.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"expected len(X) == len(y), got {len(X)} and {len(y)}")
    total = 0.0
    for start, stop in _batches(X, batch_size):
        loss = loss_fn.forward(model.forward(X[start:stop]), y[start:stop])
        total += float(loss) * (stop - start)
    return total / len(X)


def predicted_labels(scores: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Turn a model's outputs into class labels.

    Args:
        scores: (N, C) with C > 1: logits or probabilities, label = argmax over C.
            (N, 1) or (N,): one binary score, label = 1 where ``score > threshold``.
        threshold: 0.0 for logits, 0.5 for probabilities.

    Returns:
        Labels, int64 array of shape (N,).
    """
    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
        return (scores.reshape(-1) > threshold).astype(np.int64)
    raise ValueError(f"expected scores of shape (N, C), (N, 1) or (N,), got {scores.shape}")


def true_labels(y: np.ndarray) -> np.ndarray:
    """Class labels (N,) from labels (N,) or (N, 1) of whole numbers, or one-hot rows (N, C)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    flat = y.reshape(-1)
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1) or not np.array_equal(flat, np.round(flat)):
        raise ValueError(
            "expected class labels (N,) or (N, 1) of whole numbers, or one-hot rows (N, C); "
            f"got shape {y.shape} with values like {flat[:3]}. For regression, pass metric=None"
        )
    return flat.astype(np.int64)


def accuracy(scores: np.ndarray, y: np.ndarray, *, threshold: float = 0.0) -> float:
    """Fraction of examples whose predicted label equals the true label.

    Args:
        scores: model outputs, (N, C) logits or probabilities, or one binary score
            (N, 1) or (N,) compared with ``threshold`` (see ``predicted_labels``).
        y: true labels (N,) or (N, 1), or one-hot rows (N, C).
        threshold: 0.0 for binary logits, 0.5 for binary probabilities.

    Returns:
        A float in [0, 1].
    """
    pred, true = predicted_labels(scores, threshold), true_labels(y)
    if pred.shape != true.shape:
        raise ValueError(
            f"expected one label per prediction, got {true.shape[0]} labels for "
            f"{pred.shape[0]} predictions"
        )
    return float(np.mean(pred == true))
