"""The kernel nbgrader runs students' notebooks in: away from the course, with fewer rights.

nbgrader starts a kernel in ``autograded/STUDENT/lessonNN`` (inside the course folder), as
the grader's user. The course's kernelspec ``nncourse-sandbox`` runs this module instead of
``ipykernel`` directly. It is a launcher that ends by ``exec``-ing ipykernel, so the PID
nbgrader signals (interrupt on timeout, kill at shutdown) is the kernel's own:

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
   (``kernel_uid``: 200000 + PID mod 100000, no account, owns nothing but the scratch
   copy, so parallel kernels cannot read each other either), ``no_new_privs``; limits
   on address space, file size, processes and core dumps.
4. Elsewhere (not root, macOS, Windows) only step 1 and the limits apply: the notebook runs
   away from the course folder but with the grader's rights. ``docs/instructor.md`` says so.

Authoritative ``nnlib`` scores never come from this kernel (see ``autograde.py``); the
sandbox protects the course's secrets and files from the notebook's code.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nncourse.classroom.mounts import closed_ancestors, hidden_and_kept, hide_paths

KERNEL_NAME = "nncourse-sandbox"
FIRST_UID = 200000  # kernel uids: FIRST_UID + pid % UID_RANGE, no passwd entry, no files
UID_RANGE = 100000
PR_SET_NO_NEW_PRIVS = 38
LIMITS = {  # resource name -> soft and hard limit
    "RLIMIT_AS": 4 * 2**30,
    "RLIMIT_FSIZE": 256 * 2**20,
    "RLIMIT_NPROC": 512,
    "RLIMIT_CORE": 0,
}


def kernelspec_dir(course_private: Path) -> Path:
    """Where ``nbgrader_config.py`` points ``JUPYTER_PATH`` to find the sandbox kernel."""
    return course_private / "jupyter" / "kernels" / KERNEL_NAME


def install_kernelspec(course_private: Path, course_root: Path, repo: Path) -> Path:
    """Write the ``nncourse-sandbox`` kernelspec of a course; return its folder."""
    folder = kernelspec_dir(course_private)
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "nncourse.classroom.sandbox",
                 "--course", str(course_root), "--repo", str(repo), "-f", "{connection_file}"],
        "display_name": "nnlib sandbox (autograde)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def level() -> str:
    """What this machine isolates: ``"namespace+nobody"``, ``"nobody"`` or ``"scratch-only"``.

    ``"nobody"`` (an unprivileged uid, no mount namespace) needs an interpreter that
    other users can run. ``NNCOURSE_SANDBOX_LEVEL`` may lower the level (to try what a
    machine without root or namespaces does), never raise it.
    """
    forced = os.environ.get("NNCOURSE_SANDBOX_LEVEL", "")
    if forced == "scratch-only" or not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "scratch-only"
    unshare = shutil.which("unshare")
    probe = [unshare, "--mount", "true"] if unshare and forced != "nobody" else None
    if probe and subprocess.run(probe, capture_output=True).returncode == 0:
        return "namespace+nobody"
    if closed_ancestors(Path(sys.executable).resolve()):
        return "scratch-only"
    return "nobody"


def copy_submission(src: Path, scratch: Path) -> None:
    """Copy ``src/nnlib/**/*.py`` into ``scratch/nnlib``, skipping symlinks."""
    base = src / "nnlib"
    if not base.is_dir() or base.is_symlink():
        return
    for path in sorted(base.rglob("*.py")):
        if path.is_symlink() or any(p.is_symlink() for p in path.relative_to(src).parents):
            continue
        target = scratch / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def copy_trusted(repo: Path, scratch: Path) -> None:
    """Add what the kernel may use but students do not hand in.

    That is the course's data sets (``nnlib/datasets`` of the instructor's copy) and
    matplotlib's font cache (else each kernel spends a second or more rebuilding it).
    """
    datasets = repo / "nnlib" / "datasets"
    if datasets.is_dir() and (scratch / "nnlib").is_dir():
        shutil.copytree(datasets, scratch / "nnlib" / "datasets", dirs_exist_ok=True)
    cache = Path(os.environ.get("MPLCONFIGDIR") or Path.home() / ".cache" / "matplotlib")
    (scratch / ".matplotlib").mkdir()
    for path in cache.glob("fontlist-*.json"):
        shutil.copyfile(path, scratch / ".matplotlib" / path.name)


def chown_tree(folder: Path, uid: int) -> None:
    """Give ``folder`` and everything in it to ``uid`` (gid the same)."""
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def kernel_uid() -> int:
    """An unprivileged uid of this kernel's own.

    Kernels graded at the same time (``--jobs``) get different uids (their PIDs differ),
    so one cannot read another's scratch folder or ``/proc/PID`` entries.
    """
    return FIRST_UID + os.getpid() % UID_RANGE


def drop_privileges(uid: int) -> None:
    """Become ``uid`` (group the same) with no groups and ``no_new_privs`` (Linux, root)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def set_limits(own_uid: bool) -> None:
    """Apply ``LIMITS`` where the platform has them.

    The process limit counts every process of the uid, so it is set only when the kernel
    has a uid of its own (not for the grader's user in ``scratch-only`` mode).
    """
    try:
        import resource
    except ImportError:  # Windows
        return
    for name, value in LIMITS.items():
        if name == "RLIMIT_NPROC" and not own_uid:
            continue
        if hasattr(resource, name):
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass


