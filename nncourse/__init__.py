"""Trusted course tooling for nnlib: the release builder, the grader and the class workflow.

Students call ``nncourse.check("linear.backward")`` and ``nncourse.status()`` from a
notebook, and the lessons' demo cells run inside ``with nncourse.uses_your_nnlib():``;
everything else is the ``nncourse`` command line. Nothing here imports ``nnlib``
in this process: student code runs only in grader worker processes.
"""

__all__ = ["check", "status", "uses_your_nnlib"]


def check(*args, **kwargs):
    """Run the public checks of one exercise (or a lesson) and show the verdicts.

    See ``nncourse.grader.check_command.check`` for the arguments.
    """
    from nncourse.grader.check_command import check as _check

    return _check(*args, **kwargs)


def status(*args, **kwargs):
    """Each exercise's state (passed, failing, not started) and hints used, as a table.

    See ``nncourse.student.status.status`` for the arguments.
    """
    from nncourse.student.status import status as _status

    return _status(*args, **kwargs)


def uses_your_nnlib():
    """A context manager for a demo cell: a stub it reaches names the exercise to finish.

    See ``nncourse.student.unfinished.uses_your_nnlib``.
    """
    from nncourse.student.unfinished import uses_your_nnlib as _uses

    return _uses()
