"""Grading child processes for the mutation runner (``python mutation_pool.py`` is one).

A child reads ``{"folder", "exercises"}`` requests as JSON lines and answers each with
the object of ``nncourse.grader.api.grade_package``; it lives for many mutants so the
reference's results stay cached. A child that overruns its timeout is replaced.
"""

from __future__ import annotations

import json
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve() -> None:
    """Child: grade ``{"folder", "exercises"}`` requests read as JSON lines on stdin.

    Answers go to the original stdout, one JSON line each; anything printed while grading
    goes to stderr. The child stays alive so the reference's results stay cached.
    """
    from nncourse.grader.api import grade_package

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # atexit closes the workers
    for request in sys.stdin:
        job = json.loads(request)
        try:
            answer = grade_package(Path(job["folder"]), exercises=job["exercises"])
        except Exception as error:  # a runner problem, reported with the mutant
            answer = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


class Child:
    """One grading child process (this script with ``--serve``)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def grade(self, folder: Path, exercises: list[str], timeout: float) -> dict | None:
        """The ``grade_package`` object, or None when ``timeout`` seconds passed first."""
        self.process.stdin.write(json.dumps({"folder": str(folder),
                                             "exercises": exercises}) + "\n")
        self.process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the grading child exited")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Pool:
    """``jobs`` children; a child that times out is replaced by a fresh one."""

    def __init__(self, jobs: int) -> None:
        self.idle: queue.Queue[Child] = queue.Queue()
        self.all: list[Child] = []
        self.lock = threading.Lock()
        for _ in range(jobs):
            self.idle.put(self.new())

    def new(self) -> Child:
        child = Child()
        with self.lock:
            self.all.append(child)
        return child

    def grade(self, folder: Path, exercises: list[str], timeout: float) -> dict | None:
        child = self.idle.get()
        try:
            result = child.grade(folder, exercises, timeout)
        except BaseException:
            child.close()
            self.idle.put(self.new())
            raise
        if result is None:
            child.close()
            child = self.new()
        self.idle.put(child)
        return result

    def close(self) -> None:
        with self.lock:
            for child in self.all:
                child.close()




if __name__ == "__main__":
    serve()
