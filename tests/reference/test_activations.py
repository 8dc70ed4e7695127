"""Are the activations right, stable at extreme inputs, and their backwards exact?"""

import math

import numpy as np
import pytest

from nnlib.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from nnlib.gradcheck import check_module

ALL = [Sigmoid, Tanh, ReLU, lambda: LeakyReLU(0.1)]
IDS = ["sigmoid", "tanh", "relu", "leaky_relu"]
SCALAR = {  # the textbook formula for one number, as an independent oracle
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v > 0 else 0.1 * v,
}


def test_hand_worked_values():
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4, sigmoid(-ln 3) = 1 / (1 + 3) = 1/4, sigmoid(0) = 1/2
    assert np.allclose(Sigmoid()(np.array([math.log(3), -math.log(3), 0.0])), [0.75, 0.25, 0.5])
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5
    assert np.isclose(Tanh()(np.array([math.log(2)]))[0], 0.6)
    x = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(ReLU()(x), [0.0, 0.0, 3.0])
    # 0.1 * (-2) = -0.2; 0 and 3 pass through
    assert np.allclose(LeakyReLU(0.1)(x), [-0.2, 0.0, 3.0])
    assert np.allclose(LeakyReLU()(x), [-0.02, 0.0, 3.0])  # default slope 0.01


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_forward_matches_scalar_formula(make, request, rng):
    name = request.node.callspec.id
    x = rng.uniform(-6, 6, size=(3, 4))
    out = make()(x)
    expected = np.array([[SCALAR[name](v) for v in row] for row in x])
    assert out.shape == x.shape
    assert np.allclose(out, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_backward_matches_central_differences(make, rng):
    # ReLU kinks at 0: keep every entry well away from it so +-h never crosses.
    x = rng.uniform(0.1, 2.0, size=(3, 5)) * rng.choice([-1.0, 1.0], size=(3, 5))
    errors = check_module(make(), x, rng)
    assert errors["x"] < 1e-7, errors


def test_relu_mask_comes_from_the_input():
    relu = ReLU()
    relu(np.array([-1.0, 0.0, 2.0]))
    # derivative: 0 for x < 0, 0 at x == 0 (by convention), 1 for x > 0
    assert np.array_equal(relu.backward(np.array([5.0, 6.0, 7.0])), [0.0, 0.0, 7.0])
    leaky = LeakyReLU(0.5)
    leaky(np.array([-1.0, 0.0, 2.0]))
    assert np.array_equal(leaky.backward(np.array([4.0, 6.0, 7.0])), [2.0, 3.0, 7.0])


def test_sigmoid_stable_at_plus_minus_800():
    sig = Sigmoid()
    # overflow, 0/0 and log(0) are errors; underflow to 0 is the right answer here
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sig(np.array([-800.0, -700.0, 800.0]))
        dx = sig.backward(np.ones(3))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert out[0] == 0.0 and out[2] == 1.0
    # the negative branch keeps relative accuracy: sigmoid(-700) = e^-700 / (1 + e^-700)
    assert out[1] == pytest.approx(math.exp(-700), rel=1e-12)


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_no_warnings_at_extreme_inputs(make):
    x = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    m = make()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = m(x)
        dx = m.backward(np.ones_like(x))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_float32_stays_float32(make, rng):
    m = make()
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert m(x).dtype == np.float32
    assert m.backward(np.ones((3, 4), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_integer_input_becomes_float64(make):
    out = make()(np.array([[-2, 0, 3]]))
    assert out.dtype == np.float64


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_inputs_not_mutated(make, rng):
    m = make()
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x0, dout0 = x.copy(), dout.copy()
    m(x)
    m.backward(dout)
    assert np.array_equal(x, x0) and np.array_equal(dout, dout0)


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_any_shape_and_no_parameters(make, rng):
    m = make()
    x = rng.standard_normal((2, 3, 4))
    assert m(x).shape == x.shape and m.backward(np.ones_like(x)).shape == x.shape
    assert m.parameters() == []


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_bad_dout_and_missing_forward(make):
    with pytest.raises(RuntimeError, match="call forward before backward"):
        make().backward(np.ones(3))
    m = make()
    m(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"expected dout of shape \(3, 4\).*got \(4, 3\)"):
        m.backward(np.zeros((4, 3)))


@pytest.mark.parametrize("slope", [-0.1, 1.0, 2, "0.1", float("nan"), True])
def test_leaky_relu_rejects_bad_slope(slope):
    with pytest.raises(ValueError, match=r"expected negative_slope in \[0, 1\)"):
        LeakyReLU(slope)


def test_leaky_relu_repr_and_slope():
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert LeakyReLU(0).negative_slope == 0.0
