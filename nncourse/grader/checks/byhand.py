"""By-hand numeric questions: one number worked with pencil and paper, before the code.

A question gives small numbers (a 2-input neuron, a batch of two examples) and asks for
one derivative, with the steps of its chain as optional extra answers. The student writes
plain numbers into an answer cell; ``nncourse.grader.answer_cells`` reads them from the
cell's *source* (never running it) and ``judge`` (``byhand_judge.py``, which also says
which step a wrong answer should recheck) compares them on the trusted side with values
this module computes itself: central differences in float64 of the question's forward
functions, so no derivative formula is stored anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from nncourse.grader.checks.byhand_fanout import FANOUT
from nncourse.grader.checks.byhand_judge import Question, Slip, Step, judge, sigma, slope
from nncourse.grader.checks.byhand_normalise import BATCHNORM_VALUE

__all__ = ["BATCHNORM_VALUE", "FANOUT", "QUESTIONS", "STEP_HINTS", "Question", "judge"]


# -- lesson 03: a 2-input neuron ------------------------------------------------------------
# z = w1 x1 + w2 x2 + b, a = sigma(z), L = (a - y)^2 / 2 at these numbers:
NEURON = {"x1": 2.0, "x2": -1.0, "w1": 0.5, "w2": 1.0, "b": 0.0, "y": 1.0}


def _z(w1: float, v: dict = NEURON) -> float:
    return w1 * v["x1"] + v["w2"] * v["x2"] + v["b"]


def _loss_of_a(a: float, v: dict = NEURON) -> float:
    return 0.5 * (a - v["y"]) ** 2


_Z0 = _z(NEURON["w1"])
_A0 = sigma(_Z0)
_DL_DA = lambda: slope(_loss_of_a, _A0)  # noqa: E731
_DA_DZ = lambda: slope(sigma, _Z0)  # noqa: E731
_DZ_DW1 = lambda: slope(_z, NEURON["w1"])  # noqa: E731

NEURON_DW1 = Question(
    id="byhand.neuron", answer="dL_dw1", label="dL/dw1",
    value=lambda: slope(lambda w: _loss_of_a(sigma(_z(w))), NEURON["w1"]),
    steps=(
        Step("dL_da", "dL/da", _DL_DA,
             "the slope of L = (a - y)^2 / 2 with respect to a, at the forward value of a"),
        Step("da_dz", "da/dz", _DA_DZ,
             "the sigmoid's slope, taken at the forward value z (not at a)"),
        Step("dz_dw1", "dz/dw1", _DZ_DW1,
             "the slope of z = w1 x1 + w2 x2 + b with respect to w1: which input does w1 "
             "multiply?"),
    ),
    slips=(
        Slip(lambda: _DL_DA() * _DA_DZ(), "dz_dw1",
             "your number is dL/dz: dL/dz is right, the error is in dz/dw1 (the last "
             "factor of the chain is missing)"),
        Slip(lambda: _DL_DA() * _DA_DZ() * NEURON["x2"], "dz_dw1",
             "dL/dz is right, the error is in dz/dw1 (w1 multiplies x1, not x2)"),
        Slip(lambda: _DL_DA() * _DZ_DW1(), "da_dz",
             "dL/da and dz/dw1 are right, the error is in da/dz (the sigmoid's slope is "
             "missing from the chain)"),
        Slip(lambda: _DL_DA() * slope(sigma, _A0) * _DZ_DW1(), "da_dz",
             "dL/da and dz/dw1 are right, the error is in da/dz (the slope was taken at "
             "a instead of at z)"),
        Slip(lambda: -_DL_DA() * _DA_DZ() * _DZ_DW1(), "dL_da",
             "da/dz and dz/dw1 are right, the error is in dL/da (its sign: which way does "
             "L grow when a grows?)"),
        Slip(lambda: 2 * _DL_DA() * _DA_DZ() * _DZ_DW1(), "dL_da",
             "da/dz and dz/dw1 are right, the error is in dL/da (twice too large: what "
             "happens to the 1/2 of L?)"),
    ),
)

# -- lesson 04: dW_11 of a Linear layer on a batch of two -----------------------------------
# out = X W + b with X (2, 2), W (2, 1); the upstream gradient dout = dL/dout is given.
LINEAR = {"X": ((2.0, -1.0), (1.0, 3.0)), "W": (1.0, -1.0), "b": 0.5, "dout": (0.5, -2.0)}


def _out(n: int, w11: float, v: dict = LINEAR) -> float:
    x = v["X"][n]
    return x[0] * w11 + x[1] * v["W"][1] + v["b"]


def _share(n: int) -> Callable[[], float]:
    """Example n's contribution: dL/dout_n1 times d out_n1 / d W_11."""
    return lambda: LINEAR["dout"][n] * slope(lambda w: _out(n, w), LINEAR["W"][0])


