"""The worker: the only process that imports a submission's ``nnlib``.

Started by ``nncourse.grader.workers`` through the isolation layer
(``nncourse.isolation.enter``, target ``nncourse.grader.inside.server:main``, arguments
``REQ RESP CONFIG``) with a clean environment, resource limits and a scratch folder as
cwd. The isolation layer imports this module (and so numpy and the probes, trusted code)
and confines the process *before* ``main`` runs; ``main`` puts a folder that holds
nothing but a copy of the submission's ``nnlib`` first on ``sys.path``, imports it and
answers requests as a fork server: each request runs in a fresh forked child (its own
process group, its own CPU limit) that writes its answer to a file, so a crash, an exit
or a hang costs that request only.

Frames sent on RESP: ``{"ready": ...}`` once, then per request ``{"started": pid}`` and
``{"finished": pid, "status": ...}``. The trusted side reads the child's answer file.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import traceback

import numpy  # noqa: F401 - imported before any student code, and before confinement

import nncourse.isolation as isolation
from nncourse.grader.inside import (  # noqa: F401 - the probe modules register themselves
    calling,
    probes,
    probes_autodiff,
    probes_normalise,
    probes_regularise,
)
from nncourse.grader.protocol import decode, encode, read_frame, write_frame
from nncourse.isolation import processes

PR_SET_CHILD_SUBREAPER = 36


def short_error(error: BaseException, limit: int = 1500) -> str:
    """``Type: message`` plus the last frames of the traceback, at most ``limit`` chars."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    text = "".join(lines[-4:]).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def import_submission(site: str, submodules: list[str]) -> dict:
    """Import ``nnlib`` and the submodules the checks need; return the status of each."""
    import importlib

    status = {}
    package = importlib.import_module("nnlib")
    where = os.path.dirname(os.path.realpath(package.__file__ or ""))
    if where != os.path.realpath(os.path.join(site, "nnlib")):
        raise ImportError(f"nnlib was imported from {where}, expected the submission's copy")
    for name in submodules:
        try:
            importlib.import_module(f"nnlib.{name}")
            status[name] = None
        except BaseException as error:  # a broken module costs only its exercises
            status[name] = short_error(error)
    return status


def reap_orphans() -> None:
    """Kill and reap every process left behind and re-parented to this subreaper."""
    for pid in processes.children(os.getpid()):
        processes.kill(pid)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run_child(meta: dict, arrays: dict, config: dict, fds: tuple[int, int]) -> None:
    """In the forked child: run the request's calls and write the answer file; never return."""
    code = 0
    try:
        os.setpgid(0, 0)
        for fd in fds:
            os.close(fd)
        cpu = int(meta.get("cpu_seconds", config["cpu_seconds"]))
        used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime) + 1
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        soft = min(cpu + used, hard - 1) if hard != resource.RLIM_INFINITY else cpu + used
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))
        answer_meta, answer_arrays = calling.run_calls(meta["calls"], arrays)
        data = encode(answer_meta, answer_arrays)
        path = meta["answer"]
        with open(path + ".part", "wb") as handle:
            handle.write(data)
        os.replace(path + ".part", path)
    except BaseException:  # noqa: B036 - the child must reach os._exit whatever happens
        code = 70
        try:
            traceback.print_exc()
        except BaseException:  # noqa: B036
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: B036
        pass
    os._exit(code)


def serve(req_fd: int, resp_fd: int, config: dict) -> None:
    """Answer requests until the trusted side closes the request pipe."""
    while True:
        try:
            meta, arrays = decode(read_frame(req_fd))
        except EOFError:
            return
        pid = os.fork()
        if pid == 0:
            run_child(meta, arrays, config, (req_fd, resp_fd))
        write_frame(resp_fd, encode({"started": pid}))
        _, status = os.waitpid(pid, 0)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        reap_orphans()
        if os.WIFSIGNALED(status):
            finished = {"signal": os.WTERMSIG(status)}
        else:
            finished = {"exit": os.WEXITSTATUS(status)}
        write_frame(resp_fd, encode({"finished": pid, "status": finished}))


def main(args: list[str]) -> None:
    """Import the submission, report readiness, then serve requests (``REQ RESP CONFIG``)."""
    req_fd, resp_fd, config = int(args[0]), int(args[1]), json.loads(args[2])
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    site = config["site"]
    sys.path[:] = [site] + [p for p in sys.path if p and os.path.realpath(p) != os.getcwd()]
    sys.dont_write_bytecode = True
    try:
        modules = import_submission(site, config.get("preload", []))
        ready = {"ready": True, "modules": modules,
                 "confined": bool(isolation.APPLIED.get("confined"))}
    except BaseException as error:  # noqa: B036 - report whatever the import raised
        ready = {"ready": False, "error": short_error(error),
                 "not_implemented": isinstance(error, NotImplementedError)}
    write_frame(resp_fd, encode(ready))
    if ready["ready"]:
        serve(req_fd, resp_fd, config)
