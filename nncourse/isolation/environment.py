"""The environment of an isolated process: built from nothing, never inherited.

Nothing of the grader's environment reaches student code (no ``PYTHONPATH``, no tokens,
no course paths): the caller names every extra variable it needs.
"""

from __future__ import annotations

from pathlib import Path


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """A whole environment with ``HOME`` and ``TMPDIR`` in ``home``, plus ``extra``.

    One BLAS thread (fair with parallel jobs, and deterministic), matplotlib's Agg
    backend, no progress bars, a fixed hash seed, no user site, no bytecode files.
    """
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "TQDM_DISABLE": "1",
    }
    env.update(extra)
    return env
