"""The experiments of ``run.py``: what is measured, how often, and the ratios and goals."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import contenders as c

ROOT = Path(__file__).resolve().parents[1]
DTYPES = ("float32", "float64")
CAPSTONE = (64, 256, 256, 10)
LARGE = (784, 512, 512, 10)
# Goal: the ratio must be at most this (issue 6).
GOALS = {"nnlib_over_torch": 0.8, "nnlib_over_sklearn": 0.5, "nnlib_over_torch_large": 1.2,
         "step_over_gemm": 1.3}


@dataclass(frozen=True)
class Train:
    """One training task: the layer sizes, batch, SGD settings and number of epochs."""

    sizes: tuple
    batch: int
    lr: float
    momentum: float
    epochs: int


@dataclass(frozen=True)
class Plan:
    """How much to run: the tasks, the rounds and the steps timed per step measurement."""

    capstone: Train
    large: Train
    large_steps: int
    repeats: int
    step_iters: dict

    @staticmethod
    def make(quick: bool = False, repeats: int | None = None) -> Plan:
        steps = 10 if quick else 40
        return Plan(
            capstone=Train(CAPSTONE, 128, lr=0.05, momentum=0.9, epochs=5 if quick else 20),
            large=Train(LARGE, 128, lr=0.01, momentum=0.9, epochs=1),
            large_steps=steps,
            repeats=repeats or (3 if quick else 7),
            step_iters={"capstone": 20 if quick else 100, "large": 5 if quick else 20},
        )

    def as_dict(self) -> dict:
        return asdict(self)


def interleave(tasks: dict, repeats: int, warmup: int = 1) -> dict:
    """Run ``tasks`` (name -> callable) round-robin; the order rotates every round.

    The first ``warmup`` rounds are not recorded. Returns name -> list of results.
    """
    names = list(tasks)
    results = {name: [] for name in names}
    for r in range(-warmup, repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            out = tasks[name]()
            if r >= 0:
                results[name].append(out)
    return results


def summarise(runs: list, per: int, unit_scale: float = 1e3) -> dict:
    """Median time per unit (epoch or step) in ms, all rounds, and the median accuracy."""
    times = [t / per * unit_scale for t, _ in runs]
    accs = [a for _, a in runs if a is not None]
    return {"ms": statistics.median(times), "min_ms": min(times),
            "all_ms": [round(t, 3) for t in times],
            "test_acc": statistics.median(accs) if accs else None}


def timed_only(f, *args) -> tuple:
    """``(f(*args), None)``: a step timing has no accuracy."""
    return f(*args), None


def trainers() -> dict:
    """The training contenders that are installed, in a fixed order."""
    out = {"nnlib": c.nnlib_train}
    if c.available("torch"):
        out["torch"] = c.torch_train
    if c.available("sklearn"):
        out["sklearn"] = c.sklearn_train
    return out


def run_capstone(plan: Plan, say) -> dict:
    """Per-epoch time and test accuracy on the digits, for each dtype and contender."""
    cfg, out = plan.capstone, {}
    for dtype in DTYPES:
        problem = c.digits_split(dtype)
        tasks = {name: partial(f, problem, cfg, dtype, seed=0) for name, f in trainers().items()}
        runs = interleave(tasks, plan.repeats)
        out[dtype] = {name: summarise(r, cfg.epochs) for name, r in runs.items()}
        out[dtype]["n_train"] = len(problem[0])
        say(f"capstone {dtype} ms/epoch: " + ", ".join(
            f"{n} {v['ms']:.2f} (acc {v['test_acc']:.3f})" for n, v in out[dtype].items()
            if isinstance(v, dict)))
    return out


def run_large(plan: Plan, say) -> dict:
    """Per-step time of a fixed number of steps at 784-512-512-10, nnlib and torch."""
    cfg, n = plan.large, plan.large_steps
    out = {}
    for dtype in DTYPES:
        X, y = c.random_problem(n * cfg.batch, cfg.sizes[0], cfg.sizes[-1], dtype)
        problem = (X, y, None, None)
        tasks = {name: partial(f, problem, cfg, dtype, seed=0)
                 for name, f in trainers().items() if name != "sklearn"}
        runs = interleave(tasks, plan.repeats)
        out[dtype] = {name: summarise(r, n) for name, r in runs.items()}
        out[dtype]["steps"] = n
        say(f"large {dtype} ms/step: " + ", ".join(
            f"{k} {v['ms']:.2f}" for k, v in out[dtype].items() if isinstance(v, dict)))
    return out


def run_steps(plan: Plan, say) -> dict:
    """One step on a fixed batch against the GEMM-only time, at both shapes."""
    out = {}
    for case, sizes in (("capstone", CAPSTONE), ("large", LARGE)):
        iters, out[case] = plan.step_iters[case], {}
        for dtype in DTYPES:
            fns = {"nnlib": c.nnlib_step, "gemm": c.gemm_step}
            if c.available("torch"):
                fns["torch"] = c.torch_step
            tasks = {k: partial(timed_only, f, sizes, 128, dtype, iters) for k, f in fns.items()}
            runs = interleave(tasks, plan.repeats)
            res = {k: summarise(r, 1) for k, r in runs.items()}
            res["nnlib_over_gemm"] = res["nnlib"]["ms"] / res["gemm"]["ms"]
            res["nnlib_page_faults_per_step"] = c.nnlib_page_faults(sizes, 128, dtype)
            if "torch" in res:
                res["torch_over_gemm"] = res["torch"]["ms"] / res["gemm"]["ms"]
            out[case][dtype] = res
            say(f"step {case} {dtype} ms: " + ", ".join(
                f"{k} {v['ms']:.3f}" for k, v in res.items() if isinstance(v, dict))
                + f", nnlib/gemm {res['nnlib_over_gemm']:.2f}, "
                f"page faults/step {res['nnlib_page_faults_per_step']:.0f}")
    return out


def run_json_script(cmd: list, env: dict, timeout: float) -> dict:
    """Run ``cmd``; its last stdout line is a JSON object. Adds the wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}",
                "wall_s": wall}
    try:
        res = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": f"last line is not JSON: {lines[-1][:200]!r}", "wall_s": wall}
    res = res if isinstance(res, dict) else {"result": res}
    res.setdefault("wall_s", wall)
    return res


