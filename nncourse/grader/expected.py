"""Expected values of the public checks, stored for machines without the reference.

``build_public_expected(root)`` runs the reference ``nnlib`` (``root/solutions/nnlib``) in a
worker on the public variant of every check and returns one JSON file per exercise
(relative path -> bytes) for ``nncourse/grader/public/``; the release builder writes them.
Only the keys a check asks for (``Call.want``) are kept, rounded to 12 significant
digits, with a fingerprint of the inputs so stale files are detected. The bytes are
deterministic. ``load_public()`` reads them back as ``Result`` lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nncourse.grader import engine
from nncourse.grader.checks.base import Result
from nncourse.grader.registry import EXERCISES

PUBLIC = Path(__file__).resolve().parent / "public"
FORMAT = 1


def encode_array(array: np.ndarray) -> dict:
    """An array as JSON: dtype, shape and values (floats to 12 significant digits)."""
    array = np.asarray(array)
    if array.dtype.kind == "f":
        data = [float(f"{v:.12g}") for v in array.ravel().tolist()]
    elif array.dtype.kind == "b":
        data = [bool(v) for v in array.ravel().tolist()]
    else:
        data = [int(v) for v in array.ravel().tolist()]
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": data}


def decode_array(entry: dict) -> np.ndarray:
    """The array stored by ``encode_array``."""
    return np.array(entry["data"], dtype=np.dtype(entry["dtype"])).reshape(entry["shape"])


def build_public_expected(root: Path) -> dict[str, bytes]:
    """The files of ``nncourse/grader/public/`` computed from ``root/solutions/nnlib``."""
    reference = Path(root) / "solutions" / "nnlib"
    context = {"datasets": reference / "datasets"}
    planned = [engine.plan(e, hidden=False, context=context) for e in EXERCISES.values()]
    results: dict = {}
    engine.reference_results(reference, planned, results)
    if "error" in results:
        raise engine.GraderError(results["error"])
    files = {}
    for p in planned:
        stored = []
        for call, result in zip(p.calls, results[p.exercise.id], strict=False):
            keep = {k: encode_array(v) for k, v in sorted(result.arrays.items())
                    if result.ok and call.wants(k)}
            stored.append({"ok": result.ok, "arrays": keep})
        document = {"format": FORMAT, "exercise": p.exercise.id,
                    "digest": engine.digest(p.calls), "results": stored}
        text = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
        files[f"{p.exercise.id}.json"] = text.encode("utf-8")
    return files


def load_public(folder: Path = PUBLIC) -> dict:
    """``{exercise id: {"digest": ..., "results": [Result, ...]}}`` from the stored files."""
    stored = {}
    if not folder.is_dir():
        return stored
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        if document.get("format") != FORMAT:
            continue
        results = [Result(bool(r["ok"]), {k: decode_array(v) for k, v in r["arrays"].items()})
                   for r in document["results"]]
        stored[document["exercise"]] = {"digest": document["digest"], "results": results}
    return stored
