"""Execute every solution notebook top to bottom and time it; the last line is JSON.

    PYTHONPATH=solutions python benchmarks/notebooks_bench.py [NOTEBOOK ...]

Run by ``run.py`` with ``PYTHONPATH`` putting ``solutions/`` first, so the kernels import
the reference ``nnlib``. Each notebook runs in a fresh kernel in a scratch copy of
``solutions/lessons`` (nothing is written back). Needs ``nbclient``, ``nbformat`` and
``ipykernel`` in this python.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "solutions" / "lessons"


def execute(path: Path, workdir: Path, timeout: int = 900) -> tuple[float, list[str]]:
    """Run the notebook at ``path`` in a new kernel started in ``workdir``.

    Every cell runs even when one raises (so the time covers the whole notebook).

    Returns:
        (seconds, the error names of the cells that raised, e.g. ``["cell 7: KeyError"]``).
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = [f"cell {i}: {out.get('ename')}: {str(out.get('evalue'))[:120]}"
              for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    return seconds, errors


def main(argv: list[str]) -> dict:
    paths = [Path(a) for a in argv] or sorted(LESSONS.glob("*.ipynb"))
    try:
        import nbclient  # noqa: F401
    except ImportError:
        return {"note": f"nbclient is not installed in {sys.executable}: not measured"}
    seconds, errors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "lessons"
        shutil.copytree(LESSONS, work)
        for path in paths:
            try:
                seconds[path.stem], raised = execute(path, work)
            except Exception as exc:  # noqa: BLE001  (report the failure, time the rest)
                raised = [f"{type(exc).__name__}: {str(exc)[-300:]}"]
            if raised:
                errors[path.stem] = raised
            print(f"{path.stem}: {seconds.get(path.stem)} s, {len(raised)} errors",
                  file=sys.stderr, flush=True)
    seconds = {k: round(v, 2) for k, v in seconds.items()}
    return {"total_s": round(sum(seconds.values()), 2), "seconds": seconds, "errors": errors}

if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
