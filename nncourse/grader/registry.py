"""Every graded ``nnlib`` exercise, in one table: adding an exercise touches this file only.

Each row gives the exercise id (``<thing>.<part>``, also the notebook's ``grade_id`` with
``.`` replaced by ``-``), its lesson, its points, the exercises it builds on (shown in
feedback; their code is replaced by grader-owned stand-ins or fixed inputs in the
check), and its check: ``"<module>:<name>"`` inside ``nncourse.grader.checks``, a
``Check`` object (see ``nncourse.grader.checks.base``) loaded only when it runs. Hidden
variants of a check (other sizes and seeds) live in ``nncourse/grader/hidden/``.

By-hand questions (``BYHAND``, ids ``byhand.<name>``) are graded cells of a lesson too,
but they have no ``nnlib`` code: the student writes a number into an answer cell, and the
trusted side reads it from the notebook's source (``answer_cells.py``) and judges it
against the question in ``checks/byhand.py``. They are kept apart from ``EXERCISES``
(which are all run in workers); ``GRADED`` holds both.

This module imports nothing heavy: the release builder reads it for stub messages.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One graded exercise."""

    id: str
    lesson: int
    points: int
    check: str
    depends: tuple[str, ...] = ()
    timeout: float = 5.0

    @property
    def preload(self) -> tuple[str, ...]:
        """``nnlib`` submodules its worker imports up front (others come with ``nnlib``)."""
        return PRELOAD.get(self.check) or PRELOAD.get(self.check.split(":")[0], ())

    def load_check(self):
        """The ``Check`` object of this exercise."""
        module, name = self.check.split(":")
        return getattr(importlib.import_module(f"nncourse.grader.checks.{module}"), name)


# check module (or one check) -> nnlib submodules not imported by ``nnlib/__init__.py``
# that it needs
PRELOAD = {"train": ("train",), "capstone": ("train",), "data": ("data",),
           "regularise": ("regularise",), "autodiff": ("autodiff",),
           "normalise": ("normalise",),
           "capstone:REGULARISED": ("normalise", "regularise", "train")}

_TABLE = [
    # id, lesson, points, check, depends: the exercises whose bugs can still reach this
    # one's verdict, where no stand-in grades it (a backward is graded on the true
    # forward's cache, softmax_ce.forward with the true log_softmax: see the README)
    ("data.one_hot", 0, 1, "data:ONE_HOT", ()),
    ("sigmoid.forward", 1, 1, "activations:SIGMOID_FORWARD", ()),
    ("tanh.forward", 1, 1, "activations:TANH_FORWARD", ()),
    ("relu.forward", 1, 1, "activations:RELU_FORWARD", ()),
    ("leaky_relu.forward", 1, 1, "activations:LEAKY_RELU_FORWARD", ()),
    ("linear.forward", 1, 2, "layers:LINEAR_FORWARD", ()),
    ("sequential.forward", 1, 1, "layers:SEQUENTIAL_FORWARD", ()),
    ("mse.forward", 2, 1, "losses:MSE_FORWARD", ()),
    ("bce_logits.forward", 2, 2, "losses:BCE_FORWARD", ()),
    ("softmax.forward", 2, 2, "losses:SOFTMAX_FORWARD", ()),
    ("softmax_ce.forward", 2, 2, "losses:SOFTMAX_CE_FORWARD", ()),
    ("gradcheck.numerical_gradient", 3, 3, "gradcheck:NUMERICAL_GRADIENT", ()),
    ("gradcheck.rel_error", 3, 1, "gradcheck:REL_ERROR", ()),
    ("sigmoid.backward", 4, 1, "activations:SIGMOID_BACKWARD", ()),
    ("tanh.backward", 4, 1, "activations:TANH_BACKWARD", ()),
    ("relu.backward", 4, 1, "activations:RELU_BACKWARD", ()),
    ("leaky_relu.backward", 4, 1, "activations:LEAKY_RELU_BACKWARD", ()),
    ("linear.backward", 4, 3, "layers:LINEAR_BACKWARD", ()),
    ("sequential.backward", 4, 2, "layers:SEQUENTIAL_BACKWARD", ()),
    ("mse.backward", 4, 1, "losses:MSE_BACKWARD", ()),
    ("bce_logits.backward", 4, 2, "losses:BCE_BACKWARD", ()),
    ("softmax_ce.backward", 4, 2, "losses:SOFTMAX_CE_BACKWARD", ()),
    ("sgd.step", 5, 2, "optim:SGD_STEP", ()),
    ("adam.step", 5, 2, "optim:ADAM_STEP", ()),
    ("train.minibatches", 6, 2, "train:MINIBATCHES", ()),
    ("train.train_epoch", 6, 2, "train:TRAIN_EPOCH", ()),
    ("train.early_stopping", 6, 2, "train:EARLY_STOPPING", ()),
    ("init.xavier", 7, 1, "init:XAVIER", ()),
    ("init.he", 7, 1, "init:HE", ()),
    ("capstone.digits", 8, 2, "capstone:DIGITS",
     ("linear.forward", "linear.backward", "relu.forward", "relu.backward",
      "softmax_ce.forward", "softmax_ce.backward", "sgd.step", "train.train_epoch",
      "train.minibatches", "sequential.forward", "sequential.backward")),
    # lesson 09: automatic differentiation
    ("autodiff.topo_order", 9, 2, "autodiff:TOPO_ORDER", ()),
    ("autodiff.backward", 9, 3, "autodiff:BACKWARD", ("autodiff.topo_order",)),
    ("autodiff.add", 9, 2, "autodiff:ADD", ()),
    ("autodiff.mul", 9, 1, "autodiff:MUL", ("autodiff.add",)),
    ("autodiff.matmul", 9, 2, "autodiff:MATMUL", ()),
    ("autodiff.sum", 9, 1, "autodiff:SUM", ()),
    # lesson 10: regularisation
    ("regularise.weight_decay", 10, 2, "regularise:WEIGHT_DECAY", ()),
    ("dropout.forward", 10, 2, "regularise:DROPOUT_FORWARD", ()),
    ("dropout.backward", 10, 2, "regularise:DROPOUT_BACKWARD", ("dropout.forward",)),
    # lesson 11: normalisation
    ("batchnorm.forward", 11, 3, "normalise:BATCHNORM_FORWARD", ()),
    ("batchnorm.backward", 11, 3, "normalise:BATCHNORM_BACKWARD", ("batchnorm.forward",)),
    ("capstone.regularised", 11, 2, "capstone:REGULARISED",
     ("linear.forward", "linear.backward", "batchnorm.forward", "batchnorm.backward",
      "relu.forward", "relu.backward", "dropout.forward", "dropout.backward",
      "softmax_ce.forward", "softmax_ce.backward", "sgd.step", "train.train_epoch",
      "train.minibatches", "sequential.forward", "sequential.backward")),
]

