"""Does the README's first command open the course: JupyterLab serves the first lesson?"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def readme_lab_arguments():
    """The arguments of ``jupyter lab`` in the README's first command."""
    readme = (ROOT / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if "bin/jupyter lab" in ln)
    return line.split("bin/jupyter lab", 1)[1].split()


def test_the_readme_opens_a_lesson_that_exists_and_works_as_root():
    args = readme_lab_arguments()
    notebooks = [a for a in args if a.endswith(".ipynb")]
    assert notebooks and all((ROOT / nb).is_file() for nb in notebooks)
    assert "--allow-root" in args  # machines and containers where the user is root


def test_jupyterlab_serves_the_welcome_lesson(tmp_path):
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={ROOT}", *readme_lab_arguments()],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(f"{base}/api/status")
                break
            except OSError:
                assert server.poll() is None, "jupyter lab exited before it served"
                assert time.monotonic() < deadline, "jupyter lab did not answer within 60 s"
                time.sleep(0.5)
        assert status == 200
        status, page = get(f"{base}/lab")
        assert status == 200 and b"JupyterLab" in page
        status, body = get(f"{base}/api/contents/lessons/00_welcome.ipynb")
        notebook = json.loads(body)
        assert status == 200 and notebook["type"] == "notebook"
        assert any("nncourse" in cell["source"] for cell in notebook["content"]["cells"])
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
