"""What a lesson submission is: the lesson notebook and ``nnlib/**/*.py``, nothing else.

Every path that reads a submission goes through here: ``collect`` unpacking LMS zips,
``autograde`` hashing it and copying it for the grader, ``submit`` packing it. Anything
else a student hands in (data files, ``conftest.py``, a fake ``nncourse/``) is ignored, so
no file of theirs can shadow grading code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}  # nbgrader's own, kept alongside
MAX_FILE = 5 * 2**20  # bytes, any one file
MAX_TOTAL = 40 * 2**20  # bytes, whole submission
MAX_MEMBERS = 2000
MAX_RATIO = 200  # uncompressed / compressed size of one member


class SubmissionError(ValueError):
    """A submission is missing something, or a zip is unsafe; the message says which."""


def is_expected(rel: str, notebook: str) -> bool:
    """Tell whether ``rel`` (posix, submission-relative) is the notebook or an nnlib module."""
    parts = PurePosixPath(rel).parts
    if rel == notebook:
        return True
    return (len(parts) >= 2 and parts[0] == "nnlib" and rel.endswith(".py")
            and all(p not in ("", ".", "..") and not p.startswith(".") for p in parts)
            and "__pycache__" not in parts)


def notebook_problem(path: Path) -> str | None:
    """What is wrong with a handed-in notebook file, or None: missing, not JSON, not a notebook.

    Reads the file as data only; nothing in it runs.
    """
    if not path.is_file():
        return f"{path.name} is missing"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return (f"{path.name} is not valid JSON: {error.msg} at line {error.lineno} column "
                f"{error.colno}")
    except (UnicodeDecodeError, OSError) as error:
        return f"{path.name} cannot be read as text: {error}"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return f"{path.name} is JSON but not a notebook (no list of cells)"
    return None


def nnlib_problem(folder: Path) -> str | None:
    """What is wrong with a handed-in ``nnlib`` as code, or None (it is compiled, never run).

    ``folder`` holds ``nnlib/``. A missing package, or a module with a syntax error (the
    first one, with its file and line), is a problem.
    """
    package = folder / "nnlib"
    if not (package / "__init__.py").is_file():
        return "no nnlib/ package (nnlib/__init__.py is missing)"
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(folder).as_posix()
        try:
            compile(path.read_bytes(), rel, "exec", dont_inherit=True)
        except SyntaxError as error:
            return f"{rel} line {error.lineno}: {type(error).__name__}: {error.msg}"
        except (ValueError, OSError) as error:  # e.g. null bytes
            return f"{rel}: {error}"
    return None


def cell_id(cell: dict) -> str:
    """The nbgrader grade_id of a notebook cell ("" for ordinary cells)."""
    meta = cell.get("metadata", {}) if isinstance(cell.get("metadata"), dict) else {}
    nbgrader = meta.get("nbgrader", {})
    return str(nbgrader.get("grade_id", "")) if isinstance(nbgrader, dict) else ""


def locked_cells(nb: dict) -> dict[str, str]:
    """grade_id -> source of a released notebook's locked cells (checks, not answers).

    These are the cells a student must leave as they were handed out.
    """
    found = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") and not meta.get("solution") and cell_id(cell):
            found[cell_id(cell)] = "".join(cell.get("source", ""))
    return found


def edited_cells(submitted: dict, released: dict[str, str]) -> list[str]:
    """grade_ids of ``released`` locked cells that ``submitted`` changed or removed."""
    theirs = {cell_id(c): "".join(c.get("source", "")) for c in submitted.get("cells", [])
              if isinstance(c, dict) and cell_id(c)}
    return [grade_id for grade_id, source in released.items() if theirs.get(grade_id) != source]


def expected_files(folder: Path, notebook: str) -> list[str]:
    """The expected files present in a submission folder (symlinks skipped), sorted."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or any(p.is_symlink() for p in path.parents if p != folder.parent):
            continue
        if path.is_file() and is_expected(rel, notebook):
            found.append(rel)
    return found


