"""Elementwise activation functions as modules with no parameters.

Each follows the module contract of ``nnlib.layers``: ``forward(x)`` keeps what
``backward`` needs, ``backward(dout)`` returns ``dx = dL/dx``. Inputs may have any shape;
``out``, ``dout`` and ``dx`` have the shape of ``x``. A float32 input stays float32;
integers are cast to float64.
"""

from __future__ import annotations

import numpy as np

from nnlib.layers import Module, as_float_array, check_dout


class Sigmoid(Module):
    """Logistic function ``s(x) = 1 / (1 + exp(-x))``."""

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Numerically stable sigmoid; caches the output.

        ``exp(-x)`` overflows for ``x < -709``: no ``exp`` may overflow, at any finite ``x``.

        Args:
            x: any shape.

        Returns:
            out: same shape as ``x``, values in ``[0, 1]``.
        """
        x = as_float_array(x)
        raise NotImplementedError("Exercise sigmoid.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout = dL/dout`` and the output cached by ``forward``.

        Args:
            dout: upstream gradient, the shape of ``x``.

        Returns:
            dx: the shape of ``x``.
        """
        out = self._cached("_out")
        dout = check_dout(dout, out.shape, out.dtype)
        raise NotImplementedError("Exercise sigmoid.backward (lesson 04): not implemented yet")


class Tanh(Module):
    """Hyperbolic tangent ``tanh(x)``."""

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``out = tanh(x)`` (any shape); caches the output."""
        x = as_float_array(x)
        raise NotImplementedError("Exercise tanh.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached output."""
        out = self._cached("_out")
        dout = check_dout(dout, out.shape, out.dtype)
        raise NotImplementedError("Exercise tanh.backward (lesson 04): not implemented yet")


class ReLU(Module):
    """Rectified linear unit ``max(x, 0)``.

    At the kink ``x == 0`` there is no derivative: this library takes the slope 0 there;
    the slope 1 is just as valid a choice (both are subgradients), and the checks accept
    either.
    """

    def __init__(self) -> None:
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``out = max(x, 0)`` (any shape); caches the input ``x``."""
        x = as_float_array(x)
        raise NotImplementedError("Exercise relu.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached input ``x``."""
        x = self._cached("_x")
        dout = check_dout(dout, x.shape, x.dtype)
        raise NotImplementedError("Exercise relu.backward (lesson 04): not implemented yet")


class LeakyReLU(Module):
    """Leaky ReLU ``x if x > 0 else a * x``, ``a = negative_slope`` in ``[0, 1)``.

    At the kink ``x == 0`` the slope is taken as ``a``, the slope on the left; the slope
    on the right is just as valid a choice (both are subgradients), and the checks accept
    either.
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        if isinstance(negative_slope, bool) or not isinstance(
            negative_slope, (int, float, np.integer, np.floating)
        ) or not 0 <= negative_slope < 1:
            raise ValueError(f"expected negative_slope in [0, 1), got {negative_slope!r}")
        self.negative_slope = float(negative_slope)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``out = where(x > 0, x, a * x)`` (any shape); caches the input ``x``."""
        x = as_float_array(x)
        raise NotImplementedError("Exercise leaky_relu.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached input ``x``."""
        x = self._cached("_x")
        dout = check_dout(dout, x.shape, x.dtype)
        raise NotImplementedError("Exercise leaky_relu.backward (lesson 04): not implemented yet")

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"
