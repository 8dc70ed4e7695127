"""Run the checks of some exercises against one ``nnlib`` package, in workers.

For every exercise the engine asks its ``Check`` for the calls of each variant (public,
and hidden ones on the instructor's side), runs them all in one request to the
student's worker, gets the reference's results for the same calls (from a reference
worker, or from the stored public expected values), and lets the check judge. The
student's worker and the reference worker run side by side in two threads.

A worker that fails (crash, exit, hang) costs the request it was running; the next
exercise gets a fresh worker. A failure of the grader itself (the reference failing, a
check or the trusted side raising) is never the student's: the exercise is graded once
more, and if it fails again its verdict is ``grader_error``, worth no points and reported
as the grader's fault, never as a plain 0. Nothing here imports ``nnlib``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nncourse.grader.checks.base import Call, Failure, Result, Variant, Verdict, matches_any
from nncourse.grader.checks.diagnose import GENERIC_CODES, hint
from nncourse.grader.errors import GraderError
from nncourse.grader.registry import Exercise
from nncourse.grader.registry import preload as registry_preload
from nncourse.grader.workers import Answer, Worker, WorkerLimits, take_prelaunched


@dataclass
class Planned:
    """The calls of one exercise, with the variant each slice belongs to."""

    exercise: Exercise
    check: object
    variants: list[tuple[Variant, int, int]]  # (variant, start, stop) into calls
    calls: list[Call]


def hidden_variants(exercise_id: str) -> list[dict]:
    """Hidden parameter sets of an exercise; ``GraderError`` when they are not installed."""
    try:
        from nncourse.grader.hidden import HIDDEN
    except ImportError:
        raise GraderError("hidden checks are not installed here (nncourse/grader/hidden/ is "
                          "instructor-only); run public checks instead") from None
    return HIDDEN.get(exercise_id, [])


def plan(exercise: Exercise, hidden: bool, context: dict | None = None) -> Planned:
    """All calls of an exercise: its public variants, then its hidden ones.

    ``context`` reaches every variant (the trusted data folder: ``{"datasets": path}``).
    """
    check = exercise.load_check()
    context = context or {}
    variants = [Variant(p, True, context) for p in check.public]
    if hidden:
        variants += [Variant(p, False, context) for p in hidden_variants(exercise.id)]
    calls, spans = [], []
    for variant in variants:
        start = len(calls)
        for call in check.plan(variant):
            if call.fill:  # call i of the variant is call start + i of the exercise
                call.fill = (call.fill[0] + start, call.fill[1])
            calls.append(call)
        spans.append((variant, start, len(calls)))
    return Planned(exercise, check, spans, calls)


def pack(calls: list[Call]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Calls as JSON specs plus one flat dict of arrays for the wire."""
    specs, arrays = [], {}
    for i, call in enumerate(calls):
        inputs = {}
        for name, array in call.inputs.items():
            inputs[name] = f"{i}:{name}"
            arrays[f"{i}:{name}"] = np.asarray(array)
        specs.append({"probe": call.probe, "args": call.args, "inputs": inputs})
    return specs, arrays


def unpack(answer: Answer, count: int) -> list[Result]:
    """The per-call results of a worker answer."""
    results = []
    for i, meta in enumerate(answer.meta.get("results", [])[:count]):
        if meta.get("ok"):
            prefix = f"{i}/"
            arrays = {k[len(prefix):]: v for k, v in answer.arrays.items()
                      if k.startswith(prefix)}
            results.append(Result(True, arrays))
        else:
            results.append(Result(False, error_type=str(meta.get("type", "")),
                                  error=str(meta.get("message", "")),
                                  not_implemented=bool(meta.get("not_implemented"))))
    if len(results) != count:
        raise ValueError(f"expected {count} results from the worker, got {len(results)}")
    return results


def digest(calls: list[Call]) -> str:
    """A fingerprint of the inputs of some calls (stored with the public expected values)."""
    h = hashlib.sha256()
    for call in calls:
        h.update(json.dumps([call.probe, call.args], sort_keys=True).encode())
        for name in sorted(call.inputs):
            array = np.ascontiguousarray(call.inputs[name])
            h.update(f"{name}{array.dtype.str}{array.shape}".encode())
            h.update(array.tobytes())
    return h.hexdigest()[:16]


