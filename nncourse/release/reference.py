"""``nncourse reference [--out DIR]``: the whole course solved, for the instructor to read.

Executes every solution notebook (``solutions/lessons/*.ipynb``) top to bottom in a fresh
kernel whose ``PYTHONPATH`` puts the reference ``nnlib`` (``solutions/``) first, and writes
each executed notebook and an HTML copy of it into ``DIR`` (default ``<root>/reference/``,
ignored by git). The kernel runs inside ``DIR``, so nothing a notebook writes lands among
tracked files. Prints each notebook's time and the slowest cells, the figures the lesson
budgets are measured by (every cell < 20 s, all notebooks together <= 120 s).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nncourse.release.command import find_root
from nncourse.release.errors import ReleaseError

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CellTime:
    """How long one code cell took: notebook name, cell index, first source line, seconds."""

    notebook: str
    index: int
    first_line: str
    seconds: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse reference``."""
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="only these lessons (file names or stems, e.g. 01_forward_pass)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: <root>/reference)")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: found)")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds allowed per cell before it counts as failed (default 60)")
    parser.add_argument("--slowest", type=int, default=5,
                        help="how many of the slowest cells to list (default 5)")


def kernel_env(root: Path) -> dict[str, str]:
    """The kernel's environment: the reference ``nnlib`` first, inline plots kept.

    ``MPLBACKEND`` is dropped so that the kernel's inline backend stores the figures.
    """
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    paths = [str(root / "solutions"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    # Small matrices gain nothing from BLAS threads; on a shared machine they cost 10x.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def cell_seconds(cell) -> float | None:
    """Execution time recorded by nbclient in the cell's metadata, or None."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def first_error(nb) -> str | None:
    """``"cell <i>: <ename>: <evalue>"`` of the first code cell that raised, or None."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = ANSI.sub("", output.get("evalue", "")).strip().splitlines()
                return f"cell {index}: {output.get('ename')}: {value[0] if value else ''}"
    return None


def execute(path: Path, out: Path, env: dict[str, str], timeout: int) -> tuple[object, str | None]:
    """Execute one notebook in ``out``; return it with the first error (None when clean).

    Errors do not stop the run (``allow_errors``), so the instructor still sees every
    later cell; the error is reported and makes the command fail.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                            allow_errors=True, resources={"metadata": {"path": str(out)}})
    try:
        client.execute(env=env)
    except (CellTimeoutError, DeadKernelError) as error:
        lines = ANSI.sub("", str(error)).strip().splitlines()
        return nb, lines[-1] if lines else repr(error)
    return nb, first_error(nb)


def write_copies(nb, out: Path, stem: str) -> None:
    """Write ``stem.ipynb`` and ``stem.html`` into ``out``."""
    import nbformat
    from nbconvert import HTMLExporter

    nbformat.write(nb, out / f"{stem}.ipynb")
    body, _ = HTMLExporter().from_notebook_node(nb)
    (out / f"{stem}.html").write_text(body, encoding="utf-8")


def select(sources: list[Path], wanted: list[str]) -> list[Path]:
    """The notebooks named in ``wanted`` (all when empty); unknown names are an error."""
    if not wanted:
        return sources
    by_name = {p.stem: p for p in sources} | {p.name: p for p in sources}
    missing = [w for w in wanted if w not in by_name]
    if missing:
        raise ReleaseError(f"expected lesson names among {sorted(p.stem for p in sources)}, "
                           f"got {missing}")
    return [by_name[w] for w in wanted]


def run(args: argparse.Namespace) -> int:
    """Execute the solution notebooks, write them and their HTML, report the timings."""
    try:
        root = (args.root or find_root(Path.cwd())).resolve()
        sources = select(sorted((root / "solutions" / "lessons").glob("*.ipynb")), args.notebooks)
    except ReleaseError as error:
        print(f"nncourse reference: {error}", file=sys.stderr)
        return 2
    if not sources:
        print(f"nncourse reference: no notebooks in {root / 'solutions' / 'lessons'}",
              file=sys.stderr)
        return 2
    out = (args.out or root / "reference").resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = kernel_env(root)
    cells: list[CellTime] = []
    failures = 0
    started = time.perf_counter()
    for path in sources:
        t0 = time.perf_counter()
        nb, error = execute(path, out, env, args.timeout)
        seconds = time.perf_counter() - t0
        write_copies(nb, out, path.stem)
        for index, cell in enumerate(nb.cells):
            took = cell_seconds(cell) if cell.cell_type == "code" else None
            if took is not None:
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                cells.append(CellTime(path.stem, index, first[:60], took))
        status = "ok" if error is None else f"FAILED: {error}"
        failures += error is not None
        print(f"{path.stem:<28} {seconds:6.1f} s  {status}")
    total = time.perf_counter() - started
    print(f"{'total':<28} {total:6.1f} s  ({len(sources)} notebooks, written to {out})")
    print(f"slowest cells (of {len(cells)}):")
    for cell in sorted(cells, key=lambda c: c.seconds, reverse=True)[: args.slowest]:
        print(f"  {cell.seconds:6.2f} s  {cell.notebook} cell {cell.index}: {cell.first_line}")
    if failures:
        print(f"{failures} notebook(s) failed; their executed copies show where.", file=sys.stderr)
        return 1
    return 0
