"""Hostile and broken submissions: limits hold, nothing is earned, the grader survives."""

import os
import sys
import time
from pathlib import Path

from bugzoo import SOLUTIONS, Variant, apply

from nncourse.grader.engine import run_exercises
from nncourse.grader.registry import select
from nncourse.grader.workers import WorkerLimits

MARK = "987.654321"  # the detached child execs `sleep 987.654321`


QUICK = WorkerLimits(start_seconds=3.0)


def grade(parent, exercises, timeout=2.0, limits=QUICK):
    verdicts = run_exercises(parent / "nnlib", select(exercises), hidden=True,
                             reference=SOLUTIONS / "nnlib", timeout=timeout, limits=limits,
                             datasets=SOLUTIONS / "nnlib" / "datasets")
    return {e.id: v for e, v in verdicts}


def hostile(tmp_path, file, old, new):
    return apply(Variant("hostile", "", ((file, old, new),)), tmp_path)


def sleepers():
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if MARK.encode() in handle.read():
                    found.append(entry)
        except OSError:
            continue
    return found


def test_endless_loop_at_import_times_out_everything(tmp_path):
    parent = hostile(tmp_path, "__init__.py", "import importlib\n",
                     "import importlib\nwhile True:\n    pass\n")
    start = time.monotonic()
    verdicts = grade(parent, ["sigmoid.forward", "tanh.forward", "linear.forward"])
    assert time.monotonic() - start < 15
    assert {v.status for v in verdicts.values()} == {"timeout"}


def test_loop_ignoring_sigint_and_sigterm_costs_one_exercise(tmp_path):
    parent = hostile(tmp_path, "activations.py", "        self._x = x\n        return np.maximum",
                     "        import signal\n        signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                     "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                     "        while True:\n            pass\n"
                     "        self._x = x\n        return np.maximum")
    verdicts = grade(parent, ["relu.forward", "tanh.forward"])
    assert verdicts["relu.forward"].status == "timeout"
    assert verdicts["tanh.forward"].status == "passed"


def test_os_exit_costs_one_exercise(tmp_path):
    parent = hostile(tmp_path, "activations.py", "        self._out = np.tanh(x)\n",
                     "        import os\n        os._exit(0)\n")
    verdicts = grade(parent, ["tanh.forward", "sigmoid.forward"])
    assert verdicts["tanh.forward"].status == "error"
    assert "ended the process" in verdicts["tanh.forward"].message
    assert verdicts["sigmoid.forward"].status == "passed"


def test_patched_allclose_earns_nothing(tmp_path):
    parent = hostile(tmp_path, "__init__.py", "import importlib\n",
                     "import importlib\nimport numpy\nnumpy.allclose = lambda *a, **k: True\n"
                     "numpy.testing.assert_allclose = lambda *a, **k: None\n")
    path = parent / "nnlib" / "activations.py"
    path.write_text(path.read_text().replace("return dout * (1.0 - out * out)", "return dout"))
    verdicts = grade(parent, ["tanh.backward"])
    assert verdicts["tanh.backward"].status == "failed"


def test_huge_allocation_is_a_memory_error(tmp_path):
    parent = hostile(tmp_path, "layers.py", "        self._x = x\n        out = x @ self.W.value",
                     "        big = np.ones(6 * 2**30 // 8)\n"
                     "        self._x = x\n        out = x @ self.W.value")
    verdicts = grade(parent, ["linear.forward", "relu.forward"])
    assert verdicts["linear.forward"].status == "error"
    assert "MemoryError" in verdicts["linear.forward"].message
    assert verdicts["relu.forward"].status == "passed"


def test_100_mb_of_prints_do_not_flood_the_grader(tmp_path):
    parent = hostile(tmp_path, "__init__.py", "import importlib\n",
                     "import importlib\nimport sys\nfor _ in range(100):\n"
                     "    sys.stdout.write('x' * 2**20)\nsys.stdout.flush()\n")
    verdicts = grade(parent, ["relu.forward", "relu.backward"], timeout=5.0,
                     limits=WorkerLimits(start_seconds=10.0))
    assert {v.status for v in verdicts.values()} == {"passed"}


