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
        ### BEGIN SOLUTION sigmoid.forward
        # With e = exp(-|x|) <= 1 nothing overflows: s = 1 / (1 + e) for x >= 0 and
        # e / (1 + e) for x < 0 (multiply numerator and denominator by exp(x)).
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0, e)
        out /= 1.0 + e
        self._out = out
        return out
        ### END SOLUTION

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout = dL/dout`` and the output cached by ``forward``.

        Args:
            dout: upstream gradient, the shape of ``x``.

        Returns:
            dx: the shape of ``x``.
        """
        out = self._cached("_out")
        dout = check_dout(dout, out.shape, out.dtype)
        ### BEGIN SOLUTION sigmoid.backward
        # s' = exp(-x) / (1 + exp(-x))**2 = s * (1 - s): the cached output is enough.
        return dout * out * (1.0 - out)
        ### END SOLUTION


class Tanh(Module):
    """Hyperbolic tangent ``tanh(x)``."""

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``out = tanh(x)`` (any shape); caches the output."""
        x = as_float_array(x)
        ### BEGIN SOLUTION tanh.forward
        self._out = np.tanh(x)
        return self._out
        ### END SOLUTION

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached output."""
        out = self._cached("_out")
        dout = check_dout(dout, out.shape, out.dtype)
        ### BEGIN SOLUTION tanh.backward
        # tanh' = 1 - tanh**2, taken at the input: out is already tanh(x), so no second tanh.
        return dout * (1.0 - out * out)
        ### END SOLUTION


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
        ### BEGIN SOLUTION relu.forward
        self._x = x
        return np.maximum(x, 0.0)
        ### END SOLUTION

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached input ``x``."""
        x = self._cached("_x")
        dout = check_dout(dout, x.shape, x.dtype)
        ### BEGIN SOLUTION relu.backward
        # Slope 1 where the input was positive, 0 elsewhere (also at 0): a mask on x, not out.
        return dout * (x > 0)
        ### END SOLUTION


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
        ### BEGIN SOLUTION leaky_relu.forward
        self._x = x
        return np.where(x > 0, x, self.negative_slope * x)
        ### END SOLUTION

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dL/dx`` from ``dout`` (the shape of ``x``) and the cached input ``x``."""
        x = self._cached("_x")
        dout = check_dout(dout, x.shape, x.dtype)
        ### BEGIN SOLUTION leaky_relu.backward
        # Slope 1 where x > 0, a elsewhere (at 0 too, as in forward).
        return np.where(x > 0, dout, self.negative_slope * dout)
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"
