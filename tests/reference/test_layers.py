"""Do Parameter, Linear and Sequential follow the module contract of nnlib.layers?"""

import numpy as np
import pytest

from nnlib.activations import ReLU, Tanh
from nnlib.gradcheck import check_module, numerical_gradient, rel_error
from nnlib.layers import Linear, Module, Parameter, Sequential

N, D, M = 3, 4, 5


def test_parameter_grad_starts_at_zero():
    p = Parameter(np.ones((2, 3), dtype=np.float32), "W")
    assert p.grad.shape == (2, 3) and p.grad.dtype == np.float32
    assert not p.grad.any()
    assert p.name == "W" and "W" in repr(p)


def test_linear_shapes_and_bias_zero(rng):
    layer = Linear(D, M, rng=rng)
    assert layer.W.value.shape == (D, M) and layer.b.value.shape == (M,)
    assert not layer.b.value.any()
    assert layer.parameters() == [layer.W, layer.b]
    assert repr(layer) == "Linear(in_features=4, out_features=5)"


def test_linear_forward_hand_example(rng):
    layer = Linear(2, 3, rng=rng)
    layer.W.value[:] = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]
    layer.b.value[:] = [0.5, 0.0, -1.0]
    # [1, 2] @ W = [1*1 + 2*2, 1*0 + 2*1, 1*(-1) + 2*0] = [5, 2, -1]; + b = [5.5, 2, -2]
    assert np.array_equal(layer(np.array([[1.0, 2.0]])), [[5.5, 2.0, -2.0]])


def test_linear_forward_against_loops(rng):
    layer = Linear(D, M, rng=rng)
    layer.b.value[:] = rng.standard_normal(M)
    x = rng.standard_normal((N, D))
    expected = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            expected[n, m] = layer.b.value[m] + sum(
                x[n, d] * layer.W.value[d, m] for d in range(D)
            )
    assert np.allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)


def test_linear_backward_hand_example(rng):
    layer = Linear(2, 1, rng=rng)
    layer.W.value[:] = [[3.0], [-1.0]]
    layer.forward(np.array([[1.0, 2.0], [0.0, -1.0]]))
    dx = layer.backward(np.array([[1.0], [2.0]]))
    # dW = x.T @ dout = [[1*1 + 0*2], [2*1 + (-1)*2]] = [[1], [0]]; db = 1 + 2 = 3
    # dx = dout @ W.T = [[1*3, 1*(-1)], [2*3, 2*(-1)]]
    assert np.array_equal(layer.W.grad, [[1.0], [0.0]])
    assert np.array_equal(layer.b.grad, [3.0])
    assert np.array_equal(dx, [[3.0, -1.0], [6.0, -2.0]])


def test_linear_backward_matches_central_differences(rng):
    layer = Linear(D, M, rng=rng)
    layer.b.value[:] = rng.standard_normal(M)
    errors = check_module(layer, rng.standard_normal((N, D)), rng)
    assert max(errors.values()) < 1e-7, errors


def test_backward_accumulates_and_zero_grad_clears(rng):
    layer = Linear(D, M, rng=rng)
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, M))
    layer.forward(x)
    layer.backward(dout)
    once = layer.W.grad.copy(), layer.b.grad.copy()
    layer.backward(dout)
    assert np.allclose(layer.W.grad, 2 * once[0]) and np.allclose(layer.b.grad, 2 * once[1])
    layer.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


def test_shared_parameter_accumulates_both_uses(rng):
    """Fan-out: one W used by two layers gets the sum of both contributions."""
    first, second = Linear(D, D, rng=rng), Linear(D, D, rng=rng)
    second.W = first.W
    model = Sequential(first, Tanh(), second)
    assert model.parameters() == [first.W, first.b, second.b]
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    model.forward(x)
    model.zero_grad()
    model.backward(dout)
    numerical = numerical_gradient(lambda _: model.forward(x), first.W.value, dout=dout)
    assert rel_error(first.W.grad, numerical) < 1e-7


def test_same_module_twice_is_refused(rng):
    """A module caches only its last forward, so reusing one object would break backward."""
    act = ReLU()
    with pytest.raises(ValueError, match="module 1 again at position 3"):
        Sequential(Linear(D, D, rng=rng), act, Linear(D, D, rng=rng), act)


def test_inputs_not_mutated(rng):
    layer = Linear(D, M, rng=rng)
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, M))
    x0, dout0 = x.copy(), dout.copy()
    layer.forward(x)
    layer.backward(dout)
    assert np.array_equal(x, x0) and np.array_equal(dout, dout0)


@pytest.mark.parametrize(
    ("init", "std"), [("default", 1 / np.sqrt(400)), ("xavier", np.sqrt(2 / 700)),
                      ("he", np.sqrt(2 / 400))],
)
def test_init_choices_have_their_std(init, std, rng):
    w = Linear(400, 300, rng=rng, init=init).W.value
    assert abs(w.std() / std - 1) < 0.02
    assert abs(w.mean()) < 0.1 * std