# After this many timeouts in one package, the remaining exercises get shorter limits.
TIMEOUTS_BEFORE_HURRY, HURRIED_TIMEOUT = 3, 1.5

# Reference results by (reference source hash, exercise, inputs digest): grading a class
# runs the reference once per exercise, not once per student.
REFERENCE_CACHE: dict[tuple, list[Result]] = {}


def source_hash(package: Path, suffixes: tuple[str, ...] = (".py",)) -> str:
    """A fingerprint of the ``.py`` files (or other ``suffixes``) of a package: its version."""
    h = hashlib.sha256()
    for path in sorted(Path(package).rglob("*")):
        if path.suffix in suffixes and path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Session:
    """Workers for one package, restarted when one fails."""

    def __init__(self, package: Path, preload: tuple[str, ...], limits: WorkerLimits) -> None:
        self.package, self.preload, self.limits = package, preload, limits
        self.worker: Worker | None = None
        self.start_failure: Answer | None = None

    def run(self, calls: list[Call], timeout: float) -> Answer:
        """Run ``calls`` in the worker, starting (or restarting) it first when needed."""
        if self.start_failure is not None:
            return self.start_failure
        if self.worker is None or self.worker.failure is not None:
            if self.worker is not None:
                self.worker.close()
            self.worker = take_prelaunched(self.package, self.preload) \
                if self.limits == WorkerLimits() else None
            self.worker = self.worker or Worker(self.package, preload=self.preload,
                                                limits=self.limits)
            failure = self.worker.start()
            if failure is not None:
                self.start_failure = failure  # the import itself fails: same for all
                return failure
        specs, arrays = pack(calls)
        return self.worker.run(specs, arrays, timeout=timeout)

    def close(self) -> None:
        """Stop the worker and clean up after it."""
        if self.worker is not None:
            self.worker.close()


def preload(planned: list[Planned]) -> tuple[str, ...]:
    """The submodules the workers should import once, for these exercises."""
    return registry_preload([p.exercise for p in planned])


def reference_results(package: Path, planned: list[Planned], out: dict) -> None:
    """Run every plan on the reference (in a thread); store results or the error in ``out``."""
    session = Session(package, preload(planned), WorkerLimits())
    try:
        for p in planned:
            answer = session.run(p.calls, timeout=max(30.0, p.exercise.timeout * 4))
            if answer.status != "ok":
                out["error"] = f"the reference failed on {p.exercise.id}: {answer.message}"
                return
            out[p.exercise.id] = unpack(answer, len(p.calls))
    except Exception as error:  # reported on the main thread
        out["error"] = f"the reference failed: {fault_text(error)}"
    finally:
        session.close()


def judge(p: Planned, got: list[Result], want: list[Result] | None) -> Verdict:
    """The verdict of one exercise from its results; the first failing variant decides."""
    not_implemented = [r for r in got if not r.ok and r.not_implemented]
    if not_implemented:
        return Verdict("not_implemented", not_implemented[0].error or "not implemented yet")
    for variant, start, stop in p.variants:
        w = None
        if want is not None and len(want) >= stop:
            w = want[start:stop]
        try:
            p.check.judge(variant, p.calls[start:stop], got[start:stop], w)
        except Failure as failure:
            v = failure.verdict
            text = v.message
            if v.diagnosis:
                text += "\n" + hint(v.diagnosis)
            if not variant.public:
                text = "A hidden check (other sizes and seeds) failed: " + text
                if not v.diagnosis or v.diagnosis in GENERIC_CODES:
                    text += ("\nThe public checks pass, so look for what only holds at their "
                             "sizes: a hard-coded size or shape, a fixed seed, an axis that "
                             "works only when two sizes are equal.")
            return Verdict(v.status, text, v.diagnosis)
        except Exception:  # a bug in a check must not take the batch down
            return grader_fault("the check could not evaluate the results:\n"
                                + traceback.format_exc(limit=3))
    return Verdict("passed", "all hidden and public checks passed" if any(
        not v.public for v, _, _ in p.variants) else "all public checks passed")