def _linear_loss(w11: float, v: dict = LINEAR) -> float:
    """A loss whose gradient with respect to out is dout (L = sum of dout * out)."""
    return sum(v["dout"][n] * _out(n, w11) for n in range(2))


LINEAR_DW = Question(
    id="byhand.linear_dw", answer="dW11", label="dL/dW_11",
    value=lambda: slope(_linear_loss, LINEAR["W"][0]),
    steps=(
        Step("dW11_example1", "example 1's share", _share(0),
             "example 1's path: dL/dout_11 times the slope of out_11 with respect to W_11"),
        Step("dW11_example2", "example 2's share", _share(1),
             "example 2's path: dL/dout_21 times the slope of out_21 with respect to W_11"),
    ),
    slips=(
        Slip(_share(0), "dW11_example2",
             "example 1's share is right, the error is in example 2's: W_11 is used by "
             "every example, so every example adds its share"),
        Slip(lambda: 0.5 * (_share(0)() + _share(1)()), "sum",
             "both shares are right, the error is in combining them: the paths add up "
             "(a sum over the batch; the mean of the loss is already inside dout)"),
        Slip(lambda: sum(LINEAR["dout"][n] * LINEAR["X"][n][1] for n in range(2)),
             "dW11_example1",
             "the error is in the local slope: out_n1 changes with W_11 at the rate of the "
             "input W_11 multiplies, the first feature x_n1"),
        Slip(lambda: sum(LINEAR["dout"][n] * LINEAR["W"][0] for n in range(2)),
             "dW11_example1",
             "the error is in the local slope: the slope of out_n1 with respect to W_11 is "
             "an input, not a weight"),
    ),
)

# -- lesson 05: two steps of SGD with momentum ----------------------------------------------
# L(theta) = 1.5 theta^2 from theta_0 = 2 with lr 0.1, mu 0.9 and v_0 = 0. The velocity is
# computed from its definition in the lesson, the decayed sum of all gradients so far
# (v_{t+1} = sum_k mu^(t-k) g_k), never from the recursion the student derives.
MOMENTUM = {"theta0": 2.0, "curvature": 3.0, "lr": 0.1, "mu": 0.9}


def _bowl(theta: float, v: dict = MOMENTUM) -> float:
    return 0.5 * v["curvature"] * theta ** 2


def _momentum_path(steps: int, mu: float = MOMENTUM["mu"]) -> list[tuple[float, float, float]]:
    """``(theta_t, g_t, v_{t+1})`` for t < steps, then ``(theta_steps, nan, nan)``."""
    thetas, grads, path = [MOMENTUM["theta0"]], [], []
    for t in range(steps):
        grads.append(slope(_bowl, thetas[-1]))
        velocity = sum(mu ** (t - k) * grads[k] for k in range(t + 1))
        path.append((thetas[-1], grads[-1], velocity))
        thetas.append(thetas[-1] - MOMENTUM["lr"] * velocity)
    return path + [(thetas[-1], math.nan, math.nan)]