GRADER_LINE = re.compile(r"^(?P<case>[^:]+): median (?P<median>[\d.]+) s \(min (?P<min>[\d.]+), "
                         r"max (?P<max>[\d.]+), (?P<runs>\d+) runs\), (?P<verdict>\w+) the "
                         r"(?P<budget>[\d.]+) s budget")


def run_grader(python: str, say, runs: int = 3) -> dict:
    """The grader's cost: ``benchmarks/grader_bench.py`` (the grader's own benchmark)."""
    script = ROOT / "benchmarks" / "grader_bench.py"
    if not script.exists():
        return {"note": "benchmarks/grader_bench.py does not exist yet: not measured"}
    try:
        proc = subprocess.run([python, str(script), "--runs", str(runs)], cwd=ROOT,
                              capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"error": "grader_bench.py took more than 1800 s"}
    cases = {m["case"]: {"median_s": float(m["median"]), "min_s": float(m["min"]),
                         "max_s": float(m["max"]), "runs": int(m["runs"]),
                         "budget_s": float(m["budget"]), "within": m["verdict"] == "within"}
             for m in map(GRADER_LINE.match, proc.stdout.splitlines()) if m}
    if proc.returncode != 0 or not cases:
        return {"error": f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}"}
    say("grader: " + "; ".join(f"{k} {v['median_s']:.2f} s" for k, v in cases.items()))
    return {"cases": cases}


def run_notebooks(python: str, say) -> dict:
    """Execution time of each solution notebook, from ``notebooks_bench.py``."""
    if not sorted((ROOT / "solutions" / "lessons").glob("*.ipynb")):
        return {"note": "no solutions/lessons/*.ipynb yet: not measured"}
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT / "solutions"))
    script = ROOT / "benchmarks" / "notebooks_bench.py"
    try:
        res = run_json_script([python, str(script)], env, 3600)
    except subprocess.TimeoutExpired:
        res = {"error": "the notebooks took more than 3600 s"}
    say(f"notebooks: {json.dumps(res)[:300]}")
    return res


