"""Loss functions: a scalar score of predictions against targets, and its gradient.

Every loss has the same interface:

- ``forward(pred, target) -> float`` returns the loss, averaged over the batch, and
  caches what ``backward`` needs. ``loss(pred, target)`` is the same call.
- ``backward(dloss=1.0) -> dpred`` returns ``dL/dpred``, same shape as ``pred``, scaled
  by the upstream gradient ``dloss`` (1.0 when the loss is the end of the graph).

Shapes: N batch, M outputs, C classes. ``pred`` keeps its float dtype (integers become
float64); ``target`` is converted to ``pred``'s dtype, except class labels.
"""

from __future__ import annotations

import numpy as np

from nnlib.layers import as_float_array, cached, check_shape


def softmax(z: np.ndarray) -> np.ndarray:
    """``softmax(z)_i = exp(z_i) / sum_j exp(z_j)`` along the last axis.

    Stable for any finite ``z``: no ``exp`` overflows, even at logits of +-1000.

    Args:
        z: logits, shape (..., C), e.g. (N, C).

    Returns:
        Probabilities of the shape of ``z``; each row sums to 1.
    """
    z = as_float_array(z, "z")
    ### BEGIN SOLUTION softmax.forward
    # softmax(z + c) = softmax(z) for any constant c; c = -max(z) keeps every exp in (0, 1]
    # and the row sum >= 1.
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e
    ### END SOLUTION


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log_softmax(z)_i = log(softmax(z)_i)`` along the last axis.

    Stable for any finite ``z``: no overflow, and a finite result even where a
    probability rounds to 0 (``z = (0, -1000)`` gives ``(0, -1000)``, not ``-inf``).

    Args:
        z: logits, shape (..., C), e.g. (N, C).

    Returns:
        Log-probabilities of the shape of ``z`` (all ``<= 0``).
    """
    z = as_float_array(z, "z")
    ### BEGIN SOLUTION softmax.forward
    # log softmax(z)_i = z_i - logsumexp(z), logsumexp(z) = m + log(sum_j exp(z_j - m)) with
    # m = max_j z_j: the sum is >= 1, so neither overflow nor log(0).
    shifted = z - z.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted
    ### END SOLUTION


def check_pair(pred: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    """``pred`` as a float array and ``target`` in its dtype; the shapes must be identical.

    No broadcasting: ``pred`` of shape (N, 1) against ``target`` of shape (N,) would
    silently give an (N, N) difference, so it is an error here.
    """
    pred = as_float_array(pred, "pred")
    target = np.asarray(target, dtype=pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(
            f"expected target of shape {pred.shape} (the shape of pred), got {target.shape}; "
            "pred and target must match exactly, e.g. y.reshape(-1, 1) for one output"
        )
    if pred.size == 0:
        raise ValueError(f"expected at least one prediction, got pred of shape {pred.shape}")
    return pred, target


class Loss:
    """Base class: ``loss(pred, target)`` calls ``forward``."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The mean loss over the batch; caches what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, dloss: float = 1.0) -> np.ndarray:
        """``dL/dpred`` times ``dloss``."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Same as ``forward(pred, target)``."""
        return self.forward(pred, target)

    def _cached(self, name: str) -> np.ndarray:
        return cached(self, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error over all N*M entries: ``L = mean((pred - target)**2)``."""

    def __init__(self) -> None:
        self._diff: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean squared error; caches ``self._diff = pred - target``.

        Args:
            pred: predictions, shape (N, M) (or any shape).
            target: same shape as ``pred`` exactly (no broadcasting).

        Returns:
            The loss as a Python float.
        """
        pred, target = check_pair(pred, target)
        ### BEGIN SOLUTION mse.forward
        diff = pred - target
        self._diff = diff
        return float(np.mean(diff * diff))
        ### END SOLUTION

    def backward(self, dloss: float = 1.0) -> np.ndarray:
        """``dpred = dloss * dL/dpred``, the shape of ``pred``, from the cached ``_diff``."""
        dloss = float(dloss)
        ### BEGIN SOLUTION mse.backward
        # dL/dpred = 2 (pred - target) / size: the mean divides by all N*M entries.
        diff = self._cached("_diff")
        return diff * (2.0 * dloss / diff.size)
        ### END SOLUTION


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits: ``L = mean(-y log s(z) - (1 - y) log(1 - s(z)))``.

    ``s`` is the sigmoid. It is computed from the logit ``z``, not from the probability
    ``s(z)``, so that it never takes the log of 0 and never overflows, even at
    ``z = +-1000``.
    """

    def __init__(self) -> None:
        self._z: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean binary cross-entropy; caches ``self._z = pred`` and ``self._y = target``.

        Args:
            pred: logits ``z``, shape (N, 1) or (N,) (any shape).
            target: labels ``y`` in [0, 1] (usually 0 or 1), same shape as ``pred``.

        Returns:
            The loss as a Python float.
        """
        pred, target = check_pair(pred, target)
        if np.any((target < 0) | (target > 1)):
            raise ValueError(
                f"expected target values in [0, 1], got values from {target.min()} to "
                f"{target.max()}"
            )
        ### BEGIN SOLUTION bce_logits.forward
        # log s(z) = -log(1 + exp(-z)), log(1 - s(z)) = -z - log(1 + exp(-z)), so the loss is
        # (1 - y) z + log(1 + exp(-z)); and log(1 + exp(-z)) = max(-z, 0) + log(1 + exp(-|z|)).
        self._z, self._y = pred, target
        losses = np.maximum(pred, 0.0) - pred * target + np.log1p(np.exp(-np.abs(pred)))
        return float(np.mean(losses))
        ### END SOLUTION

    def backward(self, dloss: float = 1.0) -> np.ndarray:
        """``dz = dloss * dL/dz``, the shape of the logits ``z``; finite at ``z = +-1000``."""
        dloss = float(dloss)
        ### BEGIN SOLUTION bce_logits.backward
        # l = log(1 + exp(z)) - y z, so dl/dz = s(z) - y; divided by size (the mean). The
        # sigmoid is the stable one of Sigmoid.forward.
        z, y = self._cached("_z"), self._cached("_y")
        e = np.exp(-np.abs(z))
        s = np.where(z >= 0, 1.0, e) / (1.0 + e)
        s -= y
        s *= dloss / z.size
        return s
        ### END SOLUTION


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy: ``L = -mean_n log softmax(z_n)[y_n]``."""

    def __init__(self) -> None:
        self._probs: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Mean cross-entropy; caches ``self._probs = softmax(pred)`` and ``self._y = target``.

        Args:
            pred: logits ``z``, shape (N, C).
            target: integer class labels ``y``, shape (N,), values in ``[0, C)``.

        Returns:
            The loss as a Python float; use ``log_softmax`` (stable at logits of +-1000).
        """
        pred = check_shape(as_float_array(pred, "pred"), ("N", "C"), "pred")
        target = check_labels(target, *pred.shape)
        ### BEGIN SOLUTION softmax_ce.forward
        logp = log_softmax(pred)
        self._probs = np.exp(logp)
        self._y = target
        return float(-np.mean(logp[np.arange(pred.shape[0]), target]))
        ### END SOLUTION

    def backward(self, dloss: float = 1.0) -> np.ndarray:
        """``dz = dloss * dL/dz``, shape (N, C), from the cached ``_probs`` and ``_y``.

        The cache is left unchanged, so a second call gives the same gradient.
        """
        dloss = float(dloss)
        ### BEGIN SOLUTION softmax_ce.backward
        # l = -z_y + log sum_k exp(z_k): dl/dz_j = p_j - [j == y]; divided by N (the mean).
        probs, y = self._cached("_probs"), self._cached("_y")
        dz = probs.copy()
        dz[np.arange(probs.shape[0]), y] -= 1.0
        dz *= dloss / probs.shape[0]
        return dz
        ### END SOLUTION


def check_labels(target: object, n: int, c: int) -> np.ndarray:
    """``target`` as integer labels of shape (n,) with values in ``[0, c)``, else an error."""
    y = np.asarray(target)
    one_hot = "; one-hot rows? use y.argmax(axis=1)" if y.ndim == 2 else ""
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"expected target to hold integer class labels, got dtype {y.dtype}"
            f"{one_hot or '; convert with y.astype(int)'}"
        )
    if y.shape != (n,):
        raise ValueError(
            f"expected target of shape ({n},) (one label per row of pred), got {y.shape}{one_hot}"
        )
    if n == 0:
        raise ValueError("expected at least one example, got pred with 0 rows")
    if y.min() < 0 or y.max() >= c:
        raise ValueError(
            f"expected target labels in [0, {c}) for pred with {c} columns, got labels from "
            f"{y.min()} to {y.max()}"
        )
    return y
