"""Mutation testing of the grader's checks: mutmut's operators over the solution regions.

    python benchmarks/mutation.py [--exercise ID ...] [--mutant ID ...] [--limit N]
                                  [--jobs N] [--timeout S] [--json FILE] [--write-docs]

Every mutant is one change made by mutmut's mutation operators (``mutmut`` 3, its
``create_mutations`` restricted to the lines inside the ``### BEGIN SOLUTION`` /
``### END SOLUTION`` markers of ``solutions/nnlib/*.py``: code outside the regions is
provided, not graded). For each mutant the runner copies ``solutions/nnlib`` to a
temporary folder, writes the mutated file there (``solutions/`` is never written), and
grades the copy with ``nncourse.grader.api.grade_package`` (hidden checks included) on
the exercise whose region was mutated plus the exercises whose grading runs that region.

Those dependents are measured, not declared: before the mutants, each chosen region is
replaced by the stub ``nncourse release`` makes of it (``raise NotImplementedError``)
and the whole package is graded once; every other exercise that loses its points then
runs the region's code.

A mutant is

- *caught on the right exercise* when the mutated region's exercise loses its points on
  a verdict about the code (status ``failed``, ``error``, ``timeout`` or
  ``not_implemented``; a ``grader_error`` blames the grader, not the code, so it is not a
  catch), and *named* when that row also carries a diagnosis;
- a *double penalty* when any other graded exercise loses its points too;
- *equivalent* when ``benchmarks/mutation_equivalent.json`` lists its id with the reason
  it behaves like the reference (judged by hand); equivalent mutants are graded all the
  same (one marked down is a false alarm on correct code) but leave the score's
  denominator.

Score = caught on the right exercise / non-equivalent mutants. Grading runs in child
processes (``mutation_pool.py``; ``--jobs``, default 1) that keep the reference's results
cached; a child that takes longer than ``--timeout`` seconds on one mutant is killed and
the mutant counts as not caught (the grader's own limits should have ended it). Ctrl-C
stops the children and removes the temporary folders; ``solutions/`` is never touched.
``--write-docs`` rewrites the figures of ``docs/grading.md`` between its markers.

Mutant ids are ``<exercise>:<8 hex digits>``, a hash of the exercise, the original line
and the mutated line, so they survive edits elsewhere in the file.
"""

from __future__ import annotations

import argparse
import json
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from mutants import (
    ROOT,
    SOLUTIONS,
    Mutant,
    Outcome,
    Region,
    Site,
    all_regions,
    generate,
    stub_text,
    stubbed,
)
from mutation_pool import Pool
from mutation_report import summarize, text, write_docs

EQUIVALENT = Path(__file__).with_name("mutation_equivalent.json")
DOCS = ROOT / "docs" / "grading.md"


