"""Worker side, lesson 11: probes of ``normalise.BatchNorm1d`` and its capstone.

Like every probe, these call the student's code and return plain arrays; the verdict is
computed on the trusted side (``nncourse/grader/checks/normalise.py``).
"""

from __future__ import annotations

import importlib

import numpy as np

from nncourse.grader.inside import true_forward
from nncourse.grader.inside.calling import as_numbers, attribute, changed, probe
from nncourse.grader.inside.probes import layers_module, train_within_budget


def batchnorm_module(args, a):
    """A student ``BatchNorm1d`` with ``gamma``, ``beta`` and the running statistics set."""
    m = attribute("normalise.BatchNorm1d")(a["x"].shape[1], momentum=args["momentum"],
                                           eps=args["eps"])
    for name in ("gamma", "beta"):
        if f"param:{name}" in a:
            getattr(m, name).value = a[f"param:{name}"].copy()
    if "running_mean" in a:
        m.running_mean, m.running_var = a["running_mean"].copy(), a["running_var"].copy()
    return m


def running(m, prefix):
    """The module's running statistics, copied, under ``<prefix>mean`` and ``<prefix>var``."""
    return {f"{prefix}mean": as_numbers(m.running_mean, "running_mean").copy(),
            f"{prefix}var": as_numbers(m.running_var, "running_var").copy()}


@probe
def batchnorm(args, a):
    """Training forward of ``BatchNorm1d``, then eval mode on a fresh module.

    Inputs: ``x``, optional ``param:gamma``, ``param:beta``, ``running_mean`` and
    ``running_var``. Returns ``y`` and the running statistics after it (``r1_*``); a fresh
    module in eval mode: ``y_eval``, its running statistics after it (``re_*``), ``y_eval2``
    (a second eval forward), ``y_row`` (eval on the first row alone), and after ``train()``
    again the statistics of one more forward (``ra_*``). (Backward is probed by the generic
    ``module`` probe of ``probes.py``.)
    """
    m = batchnorm_module(args, a)
    x = a["x"].copy()
    result = {"y": as_numbers(m.forward(x), "forward"), "mutated:x": np.array(changed(a["x"], x))}
    result.update(running(m, "r1_"))
    result.update(true_forward.report_cache(m))  # its training cache, for the trusted side
    m = batchnorm_module(args, a)
    m.eval()
    result["y_eval"] = as_numbers(m.forward(a["x"].copy()), "forward in eval mode")
    result.update(running(m, "re_"))
    result["y_eval2"] = as_numbers(m.forward(a["x"].copy()), "forward in eval mode")
    result["y_row"] = as_numbers(m.forward(a["x"][:1].copy()), "forward in eval mode")
    m.train()
    m.forward(a["x"].copy())
    result.update(running(m, "ra_"))
    return result


@probe
def capstone_regularised(args, a):
    """Train Linear-BatchNorm1d-ReLU-Dropout-Linear of the student's pieces; test logits.

    The training is ``probes.capstone``'s (the student's SGD with momentum, softmax
    cross-entropy and ``train_epoch``, within the time budget); the logits on ``X_test``
    are computed after ``regularise.set_training(model, False)`` (evaluation mode).
    """
    layers, act = layers_module(), importlib.import_module("nnlib.activations")
    normalise = importlib.import_module("nnlib.normalise")
    regularise = importlib.import_module("nnlib.regularise")
    rng = np.random.default_rng(args["seed"])
    d, h = a["X"].shape[1], args["hidden"]
    model = layers.Sequential(layers.Linear(d, h, rng=rng), normalise.BatchNorm1d(h),
                              act.ReLU(), regularise.Dropout(args["p"], rng=rng),
                              layers.Linear(h, 10, rng=rng))
    slow = train_within_budget(model, args, a, rng)
    if slow:
        return slow
    regularise.set_training(model, False)
    step = args.get("test_batch", len(a["X_test"]))
    return {"logits": np.concatenate([
        as_numbers(model.forward(a["X_test"][i:i + step]), "forward in eval mode")
        for i in range(0, len(a["X_test"]), step)])}
