"""Name the shape of a wrong result when no known bug matches it.

``diagnose`` first looks for the bugs a check knows (a transposed array, a candidate
computed for a known bug, a ratio of -1, N or 2). When none matches, the error itself
may still have a shape a student can act on: NaN or inf where the truth is finite, all
zeros, one constant factor or one constant offset on every entry, or (for element-wise
functions) right on one side of zero and wrong on the other. These codes describe what
is wrong, not which line; the hints say where such an error usually comes from.
"""

from __future__ import annotations

import numpy as np

# Codes that describe the error's shape rather than a known bug (also ``EXCEPTION_HINTS``).
SIGNATURE_HINTS = {
    "not_finite": "the result holds NaN or inf where the true values are finite: look for "
                  "a division by zero, a log or square root of a negative number, an exp "
                  "that overflows, or a None stored into an array",
    "all_zero": "the result is all zeros: a factor that is 0, an array created with "
                "np.zeros and never filled, or an update that is never applied",
    "constant_factor": "every entry is the same multiple of the expected one, so the form "
                       "is right and one constant factor is not: a number in the formula, "
                       "a division or multiplication by a count, a size or dloss",
    "constant_offset": "every entry is off by the same amount: a term that is the same for "
                       "every entry is added, subtracted or left out",
    "wrong_for_positive": "the result is right for every negative input and wrong for "
                          "positive ones: look at the branch or term that applies where "
                          "x > 0, and at the threshold it is compared with",
    "wrong_for_negative": "the result is right for every positive input and wrong for "
                          "negative ones: look at the branch or term that applies where "
                          "x < 0, and at the threshold it is compared with",
    "true_class_entries": "only the entries at each example's true class y[i] are wrong: "
                          "the one-hot target's part of the gradient is off (what is done "
                          "at column y[i], and how much)",
    "target_term": "only the entries whose target is 1 are wrong: the target's term of "
                   "the gradient is off (its sign, or its size)",
    "rows_not_normalised": "the rows do not sum to 1 (for log_softmax: the rows of its "
                           "exp): normalise each row by its own sum, taken along the last "
                           "axis and kept as shape (..., 1) to divide by",
    "shift_not_per_row": "every row sums to 1, so the division is right and what goes "
                         "into exp is not: exp(z - c) with c one number per row (the row's "
                         "own maximum, along the last axis), the same for all its entries",
    "same_everywhere": "every entry has the same value while the true values differ: a "
                       "reduction over all axes (a sum or mean without axis=) where one "
                       "axis was meant, or a single number where an array was meant",
    "row_offset": "every row is off by the same vector: a term that is the same for every "
                  "example (a bias, a mean over the batch) is added wrongly or left out",
    "wrong_shape": "the result has another shape than expected: check the axis of each "
                   "reduction (sum, mean, max: axis=, keepdims=) and that the array "
                   "returned is the one the contract asks for",
    "dtype_changed": "the result's dtype differs from its input's: a float64 constant or "
                     "array mixed in promotes float32 (keep the dtype, e.g. with "
                     ".astype(x.dtype, copy=False), or pass dtype= on)",
}


def constant_ratio(got: np.ndarray, want: np.ndarray, tol: float) -> float | None:
    """``s`` when ``got`` is ``s * want`` on every entry (within ``tol`` of the norm), else None.

    The least-squares factor, then a check that it fits: NaN or inf in ``got``, other
    shapes and an all-zero ``want`` have none.
    """
    got, want = np.asarray(got, dtype=np.float64).ravel(), np.asarray(want, np.float64).ravel()
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return None
    norm = float(want @ want)
    if norm == 0.0:
        return None
    s = float(got @ want) / norm
    return s if np.linalg.norm(got - s * want) <= tol * abs(s) * np.sqrt(norm) else None


