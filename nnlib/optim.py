"""Optimisers: update parameters from their gradients.

The shared interface
--------------------
``Optimizer(params, lr, ...)`` takes the list of ``Parameter`` to train (usually
``model.parameters()``) and a learning rate ``lr > 0``.

- ``step()`` updates every ``p.value`` **in place** from ``p.grad``. It does not clear
  the gradients.
- ``zero_grad()`` sets every ``p.grad`` to zero, in place.

State (velocities, moment estimates) is one array per parameter, of its shape and dtype,
kept in the optimiser. The textbook loop is
``zero_grad() -> loss.forward -> backward -> step()``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib.layers import Parameter


def check_rate(value: float, name: str, low: float, high: float = np.inf,
               low_inclusive: bool = False) -> float:
    """``value`` as a float in ``(low, high)`` (``[low, high)`` if ``low_inclusive``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = np.nan
    ok = (low <= v if low_inclusive else low < v) and v < high
    if not ok:
        interval = f"{'[' if low_inclusive else '('}{low}, {high})"
        raise ValueError(f"expected {name} in {interval}, got {value!r}")
    return v


class Optimizer:
    """Base class holding the parameters; see the shared interface above."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("expected at least one Parameter (e.g. model.parameters()), got none")
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"expected params to hold Parameter objects (e.g. model.parameters()), "
                    f"got {type(p).__name__} at position {i}"
                )
        self.lr = check_rate(lr, "lr", 0.0)

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        raise NotImplementedError(f"{type(self).__name__} does not define step")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero, in place."""
        for p in self.params:
            p.grad.fill(0)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, in the form PyTorch uses.

    The velocity of each parameter (``self.velocities``, zeros at first, kept across
    steps) is the momentum-decayed running sum of its gradients of lesson 05, section 4;
    with ``momentum = 0`` this is plain gradient descent.

    Args:
        params: the parameters to update.
        lr: learning rate, ``> 0``.
        momentum: in ``[0, 1)``.
    """

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = check_rate(momentum, "momentum", 0.0, 1.0, low_inclusive=True)
        self.velocities = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        """One update of every parameter in place, using ``self.velocities``."""
        raise NotImplementedError("Exercise sgd.step (lesson 05): not implemented yet")

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): momentum and per-entry step sizes, bias-corrected.

    ``self.m`` and ``self.v`` hold the moving averages of each parameter's gradient and
    of its elementwise square (weights ``b1``, ``b2``), zeros at first; ``self.t`` counts
    the steps. The update is the one defined in lesson 05, section 5, with ``eps`` added
    to the square root of the corrected second moment.

    Args:
        params: the parameters to update.
        lr: learning rate, ``> 0``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: added to the denominator, ``> 0``.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"expected betas to be a pair (b1, b2), got {betas!r}") from None
        self.betas = (check_rate(b1, "betas[0]", 0.0, 1.0, low_inclusive=True),
                      check_rate(b2, "betas[1]", 0.0, 1.0, low_inclusive=True))
        self.eps = check_rate(eps, "eps", 0.0)
        self.t = 0
        self.m = [np.zeros_like(p.value) for p in self.params]
        self.v = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        """One update of every parameter in place; increments ``self.t`` first."""
        raise NotImplementedError("Exercise adam.step (lesson 05): not implemented yet")

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
