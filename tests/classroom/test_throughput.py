"""Autograde throughput: warm kernels isolate as cold ones do, and the progress bar.

No timings are asserted (``benchmarks/autograde_bench.py`` measures them).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from common import LESSON, ROOT

from nncourse.classroom.autograde import kernel, progress_bar, warm_kernels
from nncourse.isolation import processes

FACTS = """
import json, os, resource, sys
import nnlib
print(json.dumps({
    "env": dict(os.environ), "uid": os.getuid(), "gid": os.getgid(),
    "groups": os.getgroups(), "pid": os.getpid(), "cwd": os.getcwd(), "path0": sys.path[0],
    "nnlib": nnlib.__file__, "as": resource.getrlimit(resource.RLIMIT_AS),
    "fsize": resource.getrlimit(resource.RLIMIT_FSIZE),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
    "repo_visible": os.path.exists(%r),
}))
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_students_rate_and_time_left_on_a_terminal():
    """Does the bar say how many are graded, how fast, and how long the rest will take,
    measured from the first student graded (not from nbgrader's import)?"""
    stream, clock = io.StringIO(), Clock()
    stream.isatty = lambda: True
    bar = progress_bar.ProgressBar(300, stream, clock)
    clock.now = 10.0
    bar.update(1)
    assert stream.getvalue().endswith("1/300 students  time left: measuring\x1b[K")
    clock.now = 70.0  # 30 more students in a minute: 269 left at 30 per minute
    bar.update(31)
    line = stream.getvalue().rsplit("\r", 1)[1]
    assert line == "[##......................] 31/300 students  30/min  about 8 min 58 s " \
        "left\x1b[K"
    bar.update(300)
    bar.close()
    assert stream.getvalue().endswith("300/300 students  299/min  done\x1b[K\n")


def test_the_bar_prints_a_plain_line_now_and_then_elsewhere():
    """Off a terminal, is there no carriage return, and a line only every so often and at
    the end?"""
    stream, clock = io.StringIO(), Clock()
    bar = progress_bar.ProgressBar(40, stream, clock, plain_every=30.0)
    for second, done in [(1, 1), (5, 2), (20, 3), (31, 10), (32, 11), (40, 40)]:
        clock.now = second
        bar.update(done)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert [line.split("] ")[1].split(" students")[0] for line in lines] == \
        ["1/40", "10/40", "40/40"]
    assert lines[1] == "autograde: [######..................] 10/40 students  18/min  " \
        "about 1 min 40 s left"


def test_follow_ends_with_the_final_count():
    """Does ``follow`` show the count as it is when the block ends, and end the line?"""
    stream, count = io.StringIO(), [0]
    with progress_bar.follow(3, lambda: count[0], stream, interval=0.01):
        count[0] = 3
    assert stream.getvalue().splitlines()[-1].endswith("3/3 students  done")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A kernelspec of a throw-away course, a submission, and a scratch base kernels may
    enter (``/tmp``, not pytest's closed folder)."""
    course = tmp_path / "course"
    (course / "private").mkdir(parents=True)
    kernel.install_kernelspec(course / "private", course, ROOT)
    monkeypatch.setenv("JUPYTER_PATH", str(course / "private" / "jupyter"))
    submission = tmp_path / "submission"
    (submission / "nnlib").mkdir(parents=True)
    (submission / "nnlib" / "__init__.py").write_text("X = 1\n")
    base = Path(tempfile.mkdtemp(prefix="warm-test-", dir="/tmp"))
    base.chmod(0o711)
    yield course, submission, base
    shutil.rmtree(base, ignore_errors=True)


def run_in_kernel(submission: Path, env: dict, code: str) -> tuple[dict, object]:
    """Start the sandbox kernel, run ``code``; return its JSON line and the manager."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name=kernel.KERNEL_NAME)
    manager.start_kernel(cwd=str(submission), env={**os.environ, **env})
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    out = []
    client.execute_interactive(code, timeout=60, output_hook=lambda msg: out.append(
        msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
    client.stop_channels()
    return json.loads("".join(out)), manager


def normalised(facts: dict) -> dict:
    """The facts with the kernel's own folder and uid replaced by placeholders."""
    text = json.dumps(facts).replace(facts["cwd"], "FOLDER")
    facts = json.loads(text)
    own = 200000 + facts.pop("pid") % 100000
    for key in ("uid", "gid"):
        facts[key] = "OWN" if facts[key] == own else facts[key]
    return facts


def test_a_warm_kernel_is_isolated_as_a_cold_one(sandbox):
    """Does a kernel forked by the warm server see exactly what a cold kernel sees (its
    environment, uid, groups, cwd, limits, sys.path, the hidden repository), and does an
    interrupt reach it?"""
    course, submission, base = sandbox
    env = {"NNCOURSE_SCRATCH": str(base)}
    cold, manager = run_in_kernel(submission, env, FACTS % str(ROOT / "solutions"))
    manager.shutdown_kernel(now=True)
    server, address = warm_kernels.start(base)
    try:
        warm, manager = run_in_kernel(submission, {**env, kernel.SERVER_ENV: address},
                                      FACTS % str(ROOT / "solutions"))
        assert len(processes.children(server.pid)) == 1  # it was the server's child
        client = manager.client()
        client.start_channels()
        client.execute("while True:\n    pass")
        time.sleep(1.0)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=20)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    finally:
        server.kill()
        server.wait()
    assert normalised(warm) == normalised(cold)
    assert warm["nnlib"] == warm["cwd"] + "/nnlib/__init__.py"
    if kernel.level() != "scratch-only":  # root on Linux: a uid of its own, no groups
        assert normalised(warm)["uid"] == "OWN" and warm["groups"] == []


