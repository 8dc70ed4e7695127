"""Trusted course tooling for nnlib: the release builder, the grader and the class workflow.

Students call ``nncourse.check("linear.backward")`` from a notebook; everything else is the
``nncourse`` command line. Nothing here imports ``nnlib`` in this process: student code
runs only in grader worker processes.
"""

__all__ = ["check"]


def check(*args, **kwargs):
    """Run the public checks of one exercise (or a lesson) and show the verdicts.

    See ``nncourse.grader.check_command.check`` for the arguments.
    """
    from nncourse.grader.check_command import check as _check

    return _check(*args, **kwargs)
