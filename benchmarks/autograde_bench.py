"""Time ``nncourse autograde`` on a whole class: students per minute, per core, and per stage.

    python benchmarks/autograde_bench.py [--lesson 2] [--class-size 300] [--repeats 1]
        [--baseline-size N] [--also-jobs 2] [--json] [--write-docs]

Builds a throw-away course (``nncourse setup`` + ``assign``) for one lesson in a temporary
folder, with mixed submissions, each with the released lesson notebook: in every ten,
four hold the complete ``nnlib`` (the reference without its markers), four the stubs and
two a buggy one (a wrong mean in ``MSELoss``, a softmax without the max shift). Then each
run is a separate ``nncourse autograde --force`` process, everything included (the CLI,
nbgrader's import, the sandboxed kernels, the grader's workers, the gradebook, the
records), in this order, ``--repeats`` times:

- **new**: today's defaults (warm kernels, ``--jobs`` as the CLI chooses);
- **old**: the path before warm kernels (``NNCOURSE_WARM_KERNELS=0``) with ``--jobs 2``,
  the figure of issue #15, on the first ``--baseline-size`` students (default: all);
- with ``--also-jobs J``: warm kernels with ``--jobs J``, to tell the two changes apart.

For each it prints the median wall time, students per minute and per minute per core,
the CPU seconds per student (user + system of the whole process tree), the medians of
the per-student stages from the batch results and the records, the load average before
and after, and the ratio new / old. With ``--json`` one JSON object is the last line;
``--write-docs`` puts the figures in their block of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION.*\n", re.MULTILINE)
BUGS = {  # losses.py of the reference -> a buggy copy
    "mse": ("np.mean(diff * diff)", "np.sum(diff * diff)"),
    "softmax": ("np.exp(z - z.max(axis=-1, keepdims=True))", "np.exp(z)"),
}


def nncourse(*args: str, env: dict | None = None) -> dict:
    """Run ``nncourse ARGS`` in a new process; its wall time and its tree's CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nncourse.cli", *args], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def library(index: int) -> dict[str, str]:
    """The ``nnlib`` files of student ``index``: complete, stubs or buggy."""
    kind = ("complete", "stubs", "complete", "stubs", "mse", "complete", "stubs", "complete",
            "stubs", "softmax")[index % 10]
    source = ROOT / ("nnlib" if kind == "stubs" else "solutions/nnlib")
    files = {}
    for path in source.rglob("*.py"):
        if "__pycache__" not in path.parts:
            files[path.relative_to(source).as_posix()] = MARKER.sub("", path.read_text())
    if kind in BUGS:
        good, bad = BUGS[kind]
        assert good in files["losses.py"], f"the benchmark's {kind} bug no longer applies"
        files["losses.py"] = files["losses.py"].replace(good, bad)
    return files


def write_class(course: Path, lesson: int, size: int) -> list[str]:
    """``submitted/sNNN/lessonNN`` for ``size`` students; return their ids."""
    notebook = next((ROOT / "lessons").glob(f"{lesson:02d}_*.ipynb"))
    students = [f"s{index:03d}" for index in range(size)]
    for index, student in enumerate(students):
        sub = course / "submitted" / student / f"lesson{lesson:02d}"
        for rel, text in library(index).items():
            (sub / "nnlib" / rel).parent.mkdir(parents=True, exist_ok=True)
            (sub / "nnlib" / rel).write_text(text)
        shutil.copyfile(notebook, sub / notebook.name)
    return students


def stages(course: Path, lesson: int, students: list[str]) -> dict:
    """Medians per student of a run's stages (seconds), from batch results and records."""
    runs = course / "nncourse" / "runs" / f"lesson{lesson:02d}" / "nbgrader"
    records = course / "nncourse" / "records" / f"lesson{lesson:02d}"
    rows = {"nbgrader_s": [], "finish_s": [], "record_notebook_s": [], "record_nnlib_s": []}
    for student in students:
        if (runs / f"{student}.json").is_file():
            batch = json.loads((runs / f"{student}.json").read_text())
            rows["nbgrader_s"].append(batch.get("nbgrader_seconds") or 0.0)
            rows["finish_s"].append(batch.get("grader_seconds") or 0.0)
        if (records / f"{student}.json").is_file():
            took = json.loads((records / f"{student}.json").read_text())["seconds"]
            rows["record_notebook_s"].append(took["notebook"] or 0.0)
            rows["record_nnlib_s"].append(took["nnlib"] or 0.0)
    return {"graded": len(rows["record_nnlib_s"]),
            **{k: round(statistics.median(v), 2) if v else None for k, v in rows.items()}}


