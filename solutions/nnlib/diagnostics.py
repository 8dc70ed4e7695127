"""Look inside a network: each layer's output, each layer's gradient size, and errors.

These answer the questions of lesson 7 (do the activations of a deep network saturate or
die out? do the gradients shrink or blow up from layer to layer?) and of the capstone
(which digits get confused with which?). ``plots.py`` draws what they return. Shape
letters: N examples, D features, C classes.
"""

from __future__ import annotations

import numpy as np

from nnlib.data import check_labels


def layer_outputs(model, x: np.ndarray) -> list[np.ndarray]:
    """Run ``x`` through a ``Sequential`` and keep the output of every module.

    ``outputs[k]`` is the output of ``model[k]``, so ``outputs[-1]`` is ``model(x)``. Like
    any forward pass, this refreshes each module's cache: ``model.backward`` can follow.

    Args:
        model: a ``Sequential`` (any iterable of modules).
        x: input of shape (N, D).

    Returns:
        One array per module, in order.
    """
    outputs = []
    for module in model:
        x = module.forward(x)
        outputs.append(x)
    return outputs


def gradient_norms(model) -> list[float]:
    """The size of each weight gradient, layer by layer: ``||dL/dW_k||`` (Frobenius).

    Call it after a backward pass. Every module with a weight parameter ``W`` (each
    ``Linear``) counts, in order; activations have none and are skipped.

    Args:
        model: a ``Sequential`` (any iterable of modules).

    Returns:
        One float per layer with a weight, from the input side to the output side.
    """
    return [float(np.linalg.norm(m.W.grad)) for m in model if hasattr(m, "W")]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Count how often class i was predicted as class j.

    ``cm[i, j] = #{n : y_true[n] = i and y_pred[n] = j}``: the diagonal holds the
    correct predictions, each row sums to the number of examples of its class.

    Args:
        y_true: true labels, int (N,), each in ``0..C-1``.
        y_pred: predicted labels, int (N,), each in ``0..C-1``.
        num_classes: C.

    Returns:
        cm, int64 array of shape (C, C).
    """
    y_true, num_classes = check_labels(y_true, num_classes, "y_true")
    y_pred, _ = check_labels(y_pred, num_classes, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"expected y_true and y_pred of the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm
