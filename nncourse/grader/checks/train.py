"""Checks of ``minibatches``, ``train_epoch`` and ``EarlyStopping``: properties, not copies.

``minibatches`` is fed rows that carry their own index, so the trusted side sees which
examples each batch holds: every example exactly once per epoch, full batches then the
last partial one, rows of ``X`` and ``y`` kept together, the stored order without
shuffling, the same order for the same seed and another for another seed, and ``X``,
``y`` unchanged.

``train_epoch`` runs with a recording model, loss and optimizer (grader-owned
stand-ins) and batches from a fixed-order stand-in of ``minibatches``: each batch must
go forward, loss, backward (after ``zero_grad``), step; the gradient seen at each step
must be that batch's alone (replayed here); the result must be the batch-size
weighted mean of the batch losses. ``EarlyStopping`` is compared with the reference on
loss sequences.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import ratio_code
from nncourse.grader.protocol import EVENTS


def indexed_rows(n, d=3):
    """Rows whose first entry is their index; ``y`` is ``100 + index``."""
    X = np.arange(n, dtype=np.float64)[:, None] + np.linspace(0, 0.5, d)[None, :]
    return X, 100.0 + np.arange(n)


class Minibatches(Check):
    """``minibatches`` by the properties of the batches it yields."""

    public = [{"seed": 11, "n": 10, "b": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        n, b, seed = variant["n"], variant["b"], variant["seed"]
        X, y = indexed_rows(n)
        cases = [(b, True, seed), (n // 2, True, seed), (b, False, None), (n + 3, True, seed),
                 (b, False, seed)]  # an rng given, and still no shuffling
        return [Call("minibatches", {"batch_size": bs, "shuffle": sh, "seed": sd},
                     {"X": X, "y": y}) for bs, sh, sd in cases]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for call, result in zip(calls, got, strict=False):
            result = require(result, "minibatches")
            n, b = len(call.inputs["X"]), call.args["batch_size"]
            shuffle = call.args["shuffle"]
            what = f"minibatches(X, y, batch_size={b}, shuffle={shuffle}) with N = {n}"
            no_mutation(result, ["X", "y"], "minibatches")
            ids = np.asarray(result["x_ids"]).reshape(-1)  # any shape the batches had
            sizes = [int(s) for s in result["sizes"]]
            expected = [b] * (n // b) + ([n % b] if n % b else [])
            if len(sizes) >= n + 2:  # the probe stops reading after n + 2 batches
                raise Failure(f"{what}: the generator was still yielding after {len(sizes)} "
                              "batches; one epoch has ceil(N / batch_size) batches, then it "
                              "must stop (an endless while loop?)")
            if sorted(ids.tolist()) != list(range(n)):
                missing = n - len(set(ids.tolist()))
                repeated = len(ids) - len(set(ids.tolist()))
                code = "drops_last_batch" if len(ids) == n - n % b and n % b else \
                    "examples_missing"
                raise Failure(f"{what}: an epoch should hold every example exactly once; "
                              f"got {len(ids)} rows, {missing} example(s) missing"
                              + (f", {repeated} repeated" if repeated else ""), code)
            if sizes != expected:
                raise Failure(f"{what}: expected batch sizes {expected}, got {sizes}",
                              "batch_sizes")
            if np.any(result["widths"] != call.inputs["X"].shape[1]):
                raise Failure(f"{what}: each X batch should keep all {call.inputs['X'].shape[1]} "
                              "columns")
            if not np.array_equal(np.asarray(result["y_ids"]) - 100.0, ids):
                raise Failure(f"{what}: the rows of X and y are not kept together (y[i] must "
                              "stay with X[i])")
            if not shuffle and not np.array_equal(ids, np.arange(n)):
                given = call.args["seed"] is not None
                raise Failure(f"{what}: without shuffling the examples must come in their "
                              "stored order" + (" (an rng was passed too)" if given else ""),
                              "shuffle_ignored" if given else None)
            if shuffle:
                if not np.array_equal(result["again"], ids):
                    raise Failure(f"{what}: the same seed gave a different order; draw the "
                                  "permutation from the rng argument", "no_rng")
                if n > 3 and np.array_equal(ids, np.arange(n)):
                    raise Failure(f"{what}: the examples were not shuffled", "not_shuffled")
                if n > 3 and np.array_equal(result["other"], ids):
                    raise Failure(f"{what}: another seed gave the same order; shuffle with "
                                  "the rng argument", "no_rng")
            if "y_none_kept" in result and not bool(result["y_none_kept"]):
                raise Failure(f"minibatches(X, None, batch_size={b}) should yield (Xb, None) "
                              "batches: y=None (examples without labels) is allowed by the "
                              "contract", "y_none")


class TrainEpoch(Check):
    """``train_epoch`` with recording stand-ins."""

    public = [{"seed": 12, "n": 10, "d": 3, "b": 4}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        n, d, b = variant["n"], variant["d"], variant["b"]
        X, _ = indexed_rows(n, d)
        X[:, 1:] = rng.standard_normal((n, d - 1))
        y = rng.standard_normal((n, d))
        order = rng.permutation(n)
        sizes = [b] * (n // b) + ([n % b] if n % b else [])
        return [Call("train_epoch", {"batch_size": b, "sizes": sizes, "seed": variant["seed"]},
                     {"X": X, "y": y, "order": order})]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        call, result = calls[0], require(got[0], "train_epoch")
        X, y = call.inputs["X"], call.inputs["y"]
        sizes = call.args["sizes"]
        log = []
        for event in (int(v) for v in result["log"]):  # zero_grad twice in a row counts once
            if not (event == EVENTS["zero_grad"] and log and log[-1] == event):
                log.append(event)
        per_batch = len(EVENTS)
        if len(log) != per_batch * len(sizes):
            missing = [name for name, code in EVENTS.items() if code not in log]
            raise Failure(f"train_epoch over {len(X)} examples in batches of "
                          f"{call.args['batch_size']} should run {len(sizes)} batches with "
                          f"one forward, loss, zero_grad, backward and step each; got "
                          f"{len(log)} calls: {self.named(log)}"
                          + (f" ({' and '.join(missing)} never called)" if missing else ""),
                          "zero_grad_missing" if missing == ["zero_grad"] else "step_order")
        for k in range(len(sizes)):
            batch = log[k * per_batch:(k + 1) * per_batch]
            if sorted(batch) != sorted(EVENTS.values()) or not self.ordered(batch):
                raise Failure(f"batch {k + 1}: expected model.forward, loss.forward, "
                              "zero_grad (any time before the backward calls), loss.backward, "
                              f"model.backward, step; got {self.named(batch)}", "step_order")
        seen = np.asarray(result["seen"])
        if sorted(seen.round().astype(int).tolist()) != list(range(len(X))):
            raise Failure("train_epoch should train on every example exactly once per epoch")
        w = np.ones(X.shape[1])
        start = 0
        for k, size in enumerate(result["batch_sizes"]):
            ids = seen[start:start + size].round().astype(int)
            start += size
            diff = X[ids] * w - y[ids]
            grad = (diff / len(ids) * X[ids]).sum(axis=0)
            if not nm.close(result["grads"][k], grad, 1e-9, 1e-12):
                raise Failure(f"at the step of batch {k + 1} the gradient is not that batch's "
                              "gradient alone: call zero_grad before backward, and backward "
                              "with the loss's dpred", "step_order")
            w = w - 0.1 * grad
        losses, counts = np.asarray(result["losses"]), np.asarray(result["batch_sizes"])
        expected = float((losses * counts).sum() / counts.sum())
        value = float(np.asarray(result["result"], dtype=np.float64))
        if not nm.close(value, expected, 1e-9, 1e-12):
            code = "unweighted_mean" if nm.close(value, losses.mean(), 1e-9) else None
            if code is None and len(losses) and nm.close(value, losses[-1], 1e-9):
                code = "last_batch_loss"
            if code is None and nm.close(value, (losses * counts).sum(), 1e-9):
                code = "summed_losses"
            code = code or ratio_code(np.array([value]), np.array([expected]), None) \
                or "epoch_mean"
            raise Failure(f"train_epoch returned {nm.fmt(value)}; expected the mean loss over "
                          f"all examples, {nm.fmt(expected)} (batch losses "
                          f"{np.round(losses, 4).tolist()}, sizes {counts.tolist()})", code)

    @staticmethod
    def ordered(batch):
        """True when one batch's calls respect the order of the training step."""
        at = {event: batch.index(event) for event in batch}
        e = EVENTS
        chain = [e["model.forward"], e["loss.forward"], e["loss.backward"],
                 e["model.backward"], e["step"]]
        return all(at[a] < at[b] for a, b in zip(chain, chain[1:], strict=False)) and \
            at[e["zero_grad"]] < at[e["loss.backward"]]

    @staticmethod
    def named(log):
        """The logged event codes as names."""
        names = {v: k for k, v in EVENTS.items()}
        return ", ".join(names.get(v, str(v)) for v in log)


