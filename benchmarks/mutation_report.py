"""The figures of a mutation run: the result object, its text and ``docs/grading.md``."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from mutants import Outcome

BEGIN_MARK = "<!-- mutation-figures:begin (benchmarks/mutation.py --write-docs) -->"
END_MARK = "<!-- mutation-figures:end -->"


def summarize(outcomes: list[Outcome], equivalent: dict, deps: dict, generated: set[str], *,
              seconds: float, interrupted: bool, planned: int, jobs: int = 1) -> dict:
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
        "interrupted": interrupted, "seconds": round(seconds, 1), "jobs": jobs,
        "equivalent": len(equiv), "non_equivalent": len(counted),
        "caught": len(caught), "named": len(named), "named_by": named_by(named),
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


def named_by(named: list[Outcome]) -> dict[str, int]:
    """How the named mutants were named: a known bug, an exception's cause, the error's shape.

    The last two are the grader's generic codes (``diagnose.GENERIC_CODES``): they say
    what is wrong with the result or which mistake an exception points to, not which bug
    of the exercise it is.
    """
    from nncourse.grader.checks.diagnose import GENERIC_CODES
    from nncourse.grader.checks.exceptions import EXCEPTION_HINTS

    counts = _count("exception" if o.diagnosis in EXCEPTION_HINTS else "shape"
                    if o.diagnosis in GENERIC_CODES else "bug" for o in named)
    return {k: counts.get(k, 0) for k in ("bug", "exception", "shape")}


def _row(o: Outcome) -> dict:
    return {"id": o.id, "file": f"solutions/nnlib/{o.file}", "line": o.line,
            "original": o.original, "mutated": o.mutated, "status": o.status,
            "diagnosis": o.diagnosis, "others_down": o.others_down}


def _figures(rows: list[Outcome]) -> dict:
    return {"mutants": len(rows), "caught": sum(o.caught for o in rows),
            "named": sum(o.named for o in rows)}


def pct(share) -> str:
    return "n/a" if share is None else f"{100 * share:.1f}%"


def text(r: dict) -> str:
    """The report printed at the end of a run."""
    lines = [
        "",
        f"mutants generated {r['generated']}, graded {r['graded']} of {r['planned']}"
        + (" (INTERRUPTED)" if r["interrupted"] else "") + f" in {r['seconds']:.0f} s",
        f"equivalent (by hand)          {r['equivalent']}",
        f"non-equivalent                {r['non_equivalent']}",
        f"caught on the right exercise  {r['caught']}  score {pct(r['score'])}",
        f"named (diagnosis)             {r['named']}  share {pct(r['named_share'])}"
        f" ({pct(r['named_of_caught'])} of caught; by a known bug {r['named_by']['bug']}, "
        f"an exception's cause {r['named_by']['exception']}, the error's shape "
        f"{r['named_by']['shape']})",
        f"double penalties              {r['double_penalties']}  "
        + ", ".join(f"{e} {n}" for e, n in r["double_by_exercise"].items()),
        f"runner timeouts {r['runner_timeouts']}, grader errors {r['grader_errors']}",
    ]
    if r["equivalent_caught"]:
        lines.append("EQUIVALENT BUT MARKED DOWN (false alarms on correct code):")
        lines += [f"  {row['id']}  {row['status']}" for row in r["equivalent_caught"]]
    if r["equivalent_stale"]:
        lines.append("equivalent entries no longer generated (stale): "
                     + ", ".join(r["equivalent_stale"]))
    lines.append(f"survivors ({len(r['survivors'])}):")
    lines += [f"  {row['id']}  {row['file']}:{row['line']}  {row['original']}  ->  "
              f"{row['mutated']}" for row in r["survivors"]]
    return "\n".join(lines)


def _cell(s: str) -> str:
    """Text safe inside a Markdown table cell."""
    return s.replace("|", "\\|")


def _code(s: str) -> str:
    return "`" + _cell(s) + "`"


def _table(title: str, rows: list[dict], header: tuple, cells) -> list[str]:
    """A ``###`` section with one table row per item (``cells(item)`` gives the cells)."""
    out = ["", f"### {title}", ""]
    if not rows:
        return out + ["None."]
    out += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return out + ["| " + " | ".join(cells(row)) + " |" for row in rows]


def figures_markdown(r: dict) -> str:
    """The generated part of ``docs/grading.md``."""
    out = [
        BEGIN_MARK,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: a full run, "
        f"{r['graded']} mutants graded in {r['seconds'] / 60:.1f} minutes with "
        f"`--jobs {r.get('jobs', 1)}` on the shared two-core machine.",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| mutants (mutmut's operators, solution regions only) | {r['generated']} |",
        f"| equivalent, judged by hand | {r['equivalent']} |",
        f"| non-equivalent | {r['non_equivalent']} |",
        f"| caught on the right exercise (score; target 98%) | {r['caught']} "
        f"({pct(r['score'])}) |",
        f"| named: also carry a diagnosis (target 85%) | {r['named']} "
        f"({pct(r['named_share'])}; {pct(r['named_of_caught'])} of those caught) |",
        f"| named by a known bug / an exception's cause / the error's shape | "
        f"{r['named_by']['bug']} / {r['named_by']['exception']} / {r['named_by']['shape']} |",
        f"| double penalties: another exercise also lost its points | "
        f"{r['double_penalties']} |",
        f"| runner timeouts / grader errors | {r['runner_timeouts']} / "
        f"{r['grader_errors']} |",
        f"| equivalent mutants marked down (false alarms) | "
        f"{len(r['equivalent_caught'])} |",
        "",
        "Double penalties by the exercise that also lost its points: "
        + (", ".join(f"`{e}` {n}" for e, n in r["double_by_exercise"].items()) or "none")
        + ".",
        "",
        "Exercises graded besides the mutated one (measured by stubbing each region):",
        "",
    ]
    out += [f"- `{e}`: " + (", ".join(f"`{d}`" for d in deps) or "nothing else")
            for e, deps in r["dependents"].items() if deps]
    out += ["", "### Per exercise", "",
            "| exercise | mutants | caught | named |", "| --- | --- | --- | --- |"]
    out += [f"| `{e}` | {f['mutants']} | {f['caught']} | {f['named']} |"
            for e, f in r["by_exercise"].items()]
    out += _table(f"Survivors ({len(r['survivors'])})", r["survivors"],
                  ("id", "where", "original", "mutant", "status", "lost instead"),
                  lambda s: (f"`{s['id']}`", f"{s['file']}:{s['line']}", _code(s["original"]),
                             _code(s["mutated"]), s["status"],
                             ", ".join(s["others_down"]) or "nothing"))
    out += _table(f"Equivalent mutants ({r['equivalent']})", r["equivalent_list"],
                  ("id", "original", "mutant", "why it is equivalent"),
                  lambda s: (f"`{s['id']}`", _code(s["original"]), _code(s["mutated"]),
                             _cell(s["reason"])))
    out += ["", END_MARK]
    return "\n".join(out)


def write_docs(r: dict, path: Path) -> None:
    """Replace the text between the markers of ``path`` by the figures of ``r``."""
    page = path.read_text()
    head, rest = page.split(BEGIN_MARK, 1)
    _, tail = rest.split(END_MARK, 1)
    path.write_text(head + figures_markdown(r) + tail)
