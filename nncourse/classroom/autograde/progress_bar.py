"""The progress of ``nncourse autograde`` on stderr: students graded, the rate, time left.

A student counts as graded when its record is written (the last step, ``finish.py``), so
the bar follows the records as the batch processes write them (``follow``). On a
terminal one line is redrawn in place; elsewhere (a log file, CI) a plain line is printed
now and then, so a log is not flooded with carriage returns.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

WIDTH = 24  # characters of the bar itself
PLAIN_EVERY = 30.0  # seconds between two plain lines (not a terminal)


def duration(seconds: float) -> str:
    """``seconds`` for a person: ``45 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ProgressBar:
    """Students done out of ``total``, redrawn on ``update(done)``.

    The rate is measured from the first student graded (the batches' start-up, nbgrader's
    import, is not a student's), so the time left is the remaining students at that rate.
    """

    def __init__(self, total: int, stream=None, clock: Callable[[], float] = time.monotonic,
                 plain_every: float = PLAIN_EVERY) -> None:
        self.total, self.stream, self.clock = total, stream or sys.stderr, clock
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.plain_every, self.done = plain_every, 0
        self.first: tuple[float, int] | None = None  # (time, done) at the first student
        self.printed: float | None = None  # when the last plain line was printed

    def per_minute(self) -> float | None:
        """Students per minute since the first one was graded (None before two)."""
        if self.first is None:
            return None
        since, count = self.first
        elapsed = self.clock() - since
        return 60.0 * (self.done - count) / elapsed if self.done > count and elapsed > 0 \
            else None

    def text(self) -> str:
        """``[#####.....] 120/300 students  85/min  about 2 min 07 s left``."""
        filled = WIDTH * self.done // max(1, self.total)
        bar = "#" * filled + "." * (WIDTH - filled)
        rate = self.per_minute()
        if self.done >= self.total:
            tail = "done"
        elif rate is None:
            tail = "time left: measuring"
        else:
            tail = f"about {duration(60.0 * (self.total - self.done) / rate)} left"
        speed = f"{rate:.0f}/min  " if rate is not None else ""
        return f"[{bar}] {self.done}/{self.total} students  {speed}{tail}"

    def update(self, done: int) -> None:
        """Show that ``done`` students are graded."""
        if done > 0 and self.first is None:
            self.first = (self.clock(), done)
        self.done = done
        if self.tty:
            self.stream.write("\r" + self.text() + "\x1b[K")
            self.stream.flush()
            return
        now = self.clock()
        if done >= self.total or self.printed is None or now - self.printed >= self.plain_every:
            self.printed = now
            print("autograde: " + self.text(), file=self.stream, flush=True)

    def close(self) -> None:
        """End the redrawn line (a terminal's next output starts on a line of its own)."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def follow(total: int, count: Callable[[], int], stream=None,
           interval: float = 0.5) -> Iterator[ProgressBar]:
    """Redraw a bar from ``count()`` every ``interval`` seconds while the block runs."""
    bar, stop = ProgressBar(total, stream), threading.Event()

    def watch() -> None:
        last = None
        while not stop.wait(interval):
            done = count()
            if done != last or bar.tty:
                bar.update(done)
                last = done

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield bar
    finally:
        stop.set()
        thread.join()
        bar.update(count())
        bar.close()
