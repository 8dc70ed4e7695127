"""The trusted side's handle on a grading worker: start it, send requests, clean up.

``Worker(package)`` makes a scratch folder (``nncourse.isolation.scratch``) holding only a
copy of the ``.py`` files of the submission's ``nnlib`` (data reach it as arrays, never
as files), and starts ``nncourse.grader.inside.server`` there through the isolation
layer (``nncourse.isolation.enter``), which gives it:

- ``python -s -P`` and an environment built from nothing (``isolation.environment``):
  no user site, no cwd or script folder on ``sys.path``, no ``PYTHONPATH``, so a
  ``sitecustomize.py``, a fake ``numpy`` or a fake ``nncourse`` beside the submission
  is never imported. (``-I`` would also ignore ``PYTHONHASHSEED``, which we fix.)
- memory (``RLIMIT_AS``), CPU and file-size limits, set before any student code is
  imported; Landlock confinement to the scratch folder; death with this process;
- its own session; stdout and stderr go to a pipe that a thread drains, keeping the
  first few kilobytes; a wall-clock limit per request, enforced here;
- on a timeout the request's process group is killed; on close the whole session is,
  and every process still carrying this worker's token in its environment (a detached,
  double-forked child) is killed too; the scratch folder is removed.

``run`` returns an ``Answer``: the decoded message, or a status saying why there is
none (``error``, ``timeout``). Nothing here imports ``nnlib``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.grader.protocol import ProtocolError, decode, encode, read_frame, write_frame
from nncourse.isolation import enter, processes, scratch
from nncourse.isolation.environment import clean_environment
from nncourse.isolation.limits import Limits

SCRATCH_PREFIX = "nncourse-worker-"


@dataclass(frozen=True)
class WorkerLimits:
    """Resource limits of one worker."""

    memory_mb: int = 2048
    cpu_seconds: int = 300
    fsize_mb: int = 64
    start_seconds: float = 8.0
    confine: bool = True  # Landlock file-system confinement, where the kernel has it

    def resources(self) -> Limits:
        """The isolation layer's limits for this worker (it runs as the grader's user)."""
        return Limits(memory_mb=self.memory_mb, fsize_mb=self.fsize_mb,
                             cpu_seconds=self.cpu_seconds, processes="shared")


@dataclass
class Answer:
    """What one request gave: ``status`` is ``ok``, ``error`` or ``timeout``."""

    status: str
    meta: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)  # name -> numpy array
    message: str = ""


def worker_environment(token: str, home: Path) -> dict[str, str]:
    """The whole environment of a worker: a clean one, plus its token."""
    return clean_environment(home, PYTHONSAFEPATH="1",
                             **{processes.TOKEN_VARIABLE: token})


class Worker:
    """One worker process serving requests for one ``nnlib`` package."""

    def __init__(self, package: Path, *, preload: tuple[str, ...] = (),
                 limits: WorkerLimits | None = None) -> None:
        self.package, self.preload = Path(package), list(preload)
        self.limits = limits or WorkerLimits()
        self.process: subprocess.Popen | None = None
        self.failure: Answer | None = None
        self.modules: dict[str, str | None] = {}
        self.requests = 0

    def start(self) -> Answer | None:
        """Start the worker and import the package; an ``Answer`` says why that failed."""
        failure = self.launch() if self.process is None and self.failure is None else None
        return failure or self.failure or self.wait_ready()

    def launch(self) -> Answer | None:
        """Copy the package and spawn the worker process, without waiting for it."""
        self.scratch = scratch.make_scratch(SCRATCH_PREFIX)
        site, work = self.scratch / "site", self.scratch / "work"
        work.mkdir()
        try:
            scratch.copy_package(self.package, site / "nnlib")
        except (OSError, ValueError) as error:
            return self._fail("error", f"could not copy the package: {error}")
        self.token = processes.new_token()
        req_read, self.req_write = os.pipe()
        self.resp_read, resp_write = os.pipe()
        out_read, out_write = os.pipe()
        config = {"site": str(site), "cpu_seconds": self.limits.cpu_seconds,
                  "preload": self.preload}
        command = enter.command(
            "nncourse.grader.inside.server:main",
            [str(req_read), str(resp_write), json.dumps(config)],
            resource_limits=self.limits.resources(), parent=os.getpid(),
            landlock_write=str(self.scratch) if self.limits.confine else None)
        try:
            self.process = subprocess.Popen(
                command, cwd=work, env=worker_environment(self.token, work),
                stdin=subprocess.DEVNULL, stdout=out_write, stderr=out_write,
                pass_fds=(req_read, resp_write), start_new_session=True, close_fds=True,
            )
        except OSError as error:
            for fd in (req_read, resp_write, out_write, out_read, self.req_write, self.resp_read):
                os.close(fd)
            return self._fail("error", f"could not start a worker process: {error}")
        finally:
            if self.process is not None:
                for fd in (req_read, resp_write, out_write):
                    os.close(fd)
        self.drain = processes.OutputDrain(out_read)
        self.drain.start()
        return None

    def wait_ready(self) -> Answer | None:
        """Wait until the worker has imported the package (or failed to)."""
        try:
            meta, _ = decode(read_frame(self.resp_read, time.monotonic()
                                        + self.limits.start_seconds, limit=1 << 20))
        except TimeoutError:
            return self._fail("timeout", f"importing nnlib did not finish within "
                              f"{self.limits.start_seconds:g} s (an endless loop at import?)")
        except (EOFError, ProtocolError) as error:
            return self._fail("error", "the worker died while importing nnlib "
                              f"({self._exit_reason()}): {error}")
        if not meta.get("ready"):
            status = "not_implemented" if meta.get("not_implemented") else "error"
            return self._fail(status, "importing nnlib failed:\n" + str(meta.get("error")))
        self.modules = meta.get("modules", {})
        return None

    def _fail(self, status: str, message: str) -> Answer:
        self.failure = Answer(status, message=message)
        self.close()
        return self.failure

    def _exit_reason(self) -> str:
        if self.process is None:
            return "not started"
        try:
            code = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def run(self, calls: list[dict], arrays: dict, *,
            timeout: float, cpu_seconds: int | None = None) -> Answer:
        """Run ``calls`` (see ``nncourse.grader.inside.probes``) in a fresh child of the worker."""
        if self.failure is not None:
            return self.failure
        self.requests += 1
        answer_path = self.scratch / f"answer-{self.requests}.msg"
        meta = {"calls": calls, "answer": str(answer_path),
                "cpu_seconds": int(cpu_seconds or timeout + 1)}
        deadline = time.monotonic() + timeout
        try:
            write_frame(self.req_write, encode(meta, arrays))
            started, _ = decode(read_frame(self.resp_read, deadline, limit=1 << 20))
            child = int(started["started"])
        except (OSError, EOFError, TimeoutError, ProtocolError, KeyError, ValueError) as error:
            self.close()
            self.failure = Answer("error", message=f"the worker stopped answering ({error})")
            return self.failure
        try:
            finished, _ = decode(read_frame(self.resp_read, deadline, limit=1 << 20))
        except TimeoutError:
            return self._timeout(child, timeout)
        except (EOFError, ProtocolError, OSError) as error:
            self.close()
            self.failure = Answer("error", message=f"the worker died ({error})")
            return self.failure
        return self._read_answer(answer_path, finished.get("status", {}))

    def _timeout(self, child: int, timeout: float) -> Answer:
        """Kill the request's process group; restartable afterwards only via a new worker."""
        processes.kill(child, group=True)
        try:
            decode(read_frame(self.resp_read, time.monotonic() + 2.0, limit=1 << 20))
            processes.kill_token_holders(self.token, keep=self.process.pid)
        except (TimeoutError, EOFError, ProtocolError, OSError):
            self.close()
        return Answer("timeout", message=f"no result within {timeout:g} s (an endless loop?)")

    def _read_answer(self, path: Path, status: dict) -> Answer:
        if "signal" in status:
            number = status["signal"]
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
                else str(number)
            hint = {"SIGXCPU": " (CPU time limit)", "SIGXFSZ": " (file size limit)",
                    "SIGKILL": " (killed)", "SIGSEGV": " (segmentation fault)"}.get(name, "")
            return Answer("error", message=f"the code under test was killed by {name}{hint}")
        if status.get("exit", 0) != 0 or not path.is_file():
            return Answer("error", message="the code under test ended the process (exit status "
                          f"{status.get('exit')}, e.g. os._exit or a crash) before answering")
        try:
            if path.stat().st_size > 256 * 2**20:
                raise ProtocolError("answer larger than 256 MB")
            meta, arrays = decode(path.read_bytes())
        except (OSError, ProtocolError) as error:
            return Answer("error", message=f"unreadable answer from the worker: {error}")
        finally:
            path.unlink(missing_ok=True)
        return Answer("ok", meta=meta, arrays=arrays)

    @property
    def output(self) -> str:
        """The first kilobytes the package printed (for error messages)."""
        return bytes(self.drain.kept).decode("utf-8", errors="replace")

    def close(self) -> None:
        """Kill the worker's session and anything it left behind; remove the scratch folder."""
        if self.process is not None:
            for fd in (self.req_write, self.resp_read):
                try:
                    os.close(fd)
                except OSError:
                    pass
            processes.kill(self.process.pid, group=True)
            self.process.wait()
            processes.kill_token_holders(self.token)
            self.drain.join(timeout=0.5)
            try:
                os.close(self.drain.fd)
            except OSError:
                pass
            self.process = None
        if getattr(self, "scratch", None) is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


PRELAUNCHED: dict[tuple, Worker] = {}


def prelaunch(package: Path, preload: tuple[str, ...]) -> None:
    """Spawn a worker now, so that it boots while this process imports and plans.

    ``take_prelaunched`` hands it to the engine; one never taken is closed at exit.
    """
    key = (str(Path(package).resolve()), tuple(preload))
    if key not in PRELAUNCHED:
        worker = Worker(Path(package), preload=preload)
        if worker.launch() is None:
            PRELAUNCHED[key] = worker
            atexit.register(worker.close)


def take_prelaunched(package: Path, preload: tuple[str, ...]) -> Worker | None:
    """The worker ``prelaunch`` started for this package, if any (each is taken once)."""
    return PRELAUNCHED.pop((str(Path(package).resolve()), tuple(preload)), None)