def test_detached_double_forked_child_is_killed(tmp_path):
    parent = hostile(tmp_path, "activations.py", "        self._out = np.tanh(x)\n",
                     "        import os\n        if os.fork() == 0:\n            os.setsid()\n"
                     "            if os.fork() == 0:\n"
                     f"                os.execv('/bin/sleep', ['sleep', '{MARK}'])\n"
                     "            os._exit(0)\n"
                     "        self._out = np.tanh(x)\n")
    grade(parent, ["tanh.forward"])
    for _ in range(50):
        if not sleepers():
            break
        time.sleep(0.05)
    assert sleepers() == []


def test_files_beside_nnlib_are_never_imported(tmp_path):
    parent = apply(Variant("fakes", "", ()), tmp_path)
    boom = "raise SystemExit('imported a fake')\n"
    (parent / "sitecustomize.py").write_text(boom)
    (parent / "usercustomize.py").write_text(boom)
    for name in ("numpy", "nncourse"):
        (parent / name).mkdir()
        (parent / name / "__init__.py").write_text(boom)
    (parent / "nnlib" / "sitecustomize.py").write_text(boom)
    verdicts = grade(parent, ["linear.backward", "softmax.forward"])
    assert {v.status for v in verdicts.values()} == {"passed"}
    assert "fake" not in str(sys.modules["numpy"].__file__)
    assert Path(sys.modules["numpy"].__file__).parent.name == "numpy"


def test_student_code_cannot_read_solutions_or_hidden_checks_nor_write_outside(tmp_path):
    from nncourse.grader import hidden

    secrets = [SOLUTIONS / "nnlib" / "layers.py", Path(hidden.__file__)]
    outside = tmp_path / "written-by-the-worker.txt"
    # the exercise passes only if every read and the write are refused
    parent = hostile(tmp_path, "activations.py", "        self._out = np.tanh(x)\n",
                     f"        for path in {[str(s) for s in secrets]!r}:\n"
                     "            try:\n                open(path).read()\n"
                     "                return np.zeros_like(x)\n"
                     "            except OSError:\n                pass\n"
                     "        try:\n"
                     f"            open({str(outside)!r}, 'w').write('x')\n"
                     "            return np.zeros_like(x)\n"
                     "        except OSError:\n            pass\n"
                     "        self._out = np.tanh(x)\n")
    verdicts = grade(parent, ["tanh.forward"])
    assert verdicts["tanh.forward"].status == "passed", verdicts["tanh.forward"].message
    assert not outside.exists()


def test_oversized_package_is_an_error_not_a_crash(tmp_path):
    parent = apply(Variant("big", "", ()), tmp_path)
    (parent / "nnlib" / "padding.py").write_text("#" * (21 * 2**20))
    (parent / "nnlib" / "secret.py").symlink_to("/etc/hostname")
    verdicts = grade(parent, ["relu.forward"])
    assert verdicts["relu.forward"].status == "error"
    assert "copy" in verdicts["relu.forward"].message


def test_a_hang_in_shared_code_shortens_the_later_limits(tmp_path, monkeypatch):
    from nncourse.grader import engine

    monkeypatch.setattr(engine, "TIMEOUTS_BEFORE_HURRY", 1)
    monkeypatch.setattr(engine, "HURRIED_TIMEOUT", 0.5)
    parent = hostile(tmp_path, "layers.py", '    arr = np.asarray(x)\n',
                     '    arr = np.asarray(x)\n    while True:\n        pass\n')
    exercises = ["relu.forward", "tanh.forward", "sigmoid.forward", "leaky_relu.forward"]
    start = time.monotonic()
    verdicts = grade(parent, exercises, timeout=3.0)
    assert {v.status for v in verdicts.values()} == {"timeout"}
    assert time.monotonic() - start < 3.0 + 3 * 1.0 + 2.5  # not 4 x 3 s
