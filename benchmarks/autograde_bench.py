"""Time ``nncourse autograde``: one student's lesson, and a class with and without --jobs 2.

    python benchmarks/autograde_bench.py [--lesson 2] [--class-size 30] [--repeats 3] [--json]

Builds a throw-away course (``nncourse setup`` + ``assign``) for one lesson in a temporary
folder, with submissions that alternate between a complete ``nnlib`` (the reference
without its markers) and the stubs, each with the released lesson notebook. Then, each
as a separate ``nncourse autograde --force`` process (so nbgrader's import, the sandboxed
kernels and the grader's workers are all included):

- one student's lesson, ``--repeats`` times;
- the whole class with ``--jobs 1`` and with ``--jobs 2``, ``--repeats`` times each,
  alternating the two.

Prints medians (and with ``--json`` one JSON object as the last line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION.*\n", re.MULTILINE)


def nncourse(*args: str) -> float:
    """Run ``nncourse ARGS`` in a new process; return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nncourse.cli", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def write_class(course: Path, lesson: int, size: int) -> None:
    """``submitted/sNN/lessonNN``: alternately the reference and the stubs."""
    notebook = next((ROOT / "lessons").glob(f"{lesson:02d}_*.ipynb"))
    for index in range(size):
        sub = course / "submitted" / f"s{index:02d}" / f"lesson{lesson:02d}"
        source = ROOT / ("solutions/nnlib" if index % 2 == 0 else "nnlib")
        for path in source.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            target = sub / "nnlib" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(MARKER.sub("", path.read_text()))
        shutil.copyfile(notebook, sub / notebook.name)


def main() -> None:
    """Build the course, time the runs, print medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lesson", type=int, default=2)
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--class-repeats", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="autograde-bench-") as tmp:
        course = Path(tmp) / "course"
        nncourse("setup", str(course), "--repo", str(ROOT))
        nncourse("assign", str(args.lesson), "--course", str(course), "--no-exchange")
        write_class(course, args.lesson, args.class_size)
        base = ["autograde", str(args.lesson), "--course", str(course), "--force"]
        one = [nncourse(*base, "--student", "s00") for _ in range(args.repeats)]
        serial, parallel = [], []
        for _ in range(args.class_repeats):
            serial.append(nncourse(*base, "--jobs", "1"))
            parallel.append(nncourse(*base, "--jobs", "2"))
    result = {
        "lesson": args.lesson, "class_size": args.class_size, "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "one_student_s": statistics.median(one), "one_student_runs_s": one,
        "class_jobs1_s": statistics.median(serial), "class_jobs2_s": statistics.median(parallel),
        "speedup_jobs2": statistics.median(serial) / statistics.median(parallel),
    }
    print(f"one student's lesson {args.lesson:02d} (kernel included): "
          f"median {result['one_student_s']:.1f} s over {args.repeats}")
    print(f"class of {args.class_size}: --jobs 1 {result['class_jobs1_s']:.1f} s, "
          f"--jobs 2 {result['class_jobs2_s']:.1f} s (x{result['speedup_jobs2']:.2f}); "
          f"load average {result['load_average']:.1f} on {result['cpus']} cores")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
