"""Numerical helpers of the checks: closeness, worst entries, finite differences.

Closeness is norm based, ``||got - want|| <= atol * sqrt(n) + rtol * ||want||``: a
maximum element-wise relative error false-alarms on tiny entries of correct code.

Finite differences are computed here, on the trusted side, from forward values the
worker returns at perturbed points. For an input ``x`` and upstream gradient ``dout``
the scalar is ``f(x) = sum(dout * forward(x))``; along a unit direction ``u``,
``(f(x + h u) - f(x - h u)) / (2 h)`` estimates ``<grad, u>``. We use a few random
directions plus a sparse sample of coordinates (all coordinates on tiny inputs).
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks.base import Failure

H = 1e-6


def close(got: np.ndarray, want: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Norm-based closeness of two arrays of the same shape (NaN/inf never close)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return False
    return bool(np.linalg.norm(got - want) <= atol * np.sqrt(max(want.size, 1))
                + rtol * np.linalg.norm(want))


def fmt(value: float) -> str:
    """A number in 6 significant digits."""
    return f"{value:.6g}"


def worst_entries(got: np.ndarray, want: np.ndarray, k: int = 3) -> str:
    """The ``k`` entries where ``got`` and ``want`` differ most, one line each."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    diff = np.abs(np.nan_to_num(got - want, nan=np.inf))
    order = np.argsort(-diff.ravel(), kind="stable")[:k]
    lines = []
    for flat in order:
        index = np.unravel_index(flat, got.shape)
        where = "[" + ", ".join(str(int(i)) for i in index) + "]"
        lines.append(f"    at {where}: got {fmt(got[index])}, expected {fmt(want[index])}")
    return "\n".join(lines)


def show_array(name: str, array: np.ndarray) -> str:
    """A small array printed for the student (public inputs only)."""
    text = np.array2string(np.asarray(array), precision=4, suppress_small=True,
                           max_line_width=88, threshold=60)
    return f"  {name} =\n    " + text.replace("\n", "\n    ")


def check_shape(got: np.ndarray, shape: tuple, what: str, diagnosis: str | None = None) -> None:
    """``Failure`` unless ``got`` has ``shape``; a transposed shape is named as such."""
    if tuple(got.shape) == tuple(shape):
        return
    if len(shape) == 2 and tuple(got.shape) == tuple(shape)[::-1] and shape[0] != shape[1]:
        diagnosis = "transposed"
    diagnosis = diagnosis or "wrong_shape"
    raise Failure(f"{what} has shape {tuple(got.shape)}, expected {tuple(shape)}", diagnosis)


def directions(rng: np.random.Generator, shape: tuple, n_random: int = 4,
               n_coords: int = 6, full_below: int = 40) -> np.ndarray:
    """Unit directions (K, *shape): random ones plus coordinates (all if the size is tiny)."""
    size = int(np.prod(shape))
    if size <= full_below:
        return np.eye(size).reshape((size, *shape))
    random = rng.standard_normal((n_random, size))
    random /= np.linalg.norm(random, axis=1, keepdims=True)
    coords = np.eye(size)[rng.choice(size, size=min(n_coords, size), replace=False)]
    return np.concatenate([random, coords]).reshape((-1, *shape))


def perturbed(x: np.ndarray, dirs: np.ndarray, h: float = H) -> np.ndarray:
    """Points ``x + h u`` then ``x - h u`` for every direction: shape (2K, *x.shape)."""
    return np.concatenate([x + h * dirs, x - h * dirs])


def directional(values: np.ndarray, h: float = H, dout: np.ndarray | None = None) -> np.ndarray:
    """Central differences (K,) from forward values at ``perturbed`` points.

    ``values`` is (2K, ...) forward outputs (contracted with ``dout``) or (2K,) scalars.
    """
    values = np.asarray(values, dtype=np.float64)
    if dout is not None:
        values = np.tensordot(values, dout, axes=dout.ndim)
    k = len(values) // 2
    return (values[:k] - values[k:]) / (2 * h)


def along(grad: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """``<grad, u_k>`` for every direction: the analytic counterpart of ``directional``."""
    return np.tensordot(dirs, np.asarray(grad, dtype=np.float64), axes=grad.ndim)


def away_from_kinks(rng: np.random.Generator, shape: tuple, margin: float = 0.1,
                    scale: float = 1.0) -> np.ndarray:
    """Normal-ish values with ``|x| >= margin``: no ReLU kink within any finite-difference step."""
    x = rng.standard_normal(shape) * scale
    return np.where(x >= 0, x + margin, x - margin)


def gradient_ok(analytic: np.ndarray, numeric: np.ndarray, got: np.ndarray,
                want: np.ndarray | None, forward_matches: bool | None) -> bool:
    """Does a gradient pass? Central differences of the student's forward, and the reference.

    ``analytic`` and ``numeric`` are projections on the same directions; ``got`` and
    ``want`` are the student's and the reference's full gradients. With no reference
    (``forward_matches is None``) only the differences count. When the student's forward
    matches the reference both must agree; when it does not, only the reference counts:
    the gradient must be the true function's (``checks/truth.py``), so a gradient that
    mirrors a wrong forward earns nothing, and a wrong forward costs its own points once.
    """
    if forward_matches is False and want is not None:
        return close(got, want, rtol=1e-6, atol=1e-10)
    fd_ok = close(analytic, numeric, rtol=1e-5, atol=1e-7)
    if forward_matches is None or want is None:
        return fd_ok
    return fd_ok and close(got, want, rtol=1e-6, atol=1e-10)
