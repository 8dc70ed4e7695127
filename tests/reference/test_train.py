"""Does the reference training loop see every example once, call things in order and stop right?"""

import numpy as np
import pytest

from nnlib import activations, data, layers, losses, optim
from nnlib.train import EarlyStopping, History, evaluate, fit, minibatches, train_epoch


def numbered(n, d=2):
    """X whose row i is [i*d, ..., i*d + d - 1] and y = i, so every row names its example."""
    return np.arange(n * d, dtype=np.float64).reshape(n, d), np.arange(n)


# --- minibatches -------------------------------------------------------------------------


def test_minibatches_sees_every_example_once_including_the_last_partial_batch(rng):
    X, y = numbered(23)
    batches = list(minibatches(X, y, 5, rng=rng))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(23))
    for xb, yb in batches:  # rows and targets stay paired
        np.testing.assert_array_equal(xb, X[yb])


def test_minibatches_without_shuffle_keeps_the_stored_order():
    X, y = numbered(7)
    batches = list(minibatches(X, y, 3, shuffle=False))
    assert [list(yb) for _, yb in batches] == [[0, 1, 2], [3, 4, 5], [6]]


def test_minibatches_shuffles_reproducibly_per_seed_and_anew_each_epoch():
    X, y = numbered(50)

    def order(rng):
        return np.concatenate([yb for _, yb in minibatches(X, y, 8, rng=rng)])

    np.testing.assert_array_equal(order(np.random.default_rng(1)), order(np.random.default_rng(1)))
    assert not np.array_equal(order(np.random.default_rng(1)), order(np.random.default_rng(2)))
    assert not np.array_equal(order(np.random.default_rng(1)), np.arange(50))
    same_rng = np.random.default_rng(3)
    assert not np.array_equal(order(same_rng), order(same_rng)), "every epoch needs a new order"


