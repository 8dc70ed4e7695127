"""Is the reference engine right: gradients against central differences, fan-out, depth?"""

import numpy as np
import pytest

from nnlib import autodiff, gradcheck, layers, losses
from nnlib.autodiff import Value


def numeric(f, x):
    """Central differences of a scalar function of one array (float64)."""
    return gradcheck.numerical_gradient(lambda v: float(f(v)), x.copy())


def test_a_random_expression_agrees_with_central_differences(rng):
    a0, w0, b0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    up = rng.standard_normal((4, 2))

    def forward(a, w, b):
        z = Value(a) @ Value(w)
        return ((z + Value(b)).tanh() * Value(up)).sum()

    nodes = [Value(a0), Value(w0), Value(b0)]
    z = nodes[0] @ nodes[1]
    out = ((z + nodes[2]).tanh() * Value(up)).sum()
    out.backward()
    wants = [numeric(lambda v: forward(v, w0, b0).data, a0),
             numeric(lambda v: forward(a0, v, b0).data, w0),
             numeric(lambda v: forward(a0, w0, v).data, b0)]
    for node, want in zip(nodes, wants, strict=True):
        assert node.grad.shape == want.shape
        assert gradcheck.rel_error(node.grad, want) < 1e-7


def test_fan_out_adds_the_shares():
    # f = (x + y) + x at x = 3, y = -1: df/dx = 2, df/dy = 1 (the lesson's worked example)
    x, y = Value(3.0), Value(-1.0)
    ((x + y) + x).backward()
    assert (float(x.grad), float(y.grad)) == (2.0, 1.0)
    # the by-hand question: c = ab, d = c + a, L = dc at a = 2, b = -1.5: dL/da = 3
    a, b = Value(2.0), Value(-1.5)
    c = a * b
    (((c + a) * c)).backward()
    assert np.isclose(a.grad, 3.0) and np.isclose(c.grad, -4.0) and np.isclose(b.grad, -8.0)
    x = Value(np.array([1.0, -2.0]))
    (x * x).sum().backward()  # one node with the same parent twice: 2x
    assert np.allclose(x.grad, [2.0, -4.0])


def test_gradients_are_fresh_on_every_backward():
    x = Value(np.array([1.0, 2.0]))
    y = (x * x).sum()
    y.backward()
    first = x.grad.copy()
    y.backward()
    assert np.array_equal(x.grad, first)


def test_a_chain_of_5000_nodes_needs_no_recursion():
    x = Value(np.ones(3))
    y = x
    for _ in range(5000):
        y = y * 1.0001
    order = autodiff.topo_order(y)
    assert len(order) == 10001 and order[-1] is y  # the nodes and the constants
    y.sum().backward()
    assert np.allclose(x.grad, 1.0001**5000)


def test_topological_order_lists_each_ancestor_once_after_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    unused = d * 3.0  # noqa: F841 - a node the root does not depend on
    root = d * c
    order = autodiff.topo_order(root)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): k for k, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)
    assert order[-1] is root


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4,)), ((3, 1), (1, 4)),
                                              ((4,), (3, 4)), ((3, 4), ())])
def test_broadcast_operands_get_gradients_of_their_own_shape(rng, shape_a, shape_b):
    a0, b0 = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    up = rng.standard_normal(np.broadcast_shapes(shape_a, shape_b))
    for op in (np.add, np.multiply):
        a, b = Value(a0), Value(b0)
        out = (a + b) if op is np.add else (a * b)
        out.backward(up)
        assert a.grad.shape == shape_a and b.grad.shape == shape_b
        assert np.allclose(a.grad, numeric(lambda v, op=op: np.sum(up * op(v, b0)), a0), atol=1e-7)
        assert np.allclose(b.grad, numeric(lambda v, op=op: np.sum(up * op(a0, v)), b0), atol=1e-7)


def test_the_loss_nodes_reuse_the_modules_of_lesson_04(rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 4, size=5)
    logits = Value(x)
    loss = logits.softmax_cross_entropy(y)
    loss.backward()
    module = losses.SoftmaxCrossEntropyLoss()
    assert np.isclose(loss.data, module.forward(x, y))
    assert np.allclose(logits.grad, module.backward())
    layer = layers.Linear(4, 2, rng=rng)
    target = rng.standard_normal((5, 2))
    W = Value(layer.W.value)
    (((Value(x) @ W) + Value(layer.b.value)).mse(target)).backward()
    mse = losses.MSELoss()
    mse.forward(layer.forward(x), target)
    layer.backward(mse.backward())
    assert gradcheck.rel_error(layer.W.grad, W.grad) < 1e-12


def test_shapes_are_checked_with_the_values_named():
    with pytest.raises(ValueError, match=r"expected shapes \(N, D\) @ \(D, M\), got \(2, 3\)"):
        Value(np.ones((2, 3))) @ Value(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected grad of shape \(2,\), got \(3,\)"):
        Value(np.ones(2)).backward(np.ones(3))
