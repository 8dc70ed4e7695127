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
processes of this script (``--jobs``, default 1) that keep the reference's results
cached; a child that takes longer than ``--timeout`` seconds on one mutant is killed and
the mutant counts as not caught (the grader's own limits should have ended it). Ctrl-C
stops the children and removes the temporary folders; ``solutions/`` is never touched.
``--write-docs`` rewrites the figures of ``docs/grading.md`` between its markers.

Mutant ids are ``<exercise>:<8 hex digits>``, a hash of the exercise, the original line
and the mutated line, so they survive edits elsewhere in the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.json")
DOCS = ROOT / "docs" / "grading.md"
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION (\S+)\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")


@dataclass(frozen=True)
class Region:
    """Lines ``begin < line < end`` (1-based, markers excluded) of one solution region."""

    file: str
    exercise: str
    begin: int
    end: int
    indent: str


@dataclass
class Site:
    """Which mutant, and where: the changed line before and after."""

    id: str
    exercise: str
    file: str
    line: int
    original: str
    mutated: str


@dataclass
class Mutant(Site):
    """One mutated copy of one file; the change lies inside one region."""

    source: str = field(default="", repr=False)


@dataclass
class Outcome(Site):
    """What grading one mutant gave."""

    status: str = ""  # of the mutated region's exercise, or "runner_timeout"
    diagnosis: str | None = None
    message: str = ""
    others_down: list[str] = field(default_factory=list)
    others_status: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        """The exercise lost its points on a verdict about the code.

        ``grader_error`` (the grader failed, the student is not blamed and is regraded)
        and ``runner_timeout`` (no verdict at all) are not verdicts, so not caught.
        """
        return self.status not in ("passed", "grader_error", "runner_timeout")

    @property
    def named(self) -> bool:
        return self.caught and bool(self.diagnosis)


def regions_of(path: Path) -> list[Region]:
    """The solution regions of one file, in order."""
    found, open_ = [], None
    for number, text in enumerate(path.read_text().splitlines(), 1):
        begin = BEGIN.match(text)
        if begin:
            open_ = (number, begin.group(2), begin.group(1))
        elif END.match(text) and open_:
            found.append(Region(path.name, open_[1], open_[0], number, open_[2]))
            open_ = None
    return found


def all_regions(package: Path) -> list[Region]:
    return [r for path in sorted(package.glob("*.py")) for r in regions_of(path)]


def mutant_id(exercise: str, original: str, mutated: str) -> str:
    text = "\n".join((exercise, original.strip(), mutated.strip()))
    return f"{exercise}:{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def generate(package: Path, regions: list[Region]) -> list[Mutant]:
    """mutmut's mutants of every line inside ``regions``, one file and one change each.

    mutmut reads its settings (``[tool.mutmut]`` of ``pyproject.toml``) from the current
    folder, so the repository root is the current folder while it parses.
    """
    from mutmut.mutation.file_mutation import create_mutations, deep_replace

    mutants, seen = [], set()
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        for name in sorted({r.file for r in regions}):
            path = package / name
            source = path.read_text()
            inside = [r for r in regions if r.file == name]
            lines = {n for r in inside for n in range(r.begin + 1, r.end)}
            module, mutations, _, _ = create_mutations(str(path), source, lines)
            before = source.splitlines()
            for mutation in mutations:
                code = deep_replace(module, mutation.original_node, mutation.mutated_node).code
                after = code.splitlines()
                if code == source or len(after) != len(before):
                    continue  # a no-op, or a change of line count (none of mutmut's operators)
                changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1)
                           if a != b]
                region = next(r for r in inside if r.begin < changed[0] <= changed[-1] < r.end)
                original = "\n".join(before[n - 1] for n in changed)
                mutated = "\n".join(after[n - 1] for n in changed)
                ident = mutant_id(region.exercise, original, mutated)
                while ident in seen:  # the same change on two identical lines
                    ident += "+"
                seen.add(ident)
                mutants.append(Mutant(ident, region.exercise, name, changed[0],
                                      original.strip(), mutated.strip(), code))
    finally:
        os.chdir(here)
    return mutants


def stub_text(exercise: str) -> str:
    return f"Exercise {exercise}: stubbed"


def stubbed(path: Path, regions: list[Region]) -> str:
    """The file with ``regions`` replaced by a one-line stub like ``nncourse release``'s."""
    lines = path.read_text().splitlines(keepends=True)
    for r in sorted(regions, key=lambda r: r.begin, reverse=True):
        stub = f'{r.indent}raise NotImplementedError("{stub_text(r.exercise)}")\n'
        lines[r.begin - 1:r.end] = [stub]
    return "".join(lines)


# ---------------------------------------------------------------- grading in children