def test_init_zeros_and_callable(rng):
    assert not Linear(D, M, rng=rng, init="zeros").W.value.any()
    layer = Linear(D, M, rng=rng, init=lambda shape, r: np.full(shape, 0.5))
    assert np.array_equal(layer.W.value, np.full((D, M), 0.5))
    with pytest.raises(ValueError, match=r"returned by init of shape \(4, 5\), got \(5, 4\)"):
        Linear(D, M, rng=rng, init=lambda shape, r: np.zeros(shape[::-1]))


def test_unknown_init_lists_choices(rng):
    with pytest.raises(ValueError, match="default, xavier, he, zeros.*got 'glorot'"):
        Linear(D, M, rng=rng, init="glorot")


def test_constructor_validation(rng):
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        Linear(D, M, rng=0)
    with pytest.raises(ValueError, match="in_features to be a positive integer, got 0"):
        Linear(0, M, rng=rng)
    with pytest.raises(ValueError, match="out_features to be a positive integer, got 2.5"):
        Linear(D, 2.5, rng=rng)
    with pytest.raises(ValueError, match="float32 or float64"):
        Linear(D, M, rng=rng, dtype=np.int64)


def test_same_seed_same_weights():
    a = Linear(D, M, rng=np.random.default_rng(7)).W.value
    b = Linear(D, M, rng=np.random.default_rng(7)).W.value
    assert np.array_equal(a, b)


def test_shape_errors_name_expected_and_actual(rng):
    layer = Linear(D, M, rng=rng)
    with pytest.raises(ValueError, match=r"^expected x of shape \(N, 4\), got \(3, 5\)$"):
        layer.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 4\), got \(4,\)"):
        layer.forward(np.zeros(4))
    layer.forward(np.zeros((N, D)))
    with pytest.raises(ValueError, match=r"expected dout of shape \(3, 5\).*got \(5, 3\)"):
        layer.backward(np.zeros((M, N)))


def test_backward_before_forward_is_a_clear_error(rng):
    with pytest.raises(RuntimeError, match="call forward before backward"):
        Linear(D, M, rng=rng).backward(np.zeros((N, M)))


def test_float32_stays_float32(rng):
    layer = Linear(D, M, rng=rng, dtype=np.float32)
    assert layer.W.value.dtype == layer.b.value.dtype == np.float32
    out = layer(rng.standard_normal((N, D)).astype(np.float32))
    dx = layer.backward(np.ones((N, M), dtype=np.float32))
    assert out.dtype == dx.dtype == layer.W.grad.dtype == layer.b.grad.dtype == np.float32


def test_integer_input_is_cast_to_float64(rng):
    layer = Linear(2, 3, rng=rng)
    out = layer(np.array([[1, 2]]))
    assert out.dtype == np.float64
    assert np.allclose(out, np.array([[1.0, 2.0]]) @ layer.W.value)


def test_sequential_composes_in_order(rng):
    first, act, second = Linear(D, 6, rng=rng), Tanh(), Linear(6, M, rng=rng)
    model = Sequential(first, act, second)
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, M))
    out = model(x)
    assert np.allclose(out, np.tanh(x @ first.W.value + first.b.value) @ second.W.value)
    dx = model.backward(dout)
    h = np.tanh(x @ first.W.value)
    dh = (dout @ second.W.value.T) * (1 - h**2)
    assert np.allclose(dx, dh @ first.W.value.T)
    assert np.allclose(second.W.grad, h.T @ dout)


def test_sequential_backward_matches_central_differences(rng):
    model = Sequential(Linear(D, 6, rng=rng), Tanh(), Linear(6, 2, rng=rng), ReLU(),
                       Linear(2, M, rng=rng))
    errors = check_module(model, rng.standard_normal((N, D)), rng)
    assert set(errors) == {"x", "W", "b", "W.1", "b.1", "W.2", "b.2"}
    assert max(errors.values()) < 1e-7, errors


def test_sequential_container_protocol(rng):
    modules = [Linear(D, 6, rng=rng), ReLU(), Linear(6, M, rng=rng)]
    model = Sequential(*modules)
    assert len(model) == 3 and list(model) == modules and model[2] is modules[2]
    assert isinstance(model[:2], Sequential) and list(model[:2]) == modules[:2]
    assert model.parameters() == [modules[0].W, modules[0].b, modules[2].W, modules[2].b]
    assert "(1): ReLU()" in repr(model)
    with pytest.raises(TypeError, match="expected module 1 to be a Module, got ufunc"):
        Sequential(modules[0], np.tanh)


def test_empty_sequential_is_identity():
    x = np.arange(6.0).reshape(2, 3)
    assert Sequential()(x) is x and Sequential().backward(x) is x


def test_module_base_has_no_parameters():
    m = Module()
    assert m.parameters() == []
    with pytest.raises(NotImplementedError):
        m(np.zeros(2))
