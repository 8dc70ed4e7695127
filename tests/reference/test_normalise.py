"""Does BatchNorm1d normalise with the batch in training, the running statistics in eval?"""

import numpy as np
import pytest

from nnlib.activations import ReLU
from nnlib.gradcheck import check_module, numerical_gradient, rel_error
from nnlib.layers import Linear, Sequential
from nnlib.normalise import BatchNorm1d
from nnlib.regularise import Dropout, set_training


def batch(rng, n=6, d=3):
    """Features with different means and spreads."""
    return rng.standard_normal((n, d)) * [0.5, 2.0, 5.0] + [1.0, -3.0, 10.0]


def test_starts_as_the_contract_says():
    bn = BatchNorm1d(4)
    assert np.array_equal(bn.gamma.value, np.ones(4)) and not bn.beta.value.any()
    assert not bn.running_mean.any() and np.array_equal(bn.running_var, np.ones(4))
    assert bn.training and bn.parameters() == [bn.gamma, bn.beta]
    assert (bn.gamma.name, bn.beta.name) == ("gamma", "beta")
    assert repr(bn) == "BatchNorm1d(num_features=4, momentum=0.1, eps=1e-05, training=True)"


def test_hand_worked_value():
    bn = BatchNorm1d(1, eps=1e-12)
    bn.gamma.value[:], bn.beta.value[:] = 3.0, 1.0
    # x = (1, 4, 4): mean 3, variance (4 + 1 + 1) / 3 = 2, x_hat_1 = -2 / sqrt(2) = -sqrt(2),
    # out_1 = 3 * -sqrt(2) + 1 = -3.2426...; the other two: 3 / sqrt(2) + 1 = 3.1213...
    out = bn(np.array([[1.0], [4.0], [4.0]]))
    assert np.allclose(out[:, 0], [1 - 3 * np.sqrt(2), 1 + 1.5 * np.sqrt(2), 1 + 1.5 * np.sqrt(2)])


def test_training_output_has_mean_zero_and_variance_one(rng):
    x = batch(rng, n=50)
    out = BatchNorm1d(3).forward(x)
    var = x.var(axis=0)  # biased, as the contract says
    assert np.allclose(out.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(out.var(axis=0), var / (var + 1e-5), rtol=1e-12)


def test_running_statistics_follow_the_momentum_rule(rng):
    bn = BatchNorm1d(3, momentum=0.25)
    x1, x2 = batch(rng), batch(rng)
    bn.forward(x1)
    bn.forward(x2)
    mean = 0.75 * (0.75 * 0.0 + 0.25 * x1.mean(axis=0)) + 0.25 * x2.mean(axis=0)
    var = 0.75 * (0.75 * 1.0 + 0.25 * x1.var(axis=0)) + 0.25 * x2.var(axis=0)
    assert np.allclose(bn.running_mean, mean) and np.allclose(bn.running_var, var)


def test_eval_uses_the_running_statistics_and_changes_nothing(rng):
    bn = BatchNorm1d(3)
    bn.running_mean[:], bn.running_var[:] = [1.0, 2.0, 3.0], [4.0, 1.0, 0.25]
    bn.gamma.value[:], bn.beta.value[:] = [2.0, 1.0, -1.0], [0.0, 0.5, 1.0]
    x = batch(rng)
    before = bn.running_mean.copy(), bn.running_var.copy()
    out = bn.eval().forward(x)
    expected = [2.0, 1.0, -1.0] * (x - [1.0, 2.0, 3.0]) / np.sqrt(np.array([4.0, 1.0, 0.25]) + 1e-5)
    assert np.allclose(out, expected + [0.0, 0.5, 1.0])
    assert np.array_equal(bn.running_mean, before[0]) and np.array_equal(bn.running_var, before[1])
    assert np.allclose(bn.forward(x[:1]), out[:1])  # one example alone: same output


def test_backward_matches_central_differences(rng):
    bn = BatchNorm1d(3)
    bn.gamma.value[:] = rng.uniform(0.5, 2.0, 3)
    bn.beta.value[:] = rng.standard_normal(3)
    errors = check_module(bn, batch(rng, n=5), rng)
    assert max(errors.values()) < 1e-7, errors


def test_backward_accumulates_and_columns_of_dx_sum_to_zero(rng):
    bn = BatchNorm1d(3)
    x, dout = batch(rng), rng.standard_normal((6, 3))
    bn.forward(x)
    dx = bn.backward(dout)
    once = bn.gamma.grad.copy(), bn.beta.grad.copy()
    bn.backward(dout)
    assert np.allclose(bn.gamma.grad, 2 * once[0]) and np.allclose(bn.beta.grad, 2 * once[1])
    assert np.allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    numeric = numerical_gradient(lambda v: BatchNorm1d(3).forward(v), x.copy(), 1e-5, dout)
    assert rel_error(dx, numeric) < 1e-7


def test_float32_stays_float32_and_input_is_not_changed(rng):
    x = batch(rng).astype(np.float32)
    kept = x.copy()
    bn = BatchNorm1d(3, dtype=np.float32)
    out = bn.forward(x)
    assert out.dtype == np.float32 and bn.backward(np.ones_like(out)).dtype == np.float32
    assert bn.running_mean.dtype == np.float32 and np.array_equal(x, kept)


def test_set_training_switches_batchnorm_and_dropout(rng):
    model = Sequential(Linear(3, 4, rng=rng), BatchNorm1d(4), ReLU(), Dropout(0.5, rng=rng))
    set_training(model, False)
    assert not model[1].training and not model[3].training
    set_training(model, True)
    assert model[1].training and model[3].training


@pytest.mark.parametrize("kwargs, message", [
    ({"num_features": 0}, "num_features"), ({"num_features": 2.5}, "num_features"),
    ({"num_features": 3, "momentum": 1.5}, "momentum"), ({"num_features": 3, "eps": 0.0}, "eps"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BatchNorm1d(**kwargs)


def test_bad_shapes_and_a_batch_of_one_in_training(rng):
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\)"):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="at least 2 examples"):
        bn.forward(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        BatchNorm1d(3).backward(np.ones((4, 3)))
    bn.forward(batch(rng, n=4))
    with pytest.raises(ValueError, match="expected dout of shape"):
        bn.backward(np.ones((5, 3)))
