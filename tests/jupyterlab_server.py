"""Start JupyterLab the way the README's first command does, for the JupyterLab tests.

Only the README's own arguments decide where JupyterLab is rooted and what it opens; the
tests add what a headless server needs (no browser, 127.0.0.1, a free port, a token) and
private Jupyter config/runtime folders.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Today's arguments before the course root was set: JupyterLab rooted at lessons/.
OLD_ARGUMENTS = ["--allow-root", "lessons/00_welcome.ipynb"]


def readme_lab_arguments(readme: Path = ROOT / "README.md") -> list[str]:
    """The arguments of ``jupyter lab`` in the README's first command, as a shell parses them."""
    line = next(ln for ln in readme.read_text().splitlines() if "bin/jupyter lab" in ln)
    return shlex.split(line.split("bin/jupyter lab", 1)[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running ``jupyter lab`` in ``cwd``: ``base`` URL, ``token``, ``get`` and ``stop``."""

    def __init__(self, cwd: Path, arguments: list[str], scratch: Path, env: dict | None = None):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.runtime = scratch / "runtime"
        environment = dict(os.environ, JUPYTER_CONFIG_DIR=str(scratch / "config"),
                           JUPYTER_RUNTIME_DIR=str(self.runtime), **(env or {}))
        self.log = open(scratch / "jupyterlab.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", *arguments, "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}"],
            cwd=cwd, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/api/status")
                break
            except (OSError, urllib.error.HTTPError):
                if self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("jupyter lab exited before it served: "
                                       + (scratch / "jupyterlab.log").read_text()[-2000:]) from None
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("jupyter lab did not answer within 60 s") from None
                time.sleep(0.3)

    def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path`` with the token; (status, body), 4xx/5xx included."""
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or path == "/api/status":
                raise
            return error.code, error.read()

    def contents(self, path: str) -> tuple[int, dict]:
        status, body = self.get("/api/contents/" + path)
        return status, json.loads(body) if status == 200 else {}

    def opened_url(self) -> str:
        """The URL ``jupyter lab`` would open in a browser: the file-to-run page it wrote."""
        pages = sorted(self.runtime.glob("jpserver-file-to-run-*-open.html")) or \
            sorted(self.runtime.glob("jpserver-*-open.html"))
        match = re.search(r'href="([^"]+)"', pages[0].read_text())
        return match.group(1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