EARLY_STOPPING_RULE = ("A step improves when loss < best - min_delta (then best = loss and "
                       "the count of bad steps restarts at 0); otherwise the count grows "
                       "by 1, and step answers True once the count reaches patience.")


class EarlyStoppingCheck(Check):
    """``EarlyStopping.step`` answers on loss sequences against the reference."""

    public = [{"seed": 13}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        noisy = 1.0 / (1 + np.arange(12)) + rng.uniform(0, 0.2, 12)
        sequences = [
            (2, 0.0, [1.0, 0.9, 0.95, 0.92, 0.91, 0.8, 0.85, 0.86]),
            (1, 0.0, [1.0, 1.0, 0.5]),
            (3, 0.05, [1.0, 0.97, 0.96, 0.9, 0.89, 0.88, 0.87]),
            (2, 0.0, [1.0, float("nan"), 0.9, float("nan"), float("nan")]),
            (3, 0.01, noisy.tolist()),
        ]
        return [Call("early_stopping", {"patience": p, "min_delta": md},
                     {"losses": np.array(seq)}, want=("stop", "best", "best_epoch", "epoch"))
                for p, md, seq in sequences]

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for i, (call, result) in enumerate(zip(calls, got, strict=False)):
            result = require(result, "EarlyStopping.step")
            if want is None:
                continue
            stop, expected = result["stop"].tolist(), want[i]["stop"].tolist()
            if stop != expected:
                text = (f"EarlyStopping(patience={call.args['patience']}, min_delta="
                        f"{call.args['min_delta']}).step answered {stop}, expected {expected}")
                k = next((j for j, (a, b) in enumerate(zip(stop, expected, strict=False))
                          if a != b), min(len(stop), len(expected)) - 1)
                code = None if not 0 <= k < len(stop) else \
                    "stops_early" if stop[k] else "stops_late"
                if variant.public:
                    losses = call.inputs["losses"]
                    text += f" for the losses {np.round(losses, 4).tolist()}"
                    text += (f"\nfirst difference at step {k + 1} (loss {losses[k]:.4g}): "
                             f"answered {stop[k]}, expected {expected[k]}")
                    late = [j + 1 for j, v in enumerate(expected) if v] == \
                        [j for j, v in enumerate(stop) if v] or (
                            expected[k] and not stop[k] and stop[k + 1:k + 2] == [True])
                    if late:
                        code = "patience_off_by_one"
                    elif stop == against_last(call.args, losses):
                        code = "compared_with_last"
                raise Failure(text + "\n" + EARLY_STOPPING_RULE, code)
            for key, meaning in ATTRIBUTES.items():
                if key not in want[i]:
                    continue  # stored values of an older release: the answers must do
                have, due = result[key].tolist(), want[i][key].tolist()
                if not np.allclose(have, due, equal_nan=True):
                    k = next(j for j, (a, b) in enumerate(zip(have, due, strict=False))
                             if not np.isclose(a, b, equal_nan=True))
                    shown = "never set" if key != "best" and have[k] in (-1, -2) else have[k]
                    raise Failure(f"EarlyStopping(patience={call.args['patience']}, "
                                  f"min_delta={call.args['min_delta']}): after step {k + 1} "
                                  f"{key} is {shown}, expected {due[k]} ({meaning}); the "
                                  "stop answers were right", "stopping_state")


def against_last(args: dict, losses) -> list[bool]:
    """The answers of a classic bug: each loss compared with the last one, not the best."""
    last, bad, answers = float("inf"), 0, []
    for loss in losses:
        bad = 0 if loss < last - args["min_delta"] else bad + 1
        last = loss
        answers.append(bad >= args["patience"])
    return answers


# The attributes of EarlyStopping that ``fit`` relies on, read after every step.
ATTRIBUTES = {"best": "the lowest loss so far", "best_epoch": "the 0-based index of the step "
              "that gave best (fit restores the weights of that epoch)",
              "epoch": "how many times step was called"}


MINIBATCHES = Minibatches()
TRAIN_EPOCH = TrainEpoch()
EARLY_STOPPING = EarlyStoppingCheck()