GRADER_ERROR = "grader_error"


def grader_fault(detail: str) -> Verdict:
    """The verdict of an exercise the grader itself failed on (not the student's code)."""
    return Verdict(GRADER_ERROR, "the grader itself failed on this exercise (not your code; "
                   f"no points are lost for it, and your instructor is told): {detail}")


def run_exercises(package: Path, exercises: list[Exercise], *, hidden: bool,
                  reference: Path | None, stored: dict | None = None,
                  datasets: Path | None = None,
                  limits: WorkerLimits | None = None,
                  timeout: float | None = None) -> list[tuple[Exercise, Verdict]]:
    """Grade ``exercises`` of the ``nnlib`` package folder ``package``.

    Exercises whose verdict is a grader fault are graded a second time (fresh workers, the
    reference run again); a fault that persists stays ``grader_error``.

    Args:
        package: the folder that is the student's ``nnlib`` package.
        exercises: the exercises to run, in order.
        hidden: also run the hidden variants (instructor only).
        reference: the reference ``nnlib`` folder to compute expected values, or None.
        stored: public expected values by exercise (``nncourse.grader.expected``), used
            when ``reference`` is None.
        datasets: the trusted folder holding ``digits.csv.gz`` (for the capstone).
        limits: resource limits of the student's worker.
        timeout: wall-clock limit per exercise (default: the registry's, 5 s or more).

    Returns:
        ``(exercise, verdict)`` pairs in the order of ``exercises``.
    """
    options = dict(hidden=hidden, reference=reference, stored=stored, datasets=datasets,
                   limits=limits, timeout=timeout)
    verdicts = dict(grade_once(package, exercises, **options))
    faulty = [e for e in exercises if verdicts[e.id].status == GRADER_ERROR]
    if faulty:
        verdicts.update(grade_once(package, faulty, **options))
    return [(e, verdicts[e.id]) for e in exercises]


def grade_once(package: Path, exercises: list[Exercise], *, hidden: bool,
               reference: Path | None, stored: dict | None, datasets: Path | None,
               limits: WorkerLimits | None, timeout: float | None) -> dict[str, Verdict]:
    """One grading pass of ``exercises`` (see ``run_exercises``): verdicts by exercise id."""
    planned, verdicts = [], {}
    for exercise in exercises:
        try:
            planned.append(plan(exercise, hidden, {"datasets": datasets}))
        except Failure as failure:  # e.g. the capstone's data set is missing
            verdicts[exercise.id] = failure.verdict
    reference_run = ReferenceRun(reference, planned)
    got_all: dict[str, Answer] = {}
    session = Session(package, preload(planned), limits or WorkerLimits())
    run = StudentRun(session, timeout)
    try:
        for p in planned:  # stand-in calls wait for the reference (below)
            if not any(c.fill for c in p.calls):
                got_all[p.exercise.id] = run(p, p.calls)
        want_all, reference_error = reference_run.results()
        wants = {p.exercise.id: want_all.get(p.exercise.id) if reference is not None
                 else stored_results(stored, p) for p in planned}
        for p in planned:
            if p.exercise.id not in got_all:
                got_all[p.exercise.id] = run(p, filled(p.calls, wants[p.exercise.id]))
    finally:
        session.close()
    for p in planned:
        want = wants[p.exercise.id]
        if reference is not None and want is None:
            verdicts[p.exercise.id] = grader_fault(reference_error or "no reference results")
            continue
        verdicts[p.exercise.id] = verdict_of(p, got_all[p.exercise.id], want,
                                             stored_missing=reference is None and want is None)
    return verdicts


