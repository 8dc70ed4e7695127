"""Do predict, evaluate and accuracy measure a model correctly, batch by batch?"""

import numpy as np
import pytest

from nnlib.metrics import accuracy, evaluate, predict, predicted_labels


class Doubler:
    """A stand-in model: out = 2x. Counts its forward calls."""

    def __init__(self):
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return 2.0 * x


class MeanOfPred:
    """A stand-in loss: the mean of the predictions (the target is ignored)."""

    def forward(self, pred, target):
        return float(np.mean(pred))


def test_predict_stacks_batches_in_order():
    X = np.arange(20.0).reshape(10, 2)
    model = Doubler()
    np.testing.assert_array_equal(predict(model, X, batch_size=3), 2.0 * X)
    assert model.calls == 4  # 3 + 3 + 3 + 1


def test_evaluate_is_the_mean_over_all_examples_not_over_batches():
    X = np.array([[0.0], [0.0], [0.0], [6.0]])
    # batches of 3: means 0 and 12 -> weighted (3*0 + 1*12) / 4 = 3; unweighted would be 6
    assert evaluate(Doubler(), MeanOfPred(), X, np.zeros(4), batch_size=3) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="got 4 and 3"):
        evaluate(Doubler(), MeanOfPred(), X, np.zeros(3))


def test_accuracy_on_hand_worked_multiclass_and_one_hot_labels():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 0.5], [0.0, 0.0, 9.0]])
    y = np.array([0, 1, 1, 2])  # argmax: 0, 1, 0, 2 -> 3 of 4 right
    assert accuracy(logits, y) == 0.75
    assert accuracy(logits, np.eye(3)[y]) == 0.75
    assert accuracy(logits, y.reshape(-1, 1).astype(float)) == 0.75


def test_accuracy_binary_uses_the_sign_of_the_logit_or_a_threshold():
    logits = np.array([[-1.0], [2.0], [0.5], [0.0]])  # > 0: 0, 1, 1, 0
    y = np.array([0, 1, 0, 0])
    assert accuracy(logits, y) == 0.75
    assert accuracy(logits.ravel(), y) == 0.75
    probs = np.array([0.2, 0.9, 0.6, 0.4])  # > 0.5: 0, 1, 1, 0
    assert accuracy(probs, y, threshold=0.5) == 0.75
    np.testing.assert_array_equal(predicted_labels(probs, 0.5), [0, 1, 1, 0])


@pytest.mark.parametrize(
    "scores, y, match",
    [
        (np.zeros((3, 1)), np.array([0.5, 1.2, 3.3]), "metric=None"),
        (np.zeros((3, 2)), np.array([0, 1]), "2 labels for 3 predictions"),
        (np.zeros((2, 2, 2)), np.array([0, 1]), r"shape \(N, C\)"),
    ],
)
def test_accuracy_rejects_targets_that_are_not_labels(scores, y, match):
    with pytest.raises(ValueError, match=match):
        accuracy(scores, y)
