"""Resource limits of an isolated process, applied by the process itself (``enter.py``).

A ``Limits`` travels as JSON in the process's command line and is applied before any
student code is imported; the limits hold for the process and everything it starts.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits; ``None`` leaves a limit as it was.

    ``processes`` is ``"own"`` for a process with a uid of its own (a fixed cap counts
    only its processes), ``"shared"`` for one running as the grader's user (room for a few
    hundred more beside the user's current ones; root ignores the limit), or ``None``.
    """

    memory_mb: int | None = 2048
    fsize_mb: int | None = 64
    cpu_seconds: int | None = 300
    processes: str | None = "shared"

    def as_json(self) -> dict:
        """The limits as a JSON-ready dict (``Limits(**d)`` reads it back)."""
        return asdict(self)


OWN_UID_PROCESSES = 512
SHARED_UID_ROOM = 256


def apply(limits: Limits) -> None:
    """Set ``limits`` on this process where the platform has them (not on Windows)."""
    try:
        import resource
    except ImportError:  # Windows: no limits (and no workers: they need fork)
        return
    wanted = [(resource.RLIMIT_CORE, 0, 0)]
    if limits.memory_mb is not None and hasattr(resource, "RLIMIT_AS"):
        wanted.append((resource.RLIMIT_AS, limits.memory_mb * 2**20, limits.memory_mb * 2**20))
    if limits.fsize_mb is not None:
        wanted.append((resource.RLIMIT_FSIZE, limits.fsize_mb * 2**20, limits.fsize_mb * 2**20))
    if limits.cpu_seconds is not None:
        wanted.append((resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1))
    room = process_room(limits.processes)
    if room is not None and hasattr(resource, "RLIMIT_NPROC"):
        wanted.append((resource.RLIMIT_NPROC, room, room))
    for which, soft, hard in wanted:
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):  # e.g. RLIMIT_AS on macOS: the other limits still hold
            pass


def process_room(mode: str | None) -> int | None:
    """The ``RLIMIT_NPROC`` value for ``mode`` (see ``Limits``), or None for none."""
    if mode == "own":
        return OWN_UID_PROCESSES
    if mode == "shared" and hasattr(os, "getuid") and os.getuid() != 0 \
            and os.path.isdir("/proc"):
        return user_processes(os.getuid()) + SHARED_UID_ROOM
    return None


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