def test_minibatches_leaves_inputs_unmutated_and_returns_copies(rng):
    X, y = numbered(10)
    X_before, y_before = X.copy(), y.copy()
    for shuffle in (True, False):
        for xb, yb in minibatches(X, y, 4, rng=rng, shuffle=shuffle):
            xb[...] = -1
            yb[...] = -1
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_minibatches_without_targets_yields_none_and_a_big_batch_is_everything(rng):
    X, _ = numbered(4)
    batches = list(minibatches(X, None, 100, rng=rng))
    assert len(batches) == 1 and batches[0][1] is None
    assert sorted(batches[0][0][:, 0]) == [0, 2, 4, 6]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": np.arange(4)}, r"len\(X\) = 5 and len\(y\) = 4"),
        ({"batch_size": 0}, "batch_size to be a positive integer, got 0"),
        ({"batch_size": 2.5}, "batch_size to be a positive integer, got 2.5"),
        ({"batch_size": True}, "positive integer, got True"),
        ({"rng": None}, "shuffle=True needs rng"),
        ({"rng": 0}, "np.random.Generator"),
    ],
)
def test_minibatches_rejects_bad_arguments_clearly(kwargs, match):
    args = {"X": np.zeros((5, 2)), "y": np.arange(5), "batch_size": 2,
            "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ValueError, match=match):
        next(minibatches(args.pop("X"), args.pop("y"), args.pop("batch_size"), **args))


# --- train_epoch -------------------------------------------------------------------------


class Recorder:
    """Model, loss and optimizer stand-ins that log every call into one shared list."""

    def __init__(self):
        self.log = []
        recorder = self

        class Model:
            def forward(self, x):
                recorder.log.append("model.forward")
                return x.copy()

            def backward(self, dout):
                recorder.log.append("model.backward")
                recorder.backward_got = dout
                return dout

            def zero_grad(self):
                recorder.log.append("zero_grad")

        class Loss:
            def forward(self, pred, target):
                recorder.log.append("loss.forward")
                return float(np.mean(target))  # the epoch's weighted mean is then mean(y)

            def backward(self, dloss=1.0):
                recorder.log.append("loss.backward")
                recorder.dpred = np.full((3, 1), 7.0)
                return recorder.dpred

        class Optimizer:
            def zero_grad(self):
                recorder.log.append("zero_grad")

            def step(self):
                recorder.log.append("optimizer.step")

        self.model, self.loss, self.optimizer = Model(), Loss(), Optimizer()


def test_train_epoch_calls_forward_loss_zero_grad_backward_step_in_that_order(rng):
    rec = Recorder()
    X, y = numbered(7, d=1)
    train_epoch(rec.model, rec.loss, rec.optimizer, X, y, 3, rng=rng)
    one_batch = ["model.forward", "loss.forward", "zero_grad", "loss.backward",
                 "model.backward", "optimizer.step"]
    assert rec.log == one_batch * 3  # 7 examples in batches of 3: 3, 3, 1
    assert rec.backward_got is rec.dpred, "model.backward must get what loss.backward returned"


def test_train_epoch_returns_the_mean_weighted_by_batch_size(rng):
    rec = Recorder()
    X = np.zeros((5, 1))
    y = np.array([0.0, 0.0, 0.0, 0.0, 10.0])
    # The batch losses are batch means of y. Weighted by batch size they add up to
    # mean(y) = 2 whatever the order; an unweighted mean of the 2 batches (4 + 1) would
    # give (10/4 + 0) / 2 = 1.25 or (0 + 10) / 2 = 5, never 2.
    assert train_epoch(rec.model, rec.loss, rec.optimizer, X, y, 4, rng=rng) == pytest.approx(2.0)


def test_train_epoch_reduces_the_loss_of_a_small_network(rng):
    X, y = data.make_xor(64, noise=0.2, rng=rng)  # needs the hidden layer: no line separates it
    model = layers.Sequential(layers.Linear(2, 16, rng=rng), activations.Tanh(),
                              layers.Linear(16, 2, rng=rng))
    loss_fn = losses.SoftmaxCrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
    before = evaluate(model, loss_fn, X, y)
    for _ in range(15):
        epoch_loss = train_epoch(model, loss_fn, opt, X, y, 16, rng=rng)
    after = evaluate(model, loss_fn, X, y)
    assert before > 0.6 and after < 0.1  # chance is ln 2 = 0.69; measured 0.73 -> 0.03
    assert epoch_loss == pytest.approx(after, rel=0.3)  # the running mean tracks the loss


# --- EarlyStopping -----------------------------------------------------------------------


def test_early_stopping_follows_a_hand_written_sequence():
    stopper = EarlyStopping(patience=2)
    # loss:   1.0   0.8   0.85  0.79  0.9   0.95
    # bad:    0     0     1     0     1     2  -> stop at the 6th step
    decisions = [stopper.step(v) for v in [1.0, 0.8, 0.85, 0.79, 0.9, 0.95]]
    assert decisions == [False, False, False, False, False, True]
    assert (stopper.best, stopper.best_epoch, stopper.bad_epochs) == (0.79, 3, 2)


def test_early_stopping_counts_improvements_smaller_than_min_delta_as_bad():
    stopper = EarlyStopping(patience=2, min_delta=0.02)
    # 0.79 is below 0.8 but not below 0.8 - 0.02: a second bad epoch in a row
    assert [stopper.step(v) for v in [1.0, 0.8, 0.85, 0.79]] == [False, False, False, True]
    assert (stopper.best, stopper.best_epoch) == (0.8, 1)


def test_early_stopping_treats_nan_as_no_improvement_and_patience_one_stops_at_once():
    stopper = EarlyStopping(patience=1)
    assert stopper.step(0.5) is False
    assert stopper.step(float("nan")) is True


@pytest.mark.parametrize("kwargs", [{"patience": 0}, {"patience": 1.5},
                                    {"patience": 2, "min_delta": -0.1}])
def test_early_stopping_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError, match="expected"):
        EarlyStopping(**kwargs)


# --- fit: stopping criteria with scripted losses ----------------------------------------


class Scripted:
    """Stand-ins whose losses follow given sequences: one batch, so one step, per epoch.

    The training batch is all zeros and the validation set all ones, so the loss knows
    which it is scoring. The model's only parameter holds the number of steps taken.
    """

    def __init__(self, train_losses, val_losses=()):
        script = self
        self.steps = 0
        self.param = layers.Parameter(np.zeros(1), "steps")

        class Model:
            def forward(self, x):
                return x

            def backward(self, dout):
                return dout

            def parameters(self):
                return [script.param]

        class Loss:
            def forward(self, pred, target):
                if np.all(pred == 0):  # training batch, before this epoch's step
                    return train_losses[script.steps]
                return val_losses[script.steps - 1]  # validation, after the step

            def backward(self, dloss=1.0):
                return np.zeros((4, 1))

        class Optimizer:
            def zero_grad(self):
                pass

            def step(self):
                script.steps += 1
                script.param.value[...] = script.steps

        self.model, self.loss, self.optimizer = Model(), Loss(), Optimizer()

    def fit(self, **kwargs):
        rng = np.random.default_rng(0)
        val = {"X_val": np.ones((3, 1)), "y_val": np.zeros(3)} if "patience" in kwargs else {}
        kwargs = {"metric": None, "progress": False, **val, **kwargs}
        return fit(self.model, self.loss, self.optimizer, np.zeros((4, 1)), np.zeros(4),
                   batch_size=4, rng=rng, **kwargs)


