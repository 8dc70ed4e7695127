"""Does the benchmark harness run and report the ratios the performance goals are read from?

Timings are not asserted (that would be a timed test); the harness's shape is.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_a_json_object_with_every_ratio():
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--skip-slow", "--repeats", "1",
         "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    ratios = report["ratios"]
    assert set(ratios) >= {
        "nnlib_over_torch", "nnlib_over_sklearn", "nnlib_over_torch_large", "step_over_gemm"
    }
    # The GEMM-only limit needs nothing but numpy, so it is always measured.
    assert ratios["step_over_gemm"] is not None and ratios["step_over_gemm"] > 0
    for name in ("nnlib_over_torch", "nnlib_over_sklearn", "nnlib_over_torch_large"):
        assert ratios[name] is None or ratios[name] > 0


def test_the_performance_page_keeps_the_autograde_block_when_regenerated():
    """Does ``run.py``'s new page keep the block ``autograde_bench.py`` wrote, and does a
    second write replace that block instead of adding one?"""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import doc_blocks
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    page = doc_blocks.put("# Performance\n\nold figures\n", "autograde", "autograde_bench.py",
                          "first table")
    page = doc_blocks.put(page, "autograde", "autograde_bench.py", "second table")
    assert "first table" not in page and page.count("second table") == 1
    regenerated = doc_blocks.carry(page, "# Performance\n\nnew figures\n")
    assert regenerated.startswith("# Performance\n\nnew figures\n\n<!-- begin autograde")
    assert regenerated.count("second table") == 1 and "old figures" not in regenerated
