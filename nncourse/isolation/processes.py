"""Process groups, tokens and clean-up: no process of a student's run outlives it.

An isolated process starts in its own session (its own process group). Its environment
carries a random token (``TOKEN_VARIABLE``), inherited by everything it starts, so that
even a double-forked child that left the group can be found through ``/proc`` and
killed. It also dies with its parent (``set_parent_death_signal``, Linux), so a
``kill -9`` of the grader takes its workers down with it.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import sys
import threading
import time

TOKEN_VARIABLE = "NNCOURSE_WORKER_TOKEN"
OUTPUT_KEEP = 8192
PR_SET_PDEATHSIG = 1


def new_token() -> str:
    """A fresh random token for one isolated run."""
    return secrets.token_hex(16)


def set_parent_death_signal(expected_parent: int | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent ends (Linux); True if set.

    Linux sends the signal when the parent *thread* that started this process ends, so
    the caller must start it from a thread that outlives it (the grader's main thread, or
    the reference thread, which closes its workers before it ends). If
    ``expected_parent`` is given and the parent is already another process (it died
    before the call), this process ends at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        done = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL,
                                                       0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(70)
    return done


def processes_with_token(token: str) -> list[int]:
    """Pids of live processes whose environment holds ``TOKEN=token``."""
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    if not os.path.isdir("/proc"):  # no /proc (macOS): the session kill must do
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_token_holders(token: str, keep: int | None = None) -> None:
    """SIGKILL every process carrying ``token`` but ``keep``, until none is left."""
    for _ in range(20):
        pids = [pid for pid in processes_with_token(token) if pid != keep]
        if not pids:
            return
        for pid in pids:
            kill(pid)
        time.sleep(0.01)


def children(parent: int) -> list[int]:
    """PIDs of the live processes whose parent is ``parent`` (from ``/proc``; none without)."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def kill(pid: int, group: bool = False) -> None:
    """SIGKILL the process (or process group) ``pid``; gone already is fine."""
    try:
        (os.killpg if group else os.kill)(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class OutputDrain(threading.Thread):
    """Read a process's stdout/stderr to the end, keeping only the first bytes."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.kept, self.total = fd, bytearray(), 0

    def run(self) -> None:
        """Read until end of file, keeping the first ``OUTPUT_KEEP`` bytes."""
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                self.total += len(chunk)
                if len(self.kept) < OUTPUT_KEEP:
                    self.kept += chunk[: OUTPUT_KEEP - len(self.kept)]
        except OSError:
            pass
