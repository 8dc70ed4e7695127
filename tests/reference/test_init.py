"""Do the initialisers draw the advertised distributions from the rng they are given only?"""

import numpy as np
import pytest

from nnlib import init


def test_zeros_and_constant():
    assert np.array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    c = init.constant(4, 0.5, dtype=np.float32)
    assert c.dtype == np.float32 and np.array_equal(c, [0.5] * 4)


@pytest.mark.parametrize(
    ("draw", "std"),
    [
        (lambda rng: init.normal((500, 400), 0.3, rng), 0.3),
        (lambda rng: init.xavier_normal((500, 400), rng), np.sqrt(2 / (500 + 400))),
        (lambda rng: init.he_normal((500, 400), rng), np.sqrt(2 / 500)),
    ],
    ids=["normal", "xavier", "he"],
)
def test_standard_deviation(draw, std, rng):
    w = draw(rng)
    # 200,000 draws: the sample std is within about 0.2 % of the true one
    assert w.shape == (500, 400) and w.dtype == np.float64
    assert abs(w.std() / std - 1) < 0.01
    assert abs(w.mean()) < 0.01 * std


def test_xavier_is_symmetric_in_fans_and_he_is_not(rng):
    big = np.random.default_rng(1)
    assert abs(init.xavier_normal((100, 900), big).std() / np.sqrt(2 / 1000) - 1) < 0.02
    assert abs(init.he_normal((100, 900), big).std() / np.sqrt(2 / 100) - 1) < 0.02


@pytest.mark.parametrize("fn", [init.xavier_normal, init.he_normal])
def test_same_seed_same_draws_and_float32(fn):
    a = fn((3, 4), np.random.default_rng(5))
    b = fn((3, 4), np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert fn((3, 4), np.random.default_rng(5), dtype=np.float32).dtype == np.float32


def test_no_global_random_state(rng):
    state = np.random.get_state()[1].copy()
    init.normal((3, 4), 1.0, rng)
    init.xavier_normal((3, 4), rng)
    init.he_normal((3, 4), rng)
    assert np.array_equal(np.random.get_state()[1], state)


def test_normal_std_zero_and_validation(rng):
    assert not init.normal((2, 2), 0.0, rng).any()
    with pytest.raises(ValueError, match="expected std to be a finite number >= 0, got -1"):
        init.normal((2, 2), -1, rng)
    with pytest.raises(TypeError, match="numpy.random.Generator.*got int"):
        init.normal((2, 2), 1.0, 42)
    with pytest.raises(ValueError, match="float32 or float64, got <class 'numpy.int32'>"):
        init.normal((2, 2), 1.0, rng, dtype=np.int32)


@pytest.mark.parametrize("fn", [init.xavier_normal, init.he_normal])
@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), (0, 3), "ab", 5])
def test_fans_shape_validation(fn, shape, rng):
    with pytest.raises(ValueError, match=r"expected shape .*\(fan_in, fan_out\)"):
        fn(shape, rng)
