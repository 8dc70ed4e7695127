"""``with nncourse.uses_your_nnlib():``: a demo cell that needs an unfinished exercise.

A lesson's demo and plot cells run the student's ``nnlib``. Until the exercise they use
is done, its stub raises ``NotImplementedError("Exercise <id> (lesson NN): not
implemented yet")`` (the line ``nncourse release`` writes), which would print a
traceback into the student's own file and leave an empty figure below the cell. Inside
this context manager the cell instead shows one line, naming the exercise to finish and
how to check it, and closes the figures the cell had opened. The cell still fails (Run
All stops there, as at a failing check): the cells after it may need what it computes.

Any other error is left as it is (its traceback is what the student needs), but the
figures the cell opened are closed all the same: an empty figure helps no one.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

# what markers.stub_line writes; the lesson is optional (an exercise in no lesson)
STUB_MESSAGE = re.compile(
    r"Exercise (?P<exercise>[\w.]+)(?: \(lesson (?P<lesson>\w+)\))?: not implemented yet")


class FinishFirst(NotImplementedError):
    """A demo cell ran a stub: shown in a notebook as one line, not as a traceback."""

    def __init__(self, exercise: str, lesson: str | None):
        where = f" (lesson {lesson})" if lesson else ""
        super().__init__(f"finish {exercise}{where} first: this cell runs it "
                         f"(check it with nncourse check {exercise})")
        self.exercise, self.lesson = exercise, lesson

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback (as for ``ChecksFailed``)."""
        return [f"{type(self).__name__}: {self}"]


def unfinished_exercise(error: BaseException) -> tuple[str, str | None] | None:
    """(exercise id, lesson) of the stub that raised ``error`` (or caused it), else None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, NotImplementedError):
            match = STUB_MESSAGE.search(str(error))
            if match:
                return match.group("exercise"), match.group("lesson")
        error = error.__cause__ or error.__context__
    return None


def open_figures() -> set[int]:
    """The numbers of pyplot's open figures; none when pyplot was never imported."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def close_figures(numbers: set[int]) -> None:
    """Close the figures ``numbers`` (pyplot is imported if they exist)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    for number in sorted(numbers):
        pyplot.close(number)


@contextmanager
def uses_your_nnlib():
    """Run a demo or plot cell's code; a stub it reaches says which exercise to finish.

    Raises:
        FinishFirst: a ``NotImplementedError`` naming the exercise, shown as one line,
            when the code reached a stub's "Exercise <id> ... not implemented yet".
    """
    before = open_figures()
    try:
        yield
    except Exception as error:
        close_figures(open_figures() - before)
        found = unfinished_exercise(error)
        if found is None:
            raise
        raise FinishFirst(*found) from None
