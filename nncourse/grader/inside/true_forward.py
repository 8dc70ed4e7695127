"""Worker side: run a student's backward on what the *true* forward would have cached.

A backward pass is graded as the derivative of the true function, not of the student's
own forward: a wrong forward with a backward that matches it must not earn the
backward's points, and a right backward must not lose them to a wrong forward.

The reference's worker reports its module's cache (``cache_of``: every numeric array
the module keeps on itself after ``forward``). The engine gives those values, and the
true output, to the student's call as ``ref:cache:<name>`` and ``ref:<output key>``
inputs; after the student's forward, ``put_true_cache`` replaces the student's cache:

- an attribute with one of the reference's names (the contract names the cache,
  ``self._out``, ``self._x``, ...) gets the reference's value, whatever the student's
  forward left there (a wrong shape, ``None``, nothing);
- an attribute equal to one of the forward's inputs is already true and stays;
- an attribute equal to the student's own output gets the true output (students who
  name the cache their own way);
- anything else stays the student's, and its name is reported as *kept*, so the
  feedback can say which values were graded as the student's forward left them.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


def cache_of(owner: object) -> dict[str, np.ndarray]:
    """The numeric arrays ``owner`` keeps on itself, by attribute name (its cache)."""
    return {name: value for name, value in vars(owner).items()
            if isinstance(value, np.ndarray) and value.dtype.kind in "biuf"}


def report_cache(owner: object) -> dict[str, np.ndarray]:
    """``cache:<name>`` copies of ``owner``'s cache, to send back with a result."""
    return {f"cache:{name}": value.copy() for name, value in cache_of(owner).items()}


def put_true_cache(owner: object, inputs: list[np.ndarray], own_out, true_out,
                   a: dict[str, np.ndarray]) -> np.ndarray:
    """Replace ``owner``'s cache by the true forward's (see the module docstring).

    Args:
        owner: the student's module (or loss), right after its forward.
        inputs: the arrays its forward was given.
        own_out: what the student's forward returned.
        true_out: what the true forward returns on the same inputs (or None).
        a: the call's inputs, holding ``ref:cache:<name>`` arrays.

    Returns:
        The names of the attributes left as the student's forward computed them, as
        UTF-8 bytes joined by commas (an array, for the wire).
    """
    true = {k[len("ref:cache:"):]: v for k, v in a.items() if k.startswith("ref:cache:")}
    for name, value in true.items():  # the reference's names: whatever the student put there
        current = getattr(owner, name, None)
        keep_dtype = isinstance(current, np.ndarray) and current.dtype.kind == "f"
        setattr(owner, name, value.astype(current.dtype if keep_dtype else value.dtype))
    kept = []
    for name, value in cache_of(owner).items():
        if name in true or any(same(value, x) for x in inputs):
            continue  # already the true values
        if true_out is not None and same(value, own_out):
            setattr(owner, name, np.array(true_out, dtype=value.dtype))
        else:
            kept.append(name)
    return np.frombuffer(",".join(kept).encode(), dtype=np.uint8).copy()


def same(value: np.ndarray, other) -> bool:
    """``value`` has ``other``'s shape and values (NaNs compare equal)."""
    other = np.asarray(other)
    return value.shape == other.shape and np.array_equal(value, other, equal_nan=True)


def put_input_for_output(owner: object, x: np.ndarray, own_out) -> None:
    """Put ``x`` where ``owner`` cached its output.

    What a backward sees when its formula, written in terms of the output, is fed the
    input: a classic bug, rebuilt on the reference's side so that the grader recognises
    it without writing any formula down.
    """
    for name, value in cache_of(owner).items():
        if same(value, own_out) and not same(value, x):
            setattr(owner, name, np.array(x, dtype=value.dtype))


@contextmanager
def known_values(module, table: dict[str, tuple[np.ndarray, np.ndarray]]):
    """Stand in for functions of ``module`` with the true values at one known input.

    ``table`` maps a function's name to ``(input, true output)``: while the block runs,
    ``module.<name>(z)`` returns a copy of the true output when ``z`` is that input, and
    calls the student's function otherwise. So an exercise that uses another one (the
    softmax cross-entropy uses ``log_softmax``) is graded without that one's bugs, and
    no formula of it is written here.
    """
    originals = {name: getattr(module, name) for name in table}

    def stand_in(name):
        known, value = table[name]

        def function(z, *args, **kwargs):
            z_array = np.asarray(z)
            if not args and not kwargs and same(z_array, known):
                return np.array(value, dtype=z_array.dtype if z_array.dtype.kind == "f"
                                else np.float64)
            return originals[name](z, *args, **kwargs)
        return function

    for name in table:
        setattr(module, name, stand_in(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


class ForwardFailed(Exception):
    """The student's forward raised while a backward was being graded.

    Its own check says why; the trusted side then grades the backward on the true
    forward's cache alone.
    """


def forward_of(run, args: dict, true_out):
    """``run()`` (the student's forward); what a backward check does when it raises.

    In a stand-in call (``true_out`` given) a forward that raises is skipped: the true
    output stands in and ``put_true_cache`` fills the cache. In the own call of a backward
    check (``args["grading_backward"]``) its exception becomes ``ForwardFailed``, naming
    the original, so the verdict can tell it from an error of backward. A stub's
    ``NotImplementedError`` always passes through (the exercise is not started).
    """
    try:
        return run()
    except NotImplementedError:
        raise
    except Exception as error:
        if true_out is not None:
            return np.array(true_out)
        if args.get("grading_backward"):
            raise ForwardFailed(f"forward raised {type(error).__name__}: {error}") from error
        raise
