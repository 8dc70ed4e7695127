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
        ### BEGIN SOLUTION sgd.step
        # v <- momentum * v + grad, then value <- value - lr * v; both in place (v must
        # survive to the next step, others hold p.value). momentum 0: value -= lr * grad.
        for p, v in zip(self.params, self.velocities, strict=True):
            if self.momentum:
                v *= self.momentum
                v += p.grad
                p.value -= self.lr * v
            else:
                p.value -= self.lr * p.grad
        ### END SOLUTION

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
        ### BEGIN SOLUTION adam.step
        # m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g*g; the weights of m sum to
        # 1 - b1**t, hence m_hat = m / (1 - b1**t) (v likewise); value -= lr * m_hat /
        # (sqrt(v_hat) + eps). Here lr / (1 - b1**t) is folded into the denominator.
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1.0 - b1**self.t)
        v_scale = 1.0 / np.sqrt(1.0 - b2**self.t)
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            m *= b1
            m += (1.0 - b1) * p.grad
            v *= b2
            v += (1.0 - b2) * p.grad * p.grad
            denom = np.sqrt(v)
            denom *= v_scale
            denom += self.eps
            denom /= step_size
            p.value -= m / denom
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
