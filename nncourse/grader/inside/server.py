"""The worker: the only process that imports a submission's ``nnlib``.

Started by ``nncourse.grader.workers`` as ``python -s -P -m nncourse.grader.inside.server REQ RESP
CONFIG``, with a clean environment, a scratch folder as cwd, and ``sys.path`` starting
with a folder that holds nothing but a copy of the submission's ``nnlib``. It lowers its
own resource limits, imports numpy and the probes (trusted code) *before* any student
code, then imports ``nnlib`` and answers requests as a fork server: each request runs in
a fresh forked child (its own process group, its own CPU limit) that writes its answer
to a file, so a crash, an exit or a hang costs that request only.

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

PR_SET_CHILD_SUBREAPER = 36


def limit_resources(config: dict) -> None:
    """Memory, file size and core-dump limits for this process and its children."""
    memory = int(config["memory_mb"]) * 2**20
    size = int(config["fsize_mb"]) * 2**20
    cpu = int(config["cpu_seconds"])
    limits = [(resource.RLIMIT_AS, memory, memory), (resource.RLIMIT_FSIZE, size, size),
              (resource.RLIMIT_CORE, 0, 0), (resource.RLIMIT_CPU, cpu, cpu + 1)]
    if hasattr(os, "getuid") and os.getuid() != 0 and os.path.isdir("/proc"):
        # a fork bomb stops at a few hundred processes (root ignores RLIMIT_NPROC)
        room = user_processes(os.getuid()) + 256
        limits.append((resource.RLIMIT_NPROC, room, room))
    for which, soft, hard in limits:
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):  # e.g. RLIMIT_AS on macOS: the other limits still hold
            pass


def user_processes(uid: int) -> int:
    """How many processes (threads count for RLIMIT_NPROC too) the user runs now."""
    count = 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/status", "rb") as handle:
                fields = dict(line.split(b":", 1) for line in handle if b":" in line)
            if int(fields[b"Uid"].split()[0]) == uid:
                count += int(fields.get(b"Threads", b"1").strip() or 1)
        except (OSError, ValueError, KeyError):
            continue
    return count


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
    me = str(os.getpid())
    entries = os.listdir("/proc") if os.path.isdir("/proc") else []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[1].decode() == me:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass
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
        from nncourse.grader.inside import probes
        from nncourse.grader.protocol import encode

        answer_meta, answer_arrays = probes.run_calls(meta["calls"], arrays)
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
    from nncourse.grader.protocol import decode, encode, read_frame, write_frame

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


def main(argv: list[str]) -> None:
    """Set up, import the submission, report readiness, then serve requests."""
    req_fd, resp_fd, config = int(argv[1]), int(argv[2]), json.loads(argv[3])
    limit_resources(config)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    site = config["site"]
    sys.path[:] = [site] + [p for p in sys.path if p and os.path.realpath(p) != os.getcwd()]
    sys.dont_write_bytecode = True

    import numpy  # noqa: F401 - imported before any student code

    from nncourse.grader.confine import confine
    from nncourse.grader.inside import probes  # noqa: F401 - likewise
    from nncourse.grader.protocol import encode, write_frame

    confined = confine(os.path.dirname(site)) if config.get("confine", True) else False

    try:
        modules = import_submission(site, config.get("preload", []))
        ready = {"ready": True, "modules": modules, "confined": confined}
    except BaseException as error:  # noqa: B036 - report whatever the import raised
        ready = {"ready": False, "error": short_error(error),
                 "not_implemented": isinstance(error, NotImplementedError)}
    write_frame(resp_fd, encode(ready))
    if ready["ready"]:
        serve(req_fd, resp_fd, config)


if __name__ == "__main__":
    main(sys.argv)
