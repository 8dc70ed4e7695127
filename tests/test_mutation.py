"""Does the mutation runner count a caught mutant as caught and a surviving one as surviving?

Three of mutmut's mutants of ``gradcheck.rel_error`` (no other exercise runs that region):
two change the value and must be caught, one (``np.finfo(None)``, the same float64 limits)
behaves like the reference and must survive. The full run is ``benchmarks/mutation.py``.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAUGHT = {"gradcheck.rel_error:05492f19": "* scale", "gradcheck.rel_error:f37b8302": "a + b"}
SURVIVOR = "gradcheck.rel_error:935bfac9"


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_runner_counts_caught_and_surviving_mutants(tmp_path):
    before = tree_digest(ROOT / "solutions" / "nnlib")
    empty = tmp_path / "equivalent.json"
    empty.write_text("{}")
    out = tmp_path / "result.json"
    command = [sys.executable, "benchmarks/mutation.py", "--json", str(out),
               "--equivalent", str(empty)]
    for ident in [*CAUGHT, SURVIVOR]:
        command += ["--mutant", ident]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())

    outcomes = {o["id"]: o for o in result["outcomes"]}
    for ident, change in CAUGHT.items():
        assert change in outcomes[ident]["mutated"]
        assert outcomes[ident]["status"] in ("failed", "error"), outcomes[ident]
    assert outcomes[SURVIVOR]["status"] == "passed"
    assert [s["id"] for s in result["survivors"]] == [SURVIVOR]
    assert (result["non_equivalent"], result["caught"], result["score"]) == (3, 2, 0.6667)
    assert result["dependents"] == {"gradcheck.rel_error": []}
    assert result["double_penalties"] == 0
    # The survivor is one of the hand-judged equivalent mutants of the full run.
    assert SURVIVOR in json.loads((ROOT / "benchmarks/mutation_equivalent.json").read_text())
    assert tree_digest(ROOT / "solutions" / "nnlib") == before, "solutions/ was written"