def copy_package(base: Path, folder: Path, name: str | None = None, text: str = "") -> Path:
    """``folder/nnlib``: a copy of ``base``, with file ``name`` replaced by ``text``."""
    shutil.copytree(base, folder / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    if name is not None:
        (folder / "nnlib" / name).write_text(text)
    return folder


def rows_down(report: dict) -> dict[str, dict]:
    return {row["id"]: row for row in report["exercises"] if row["status"] != "passed"}


def dependents(pool: Pool, work: Path, regions: list[Region], timeout: float,
               log=print) -> dict[str, list[str]]:
    """For each chosen exercise, the other exercises that fail when its regions are stubs.

    Only rows whose message quotes the stub's ``NotImplementedError`` count: an exercise
    lost to something else (a timeout on a loaded machine) is logged and left out.
    """
    package = SOLUTIONS / "nnlib"
    found = {}
    for exercise in sorted({r.exercise for r in regions}):
        own = [r for r in all_regions(package) if r.exercise == exercise]
        folder = work / f"stub-{exercise}"
        copy_package(package, folder)
        for name in {r.file for r in own}:
            (folder / "nnlib" / name).write_text(
                stubbed(package / name, [r for r in own if r.file == name]))
        report = pool.grade(folder, None, timeout * 4)
        shutil.rmtree(folder)
        if report is None or "error" in report:
            raise RuntimeError(f"grading the stub of {exercise} failed: {report}")
        down = rows_down(report)
        ran_stub = [i for i, row in down.items() if stub_text(exercise) in row["message"]]
        if exercise not in ran_stub:
            raise RuntimeError(f"{exercise} does not report its stub: {down.get(exercise)}")
        found[exercise] = [i for i in ran_stub if i != exercise]
        for i in sorted(set(down) - set(ran_stub)):
            log(f"  {exercise}: {i} lost its points for another reason ({down[i]['status']}); "
                "not counted as a dependent")
        log(f"  {exercise}: also graded {', '.join(found[exercise]) or '(nothing else)'}")
    return found


def grade_mutant(pool: Pool, work: Path, mutant: Mutant, graded: list[str],
                 timeout: float) -> Outcome:
    folder = work / f"m-{mutant.id.replace(':', '-')}"
    copy_package(SOLUTIONS / "nnlib", folder, mutant.file, mutant.source)
    start = time.monotonic()
    try:
        report = pool.grade(folder, graded, timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    fields = {k: getattr(mutant, k) for k in Site.__dataclass_fields__}
    seconds = round(time.monotonic() - start, 2)
    if report is None:
        return Outcome(**fields, status="runner_timeout", seconds=seconds,
                       message=f"no verdict within {timeout:g} s")
    if "error" in report:
        raise RuntimeError(f"grading mutant {mutant.id} failed: {report['error']}")
    rows = {row["id"]: row for row in report["exercises"]}
    own = rows[mutant.exercise]
    return Outcome(**fields, status=own["status"], diagnosis=own["diagnosis"],
                   message=own["message"], seconds=seconds,
                   others_down=[i for i in graded if i != mutant.exercise
                                and rows[i]["status"] != "passed"],
                   others_status={i: rows[i]["status"] for i in graded
                                  if i != mutant.exercise})



# ---------------------------------------------------------------- the run

def load_equivalent(path: Path) -> dict[str, dict]:
    """``{mutant id: {file, original, mutated, reason}}`` of the mutants judged equivalent."""
    return json.loads(path.read_text()) if path.exists() else {}


def pick(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """``limit`` mutants spread evenly over the list (all when no limit)."""
    if not limit or limit >= len(mutants):
        return mutants
    step = len(mutants) / limit
    return [mutants[int(i * step)] for i in range(limit)]


def run(args, log=print) -> dict:
    package = SOLUTIONS / "nnlib"
    regions = all_regions(package)
    wanted = args.exercise or [i.split(":")[0] for i in args.mutant or []]
    if wanted:
        unknown = set(wanted) - {r.exercise for r in regions}
        if unknown:
            raise SystemExit(f"no solution region for exercise(s) {sorted(unknown)}")
        regions = [r for r in regions if r.exercise in wanted]
    mutants = generate(package, regions)
    total_generated, generated_ids = len(mutants), {m.id for m in mutants}
    if args.mutant:
        unknown = set(args.mutant) - {m.id for m in mutants}
        if unknown:
            raise SystemExit(f"no such mutant {sorted(unknown)}")
        mutants = [m for m in mutants if m.id in args.mutant]
    mutants = pick(mutants, args.limit)
    regions = [r for r in regions if r.exercise in {m.exercise for m in mutants}]
    log(f"{len(mutants)} of {total_generated} mutants in {len({r.exercise for r in regions})} "
        f"exercises; finding what else runs each region")
    started = time.monotonic()
    pool = Pool(args.jobs)
    outcomes: list[Outcome] = []
    interrupted = False
    try:
        with tempfile.TemporaryDirectory(prefix="nnlib-mutants-") as tmp:
            work = Path(tmp)
            deps = dependents(pool, work, regions, args.timeout, log)
            baseline = pool.grade(copy_package(package, work / "baseline"),
                                  sorted({e for x in deps for e in [x, *deps[x]]}),
                                  args.timeout * 4)
            if baseline is None or "error" in baseline or rows_down(baseline):
                raise SystemExit(f"the unmutated reference does not pass: {baseline}")
            jobs: queue.Queue[Mutant] = queue.Queue()
            for mutant in mutants:
                jobs.put(mutant)
            lock, errors = threading.Lock(), []

            def worker():
                while not errors:
                    try:
                        mutant = jobs.get_nowait()
                    except queue.Empty:
                        return
                    graded = [mutant.exercise, *deps[mutant.exercise]]
                    try:
                        outcome = grade_mutant(pool, work, mutant, graded, args.timeout)
                    except Exception as error:
                        errors.append(error)
                        return
                    with lock:
                        outcomes.append(outcome)
                        if len(outcomes) % 25 == 0 or not outcome.caught:
                            log(f"  [{len(outcomes)}/{len(mutants)}] {outcome.id} "
                                f"{outcome.status}")

            threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.jobs)]
            for thread in threads:
                thread.start()
            try:
                while any(t.is_alive() for t in threads):
                    for thread in threads:
                        thread.join(0.2)
            except KeyboardInterrupt:
                interrupted = True
                errors.append(KeyboardInterrupt())
                pool.close()
                for thread in threads:
                    thread.join(10)
            if errors and not interrupted:
                raise errors[0]
    finally:
        pool.close()
    order = {m.id: i for i, m in enumerate(mutants)}
    outcomes.sort(key=lambda o: order[o.id])
    return summarize(outcomes, load_equivalent(Path(args.equivalent)), deps, generated_ids,
                     seconds=time.monotonic() - started, interrupted=interrupted,
                     planned=len(mutants), jobs=args.jobs)


def interrupt(signum, frame):
    """SIGTERM stops a run the way Ctrl-C does (children stopped, temporary folders gone)."""
    raise KeyboardInterrupt


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--exercise", action="append", help="mutate only this exercise's regions")
    p.add_argument("--mutant", action="append", help="grade only this mutant id (repeatable)")
    p.add_argument("--limit", type=int, help="grade N mutants spread over the list")
    p.add_argument("--jobs", type=int, default=1, help="grading child processes (1)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds one mutant may take before it counts as not caught (60)")
    p.add_argument("--equivalent", metavar="FILE", default=str(EQUIVALENT),
                   help="the hand-judged equivalent mutants (benchmarks/mutation_equivalent.json)")
    p.add_argument("--json", metavar="FILE", help="write the full result object to FILE")
    p.add_argument("--list", action="store_true", help="list the mutants, grade nothing")
    p.add_argument("--write-docs", action="store_true",
                   help="rewrite the figures of docs/grading.md (a full run only)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        regions = all_regions(SOLUTIONS / "nnlib")
        regions = [r for r in regions if not args.exercise or r.exercise in args.exercise]
        for m in generate(SOLUTIONS / "nnlib", regions):
            print(f"{m.id}  {m.file}:{m.line}  {m.original}  ->  {m.mutated}")
        return 0
    signal.signal(signal.SIGTERM, interrupt)
    try:
        result = run(args)
    except KeyboardInterrupt:
        print("interrupted while finding the dependents; nothing graded")
        return 130
    print(text(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    if args.write_docs:
        if args.exercise or args.mutant or args.limit or result["interrupted"]:
            print("--write-docs takes a full run only; docs/grading.md left as it was")
            return 2
        write_docs(result, DOCS)
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 130 if result["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
