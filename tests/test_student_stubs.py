"""Does every stub of the student package raise NotImplementedError naming its exercise?

The student ``nnlib`` is imported only in a subprocess: the reference package of the same
name may be loaded in this pytest process by tests/reference.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from nncourse.grader.registry import EXERCISES

ROOT = Path(__file__).resolve().parents[1]

# exercise id -> a call that reaches the stub with valid inputs (caches set by hand where a
# backward would otherwise need the student's forward).
CALLS = {
    "data.one_hot": "data.one_hot(np.array([0, 2, 1]), 3)",
    "sigmoid.forward": "activations.Sigmoid().forward(x)",
    "tanh.forward": "activations.Tanh().forward(x)",
    "relu.forward": "activations.ReLU().forward(x)",
    "leaky_relu.forward": "activations.LeakyReLU().forward(x)",
    "sigmoid.backward": "cached(activations.Sigmoid(), _out=x).backward(x)",
    "tanh.backward": "cached(activations.Tanh(), _out=x).backward(x)",
    "relu.backward": "cached(activations.ReLU(), _x=x).backward(x)",
    "leaky_relu.backward": "cached(activations.LeakyReLU(), _x=x).backward(x)",
    "linear.forward": "layers.Linear(4, 3, rng=rng).forward(x)",
    "linear.backward": "cached(layers.Linear(4, 3, rng=rng), _x=x).backward(np.ones((2, 3)))",
    "sequential.forward": "layers.Sequential(activations.ReLU()).forward(x)",
    "sequential.backward": "layers.Sequential(activations.ReLU()).backward(x)",
    "softmax.forward": "losses.softmax(x)",
    "mse.forward": "losses.MSELoss().forward(x, x)",
    "mse.backward": "cached(losses.MSELoss(), _diff=x).backward()",
    "bce_logits.forward": "losses.BCEWithLogitsLoss().forward(x, (x > 0.5) * 1.0)",
    "bce_logits.backward": "cached(losses.BCEWithLogitsLoss(), _z=x, _y=x).backward()",
    "softmax_ce.forward": "losses.SoftmaxCrossEntropyLoss().forward(x, np.array([0, 3]))",
    "softmax_ce.backward": (
        "cached(losses.SoftmaxCrossEntropyLoss(), _probs=x, _y=np.array([0, 3])).backward()"
    ),
    "gradcheck.numerical_gradient": "gradcheck.numerical_gradient(lambda v: (v**2).sum(), x)",
    "gradcheck.rel_error": "gradcheck.rel_error(x, x)",
    "sgd.step": "optim.SGD([layers.Parameter(x)], lr=0.1).step()",
    "adam.step": "optim.Adam([layers.Parameter(x)], lr=0.1).step()",
    "train.minibatches": "list(train.minibatches(x, None, 1, rng=rng))",
    "train.train_epoch": (
        "train.train_epoch(layers.Sequential(activations.ReLU()), losses.MSELoss(), "
        "optim.SGD([layers.Parameter(x)], lr=0.1), x, x, 1, rng=rng)"
    ),
    "train.early_stopping": "train.EarlyStopping(patience=2).step(1.0)",
    "init.xavier": "init.xavier_normal((4, 3), rng)",
    "init.he": "init.he_normal((4, 3), rng)",
    "regularise.weight_decay": (
        "regularise.add_weight_decay([layers.Parameter(np.ones((2, 2)))], 0.1)"
    ),
    "dropout.forward": "regularise.Dropout(0.5, rng=rng).forward(x)",
    "dropout.backward": "cached(regularise.Dropout(0.5, rng=rng), _shape=x.shape).backward(x)",
    "autodiff.topo_order": "autodiff.topo_order(autodiff.Value(x))",
    "autodiff.backward": "autodiff.Value(x).backward()",
    "autodiff.add": "(autodiff.Value(x) + autodiff.Value(x)).backward_rule(x)",
    "autodiff.mul": "(autodiff.Value(x) * autodiff.Value(x)).backward_rule(x)",
    "autodiff.matmul": "(autodiff.Value(x) @ autodiff.Value(x.T)).backward_rule(x @ x.T)",
    "autodiff.sum": "autodiff.Value(x).sum().backward_rule(np.array(1.0))",
    "batchnorm.forward": "normalise.BatchNorm1d(4).forward(x)",
    "batchnorm.backward": "cached(normalise.BatchNorm1d(4), _shape=x.shape).backward(x)",
}

SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    import nnlib
    from nnlib import (activations, autodiff, data, gradcheck, init, layers, losses,
                       normalise, optim, regularise, train)

    assert nnlib.__file__.startswith(sys.argv[1] + "/nnlib/"), nnlib.__file__
    rng = np.random.default_rng(0)
    x = np.linspace(0.1, 0.9, 8).reshape(2, 4)

    def cached(module, **attrs):
        for name, value in attrs.items():
            setattr(module, name, value)
        return module

    verdicts = {}
    for exercise, call in json.loads(sys.stdin.read()).items():
        try:
            eval(call)
            verdicts[exercise] = "returned without raising"
        except NotImplementedError as error:
            verdicts[exercise] = "NotImplementedError: " + str(error)
        except Exception as error:
            verdicts[exercise] = f"{type(error).__name__}: {error}"
    print(json.dumps(verdicts))
""")


def test_every_registered_code_exercise_has_a_call_here():
    code_exercises = {ex for ex in EXERCISES if not ex.startswith("capstone.")}
    assert code_exercises == set(CALLS)


def test_each_stub_raises_not_implemented_naming_its_exercise():
    result = subprocess.run(
        [sys.executable, "-I", "-c", SCRIPT, str(ROOT)], input=json.dumps(CALLS),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    verdicts = json.loads(result.stdout)
    wrong = {
        exercise: verdict for exercise, verdict in verdicts.items()
        if not verdict.startswith(f"NotImplementedError: Exercise {exercise} (lesson ")
    }
    assert not wrong