def _ratio(a, b):
    return None if a is None or b is None else a / b


def ratios(r: dict) -> dict:
    """The headline ratios (float32) and their float64 twins; None where not measured."""
    out = {}
    for dtype in DTYPES:
        cap, large = r["capstone"][dtype], r["large"][dtype]
        ms = {k: v["ms"] for k, v in cap.items() if isinstance(v, dict)}
        big = {k: v["ms"] for k, v in large.items() if isinstance(v, dict)}
        suffix = "" if dtype == "float32" else "_float64"
        out["nnlib_over_torch" + suffix] = _ratio(ms["nnlib"], ms.get("torch"))
        out["nnlib_over_sklearn" + suffix] = _ratio(ms["nnlib"], ms.get("sklearn"))
        out["nnlib_over_torch_large" + suffix] = _ratio(big["nnlib"], big.get("torch"))
        out["step_over_gemm" + suffix] = r["step"]["capstone"][dtype]["nnlib_over_gemm"]
        out["step_over_gemm_large" + suffix] = r["step"]["large"][dtype]["nnlib_over_gemm"]
    return out


def goals(ratio: dict) -> list[dict]:
    """Each goal of issue 6 with the measured ratio and whether it is met (float32)."""
    return [{"ratio": name, "goal": limit, "measured": ratio.get(name),
             "met": None if ratio.get(name) is None else ratio[name] <= limit}
            for name, limit in GOALS.items()]


def profile_capstone(plan: Plan, top: int = 14) -> dict:
    """Where nnlib's capstone training (float32) spends its time, by function and by file.

    pyinstrument (a sampling profiler: it barely slows small calls down) when installed,
    else cProfile (which inflates every small call by its own overhead). One untimed run
    first, so first-call costs (lazy imports) stay out.
    """
    problem = c.digits_split("float32")
    run = partial(c.nnlib_train, problem, plan.capstone, "float32", seed=0)
    run()
    own = _pyinstrument_own(run) if c.available("pyinstrument") else _cprofile_own(run)
    total = sum(own.values())
    rows = [{"function": k, "own_pct": 100 * v / total, "own_ms": 1e3 * v}
            for k, v in sorted(own.items(), key=lambda kv: -kv[1])]
    by_file: dict[str, float] = {}
    for row in rows:
        where = row["function"].split(":")[0]
        by_file[where] = by_file.get(where, 0.0) + row["own_pct"]
    return {"profiler": "pyinstrument" if c.available("pyinstrument") else "cProfile",
            "epochs": plan.capstone.epochs, "total_s": total, "top": rows[:top],
            "by_file_pct": dict(sorted(by_file.items(), key=lambda kv: -kv[1])[:8])}


def _pyinstrument_own(run) -> dict:
    """Seconds of own time per ``file:line(function)``, sampled every 0.2 ms."""
    from pyinstrument import Profiler

    prof = Profiler(interval=0.0002)
    prof.start()
    run()
    prof.stop()
    own: dict[str, float] = {}
    stack = [prof.last_session.root_frame()]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if not frame.function.startswith("["):  # "[self]" and the like are synthetic
            key = f"{frame.file_path_short}:{frame.line_no}({frame.function})"
            own[key] = own.get(key, 0.0) + frame.total_self_time
    return own


def _cprofile_own(run) -> dict:
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    return {f"{path}:{line}({func})": tottime
            for (path, line, func), (_, _, tottime, _, _) in pstats.Stats(prof).stats.items()}


def fmt(value, spec: str = ".3f") -> str:
    """``value`` formatted, or "n/a" for None."""
    return "n/a" if value is None else format(value, spec)


def summary(r: dict) -> str:
    verdict = {True: "met", False: "NOT met", None: "not measured"}
    lines = ["ratios (float32 unless suffixed):"]
    lines += [f"  {k}: {fmt(v)}" for k, v in r["ratios"].items()]
    lines += [f"goal {g['ratio']} <= {g['goal']}: measured {fmt(g['measured'])} -> "
              f"{verdict[g['met']]}" for g in r["goals"]]
    return "\n".join(lines)

if __name__ == "__main__":
    sys.exit("run benchmarks/run.py, not this module")
