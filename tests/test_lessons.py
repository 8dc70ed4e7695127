"""Do the lessons run, leak nothing, grade nothing on stubs, and agree with the registry?

Covers every notebook in ``solutions/lessons/`` (glob), not a fixed list. Notebooks run in
subprocesses only: the reference ``nnlib`` (``PYTHONPATH=solutions``) for the solution
notebooks, the student stubs (``PYTHONPATH=<root>``) for the released ones.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from nncourse.release.builder import ReleaseError
from nncourse.release.markers import ANY_MARKER
from nncourse.release.notebooks import graded_check_cell, release_notebook, written_answer_cell

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "solutions" / "lessons"
RELEASE_DIR = ROOT / "lessons"
SOURCES = sorted(SOURCE_DIR.glob("*.ipynb"))
NAMES = [p.name for p in SOURCES]
CHECK_CALL = re.compile(r'^nncourse\.check\("(?P<id>[a-z_0-9]+\.[a-z_0-9]+)"\)\s*$', re.M)
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(?P<body>.*?)### END \1", re.S)

def read(path):
    return nbformat.read(path, as_version=4)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def graded_code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader(c).get("grade")]


def run_env(first_on_path):
    # One BLAS thread: on small matrices, threads only add contention on a busy machine
    # (a capstone cell once took 10-20x longer with the default thread count under load).
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(first_on_path),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONSTARTUP", None)
    return env


# -- (a) the solution notebooks run against the reference ---------------------------------


def test_solution_notebooks_run_top_to_bottom_against_the_reference():
    """One pytest --nbval-lax subprocess for all notebooks, 25 s per cell (nbgrader: 30 s)."""
    if not SOURCES:
        pytest.skip("no lesson notebooks in solutions/lessons yet")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "--nbval-cell-timeout=25", "-o", "addopts=", *map(str, SOURCES)],
        cwd=ROOT, env=run_env(ROOT / "solutions"), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


# -- (b) every graded cell fails on the released notebook against the student stubs --------

VALIDATE = textwrap.dedent("""
    import json, sys
    from nbgrader.validator import Validator
    from traitlets.config import Config
    config = Config({"Execute": {"timeout": 25}})   # per cell, below nbgrader's 30 s
    out = {}
    for path in sys.argv[1:]:
        out[path] = Validator(config=config).validate(path)
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def stub_validation():
    """nbgrader's Validator (not ``nbgrader validate``, which exits 0) on every release."""
    released = [str(RELEASE_DIR / name) for name in NAMES if (RELEASE_DIR / name).exists()]
    result = subprocess.run(
        [sys.executable, "-c", VALIDATE, *released], cwd=ROOT, env=run_env(ROOT),
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", NAMES)
def test_every_graded_cell_fails_on_the_student_stubs(name, stub_validation):
    path = str(RELEASE_DIR / name)
    assert path in stub_validation, f"lessons/{name} is missing; run 'nncourse release'"
    results = stub_validation[path]
    assert not results.get("changed") and not results.get("type_changed"), results
    failed = {r["source"]: r["raw_error"] for r in results.get("failed", [])}
    for cell in graded_code_cells(read(path)):
        grade_id = nbgrader(cell)["grade_id"]
        assert cell.source.strip() in failed, f"{name}: graded cell {grade_id} passes on stubs"
        error = re.sub(r"\x1b\[[0-9;]*m", "", failed[cell.source.strip()])
        # It must fail because the exercise is missing, not because nothing imports.
        for broken in ("ModuleNotFoundError", "ImportError", "NameError", "SyntaxError"):
            assert broken not in error, (
                f"{name}: {grade_id} failed for the wrong reason:\n{error[-600:]}")


# -- (c) the release leaks nothing and is up to date ------------------------------------


def hidden_lines(nb):
    """Non-blank lines inside solution and hidden-test regions that occur nowhere else."""
    regions, outside = set(), set()
    for cell in nb.cells:
        source = cell.source + "\n"
        for match in REGION.finditer(source):
            regions.update(ln.strip() for ln in match.group("body").splitlines() if ln.strip())
        outside.update(ln.strip() for ln in REGION.sub("", source).splitlines())
    return regions - outside


@pytest.mark.parametrize("name", NAMES)
def test_released_notebook_holds_no_solution_or_hidden_test_text(name):
    released_path = RELEASE_DIR / name
    assert released_path.exists(), f"lessons/{name} is missing; run 'nncourse release'"
    text = released_path.read_text(encoding="utf-8")
    assert not ANY_MARKER.search(text)
    released = read(released_path)
    shown = {ln.strip() for c in released.cells for ln in c.source.splitlines()}
    leaked = [ln for ln in hidden_lines(read(SOURCE_DIR / name)) if ln in shown]
    assert not leaked, f"lessons/{name} shows solution or hidden-test lines: {leaked[:5]}"
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", NAMES)
def test_released_graded_cells_keep_ids_points_and_are_locked(name):
    source = {nbgrader(c).get("grade_id"): nbgrader(c) for c in read(SOURCE_DIR / name).cells}
    for cell in graded_code_cells(read(RELEASE_DIR / name)):
        meta = nbgrader(cell)
        assert meta["points"] == source[meta["grade_id"]]["points"]
        assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False


def test_release_check_passes():
    result = subprocess.run(
        [sys.executable, "-m", "nncourse.cli", "release", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_lessons_folder_has_exactly_the_released_notebooks():
    assert sorted(p.name for p in RELEASE_DIR.glob("*.ipynb")) == NAMES


# -- source conventions --------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_source_follows_the_lesson_conventions(name):
    nb = read(SOURCE_DIR / name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and "learning goals" in nb.cells[0].source.lower()
    setup = code[0].source
    for line in ("%load_ext autoreload", "%autoreload 2", "import nncourse", "import numpy"):
        assert line in setup, f"{name}: the first code cell must hold {line!r}"
    assert "summary" in "\n".join(c.source for c in nb.cells[-2:]).lower()
    everything = "\n".join(c.source for c in code)
    assert not re.search(r"np\.random\.(seed|rand|randn|randint|normal|uniform|choice)\(",
                         everything), f"{name}: use a seeded np.random.default_rng(...)"
    assert "default_rng()" not in everything, f"{name}: seed every generator"


# -- (d) graded cells agree with the grader's registry -------------------------------------


def registry():
    try:
        from nncourse.grader.registry import GRADED  # nnlib exercises and by-hand questions
    except ImportError:
        pytest.skip("nncourse.grader.registry does not exist yet: registry checks skipped")
    return GRADED


def nnlib_cells(nb):
    """{exercise id: graded cell} for the graded cells that call nncourse.check."""
    found = {}
    for cell in graded_code_cells(nb):
        ids = set(CHECK_CALL.findall(cell.source))
        assert len(ids) == 1, f"graded cell {nbgrader(cell)['grade_id']} checks {ids or 'nothing'}"
        found[ids.pop()] = cell
    return found


@pytest.mark.parametrize("name", NAMES)
def test_graded_cells_match_the_registry(name):
    exercises = registry()
    lesson = int(name[:2])
    cells = nnlib_cells(read(SOURCE_DIR / name))
    for exercise, cell in cells.items():
        meta = nbgrader(cell)
        assert exercise in exercises, f"{name}: {exercise} is not in the registry"
        assert meta["grade_id"] == exercise.replace(".", "-")
        assert meta["points"] == exercises[exercise].points, exercise
        assert exercises[exercise].lesson == lesson, f"{exercise} belongs to another lesson"
    expected = {e.id for e in exercises.values() if e.lesson == lesson}
    missing = expected - set(cells)
    assert not missing, f"{name}: registry exercises with no graded cell here: {sorted(missing)}"


# -- the release step itself, on small synthetic notebooks ---------------------------------


def tiny_notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.7"}
    nb.cells = list(cells)
    return nb


def as_bytes(nb):
    return nbformat.writes(nb).encode()


def test_release_strips_solutions_and_hidden_tests_deterministically():
    nb = tiny_notebook(graded_check_cell("linear.forward", 2),
                       written_answer_cell("q-why", 1, "because the model says so"))
    out = release_notebook(as_bytes(nb), "tiny.ipynb")
    assert out == release_notebook(as_bytes(nb), "tiny.ipynb") and out.endswith(b"}\n")
    released = nbformat.reads(out.decode(), as_version=4)
    graded, answer = released.cells
    assert 'nncourse.check("linear.forward")' in graded.source
    assert "hidden=True" not in graded.source
    assert answer.source == "YOUR ANSWER HERE"
    assert graded.metadata["editable"] is False and "checksum" in graded.metadata["nbgrader"]


@pytest.mark.parametrize("break_it, message", [
    (lambda nb: nb.cells[0].outputs.append(nbformat.v4.new_output("stream", text="1")),
     "no stored outputs"),
    (lambda nb: nb.cells[0].metadata["nbgrader"].pop("points"), "needs points"),
    (lambda nb: nb.cells[0].metadata["nbgrader"].update(schema_version=2), "schema_version"),
    (lambda nb: nb.cells[0].metadata["nbgrader"].update(locked=False), "must be locked"),
    (lambda nb: nb.metadata["kernelspec"].update(name="python2"), "kernelspec"),
    (lambda nb: nb.metadata["language_info"].pop("version"), "language_info lacks version"),
    (lambda nb: nb.cells.append(nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")), "ClearSolutions"),
    (lambda nb: nb.cells.append(graded_check_cell("linear.forward", 2, cell_id="again")),
     "used twice"),
])
def test_release_refuses_a_malformed_source(break_it, message):
    nb = tiny_notebook(graded_check_cell("linear.forward", 2))
    break_it(nb)
    with pytest.raises(ReleaseError, match=message):
        release_notebook(as_bytes(nb), "tiny.ipynb")


# -- nncourse reference --------------------------------------------------------------------


def test_reference_runs_notebooks_on_the_reference_nnlib_and_writes_html(tmp_path):
    """End to end on a tiny course: the kernel imports solutions/nnlib, HTML is written."""
    lessons = tmp_path / "solutions" / "lessons"
    (tmp_path / "solutions" / "nnlib").mkdir(parents=True)
    (tmp_path / "solutions" / "nnlib" / "__init__.py").write_text("WHERE = 'reference'\n")
    lessons.mkdir()
    good = tiny_notebook(nbformat.v4.new_code_cell("import nnlib\nprint('nnlib is', nnlib.WHERE)"))
    bad = tiny_notebook(nbformat.v4.new_code_cell("1 / 0"), nbformat.v4.new_code_cell("2 + 2"))
    nbformat.write(good, lessons / "00_good.ipynb")
    nbformat.write(bad, lessons / "01_bad.ipynb")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "nncourse.cli", "reference", "--root", str(tmp_path),
         "--out", str(out)], capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "01_bad" in result.stdout and "ZeroDivisionError" in result.stdout
    executed = read(out / "00_good.ipynb")
    assert "nnlib is reference" in executed.cells[0].outputs[0]["text"]
    assert read(out / "01_bad.ipynb").cells[1].outputs, "cells after an error still run"
    assert "nnlib is reference" in (out / "00_good.html").read_text()
    assert "slowest cells" in result.stdout
