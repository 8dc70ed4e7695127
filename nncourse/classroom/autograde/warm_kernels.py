"""Warm notebook kernels: one fresh forked process per notebook, imports already done.

A cold kernel (``kernel.py``) starts three interpreters and then imports ipykernel,
numpy and matplotlib: about 1.1 s of CPU per notebook before the first cell, most of a
student's cost on lesson 02. Each autograde batch process therefore starts one **kernel
server** (``start``) beside nbgrader. The server is trusted code only: started through
the isolation layer with the kernel's clean environment, it imports those modules once
and then never runs anything but ``fork``. It never imports ``nnlib``, never runs a
notebook cell and never reads a submission, so its memory holds nothing of any student.

For each notebook, nbgrader runs the sandbox kernelspec as before; its launcher
(``kernel.warm_client``) connects to the server's socket (in a folder only the grader's
user may enter; the server also checks the peer's uid) and hands over the request and
its stdin, stdout and stderr. The server forks **one new child per notebook**, which does
what the cold launcher's stages do, in the same order and with the same functions:

1. the scratch copy of the submission (``kernel.make_folder``), as the grader's user;
2. a private mount namespace (``mounts.private_namespace``) and the hidden paths
   (``kernel.hide_from``), a uid of its own, no groups, ``no_new_privs``
   (``rights.drop_privileges``), where the machine allows each (``rights.level``);
3. the kernel's clean environment and limits (``kernel.kernel_environment``,
   ``kernel.kernel_limits``), cwd the scratch copy, then ipykernel in this process.

The child is its own session. It dies with the launcher nbgrader started (its end of
the socket closes: a thread kills the whole session), so with the time budget's kill
and nbgrader's shutdown, and with the server (``PR_SET_PDEATHSIG``), which dies with
the batch; the launcher forwards nbgrader's interrupts.
A launcher that finds no server falls back to the cold kernel. ``NNCOURSE_WARM_KERNELS=0``
turns the server off (the benchmark compares both).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from nncourse.classroom.autograde import kernel
from nncourse.isolation import enter, limits, mounts, processes, rights, scratch

SWITCH = "NNCOURSE_WARM_KERNELS"  # "0": every kernel starts cold
SCRATCH_PREFIX = "warm-kernels-"
READY_SECONDS = 10.0
REQUEST_SECONDS = 5.0
# What every kernel imports before its first cell (ipykernel.ipkernel brings the
# debugger's debugpy, a fifth of a kernel's start-up) and the lessons' first cell.
PRELOADED = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "numpy",
             "matplotlib", "matplotlib.pyplot", "nncourse",
             "nncourse.classroom.autograde.kernel_startup")


def enabled() -> bool:
    """Whether autograde batches start a kernel server (Linux, unless switched off).

    Linux only: the server reads its peer's uid with ``SO_PEERCRED``.
    """
    return os.environ.get(SWITCH, "1") != "0" and sys.platform.startswith("linux") \
        and hasattr(socket, "send_fds") and hasattr(socket, "SO_PEERCRED")


def start(base: Path | None) -> tuple[subprocess.Popen, str]:
    """Start a kernel server that dies with this process; return it and its socket path.

    Returns once the server listens (its imports go on; a launcher waits for them), or
    after ``READY_SECONDS``. The caller puts the path in ``kernel.SERVER_ENV`` for the
    kernels nbgrader starts.
    """
    folder = scratch.make_scratch(SCRATCH_PREFIX, base)  # 0700: the grader's user only
    address = str(folder / "socket")
    env = kernel.kernel_environment(folder, {})
    (folder / ".matplotlib").mkdir()
    command = enter.command(f"{__name__}:serve", [address, rights.level()],
                            resource_limits=kernel.kernel_limits(own_uid=False),
                            landlock_write=None, parent=os.getpid(), safe_path=True)
    server = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS  # listening before the first kernel asks
    while not os.path.exists(address) and server.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    return server, address


def serve(argv: list[str]) -> None:
    """The server's loop: ``argv`` is the socket path and the machine's isolation level."""
    address, level = argv
    base = Path(address).parent.parent  # the run's scratch folder, beside this server's
    server = os.getpid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)  # before the imports: a launcher waits rather than goes cold
    listener.listen(64)
    for name in PRELOADED:
        __import__(name)
    assert "nnlib" not in sys.modules, "the kernel server must never import nnlib"
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    assert threads == 1, f"expected one thread before forking kernels, got {threads}"
    signal.signal(signal.SIGCHLD, reap)
    while True:
        conn, _ = listener.accept()
        conn.settimeout(REQUEST_SECONDS)  # a peer that sends nothing cannot stall the rest
        try:
            request, fds = receive(conn)
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            status = 1
            try:
                run_kernel(conn, request, fds, level, base, server)
                status = 0
            except BaseException:  # noqa: BLE001 - the child must end here, whatever happened
                traceback.print_exc()
            finally:
                os._exit(status)
        conn.close()
        for fd in fds:
            os.close(fd)


def reap(*_) -> None:
    """Wait for every kernel that has ended (so their CPU time counts in this process's)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def receive(conn: socket.socket) -> tuple[dict, list[int]]:
    """A launcher's request and its three standard streams; only from the grader's uid."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    message, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if uid != os.getuid() or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError(f"expected a launcher of uid {os.getuid()} with 3 streams, got "
                         f"uid {uid} with {len(fds)}")
    return json.loads(message), fds


def run_kernel(conn: socket.socket, request: dict, fds: list[int], level: str,
               base: Path, server: int) -> None:
    """In the forked child: isolate as the cold launcher does, then be the kernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    conn.settimeout(None)
    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    own_uid = level != "scratch-only"
    os.chdir(request["submission"])
    os.environ["NNCOURSE_SANDBOX_HIDE"] = request.get("hide", "")  # as the cold launcher's
    folder = kernel.make_folder(Path(request["submission"]), Path(request["repo"]),
                                Path(request["connection"]), base, own_uid)
    if level == "namespace+nobody":
        try:
            mounts.private_namespace()
        except OSError as error:  # no namespace of its own: mounting would be seen by all
            print(f"nncourse sandbox: no mount namespace: {error}", file=sys.stderr)
        else:
            kernel.hide_from(folder, Path(request["course"]), Path(request["repo"]))
    if own_uid:
        rights.drop_privileges(rights.own_uid())
    # After the uid change, which clears it: the server dies with the batch, and this
    # kernel with the server (its launcher, orphaned, then sees the socket close).
    processes.set_parent_death_signal(server)
    os.environ.clear()
    os.environ.update(kernel.kernel_environment(folder, request.get("parent", {})))
    os.chdir(folder)
    limits.apply(kernel.kernel_limits(own_uid))
    sys.path.insert(0, str(folder))  # as ``python -m`` would have it: the copy's nnlib imports
    sys.argv = [sys.argv[0], *kernel.kernel_arguments(folder)]
    threading.Thread(target=die_with_launcher, args=(conn,), daemon=True).start()
    from ipykernel.kernelapp import launch_new_instance  # preloaded; not in the batch

    parent = request.get("parent", {}).get("JPY_PARENT_PID", "0")  # read at import: too early
    launch_new_instance(argv=[*kernel.kernel_arguments(folder),
                              f"--IPKernelApp.parent_handle={int(parent)}"])


def die_with_launcher(conn: socket.socket) -> None:
    """Block on the launcher's socket; when it closes, kill this kernel's whole session."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)
