"""Do SGD (with momentum) and Adam take exactly the textbook steps, in place?"""

import math

import numpy as np
import pytest

from nnlib.activations import ReLU
from nnlib.layers import Linear, Parameter, Sequential
from nnlib.losses import SoftmaxCrossEntropyLoss
from nnlib.optim import SGD, Adam


def param(value, grad):
    p = Parameter(np.array(value, dtype=float), "p")
    p.grad[:] = grad
    return p


def test_sgd_plain_step():
    p = param([1.0, 2.0], [0.5, -1.0])
    SGD([p], lr=0.1).step()
    # 1 - 0.1 * 0.5 = 0.95;  2 - 0.1 * (-1) = 2.1
    assert np.allclose(p.value, [0.95, 2.1])


def test_sgd_momentum_two_steps():
    p = param([1.0], [1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # v = 0.9 * 0 + 1 = 1;        p = 1 - 0.1 * 1 = 0.9
    assert np.allclose(p.value, [0.9])
    p.grad[:] = -2.0
    opt.step()  # v = 0.9 * 1 + (-2) = -1.1;  p = 0.9 - 0.1 * (-1.1) = 1.01
    assert np.allclose(p.value, [1.01])
    assert np.allclose(opt.velocities[0], [-1.1])


def test_adam_first_step_is_lr_times_sign():
    p = param([1.0, -1.0], [0.5, -2.0])
    Adam([p], lr=0.1).step()
    # t = 1: m_hat = g, v_hat = g**2, so the step is lr * g / (|g| + eps)
    assert np.allclose(p.value, [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -1.0 + 0.1 * 2 / (2 + 1e-8)],
                       rtol=1e-14)


def test_adam_against_scalar_formula():
    """Three steps with changing gradients against the update written out for one number."""
    b1, b2, lr, eps = 0.8, 0.95, 0.05, 1e-8
    grads = [0.3, -1.2, 0.7]
    p = param([2.0], [0.0])
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    value, m, v = 2.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        p.grad[:] = g
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        value -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        assert p.value[0] == pytest.approx(value, rel=1e-13)
    assert opt.t == 3


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.5),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["sgd", "adam"])
def test_updates_in_place_and_keep_grads(make, rng):
    layer = Linear(4, 5, rng=rng)
    arrays = [p.value for p in layer.parameters()]
    before = [a.copy() for a in arrays]
    for p in layer.parameters():
        p.grad[:] = rng.standard_normal(p.grad.shape)
    grads = [p.grad.copy() for p in layer.parameters()]
    opt = make(layer.parameters())
    opt.step()
    for p, a, b, g in zip(layer.parameters(), arrays, before, grads, strict=True):
        assert p.value is a and not np.array_equal(a, b)  # same array, new values
        assert np.array_equal(p.grad, g)  # step does not clear the gradients
    opt.zero_grad()
    assert all(not p.grad.any() for p in layer.parameters())


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["sgd", "adam"])
def test_float32_parameters_stay_float32(make, rng):
    layer = Linear(4, 5, rng=rng, dtype=np.float32)
    layer.W.grad[:] = 1.0
    opt = make(layer.parameters())
    opt.step()
    opt.step()
    assert layer.W.value.dtype == layer.b.value.dtype == np.float32


def test_shared_parameter_updated_once(rng):
    first, second = Linear(3, 3, rng=rng), Linear(3, 3, rng=rng)
    second.W = first.W
    model = Sequential(first, second)
    w0 = first.W.value.copy()
    first.W.grad[:] = 1.0
    SGD(model.parameters(), lr=0.5).step()
    assert np.allclose(first.W.value, w0 - 0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, r"expected lr in \(0.0, inf\), got 0.0"),
        ({"lr": -1}, "expected lr"),
        ({"lr": float("nan")}, "expected lr"),
        ({"lr": "fast"}, "expected lr"),
        ({"lr": 0.1, "momentum": 1.0}, r"expected momentum in \[0.0, 1.0\), got 1.0"),
        ({"lr": 0.1, "momentum": -0.1}, "expected momentum"),
    ],
)
def test_sgd_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([param([1.0], [0.0])], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"betas": (1.0, 0.999)}, r"expected betas\[0\] in \[0.0, 1.0\), got 1.0"),
        ({"betas": (0.9, -0.1)}, r"expected betas\[1\]"),
        ({"betas": 0.9}, r"expected betas to be a pair \(b1, b2\), got 0.9"),
        ({"eps": 0.0}, "expected eps"),
        ({"lr": 0.0}, "expected lr"),
    ],
)
def test_adam_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam([param([1.0], [0.0])], **kwargs)


def test_params_must_be_parameters():
    with pytest.raises(ValueError, match="at least one Parameter"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="got ndarray at position 1"):
        SGD([param([1.0], [0.0]), np.zeros(2)], lr=0.1)


def test_accepts_a_generator_of_parameters(rng):
    layer = Linear(2, 2, rng=rng)
    opt = Adam(p for p in layer.parameters())
    assert opt.params == layer.parameters()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_steps_reduce_the_loss_and_keep_the_dtype(dtype, rng):
    """End to end: Linear -> ReLU -> Linear -> softmax cross-entropy -> Adam, ten steps."""
    model = Sequential(Linear(4, 8, rng=rng, dtype=dtype), ReLU(),
                       Linear(8, 3, rng=rng, dtype=dtype))
    x, y = rng.standard_normal((6, 4)).astype(dtype), np.array([0, 1, 2, 0, 1, 2])
    loss, opt = SoftmaxCrossEntropyLoss(), Adam(model.parameters(), lr=0.05)
    values = []
    for _ in range(10):
        opt.zero_grad()
        out = model(x)
        values.append(loss(out, y))
        dx = model.backward(loss.backward())
        opt.step()
        assert out.dtype == dx.dtype == dtype
    assert values[-1] < 0.7 * values[0]
    assert all(p.value.dtype == p.grad.dtype == dtype for p in model.parameters())
