"""Worker side: run the submission's code on given inputs and return plain arrays.

This is trusted code running in the untrusted worker. Each *probe* takes JSON arguments
and input arrays, calls the student's functions, and returns a dict of arrays (outputs,
gradients, forward values at perturbed points, "was the input changed" flags). It
computes no verdict: comparisons and finite differences happen on the trusted side. An
exception from student code is reported per call as ``{"error": ..., "type": ...}``
(``calling.run_calls``).
"""

from __future__ import annotations

import importlib
import itertools
import time

import numpy as np

from nncourse.grader.inside import standins, true_forward
from nncourse.grader.inside.calling import as_numbers, attribute, changed, probe
from nncourse.grader.inside.optimizer_state import optimizer_state
from nncourse.grader.protocol import LOG_MARK


def layers_module():
    """The submission's ``nnlib.layers``."""
    return importlib.import_module("nnlib.layers")


@probe
def call(args, a):
    """``out = f(*inputs, **kwargs)``; flags inputs the call changed."""
    f = attribute(args["function"])
    names = args["inputs"]
    given = [a[n].copy() for n in names]
    out = as_numbers(f(*given, **args.get("kwargs", {})), args["function"])
    result = {"out": out}
    for name, before, after in zip(names, [a[n] for n in names], given, strict=False):
        result[f"mutated:{name}"] = np.array(changed(before, after))
    return result


def build_module(args, a):
    """A student module from ``args["module"]``, with parameter values set from inputs."""
    cls = attribute(args["module"])
    init = dict(args.get("init", {}))
    if init.pop("rng", False):
        init["rng"] = np.random.default_rng(0)
    module = cls(*args.get("init_args", []), **init)
    for name in args.get("params", []):
        getattr(module, name).value = a[f"param:{name}"].copy()
    return module


@probe
def module(args, a):
    """Forward (and backward) of a student module; forwards at perturbed points.

    Inputs: ``x``, optional ``dout``, ``param:<name>``, and perturbed points ``xs`` (K, ...)
    and ``<name>s``. Returns ``y``, ``dx``, ``grad:<name>``, ``grad2:<name>`` (after a
    second backward with the same ``dout``), ``ys`` and ``ys:<name>``, mutation flags.
    """
    m = build_module(args, a)
    x = a["x"].copy()
    result = {"y": true_forward.forward_of(lambda: as_numbers(m.forward(x), "forward"), args,
                                           a.get("ref:y"))}
    result["mutated:x"] = np.array(changed(a["x"], x))
    if args.get("report_cache"):
        result.update(true_forward.report_cache(m))
    if "ref:y" in a:  # grade backward on the true forward's cache (see true_forward.py)
        result["kept"] = true_forward.put_true_cache(m, [a["x"]], result["y"], a["ref:y"], a)
    if args.get("output_as_input"):
        true_forward.put_input_for_output(m, a["x"], result["y"])
    if "dout_probe" in a:  # did forward keep what the provided backward code reads?
        result["cache_missing"] = cache_missing(lambda: m.backward(a["dout_probe"].copy()))
    if "dout" in a:
        dout = a["dout"].copy()
        result["dx"] = as_numbers(m.backward(dout), "backward")
        result["mutated:dout"] = np.array(changed(a["dout"], dout))
        for name in args.get("params", []):
            result[f"grad:{name}"] = as_numbers(getattr(m, name).grad, f"{name}.grad").copy()
        if args.get("twice"):  # the same again: gradients add up, dx stays what it was
            again = as_numbers(m.backward(a["dout"].copy()), "backward")
            result["repeat_differs"] = np.array(changed(result["dx"], again))
            for name in args.get("params", []):
                result[f"grad2:{name}"] = as_numbers(getattr(m, name).grad, f"{name}.grad").copy()
    if "xs" in a:
        result["ys"] = np.stack([as_numbers(m.forward(p.copy()), "forward") for p in a["xs"]])
    if "elementwise_h" in args:
        h, y = args["elementwise_h"], np.asarray(result["y"], dtype=np.float64)
        points = [a["x"] + h, a["x"] - h, y + h, y - h]
        ys = [as_numbers(m.forward(p), "forward") for p in points]
        result["ys_elem"], result["ys_out"] = np.stack(ys[:2]), np.stack(ys[2:])
    for name in args.get("params", []):
        if f"{name}s" in a:
            ys = []
            for point in a[f"{name}s"]:
                getattr(m, name).value = point.copy()
                ys.append(as_numbers(m.forward(a["x"].copy()), "forward"))
            result[f"ys:{name}"] = np.stack(ys)
    return result


