"""Normalisation: batch normalisation for deep networks (lesson 11).

A deep stack of layers trains badly when the scale of the signal drifts from layer to
layer (lesson 07's vanishing and exploding gradients). **Batch normalisation**
(``BatchNorm1d``) rescales every feature of a batch to mean 0 and variance 1, then lets
the network choose the scale and shift it wants with two learned vectors ``gamma`` and
``beta``. In training the statistics come from the batch itself; in evaluation from
running averages collected during training, so a prediction for one example does not
depend on the others in its batch.

Train and eval modes are switched like ``Dropout``'s: ``train()``, ``eval()``, or
``regularise.set_training(model, training)`` for every such module of a ``Sequential``.

Shape letters: N examples, D features.
"""

from __future__ import annotations

import numpy as np

from nnlib import init as initializers
from nnlib.layers import Module, Parameter, cached, check_dout, check_shape


class BatchNorm1d(Module):
    """Batch normalisation of each feature: ``out = gamma * x_hat + beta``.

    ``x_hat[n, d] = (x[n, d] - mean_d) / sqrt(var_d + eps)``, where, in training mode
    (``self.training`` True, the default; ``train()``), ``mean_d`` and ``var_d`` are the
    mean and the *biased* variance (divided by N, ``ddof=0``) of feature ``d`` over the
    batch, and in evaluation mode (``eval()``) they are ``running_mean[d]`` and
    ``running_var[d]``.

    Every training-mode forward updates the running statistics with the batch's::

        running_mean = running_mean * (1 - momentum) + mean * momentum
        running_var = running_var * (1 - momentum) + var * momentum

    (``var`` the biased one, as used for ``x_hat``); an evaluation-mode forward leaves
    them as they are.

    Args:
        num_features: D, the number of features of each example.
        momentum: the weight of the newest batch in the running statistics, in [0, 1].
        eps: added to the variance before the square root, ``> 0``.
        dtype: float64 (default) or float32, for the parameters and the computation.

    Attributes:
        gamma: ``Parameter`` of shape (D,), starts at 1.
        beta: ``Parameter`` of shape (D,), starts at 0.
        running_mean: array (D,), starts at 0. running_var: array (D,), starts at 1.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5, *,
                 dtype=np.float64) -> None:
        if not isinstance(num_features, (int, np.integer)) or isinstance(num_features, bool) \
                or num_features <= 0:
            raise ValueError(f"expected num_features to be a positive integer, got "
                             f"{num_features!r}")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"expected momentum in [0, 1], got {momentum!r}")
        if not float(eps) > 0.0:
            raise ValueError(f"expected eps > 0, got {eps!r}")
        self.num_features = int(num_features)
        self.momentum, self.eps = float(momentum), float(eps)
        dtype = initializers.check_dtype(dtype)
        self.gamma = Parameter(initializers.constant(self.num_features, 1.0, dtype), "gamma")
        self.beta = Parameter(initializers.zeros(self.num_features, dtype), "beta")
        self.running_mean = initializers.zeros(self.num_features, dtype)
        self.running_var = initializers.constant(self.num_features, 1.0, dtype)
        self.training = True
        self._shape: tuple | None = None

    def train(self) -> BatchNorm1d:
        """Switch to training mode (batch statistics, running ones updated); returns ``self``."""
        self.training = True
        return self

    def eval(self) -> BatchNorm1d:
        """Switch to evaluation mode (running statistics, nothing updated); returns ``self``."""
        self.training = False
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalise each feature of the batch, then scale by ``gamma`` and shift by ``beta``.

        Args:
            x: input of shape (N, D), converted to the layer's dtype; not changed. In
                training mode N must be at least 2 (one example has no spread).

        Returns:
            out: shape (N, D), as the class docstring defines it for the current mode.

        In training mode the running statistics are updated in place (the class docstring
        gives the rule); in evaluation mode nothing of the module changes but its cache.
        Cache: forward keeps on ``self`` what ``backward`` needs (your choice of what).
        """
        x = check_shape(np.asarray(x, dtype=self.gamma.value.dtype), ("N", self.num_features))
        if self.training and x.shape[0] < 2:
            raise ValueError(f"expected a batch of at least 2 examples in training mode, got "
                             f"x of shape {x.shape}")
        self._shape = x.shape
        raise NotImplementedError("Exercise batchnorm.forward (lesson 11): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Gradients of a training-mode forward, with the cache that forward kept.

        In training mode every output depends on every example of its feature through
        the batch's mean and variance. Adds ``dL/dgamma`` (D,) into ``gamma.grad`` and
        ``dL/dbeta`` (D,) into ``beta.grad``.

        Args:
            dout: upstream gradient ``dL/dout`` of shape (N, D).

        Returns:
            dx: ``dL/dx``, shape (N, D). ``gamma.grad`` and ``beta.grad`` are increased in
            place.
        """
        dout = check_dout(dout, cached(self, "_shape"), self.gamma.value.dtype)
        raise NotImplementedError("Exercise batchnorm.backward (lesson 11): not implemented yet")

    def parameters(self) -> list[Parameter]:
        """``[gamma, beta]``."""
        return [self.gamma, self.beta]

    def __repr__(self) -> str:
        return (f"BatchNorm1d(num_features={self.num_features}, momentum={self.momentum}, "
                f"eps={self.eps}, training={self.training})")
