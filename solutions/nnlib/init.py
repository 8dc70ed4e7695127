"""Weight initialisers: arrays of a given shape, drawn with a generator you pass in.

Every function returns a new array of ``shape`` and ``dtype`` (float64 by default; float32
is the other choice). Randomness always comes from an explicit ``rng``
(``np.random.default_rng(seed)``); nothing here touches numpy's global random state.

For a weight matrix of shape ``(fan_in, fan_out)`` (a ``Linear`` layer's ``W`` is
``(D, M)``), the two scaled initialisers keep the variance of the signal roughly constant
from layer to layer (lesson 07 derives their variances):

- Xavier/Glorot (tanh, sigmoid): a compromise between a constant variance forwards and
  backwards, the harmonic mean of the variances the two ask for
- He/Kaiming (ReLU): a constant variance forwards through ``Linear`` + ReLU layers
"""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_rng(rng: object) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``, else raise ``TypeError``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "expected rng to be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_dtype(dtype: object) -> np.dtype:
    """Return ``dtype`` as a ``np.dtype`` if it is float32 or float64, else raise ``ValueError``."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"expected dtype float32 or float64, got {dtype!r}")
    return dt


def check_fans(shape: object) -> tuple[int, int]:
    """Return ``shape`` as ``(fan_in, fan_out)``: two positive integers, else ``ValueError``."""
    try:
        fan_in, fan_out = (int(n) for n in shape)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"expected shape (fan_in, fan_out), got {shape!r}") from None
    if fan_in <= 0 or fan_out <= 0:
        raise ValueError(f"expected shape of two positive sizes (fan_in, fan_out), got {shape!r}")
    return fan_in, fan_out


def zeros(shape: int | tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """All zeros: ``w = 0``. Used for biases."""
    return np.zeros(shape, dtype=check_dtype(dtype))


def constant(shape: int | tuple[int, ...], value: float, dtype=np.float64) -> np.ndarray:
    """Every entry equal to ``value``: ``w = value``."""
    return np.full(shape, value, dtype=check_dtype(dtype))


def normal(shape: int | tuple[int, ...], std: float, rng: np.random.Generator,
           dtype=np.float64) -> np.ndarray:
    """Independent draws ``w ~ Normal(0, std**2)``.

    Args:
        shape: shape of the result.
        std: standard deviation, ``>= 0``.
        rng: the generator to draw from.
        dtype: float32 or float64; the draws are made in that dtype (no copy).

    Returns:
        An array of ``shape`` and ``dtype``.
    """
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"expected std to be a finite number >= 0, got {std!r}")
    w = check_rng(rng).standard_normal(shape, dtype=check_dtype(dtype))
    w *= std
    return w


def xavier_normal(shape: tuple[int, int], rng: np.random.Generator,
                  dtype=np.float64) -> np.ndarray:
    """Xavier/Glorot normal: zero mean, variance the harmonic mean of 1/fan_in and 1/fan_out.

    Args:
        shape: ``(fan_in, fan_out)``, e.g. ``(D, M)`` for a ``Linear`` weight.
        rng: the generator to draw from.
        dtype: float32 or float64.

    Returns:
        An array of shape ``(fan_in, fan_out)``; use ``normal`` for the draws.
    """
    fan_in, fan_out = check_fans(shape)
    ### BEGIN SOLUTION init.xavier
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return normal((fan_in, fan_out), std, rng, dtype)
    ### END SOLUTION


def he_normal(shape: tuple[int, int], rng: np.random.Generator,
              dtype=np.float64) -> np.ndarray:
    """He/Kaiming normal for ReLU layers: zero mean, a variance that is a function of fan_in.

    The variance is the one that keeps the variance of the pre-activations constant from one
    ReLU layer to the next.

    Args:
        shape: ``(fan_in, fan_out)``, e.g. ``(D, M)`` for a ``Linear`` weight.
        rng: the generator to draw from.
        dtype: float32 or float64.

    Returns:
        An array of shape ``(fan_in, fan_out)``; use ``normal`` for the draws.
    """
    fan_in, fan_out = check_fans(shape)
    ### BEGIN SOLUTION init.he
    std = np.sqrt(2.0 / fan_in)
    return normal((fan_in, fan_out), std, rng, dtype)
    ### END SOLUTION