AUTORELOAD = """%load_ext autoreload
%autoreload 2
import json, sys
ip = get_ipython()
print(json.dumps({"real": "IPython.extensions.autoreload" in sys.modules,
                  "hooks": [getattr(f, "__module__", "") or "" for f in
                            ip.events.callbacks["pre_run_cell"]]}))
"""


def test_autoreload_does_nothing_in_an_autograde_kernel(sandbox):
    """The lessons' first cell runs ``%load_ext autoreload`` and ``%autoreload 2``: in the
    sandbox kernel do both still work as magics, without the real extension's check of
    every module before each cell?"""
    course, submission, base = sandbox
    facts, manager = run_in_kernel(submission, {"NNCOURSE_SCRATCH": str(base)}, AUTORELOAD)
    manager.shutdown_kernel(now=True)
    assert facts["real"] is False
    assert not [m for m in facts["hooks"] if "autoreload" in m], facts


@pytest.mark.parametrize("killed", ["launcher", "server"])
def test_a_warm_kernel_dies_with_its_launcher_and_with_the_server(sandbox, killed):
    """When the process nbgrader knows as the kernel is killed (the time budget's kill,
    nbgrader's own), or the server (it dies with the batch), does the forked kernel end,
    and with it the launcher? (Where orphans go to PID 1, as here, ipykernel's own parent
    poller would also end it after the server; the parent-death signal is for machines
    with a subreaper.)"""
    course, submission, base = sandbox
    server, address = warm_kernels.start(base)
    try:
        _, manager = run_in_kernel(submission, {"NNCOURSE_SCRATCH": str(base),
                                                kernel.SERVER_ENV: address}, "print('{}')")
        (forked,) = processes.children(server.pid)
        launcher = manager.provisioner.process
        os.kill(launcher.pid if killed == "launcher" else server.pid, signal.SIGKILL)
        deadline = time.time() + 15
        while os.path.exists(f"/proc/{forked}") and time.time() < deadline:
            time.sleep(0.05)
            server.poll()  # reap the killed server, so its children are no longer its
        assert not os.path.exists(f"/proc/{forked}")
        assert launcher.wait(timeout=15) is not None
        manager.shutdown_kernel(now=True)
    finally:
        server.kill()
        server.wait()


def test_cold_kernels_give_the_same_records_as_warm_ones(demo, monkeypatch):
    """Graded again with the old path (``NNCOURSE_WARM_KERNELS=0``), do a cheat, a
    notebook that kills its kernel and an honest student get byte-identical records apart
    from the timings?"""
    from nncourse.classroom.autograde.run import autograde
    from nncourse.classroom.course import Course

    chosen = ["s01-complete", "s08-exits", "s09-allclose"]
    records = demo.course / "nncourse" / "records" / LESSON

    def without_timings(student):
        record = json.loads((records / f"{student}.json").read_text())
        record.pop("seconds")
        return record

    warm = {s: without_timings(s) for s in chosen}
    monkeypatch.setenv(warm_kernels.SWITCH, "0")
    autograde(Course.load(demo.course), LESSON, "s0[189]-*", jobs=1, force=True,
              progress=io.StringIO())
    assert {s: without_timings(s) for s in chosen} == warm
