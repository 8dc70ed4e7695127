"""A/B-time two copies of the reference nnlib: is a proposed optimisation worth it?

    python benchmarks/ab.py /tmp/try [--base solutions] [--rounds 9] [--threads 1]
    python benchmarks/ab.py solutions --b-env MALLOC_TOP_PAD_=67108864

Each folder holds an ``nnlib`` package; ``--b-env NAME=VALUE`` (repeatable) runs B with
extra environment variables, to time the same code under another setting. The two never
share a process: a worker subprocess per measurement imports one of them, and the
workers alternate A, B, A, B, ... so that the noise of a shared machine falls on both.

Printed: the median over rounds of each figure for A and B, and B / A (below 1: B is
faster). The figures are the nnlib rows of ``run.py`` (capstone ms per epoch, ms per
training step on a fixed batch), each the fastest of a few timings inside a worker: on
a busy machine the minimum is the steadier estimate of what the code costs. With one
thread (the default) the workers time their own CPU time, as ``run.py`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
REPEATS = 5  # each worker keeps the fastest of this many timings of each figure


def worker(solutions: str) -> dict:
    """Measure the nnlib under ``solutions`` once; runs in its own process."""
    sys.path.insert(0, solutions)
    import contenders as c
    from suite import CAPSTONE, LARGE, Plan

    import nnlib

    if Path(nnlib.__file__).resolve().parents[1] != Path(solutions).resolve():
        raise RuntimeError(f"expected nnlib from {solutions}, got {nnlib.__file__}")
    c.set_clock("cpu" if os.environ.get("OMP_NUM_THREADS") == "1" else "wall")
    cfg = Plan.make(quick=True).capstone
    out = {}
    # Steps first: a fresh process, as a notebook that only trains would be (what ran
    # before changes glibc's thresholds, see docs/performance.md).
    for dtype in ("float32", "float64"):
        out[f"step_ms_{dtype}"] = min(c.nnlib_step(CAPSTONE, 128, dtype, 50)
                                      for _ in range(REPEATS)) * 1e3
        out[f"page_faults_per_step_{dtype}"] = c.nnlib_page_faults(CAPSTONE, 128, dtype)
    out["step_ms_large_float32"] = min(c.nnlib_step(LARGE, 128, "float32", 5)
                                       for _ in range(REPEATS)) * 1e3
    for dtype in ("float32", "float64"):
        problem = c.digits_split(dtype)
        runs = [c.nnlib_train(problem, cfg, dtype, seed=0) for _ in range(REPEATS)]
        out[f"capstone_epoch_ms_{dtype}"] = min(s for s, _ in runs) / cfg.epochs * 1e3
        out[f"test_acc_{dtype}"] = runs[0][1]
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("b", help="folder holding the proposed nnlib")
    p.add_argument("--base", default=str(ROOT / "solutions"), help="folder holding nnlib (A)")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE",
                   help="an environment variable for B's workers only")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.b)))
        return {}
    env_a = dict(os.environ, **{name: str(args.threads) for name in THREAD_VARS})
    env_b = dict(env_a, **dict(item.split("=", 1) for item in args.b_env))
    runs = {"A": [], "B": []}
    for r in range(args.rounds + 1):  # round 0 warms the disk cache and is dropped
        pair = (("A", args.base, env_a), ("B", args.b, env_b))
        for name, folder, env in pair[:: 1 if r % 2 else -1]:
            proc = subprocess.run([sys.executable, __file__, "--worker", folder], env=env,
                                  capture_output=True, text=True, check=True)
            if r:
                runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    result = {}
    for key in runs["A"][0]:
        a = statistics.median(run[key] for run in runs["A"])
        b = statistics.median(run[key] for run in runs["B"])
        result[key] = {"A": a, "B": b, "B_over_A": b / a if a else None}
        ratio = "n/a" if result[key]["B_over_A"] is None else f"{result[key]['B_over_A']:.3f}"
        print(f"{key:30s} A {a:9.3f}  B {b:9.3f}  B/A {ratio}")
    return result


if __name__ == "__main__":
    main()
