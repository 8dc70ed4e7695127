"""Data sets and data preparation: toy 2-D problems, digits, MNIST, one-hot, splits.

Every generator takes an ``rng`` (a ``np.random.Generator``), so the same seed gives the
same data, and returns ``(X, y)`` with the examples in random order:

- classification: ``X`` float64 of shape (N, 2), ``y`` int64 labels of shape (N,);
- regression: ``X`` float64 of shape (N, 1), ``y`` float64 targets of shape (N, 1).

``load_digits`` reads the 8x8 handwritten digits shipped in ``datasets/`` (see its
README for the source and licence); ``load_mnist`` and ``read_idx`` (from ``mnist.py``)
read MNIST's IDX files. Shape letters: N examples, D features, C classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnlib.mnist import load_mnist, read_idx

__all__ = [
    "check_labels", "load_digits", "load_mnist", "make_circles", "make_moons",
    "make_regression_1d", "make_spirals", "make_xor", "one_hot", "read_idx", "standardize",
    "train_val_test_split",
]

DATASETS = Path(__file__).resolve().parent / "datasets"


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"expected rng to be a np.random.Generator such as np.random.default_rng(0), "
            f"got {rng!r}"
        )


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    """``(X, y)`` in one random order, rows kept together."""
    order = rng.permutation(len(X))
    return X[order], y[order]


def _two_classes(n: int) -> np.ndarray:
    """Labels 0 for the first ``n // 2`` examples and 1 for the rest."""
    return (np.arange(n) >= n // 2).astype(np.int64)


def make_spirals(n_per_class: int, n_classes: int = 3, noise: float = 0.2, *, rng):
    """Interleaved spiral arms, one per class: not separable by a straight line.

    Arm k: radius r = t, angle 4k + 4t + noise * eps for t evenly spaced in [0, 1] and
    eps ~ N(0, 1); the point is r * (sin(angle), cos(angle)).

    Returns:
        X (n_per_class * n_classes, 2) float64 and y (N,) int64 in 0..n_classes-1.
    """
    _check_rng(rng)
    t = np.linspace(0.0, 1.0, n_per_class)
    X, y = [], []
    for k in range(n_classes):
        angle = 4.0 * k + 4.0 * t + noise * rng.standard_normal(n_per_class)
        X.append(np.column_stack([t * np.sin(angle), t * np.cos(angle)]))
        y.append(np.full(n_per_class, k, dtype=np.int64))
    return _shuffled(np.concatenate(X), np.concatenate(y), rng)


def make_moons(n: int, noise: float = 0.1, *, rng):
    """Two interleaving half circles, plus Gaussian noise of std ``noise``.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t), t in [0, pi].

    Returns:
        X (n, 2) float64 and y (n,) int64 in {0, 1}.
    """
    _check_rng(rng)
    y = _two_classes(n)
    t = np.pi * rng.uniform(size=n)
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),
    )
    return _shuffled(X + noise * rng.standard_normal((n, 2)), y, rng)


def make_circles(n: int, noise: float = 0.05, factor: float = 0.5, *, rng):
    """A circle of radius ``factor`` (class 1) inside the unit circle (class 0).

    Returns:
        X (n, 2) float64 and y (n,) int64 in {0, 1}.
    """
    _check_rng(rng)
    if not 0 < factor < 1:
        raise ValueError(f"expected 0 < factor < 1 (inner radius), got {factor!r}")
    y = _two_classes(n)
    t = 2 * np.pi * rng.uniform(size=n)
    radius = np.where(y == 0, 1.0, factor)[:, None]
    X = radius * np.column_stack([np.cos(t), np.sin(t)])
    return _shuffled(X + noise * rng.standard_normal((n, 2)), y, rng)


def make_xor(n: int, noise: float = 0.2, *, rng):
    """Gaussian blobs of std ``noise`` around the corners (+-1, +-1), labelled by XOR.

    Label 1 where the two coordinates of the corner have different signs. The corners
    take turns, so each holds ``n // 4`` or ``n // 4 + 1`` points.

    Returns:
        X (n, 2) float64 and y (n,) int64 in {0, 1}.
    """
    _check_rng(rng)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] + noise * rng.standard_normal((n, 2))
    y = (corners[which, 0] != corners[which, 1]).astype(np.int64)
    return _shuffled(X, y, rng)


def make_regression_1d(n: int, noise: float = 0.1, *, rng):
    """A noisy sine wave: x ~ U(-pi, pi), y = sin(x) + noise * eps, eps ~ N(0, 1).

    Returns:
        X (n, 1) float64 and y (n, 1) float64.
    """
    _check_rng(rng)
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return X, np.sin(X) + noise * rng.standard_normal((n, 1))


