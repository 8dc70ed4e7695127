"""A student's first exercise, in a real browser: JupyterLab started exactly as the README
says, lesson 00 open, ``nnlib/data.py`` opened from the file browser, ``one_hot`` written
in the editor and saved, the lesson's check cell run: PASS; then a bug: the diagnosis.

Headless Chromium (Debian's ``chromium``, never Playwright's own download) driven by
Playwright. The course is a temporary copy of ``lessons/`` and the student stubs
``nnlib/``; the kernel is this interpreter's, with ``PYTHONPATH`` set to the copy so that
``import nnlib`` and ``nncourse.check`` find the copy rather than the editable install.
Screenshots land in the test's tmp folder.
"""

from __future__ import annotations

import re
import shutil

import pytest
from jupyterlab_server import ROOT, Lab, readme_lab_arguments

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
STUB = 'raise NotImplementedError("Exercise data.one_hot (lesson 00): not implemented yet")'
CHECK = 'nncourse.check("data.one_hot")'


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; "
                    ".ci/run installs it): the browser test needs a real browser")
    return found


def solution_lines() -> list[str]:
    """The reference ``one_hot`` body, stripped of its indentation (the editor indents)."""
    text = (ROOT / "solutions" / "nnlib" / "data.py").read_text()
    body = re.search(r"### BEGIN SOLUTION data\.one_hot\n(.*?)\n\s*### END SOLUTION",
                     text, re.S).group(1)
    return [line.strip() for line in body.splitlines()]


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for part in ("lessons", "nnlib"):
        shutil.copytree(ROOT / part, folder / part, ignore=ignore)
    assert STUB in (folder / "nnlib" / "data.py").read_text()  # the student stub
    return folder


def find_line(page, editor, text: str):
    """The editor line holding ``text``, scrolled to (CodeMirror renders visible lines only)."""
    line = editor.locator(".cm-line", has_text=text).first
    editor.hover()
    for _ in range(80):
        if line.count():
            line.scroll_into_view_if_needed()
            return line
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(50)
    raise AssertionError(f"no line with {text!r} in the editor")


def replace_line(page, editor, old: str, new_lines: list[str]) -> None:
    """Select the editor line holding ``old`` (its text, not its indentation) and type."""
    find_line(page, editor, old).click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")  # CodeMirror: back to the end of the indentation
    for i, line in enumerate(new_lines):
        if i:
            page.keyboard.press("Enter")  # the editor keeps the indentation
        page.keyboard.type(line)


def save_and_wait(page, lab: Lab, path: str, expected: str) -> str:
    page.keyboard.press("Control+s")
    for _ in range(50):
        status, model = lab.contents(path)
        if status == 200 and expected in model["content"]:
            return model["content"]
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} was not saved with {expected!r}")


def run_check_cell(page, notebook):
    """Run lesson 00's check cell (the first cell calling data.one_hot's check); its output."""
    cell = notebook.locator(".jp-CodeCell", has_text=CHECK).first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    return cell.locator(".jp-OutputArea")


def test_a_student_writes_one_hot_in_the_browser_and_the_check_cell_says_pass(course, tmp_path):
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    lab = Lab(course, readme_lab_arguments(), tmp_path, env={"PYTHONPATH": str(course)})
    shots = tmp_path / "screenshots"
    try:
        url = lab.opened_url()  # the page `jupyter lab` itself would open: lesson 00
        assert url.split("?")[0].endswith("/lab/tree/lessons/00_welcome.ipynb")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                tmp_path / "chromium-profile", executable_path=executable, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})  # a new profile
            try:
                page = browser.pages[0] if browser.pages else browser.new_page()
                page.set_default_timeout(20_000)
                page.goto(url)
                notebook = page.locator(".jp-NotebookPanel").first
                notebook.locator(".jp-CodeCell", has_text=CHECK).first.wait_for()
                page.screenshot(path=shots / "1-lesson00.png")
                # opened and its kernel connected, the notebook is not marked unsaved (the
                # release stores the language_info a kernel reports; a partial one is dirty)
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
                page.wait_for_timeout(1500)
                tab = page.locator(".lm-TabBar-tab", has_text="00_welcome.ipynb").first
                assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), \
                    "lesson 00 is marked unsaved as soon as it opens"

                # run the lesson's import cell, as a student does first
                imports = notebook.locator(".jp-CodeCell", has_text="import nncourse").first
                imports.locator(".cm-content").click()
                page.keyboard.press("Control+Enter")
                imports.locator(".jp-InputArea-prompt", has_text="[1]").wait_for()

                # the file browser: up to the course folder, then nnlib/data.py
                page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()
                listing = page.locator(".jp-FileBrowser .jp-DirListing-content")
                listing.locator(".jp-DirListing-item", has_text="nnlib").first.dblclick()
                listing.locator(".jp-DirListing-item[title*='data.py']").first.dblclick()
                editor = page.locator(".jp-FileEditor .cm-content").first
                editor.locator(".cm-line").first.wait_for()
                find_line(page, editor, "def one_hot")
                page.screenshot(path=shots / "2-data-py.png")

                replace_line(page, editor, STUB, solution_lines())
                saved = save_and_wait(page, lab, "nnlib/data.py", solution_lines()[-1])
                assert STUB not in saved and "Y[np.arange(len(y)), y] = 1.0" in saved

                page.locator(".lm-TabBar-tab", has_text="00_welcome.ipynb").first.click()
                output = run_check_cell(page, notebook)
                output.get_by_text("PASS", exact=True).wait_for()
                assert "1/1" in output.inner_text()
                page.screenshot(path=shots / "3-pass.png")

                # a bug: every 1 one column too far left; the check names it
                page.locator(".lm-TabBar-tab", has_text="data.py").first.click()
                replace_line(page, editor, "Y[np.arange(len(y)), y] = 1.0",
                             ["Y[np.arange(len(y)), y - 1] = 1.0"])
                save_and_wait(page, lab, "nnlib/data.py", "y - 1] = 1.0")
                page.locator(".lm-TabBar-tab", has_text="00_welcome.ipynb").first.click()
                output = run_check_cell(page, notebook)
                output.get_by_text("FAIL", exact=True).wait_for()
                text = output.inner_text()
                assert "Likely bug:" in text and "one column too far left" in text
                page.screenshot(path=shots / "4-diagnosis.png")
            finally:
                browser.close()
    finally:
        lab.stop()
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "1-lesson00.png", "2-data-py.png", "3-pass.png", "4-diagnosis.png"]
    # the kernel checked the copy: the repository's own stub is untouched (and would be TODO)
    assert STUB in (ROOT / "nnlib" / "data.py").read_text()
    assert "y - 1] = 1.0" in (course / "nnlib" / "data.py").read_text()
