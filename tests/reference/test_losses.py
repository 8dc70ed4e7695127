"""Are the losses right on worked examples, stable at logits of +-1000, with exact gradients?"""

import math

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, rel_error
from nnlib.losses import (
    BCEWithLogitsLoss,
    MSELoss,
    SoftmaxCrossEntropyLoss,
    log_softmax,
    softmax,
)

N, M, C = 3, 4, 5
STRICT = {"over": "raise", "invalid": "raise", "divide": "raise"}  # underflow to 0 is fine


def bce_target(rng, shape):
    return (rng.random(shape) > 0.5).astype(float)


LOSSES = {  # name -> (loss class, pred shape, target maker)
    "mse": (MSELoss, (N, M), lambda rng: rng.standard_normal((N, M))),
    "bce_logits": (BCEWithLogitsLoss, (N, M), lambda rng: bce_target(rng, (N, M))),
    "softmax_ce": (SoftmaxCrossEntropyLoss, (N, C), lambda rng: np.array([4, 0, 2])),
}


# --- softmax and log_softmax -------------------------------------------------------------

def test_softmax_hand_example():
    # z = [0, ln 3]: exp = [1, 3], sum 4 -> [1/4, 3/4]
    z = np.array([[0.0, math.log(3)]])
    assert np.allclose(softmax(z), [[0.25, 0.75]])
    assert np.allclose(log_softmax(z), [[math.log(0.25), math.log(0.75)]])


def test_softmax_against_loops(rng):
    z = rng.standard_normal((N, C)) * 3
    for n in range(N):
        total = sum(math.exp(v) for v in z[n])
        assert np.allclose(softmax(z)[n], [math.exp(v) / total for v in z[n]], rtol=1e-12)
        assert np.allclose(log_softmax(z)[n], [v - math.log(total) for v in z[n]], rtol=1e-12)


def test_softmax_last_axis_and_shift_invariance(rng):
    z = rng.standard_normal((2, N, C))
    p = softmax(z)
    assert p.shape == z.shape and np.allclose(p.sum(axis=-1), 1.0)
    assert np.allclose(softmax(z + 100.0), p)
    assert np.allclose(np.exp(log_softmax(z)), p)


def test_softmax_stable_at_1000():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    with np.errstate(**STRICT):
        p, logp = softmax(z), log_softmax(z)
    # row 1: the max dominates; log-probs are z - 1000 exactly. Row 2: uniform.
    assert np.allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert np.allclose(logp, [[0.0, -2000.0, -1000.0], [-math.log(3)] * 3])


def test_softmax_keeps_float32_and_input():
    z = np.array([[1.0, 2.0]], dtype=np.float32)
    assert softmax(z).dtype == log_softmax(z).dtype == np.float32
    assert np.array_equal(z, [[1.0, 2.0]])


# --- the three losses, forward ------------------------------------------------------------

def test_mse_hand_example():
    loss = MSELoss()
    # differences 1, 0, -2, 0 -> squares 1, 0, 4, 0 -> mean over 4 entries = 5/4
    value = loss(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [5.0, 4.0]]))
    assert value == 1.25 and isinstance(value, float)
    # dL/dpred = 2 * diff / 4 = [[0.5, 0], [-1, 0]]; times dloss = 3
    assert np.array_equal(loss.backward(3.0), [[1.5, 0.0], [-3.0, 0.0]])


def test_bce_hand_example():
    # z = 0, y = 1: -log(1/2) = ln 2.  z = ln 3, y = 1: -log(3/4).  z = ln 3, y = 0: -log(1/4)
    z = np.array([0.0, math.log(3), math.log(3)])
    y = np.array([1.0, 1.0, 0.0])
    expected = (math.log(2) + math.log(4 / 3) + math.log(4)) / 3
    assert BCEWithLogitsLoss()(z, y) == pytest.approx(expected, rel=1e-14)


def test_bce_against_naive_formula(rng):
    z, y = rng.uniform(-8, 8, size=(N, M)), bce_target(rng, (N, M))
    total = 0.0
    for zi, yi in zip(z.ravel(), y.ravel(), strict=True):
        s = 1 / (1 + math.exp(-zi))
        total += -yi * math.log(s) - (1 - yi) * math.log(1 - s)
    assert BCEWithLogitsLoss()(z, y) == pytest.approx(total / z.size, rel=1e-12)


def test_softmax_ce_hand_example():
    # z = [0, ln 3], y = 1: p = [1/4, 3/4], loss = -log(3/4);  second row y = 0: -log(1/4)
    z = np.array([[0.0, math.log(3)], [0.0, math.log(3)]])
    loss = SoftmaxCrossEntropyLoss()
    assert loss(z, np.array([1, 0])) == pytest.approx((math.log(4 / 3) + math.log(4)) / 2)
    # dz = (p - onehot(y)) / N = [[1/4, -1/4], [-3/4, 3/4]] / 2
    assert np.allclose(loss.backward(), [[0.125, -0.125], [-0.375, 0.375]])