def test_fit_runs_max_epochs_and_records_every_loss():
    script = Scripted([4.0, 3.0, 2.0, 1.0, 0.5])
    history = script.fit(epochs=3, tol=0.1)
    assert (history.epochs, history.stop_reason) == (3, "max_epochs")
    assert history.train_loss == [4.0, 3.0, 2.0]
    assert history.val_loss == history.train_acc == history.val_acc == []


def test_fit_stops_when_the_training_loss_changes_less_than_tol():
    script = Scripted([1.0, 0.5, 0.3, 0.29, 0.1])
    history = script.fit(epochs=5, tol=0.05)  # |0.29 - 0.3| = 0.01 < 0.05 at the 4th epoch
    assert (history.epochs, history.stop_reason) == (4, "tolerance")
    assert history.train_loss == [1.0, 0.5, 0.3, 0.29]


def test_fit_stops_early_and_can_restore_the_best_parameters():
    train = [1.0] * 10
    val = [3.0, 2.0, 1.0, 1.5, 1.6, 1.7, 0.1]  # best at epoch 2, then two bad epochs
    script = Scripted(train, val)
    history = script.fit(epochs=10, patience=2)
    assert (history.epochs, history.stop_reason, history.best_epoch) == (5, "early_stopping", 2)
    assert history.val_loss == pytest.approx(val[:5])
    assert script.param.value[0] == 5  # the last epoch's parameters are kept by default

    script = Scripted(train, val)
    script.fit(epochs=10, patience=2, restore_best=True)
    assert script.param.value[0] == 3  # as after the step of epoch 2 (the 3rd step)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"patience": 2, "X_val": None, "y_val": None}, "expected X_val and y_val"),
        ({"X_val": np.ones((2, 1))}, "both X_val and y_val"),
        ({"tol": 0.0}, "tol > 0"),
        ({"restore_best": True}, "set patience"),
        ({"epochs": 0}, "epochs to be a positive integer"),
    ],
)
def test_fit_rejects_inconsistent_settings(kwargs, match):
    script = Scripted([1.0])
    args = {"epochs": 2, "batch_size": 4, "rng": np.random.default_rng(0), "progress": False,
            **kwargs}
    with pytest.raises(ValueError, match=match):
        fit(script.model, script.loss, script.optimizer, np.zeros((4, 1)), np.zeros(4), **args)


def test_fit_trains_a_real_network_and_records_accuracies(rng):
    X, y = data.make_spirals(40, n_classes=3, noise=0.1, rng=rng)
    (X_tr, y_tr), (X_va, y_va), _ = data.train_val_test_split(X, y, val=0.2, test=0.0, rng=rng)
    model = layers.Sequential(layers.Linear(2, 32, rng=rng), activations.ReLU(),
                              layers.Linear(32, 3, rng=rng))
    history = fit(model, losses.SoftmaxCrossEntropyLoss(), optim.Adam(model.parameters(), 0.02),
                  X_tr, y_tr, epochs=60, batch_size=16, rng=rng, X_val=X_va, y_val=y_va,
                  progress=False)
    assert isinstance(history, History)
    assert len(history.val_loss) == len(history.train_acc) == len(history.val_acc) == 60
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.train_acc[-1] > 0.85 and history.val_acc[-1] > 0.7


def test_fit_handles_binary_logits_and_regression_without_a_metric(rng):
    X, y = data.make_circles(60, noise=0.05, rng=rng)
    model = layers.Sequential(layers.Linear(2, 8, rng=rng), activations.Tanh(),
                              layers.Linear(8, 1, rng=rng))
    history = fit(model, losses.BCEWithLogitsLoss(), optim.Adam(model.parameters(), 0.05),
                  X, y.reshape(-1, 1).astype(float), epochs=40, batch_size=20, rng=rng,
                  progress=False)
    assert history.train_acc[-1] > 0.9  # one logit column: class 1 where it is > 0

    X, y = data.make_regression_1d(40, noise=0.0, rng=rng)
    model = layers.Sequential(layers.Linear(1, 1, rng=rng))
    with pytest.raises(ValueError, match="metric=None"):
        fit(model, losses.MSELoss(), optim.SGD(model.parameters(), 0.1), X, y, epochs=1,
            batch_size=8, rng=rng, progress=False)
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), 0.1), X, y,
                  epochs=2, batch_size=8, rng=rng, metric=None, progress=False)
    assert history.train_acc == [] and len(history.train_loss) == 2


def test_fit_shows_a_progress_bar_with_the_losses_unless_told_not_to(capsys):
    Scripted([0.75, 0.5, 0.25]).fit(epochs=3, progress=False)
    assert capsys.readouterr().err == ""
    Scripted([0.75, 0.5, 0.25]).fit(epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "train_loss=0.25" in err
