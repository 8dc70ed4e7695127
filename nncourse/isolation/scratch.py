"""Scratch folders: a private copy of what the student's process may see.

``make_scratch`` creates a fresh folder (mode 0700) that records its owner's PID, so that a
later run can remove the folders of owners that died without cleaning up
(``sweep_stale``: a ``kill -9``, a reboot). ``copy_package`` copies only the ``.py`` files
of a package; data reach a worker as arrays, and the kernel gets the instructor's data
sets from the trusted side.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MAX_PACKAGE_BYTES = 20 * 2**20
OWNER_FILE = ".owner"


def make_scratch(prefix: str, base: Path | None = None) -> Path:
    """A new private folder ``base/prefixXXXX`` (default base: the system temp folder)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    return folder


def owner_alive(folder: Path) -> bool:
    """Whether the process that made ``folder`` with ``make_scratch`` still runs."""
    try:
        pid = int((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return False  # no owner recorded: not ours to keep
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(prefix: str, base: Path | None = None) -> list[Path]:
    """Remove the ``prefix*`` folders under ``base`` whose owner is dead; return them."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for folder in sorted(base.glob(prefix + "*")):
        if folder.is_dir() and not folder.is_symlink() and not owner_alive(folder):
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
