"""Benchmark the reference nnlib against PyTorch (CPU), scikit-learn and the BLAS limit.

    python benchmarks/run.py [--json] [--quick] [--write-docs] [--threads N]

One run measures, with the same data, sizes, dtype and thread count for every contender:

- capstone: 64-256-256-10 ReLU on the 8x8 digits, batch 128, SGD with momentum, a
  fixed number of epochs, in float32 and float64: nnlib, PyTorch, scikit-learn;
- large: 784-512-512-10 on random data, batch 128, a fixed number of steps: nnlib, PyTorch;
- step: one training step on a fixed batch at both shapes, against the matrix products
  alone (3 per layer: forward, dW, dx), giving step time / GEMM-only time;
- the grader's cost (``benchmarks/grader_bench.py``) and the solution notebooks'
  execution time (``benchmarks/notebooks_bench.py``), each in its own process.

Contenders run round-robin (the order rotates each round) after one warm-up round, and
every figure is the median over the rounds. With ``--json`` the last line printed is one
JSON object; its ``ratios`` hold ``nnlib_over_torch``, ``nnlib_over_sklearn``,
``nnlib_over_torch_large`` and ``step_over_gemm`` (float32; null where a contender is
not installed), and the same with a ``_float64`` suffix. ``--write-docs`` regenerates
``docs/performance.md``.

PyTorch and scikit-learn are never dependencies of the course: install them in a
separate virtualenv used only for benchmarks (see ``docs/performance.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
OPENBLAS_HINTS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
DTYPES = ("float32", "float64")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--quick", action="store_true", help="fewer epochs, steps and repeats")
    p.add_argument("--write-docs", action="store_true", help="regenerate docs/performance.md")
    p.add_argument("--threads", type=int, default=1, help="threads for every contender (1)")
    p.add_argument("--clock", choices=("auto", "wall", "cpu"), default="auto",
                   help="what to time: auto is the process's CPU time with 1 thread, else wall")
    p.add_argument("--repeats", type=int, default=None, help="timed rounds (7, quick 3)")
    p.add_argument("--project-python", default=os.environ.get("NNCOURSE_PYTHON", sys.executable),
                   help="python with the project installed, for the grader and notebooks")
    p.add_argument("--skip-slow", action="store_true", help="skip the grader and notebooks")
    p.add_argument("--unset-openblas-hints", action="store_true",
                   help=f"drop {' and '.join(OPENBLAS_HINTS)} in this process before numpy loads")
    return p.parse_args(argv)


def pin_threads(threads: int, unset_hints: bool) -> dict:
    """Set the thread variables before numpy, torch or sklearn load their libraries."""
    for name in THREAD_VARS:
        os.environ[name] = str(threads)
    hints = {name: os.environ.get(name) for name in OPENBLAS_HINTS}
    if unset_hints:
        for name in OPENBLAS_HINTS:
            os.environ.pop(name, None)
    return {"at_start": hints, "unset_for_this_run": unset_hints}


def import_reference():
    """Put ``solutions/`` first on ``sys.path`` and check ``nnlib`` is the reference."""
    sys.path.insert(0, str(ROOT / "solutions"))
    import nnlib

    where = Path(nnlib.__file__).resolve()
    if ROOT / "solutions" not in where.parents:
        raise RuntimeError(f"expected the reference nnlib under solutions/, got {where}")
    return where


def main(argv=None) -> dict:
    args = parse_args(argv)
    openblas_env = pin_threads(args.threads, args.unset_openblas_hints)
    nnlib_path = import_reference()
    import machine  # after the thread variables and sys.path are set
    import report
    import suite

    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else print
    limits = machine.limit_threads(args.threads)
    clock = args.clock if args.clock != "auto" else ("cpu" if args.threads == 1 else "wall")
    suite.c.set_clock(clock)
    info = machine.machine_info(args.threads, openblas_env, nnlib_path)
    info["clock"] = clock
    say(machine.describe_machine(info))
    plan = suite.Plan.make(quick=args.quick, repeats=args.repeats)
    results = {"machine": info, "plan": plan.as_dict()}
    results["capstone"] = suite.run_capstone(plan, say)
    results["large"] = suite.run_large(plan, say)
    results["step"] = suite.run_steps(plan, say)
    if args.skip_slow:
        results["grader"] = {"note": "skipped (--skip-slow)"}
        results["notebooks"] = {"note": "skipped (--skip-slow)"}
    else:
        results["grader"] = suite.run_grader(args.project_python, say)
        results["notebooks"] = suite.run_notebooks(args.project_python, say)
    results["ratios"] = suite.ratios(results)
    results["goals"] = suite.goals(results["ratios"])
    if args.write_docs:
        results["profile"] = suite.profile_capstone(plan)
        import doc_blocks  # the page keeps the blocks other benchmarks wrote into it

        page = ROOT / "docs" / "performance.md"
        old = page.read_text() if page.is_file() else ""
        page.write_text(doc_blocks.carry(old, report.markdown(results)))
        say(f"wrote {ROOT / 'docs' / 'performance.md'}")
    say(suite.summary(results))
    del limits
    if args.json:
        print(json.dumps(results, default=str))
    return results


if __name__ == "__main__":
    main()