MOMENTUM_STEPS = Question(
    id="byhand.momentum", answer="theta2", label="theta_2",
    value=lambda: _momentum_path(2)[2][0],
    steps=(
        Step("g0", "g_0", lambda: _momentum_path(2)[0][1],
             "the gradient dL/dtheta of L = 1.5 theta^2 at theta_0 = 2"),
        Step("theta1", "theta_1", lambda: _momentum_path(2)[1][0],
             "the first step: with v_0 = 0 the first velocity is the first gradient"),
        Step("g1", "g_1", lambda: _momentum_path(2)[1][1],
             "the gradient at theta_1, not at theta_0: each step uses the gradient where "
             "it stands"),
        Step("v2", "v_2", lambda: _momentum_path(2)[1][2],
             "the velocity: the old velocity, decayed by mu, plus the new gradient"),
    ),
    slips=(
        Slip(lambda: _momentum_path(2, mu=0.0)[2][0], "v2",
             "that is plain gradient descent: the second step forgot the velocity (mu "
             "times the old velocity)"),
        Slip(lambda: _momentum_path(2)[1][0], "v2",
             "your theta_2 is where theta_1 should be: each step moved by the velocity of "
             "the step before (update the velocity first, then the parameter with it)"),
        Slip(lambda: _momentum_path(2)[1][0] + MOMENTUM["lr"] * _momentum_path(2)[1][2],
             "theta1",
             "the second step went uphill: step against the velocity (a minus sign)"),
    ),
    combine="theta_2 = theta_1 minus the learning rate times v_2",
)

# -- lesson 06: one epoch's steps and loss --------------------------------------------------
# N = 50 examples in batches of B = 16; the batch losses (means over each batch) are given.
EPOCH = {"N": 50, "B": 16, "batch_losses": (0.9, 0.6, 0.3, 0.2)}


def _batch_sizes(v: dict = EPOCH) -> list[int]:
    """The sizes of an epoch's batches, by counting the examples off one by one."""
    sizes, left = [], v["N"]
    while left > 0:
        sizes.append(min(v["B"], left))
        left -= sizes[-1]
    return sizes


def _epoch_loss() -> float:
    """The mean over the N examples, each example carrying the mean loss of its batch."""
    per_example = [loss for size, loss in zip(_batch_sizes(), EPOCH["batch_losses"],
                                                    strict=True)
                   for _ in range(size)]
    return sum(per_example) / len(per_example)


EPOCH_LOSS = Question(
    id="byhand.epoch", answer="epoch_loss", label="the epoch's loss",
    value=_epoch_loss,
    steps=(
        Step("n_steps", "the number of steps", lambda: float(len(_batch_sizes())),
             "how many batches of at most 16 it takes to use all 50 examples once (the "
             "last batch may be smaller)"),
        Step("last_batch", "the last batch's size", lambda: float(_batch_sizes()[-1]),
             "what is left of the 50 examples after the full batches"),
    ),
    slips=(
        Slip(lambda: sum(EPOCH["batch_losses"]) / len(EPOCH["batch_losses"]), "last_batch",
             "that is the plain mean of the four batch losses: it weighs the last batch of "
             "2 examples like a full batch of 16"),
        Slip(lambda: _epoch_loss() * EPOCH["N"], "divide",
             "that is the sum of the examples' losses: divide by the number of examples"),
        Slip(lambda: sum(EPOCH["B"] * x for x in EPOCH["batch_losses"]) / EPOCH["N"],
             "last_batch",
             "every batch was counted as 16 examples: the last one holds fewer"),
    ),
    combine="weigh each batch's loss by its number of examples and divide by N",
)

