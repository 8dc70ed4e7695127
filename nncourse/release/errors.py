"""The release builder's errors, in a module of their own (every release module raises them)."""


class ReleaseError(RuntimeError):
    """The release cannot be built (missing source, malformed marker, leaked solution)."""


class MarkerError(ValueError):
    """A solution marker is malformed; the message names the file and line."""
