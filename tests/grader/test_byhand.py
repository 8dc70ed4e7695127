"""Are by-hand answers read from the source only, judged right, and told which step to fix?"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nncourse.grader import answer_cells
from nncourse.grader.check_command import ChecksFailed, check
from nncourse.grader.checks.byhand import QUESTIONS, STEP_HINTS, judge
from nncourse.grader.registry import BYHAND, EXERCISES, answer_cell_id

ROOT = Path(__file__).resolve().parents[2]
NEURON, LINEAR = QUESTIONS["byhand.neuron"], QUESTIONS["byhand.linear_dw"]
LESSON = {3: "03_chain_rule.ipynb", 4: "04_backward_pass.ipynb", 5: "05_updates.ipynb",
          6: "06_training_loop.ipynb", 7: "07_going_deep.ipynb", 8: "08_capstone.ipynb"}
MOMENTUM, EPOCH = QUESTIONS["byhand.momentum"], QUESTIONS["byhand.epoch"]
RELU, PARAMS = QUESTIONS["byhand.relu_variance"], QUESTIONS["byhand.param_count"]
LESSON[10] = "10_regularisation.ipynb"
LESSON[11] = "11_normalisation.ipynb"
DECAY = QUESTIONS["byhand.weight_decay"]
LESSON[9], FANOUT = "09_autodiff.ipynb", QUESTIONS["byhand.fanout"]


def test_the_trusted_values_agree_with_the_hand_worked_arithmetic():
    # neuron: z = 0.5*2 + 1*(-1) + 0 = 0, a = 1/2, dL/da = a - y = -1/2,
    # da/dz = e^0 / (1 + e^0)^2 = 1/4, dz/dw1 = x1 = 2, dL/dw1 = -1/2 * 1/4 * 2 = -1/4
    assert [s.value() for s in NEURON.steps] == pytest.approx([-0.5, 0.25, 2.0], abs=1e-8)
    assert NEURON.value() == pytest.approx(-0.25, abs=1e-8)
    # linear: example shares dout_n * x_n1 = 0.5*2 = 1 and -2*1 = -2; dW11 = 1 - 2 = -1
    assert [s.value() for s in LINEAR.steps] == pytest.approx([1.0, -2.0], abs=1e-8)
    assert LINEAR.value() == pytest.approx(-1.0, abs=1e-8)
    # weight decay: dL_data/dw = (2*0.5 - 2)*0.5 = -0.5, penalty slope 0.1*2 = 0.2,
    # dL/dw = -0.3, w_new = 2 - 0.5*(-0.3) = 2.15
    assert [s.value() for s in DECAY.steps] == pytest.approx([-0.5, 0.2, -0.3], abs=1e-8)
    assert DECAY.value() == pytest.approx(2.15, abs=1e-8)


@pytest.mark.parametrize("answer, words", [
    (2.25, "the penalty's slope is missing"), (2.35, "the wrong sign"),
    (2.05, "twice too large"), (1.85, "went uphill"), (2.3, "forgot the learning rate")])
def test_weight_decay_slips_are_named(answer, words):
    passed, message, _ = judge(DECAY, {"w_new": answer})
    assert not passed and words in message, message


def test_weight_decay_steps_name_the_one_to_recheck():
    passed, message, code = judge(DECAY, {"dLdata_dw": -0.5, "dpenalty_dw": 0.1, "w_new": 2.2})
    assert not passed and code == DECAY.code("dpenalty_dw")
    assert "dL_data/dw is right; the error is in the penalty's slope" in message, message
    _, message, code = judge(DECAY, {"dLdata_dw": -0.5, "dpenalty_dw": 0.2, "dL_dw": -0.3,
                                     "w_new": 2.0})
    assert code == DECAY.code("product"), message
    assert "w_new = w minus the learning rate times dL/dw" in message, message


def test_the_later_lessons_values_agree_with_the_hand_worked_arithmetic():
    # momentum on L = 1.5 t^2: g0 = 3*2 = 6, v1 = 6, t1 = 2 - 0.6 = 1.4; g1 = 3*1.4 = 4.2,
    # v2 = 0.9*6 + 4.2 = 9.6, t2 = 1.4 - 0.96 = 0.44
    assert [s.value() for s in MOMENTUM.steps] == pytest.approx([6.0, 1.4, 4.2, 9.6])
    assert MOMENTUM.value() == pytest.approx(0.44)
    # epoch: batches 16, 16, 16, 2; (16*(0.9 + 0.6 + 0.3) + 2*0.2) / 50 = 29.2 / 50 = 0.584
    assert [s.value() for s in EPOCH.steps] == [4.0, 2.0]
    assert EPOCH.value() == pytest.approx(0.584)
    # relu: E[relu(z)^2] = Var(z)/2 = 1.5; Var(z') = 250 * 0.05^2 * 1.5 = 0.9375
    assert RELU.steps[0].value() == pytest.approx(1.5, rel=1e-6)
    assert RELU.value() == pytest.approx(0.9375, rel=1e-6)
    # 64*128 + 128 = 8320, 128*32 + 32 = 4128, 32*10 + 10 = 330; 12778 in all
    assert [s.value() for s in PARAMS.steps] == [8320, 4128, 330] and PARAMS.value() == 12778


@pytest.mark.parametrize("question, answer, words", [
    (MOMENTUM, 0.98, "that is plain gradient descent"),
    (MOMENTUM, 1.4, "your theta_2 is where theta_1 should be"),
    (MOMENTUM, 2.36, "the second step went uphill"),
    (EPOCH, 0.5, "the plain mean of the four batch losses"),
    (EPOCH, 29.2, "divide by the number of examples"),
    (EPOCH, 0.64, "every batch was counted as 16 examples"),
    (RELU, 1.875, "the ReLU was left out"),
    (RELU, 18.75, "square it"),
    (RELU, 0.375, "sums over its 250 inputs"),
    (PARAMS, 12608, "the biases are missing"),
    (PARAMS, 12832, "a bias was counted per input"),
    (PARAMS, 12938, "an activation has no parameters"),
])
def test_the_later_questions_name_their_classic_slips(question, answer, words):
    passed, message, code = judge(question, {question.answer: answer})
    assert not passed and words in message, message
    assert code is not None and code in STEP_HINTS, code


def test_the_later_questions_name_the_first_wrong_step():
    _, message, code = judge(MOMENTUM, {"g0": 6, "theta1": 1.4, "g1": 6, "theta2": 0.2})
    assert code == MOMENTUM.code("g1") and "g_0 and theta_1 are right" in message
    assert "the gradient at theta_1, not at theta_0" in message
    _, message, code = judge(EPOCH, {"n_steps": 3, "epoch_loss": 0.6})
    assert code == EPOCH.code("n_steps") and "the error is in the number of steps" in message
    _, message, code = judge(RELU, {"E_x2": 1.5, "var_z_next": 1.0})
    assert code == RELU.code("product") and "n_in times the weights' variance" in message


def test_a_parameter_count_is_graded_exactly():
    assert judge(PARAMS, {"n_params": 12778})[0]
    passed, message, _ = judge(PARAMS, {"n_params": 12777})
    assert not passed and "is not right (exactly)" in message


def test_a_right_answer_passes_within_one_percent_and_a_near_miss_fails():
    assert judge(NEURON, {"dL_dw1": -0.25})[0]
    assert judge(NEURON, {"dL_dw1": -0.2499})[0]
    assert not judge(NEURON, {"dL_dw1": -0.24})[0]


@pytest.mark.parametrize("answer, step, words", [
    (-0.125, "dz_dw1", "dL/dz is right, the error is in dz/dw1"),
    (0.125, "dz_dw1", "dL/dz is right, the error is in dz/dw1"),
    (-1.0, "da_dz", "the error is in da/dz"),
    (0.25, "dL_da", "the error is in dL/da"),
    (-0.5, "dL_da", "the error is in dL/da"),
])
def test_a_classic_slip_names_the_step_to_recheck(answer, step, words):
    passed, message, code = judge(NEURON, {"dL_dw1": answer})
    assert not passed and words in message and code == NEURON.code(step)


def test_the_first_wrong_step_given_is_named_with_the_right_ones_before_it():
    passed, message, code = judge(NEURON, {"dL_da": -0.5, "da_dz": 0.2, "dz_dw1": 2,
                                           "dL_dw1": -0.2})
    assert not passed and code == NEURON.code("da_dz")
    assert "dL/da and dz/dw1 are right; the error is in da/dz" in message
    _, message, code = judge(NEURON, {"dL_da": -0.5, "da_dz": 0.25, "dz_dw1": 2,
                                      "dL_dw1": -0.3})
    assert code == NEURON.code("product") and "Every step you gave is right" in message


def test_a_batch_mean_instead_of_a_sum_is_named():
    passed, message, _ = judge(LINEAR, {"dW11": -0.5})
    assert not passed and "both shares are right, the error is in combining them" in message


def test_only_plain_numbers_are_read_and_nothing_is_run(tmp_path):
    marker = tmp_path / "ran"
    source = (f"dL_dw1 = __import__('pathlib').Path({str(marker)!r}).touch()\n"
              "dL_da = -0.5  # a comment is fine\n"
              "da_dz = 1 / 4\n"
              "dz_dw1 = ...\n")
    found, problems = answer_cells.read_answers(source, NEURON.names())
    assert found == {"dL_da": -0.5}
    assert len(problems) == 2 and all("not a plain number" in p for p in problems)
    assert not marker.exists()
    assert answer_cells.read_answers("dL_dw1 = 1e-1\ndL_dw1 = -2.5e-1\n",
                                     NEURON.names())[0] == {"dL_dw1": -0.25}  # last wins
    assert answer_cells.read_answers("dL_dw1 = True\n", NEURON.names())[1]


def test_check_reads_the_cell_text_given_and_raises_on_a_wrong_number(tmp_path):
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert check("byhand.neuron", path=tmp_path, display=False,
                 source="dL_dw1 = -0.25\n").passed
    with pytest.raises(ChecksFailed) as info:
        check("byhand.neuron", path=tmp_path, display=False, source="dL_dw1 = -0.125\n")
    assert "the error is in dz/dw1" in str(info.value.result)


def saved_workspace(tmp_path, lesson, answer):
    """A student folder: the stubs, and the released lesson with its answer cell filled."""
    shutil.copytree(ROOT / "nnlib", tmp_path / "nnlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "lessons").mkdir()
    nb = json.loads((ROOT / "lessons" / LESSON[lesson]).read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").endswith("-answer"):
            cell["source"] = answer
    (tmp_path / "lessons" / LESSON[lesson]).write_text(json.dumps(nb))
    return tmp_path


def test_the_command_reads_the_saved_notebook(tmp_path):
    parent = saved_workspace(tmp_path, 4, "dW11_example1 = 1.0\ndW11 = 1.0\n")
    done = subprocess.run([sys.executable, "-m", "nncourse.cli", "check", "byhand.linear_dw"],
                          cwd=parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "example 1's share is right, the error is in example 2's" in done.stdout
    assert "04_backward_pass.ipynb" not in done.stderr


def test_model_answers_pass_and_the_release_has_none():
    for exercise, row in BYHAND.items():
        solved = answer_cells.grade_notebook(ROOT / "solutions" / "lessons" / LESSON[row.lesson],
                                             [exercise])[0]
        assert solved["status"] == "passed" and solved["points"] == row.points, solved
        released = answer_cells.grade_notebook(ROOT / "lessons" / LESSON[row.lesson],
                                               [exercise])[0]
        assert released["status"] == "not_implemented" and released["points"] == 0


# the vectorised code exercise each by-hand number prepares
PREPARES = {"byhand.neuron": "gradcheck.numerical_gradient", "byhand.linear_dw": "linear.backward",
            "byhand.momentum": "sgd.step", "byhand.epoch": "train.train_epoch",
            "byhand.relu_variance": "init.xavier", "byhand.param_count": "capstone.digits"}
PREPARES["byhand.weight_decay"] = "regularise.weight_decay"
PREPARES["byhand.fanout"] = "autodiff.backward"
PREPARES["byhand.batchnorm"] = "batchnorm.forward"


def test_each_byhand_question_comes_before_the_code_exercise_it_prepares():
    assert set(PREPARES) == set(BYHAND)
    for exercise, code in PREPARES.items():
        lesson = BYHAND[exercise].lesson
        assert EXERCISES[code].lesson == lesson
        nb = json.loads((ROOT / "solutions" / "lessons" / LESSON[lesson]).read_text())
        ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
        assert ids.index(answer_cell_id(exercise)) < ids.index(exercise.replace(".", "-")) \
            < ids.index(code.replace(".", "-"))


def test_the_fanout_values_agree_with_the_hand_worked_arithmetic():
    # a = 2, b = -1.5: c = ab = -3, d = c + a = -1, L = dc = 3; dL/dd = c = -3,
    # dL/dc = d + dL/dd = -4 (both uses of c), dL/da = dL/dc * b + dL/dd = 6 - 3 = 3
    assert [s.value() for s in FANOUT.steps] == pytest.approx([-3.0, -4.0], abs=1e-8)
    assert FANOUT.value() == pytest.approx(3.0, abs=1e-8)


@pytest.mark.parametrize("answer, words", [
    (-1.5, "dL/dc has only c's direct use in L"), (6.0, "a's direct use in d is missing"),
    (-3.0, "the share through c (dL/dc times the slope of c in a) is missing"),
    (1.5, "both fan-outs lost a share")])
def test_fanout_slips_name_the_lost_share(answer, words):
    passed, message, _ = judge(FANOUT, {"dL_da": answer})
    assert not passed and words in message, message