def measure(course: Path, lesson: int, students: list[str], label: str, jobs: int | None,
            env: dict, repeats: int) -> dict:
    """Grade every submitted student ``repeats`` times in one configuration; medians, rates."""
    walls, cpus, loads, stage = [], [], [], {}
    for _ in range(repeats):
        args = ["autograde", str(lesson), "--course", str(course), "--force"]
        load_before = os.getloadavg()[0]
        took = nncourse(*args, *(["--jobs", str(jobs)] if jobs else []), env=env)
        loads.append((round(load_before, 2), round(os.getloadavg()[0], 2)))
        walls.append(took["wall_s"])
        cpus.append(took["cpu_s"])
        stage = stages(course, lesson, students)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    cores = os.cpu_count() or 1
    per_minute = 60.0 * len(students) / wall
    result = {"label": label, "students": len(students), "jobs": jobs, "env": env,
              "wall_s": round(wall, 1), "runs_s": [round(w, 1) for w in walls],
              "students_per_min": round(per_minute, 1),
              "students_per_min_per_core": round(per_minute / cores, 1),
              "cpu_s_per_student": round(cpu / len(students), 2), "load": loads, **stage}
    print(f"{label:<28} {len(students)} students in {wall:.1f} s: {per_minute:.1f}/min, "
          f"{per_minute / cores:.1f}/min/core, {cpu / len(students):.2f} CPU-s each; "
          f"median per student: nbgrader {stage['nbgrader_s']} s, nnlib {stage['finish_s']} s;"
          f" graded {stage['graded']}; load {loads}", flush=True)
    return result


def main() -> None:
    """Build the course, time the configurations, print rates and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lesson", type=int, default=2)
    parser.add_argument("--class-size", type=int, default=300)
    parser.add_argument("--baseline-size", type=int, default=None,
                        help="students of the old way's run (default: the whole class)")
    parser.add_argument("--also-jobs", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the figures into their block of docs/performance.md")
    args = parser.parse_args()
    started, load = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="autograde-bench-") as tmp:
        course = Path(tmp) / "course"
        nncourse("setup", str(course), "--repo", str(ROOT))
        nncourse("assign", str(args.lesson), "--course", str(course), "--no-exchange")
        students = write_class(course, args.lesson, args.class_size)
        print(f"lesson {args.lesson:02d}, class of {len(students)}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
        runs = [measure(course, args.lesson, students, "new (warm, default --jobs)", None,
                        {}, args.repeats)]
        if args.also_jobs:
            runs.append(measure(course, args.lesson, students, f"warm, --jobs {args.also_jobs}",
                                args.also_jobs, {}, args.repeats))
        baseline = students
        if args.baseline_size and args.baseline_size < len(students):
            baseline = students[:args.baseline_size]
            for student in students[args.baseline_size:]:  # only the baseline is submitted
                shutil.move(course / "submitted" / student, Path(tmp) / student)
        runs.append(measure(course, args.lesson, baseline, "old (cold, --jobs 2)", 2,
                            {"NNCOURSE_WARM_KERNELS": "0"}, args.repeats))
    new, old = runs[0], runs[-1]
    ratio = new["students_per_min"] / old["students_per_min"]
    print(f"new / old: x{ratio:.2f} students per minute, "
          f"x{old['cpu_s_per_student'] / new['cpu_s_per_student']:.2f} less CPU per student")
    summary = {"lesson": args.lesson, "cpus": os.cpu_count(), "runs": runs,
               "ratio_new_over_old": round(ratio, 2), "date": started, "load_at_start": load,
               "command": "python benchmarks/autograde_bench.py " + " ".join(sys.argv[1:])}
    if args.write_docs:
        import doc_blocks

        page = ROOT / "docs" / "performance.md"
        page.write_text(doc_blocks.put(page.read_text(), "autograde", "autograde_bench.py",
                                       markdown(summary)))
        print(f"wrote {page}")
    if args.json:
        print(json.dumps(summary))


def cpu_model() -> str:
    """The CPU's model name (Linux), or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


def markdown(summary: dict) -> str:
    """The block of ``docs/performance.md``: the command, the machine, a row per run."""
    rows = ["| run | students | `--jobs` | wall (median) | students/min | students/min/core | "
            "CPU-s per student | nbgrader per student | nnlib per student | load before -> "
            "after |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run in summary["runs"]:
        jobs = run["jobs"] or f"default ({(os.cpu_count() or 1) + 1})"
        loads = ", ".join(f"{a:.1f} -> {b:.1f}" for a, b in run["load"])
        rows.append(f"| {run['label']} | {run['students']} | {jobs} | {run['wall_s']:.1f} s | "
                    f"{run['students_per_min']:.1f} | {run['students_per_min_per_core']:.1f} | "
                    f"{run['cpu_s_per_student']:.2f} | {run['nbgrader_s']} s | "
                    f"{run['finish_s']} s | {loads} |")
    return "\n".join([
        f"## Autograde throughput: lesson {summary['lesson']:02d}, a class of "
        f"{summary['runs'][0]['students']}", "",
        f"`{summary['command']}` on {summary['date']}: {summary['cpus']} cores "
        f"({cpu_model()}, shared), load average {summary['load_at_start']:.2f} at the start. "
        "Each run is one `nncourse autograde --force` process, everything included (the "
        "CLI, nbgrader's import per batch, the sandboxed kernels, the grader's workers, the "
        "gradebook, the records), on mixed submissions (complete, stubs, two bugs). "
        "*old* is the path before warm kernels (`NNCOURSE_WARM_KERNELS=0`, `--jobs 2`, the "
        "figure of issue #15). CPU-s per student is user + system time of the whole process "
        "tree over the students; the per-student stages are medians of the batch results "
        "(nbgrader with its kernel; the grader's workers, gradebook and record).", "",
        *rows, "",
        f"New over old: **x{summary['ratio_new_over_old']:.2f}** students per minute in this "
        "run. The analysis (where the time goes, what bounds it) is in `docs/instructor.md`, "
        "\"Timings\".",
    ])


if __name__ == "__main__":
    main()
