"""The capstone's threshold and time budget, measured: correct code against training bugs.

    python benchmarks/capstone_margin.py [--check digits|regularised] [--seeds N]
                                         [--only NAME ...]

Trains a capstone's network exactly as its check does (``checks/capstone.py``: the same
split, sizes and schedule, through the worker's own probe: ``capstone`` for lesson 08's
``capstone.digits``, ``capstone_regularised`` for lesson 11's ``capstone.regularised``,
whose network adds ``BatchNorm1d`` and ``Dropout``) over N seeds of the split and the
initialisation, with

- the reference ``nnlib``;
- a correct but slow ``Linear`` (``backward`` loops over the entries of ``dW``, like a
  student's first implementation): the time budget must pass it;
- every bug of the tests' zoo (``tests/grader/bugzoo``) on an exercise the capstone
  trains with.

It prints, per variant, the test accuracy (min / median / max over the seeds) and the
seconds one training takes (median), then which variants the threshold separates. The
threshold in ``checks/capstone.py`` should sit below every seed of correct code and above
the bugs that hurt training; the budget ``TIME_LIMIT`` should be several times the slow
correct variant's time. Each variant runs in its own process on a copy of the reference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grader"))

from bugzoo import BUGS, Variant, apply  # noqa: E402

from nncourse.grader.checks import capstone  # noqa: E402

SLOW = Variant("correct but slow: Linear.backward loops over dW's entries", "linear.backward", (
    ("layers.py", "        self.W.grad += x.T @ dout\n",
     "        for d in range(x.shape[1]):\n            for m in range(dout.shape[1]):\n"
     "                self.W.grad[d, m] += x[:, d] @ dout[:, m]\n"),))

TRAIN = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from nncourse.grader.checks.base import Variant
from nncourse.grader.checks import capstone as checks
from nncourse.grader.inside import probes, probes_normalise
check = getattr(checks, sys.argv[4])
train = getattr(probes, check.probe, None) or getattr(probes_normalise, check.probe)
out = []
for seed in json.loads(sys.argv[2]):
    params = dict(check.public[0], seed=seed)
    variant = Variant(params, True, {"datasets": Path(sys.argv[3])})
    X, y, X_test, y_test = check.split(variant)
    args = {k: params[k] for k in check.settings}
    start = time.perf_counter()
    try:
        logits = train(args, {"X": X, "y": y, "X_test": X_test})["logits"]
        accuracy = float((logits.argmax(axis=1) == y_test).mean())
    except Exception:
        accuracy = 0.0
    out.append([accuracy, time.perf_counter() - start])
print(json.dumps(out))
"""


def run(variant: Variant | None, seeds: list[int], check: str = "DIGITS") -> list[list[float]]:
    """``[accuracy, seconds]`` per seed of one variant (None: the reference)."""
    with tempfile.TemporaryDirectory() as tmp:
        if variant is None:
            parent = ROOT / "solutions"
        else:
            parent = apply(variant, Path(tmp))
        done = subprocess.run(
            [sys.executable, "-c", TRAIN, str(parent), json.dumps(seeds),
             str(ROOT / "solutions" / "nnlib" / "datasets"), check],
            capture_output=True, text=True, timeout=1200, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{variant and variant.name}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", choices=("digits", "regularised"), default="digits")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", nargs="*", help="run only variants whose name has this")
    options = parser.parse_args()
    seeds = list(range(16, 16 + options.seeds))
    which = options.check.upper()
    check = getattr(capstone, which)
    trained = set(capstone.uses(check.exercise))
    variants = [("reference", None), (SLOW.name, SLOW)] + [
        (b.name, b) for b in BUGS if b.exercise in trained]
    if options.only:
        variants = [(n, v) for n, v in variants if any(o in n for o in options.only)]
    print(f"{check.exercise} threshold {check.threshold:.0%}, time limit "
          f"{capstone.TIME_LIMIT:.0f} s; seeds {seeds[0]}..{seeds[-1]}")
    print(f"{'variant':<62} {'min':>6} {'median':>7} {'max':>6} {'s (med)':>8}  verdict")
    for name, variant in variants:
        rows = run(variant, seeds, which)
        accuracy = [a for a, _ in rows]
        seconds = statistics.median(s for _, s in rows)
        passes = sum(a >= check.threshold for a in accuracy)
        verdict = (f"passes {passes}/{len(rows)}" if passes else "fails every seed")
        print(f"{name[:62]:<62} {min(accuracy):>6.1%} {statistics.median(accuracy):>7.1%} "
              f"{max(accuracy):>6.1%} {seconds:>8.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
