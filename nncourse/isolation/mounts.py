"""Hide paths from the autograde kernel: empty read-only tmpfs mounts in its own namespace.

Run as root inside ``unshare --mount --propagation private`` (the autograde kernel's
launcher does, ``nncourse.classroom.autograde.kernel``), so the mounts exist for that
process only. ``hidden_and_kept`` decides what to cover (the
course, the instructor repository, ``grader/hidden``, closed folders above the
interpreter) and what to re-expose read-only inside them (the ``nncourse`` package, the
Python installation); ``hide_paths`` does it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def closed_ancestors(path: Path) -> list[Path]:
    """Folders above ``path`` that other users cannot enter (no ``o+x``), outermost first."""
    return [a for a in reversed(path.parents) if a.is_dir() and not a.stat().st_mode & 0o001]


def hidden_and_kept(course: Path, repo: Path) -> tuple[list[Path], list[Path]]:
    """Paths to cover with an empty tmpfs, and paths inside them to keep visible (read-only).

    Hidden: the course folder, the instructor repository, ``grader/hidden``, anything in
    ``$NNCOURSE_SANDBOX_HIDE``, and every closed folder above what the kernel needs (the
    interpreter, the environment, ``nncourse``), e.g. ``/root`` when Python lives in
    ``/root/.pyenv``: the needed folder is re-exposed alone and the rest of it stays hidden.
    """
    import nncourse

    package = Path(nncourse.__file__).resolve().parent
    hide = [repo, course, package / "grader" / "hidden", repo / "nncourse" / "grader" / "hidden"]
    extra = os.environ.get("NNCOURSE_SANDBOX_HIDE", "")
    hide += [Path(p) for p in extra.split(os.pathsep) if p]
    needed = [package, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
              Path(sys.executable).resolve().parent]
    keep = []
    for path in needed:
        closed = closed_ancestors(path)
        if closed or any(path.is_relative_to(h.resolve()) for h in hide if h.exists()):
            hide += closed
            keep.append(path)
    keep = [k for k in dict.fromkeys(keep) if not any(
        k != other and k.is_relative_to(other) for other in keep)]
    return [p.resolve() for p in hide if p.exists()], keep


def mount(*args: str) -> None:
    """Run ``mount`` and raise with its message on failure."""
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        raise OSError(f"mount {' '.join(args)}: {done.stderr.strip()}")


def hide_paths(hide: list[Path], keep: list[Path], staging: Path) -> None:
    """Cover each of ``hide`` with an empty read-only tmpfs, re-exposing each of ``keep``.

    Paths to hide that lie inside a kept path (``nncourse/grader/hidden``) are covered
    after the kept paths are back in place.
    """
    hide = sorted(set(hide), key=lambda p: len(p.parts))
    outer = [h for h in hide if not any(h.is_relative_to(k) for k in keep)]
    outer = [h for i, h in enumerate(outer) if not any(h.is_relative_to(o) for o in outer[:i])]
    inner = [h for h in hide if h not in outer and any(h.is_relative_to(k) for k in keep)]
    staged = []
    for index, path in enumerate(keep):
        spot = staging / str(index)
        spot.mkdir(parents=True, exist_ok=True)
        mount("--rbind", str(path), str(spot))
        staged.append((spot, path))
    for path in outer:
        mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "nncourse-hidden", str(path))
    for spot, path in staged:
        path.mkdir(parents=True, exist_ok=True)
        mount("--move", str(spot), str(path))
        mount("-o", "remount,bind,ro", str(path))
    for path in outer:
        mount("-o", "remount,ro", str(path))
    for path in inner:
        mount("-t", "tmpfs", "-o", "size=4k,mode=0,ro", "nncourse-hidden", str(path))


CLONE_NEWNS = 0x00020000


def private_namespace() -> None:
    """Give this (single-threaded, root) process a mount namespace of its own.

    What ``unshare --mount --propagation private`` does for a new process: later mounts
    here are seen by this process and its children only. ``OSError`` if either step
    fails, and then nothing may be mounted.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    mount("--make-rprivate", "/")
