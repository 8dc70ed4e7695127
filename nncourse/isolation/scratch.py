"""Scratch folders: a private copy of what the student's process may see.

``make_scratch`` creates a fresh folder (mode 0700) whose name holds its owner's PID
(``PREFIX<pid>-XXXX``, so it is recorded the moment the folder exists), and a later run
removes the folders of owners that died without cleaning up (``sweep_stale``: a
``kill -9``, a reboot). ``copy_package`` copies only the ``.py`` files of a package;
data reach a worker as arrays, and the kernel gets the instructor's data sets from the
trusted side.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MAX_PACKAGE_BYTES = 20 * 2**20


def make_scratch(prefix: str, base: Path | None = None) -> Path:
    """A new private folder ``base/<prefix><pid>-XXXX`` (default base: the temp folder)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))


def owner_alive(folder: Path, prefix: str) -> bool:
    """Whether the process that made ``folder`` with ``make_scratch(prefix)`` still runs.

    A zombie (dead, not yet reaped: an orphan waits for init to reap it) is not running.
    """
    pid = folder.name[len(prefix):].partition("-")[0]
    if not folder.name.startswith(prefix) or not pid.isdigit():
        return True  # not made by make_scratch: not ours to remove
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): kill(0) must do


def sweep_stale(prefix: str, base: Path | None = None) -> list[Path]:
    """Remove the ``prefix*`` folders under ``base`` whose owner is dead; return them."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for folder in sorted(base.glob(prefix + "*")):
        if folder.is_dir() and not folder.is_symlink() and not owner_alive(folder, prefix):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def copy_package(package: Path, target: Path) -> int:
    """Copy the ``.py`` files of ``package`` into ``target``; return how many.

    Symlinks (of files or of folders on the way), caches and dot files are skipped; a
    missing package copies nothing. More than ``MAX_PACKAGE_BYTES`` is a ``ValueError``.
    """
    package = Path(package)
    if not package.is_dir() or package.is_symlink():
        return 0
    total = copied = 0
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if path.is_symlink() or not path.is_file() or "__pycache__" in rel.parts:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        if any((package / parent).is_symlink() for parent in rel.parents):
            continue
        total += path.stat().st_size
        if total > MAX_PACKAGE_BYTES:
            raise ValueError(f"expected nnlib's .py files to hold at most "
                             f"{MAX_PACKAGE_BYTES} bytes, got more")
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / rel)
        copied += 1
    return copied


SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")  # world-writable: any uid may leave files


def remove_owned(uids: set[int], folders: tuple[str, ...] = SHARED_TEMP) -> list[str]:
    """Remove what ``uids`` left at the top of the shared temp folders; return the paths.

    An isolated process with a uid of its own (``rights.own_uid``) can write nowhere else
    outside its scratch folder, so this is all it can leave behind.
    """
    removed = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid not in uids:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed.append(entry.path)
            except OSError:
                continue
    return removed

