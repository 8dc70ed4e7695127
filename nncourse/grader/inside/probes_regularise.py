"""Worker side, lesson 10: the probe of ``regularise.Dropout``.

Like every probe, it calls the student's code and returns plain arrays; the verdict is
computed on the trusted side (``nncourse/grader/checks/regularise.py``).
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.inside import standins
from nncourse.grader.inside.calling import as_numbers, attribute, changed, probe


@probe
def dropout(args, a):
    """``regularise.Dropout(p, rng=...)``: training forward (and backward), its seeds, eval.

    Returns ``y`` (``dx``, ``dx2``: two backwards), ``y_same`` (same seed, another global
    ``np.random`` state), ``y_other`` (another seed), ``y_eval``, ``dx_eval`` (a fresh module
    in eval mode), ``after_eval`` (its generator's next number) and ``y_train`` (train() again).
    """
    cls = attribute("regularise.Dropout")
    p, seed, x0 = args["p"], args["seed"], a["x"]

    def fresh(s, global_seed):
        np.random.seed(global_seed)  # only a student's global np.random calls see this
        rng = np.random.default_rng(s)
        return cls(p, rng=rng), rng

    m, _ = fresh(seed, 1)
    x = x0.copy()
    try:
        result = {"y": as_numbers(m.forward(x), "forward"),
                  "mutated:x": np.array(changed(x0, x))}
    except NotImplementedError:
        raise
    except Exception:
        if "dout" not in a:  # the forward's own check: its error is the verdict
            raise
        # the backward's check: graded on the mask the true forward draws from this rng
        return standins.backward_without_forward(lambda: fresh(seed, 1)[0], x0, p, seed,
                                                 a["dout"])
    if "dout_probe" in a:  # did forward keep its mask where backward reads it?
        try:
            probe_run = standins.dropout_backwards(lambda: fresh(seed, 1)[0], x0, p,
                                                   a["dout_probe"])
            result.update({f"probe_{k}": v for k, v in probe_run.items()})
        except Exception:  # noqa: BLE001 - backward's own bugs are graded by its own check
            pass
    if "dout" in a:
        dout, own_error = a["dout"].copy(), None
        try:  # on the forward's own mask
            result["dx"] = as_numbers(m.backward(dout), "backward")
            result["mutated:dout"] = np.array(changed(a["dout"], dout))
            result["dx2"] = as_numbers(m.backward(a["dout"].copy()), "backward")
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - a mask backward cannot use, perhaps
            own_error = error
        try:  # on the true mask (graded on its own mask alone if that makes it raise)
            truth = standins.dropout_backwards(lambda: fresh(seed, 1)[0], x0, p, a["dout"])
            result.update({k: truth[k] for k in ("dx_true", "dx_true01", "mask_form")})
        except Exception:  # noqa: BLE001
            if own_error is not None:  # raises on both: backward's own error, with its line
                raise own_error from None
    result["y_same"] = as_numbers(fresh(seed, 2)[0].forward(x0.copy()), "forward")
    result["y_other"] = as_numbers(fresh(seed + 1, 1)[0].forward(x0.copy()), "forward")
    m, rng = fresh(seed, 1)
    m.eval()
    result["y_eval"] = as_numbers(m.forward(x0.copy()), "forward in eval mode")
    if "dout" in a:
        try:  # on the forward's own eval state; the true one (None) is tried below
            result["dx_eval"] = as_numbers(m.backward(a["dout"].copy()),
                                           "backward in eval mode")
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - a state backward cannot use: the forward's fault
            result["dx_eval_raised"] = np.array(True)
    after_eval = np.array(rng.random())
    for key, dout in (("dx_eval_true", a.get("dout")), ("probe_eval", a.get("dout_probe"))):
        if dout is not None:  # eval keeps no mask: backward on _mask = None, and on its own
            result.update(standins.eval_backwards(lambda: fresh(seed, 1)[0], x0, dout, key))
    result["after_eval"] = after_eval
    m.train()
    result["y_train"] = as_numbers(m.forward(x0.copy()), "forward after train()")
    m.eval()  # an eval forward after a training one: it must not keep the old mask
    m.forward(x0.copy())
    result["stale_mask"] = np.array(getattr(m, "_mask", None) is not None)
    return result
