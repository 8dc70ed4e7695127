"""Does the gradient checker measure what it claims, and can it fail?

The oracles here are closed-form derivatives, so the other test files may use
``numerical_gradient`` and ``check_module`` as their oracle for every backward pass.
"""

import numpy as np
import pytest

from nnlib.activations import Sigmoid
from nnlib.gradcheck import assert_gradients_match, check_module, numerical_gradient, rel_error
from nnlib.layers import Linear


def test_scalar_function_matches_closed_form(rng):
    """f(x) = sum(x**3) has gradient 3 x**2."""
    x = rng.standard_normal((3, 4))
    num = numerical_gradient(lambda v: np.sum(v**3), x)
    assert num.shape == x.shape
    assert rel_error(num, 3 * x**2) < 1e-9


def test_dout_weights_an_array_function(rng):
    """With dout, the estimate is the gradient of sum(f(x) * dout): cos(x) * dout for sin."""
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    num = numerical_gradient(np.sin, x, dout=dout)
    assert rel_error(num, np.cos(x) * dout) < 1e-9


def test_dout_of_another_shape_than_x(rng):
    """f(x) = x @ A maps (3, 4) to (3, 5); its vector-Jacobian product is dout @ A.T."""
    x, a = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    dout = rng.standard_normal((3, 5))
    assert rel_error(numerical_gradient(lambda v: v @ a, x, dout=dout), dout @ a.T) < 1e-9


def test_function_returning_x_itself():
    """An f that returns its argument (a view of the perturbed array) still gives dout."""
    x = np.array([0.1, 0.2, 0.3])
    dout = np.array([1.0, -2.0, 0.5])
    assert rel_error(numerical_gradient(lambda v: v, x, dout=dout), dout) < 1e-9


def test_x_restored_exactly(rng):
    """0.1 + h - h is not 0.1 in floating point, so the old value must be put back."""
    x = np.array([[0.1, 0.7, 1e8], [-3.3, 1e-9, 2.0 / 3.0]])
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.exp(v / 1e8)), x)
    assert np.array_equal(x, before)


def test_rejects_non_float_x():
    with pytest.raises(TypeError, match="float numpy array"):
        numerical_gradient(lambda v: v.sum(), np.arange(3))
    with pytest.raises(ValueError, match="h > 0"):
        numerical_gradient(lambda v: v.sum(), np.zeros(3), h=0.0)


def test_rel_error_hand_values():
    # ||(3,4) - 0|| / (5 + 0) = 1; opposite vectors: ||2a|| / (2||a||) = 1;
    # (1,0) vs (0,1): sqrt(2) / (1 + 1).
    assert rel_error(np.array([3.0, 4.0]), np.zeros(2)) == pytest.approx(1.0)
    assert rel_error(np.array([1.0, -2.0]), np.array([-1.0, 2.0])) == pytest.approx(1.0)
    assert rel_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    assert rel_error(np.ones((2, 3)), np.ones((2, 3))) == 0.0
    assert rel_error(np.zeros(4), np.zeros(4)) == 0.0
    assert isinstance(rel_error(np.ones(2), np.ones(2)), float)


def test_rel_error_is_scale_free():
    """Norm based, not elementwise: scaling both arrays changes nothing."""
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.3])
    assert rel_error(a, b) == pytest.approx(0.3 / (np.sqrt(14) + np.sqrt(1 + 4 + 3.3**2)))
    assert rel_error(1e-6 * a, 1e-6 * b) == pytest.approx(rel_error(a, b))


def test_rel_error_shape_mismatch():
    with pytest.raises(ValueError, match=r"expected b of shape \(3,\).*got \(3, 1\)"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


def test_check_module_passes_a_correct_linear(rng):
    layer = Linear(4, 5, rng=rng)
    w_before = layer.W.value.copy()
    errors = check_module(layer, rng.standard_normal((3, 4)), rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7
    assert np.array_equal(layer.W.value, w_before)


class TransposedLinear(Linear):
    """A classic bug: dx uses W instead of W.T (only possible when D == M)."""

    def backward(self, dout):
        super().backward(dout)
        return dout @ self.W.value


class ForgetsBias(Linear):
    """A classic bug: db is never accumulated."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.b.grad.fill(0)
        return dx


class WrongSigmoid(Sigmoid):
    """A sign bug: s (1 + s) instead of s (1 - s)."""

    def backward(self, dout):
        out = self._out
        return dout * out * (1 + out)


@pytest.mark.parametrize(
    ("module", "bad"),
    [
        (TransposedLinear(4, 4, rng=np.random.default_rng(1)), "x"),
        (ForgetsBias(4, 5, rng=np.random.default_rng(2)), "b"),
        (WrongSigmoid(), "x"),
    ],
)
def test_checker_rejects_a_wrong_backward(module, bad, rng):
    """A checker that cannot fail proves nothing."""
    errors = check_module(module, rng.standard_normal((3, 4)), rng)
    assert errors[bad] > 1e-2
    with pytest.raises(AssertionError, match=f"{bad}: "):
        assert_gradients_match(module, rng.standard_normal((3, 4)), rng)


def test_numerical_gradient_rejects_wrong_formula(rng):
    """The raw estimate disagrees with a wrong derivative of sum(x**3) (2x instead of 3x**2)."""
    x = rng.standard_normal(6)
    assert rel_error(numerical_gradient(lambda v: np.sum(v**3), x), 2 * x) > 1e-2
