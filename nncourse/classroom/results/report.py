"""``nncourse report LESSON``: where the class stands and where it struggles.

From the autograde records of a lesson: the distribution of the students' exercise
scores, how many notebooks failed to run, and for each exercise how many students passed,
failed, errored, timed out or have not implemented it, with the most common diagnosed
bugs. Printed as a text table and drawn as a PNG (``nncourse/reports/lessonNN.png``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from nncourse.classroom.autograde.grading import GRADER_ERROR, STATUSES
from nncourse.classroom.course import COURSE_HELP, Course, open_lesson
from nncourse.classroom.records import read_records

# Submission statuses whose exercise rows say nothing about the student's exercises.
NOT_EXERCISE_VERDICTS = (GRADER_ERROR, "nnlib missing", "nnlib does not import")
COLOURS = {"passed": "#4c9a2a", "failed": "#d1495b", "error": "#8e3b46",
           "timeout": "#edae49", "not_implemented": "#bbbbbb", "grader_error": "#3d5a80"}


def summarise(course: Course, lesson: str, top: int = 3) -> dict:
    """Counts behind the report: scores, notebook statuses, per-exercise statuses and bugs."""
    records = read_records(course.record_dir(lesson))
    exercises = [c.exercise for c in course.exercise_cells(lesson)]
    statuses = {ex: Counter() for ex in exercises}
    bugs = {ex: Counter() for ex in exercises}
    for record in records.values():
        if record["notebook"] in NOT_EXERCISE_VERDICTS:
            continue  # counted with the submissions' statuses, not as exercise failures
        for entry in record["nnlib"].get("exercises", []):
            if entry["id"] in statuses:
                statuses[entry["id"]][entry["status"]] += 1
                if entry.get("diagnosis"):
                    bugs[entry["id"]][entry["diagnosis"]] += 1
    return {
        "lesson": lesson, "students": len(records),
        "max_score": sum(c.points for c in course.exercise_cells(lesson)),
        "scores": sorted(r["score"] for r in records.values()),
        "submissions": Counter(r["notebook"] for r in records.values()),
        "statuses": statuses, "bugs": {ex: c.most_common(top) for ex, c in bugs.items()},
    }


def text_table(summary: dict) -> str:
    """The report as text."""
    scores = summary["scores"]
    lines = [f"{summary['lesson']}: {summary['students']} graded submission(s), exercise "
             f"points out of {summary['max_score']:g}"]
    if scores:
        mean = sum(scores) / len(scores)
        median = scores[len(scores) // 2] if len(scores) % 2 else (
            scores[len(scores) // 2 - 1] + scores[len(scores) // 2]) / 2
        lines.append(f"mean {mean:.2f}, median {median:g}, min {scores[0]:g}, "
                     f"max {scores[-1]:g}")
        for value, count in sorted(Counter(scores).items()):
            lines.append(f"  {value:>5g} | {'#' * count} {count}")
    lines.append("submissions: " + ", ".join(f"{k} {v}" for k, v in
                                             sorted(summary["submissions"].items())))
    apart = sum(summary["submissions"].get(s, 0) for s in NOT_EXERCISE_VERDICTS)
    if apart:
        lines.append(f"({apart} submission(s) whose nnlib could not be graded at all are "
                     "left out of the exercise counts below)")
    header = f"{'exercise':<28}" + "".join(f"{s:>16}" for s in STATUSES)
    lines += ["", header, "-" * len(header)]
    for exercise, counts in summary["statuses"].items():
        lines.append(f"{exercise:<28}" + "".join(f"{counts.get(s, 0):>16}" for s in STATUSES))
    lines += ["", "most common diagnosed bugs:"]
    for exercise, bugs in summary["bugs"].items():
        for diagnosis, count in bugs:
            lines.append(f"  {exercise}: {count} x {diagnosis}")
    if not any(summary["bugs"].values()):
        lines.append("  none diagnosed")
    return "\n".join(lines) + "\n"


def plot(summary: dict, path: Path) -> Path:
    """Histogram of scores and per-exercise status bars, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    exercises = list(summary["statuses"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.9 + 0.45 * max(4, len(exercises))))
    top = summary["max_score"]
    left.hist(summary["scores"], bins=[b - 0.5 for b in range(int(top) + 2)],
              color="#30638e", edgecolor="white")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole students
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set(xlabel=f"exercise points (of {top:g})", ylabel="students",
             title=f"{summary['lesson']}: score distribution")
    start = [0] * len(exercises)
    for status in STATUSES:
        counts = [summary["statuses"][ex].get(status, 0) for ex in exercises]
        right.barh(exercises, counts, left=start, color=COLOURS[status],
                   label=status.replace("_", " "))
        start = [a + b for a, b in zip(start, counts, strict=True)]
    right.invert_yaxis()
    right.set(xlabel="students", title="verdicts per exercise")
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``nncourse report``."""
    parser.add_argument("lesson", help="lesson number or name")
    parser.add_argument("--course", type=Path, default=Path("."), help=COURSE_HELP)
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="PNG to write (default: COURSE/nncourse/reports/lessonNN.png)")


def run(args: argparse.Namespace) -> int:
    """Print the table and write the plot (and the table next to it)."""
    opened = open_lesson(args, "report")
    if opened is None:
        return 2
    course, lesson = opened
    summary = summarise(course, lesson)
    if not summary["students"]:
        print(f"nncourse report: no autograded submissions of {lesson}", file=sys.stderr)
        return 1
    text = text_table(summary)
    png = plot(summary, args.output or course.private / "reports" / f"{lesson}.png")
    png.with_suffix(".txt").write_text(text)
    print(text + f"plot: {png}")
    return 0
