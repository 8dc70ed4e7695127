"""A/B-time two copies of the reference nnlib: is a proposed optimisation worth it?

    python benchmarks/ab.py /tmp/try/solutions [--base solutions] [--rounds 9] [--threads 1]

Each argument is a folder holding an ``nnlib`` package. The two never share a process: a
worker subprocess per measurement imports one of them, and the workers alternate A, B,
A, B, ... so that the noise of a shared machine falls on both. Printed: the median of
each figure for A and B and the ratio B / A (below 1: B is faster). The figures are the
nnlib rows of ``run.py``: capstone ms per epoch and ms per training step on a fixed batch.
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


def worker(solutions: str) -> dict:
    """Measure the nnlib under ``solutions`` once; runs in its own process."""
    sys.path.insert(0, solutions)
    import contenders as c
    from suite import CAPSTONE, LARGE, Plan

    import nnlib

    if Path(nnlib.__file__).resolve().parents[1] != Path(solutions).resolve():
        raise RuntimeError(f"expected nnlib from {solutions}, got {nnlib.__file__}")
    cfg = Plan.make().capstone
    out = {}
    for dtype in ("float32", "float64"):
        seconds, acc = c.nnlib_train(c.digits_split(dtype), cfg, dtype, seed=0)
        out[f"capstone_epoch_ms_{dtype}"] = seconds / cfg.epochs * 1e3
        out[f"test_acc_{dtype}"] = acc
        out[f"step_ms_{dtype}"] = c.nnlib_step(CAPSTONE, 128, dtype, 200) * 1e3
    out["step_ms_large_float32"] = c.nnlib_step(LARGE, 128, "float32", 20) * 1e3
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("b", help="folder holding the proposed nnlib")
    p.add_argument("--base", default=str(ROOT / "solutions"), help="folder holding nnlib (A)")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.b)))
        return {}
    env = dict(os.environ, **{name: str(args.threads) for name in THREAD_VARS})
    runs = {"A": [], "B": []}
    for r in range(args.rounds + 1):  # round 0 warms the disk cache and is dropped
        for name, folder in (("A", args.base), ("B", args.b))[:: 1 if r % 2 else -1]:
            proc = subprocess.run([sys.executable, __file__, "--worker", folder], env=env,
                                  capture_output=True, text=True, check=True)
            if r:
                runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    result = {}
    for key in runs["A"][0]:
        a = statistics.median(run[key] for run in runs["A"])
        b = statistics.median(run[key] for run in runs["B"])
        result[key] = {"A": a, "B": b, "B_over_A": b / a if a else None}
        print(f"{key:28s} A {a:9.3f}  B {b:9.3f}  B/A {result[key]['B_over_A']:.3f}")
    return result


if __name__ == "__main__":
    main()
