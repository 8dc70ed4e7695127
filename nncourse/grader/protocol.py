"""The wire format between the trusted grader and a worker: plain arrays, never pickle.

A *message* is a JSON header plus named numeric arrays, laid out as::

    b"NNCM" | header length (4 bytes, big-endian) | header (UTF-8 JSON) | array bytes

The header is ``{"meta": {...}, "arrays": [[name, dtype, shape], ...]}``: each array's
bytes follow the header in that order, C-contiguous, their size given by dtype and
shape. Reading accepts only the dtypes of boolean, integer and floating point numbers
(``<f8``, ``|b1``, ...), so a worker can send numbers and nothing else.

Decoding parses JSON and calls ``np.frombuffer``, nothing else: no ``np.load``, whose
``.npy`` header parser (``ast.literal_eval``) is not safe to run in two threads at once
on CPython 3.11 (the AST constructor's recursion counter is shared by the threads; a
garbage collection inside one parse lets the other thread run, and the first parse then
fails with ``SystemError: AST constructor recursion depth mismatch``). The grader decodes
the student's and the reference's messages in two threads.

A *frame* on a pipe is an 8-byte big-endian length followed by that many bytes.

This module is imported on both sides; it needs only numpy (imported when a message is
packed or unpacked, so a worker can be launched before numpy loads) and the standard
library.
"""

from __future__ import annotations

import json
import os
import re
import select
import struct
import time

MAGIC = b"NNCM"
MAX_MESSAGE = 256 * 2**20  # bytes; a worker answer larger than this is refused
DTYPE = re.compile(r"[<>|=][biuf][1-8]\Z")  # numbers only: no objects, strings, records


# What the stand-ins of a training loop log (``inside/standins.py``), one code per call,
# sent back as an integer array.
EVENTS = {"model.forward": 1, "loss.forward": 2, "zero_grad": 3, "loss.backward": 4,
          "model.backward": 5, "step": 6}
# In the log of a ``Sequential`` probe: the calls after it were made by ``model.backward``.
LOG_MARK = -1


class ProtocolError(RuntimeError):
    """A message that is malformed, too large, or holds a non-numeric array."""


def encode(meta: dict, arrays: dict | None = None) -> bytes:
    """Pack ``meta`` (JSON-serialisable) and ``arrays`` into one message."""
    import numpy as np

    layout, chunks = [], []
    for name, value in (arrays or {}).items():
        array = np.asarray(value)  # tobytes() below writes C order whatever the layout
        layout.append([str(name), array.dtype.str, list(array.shape)])
        chunks.append(array.tobytes())
    header = json.dumps({"meta": meta, "arrays": layout}, sort_keys=True).encode("utf-8")
    return b"".join([MAGIC, struct.pack(">I", len(header)), header, *chunks])


def decode(data: bytes) -> tuple[dict, dict]:
    """Unpack a message made by ``encode``; raise ``ProtocolError`` on anything else."""
    import numpy as np

    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"expected a message of at most {MAX_MESSAGE} bytes, got {len(data)}")
    if data[:4] != MAGIC or len(data) < 8:
        raise ProtocolError(f"expected a message starting with {MAGIC!r}, got {bytes(data[:8])!r}")
    (size,) = struct.unpack(">I", data[4:8])
    try:
        header = json.loads(bytes(data[8:8 + size]).decode("utf-8"))
    except ValueError as error:
        raise ProtocolError(f"unreadable message header: {error}") from None
    if not isinstance(header, dict) or not isinstance(header.get("meta"), dict) \
            or not isinstance(header.get("arrays"), list):
        raise ProtocolError("expected a header {'meta': {...}, 'arrays': [...]}")
    buffer, offset, arrays = bytearray(data), 8 + size, {}
    for entry in header["arrays"]:
        name, dtype, shape = read_layout(entry)
        count = 1
        for length in shape:
            count *= length
        try:
            end = offset + count * np.dtype(dtype).itemsize
        except TypeError:  # a well-formed name numpy has no type for, e.g. ``<f1``
            raise ProtocolError(f"array {name!r} has dtype {dtype}; expected numbers") from None
        if end > len(buffer):
            raise ProtocolError(f"array {name!r} ({dtype}, shape {tuple(shape)}) runs past the "
                                f"end of the message ({len(buffer)} bytes)")
        arrays[name] = np.frombuffer(buffer, dtype=dtype, count=count,
                                     offset=offset).reshape(shape)
        offset = end
    if offset != len(buffer):
        raise ProtocolError(f"expected {offset} bytes in the message, got {len(buffer)}")
    return header["meta"], arrays


def read_layout(entry) -> tuple[str, str, list[int]]:
    """``(name, dtype, shape)`` of one header entry, checked; ``ProtocolError`` otherwise."""
    if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
            and isinstance(entry[1], str) and isinstance(entry[2], list)):
        raise ProtocolError(f"expected an array entry [name, dtype, shape], got {entry!r:.80}")
    name, dtype, shape = entry
    if not DTYPE.match(dtype):
        raise ProtocolError(f"array {name!r} has dtype {dtype}; expected numbers")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40
               for n in shape):
        raise ProtocolError(f"array {name!r} has shape {shape!r:.80}; expected sizes")
    return name, dtype, shape


def write_frame(fd: int, payload: bytes) -> None:
    """Write one length-prefixed frame to the file descriptor ``fd``."""
    view = memoryview(struct.pack(">Q", len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    """Read exactly ``size`` bytes from ``fd`` before ``deadline`` (``time.monotonic``)."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no answer from the worker in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the worker closed its end of the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, limit: int = MAX_MESSAGE) -> bytes:
    """Read one frame written by ``write_frame``; ``ProtocolError`` if longer than ``limit``."""
    (size,) = struct.unpack(">Q", read_exact(fd, 8, deadline))
    if size > limit:
        raise ProtocolError(f"expected a frame of at most {limit} bytes, got {size}")
    return read_exact(fd, size, deadline)
