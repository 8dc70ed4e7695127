"""Do the diagnostics report each layer's output and gradient size, and count errors right?"""

import numpy as np
import pytest

from nnlib import activations, layers
from nnlib.diagnostics import confusion_matrix, gradient_norms, layer_outputs


def small_net(rng):
    """Linear(2, 2) with hand-set weights, ReLU, Linear(2, 1)."""
    net = layers.Sequential(layers.Linear(2, 2, rng=rng), activations.ReLU(),
                            layers.Linear(2, 1, rng=rng))
    net[0].W.value[...] = [[1.0, -1.0], [2.0, 0.0]]
    net[0].b.value[...] = [0.0, 1.0]
    net[2].W.value[...] = [[3.0], [1.0]]
    net[2].b.value[...] = [0.5]
    return net


def test_layer_outputs_gives_every_intermediate_value(rng):
    x = np.array([[1.0, 1.0], [-1.0, 0.0]])
    outs = layer_outputs(small_net(rng), x)
    # row 1: [1 + 2, -1 + 0 + 1] = [3, 0]; row 2: [-1, 1 + 1] = [-1, 2]
    np.testing.assert_array_equal(outs[0], [[3.0, 0.0], [-1.0, 2.0]])
    np.testing.assert_array_equal(outs[1], [[3.0, 0.0], [0.0, 2.0]])
    np.testing.assert_array_equal(outs[2], [[9.5], [2.5]])  # 3*3 + 0 + .5, 0 + 2 + .5
    assert len(outs) == 3


def test_gradient_norms_are_the_frobenius_norms_of_each_weight_gradient(rng):
    net = small_net(rng)
    net[0].W.grad[...] = [[3.0, 0.0], [0.0, 4.0]]
    net[2].W.grad[...] = [[0.0], [-2.0]]
    net[0].b.grad[...] = 100.0  # biases are not weights
    assert gradient_norms(net) == [5.0, 2.0]


def test_gradient_norms_after_a_real_backward_pass(rng):
    net = small_net(rng)
    x = np.array([[1.0, 1.0], [-1.0, 0.0]])
    net.forward(x)
    net.backward(np.ones((2, 1)))
    # dW2 = h.T @ dout = [[3 + 0], [0 + 2]]; dh = dout @ W2.T masked by h > 0
    # dz1 = [[3, 0], [0, 1]]; dW1 = x.T @ dz1 = [[3, -1], [3, 0]]
    assert gradient_norms(net) == pytest.approx([np.sqrt(9 + 1 + 9), np.sqrt(9 + 4)])


def test_confusion_matrix_matches_a_naive_count(rng):
    y_true = rng.integers(0, 4, size=200)
    y_pred = np.where(rng.uniform(size=200) < 0.7, y_true, rng.integers(0, 4, size=200))
    cm = confusion_matrix(y_true, y_pred, 4)
    naive = np.zeros((4, 4), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        naive[t, p] += 1
    np.testing.assert_array_equal(cm, naive)
    np.testing.assert_array_equal(confusion_matrix([0, 1, 1], [1, 1, 0], 2), [[0, 1], [1, 1]])


def test_confusion_matrix_rejects_labels_out_of_range_or_unpaired():
    with pytest.raises(ValueError, match=r"0\.\.1, got 2 at index 1 of y_pred"):
        confusion_matrix([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix([0, 1], [0], 2)
