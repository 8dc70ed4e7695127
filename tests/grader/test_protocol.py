"""The wire format, and the thread race that once scored correct students 0.

CPython 3.11 keeps the AST constructor's recursion counter in state shared by all threads.
When a garbage collection inside one thread's ``ast.literal_eval`` runs a Python
finalizer, the interpreter may switch to a second thread parsing too; the first parse then
fails with ``SystemError: AST constructor recursion depth mismatch``. ``np.load`` parses
every ``.npy`` header with ``ast.literal_eval``, and the grader decodes the student's and
the reference's messages in two threads, so the old ``.npz`` wire format failed like this
in batch processes full of garbage with finalizers (nbgrader's kernel clients).
"""

from __future__ import annotations

import gc
import io
import struct
import sys
import threading
import time

import numpy as np
import pytest

from nncourse.grader import protocol


class Cycle:
    """Cyclic garbage with a Python finalizer: what lets a collection switch threads."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        for _ in range(20):
            pass


def hammer(decode, data: bytes, seconds: float, first_error: bool = False) -> list[str]:
    """Decode ``data`` in two threads for ``seconds``, amid garbage; the errors raised.

    ``first_error`` stops at the first error (a loaded machine may need many seconds).
    """
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < stop and not (first_error and errors):
            Cycle()
            try:
                decode(data)
            except Exception as error:  # collected: the test asserts on them
                errors.append(repr(error))

    interval, threshold = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50)
    try:
        threads = [threading.Thread(target=loop) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*threshold)
    return errors


ARRAYS = {f"{i}/dx": np.arange(6.0).reshape(2, 3) + i for i in range(10)}


def npz_decode(data: bytes) -> dict:
    """The old wire format's reading: ``np.load`` of an ``.npz`` archive."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the race is CPython 3.11's")
def test_the_harness_reproduces_the_race_with_np_load():
    buffer = io.BytesIO()
    np.savez(buffer, **ARRAYS)
    errors = hammer(npz_decode, buffer.getvalue(), seconds=20.0, first_error=True)
    assert errors and "AST constructor recursion depth mismatch" in errors[0]


def test_decoding_in_two_threads_never_fails():
    data = protocol.encode({"results": [{"ok": True}] * 10}, ARRAYS)
    assert hammer(protocol.decode, data, seconds=2.0) == []


def test_round_trip_keeps_dtype_shape_and_values():
    arrays = {
        "scalar": np.int64(7), "flags": np.array([True, False]),
        "f32": np.linspace(0, 1, 6, dtype=np.float32).reshape(3, 2),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2], "empty": np.zeros((0, 5)),
        "big_endian": np.arange(3, dtype=">i4"), "u8": np.arange(4, dtype=np.uint8),
    }
    meta, got = protocol.decode(protocol.encode({"a": [1, "b"]}, arrays))
    assert meta == {"a": [1, "b"]} and set(got) == set(arrays)
    for name, array in arrays.items():
        want = np.asarray(array)
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        assert np.array_equal(got[name], want), name
    got["f32"][0, 0] = 5.0  # decoded arrays are ordinary writable arrays


def message(header: dict, body: bytes = b"") -> bytes:
    """A hand-made message with this header."""
    import json

    raw = json.dumps(header).encode()
    return protocol.MAGIC + struct.pack(">I", len(raw)) + raw + body


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04 an npz archive", "expected a message starting with"),
    (message({"meta": {}, "arrays": [["x", "|O8", [1]]]}, b"\0" * 8), "expected numbers"),
    (message({"meta": {}, "arrays": [["x", "<U4", [1]]]}, b"\0" * 16), "expected numbers"),
    (message({"meta": {}, "arrays": [["x", "<f1", [1]]]}, b"\0"), "expected numbers"),
    (message({"meta": {}, "arrays": [["x", "<f8", [-1]]]}), "expected sizes"),
    (message({"meta": {}, "arrays": [["x", "<f8", [4]]]}, b"\0" * 16), "runs past the end"),
    (message({"meta": {}, "arrays": []}, b"extra"), "bytes in the message"),
    (message({"meta": [], "arrays": []}), "expected a header"),
    (protocol.MAGIC + struct.pack(">I", 3) + b"{{{", "unreadable message header"),
])
def test_malformed_messages_are_refused_with_what_was_expected(data, words):
    with pytest.raises(protocol.ProtocolError, match=words):
        protocol.decode(data)