BYHAND_TABLE = [
    # id, lesson, points, question (in checks/byhand.py); the answer cell's grade_id is
    # the id's grade_id + "-answer", and it comes before the lesson's code exercise.
    ("byhand.neuron", 3, 1, "byhand:NEURON_DW1"),
    ("byhand.linear_dw", 4, 1, "byhand:LINEAR_DW"),
    ("byhand.momentum", 5, 1, "byhand:MOMENTUM_STEPS"),
    ("byhand.epoch", 6, 1, "byhand:EPOCH_LOSS"),
    ("byhand.relu_variance", 7, 1, "byhand:RELU_VARIANCE"),
    ("byhand.param_count", 8, 1, "byhand:PARAM_COUNT"),
    ("byhand.fanout", 9, 1, "byhand:FANOUT"),
    ("byhand.weight_decay", 10, 1, "byhand:WEIGHT_DECAY_STEP"),
    ("byhand.batchnorm", 11, 1, "byhand:BATCHNORM_VALUE"),
]

EXERCISES: dict[str, Exercise] = {
    row[0]: Exercise(id=row[0], lesson=row[1], points=row[2], check=row[3], depends=row[4],
                     timeout=30.0 if row[0].startswith("capstone.") else 5.0)
    for row in _TABLE
}


BYHAND: dict[str, Exercise] = {
    row[0]: Exercise(id=row[0], lesson=row[1], points=row[2], check=row[3])
    for row in BYHAND_TABLE
}
GRADED: dict[str, Exercise] = {**EXERCISES, **BYHAND}  # every graded cell's exercise


def is_byhand(exercise: str) -> bool:
    """Whether an id is a by-hand question (graded from the notebook, not in a worker)."""
    return exercise in BYHAND


def answer_cell_id(exercise: str) -> str:
    """The nbgrader ``grade_id`` of a by-hand question's answer cell."""
    return exercise.replace(".", "-") + "-answer"


def select(exercises=None, lesson: int | None = None) -> list[Exercise]:
    """The exercises to run, in table order: given ids, one lesson, or all.

    Raises:
        KeyError: for an unknown exercise id, with the known ones listed.
    """
    if exercises is not None:
        if isinstance(exercises, str):
            exercises = [exercises]
        unknown = [e for e in exercises if e not in EXERCISES]
        if unknown:
            raise KeyError(f"unknown exercise {unknown[0]!r}; expected one of: "
                           + ", ".join(EXERCISES))
        wanted = set(exercises)
        return [e for e in EXERCISES.values() if e.id in wanted]
    if lesson is not None:
        found = [e for e in EXERCISES.values() if e.lesson == int(lesson)]
        if not found:
            lessons = sorted({e.lesson for e in EXERCISES.values()})
            raise KeyError(f"no graded exercise in lesson {lesson}; lessons with exercises: "
                           f"{lessons}")
        return found
    return list(EXERCISES.values())


def preload(exercises) -> tuple[str, ...]:
    """The submodules a worker should import for these exercises, sorted."""
    return tuple(sorted({m for e in exercises for m in e.preload}))
