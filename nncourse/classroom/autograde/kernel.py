"""The kernel nbgrader runs students' notebooks in: away from the course, with fewer rights.

nbgrader starts a kernel in ``autograded/STUDENT/lessonNN`` (inside the course folder), as
the grader's user. The course's kernelspec ``nncourse-sandbox`` runs this module instead of
``ipykernel`` directly. It is a launcher that ends by ``exec``-ing ipykernel, so the PID
nbgrader signals (interrupt on timeout, kill at shutdown) is the kernel's own:

All of it is built from the isolation layer (``nncourse.isolation``), the same parts the
grader's workers use:

1. **Scratch copy.** Copy only ``nnlib/**/*.py`` of the submission (no symlinks), the
   instructor's ``nnlib/datasets`` and the connection file into a fresh folder under
   ``$NNCOURSE_SCRATCH`` (set per run by ``nncourse autograde``; the system temp folder
   otherwise). The kernel's cwd is that copy. ``kernel_startup.py`` is run first: no
   checks run in the kernel (scores come from the grader's workers).
2. **Hidden paths** (Linux, root, ``unshare`` available): in a private mount namespace an
   empty read-only tmpfs is mounted over the course folder, over the whole instructor
   repository (``.git`` and ``solutions/`` included) except the ``nncourse`` package and a
   Python environment that lives inside it, and over ``nncourse/grader/hidden``.
3. **Unprivileged user** (Linux, root): groups cleared, a uid/gid of the kernel's own
   (``rights.own_uid``: 200000 + PID mod 100000, no account, owns nothing but the scratch
   copy, so parallel kernels cannot read each other either), ``no_new_privs``.
4. **Always**: an environment built from nothing, limits on address space, file size,
   processes (with a uid of its own) and core dumps (``nncourse.isolation.enter``), and
   death with nbgrader's batch process (ipykernel's parent poller). Elsewhere (not root,
   macOS, Windows) only these and step 1 apply: the notebook runs away from the course
   folder but with the grader's rights. ``docs/instructor.md`` says so.

**Warm or cold.** During ``nncourse autograde`` each batch process runs a kernel server
(``warm_kernels.py``) that has ipykernel, numpy and matplotlib imported; the launcher
(``warm_client``) has it fork a fresh child per notebook, which takes the same steps 1-4
with the functions below (``make_folder``, ``hide_from``, ``kernel_environment``,
``kernel_limits``) and becomes the kernel without an ``exec``. Without a server (plain
``nbgrader``, ``NNCOURSE_WARM_KERNELS=0``) the launcher starts the kernel cold, by exec.

Authoritative ``nnlib`` scores never come from this kernel (see ``finish.py``); the
sandbox protects the course's secrets and files from the notebook's code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

from nncourse.isolation import enter, rights, scratch
from nncourse.isolation.environment import clean_environment
from nncourse.isolation.limits import Limits
from nncourse.isolation.mounts import hidden_and_kept, hide_paths
from nncourse.isolation.rights import level

KERNEL_NAME = "nncourse-sandbox"
SCRATCH_PREFIX = "kernel-"
MEMORY_MB, FSIZE_MB = 4096, 256
SERVER_ENV = "NNCOURSE_KERNEL_SERVER"  # the socket of the batch's warm kernels, if any
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def kernelspec_dir(course_private: Path) -> Path:
    """Where ``nbgrader_config.py`` points ``JUPYTER_PATH`` to find the sandbox kernel."""
    return course_private / "jupyter" / "kernels" / KERNEL_NAME


def install_kernelspec(course_private: Path, course_root: Path, repo: Path) -> Path:
    """Write the ``nncourse-sandbox`` kernelspec of a course; return its folder."""
    folder = kernelspec_dir(course_private)
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "nncourse.classroom.autograde.kernel",
                 "--course", str(course_root), "--repo", str(repo), "-f", "{connection_file}"],
        "display_name": "nnlib sandbox (autograde)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def copy_trusted(repo: Path, folder: Path) -> None:
    """Add what the kernel may use but students do not hand in.

    That is the course's data sets (``nnlib/datasets`` of the instructor's copy) and
    matplotlib's font cache (else each kernel spends a second or more rebuilding it).
    """
    datasets = repo / "nnlib" / "datasets"
    if datasets.is_dir() and (folder / "nnlib").is_dir():
        shutil.copytree(datasets, folder / "nnlib" / "datasets", dirs_exist_ok=True)
    cache = Path(os.environ.get("MPLCONFIGDIR") or Path.home() / ".cache" / "matplotlib")
    (folder / ".matplotlib").mkdir()
    for path in cache.glob("fontlist-*.json"):
        shutil.copyfile(path, folder / ".matplotlib" / path.name)


def kernel_environment(folder: Path, parent: dict[str, str]) -> dict[str, str]:
    """The kernel's whole environment: a clean one, homed in ``folder``, plus ``parent``."""
    return clean_environment(
        folder, IPYTHONDIR=str(folder / ".ipython"), MPLCONFIGDIR=str(folder / ".matplotlib"),
        JUPYTER_RUNTIME_DIR=str(folder / ".runtime"),
        # few malloc arenas: the address space limit is not eaten by per-thread
        # reservations on many-core graders
        MALLOC_ARENA_MAX="2", **parent)


def kernel_limits(own_uid: bool) -> Limits:
    """The kernel's limits (a process cap only with a uid of its own)."""
    return Limits(memory_mb=MEMORY_MB, fsize_mb=FSIZE_MB, cpu_seconds=None,
                  processes="own" if own_uid else None)


