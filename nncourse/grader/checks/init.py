"""Checks of ``xavier_normal`` and ``he_normal``: statistics, not exact draws.

On a large non-square shape the sample mean must be near 0 and the sample standard
deviation within 3% of the documented one (Xavier ``sqrt(2 / (fan_in + fan_out))``, He
``sqrt(2 / fan_in)``); about 68% of the draws within one standard deviation (normal,
not uniform); the same seed gives the same array, another seed another one (the
``rng`` argument is used), columns differ (symmetry breaking), ``dtype`` is honoured.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.base import Call, Check, Failure, require


def std_code(std: float, expected: float, other_fan: float) -> str:
    """The likely bug of a wrong standard deviation, from what it equals (within 3%).

    ``other_fan``: the documented formula with the fans swapped (equal for Xavier's sum).
    """
    known = {"std_is_variance": expected**2, "wrong_fan": other_fan,
             "std_numerator": expected / np.sqrt(2.0)}
    for code, value in known.items():
        if value != expected and abs(std - value) <= 0.03 * value:
            return code
    return "wrong_std"


class InitCheck(Check):
    """Statistics of an initialiser."""

    def __init__(self, name, std):
        self.name, self.std = name, std
        self.public = [{"seed": 14, "shape": [300, 200]}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        return [Call("initializer", {"name": self.name, "shape": variant["shape"],
                                     "seed": variant["seed"]})]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        result = require(got[0], self.name)
        shape = tuple(variant["shape"])
        w = np.asarray(result["first"])
        what = f"{self.name}({shape}, rng)"
        nm.check_shape(w, shape, what)
        if w.dtype != np.float64:
            raise Failure(f"{what}: expected float64 by default, got {w.dtype}", "dtype_changed")
        if not bool(result["float32"]):
            raise Failure(f"{self.name}({shape}, rng, dtype=np.float32) did not return "
                          "float32; pass dtype on (the normal helper takes it)", "dtype_changed")
        if not np.all(np.isfinite(w)):
            raise Failure(f"{what} holds NaN or inf", "not_finite")
        if np.ptp(w) == 0 or np.all(w == w[:, :1]):
            raise Failure(f"{what}: the weights are constant (or every column equal)",
                          "zero_init")
        expected = self.std(*shape)
        std, mean = float(w.std()), float(w.mean())
        if abs(std - expected) > 0.03 * expected:
            raise Failure(f"{what}: standard deviation {std:.4g}, expected {expected:.4g} "
                          "(within 3%)", std_code(std, expected, self.std(*shape[::-1])))
        if abs(mean) > 0.05 * expected:
            raise Failure(f"{what}: mean {mean:.3g}, expected about 0")
        inside = float(np.mean(np.abs(w - mean) < std))
        if abs(inside - 0.6827) > 0.02:
            raise Failure(f"{what}: {inside:.1%} of the draws lie within one standard "
                          "deviation; a normal distribution has 68.3% (uniform draws?)")
        if not np.array_equal(w, result["second"]):
            raise Failure(f"{what}: the same seed gave different arrays; draw from the rng "
                          "argument", "no_rng")
        if np.array_equal(w, result["other"]):
            raise Failure(f"{what}: another seed gave the same array; draw from the rng "
                          "argument", "no_rng")


XAVIER = InitCheck("xavier_normal", lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)))
HE = InitCheck("he_normal", lambda fan_in, fan_out: np.sqrt(2.0 / fan_in))