# -- lesson 07: the variance after a ReLU layer ---------------------------------------------
# z has mean 0, is symmetric (normal) with Var(z) = 3; x = relu(z) feeds a Linear(250, 100)
# whose weights have std 0.05. Var(z') = n_in sigma_w^2 E[x^2] (the boxed formula);
# E[relu(z)^2] is integrated numerically, not taken from the derivation.
RELU_LAYER = {"var_z": 3.0, "n_in": 250, "n_out": 100, "std_w": 0.05}


def _relu_second_moment(var: float = RELU_LAYER["var_z"], n: int = 20000) -> float:
    """E[relu(z)^2] for z ~ N(0, var), by the midpoint rule over 12 standard deviations."""
    std = math.sqrt(var)
    width = 12 * std / n
    total = 0.0
    for i in range(n):
        z = (i + 0.5) * width  # only z > 0 contributes
        total += z * z * math.exp(-z * z / (2 * var))
    return total * width / (std * math.sqrt(2 * math.pi))


def _var_next(fan: int = RELU_LAYER["n_in"], weight: float = RELU_LAYER["std_w"] ** 2,
              second: Callable[[], float] = _relu_second_moment) -> float:
    return fan * weight * second()


RELU_VARIANCE = Question(
    id="byhand.relu_variance", answer="var_z_next", label="Var(z')",
    value=_var_next,
    steps=(
        Step("E_x2", "E[x^2]", _relu_second_moment,
             "E[relu(z)^2] for a symmetric z: which half of z's square does ReLU keep?"),
    ),
    slips=(
        Slip(lambda: _var_next(second=lambda: RELU_LAYER["var_z"]), "E_x2",
             "the ReLU was left out: it zeroes the negative half of z, so E[x^2] is not "
             "Var(z)"),
        Slip(lambda: _var_next(weight=RELU_LAYER["std_w"]), "sigma",
             "the weights' standard deviation was used where their variance belongs "
             "(square it)"),
        Slip(lambda: _var_next(fan=RELU_LAYER["n_out"]), "fan",
             "a unit of the layer sums over its 250 inputs, not over the 100 units"),
    ),
    combine="Var(z') = n_in times the weights' variance times E[x^2]",
)

# -- lesson 08: a network's parameter count -------------------------------------------------
# 64 -> Linear -> 128 -> ReLU -> Linear -> 32 -> ReLU -> Linear -> 10: count one number per
# entry of every weight matrix and bias vector.
WIDTHS = (64, 128, 32, 10)


def _layer_count(k: int, bias: bool = True) -> Callable[[], float]:
    """The entries of layer k's W (D, M) and b (M,), counted as their shapes say."""
    d, m = WIDTHS[k], WIDTHS[k + 1]
    return lambda: float(len([(i, j) for i in range(d) for j in range(m)])
                         + (len(range(m)) if bias else 0))


PARAM_COUNT = Question(
    id="byhand.param_count", answer="n_params", label="the number of parameters",
    value=lambda: sum(_layer_count(k)() for k in range(3)),
    steps=tuple(
        Step(f"params_layer{k + 1}", f"layer {k + 1}'s count", _layer_count(k),
             f"Linear({WIDTHS[k]}, {WIDTHS[k + 1]}): its W of shape ({WIDTHS[k]}, "
             f"{WIDTHS[k + 1]}) and its b, one per unit")
        for k in range(3)),
    slips=(
        Slip(lambda: sum(_layer_count(k, bias=False)() for k in range(3)), "params_layer1",
             "the biases are missing: each Linear layer has one per output unit"),
        Slip(lambda: sum(WIDTHS[k] * WIDTHS[k + 1] + WIDTHS[k] for k in range(3)),
             "params_layer1",
             "a bias was counted per input: a Linear layer has one per output unit"),
        Slip(lambda: sum(_layer_count(k)() for k in range(3)) + sum(WIDTHS[1:3]), "relu",
             "the ReLUs were counted: an activation has no parameters"),
    ),
    rtol=0.0, atol=0.5,
    combine="add the three layers' counts",
)

