"""Imported first in every autograde kernel: ``nncourse.check`` does no grading there.

The score of an exercise cell comes from the grader's workers (``finish.py``), never
from the student's kernel, so running the checks again inside the kernel would only
cost time (about a second per call) and give student code a chance to interfere. In the
autograde kernel ``nncourse.check`` therefore only says where the verdict will be; the
feedback shows the workers' verdict in each graded cell.

The lessons' first cell also turns on ``%autoreload 2``, which lets a student edit
``nnlib/`` while the notebook runs. Nothing is edited while autograding, and before every
cell the extension looks at every loaded module's file (numpy's, matplotlib's...): about
a tenth of a notebook's time on lesson 02. Here ``%load_ext autoreload`` therefore loads
``NO_AUTORELOAD``, whose ``%autoreload`` and ``%aimport`` do nothing (IPython looks for a
top-level module ``autoreload`` before its own extension).
"""

import sys
import types

import nncourse


def check(exercise=None, lesson=None, hidden=False, **_):
    """Stand-in for ``nncourse.check`` while autograding: no checks run in this kernel."""
    what = exercise or (f"lesson {lesson}" if lesson is not None else "your nnlib")
    print(f"[autograde] {what}: checked by the autograder in its own workers, hidden checks "
          "included; the verdict is in your feedback.")


nncourse.check = check


def do_nothing(line: str = "") -> None:
    """``%autoreload`` / ``%aimport`` while autograding: no module is ever reloaded."""


def load_ipython_extension(shell) -> None:
    """What ``%load_ext autoreload`` runs in an autograde kernel (see the module docstring)."""
    shell.register_magic_function(do_nothing, "line", "autoreload")
    shell.register_magic_function(do_nothing, "line", "aimport")


NO_AUTORELOAD = types.ModuleType("autoreload", "autoreload's stand-in while autograding")
NO_AUTORELOAD.load_ipython_extension = load_ipython_extension
sys.modules.setdefault("autoreload", NO_AUTORELOAD)
