"""Fewer rights for an isolated process: a uid of its own, no groups, ``no_new_privs``.

Only where the grader runs as root on Linux; ``level`` says what this machine can do.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

from nncourse.isolation.mounts import closed_ancestors

FIRST_UID = 200000  # own uids: FIRST_UID + pid % UID_RANGE, no passwd entry, no files
UID_RANGE = 100000
PR_SET_NO_NEW_PRIVS = 38


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


def own_uid(pid: int | None = None) -> int:
    """An unprivileged uid of the process ``pid``'s own (default: this process).

    Processes isolated at the same time get different uids (their PIDs differ), so one
    cannot read another's scratch folder or ``/proc/PID`` entries.
    """
    return FIRST_UID + (os.getpid() if pid is None else pid) % UID_RANGE


def chown_tree(folder: Path, uid: int) -> None:
    """Give ``folder`` and everything in it to ``uid`` (gid the same)."""
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def drop_privileges(uid: int) -> None:
    """Become ``uid`` (group the same) with no groups and ``no_new_privs`` (Linux, root)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