def serve() -> None:
    """Child: grade ``{"folder", "exercises"}`` requests read as JSON lines on stdin.

    Answers go to the original stdout, one JSON line each; anything printed while grading
    goes to stderr. The child stays alive so the reference's results stay cached.
    """
    from nncourse.grader.api import grade_package

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # atexit closes the workers
    for request in sys.stdin:
        job = json.loads(request)
        try:
            answer = grade_package(Path(job["folder"]), exercises=job["exercises"])
        except Exception as error:  # a runner problem, reported with the mutant
            answer = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


class Child:
    """One grading child process (this script with ``--serve``)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve"], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def grade(self, folder: Path, exercises: list[str], timeout: float) -> dict | None:
        """The ``grade_package`` object, or None when ``timeout`` seconds passed first."""
        self.process.stdin.write(json.dumps({"folder": str(folder),
                                             "exercises": exercises}) + "\n")
        self.process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the grading child exited")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Pool:
    """``jobs`` children; a child that times out is replaced by a fresh one."""

    def __init__(self, jobs: int) -> None:
        self.idle: queue.Queue[Child] = queue.Queue()
        self.all: list[Child] = []
        self.lock = threading.Lock()
        for _ in range(jobs):
            self.idle.put(self.new())

    def new(self) -> Child:
        child = Child()
        with self.lock:
            self.all.append(child)
        return child

    def grade(self, folder: Path, exercises: list[str], timeout: float) -> dict | None:
        child = self.idle.get()
        try:
            result = child.grade(folder, exercises, timeout)
        except BaseException:
            child.close()
            self.idle.put(self.new())
            raise
        if result is None:
            child.close()
            child = self.new()
        self.idle.put(child)
        return result

    def close(self) -> None:
        with self.lock:
            for child in self.all:
                child.close()


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
                     planned=len(mutants))


def summarize(outcomes: list[Outcome], equivalent: dict, deps: dict, generated: set[str], *,
              seconds: float, interrupted: bool, planned: int) -> dict:
    """The figures of a run, as a JSON-ready object.

    An equivalent entry is stale when mutmut no longer makes its mutant (the line changed).
    """
    equiv = [o for o in outcomes if o.id in equivalent]
    counted = [o for o in outcomes if o.id not in equivalent]
    caught = [o for o in counted if o.caught]
    named = [o for o in caught if o.named]
    double = [o for o in outcomes if o.others_down]
    return {
        "generated": len(generated), "planned": planned, "graded": len(outcomes),
        "interrupted": interrupted, "seconds": round(seconds, 1),
        "equivalent": len(equiv), "non_equivalent": len(counted),
        "caught": len(caught), "named": len(named),
        "score": round(len(caught) / len(counted), 4) if counted else None,
        "named_share": round(len(named) / len(counted), 4) if counted else None,
        "named_of_caught": round(len(named) / len(caught), 4) if caught else None,
        "double_penalties": len(double),
        "double_by_exercise": _count(e for o in double for e in o.others_down),
        "runner_timeouts": sum(o.status == "runner_timeout" for o in outcomes),
        "grader_errors": sum(o.status == "grader_error" for o in outcomes),
        "dependents": deps,
        "survivors": [_row(o) for o in counted if not o.caught],
        "unnamed": [_row(o) for o in caught if not o.named],
        "equivalent_caught": [_row(o) for o in equiv if o.caught],
        "equivalent_list": [dict(_row(o), reason=equivalent[o.id]["reason"]) for o in equiv],
        "equivalent_stale": sorted(i for i in equivalent if i not in generated
                                   and i.split(":")[0] in deps),
        "by_exercise": {e: _figures([o for o in counted if o.exercise == e])
                        for e in sorted({o.exercise for o in outcomes})},
        "outcomes": [asdict(o) for o in outcomes],
    }


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _row(o: Outcome) -> dict:
    return {"id": o.id, "file": f"solutions/nnlib/{o.file}", "line": o.line,
            "original": o.original, "mutated": o.mutated, "status": o.status,
            "diagnosis": o.diagnosis, "others_down": o.others_down}


def _figures(rows: list[Outcome]) -> dict:
    return {"mutants": len(rows), "caught": sum(o.caught for o in rows),
            "named": sum(o.named for o in rows)}


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
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve()
        return 0
    if args.list:
        regions = all_regions(SOLUTIONS / "nnlib")
        regions = [r for r in regions if not args.exercise or r.exercise in args.exercise]
        for m in generate(SOLUTIONS / "nnlib", regions):
            print(f"{m.id}  {m.file}:{m.line}  {m.original}  ->  {m.mutated}")
        return 0
    from mutation_report import text, write_docs

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
