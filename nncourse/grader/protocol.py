"""The wire format between the trusted grader and a worker: plain arrays, never pickle.

A *message* is a JSON header plus named numeric arrays, packed as one ``.npz`` archive
(the header is the ``uint8`` array ``__meta__``). Reading uses ``allow_pickle=False`` and
refuses every dtype that is not boolean, integer or floating point, so a worker can send
numbers and nothing else. A *frame* on a pipe is an 8-byte big-endian length followed by
that many bytes.

This module is imported on both sides; it needs only numpy (imported when a message is
packed or unpacked, so a worker can be launched before numpy loads) and the standard
library.
"""

from __future__ import annotations

import io
import json
import os
import select
import struct
import time

META = "__meta__"
MAX_MESSAGE = 256 * 2**20  # bytes; a worker answer larger than this is refused
NUMERIC_KINDS = "biuf"


class ProtocolError(RuntimeError):
    """A message that is malformed, too large, or holds a non-numeric array."""


def encode(meta: dict, arrays: dict | None = None) -> bytes:
    """Pack ``meta`` (JSON-serialisable) and ``arrays`` into one ``.npz`` byte string."""
    import numpy as np

    buffer = io.BytesIO()
    header = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    np.savez(buffer, **{META: header}, **(arrays or {}))
    return buffer.getvalue()


def decode(data: bytes) -> tuple[dict, dict]:
    """Unpack a message made by ``encode``; raise ``ProtocolError`` on anything else."""
    import numpy as np

    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"expected a message of at most {MAX_MESSAGE} bytes, got {len(data)}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop(META).tobytes().decode("utf-8"))
    except Exception as error:  # any malformed archive is the worker's fault
        raise ProtocolError(f"unreadable message from the worker: {error}") from None
    for name, array in arrays.items():
        if array.dtype.kind not in NUMERIC_KINDS:
            raise ProtocolError(f"array {name!r} has dtype {array.dtype}; expected numbers")
    if not isinstance(meta, dict):
        raise ProtocolError(f"expected a JSON object as message header, got {type(meta)}")
    return meta, arrays


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