# -- lesson 10: one SGD step with weight decay ---------------------------------------------
# L = L_data(w) + (lam / 2) w^2 with L_data(w) = (w x - y)^2 / 2; then w_new = w - lr dL/dw.
DECAY = {"w": 2.0, "x": 0.5, "y": 2.0, "lam": 0.1, "lr": 0.5}


def _data_loss(w: float, v: dict = DECAY) -> float:
    return 0.5 * (w * v["x"] - v["y"]) ** 2


def _penalty(w: float, v: dict = DECAY) -> float:
    return 0.5 * v["lam"] * w * w


_DDATA = lambda: slope(_data_loss, DECAY["w"])  # noqa: E731
_DPEN = lambda: slope(_penalty, DECAY["w"])  # noqa: E731
_DTOTAL = lambda: slope(lambda w: _data_loss(w) + _penalty(w), DECAY["w"])  # noqa: E731


def _stepped(gradient: float) -> float:
    return DECAY["w"] - DECAY["lr"] * gradient


WEIGHT_DECAY_STEP = Question(
    id="byhand.weight_decay", answer="w_new", label="w after one step",
    value=lambda: _stepped(_DTOTAL()),
    steps=(
        Step("dLdata_dw", "dL_data/dw", _DDATA,
             "the slope of L_data = (w x - y)^2 / 2 with respect to w, at the given w"),
        Step("dpenalty_dw", "the penalty's slope", _DPEN,
             "the slope of (lam / 2) w^2 with respect to w (what happens to the 1/2?)"),
        Step("dL_dw", "dL/dw", _DTOTAL,
             "the slope of the total loss: the two slopes add"),
    ),
    slips=(
        Slip(lambda: _stepped(_DDATA()), "dpenalty_dw",
             "your number is the step without weight decay: the penalty's slope is missing"),
        Slip(lambda: _stepped(_DDATA() - _DPEN()), "dpenalty_dw",
             "dL_data/dw is right; the penalty's slope has the wrong sign (it pulls w "
             "towards 0, so it is added to the gradient)"),
        Slip(lambda: _stepped(_DDATA() + 2 * _DPEN()), "dpenalty_dw",
             "dL_data/dw is right; the penalty's slope is twice too large (what happens "
             "to the 1/2 of (lam / 2) w^2?)"),
        Slip(lambda: DECAY["w"] + DECAY["lr"] * _DTOTAL(), "dL_dw",
             "dL/dw is right, but the step went uphill: subtract lr times the gradient"),
        Slip(lambda: DECAY["w"] - _DTOTAL(), "dL_dw",
             "dL/dw is right, but the step forgot the learning rate"),
    ),
    combine="w_new = w minus the learning rate times dL/dw",
)

QUESTIONS: dict[str, Question] = {q.id: q for q in (
    NEURON_DW1, LINEAR_DW, MOMENTUM_STEPS, EPOCH_LOSS, RELU_VARIANCE, PARAM_COUNT,
    FANOUT, WEIGHT_DECAY_STEP, BATCHNORM_VALUE)}

# diagnosis code -> the sentence that addresses it (what a hint says for that step)
STEP_HINTS: dict[str, str] = {
    **{q.code(s.name): f"recheck {s.label}: {s.recheck}" for q in QUESTIONS.values()
       for s in q.steps},
    **{q.code("product"): f"every step is right: {q.combine}, once more"
       for q in QUESTIONS.values()},
    "byhand:byhand.linear_dw:sum": "add the shares of the examples; do not average them",
    "byhand:byhand.epoch:divide": "a mean over the epoch divides by the number of examples",
    "byhand:byhand.relu_variance:sigma": "a variance is the square of a standard deviation",
    "byhand:byhand.relu_variance:fan": "one unit's weighted sum runs over the layer's inputs",
    "byhand:byhand.param_count:relu": "only the Linear layers have parameters",
}
