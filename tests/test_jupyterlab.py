"""Does the README's first command open the course: JupyterLab rooted at the course folder,
lesson 00 open, ``lessons/`` and ``nnlib/`` both reachable?

The server runs in the repository with the README's exact ``jupyter lab`` arguments (parsed
from the README); only headless settings (port, token, no browser) are added.
"""

import json
import re

from jupyterlab_server import OLD_ARGUMENTS, ROOT, Lab, readme_lab_arguments


def test_the_readme_opens_a_lesson_that_exists_at_the_course_root_and_works_as_root():
    args = readme_lab_arguments()
    notebooks = [a for a in args if a.endswith(".ipynb")]
    assert notebooks and all((ROOT / nb).is_file() for nb in notebooks)
    assert "--allow-root" in args  # machines and containers where the user is root
    assert "--ServerApp.root_dir=." in args  # the file browser shows lessons/ and nnlib/


def test_jupyterlab_serves_the_welcome_lesson_and_the_library(tmp_path):
    lab = Lab(ROOT, readme_lab_arguments(), tmp_path)
    try:
        status, page = lab.get("/lab")
        assert status == 200 and b"JupyterLab" in page
        status, notebook = lab.contents("lessons/00_welcome.ipynb")
        assert status == 200 and notebook["type"] == "notebook"
        assert any("nncourse" in cell["source"] for cell in notebook["content"]["cells"])
        status, module = lab.contents("nnlib/data.py")
        assert status == 200 and "def one_hot" in module["content"]
        status, top = lab.contents("")
        assert {"lessons", "nnlib"} <= {item["name"] for item in top["content"]}
        assert lab.opened_url().split("?")[0].endswith("/lab/tree/lessons/00_welcome.ipynb")
    finally:
        lab.stop()


def test_the_old_command_rooted_jupyterlab_at_lessons_where_nnlib_is_out_of_reach(tmp_path):
    """The arguments before the fix: this test shows the check above would have failed."""
    lab = Lab(ROOT, OLD_ARGUMENTS, tmp_path)
    try:
        assert lab.contents("nnlib/data.py")[0] == 404
        assert lab.contents("00_welcome.ipynb")[0] == 200  # the root was lessons/
        assert lab.opened_url().split("?")[0].endswith("/lab/tree/00_welcome.ipynb")
    finally:
        lab.stop()


def page_config(lab: Lab) -> dict:
    """The page config JupyterLab embeds in its /lab page (what the browser app reads)."""
    status, page = lab.get("/lab")
    assert status == 200
    found = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


NEED_A_CLASS = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                "@jupyter/nbgrader:formgrader"}


def test_the_instructor_lab_turns_off_the_nbgrader_panels_that_need_a_class(tmp_path):
    lab = Lab(ROOT, readme_lab_arguments(), tmp_path)
    try:
        disabled = set(page_config(lab)["disabledExtensions"])
    finally:
        lab.stop()
    assert NEED_A_CLASS <= disabled
    assert "@jupyter/nbgrader:create-assignment" not in disabled  # kept: lessons are written


def test_without_the_settings_folder_the_course_list_is_on(tmp_path):
    """The arguments without ``--LabApp.app_settings_dir``: the check above would fail."""
    arguments = [a for a in readme_lab_arguments() if "app_settings_dir" not in a]
    lab = Lab(ROOT, arguments, tmp_path)
    try:
        disabled = set(page_config(lab)["disabledExtensions"])
    finally:
        lab.stop()
    assert not NEED_A_CLASS & disabled
