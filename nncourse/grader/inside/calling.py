"""Worker side: the probe registry and the loop that runs a batch of calls.

A *probe* (``probes.py`` and its siblings) takes JSON arguments and input arrays, calls
the student's functions and returns a dict of arrays. ``run_calls`` runs a batch of
them and turns whatever the student's code raises into a per-call error record with the
line of ``nnlib/`` it came from. This module holds only that machinery and the helpers
every probe uses; it computes no verdict.
"""

from __future__ import annotations

import importlib
import os
import traceback
import warnings

import numpy as np

PROBES = {}


def probe(function):
    """Register ``function`` as a probe under its name."""
    PROBES[function.__name__] = function
    return function


class BadReturn(TypeError):
    """The student's function returned something that is not an array of numbers."""


def as_numbers(value, what: str) -> np.ndarray:
    """``value`` as a numeric ndarray, or ``BadReturn`` naming ``what``."""
    if value is None:
        raise BadReturn(f"{what} returned None; expected an array (did you forget 'return'?)")
    if isinstance(value, list):
        raise BadReturn(f"{what} returned a list; expected a numpy array (numpy operations "
                        "on arrays return arrays: no list is needed)")
    try:
        array = np.array(value)
    except Exception:
        raise BadReturn(f"{what} returned {type(value).__name__}, expected an array") from None
    if array.dtype.kind not in "biuf":
        raise BadReturn(f"{what} returned {type(value).__name__} of dtype {array.dtype}, "
                        "expected numbers")
    return array


def attribute(path: str):
    """``nnlib.<module>.<name>`` for ``path = "module.name"``."""
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"nnlib.{module}"), name)


def changed(before: np.ndarray, after: np.ndarray) -> bool:
    """True when ``after`` no longer equals ``before`` (NaNs compare equal)."""
    return not np.array_equal(before, after, equal_nan=True)



def where(error: BaseException) -> str:
    """Where in the student's code ``error`` was raised, as `` (at nnlib/x.py, line 9, in f)``.

    The last frame inside ``nnlib/`` that the exception passed through; "" when it never
    reached the student's code.
    """
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f"{os.sep}nnlib{os.sep}" in f.filename]
    if not frames:
        return ""
    last = frames[-1]
    relative = "nnlib" + last.filename.rsplit(f"{os.sep}nnlib", 1)[1]
    return f" (at {relative}, line {last.lineno}, in {last.name})"


def watched(probe_function, args: dict, inputs: dict) -> dict:
    """Run a probe, noting numpy's first overflow, invalid-value or divide warning.

    The warning's text (UTF-8 bytes) comes back as ``warning``: a result computed by way
    of an overflow (``1 / (1 + exp(800))``) can look right, but the stable form the lesson
    teaches never overflows.
    """
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("always", RuntimeWarning)
        result = probe_function(args, inputs)
    texts = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    if texts:
        result["warning"] = np.frombuffer(texts[0][:200].encode(), dtype=np.uint8).copy()
    return result


def run_calls(calls: list[dict], arrays: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Run each call on its inputs; return the answer message (meta, arrays)."""
    meta, out = {"results": []}, {}
    for index, spec in enumerate(calls):
        inputs = {local: arrays[name] for local, name in spec.get("inputs", {}).items()}
        try:
            args = spec.get("args", {})
            if args.get("watch_warnings"):
                result = watched(PROBES[spec["probe"]], args, inputs)
            else:
                result = PROBES[spec["probe"]](args, inputs)
            for key, value in result.items():
                out[f"{index}/{key}"] = np.asarray(value)
            meta["results"].append({"ok": True, "keys": sorted(result)})
        except BaseException as error:  # noqa: B036 - student code may raise anything
            try:
                message = str(error)
            except BaseException:  # noqa: B036
                message = "(the exception could not be shown)"
            if not isinstance(error, (NotImplementedError, BadReturn)):
                message = (message[:400] + where(error)) if len(message) > 400 else \
                    message + where(error)
            meta["results"].append({
                "ok": False, "type": type(error).__name__,
                "message": message if len(message) < 500 else message[:497] + "...",
                "not_implemented": isinstance(error, NotImplementedError),
            })
    return meta, out