def load_digits():
    """The 8x8 handwritten digits: 1797 images, about 180 of each digit 0..9.

    Shipped in ``datasets/digits.csv.gz`` (UCI Optical Recognition of Handwritten Digits,
    Alpaydin and Kaynak 1998, CC BY 4.0; see ``datasets/README.md``). Image i is
    ``X[i].reshape(8, 8)``.

    Returns:
        X (1797, 64) float64, pixel counts in [0, 16], and y (1797,) int64 in 0..9.
    """
    table = np.loadtxt(DATASETS / "digits.csv.gz", delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def standardize(X_train: np.ndarray, *others: np.ndarray):
    """Scale features to mean 0 and std 1 using the *training* statistics only.

    ``(X - mean) / std`` with mean and std of each column of ``X_train``; a constant
    column (std 0) is only centred. The same mean and std are applied to ``others``
    (validation and test sets), so no information leaks from them.

    Args:
        X_train: (N, D).
        *others: arrays (N_i, D) to transform the same way.

    Returns:
        The standardized ``X_train`` alone when no others are given, else a tuple
        ``(X_train, *others)`` of standardized float64 arrays.
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    out = []
    for i, X in enumerate((X_train, *others)):
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1:] != X_train.shape[1:]:
            raise ValueError(
                f"expected array {i} to have features of shape {X_train.shape[1:]} like "
                f"X_train, got {X.shape[1:]}"
            )
        out.append((X - mean) / std)
    return out[0] if not others else tuple(out)


def check_labels(y, num_classes: int | None = None, name: str = "y") -> tuple[np.ndarray, int]:
    """Validate class labels; return them as int64 (N,) with the number of classes.

    Raises:
        TypeError: if the labels are not integers.
        ValueError: if they are not 1-D, or outside ``0..num_classes-1``.
    """
    y = np.asarray(y)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"expected integer class labels in {name}, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"expected {name} of shape (N,), got {y.shape}")
    if num_classes is None:
        if y.size == 0:
            raise ValueError(f"cannot infer num_classes from an empty {name}; pass it")
        num_classes = int(y.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"expected num_classes to be an int, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"expected num_classes >= 1, got {num_classes}")
    bad = (y < 0) | (y >= num_classes)
    if bad.any():
        raise ValueError(
            f"expected labels in 0..{num_classes - 1}, got {y[bad][0]} at index "
            f"{np.flatnonzero(bad)[0]} of {name}"
        )
    return y.astype(np.int64), int(num_classes)


def one_hot(y: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """Encode class labels as one-hot rows: ``Y[i, y[i]] = 1``, every other entry 0.

    Example: ``one_hot([2, 0], 3)`` is ``[[0, 0, 1], [1, 0, 0]]``.

    Args:
        y: integer class labels, shape (N,), each in ``0..C-1``.
        num_classes: C; when None, ``max(y) + 1``.

    Returns:
        Y, float64 array of shape (N, C).

    Raises:
        TypeError: if ``y`` does not hold integers.
        ValueError: if ``y`` is not 1-D or a label is negative or >= C.
    """
    y, num_classes = check_labels(y, num_classes)
    raise NotImplementedError("Exercise data.one_hot (lesson 00): not implemented yet")


def _split_sizes(n: int, val: float, test: float) -> tuple[int, int]:
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"expected fractions 0 <= val, test and val + test < 1, got {val}, {test}")
    return int(round(val * n)), int(round(test * n))


def train_val_test_split(X, y, *, val: float = 0.15, test: float = 0.15, rng, stratify=False):
    """Split ``(X, y)`` at random into training, validation and test parts.

    The validation and test parts get ``round(val * N)`` and ``round(test * N)`` examples,
    the training part the rest. With ``stratify=True`` each class is split on its own in
    the same proportions (``y`` must be class labels), so every part has about the same
    class balance as the whole.

    Returns:
        ``(X_train, y_train), (X_val, y_val), (X_test, y_test)``.
    """
    _check_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"expected len(X) == len(y), got {len(X)} and {len(y)}")
    if stratify:
        labels, _ = check_labels(y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y)
        groups = [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    else:
        groups = [rng.permutation(len(X))]
    parts: list[list[np.ndarray]] = [[], [], []]
    for idx in groups:
        n_val, n_test = _split_sizes(len(idx), val, test)
        parts[1].append(idx[:n_val])
        parts[2].append(idx[n_val:][:n_test])
        parts[0].append(idx[n_val + n_test :])
    out = []
    for chunks in parts:
        idx = rng.permutation(np.concatenate(chunks))
        out.append((X[idx], y[idx]))
    return tuple(out)