def kernel_arguments(folder: Path) -> list[str]:
    """The command-line arguments of ipykernel for the kernel in ``folder``."""
    return ["-f", str(folder / "connection.json"),
            "--IPKernelApp.exec_lines=['import nncourse.classroom.autograde.kernel_startup']",
            # not the warning, per kernel, that the local TCP socket is unencrypted: it
            # buried the batch log that an instructor reads when a batch fails
            "--IPKernelApp.log_level=ERROR"]


def exec_kernel(folder: Path, own_uid: bool) -> None:
    """Replace this process by ipykernel, isolated: cwd ``folder``, a clean environment.

    The isolation layer's entry point applies the limits. The kernel ends with
    nbgrader's batch process through ipykernel's own parent poller (``JPY_PARENT_PID``),
    not ``PR_SET_PDEATHSIG``: nbgrader may start the kernel from a short-lived thread,
    and that signal fires when the *thread* ends.
    """
    parent = {k: os.environ[k] for k in ("JPY_PARENT_PID",) if k in os.environ}
    env = kernel_environment(folder, parent)
    os.chdir(folder)
    argv = enter.command("ipykernel.kernelapp:launch_new_instance", kernel_arguments(folder),
                         resource_limits=kernel_limits(own_uid), landlock_write=None,
                         parent=None, safe_path=False)
    os.execve(sys.executable, argv, env)


def make_folder(submission: Path, repo: Path, connection: Path, base: Path | None,
                own_uid: bool) -> Path:
    """Stage 1, as nbgrader's user: the kernel's scratch copy of ``submission`` in ``base``.

    With ``own_uid`` the copy becomes the kernel's uid's (``rights.own_uid()``: the PID
    stays the same through every exec).
    """
    folder = scratch.make_scratch(SCRATCH_PREFIX, base)
    scratch.copy_package(submission / "nnlib", folder / "nnlib")
    copy_trusted(repo, folder)
    shutil.copyfile(connection, folder / "connection.json")
    if own_uid:
        rights.chown_tree(folder, rights.own_uid())
        os.chmod(folder, 0o700)
    return folder


def scratch_base() -> Path | None:
    """Where kernels' scratch copies go: ``$NNCOURSE_SCRATCH`` (set per run), or the temp folder."""
    return Path(os.environ["NNCOURSE_SCRATCH"]) if os.environ.get("NNCOURSE_SCRATCH") else None


def hide_from(folder: Path, course: Path, repo: Path) -> None:
    """In this process's own mount namespace: cover the course and the repository."""
    hide, keep = hidden_and_kept(course.resolve(), repo.resolve())
    try:
        hide_paths(hide, keep, folder.parent / f".staging-{folder.name}")
    except OSError as error:
        print(f"nncourse sandbox: could not hide paths: {error}", file=sys.stderr)


def warm_client(server: str, args: argparse.Namespace) -> bool:
    """Have the batch's warm kernel server (``warm_kernels.py``) fork this notebook's kernel.

    Sends the submission folder, the connection file and this process's stdin, stdout
    and stderr; gets the kernel's PID, forwards nbgrader's signals to it (an interrupt
    on a cell timeout), and returns when the kernel has ended (its end of the socket
    closes). If this process is killed, the kernel sees its socket close and kills
    itself. False, having started nothing, when no server answers: the caller then
    starts the kernel the cold way.
    """
    request = {"submission": os.getcwd(), "connection": os.path.abspath(args.f),
               "course": args.course, "repo": args.repo,
               "hide": os.environ.get("NNCOURSE_SANDBOX_HIDE", ""),
               "parent": {k: os.environ[k] for k in ("JPY_PARENT_PID",) if k in os.environ}}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(server)
            socket.send_fds(sock, [json.dumps(request).encode()], [0, 1, 2])
            reply = sock.makefile("rb").readline()
        except OSError:
            return False
        if not reply:  # the server could not fork: nothing was started
            return False
        pid = int(json.loads(reply)["pid"])
        for number in FORWARDED:
            signal.signal(number, lambda signum, _: os.kill(pid, signum))
        while True:
            try:
                if not sock.recv(4096):
                    return True
            except OSError:
                return True


def launch(args: argparse.Namespace) -> None:
    """Stage 1: make the scratch copy; exec stage 2 (in a mount namespace of its own)."""
    if os.environ.get(SERVER_ENV) and warm_client(os.environ[SERVER_ENV], args):
        sys.exit(0)  # a warm kernel ran, and has ended
    mode = level()
    folder = make_folder(Path.cwd(), Path(args.repo), Path(args.f), scratch_base(),
                         own_uid=mode != "scratch-only")
    if mode == "scratch-only":
        exec_kernel(folder, own_uid=False)
    stage2 = [sys.executable, "-m", "nncourse.classroom.autograde.kernel", "--stage2", str(folder),
              "--course", args.course, "--repo", args.repo, "-f", args.f]
    if mode == "namespace+nobody":
        unshare = shutil.which("unshare")
        os.execv(unshare, [unshare, "--mount", "--propagation", "private", "--", *stage2])
    os.execv(sys.executable, stage2)


def confine(args: argparse.Namespace) -> None:
    """Stage 2, root in its own mount namespace (or not): hide, drop rights, exec."""
    folder = Path(args.stage2)
    if level() == "namespace+nobody":
        hide_from(folder, Path(args.course), Path(args.repo))
    rights.drop_privileges(rights.own_uid())
    exec_kernel(folder, own_uid=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the kernelspec's argv."""
    parser = argparse.ArgumentParser(prog="python -m nncourse.classroom.autograde.kernel")
    parser.add_argument("--course", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--stage2", default=None)
    parser.add_argument("-f", required=True, help="connection file")
    args = parser.parse_args(argv)
    confine(args) if args.stage2 else launch(args)


if __name__ == "__main__":
    main()