@probe
def loss(args, a):
    """``L = loss.forward(pred, target)``, ``dpred = loss.backward(dloss)``, L at points."""
    cls = attribute(args["loss"])
    fn = cls()
    pred, target = a["pred"].copy(), a["target"].copy()
    known = {}
    if "ref:logsm" in a:  # the true log_softmax stands in (see true_forward.known_values)
        known = {"log_softmax": (a["pred"], a["ref:logsm"]),
                 "softmax": (a["pred"], np.exp(a["ref:logsm"]))}
    with true_forward.known_values(importlib.import_module("nnlib.losses"), known):
        result = {"value": true_forward.forward_of(
            lambda: as_numbers(fn.forward(pred, target), "forward"), args, a.get("ref:value"))}
    if args.get("report_cache"):  # as forward left it: before any backward may change it
        result.update(true_forward.report_cache(fn))
    if args.get("probe_cache"):
        result["cache_missing"] = cache_missing(lambda: fn.backward(1.0))
    if args.get("report_logsm"):  # on the reference: the values to stand in with
        try:
            result["logsm"] = as_numbers(importlib.import_module("nnlib.losses").log_softmax(
                a["pred"].copy()), "log_softmax")
        except Exception:  # noqa: BLE001 - a student's log_softmax: the stand-in call says
            pass
    result["mutated:pred"] = np.array(changed(a["pred"], pred))
    result["mutated:target"] = np.array(changed(a["target"], target))
    if "ref:value" in a:  # grade backward on the true forward's cache (see true_forward.py)
        result["kept"] = true_forward.put_true_cache(fn, [a["pred"], a["target"]], None, None, a)
    if "dloss" in args:
        after_forward = pred.copy()
        result["dpred"] = as_numbers(fn.backward(args["dloss"]), "backward")
        result["mutated_in_backward:pred"] = np.array(changed(after_forward, pred))
        result["mutated:pred"] |= np.array(changed(a["pred"], pred))
        again = as_numbers(fn.backward(args["dloss"]), "backward")  # must not change
        result["repeat_differs"] = np.array(changed(result["dpred"], again))
    if "preds" in a:
        result["values"] = np.array([as_numbers(cls().forward(p.copy(), a["target"].copy()),
                                                "forward") for p in a["preds"]])
    return result


def cache_missing(backward) -> np.ndarray:
    """True when ``backward()`` raises the provided ``cached`` helper's RuntimeError.

    That error says forward did not keep what backward reads; any other outcome (a
    result, a stub's NotImplementedError, another bug) is backward's own business.
    """
    try:
        backward()
    except RuntimeError as error:
        return np.array("which forward caches" in str(error))
    except Exception:  # noqa: BLE001 - backward's own bugs are graded by its own check
        pass
    return np.array(False)


@probe
def sequential(args, a):
    """A student ``Sequential`` of stand-ins: output, dx, the stand-ins' grads, call log."""
    layers = layers_module()
    toys = standins.make_standins(layers)
    log: list[int] = []
    shared = None
    modules = []
    for index, spec in enumerate(args["modules"]):
        kind = spec[0]
        if kind == "scale":
            parameter = shared if spec[2] and shared is not None else None
            modules.append(toys["Scale"](a[spec[1]], log, index, parameter))
            shared = shared or modules[-1].a
        else:
            modules.append(toys[kind.capitalize()](log, index))
    model = layers.Sequential(*modules)
    x = a["x"].copy()
    if args.get("true_forward"):
        return sequential_on_true_forward(model, modules, log, x, a)
    result = {"y": true_forward.forward_of(lambda: as_numbers(model.forward(x), "forward"),
                                           args, None)}
    result["mutated:x"] = np.array(changed(a["x"], x))
    if args.get("report_cache"):
        result.update({f"cache:in{i}": m._x for i, m in enumerate(modules) if hasattr(m, "_x")})
    if "dout" in a:
        log.append(LOG_MARK)  # what follows, backward called (forwards included)
        result["dx"] = as_numbers(model.backward(a["dout"].copy()), "backward")
        result["grads"] = np.stack([m.a.grad for m in modules if hasattr(m, "a")])
    result["log"] = np.array(log, dtype=np.int64)
    return result


def sequential_on_true_forward(model, modules, log, x, a):
    """``model.backward`` after the student's forward, on the stand-ins' true inputs.

    Each stand-in's cache is set to what the true forward feeds it (``ref:cache:in<i>``,
    from the reference's call).

    The student's forward still runs first, so that whatever ``Sequential`` itself keeps
    is there; its errors and its call order are its own check's (``sequential.forward``).
    """
    try:
        model.forward(x)
    except Exception:  # noqa: BLE001 - the forward's own check reports it
        pass
    for i, m in enumerate(modules):
        if f"ref:cache:in{i}" in a:
            m._x = a[f"ref:cache:in{i}"].copy()
        if hasattr(m, "a"):
            m.a.grad = np.zeros_like(m.a.value)
    log[:] = [LOG_MARK]
    result = {"dx": as_numbers(model.backward(a["dout"].copy()), "backward")}
    result["grads"] = np.stack([m.a.grad for m in modules if hasattr(m, "a")])
    result["log"] = np.array(log, dtype=np.int64)
    return result


