"""Show a grading report to a person: plain text for terminals, HTML for notebooks.

The wording never claims more than what ran: with public checks only it says "all
public checks passed", never "all tests passed".
"""

from __future__ import annotations

import html
import re

from nncourse.grader.registry import EXERCISES

LABELS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
          "not_implemented": "TODO", "grader_error": "GRADER"}
COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e",
           "timeout": "#cf222e", "not_implemented": "#9a6700", "grader_error": "#57606a"}


TOP = "vertical-align:top;text-align:left;padding:2px 8px"
WORKER_PATH = re.compile(r"[^\s\"']*nncourse-worker-[^/\s]*/site/nnlib/")  # the worker's copy
TIMEOUT_ADVICE = ("Look for a loop that never ends, a Python loop over many entries "
                  "where numpy can do the whole array at once, or a print inside a loop.")


IMPORTING = "importing nnlib"  # in every message of a worker whose nnlib did not import
WHERE = re.compile(r'File "[^"]*?(nnlib/[^"]+)", line (\d+)')


def import_failure(report: dict) -> str | None:
    """The import error every exercise of ``report`` shares, if ``nnlib`` did not import.

    As the student reads it (the worker's paths shown as ``nnlib/...``); None when the
    package imported (a broken submodule costs only its own exercises).
    """
    messages = {r.get("message") or "" for r in report.get("exercises", [])}
    if len(messages) == 1 and IMPORTING in next(iter(messages)):
        return WORKER_PATH.sub("nnlib/", next(iter(messages)))
    return None


def import_summary(text: str) -> str:
    """``nnlib/x.py line N: SyntaxError: ...``: where and what of an import failure."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    where = WHERE.findall(text)
    place = f"{where[-1][0]} line {where[-1][1]}: " if where else ""
    return place + (lines[-1] if lines else "unknown error")


def message(row: dict, report: dict | None = None) -> str:
    """The message of one exercise as a student should read it.

    A stub raises "Exercise <id> ... not implemented yet"; when that id is another
    exercise (``linear.backward`` runs the student's ``linear.forward``), say so. A
    failure of an exercise whose dependencies failed in the same ``report`` names them.
    """
    text = WORKER_PATH.sub("nnlib/", row.get("message") or "")
    if report is not None and text.startswith("importing nnlib"):
        first = next((r for r in report["exercises"] if r.get("message") == row["message"]),
                     row)
        if first is not row:
            return f"the same import error as {first['id']} above"
    if row["status"] in ("failed", "error", "timeout") and report is not None:
        exercise = EXERCISES.get(row["id"])
        bad = {r["id"] for r in report["exercises"] if r["status"] != "passed"}
        used = [d for d in (exercise.depends if exercise else ()) if d in bad]
        if used:
            text += (f"\nThis check runs your {', '.join(used)}, which did not pass "
                     "above; fix that first (this failure may come from it).")
    if row["status"] == "not_implemented":
        match = re.match(r"Exercise ([^\s:]+)", text)
        if match and match.group(1) != row["id"]:
            text = (f"{row['id']} needs {match.group(1)}, which is not implemented yet; "
                    f"do that first.\n{text}")
    elif row["status"] == "timeout":
        text = f"{text}\n{TIMEOUT_ADVICE}" if text else TIMEOUT_ADVICE
    return text


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
    faults = sum(r["status"] == "grader_error" for r in bad)
    fault_note = f", {faults} not graded because the grader failed (not your code)" \
        if faults else ""
    return (f"{len(rows) - len(bad)} of {len(rows)} exercise(s) passed their {kind}; "
            f"{len(bad) - todo - faults} failing, {todo} not implemented yet"
            f"{' (still raising NotImplementedError)' if todo else ''}"
            f"{fault_note}"
            f"; {report['score']}/{report['max_score']} points")


def as_text(report: dict, verbose: bool = True) -> str:
    """The report as plain text, one block per exercise."""
    lines = []
    for row in report["exercises"]:
        label = LABELS.get(row["status"], row["status"].upper())
        lines.append(f"{label:>7}  {row['id']}  ({row['points']}/{row['max_points']})")
        text = message(row, report) if verbose and row["status"] != "passed" else ""
        if verbose and row.get("hint"):
            text = f"{text}\n{row['hint']}" if text else row["hint"]
        if text:
            for line in text.splitlines():
                lines.append(f"         {line}")
    lines.append(summary(report))
    return "\n".join(lines)


def as_html(report: dict) -> str:
    """The report as a small HTML table (shown by notebooks)."""
    cells = []
    for row in report["exercises"]:
        colour = COLOURS.get(row["status"], "#57606a")
        label = LABELS.get(row["status"], row["status"])
        text = "" if row["status"] == "passed" else message(row, report)
        text = html.escape(f"{text}\n{row['hint']}" if row.get("hint") else text)
        text = re.sub(r"^(Likely bug:|Hint[^:]*:)", r"<b>\1</b>", text, flags=re.M)
        cells.append(
            f"<tr><td style='{TOP};color:{colour};font-weight:bold'>{label}</td>"
            f"<td style='{TOP}'><code>{html.escape(row['id'])}</code></td>"
            f"<td style='{TOP}'>{row['points']}/{row['max_points']}</td>"
            f"<td style='{TOP};text-align:left'>"
            f"<pre style='margin:0;white-space:pre-wrap'>{text}</pre></td></tr>")
    return ("<div><table>" + "".join(cells) + "</table>"
            f"<p><b>{html.escape(summary(report))}</b></p></div>")
