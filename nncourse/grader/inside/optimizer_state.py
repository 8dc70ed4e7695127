"""The contract's state of an optimizer, read after each step by the ``optimizer`` probe.

The trajectory of the parameters decides the verdict; the state only helps to name
which part of a wrong trajectory went wrong (``checks/optim.state_code``).
"""

from __future__ import annotations

import numpy as np


def optimizer_state(opt, params) -> dict[str, np.ndarray]:
    """The contract's state of an optimizer after a step, where it has the contract's form.

    ``velocities``, ``m`` and ``v``: one array per parameter, of its shape, joined into one
    row; ``t`` as a number. Anything else (missing, another form) is left out: the state
    only helps to name a bug in a trajectory that is already wrong.
    """
    state = {}
    for name in ("velocities", "m", "v"):
        arrays = getattr(opt, name, None)
        if isinstance(arrays, list) and len(arrays) == len(params) and all(
                isinstance(s, np.ndarray) and s.shape == p.value.shape
                and s.dtype.kind == "f" for s, p in zip(arrays, params, strict=True)):
            state[name] = np.concatenate([s.ravel() for s in arrays]).astype(np.float64)
    t = getattr(opt, "t", None)
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        state["t"] = np.array(float(t))
    return state
