"""The start of every isolated process: limits, parent-death signal, confinement, target.

``python -s -P -m nncourse.isolation.enter SPEC TARGET [ARGS...]`` where ``SPEC`` is JSON
``{"limits": {...}, "landlock": SCRATCH or null, "parent": PID or null}`` and ``TARGET``
is ``package.module:function``. In that order it

1. asks to be killed when its parent ends (``parent``: the PID it must have now);
2. applies the ``Limits``;
3. imports the target module (trusted code and what it imports, numpy for one);
4. confines itself with Landlock to reading the Python installation and writing
   ``SCRATCH``, if asked (after step 3, so the ``nncourse`` package need not stay open);
5. calls ``function(ARGS)``, which imports the student's code.

``command`` builds that command line for a caller. Nothing here imports ``nnlib``.
"""

from __future__ import annotations

import importlib
import json
import sys

import nncourse.isolation as isolation
from nncourse.isolation import landlock, limits, processes


def command(target: str, args: list[str], *, resource_limits: limits.Limits,
            landlock_write: str | None, parent: int | None,
            safe_path: bool = True) -> list[str]:
    """The argv that starts ``target`` isolated (see the module docstring).

    ``safe_path`` (``-P``) keeps the cwd off ``sys.path``; a notebook kernel, which must
    import the ``nnlib`` in its cwd, turns it off.
    """
    spec = {"limits": resource_limits.as_json(), "landlock": landlock_write, "parent": parent}
    flags = ["-s", "-P"] if safe_path and sys.version_info >= (3, 11) else ["-s"]
    return [sys.executable, *flags, "-m", "nncourse.isolation.enter", json.dumps(spec),
            target, *args]


def main(argv: list[str]) -> None:
    """Apply ``argv[1]`` (the spec), then run the target ``argv[2]`` with the rest."""
    spec, target, args = json.loads(argv[1]), argv[2], argv[3:]
    if spec.get("parent") is not None:
        processes.set_parent_death_signal(int(spec["parent"]))
    limits.apply(limits.Limits(**spec["limits"]))
    module_name, _, function = target.partition(":")
    module = importlib.import_module(module_name)
    scratch = spec.get("landlock")
    isolation.APPLIED["confined"] = landlock.confine(scratch) if scratch else False
    getattr(module, function)(args)


if __name__ == "__main__":
    main(sys.argv)
