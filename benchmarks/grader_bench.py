"""Grader speed: a whole submission with hidden checks, and one public ``nncourse check``.

Run ``python benchmarks/grader_bench.py [--runs N]``. Prints the median and the spread of
N runs (default 5) of

- ``nncourse grade solutions --json`` (every exercise, hidden checks included, the
  reference in a second worker): the budget is 10 s on 2 cores;
- ``nncourse check linear.backward`` in ``solutions/`` (public checks with the stored
  expected values): the budget is 1 s.

Both are timed as the user sees them, as separate processes, start-up included.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NNCOURSE = [sys.executable, "-m", "nncourse.cli"]
CASES = {
    "grade a whole submission (hidden included)": (["grade", "solutions", "--json"], ROOT, 10.0),
    "check one exercise (public)": (["check", "linear.backward"], ROOT / "solutions", 1.0),
}


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([*NNCOURSE, *args], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"nncourse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for name, (args, cwd, budget) in CASES.items():
        times = [timed(args, cwd) for _ in range(runs)]
        median = statistics.median(times)
        verdict = "within" if median <= budget else "OVER"
        print(f"{name}: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
              f"{runs} runs), {verdict} the {budget:g} s budget")


if __name__ == "__main__":
    main()