def test_softmax_ce_against_loops(rng):
    z, y = rng.standard_normal((N, C)) * 2, np.array([4, 0, 2])
    total = 0.0
    for n in range(N):
        total += -(z[n, y[n]] - math.log(sum(math.exp(v) for v in z[n])))
    assert SoftmaxCrossEntropyLoss()(z, y) == pytest.approx(total / N, rel=1e-12)


def test_losses_stable_at_logits_of_1000():
    with np.errstate(**STRICT):
        bce = BCEWithLogitsLoss()
        # wrong by 1000 twice, right once: (1000 + 1000 + 0) / 3
        value = bce(np.array([1000.0, -1000.0, 1000.0]), np.array([0.0, 1.0, 1.0]))
        dz = bce.backward()
        ce = SoftmaxCrossEntropyLoss()
        ce_value = ce(np.array([[1000.0, -1000.0], [1000.0, -1000.0]]), np.array([1, 0]))
        dce = ce.backward()
    assert value == pytest.approx(2000 / 3)
    # s(z) - y: 1 - 0, 0 - 1, 1 - 1; divided by 3
    assert np.allclose(dz, [1 / 3, -1 / 3, 0.0])
    assert ce_value == pytest.approx(1000.0)  # (2000 + 0) / 2
    assert np.allclose(dce, [[0.5, -0.5], [0.0, 0.0]])


# --- gradients ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", LOSSES)
def test_backward_matches_central_differences(name, rng):
    make, shape, target_of = LOSSES[name]
    loss, pred, target = make(), rng.standard_normal(shape) * 2, target_of(rng)
    dloss = 1.7  # an upstream gradient other than 1
    loss.forward(pred, target)
    dpred = loss.backward(dloss)
    numerical = numerical_gradient(lambda p: dloss * loss.forward(p, target), pred)
    assert dpred.shape == pred.shape
    assert rel_error(dpred, numerical) < 1e-7


@pytest.mark.parametrize("name", LOSSES)
def test_inputs_not_mutated_and_float_returned(name, rng):
    make, shape, target_of = LOSSES[name]
    pred, target = rng.standard_normal(shape), target_of(rng)
    pred0, target0 = pred.copy(), target.copy()
    loss = make()
    assert type(loss(pred, target)) is float
    loss.backward()
    assert np.array_equal(pred, pred0) and np.array_equal(target, target0)


@pytest.mark.parametrize("name", LOSSES)
def test_float32_stays_float32(name, rng):
    make, shape, target_of = LOSSES[name]
    loss = make()
    loss(rng.standard_normal(shape).astype(np.float32), target_of(rng))
    assert loss.backward().dtype == np.float32


@pytest.mark.parametrize("name", LOSSES)
def test_backward_before_forward(name):
    with pytest.raises(RuntimeError, match="call forward before backward"):
        LOSSES[name][0]().backward()


def test_integer_predictions_become_float64():
    loss = MSELoss()
    assert loss(np.array([1, 2]), np.array([1, 4])) == 2.0  # (0 + 4) / 2
    assert loss.backward().dtype == np.float64


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [MSELoss, BCEWithLogitsLoss])
def test_column_vs_flat_targets_are_refused(make):
    """(N, 1) against (N,) would broadcast to (N, N) and give a wrong loss silently."""
    with pytest.raises(ValueError, match=r"expected target of shape \(4, 1\).*got \(4,\)"):
        make()(np.zeros((4, 1)), np.zeros(4))


def test_empty_batch_refused():
    with pytest.raises(ValueError, match="at least one"):
        MSELoss()(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="at least one"):
        SoftmaxCrossEntropyLoss()(np.zeros((0, 2)), np.zeros(0, dtype=int))


def test_bce_target_outside_0_1():
    with pytest.raises(ValueError, match=r"expected target values in \[0, 1\], got .* 2\.0"):
        BCEWithLogitsLoss()(np.zeros(3), np.array([0.0, 1.0, 2.0]))


def test_softmax_ce_label_errors():
    z = np.zeros((3, 4))
    loss = SoftmaxCrossEntropyLoss()
    with pytest.raises(TypeError, match="integer class labels, got dtype float64.*astype"):
        loss(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="one-hot"):
        loss(z, np.eye(4)[[0, 1, 2]])
    with pytest.raises(ValueError, match=r"labels in \[0, 4\).*from 0 to 4"):
        loss(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"labels in \[0, 4\).*from -1 to 2"):
        loss(z, np.array([-1, 2, 1]))
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\).*got \(2,\)"):
        loss(z, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"expected pred of shape \(N, C\), got \(4,\)"):
        loss(np.zeros(4), np.array([0]))