def submission_hash(folder: Path, notebook: str) -> str:
    """sha256 over the expected files' paths and bytes: equal hashes, equal submissions."""
    digest = hashlib.sha256()
    for rel in expected_files(folder, notebook):
        data = (folder / rel).read_bytes()
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def copy_expected(src: Path, dest: Path, notebook: str, include_notebook: bool = True) -> None:
    """Copy the expected files of ``src`` into a new folder ``dest``."""
    dest.mkdir(parents=True, exist_ok=False)
    for rel in expected_files(src, notebook):
        if rel == notebook and not include_notebook:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)


def _member_path(info: zipfile.ZipInfo) -> str:
    """The member's path, refusing absolute paths, ``..`` and symlinks (zip-slip)."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and parts[0].endswith(":")) or ".." in parts:
        raise SubmissionError(f"unsafe path in zip: {info.filename!r}")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError(f"symbolic link in zip: {info.filename!r}")
    return PurePosixPath(*parts).as_posix() if parts else ""


def read_zip(path: Path, notebook: str) -> dict[str, bytes]:
    """The expected files of a submission zip, by submission-relative path.

    The notebook and ``nnlib/`` may sit at the top of the zip or inside one folder
    (``lesson00/...``). Everything else is ignored.

    Raises:
        SubmissionError: not a zip, unsafe member path, too many members, a member or the
            total too large or compressed suspiciously well (a zip bomb), or nothing
            expected inside.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"{path.name}: not a readable zip file ({error})") from error
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise SubmissionError(f"{path.name}: expected at most {MAX_MEMBERS} files, "
                                  f"got {len(infos)}")
        try:
            names = {_member_path(i): i for i in infos}
        except SubmissionError as error:
            raise SubmissionError(f"{path.name}: {error}") from None
        prefix = _common_prefix(list(names), notebook)
        files, total = {}, 0
        for name, info in names.items():
            if not name.startswith(prefix):
                continue
            rel = name[len(prefix):]
            if not is_expected(rel, notebook):
                continue
            if info.file_size > MAX_FILE or info.file_size > MAX_RATIO * max(info.compress_size,
                                                                             1024):
                raise SubmissionError(f"{path.name}: {name} is too large "
                                      f"({info.file_size} bytes uncompressed)")
            total += info.file_size
            if total > MAX_TOTAL:
                raise SubmissionError(f"{path.name}: expected at most {MAX_TOTAL} bytes in "
                                      "total, got more")
            with archive.open(info) as stream:
                data = stream.read(MAX_FILE + 1)  # never trust the header's size
            if len(data) > MAX_FILE:
                raise SubmissionError(f"{path.name}: {name} is larger than its header says")
            files[rel] = data
    if not files:
        raise SubmissionError(f"{path.name}: expected {notebook} and/or nnlib/**.py, "
                              "found neither")
    return files


def _common_prefix(names: list[str], notebook: str) -> str:
    """The zip folder holding the expected files (``""`` for the top).

    That is the folder with the notebook, or else the one with the most ``nnlib`` files.
    """
    if any(n == notebook or n.startswith("nnlib/") for n in names):
        return ""
    tops = sorted({n.split("/", 1)[0] for n in names if "/" in n})
    with_notebook = [t for t in tops if f"{t}/{notebook}" in names]
    if with_notebook:
        return with_notebook[0] + "/"
    counts = {t: sum(n.startswith(f"{t}/nnlib/") for n in names) for t in tops}
    best = max(tops, key=lambda t: counts[t], default=None)
    return best + "/" if best and counts[best] else ""


def write_submission(files: dict[str, bytes], dest: Path) -> None:
    """Replace the submission folder ``dest`` by exactly ``files`` (old files removed)."""
    tmp = dest.with_name(f".{dest.name}.incoming")
    if tmp.exists():
        shutil.rmtree(tmp)
    for rel, data in files.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    tmp.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
