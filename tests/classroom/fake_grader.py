"""A stand-in for ``nncourse.grader.api.grade_package`` for the fixture lesson's exercises.

Same contract as the real grader, same trust model in miniature: the student's function
runs in a subprocess (timeout, no shared memory), prints plain JSON numbers, and the
expected values and the comparison stay here, in the trusted process. Oracles are naive
loops, independent of any implementation under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

Y = [2, 0, 1, 2]
X = [[-1.5, 0.0, 2.0], [3.0, -0.5, 1.0]]
RUNNERS = {
    "data.one_hot": f"from nnlib.data import one_hot as f; out = f({Y}, 3)",
    "relu.forward": f"import numpy as np; from nnlib.activations import relu as f; "
                    f"out = f(np.array({X}))",
}
POINTS = {"data.one_hot": 1.0, "relu.forward": 1.0}
SNIPPET = """
import json, sys
try:
    {run}
    print("RESULT" + json.dumps({{"value": [list(map(float, r)) for r in out]}}))
except NotImplementedError as e:
    print("RESULT" + json.dumps({{"not_implemented": str(e)}}))
"""


def expected(exercise: str) -> list[list[float]]:
    """Oracles by naive loops."""
    if exercise == "data.one_hot":
        return [[1.0 if c == label else 0.0 for c in range(3)] for label in Y]
    return [[v if v > 0 else 0.0 for v in row] for row in X]


def diagnose(exercise: str, got: list[list[float]]) -> str | None:
    """Name a recognisable bug."""
    if exercise == "data.one_hot" and got == [[1.0 if c == (label - 1) % 3 else 0.0
                                              for c in range(3)] for label in Y]:
        return "labels shifted by one (off-by-one index)"
    if exercise == "relu.forward" and got == [[v if v < 0 else 0.0 for v in row] for row in X]:
        return "the mask keeps negative inputs instead of positive ones"
    return None


def run_one(parent: Path, exercise: str) -> dict:
    """Run one exercise in a subprocess and judge it here."""
    base = {"id": exercise, "lesson": 0, "max_points": POINTS[exercise], "points": 0.0,
            "diagnosis": None}
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(parent)}
    try:
        done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                               f"{str(parent)!r})\n" + SNIPPET.format(run=RUNNERS[exercise])],
                              cwd=parent, env=env, capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return {**base, "status": "timeout", "message": "took longer than 10 s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")]
    if not lines:
        return {**base, "status": "error", "message": done.stderr.strip()[-300:] or
                f"the worker ended with status {done.returncode}"}
    result = json.loads(lines[-1][len("RESULT"):])
    if "not_implemented" in result:
        return {**base, "status": "not_implemented", "message": result["not_implemented"]}
    got, want = result["value"], expected(exercise)
    if got == want:
        return {**base, "status": "passed", "points": POINTS[exercise], "message": "passed"}
    return {**base, "status": "failed", "message": f"expected {want}, got {got}",
            "diagnosis": diagnose(exercise, got)}


def grade_package(nnlib_parent, *, exercises=None, lesson=None, hidden=True,
                  reference_root=None):
    """The grader contract: score, max_score, exercises, public_only."""
    results = [run_one(Path(nnlib_parent), ex) for ex in (exercises or sorted(RUNNERS))]
    return {"score": sum(r["points"] for r in results),
            "max_score": sum(r["max_points"] for r in results),
            "exercises": results, "public_only": not hidden}