@probe
def optimizer(args, a):
    """Steps of a student optimizer on parameters whose gradients we set before each step."""
    layers = layers_module()
    cls = attribute(args["optimizer"])
    params = [layers.Parameter(a[f"value{i}"].copy(), f"p{i}") for i in range(args["count"])]
    arrays = [p.value for p in params]
    opt = cls(params, **args["kwargs"])
    values, grads_changed, in_place, state = [], False, True, {}
    for t in range(args["steps"]):
        for i, p in enumerate(params):
            p.grad = a[f"grads{i}"][t].copy()
        opt.step()
        for i, p in enumerate(params):
            grads_changed |= changed(a[f"grads{i}"][t], p.grad)
            in_place &= p.value is arrays[i]
        values.append(np.concatenate([as_numbers(p.value, "value").ravel() for p in params]))
        for name, now in optimizer_state(opt, params).items():
            state.setdefault(f"state:{name}", []).append(now)
    opt.zero_grad()
    zeroed = all(not np.any(p.grad) for p in params)
    steps = args["steps"]
    return {"values": np.stack(values), "grads_changed": np.array(grads_changed),
            "in_place": np.array(in_place), "zeroed": np.array(zeroed),
            **{k: np.stack(v) for k, v in state.items() if len(v) == steps}}


@probe
def minibatches(args, a):
    """Batches of one epoch for rows that carry their own index: ids seen, batch sizes."""
    fn = attribute("train.minibatches")
    X, y = a["X"].copy(), a["y"].copy()
    limit = len(X) + 2

    def epoch(seed):
        rng = None if seed is None else np.random.default_rng(seed)
        kwargs = {"rng": rng, "shuffle": args["shuffle"]}
        batches = list(itertools.islice(fn(X, y, args["batch_size"], **kwargs), limit))
        xs = [as_numbers(b[0], "the X of a batch") for b in batches]
        ys = [as_numbers(b[1], "the y of a batch") for b in batches]
        return xs, ys

    seed = args.get("seed")
    xs, ys = epoch(seed)
    again, _ = epoch(seed)
    other, _ = epoch(None if seed is None else seed + 1)
    rng = None if seed is None else np.random.default_rng(seed)
    unlabelled = list(itertools.islice(fn(X, None, args["batch_size"], rng=rng,
                                          shuffle=args["shuffle"]), limit))
    def ids(batches):
        return np.concatenate([b[:, 0] for b in batches]) if batches else np.zeros(0)

    return {"x_ids": ids(xs), "y_ids": np.concatenate(ys) if ys else np.zeros(0),
            "sizes": np.array([len(b) for b in xs], dtype=np.int64),
            "widths": np.array([b.shape[1] if b.ndim == 2 else -1 for b in xs], dtype=np.int64),
            "again": ids(again), "other": ids(other),
            "y_none_kept": np.array(all(b[1] is None for b in unlabelled)),
            "mutated:X": np.array(changed(a["X"], X)), "mutated:y": np.array(changed(a["y"], y))}


@probe
def train_epoch(args, a):
    """One student ``train_epoch`` with a recording model, loss and optimizer."""
    train = importlib.import_module("nnlib.train")
    toys = standins.make_standins(layers_module())
    rng = np.random.default_rng(args["seed"])
    train.minibatches = standins.fixed_order_batches(a["order"], list(args["sizes"]),
                                                     args["batch_size"], rng)
    log, seen, values, grads = [], [], [], []
    model = toys["RecordingModel"](a["X"].shape[1], log, seen)
    loss_fn = toys["QuadraticLoss"](log, values)
    opt = toys["RecordingOptimizer"](model.parameters(), log, grads)
    result = train.train_epoch(model, loss_fn, opt, a["X"].copy(), a["y"].copy(),
                               args["batch_size"], rng=rng)
    return {"result": as_numbers(result, "train_epoch"), "log": np.array(log, dtype=np.int64),
            "seen": np.concatenate(seen) if seen else np.zeros(0),
            "batch_sizes": np.array([len(s) for s in seen], dtype=np.int64),
            "losses": np.array(values), "w": model.w.value.copy(),
            "grads": np.stack(grads) if grads else np.zeros((0, a["X"].shape[1]))}


