"""Imported first in every autograde kernel: ``nncourse.check`` does no grading there.

The score of an exercise cell comes from the grader's workers (``finish.py``), never
from the student's kernel, so running the checks again inside the kernel would only
cost time (about a second per call) and give student code a chance to interfere. In the
autograde kernel ``nncourse.check`` therefore only says where the verdict will be; the
feedback shows the workers' verdict in each graded cell.
"""

import nncourse


def check(exercise=None, lesson=None, hidden=False, **_):
    """Stand-in for ``nncourse.check`` while autograding: no checks run in this kernel."""
    what = exercise or (f"lesson {lesson}" if lesson is not None else "your nnlib")
    print(f"[autograde] {what}: checked by the autograder in its own workers, hidden checks "
          "included; the verdict is in your feedback.")


nncourse.check = check