class StudentRun:
    """Runs exercises in the student's session: timeouts counted, faults of ours caught."""

    def __init__(self, session: Session, timeout: float | None) -> None:
        self.session, self.timeout, self.timeouts = session, timeout, 0

    def __call__(self, p: Planned, calls: list[Call]) -> Answer:
        """The worker's answer to ``calls`` (those of ``p``, perhaps filled)."""
        limit = self.timeout or p.exercise.timeout
        if self.timeouts >= TIMEOUTS_BEFORE_HURRY:  # a hang in shared code: do not wait 5 s x 30
            limit = min(limit, max(HURRIED_TIMEOUT, limit / 3))
        try:
            answer = self.session.run(calls, timeout=limit)
        except Exception as error:  # the trusted side failed, not the student's code
            self.session.close()
            self.session.worker = None
            return Answer(GRADER_ERROR, message=fault_text(error))
        self.timeouts += answer.status == "timeout"
        return answer


def filled(calls: list[Call], want: list[Result] | None) -> list[Call]:
    """``calls`` with the reference's values their ``fill`` asks for, as ``ref:`` inputs.

    Without reference results (``want`` None: the verdict says why) they go unfilled.
    """
    if want is None:
        return calls
    out = []
    for call in calls:
        if call.fill and len(want) > call.fill[0] and want[call.fill[0]].ok:
            source = want[call.fill[0]].arrays
            extra = {f"ref:{k}": v for k, v in source.items() if matches_any(k, call.fill[1])}
            call = replace(call, inputs={**call.inputs, **extra})
        out.append(call)
    return out


def fault_text(error: BaseException) -> str:
    """``Type: message`` of an exception the trusted side raised."""
    return f"{type(error).__name__}: {error}"


class ReferenceRun:
    """The reference's results for some plans: from the cache, or a worker in a thread."""

    def __init__(self, reference: Path | None, planned: list[Planned]) -> None:
        self.thread, self.keys, self.out = None, {}, {}
        if reference is None:
            return
        version = source_hash(reference)
        self.keys = {p.exercise.id: (version, p.exercise.id, digest(p.calls)) for p in planned}
        missing = [p for p in planned if self.keys[p.exercise.id] not in REFERENCE_CACHE]
        if missing:
            self.thread = threading.Thread(target=reference_results,
                                           args=(reference, missing, self.out), daemon=True)
            self.thread.start()

    def results(self) -> tuple[dict[str, list[Result]], str]:
        """Wait for the reference: its results by exercise id, and why any are missing.

        The error (``""`` when none) is the grader's fault; results it left out are not
        cached, so the next run of those exercises starts the reference again.
        """
        found = {i: REFERENCE_CACHE[key] for i, key in self.keys.items()
                 if key in REFERENCE_CACHE}
        error = ""
        if self.thread is not None:
            self.thread.join()
            error = self.out.pop("error", "")
            if len(REFERENCE_CACHE) > 500:
                REFERENCE_CACHE.clear()
            REFERENCE_CACHE.update({self.keys[i]: r for i, r in self.out.items()})
            found.update(self.out)
        return found, error


def verdict_of(p: Planned, answer: Answer, want: list[Result] | None, *,
               stored_missing: bool) -> Verdict:
    """The verdict of one exercise from the worker's answer and the expected results."""
    if answer.status == GRADER_ERROR:
        return grader_fault(answer.message)
    if answer.status != "ok":
        return Verdict(answer.status, answer.message)
    try:
        got = unpack(answer, len(p.calls))
    except ValueError as error:
        return Verdict("error", f"unusable answer: {error}")
    if stored_missing and any(c.want for c in p.calls):
        return Verdict("error", "the stored expected values of this check are missing or out "
                       "of date (nncourse/grader/public/); reinstall the course, or run "
                       "'nncourse release' in the instructor repository")
    return judge(p, got, want)


def stored_results(stored: dict | None, p: Planned) -> list[Result] | None:
    """Stored public expected values for the public calls of ``p``, if they match its inputs."""
    if not stored or p.exercise.id not in stored:
        return None
    entry = stored[p.exercise.id]
    if any(not v.public for v, _, _ in p.variants):
        return None  # stored values cover the public variants only
    if entry.get("digest") != digest(p.calls) or len(entry["results"]) != len(p.calls):
        return None
    return entry["results"]
