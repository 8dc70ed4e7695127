"""Do the data sets have the promised shapes and geometry, and does preparation leak nothing?"""

import numpy as np
import pytest

from nnlib import data

GENERATORS = {
    "spirals": lambda rng: data.make_spirals(30, n_classes=3, noise=0.2, rng=rng),
    "moons": lambda rng: data.make_moons(61, noise=0.1, rng=rng),
    "circles": lambda rng: data.make_circles(61, noise=0.05, factor=0.5, rng=rng),
    "xor": lambda rng: data.make_xor(61, noise=0.2, rng=rng),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_classification_sets_have_shapes_dtypes_and_balanced_labels(name):
    X, y = GENERATORS[name](np.random.default_rng(0))
    n = 90 if name == "spirals" else 61
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1, counts  # 61 -> 30 and 31
    assert len(np.unique(y[:20])) > 1, "examples should come shuffled, not sorted by class"


@pytest.mark.parametrize("name", sorted(GENERATORS) + ["regression"])
def test_generators_are_deterministic_per_seed(name):
    make = GENERATORS.get(name, lambda rng: data.make_regression_1d(20, noise=0.1, rng=rng))
    (X1, y1), (X2, y2) = make(np.random.default_rng(5)), make(np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, make(np.random.default_rng(6))[0])


def test_noise_free_geometry_matches_the_formulas(rng):
    X, y = data.make_circles(50, noise=0.0, factor=0.3, rng=rng)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 0, 1.0, 0.3))

    X, y = data.make_moons(50, noise=0.0, rng=rng)
    centre = np.where(y[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
    np.testing.assert_allclose(np.linalg.norm(X - centre, axis=1), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)

    X, y = data.make_spirals(11, n_classes=2, noise=0.0, rng=rng)
    for k in range(2):  # radii are t = 0, 0.1, ..., 1 on every arm
        np.testing.assert_allclose(np.sort(np.linalg.norm(X[y == k], axis=1)),
                                   np.linspace(0, 1, 11), atol=1e-12)

    X, y = data.make_xor(40, noise=0.0, rng=rng)
    np.testing.assert_array_equal(np.abs(X), 1.0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))

    X, y = data.make_regression_1d(30, noise=0.0, rng=rng)
    assert X.shape == y.shape == (30, 1)
    assert np.all(np.abs(X) <= np.pi)
    np.testing.assert_allclose(y, np.sin(X))


def test_generators_demand_a_generator():
    with pytest.raises(TypeError, match="np.random.Generator"):
        data.make_moons(10, rng=0)
    with pytest.raises(ValueError, match="factor"):
        data.make_circles(10, factor=1.5, rng=np.random.default_rng(0))


def test_load_digits_shape_range_and_class_counts():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    assert y.shape == (1797,) and y.dtype == np.int64
    # the UCI description lists these per-class counts for this (test) set
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    zero = X[0].reshape(8, 8)  # the first image is a 0: ink round the edge, a hole inside
    assert y[0] == 0 and zero[3:5, 3:5].sum() < zero[3:5, 1:3].sum()


def test_standardize_uses_training_statistics_only():
    X_train = np.array([[0.0, 5.0], [2.0, 5.0]])  # column 0: mean 1, std 1; column 1 constant
    X_test = np.array([[3.0, 7.0]])
    before = X_train.copy()
    Z_train, Z_test = data.standardize(X_train, X_test)
    np.testing.assert_array_equal(Z_train, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(Z_test, [[2.0, 2.0]])  # (3 - 1) / 1, (7 - 5) / 1
    np.testing.assert_array_equal(X_train, before)
    np.testing.assert_array_equal(data.standardize(X_train), Z_train)  # alone: one array
    with pytest.raises(ValueError, match=r"\(2,\).*got \(3,\)"):
        data.standardize(X_train, np.zeros((1, 3)))


def test_one_hot_on_a_hand_worked_example():
    np.testing.assert_array_equal(data.one_hot([2, 0, 1, 2], 4),
                                  [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    Y = data.one_hot(np.array([1, 0]))
    assert Y.dtype == np.float64 and Y.shape == (2, 2)
    assert data.one_hot(np.array([], dtype=int), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "y, num_classes, error, match",
    [
        (np.array([0.0, 1.0]), None, TypeError, "integer class labels.*float64"),
        (np.array([0, -1]), 3, ValueError, r"0\.\.2, got -1 at index 1"),
        (np.array([0, 3]), 3, ValueError, r"0\.\.2, got 3 at index 1"),
        (np.array([[0, 1]]), None, ValueError, r"shape \(N,\), got \(1, 2\)"),
        (np.array([], dtype=int), None, ValueError, "empty"),
        (np.array([0, 1]), 0, ValueError, "num_classes >= 1"),
    ],
)
def test_one_hot_rejects_bad_labels_clearly(y, num_classes, error, match):
    with pytest.raises(error, match=match):
        data.one_hot(y, num_classes)


def test_split_is_a_partition_with_the_asked_sizes_and_pairs_kept(rng):
    X, y = np.arange(100.0).reshape(50, 2), np.arange(50)
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = data.train_val_test_split(
        X, y, val=0.2, test=0.1, rng=rng)
    assert (len(y_tr), len(y_va), len(y_te)) == (35, 10, 5)
    assert sorted(np.concatenate([y_tr, y_va, y_te])) == list(range(50))
    for Xp, yp in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(Xp, X[yp])
    again = data.train_val_test_split(X, y, val=0.2, test=0.1, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(again[1][1], y_va)


def test_stratified_split_keeps_the_class_balance(rng):
    y = np.repeat([0, 1, 2], [60, 30, 10])
    parts = data.train_val_test_split(np.zeros((100, 1)), y, val=0.2, test=0.2, rng=rng,
                                      stratify=True)
    assert [np.bincount(yp, minlength=3).tolist() for _, yp in parts] == [
        [36, 18, 6], [12, 6, 2], [12, 6, 2]]


def test_split_rejects_bad_fractions(rng):
    with pytest.raises(ValueError, match="val \\+ test < 1"):
        data.train_val_test_split(np.zeros((4, 1)), np.zeros(4), val=0.5, test=0.5, rng=rng)
