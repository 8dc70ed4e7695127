"""The interface of a check, and the objects passed between a check and the engine.

A ``Check`` has two halves, both run on the trusted side:

- ``plan(variant)`` builds the calls to run in a worker (``Call``: a probe name, JSON
  arguments, input arrays), from a ``Variant`` (public or hidden sizes and seeds);
- ``judge(variant, calls, got, want)`` turns the student's results (``got``) and, where
  available, the reference's results on the same calls (``want``) into a ``Verdict``.

On the instructor's machine ``want`` comes from the reference run in a worker; on a
student's machine it comes from ``nncourse/grader/public/`` for the public variant (only
the keys listed in ``Call.want`` are stored there). A check whose verdict needs no
reference (finite differences, properties) ignores ``want``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncourse.grader.checks.exceptions import exception_code


@dataclass(frozen=True)
class Variant:
    """One set of inputs for a check: sizes and seeds, public or hidden."""

    params: dict
    public: bool = True
    context: dict = field(default_factory=dict, compare=False)  # e.g. the trusted data folder

    def __getitem__(self, key):
        return self.params[key]

    def get(self, key, default=None):
        """A parameter, or ``default`` when the variant does not set it."""
        return self.params.get(key, default)

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator seeded from this variant's seed (and ``salt``): same inputs every run."""
        return np.random.default_rng([int(self.params.get("seed", 0)), salt])


@dataclass
class Call:
    """One probe call: ``probe`` name, JSON ``args``, ``inputs`` arrays, reference keys.

    ``want`` names the keys of the reference's result a check compares with (stored for
    the public variant); a name ending in ``*`` keeps every key it begins. ``fill`` makes
    the call a *stand-in* call: ``(i, keys)`` gives it, as inputs ``ref:<key>``, the
    reference's values of ``keys`` (names or ``prefix*``) from call ``i`` of the same
    variant, so that the student's code runs on what the true code computed (the
    engine runs such calls once the reference's results are in; the reference itself
    runs them without, being its own truth).
    """

    probe: str
    args: dict
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    want: tuple[str, ...] = ()
    label: str = ""
    fill: tuple[int, tuple[str, ...]] | None = None

    def wants(self, key: str) -> bool:
        """True when ``key`` of the reference's result is one this call's check compares with."""
        return matches_any(key, self.want)


def matches_any(key: str, names: tuple[str, ...]) -> bool:
    """``key`` is one of ``names``, or begins a name ending in ``*``."""
    return any(key == n or (n.endswith("*") and key.startswith(n[:-1])) for n in names)


@dataclass
class Result:
    """What one call gave: arrays by key, or the exception the code raised."""

    ok: bool
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    error_type: str = ""
    error: str = ""
    not_implemented: bool = False

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def __contains__(self, key: str) -> bool:
        return key in self.arrays

    def describe_error(self) -> str:
        """``Type: message`` of the exception the call raised."""
        return f"{self.error_type}: {self.error}" if self.error else self.error_type


@dataclass
class Verdict:
    """The outcome of one exercise: status, a message for the student, a bug code."""

    status: str  # passed / failed / error / timeout / not_implemented
    message: str = ""
    diagnosis: str | None = None

    @property
    def passed(self) -> bool:
        """True for status ``passed``."""
        return self.status == "passed"


PASS = Verdict("passed")


class Failure(Exception):
    """Raised inside ``judge`` to stop at the first failed comparison with its verdict."""

    def __init__(self, message: str, diagnosis: str | None = None, status: str = "failed"):
        super().__init__(message)
        self.verdict = Verdict(status, message, diagnosis)


class Check:
    """Base class: subclasses define ``plan`` and ``judge``; see the module docstring."""

    public: list[dict] = []

    def plan(self, variant: Variant) -> list[Call]:
        """The calls to run in a worker for one variant."""
        raise NotImplementedError

    def judge(self, variant: Variant, calls: list[Call], got: list[Result],
              want: list[Result] | None) -> None:
        """Raise ``Failure`` on the first problem; return normally when everything passed."""
        raise NotImplementedError


def require(result: Result, what: str) -> Result:
    """``result`` when the call worked; else a ``Failure`` (or not implemented) naming ``what``."""
    if result.ok:
        return result
    if result.not_implemented:
        raise Failure(f"{what}: {result.error or 'NotImplementedError'}",
                      status="not_implemented")
    if result.error_type == "BadReturn":  # the grader's word for "not an array": no raise
        raise Failure(f"{what}: {result.error}", return_code(result.error), status="error")
    raise Failure(f"{what} raised {result.describe_error()}", error_code(result),
                  status="error")


def error_code(result: Result) -> str | None:
    """The diagnosis code of the exception a call raised (``checks/exceptions.py``), or None."""
    return exception_code(result.error_type, result.error)


def return_code(message: str) -> str | None:
    """The diagnosis code of a return value that is not a numeric array (``BadReturn``)."""
    if "returned None" in message:
        return "no_return"
    if "returned tuple" in message:
        return "returned_tuple"
    if "returned a list" in message:
        return "returned_list"
    if "of dtype object" in message:
        return "none_value"
    return None
