"""The capstone: the student's own library trains the 8x8 digits.

In a worker, ``Linear``, ``ReLU``, ``Sequential``, ``SoftmaxCrossEntropyLoss``, ``SGD``
(with momentum), ``train_epoch`` and ``minibatches`` of the submission train a
64-64-10 network for a few epochs on 1,297 digits. The trusted side loads the data
from a trusted copy, keeps the 500 test labels to itself, and computes the test
accuracy from the logits the worker returns. It passes at 93% or more (the margin is
measured by ``benchmarks/capstone_margin.py``). A training that would take more than
``BUDGET`` seconds is stopped after the epoch that shows it, and the feedback names the
piece that took the most time (the worker times each module's forward and backward and
the optimizer's step).

Lesson 11's ``capstone.regularised`` (``Regularised``) trains, the same way, a network
with the student's ``BatchNorm1d`` and ``Dropout``, and predicts in evaluation mode (93%
too, measured with ``--check regularised``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nncourse.grader.checks.base import Call, Check, Failure, require

THRESHOLD = 0.93
TIME_LIMIT = 30.0  # seconds: the registry's timeout of the capstone (the worker is killed)
BUDGET = 20.0  # seconds of training; past it the probe stops and says which piece is slow
REG_THRESHOLD = 0.93  # capstone.regularised (lesson 11), measured the same way


def load_digits(folder: Path):
    """Digits from a trusted copy: pixels scaled to [0, 1] (N, 64) and labels (N,)."""
    table = np.loadtxt(folder / "digits.csv.gz", delimiter=",")
    return table[:, :-1] / 16.0, table[:, -1].astype(np.int64)


def uses(exercise: str = "capstone.digits") -> tuple[str, ...]:
    """The exercises a capstone trains with (its dependencies in the registry)."""
    from nncourse.grader.registry import EXERCISES

    return EXERCISES[exercise].depends


class Digits(Check):
    """Test accuracy of a small network trained by the student's library."""

    public = [{"seed": 16, "epochs": 12, "hidden": 64, "lr": 0.05, "momentum": 0.9,
               "batch_size": 32, "test": 500}]
    exercise, probe, threshold = "capstone.digits", "capstone", THRESHOLD
    settings = ("seed", "epochs", "hidden", "lr", "momentum", "batch_size")

    def split(self, variant):
        """Train and test sets of a variant (a seeded permutation of the digits)."""
        folder = variant.context.get("datasets")
        if folder is None or not (Path(folder) / "digits.csv.gz").is_file():
            raise Failure("the digits data set was not found (nnlib/datasets/digits.csv.gz)",
                          status="error")
        X, y = load_digits(Path(folder))
        order = variant.rng().permutation(len(X))
        test = order[: variant["test"]]
        train = order[variant["test"]:]
        return X[train], y[train], X[test], y[test]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        X, y, X_test, _ = self.split(variant)
        args = {k: variant[k] for k in self.settings}
        args["budget"] = variant.get("budget", BUDGET)
        return [Call(self.probe, args, {"X": X, "y": y, "X_test": X_test})]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        result = require(got[0], "training the digits classifier")
        if "too_slow" in result:
            raise too_slow(result, variant["epochs"], variant.get("budget", BUDGET))
        *_, y_test = self.split(variant)
        logits = np.asarray(result["logits"])
        if logits.shape != (len(y_test), 10) or not np.all(np.isfinite(logits)):
            raise Failure(f"the trained network gave outputs of shape {logits.shape} "
                          f"(finite: {bool(np.all(np.isfinite(logits)))}); expected finite "
                          f"logits of shape ({len(y_test)}, 10)")
        accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
        if accuracy < self.threshold:
            raise Failure(f"test accuracy {accuracy:.1%} after {variant['epochs']} epochs; "
                          f"expected at least {self.threshold:.0%}. It trains with your own "
                          f"{', '.join(uses(self.exercise))}: run 'nncourse check' on those "
                          "first.")


def too_slow(result, epochs: int, budget: float) -> Failure:
    """The feedback of a training stopped for time: seconds per epoch, the slowest piece."""
    per_epoch = float(result["too_slow"])
    names = np.asarray(result["piece_names"], dtype=np.uint8).tobytes().decode().split(",")
    per_piece = np.asarray(result["piece_seconds"], np.float64) / int(result["epochs_run"])
    text = (f"too slow: {per_epoch:.1f} s for one epoch, so {epochs} epochs would take about "
            f"{per_epoch * epochs:.0f} s; the capstone allows {budget:g} s (the reference "
            "takes well under 1 s)")
    if len(per_piece) == len(names) and per_piece.sum() > 0:
        slowest = int(np.argmax(per_piece))
        text += (f". {names[slowest]} takes {per_piece[slowest]:.1f} s of each epoch: "
                 "vectorise it, with matrix products over the whole batch in place of "
                 "Python loops")
    return Failure(text, "too_slow")


class Regularised(Digits):
    """Lesson 11's capstone: the same digits, through BatchNorm1d and Dropout.

    The student's ``Linear``, ``BatchNorm1d``, ``ReLU``, ``Dropout`` and ``Linear``, in a
    ``Sequential``, trained like ``Digits``' network (its split, loop and time budget);
    the test logits come from evaluation mode (``regularise.set_training(model, False)``),
    one test example at a time (``test_batch``), as a deployed model predicts: a batch
    norm that uses the batch's statistics in eval gives every example the same logits.
    """

    public = [{"seed": 16, "epochs": 12, "hidden": 64, "lr": 0.2, "momentum": 0.9,
               "batch_size": 32, "p": 0.5, "test": 500, "test_batch": 1}]
    exercise, probe, threshold = "capstone.regularised", "capstone_regularised", REG_THRESHOLD
    settings = (*Digits.settings, "p", "test_batch")


DIGITS = Digits()
REGULARISED = Regularised()