def exec_kernel(scratch: Path) -> None:
    """Replace this process by ipykernel, cwd ``scratch``, a clean ``HOME`` there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NNCOURSE_", "JUPYTER_"))}
    env.update(HOME=str(scratch), IPYTHONDIR=str(scratch / ".ipython"),
               MPLCONFIGDIR=str(scratch / ".matplotlib"), TMPDIR=str(scratch),
               JUPYTER_RUNTIME_DIR=str(scratch / ".runtime"), MPLBACKEND="Agg",
               # one BLAS thread and few malloc arenas: fair with --jobs, and the address
               # space limit is not eaten by per-thread reservations on many-core graders
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MALLOC_ARENA_MAX="2")
    env.pop("PYTHONPATH", None)
    os.chdir(scratch)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(scratch / "connection.json"),
            "--IPKernelApp.exec_lines=['import nncourse.classroom.kernel_startup']"]
    os.execve(sys.executable, argv, env)


def launch(args: argparse.Namespace) -> None:
    """Stage 1, as nbgrader's user in the submission folder: make the scratch copy."""
    base = Path(os.environ.get("NNCOURSE_SCRATCH") or tempfile.gettempdir())
    scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=base))
    copy_submission(Path.cwd(), scratch)
    copy_trusted(Path(args.repo), scratch)
    shutil.copyfile(args.f, scratch / "connection.json")
    mode = level()
    if mode == "scratch-only":
        set_limits(own_uid=False)
        exec_kernel(scratch)
    chown_tree(scratch, kernel_uid())  # the PID stays the same through every exec
    os.chmod(scratch, 0o700)
    stage2 = [sys.executable, "-m", "nncourse.classroom.sandbox", "--stage2", str(scratch),
              "--course", args.course, "--repo", args.repo, "-f", args.f]
    if mode == "namespace+nobody":
        unshare = shutil.which("unshare")
        os.execv(unshare, [unshare, "--mount", "--propagation", "private", "--", *stage2])
    os.execv(sys.executable, stage2)


def confine(args: argparse.Namespace) -> None:
    """Stage 2, root in its own mount namespace (or not): hide, drop rights, exec."""
    scratch = Path(args.stage2)
    if level() == "namespace+nobody":
        hide, keep = hidden_and_kept(Path(args.course).resolve(), Path(args.repo).resolve())
        try:
            hide_paths(hide, keep, scratch.parent / f".staging-{scratch.name}")
        except OSError as error:
            print(f"nncourse sandbox: could not hide paths: {error}", file=sys.stderr)
    set_limits(own_uid=True)
    drop_privileges(kernel_uid())
    exec_kernel(scratch)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the kernelspec's argv."""
    parser = argparse.ArgumentParser(prog="python -m nncourse.classroom.sandbox")
    parser.add_argument("--course", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--stage2", default=None)
    parser.add_argument("-f", required=True, help="connection file")
    args = parser.parse_args(argv)
    confine(args) if args.stage2 else launch(args)


if __name__ == "__main__":
    main()
