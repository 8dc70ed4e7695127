"""The house's rules, read from the import graph of ``nncourse/`` (no module is imported).

- Nothing outside the worker side (``nncourse/grader/inside/``) imports ``nnlib``.
- The worker side imports from the rest of ``nncourse`` only the message protocol and
  the isolation layer (``nncourse/isolation/``, which imports nothing else of ours).
- The trusted side never imports the worker side: it starts it as a process.
- No import circles; no two modules with one file name (but ``__init__`` and ``errors``,
  which hold the same kind of thing in each package).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nncourse"
INSIDE = "nncourse.grader.inside"
ISOLATION = "nncourse.isolation"
PROTOCOL = "nncourse.grader.protocol"


def module_name(path: Path, root: Path = ROOT) -> str:
    """``nncourse/grader/engine.py`` -> ``nncourse.grader.engine``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports, anywhere in it (function bodies too), as full names."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the ``nncourse``/``nnlib`` modules it imports (names that are modules)."""
    paths = {module_name(p, root): p for p in sorted((root / "nncourse").rglob("*.py"))}
    edges = {}
    for name, path in paths.items():
        wanted = imports_of(path, name)
        edges[name] = {m for m in wanted if m in paths or m.split(".")[0] == "nnlib"}
    return edges


def is_in(module: str, package: str) -> bool:
    """Whether ``module`` is ``package`` or inside it."""
    return module == package or module.startswith(package + ".")


def violations(edges: dict[str, set[str]]) -> list[str]:
    """Every broken rule of the module docstring, as ``importer -> imported: rule``."""
    found = []
    for importer, imported in sorted(edges.items()):
        for target in sorted(imported):
            if target.split(".")[0] == "nnlib" and not is_in(importer, INSIDE):
                found.append(f"{importer} -> {target}: only the worker side imports nnlib")
            if is_in(importer, INSIDE) and not (is_in(target, INSIDE) or target == PROTOCOL
                                                or is_in(target, ISOLATION)
                                                or target.split(".")[0] == "nnlib"
                                                or target == "nncourse"):
                found.append(f"{importer} -> {target}: the worker side imports only the "
                             "protocol and the isolation layer")
            if is_in(target, INSIDE) and not is_in(importer, INSIDE):
                found.append(f"{importer} -> {target}: the trusted side starts the worker "
                             "side as a process, never imports it")
            if is_in(importer, ISOLATION) and target.startswith("nncourse.") \
                    and not is_in(target, ISOLATION):
                found.append(f"{importer} -> {target}: the isolation layer stands alone")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles among modules (a package importing its own parent aside)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges or is_in(node, nxt):
                continue
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_the_trust_boundary_holds():
    assert violations(graph()) == []


def test_no_import_circles():
    assert cycles(graph()) == []


# One job under one name in every package: its own exception types.
SAME_JOB = {"__init__.py", "errors.py"}


def test_no_two_modules_share_a_file_name():
    names = Counter(p.name for p in PACKAGE.rglob("*.py") if p.name not in SAME_JOB)
    assert [name for name, count in names.items() if count > 1] == []


@pytest.mark.parametrize("module, line, rule", [
    ("nncourse/grader/engine.py", "import nnlib", "only the worker side imports nnlib"),
    ("nncourse/classroom/report.py", "from nnlib import layers",
     "only the worker side imports nnlib"),
    ("nncourse/grader/api.py", "from nncourse.grader.inside import probes",
     "never imports it"),
    ("nncourse/grader/inside/probes.py", "from nncourse.grader import engine",
     "imports only the protocol"),
    ("nncourse/isolation/scratch.py", "from nncourse.grader import protocol",
     "stands alone"),
])
def test_a_broken_rule_is_found(tmp_path, module, line, rule):
    """Each rule can fail: a copy of the package with one bad import breaks it."""
    import shutil

    shutil.copytree(PACKAGE, tmp_path / "nncourse",
                    ignore=shutil.ignore_patterns("__pycache__", "public", "hidden"))
    path = tmp_path / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}\n")
    assert any(rule in v for v in violations(graph(tmp_path)))


def test_a_circle_is_found(tmp_path):
    (tmp_path / "nncourse" / "a").mkdir(parents=True)
    (tmp_path / "nncourse" / "__init__.py").write_text("")
    (tmp_path / "nncourse" / "a" / "__init__.py").write_text("")
    (tmp_path / "nncourse" / "a" / "one.py").write_text("from nncourse.a import two\n")
    (tmp_path / "nncourse" / "a" / "two.py").write_text("from nncourse.a.one import x\n")
    assert cycles(graph(tmp_path)) == [["nncourse.a.one", "nncourse.a.two", "nncourse.a.one"]]
