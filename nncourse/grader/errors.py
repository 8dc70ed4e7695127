"""The grader's own error, importable without numpy (the command line loads it first)."""


class GraderError(RuntimeError):
    """The grader itself cannot run (no reference, broken reference, missing data)."""
