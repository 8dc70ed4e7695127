"""Show a grading report to a person: plain text for terminals, HTML for notebooks.

The wording never claims more than what ran: with public checks only it says "all
public checks passed", never "all tests passed".
"""

from __future__ import annotations

import html

LABELS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
          "not_implemented": "TODO"}
COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e",
           "timeout": "#cf222e", "not_implemented": "#9a6700"}


def summary(report: dict) -> str:
    """One line: what ran and how it went."""
    rows = report["exercises"]
    kind = "public checks" if report.get("public_only") else "checks (hidden included)"
    bad = [r for r in rows if r["status"] != "passed"]
    if not rows:
        return "no exercise selected"
    if not bad:
        more = " (hidden checks run when your work is graded)" if report.get("public_only") \
            else ""
        return f"all {kind} passed for {len(rows)} exercise(s){more}"
    todo = sum(r["status"] == "not_implemented" for r in bad)
    return (f"{len(rows) - len(bad)} of {len(rows)} exercise(s) passed their {kind}; "
            f"{len(bad) - todo} failing, {todo} not implemented yet "
            f"({report['score']}/{report['max_score']} points)")


def as_text(report: dict, verbose: bool = True) -> str:
    """The report as plain text, one block per exercise."""
    lines = []
    for row in report["exercises"]:
        label = LABELS.get(row["status"], row["status"].upper())
        lines.append(f"{label:>7}  {row['id']}  ({row['points']}/{row['max_points']})")
        if verbose and row["status"] != "passed" and row["message"]:
            for line in row["message"].splitlines():
                lines.append(f"         {line}")
    lines.append(summary(report))
    return "\n".join(lines)


def as_html(report: dict) -> str:
    """The report as a small HTML table (shown by notebooks)."""
    cells = []
    for row in report["exercises"]:
        colour = COLOURS.get(row["status"], "#57606a")
        label = LABELS.get(row["status"], row["status"])
        message = "" if row["status"] == "passed" else html.escape(row["message"] or "")
        cells.append(
            f"<tr><td style='color:{colour};font-weight:bold'>{label}</td>"
            f"<td><code>{html.escape(row['id'])}</code></td>"
            f"<td>{row['points']}/{row['max_points']}</td>"
            f"<td><pre style='margin:0;white-space:pre-wrap'>{message}</pre></td></tr>")
    return ("<div><table>" + "".join(cells) + "</table>"
            f"<p><b>{html.escape(summary(report))}</b></p></div>")
