"""Gradient checking: compare an analytic gradient with central differences.

``numerical_gradient`` estimates ``df/dx`` one entry at a time,

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h),

whose error shrinks like ``h**2``. ``rel_error`` compares two gradients with one number
that does not depend on their scale. In float64 a correct backward typically gives a
relative error below ``1e-7``; a wrong one gives something near 1. Use float64 arrays:
in float32 the differences drown in rounding error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib.layers import Module


def numerical_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, h: float = 1e-5,
                       dout: np.ndarray | None = None) -> np.ndarray:
    """Central-difference estimate of the gradient of a scalar function of ``x``.

    The scalar is ``f(x)`` itself, or ``sum(f(x) * dout)`` when ``dout`` is given: then
    ``f`` returns an array (a module's forward) and the result is the gradient the
    module's backward should return for the upstream gradient ``dout``.

    ``x`` is changed in place, one entry at a time, and each entry is put back to its
    old value, so ``x`` is unchanged afterwards (to rounding; writing back the saved old
    value makes it exact).

    Args:
        f: function of ``x``; it must read the values of ``x`` each time it is called.
        x: float array of any shape (float64 for accurate results).
        h: step size.
        dout: optional array of the shape of ``f(x)``.

    Returns:
        ``dx``: array of the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "expected x to be a float numpy array (it is perturbed in place), got "
            f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}"
        )
    if not h > 0:
        raise ValueError(f"expected h > 0, got {h!r}")
    ### BEGIN SOLUTION gradcheck.numerical_gradient
    def scalar(value: object) -> float:
        return float(np.sum(value * dout)) if dout is not None else float(value)

    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = scalar(f(x))
        x[i] = old - h
        f_minus = scalar(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Norm-based relative error ``||a - b|| / max(||a|| + ||b||, tiny)``.

    Between 0 (equal) and 1 (e.g. ``b = -a``); 0 when both are zero.

    Args:
        a: an array, e.g. the analytic gradient.
        b: an array of the same shape, e.g. the numerical gradient.

    Returns:
        A Python float.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"expected b of shape {a.shape} (the shape of a), got {b.shape}")
    ### BEGIN SOLUTION gradcheck.rel_error
    scale = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b) / scale)
    ### END SOLUTION


def check_module(module: Module, x: np.ndarray, rng: np.random.Generator,
                 h: float = 1e-5) -> dict[str, float]:
    """Compare a module's backward with central differences, for ``x`` and every parameter.

    A random upstream gradient ``dout`` is drawn with ``rng``; ``module.backward(dout)``
    gives the analytic gradients, ``numerical_gradient`` the numerical ones. Gradients
    are zeroed first, and the module's parameters are left as they were.

    Args:
        module: any module following the contract of ``nnlib.layers``.
        x: a float64 input for ``module.forward``.
        rng: the generator for ``dout``.
        h: step size of the central differences.

    Returns:
        ``{"x": rel_error of dx, <parameter name>: rel_error of its grad, ...}``; a
        repeated parameter name gets a suffix (``"W"``, ``"W.1"``, ...).
    """
    x = np.array(x, dtype=np.float64)
    dout = rng.standard_normal(np.shape(module.forward(x)))
    module.zero_grad()
    errors = {"x": rel_error(module.backward(dout), numerical_gradient(module.forward, x, h, dout))}
    for p in module.parameters():
        name, k = p.name or "param", 1
        while name in errors:
            name, k = f"{p.name or 'param'}.{k}", k + 1
        numerical = numerical_gradient(lambda _: module.forward(x), p.value, h, dout)
        errors[name] = rel_error(p.grad, numerical)
    return errors


def assert_gradients_match(module: Module, x: np.ndarray, rng: np.random.Generator,
                           tol: float = 1e-6) -> dict[str, float]:
    """Run ``check_module`` and raise ``AssertionError`` naming every gradient above ``tol``."""
    errors = check_module(module, x, rng)
    bad = {name: err for name, err in errors.items() if not err < tol}
    if bad:
        shown = ", ".join(f"{name}: {err:.2e}" for name, err in bad.items())
        raise AssertionError(f"expected relative errors below {tol:.0e}, got {shown}")
    return errors
