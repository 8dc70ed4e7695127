"""What a student uploaded to a platform, staged as a folder holding ``nnlib/`` only.

A platform hands over a folder of uploaded files. Accepted, in this order: an ``nnlib/``
package at the top or inside one top folder (``lesson03/nnlib/...``), or a zip (the
``nncourse submit`` zip, or any zip with ``nnlib/`` at its top or in one folder), read
through ``nncourse.handin.read_zip`` (which refuses unsafe zips). Only ``nnlib/**/*.py``
is kept, as for every hand-in.
"""

from __future__ import annotations

from pathlib import Path

from nncourse.handin import SubmissionError, copy_expected, read_zip, write_submission

NO_NOTEBOOK = "\0"  # read_zip and copy_expected keep a notebook of this name: none can be


def _package_parent(folder: Path) -> Path | None:
    """The folder holding ``nnlib/__init__.py``: ``folder`` or one folder below it."""
    if (folder / "nnlib").is_dir():
        return folder
    below = [p for p in sorted(folder.iterdir()) if p.is_dir() and not p.is_symlink()
             and (p / "nnlib").is_dir()]
    return below[0] if below else None


def stage(uploaded: Path, dest: Path) -> Path:
    """Copy the ``nnlib/**/*.py`` of ``uploaded`` into the new folder ``dest``; return it.

    Raises:
        SubmissionError: no ``nnlib`` found, or the zip is unreadable or unsafe; the
            message is written for the student and names no path of the platform's.
    """
    uploaded = Path(uploaded)
    parent = _package_parent(uploaded) if uploaded.is_dir() else None
    if parent is not None:
        copy_expected(parent, dest, NO_NOTEBOOK, include_notebook=False)
    else:
        zips = sorted(uploaded.rglob("*.zip")) if uploaded.is_dir() else []
        if not zips:
            raise SubmissionError(
                "no nnlib found in your upload: upload the zip that 'nncourse submit' "
                "wrote, or your nnlib/ folder (with __init__.py)")
        problems = []
        for path in zips:
            try:
                files = read_zip(path, NO_NOTEBOOK)
            except SubmissionError as error:
                problems.append(str(error).replace(f"expected {NO_NOTEBOOK} and/or ",
                                                   "expected "))
                continue
            write_submission(files, dest)
            break
        else:
            raise SubmissionError("no usable nnlib in your upload: " + "; ".join(problems))
    if not (dest / "nnlib" / "__init__.py").is_file():
        raise SubmissionError("your upload has no nnlib/__init__.py: upload the zip that "
                              "'nncourse submit' wrote, or your whole nnlib/ folder")
    return dest