@probe
def early_stopping(args, a):
    """``EarlyStopping(patience, min_delta).step(loss)`` for each loss of a sequence."""
    cls = attribute("train.EarlyStopping")
    stopper = cls(args["patience"], args["min_delta"])
    answers, best, best_epoch, epoch = [], [], [], []
    for value in a["losses"]:
        answers.append(bool(stopper.step(float(value))))
        best.append(float(getattr(stopper, "best", np.nan)))  # documented attributes,
        where = getattr(stopper, "best_epoch", None)  # read back after every step
        best_epoch.append(-1 if where is None else int(where))
        epoch.append(int(getattr(stopper, "epoch", -2)))
    return {"stop": np.array(answers, dtype=bool), "best": np.array(best),
            "best_epoch": np.array(best_epoch), "epoch": np.array(epoch)}


@probe
def weight_decay(args, a):
    """``regularise.add_weight_decay(params, lam)`` on parameters with given values and grads."""
    fn, params = attribute("regularise.add_weight_decay"), []
    for i, name in enumerate(args["names"]):
        params.append(layers_module().Parameter(a[f"value{i}"].copy(), name))
        params[-1].grad = a[f"grad{i}"].copy()
    grads = [p.grad for p in params]
    fn(params, args["lam"])
    result = {}
    for i, p in enumerate(params):
        result[f"grad{i}"] = as_numbers(p.grad, f"{p.name}.grad").copy()
        result[f"changed:value{i}"] = np.array(changed(a[f"value{i}"], p.value))
        result[f"in_place:grad{i}"] = np.array(p.grad is grads[i])
    return result


@probe
def initializer(args, a):
    """``init.<name>(shape, rng)`` twice with one seed, once with another, once in float32."""
    fn = attribute(f"init.{args['name']}")
    shape, seed = tuple(args["shape"]), args["seed"]
    first = as_numbers(fn(shape, np.random.default_rng(seed)), args["name"])
    second = as_numbers(fn(shape, np.random.default_rng(seed)), args["name"])
    other = as_numbers(fn(shape, np.random.default_rng(seed + 1)), args["name"])
    single = as_numbers(fn(shape, np.random.default_rng(seed), dtype=np.float32), args["name"])
    return {"first": first, "second": second, "other": other,
            "float32": np.array(single.dtype == np.float32)}


@probe
def numerical_gradient(args, a):
    """The student's ``numerical_gradient`` of a grader-owned function."""
    fn = attribute("gradcheck.numerical_gradient")
    x = a["x"].copy()
    f = standins.numgrad_functions(a["c"], x)[args["kind"]]
    kwargs = {"h": args["h"]} if "h" in args else {}
    if "dout" in a:
        kwargs["dout"] = a["dout"].copy()
    grad = as_numbers(fn(f, x, **kwargs), "numerical_gradient")
    return {"grad": grad, "x_after": as_numbers(x, "x after numerical_gradient"),
            "calls": np.array(f.calls, dtype=np.int64)}


@probe
def capstone(args, a):
    """Train a small MLP built from the student's own pieces; logits on the test inputs."""
    layers, act = layers_module(), importlib.import_module("nnlib.activations")
    rng = np.random.default_rng(args["seed"])
    d, h = a["X"].shape[1], args["hidden"]
    model = layers.Sequential(layers.Linear(d, h, rng=rng), act.ReLU(),
                              layers.Linear(h, 10, rng=rng))
    return train_within_budget(model, args, a, rng) or {
        "logits": as_numbers(model.forward(a["X_test"]), "forward")}


def train_within_budget(model, args, a, rng):
    """Train ``model`` with the student's SGD, loss and ``train_epoch``; None when done.

    A training whose epochs project past ``args["budget"]`` seconds stops after the epoch
    that shows it: the result is then ``too_slow`` (seconds per epoch), ``epochs_run`` and
    the seconds of each module's forward and backward and of the optimizer's step.
    """
    losses, optim = importlib.import_module("nnlib.losses"), importlib.import_module("nnlib.optim")
    train = importlib.import_module("nnlib.train")
    opt = optim.SGD(model.parameters(), lr=args["lr"], momentum=args["momentum"])
    loss_fn = losses.SoftmaxCrossEntropyLoss()
    clock = standins.PieceClock([(f"{type(m).__name__}.{name}", m, name) for m in
                                 [*model.modules, loss_fn] for name in ("forward", "backward")]
                                + [("SGD.step", opt, "step")])
    start = time.perf_counter()
    for epoch in range(args["epochs"]):
        train.train_epoch(model, loss_fn, opt, a["X"], a["y"], args["batch_size"], rng=rng)
        per_epoch = (time.perf_counter() - start) / (epoch + 1)
        if per_epoch * args["epochs"] > args.get("budget", float("inf")):
            return {"too_slow": np.array(per_epoch), "epochs_run": np.array(epoch + 1),
                    **clock.report()}
    return None