def signature_code(got: np.ndarray, want: np.ndarray) -> str | None:
    """A code for the shape of the error itself, when no known bug matches.

    NaN or inf where the truth is finite, all zeros, a constant factor or a constant
    offset on every entry (two entries at least: one wrong number has every ratio).
    """
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if not np.all(np.isfinite(want)):
        return None
    if not np.all(np.isfinite(got)):
        return "not_finite"
    if not np.any(got) and np.any(want):
        return "all_zero"
    if got.size < 2 or not np.any(want):
        return None
    scale = np.linalg.norm(want)
    s = constant_ratio(got, want, 1e-6)
    if s is not None and abs(s - 1.0) > 1e-6:
        return "constant_factor"
    if got.size > 2 and np.ptp(got) == 0 and np.ptp(want) > 1e-9 * scale:
        return "same_everywhere"
    offset = float(np.mean(got - want))
    if np.linalg.norm(got - want - offset) <= 1e-6 * scale and abs(offset) > 1e-9 * scale:
        return "constant_offset"
    diff = got - want
    if got.ndim == 2 and len(got) > 1 and np.allclose(diff, diff[:1], rtol=1e-9,
                                                         atol=1e-12 * scale):
        return "row_offset"
    return None


def side_code(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> str | None:
    """``wrong_for_positive`` (or ``negative``) when only one sign of the input ``x`` is wrong.

    For element-wise functions: every entry at x < 0 right and (nearly) every one at x > 0
    wrong, or the reverse, points at the branch or term of that side. A few wrong entries
    on one side only (say, the columns past a hard-coded size) get no code.
    """
    got, want, x = (np.asarray(a, dtype=np.float64) for a in (got, want, x))
    if not (got.shape == want.shape == x.shape) or not np.all(np.isfinite(got)):
        return None
    wrong = ~np.isclose(got, want, rtol=1e-6, atol=1e-9)
    pos, neg = x > 0, x < 0
    if not (pos.any() and neg.any()):
        return None
    if wrong[pos].mean() >= 0.9 and not wrong[neg].any():
        return "wrong_for_positive"
    if wrong[neg].mean() >= 0.9 and not wrong[pos].any():
        return "wrong_for_negative"
    return None


def wrong_only_where(got: np.ndarray, want: np.ndarray, mask: np.ndarray) -> bool:
    """True when some entries are wrong, and all of them lie where ``mask`` is True.

    ``mask`` must mark some entries and leave some unmarked (else it says nothing).
    """
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or mask.shape != got.shape or mask.all() or not mask.any():
        return False
    wrong = ~np.isclose(got, want, rtol=1e-6, atol=1e-9)
    return bool(wrong.any() and not wrong[~mask].any())


def normalising_code(fn: str, out: np.ndarray) -> str | None:
    """``rows_not_normalised`` when the rows of a wrong softmax do not sum to 1, else None.

    (For ``log_softmax``: the rows of its exp.) Rows that do sum to 1 but hold the wrong
    values give ``shift_not_per_row`` when nothing more specific is known: exp of
    ``z - c`` sums to 1 after dividing whatever ``c`` is, so the values are wrong only
    when ``c`` varies within a row.
    """
    out = np.asarray(out, dtype=np.float64)
    sums = np.exp(out).sum(axis=-1) if fn == "log_softmax" else out.sum(axis=-1)
    if not np.all(np.isfinite(sums)):
        return None
    return "shift_not_per_row" if np.allclose(sums, 1.0, rtol=1e-9) else "rows_not_normalised"


def target_code(loss: str, dpred: np.ndarray, ref: np.ndarray, target: np.ndarray) -> str | None:
    """A code when only the entries a target marks are wrong (the target's term of dpred).

    Softmax cross-entropy: the entries at each row's true class; BCE: entries of target 1.
    """
    dpred = np.asarray(dpred, dtype=np.float64)
    if loss.endswith("SoftmaxCrossEntropyLoss") and dpred.ndim == 2:
        mask = np.zeros(dpred.shape, dtype=bool)
        mask[np.arange(len(target)), np.asarray(target, dtype=np.int64)] = True
        return "true_class_entries" if wrong_only_where(dpred, ref, mask) else None
    if loss.endswith("BCEWithLogitsLoss") and np.shape(target) == dpred.shape:
        mask = np.asarray(target) != 0
        return "target_term" if wrong_only_where(dpred, ref, mask) else None
    return None
