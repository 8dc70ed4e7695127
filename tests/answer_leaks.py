"""Find solution expressions that the student release shows before the student writes them.

An exercise leaks its answer when a stub docstring or a lesson cell already contains an
expression of its solution region. Spelling differences must not hide a leak, so text is
compared by *token shape*:

- ``self.``, ``.value``, ``.grad`` and leading underscores are dropped (``self._x`` is ``x``);
- every number is one token (``1.0`` and ``1`` agree);
- variables are renamed in order of first appearance (``dout * (1 - out * out)`` and
  ``g * (1 - y * y)`` have the same shape), while attribute, function and keyword-argument
  names must agree (``.T``, ``.sum``, ``np.exp``, ``axis=``).

The expressions of a region are the expression of every statement (right-hand side, value
returned or yielded, condition, loop iterable, call) and each arithmetic or comparison
sub-expression of it, found with ``ast``. Only expressions of ``MIN_TOKENS`` tokens or more
that hold an operator count: ``x > 0`` alone says too little to be an answer.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from nncourse.release.markers import find_regions

MIN_TOKENS = 5
TOKEN = re.compile(
    r"\d+\.?\d*(?:[eE][-+]?\d+)?|[A-Za-z_]\w*|\*\*|//|@|<=|>=|==|!=|[-+*/%()\[\],<>=:]|\."
)
OPERATORS = {"+", "-", "*", "/", "//", "%", "@", "**", "<", ">", "<=", ">=", "==", "!="}
FIXED_NAMES = {"np", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else",
               "for", "lambda"}


@dataclass(frozen=True)
class Expression:
    """One expression of a solution region, as written and as token shape."""

    exercise: str
    source: str
    shape: tuple[str, ...]


@dataclass(frozen=True)
class Leak:
    """A solution expression found in a piece of student-visible text."""

    exercise: str
    expression: str
    where: str


def normalise(text: str) -> str:
    """Drop what does not change the meaning of an expression (``self.``, ``.value``, ...)."""
    text = text.replace("`", " ")
    text = re.sub(r"\bself\s*\.\s*", "", text)
    text = re.sub(r"\.\s*(value|grad)\b", "", text)
    return re.sub(r"(?<![\w.])_+(?=[A-Za-z])", "", text)


def lex(text: str) -> tuple[list[str], list[str]]:
    """The tokens of ``text`` and each one's class.

    A class is ``"N"`` (a number), ``"v"`` (a variable) or the token itself. A name is
    fixed when it is an attribute (``.T``), is called (``exp(``, no space before the
    parenthesis: prose such as "dout (N, M)" is no call), is a keyword argument
    (``axis=``) or is in ``FIXED_NAMES``; an object whose attribute is read (``x`` in
    ``x.T``) is a variable like any other.
    """
    text = normalise(text)
    matches = list(TOKEN.finditer(text))
    toks = [m.group() for m in matches]
    classes = []
    for i, (m, tok) in enumerate(zip(matches, toks, strict=True)):
        if tok[0].isdigit():
            classes.append("N")
        elif tok[0].isalpha() or tok[0] == "_":
            after = toks[i + 1] if i + 1 < len(toks) else ""
            called = text[m.end() : m.end() + 1] == "("
            attribute = i > 0 and toks[i - 1] == "."
            keyword = after == "=" and (i + 2 >= len(toks) or toks[i + 2] != "=")
            fixed = attribute or called or keyword or tok in FIXED_NAMES
            classes.append(tok if fixed else "v")
        else:
            classes.append(tok)
    return toks, classes


def shape_of(toks: list[str], classes: list[str]) -> tuple[str, ...]:
    """Variables renamed ``v0, v1, ...`` in order of appearance; everything else kept."""
    names: dict[str, str] = {}
    return tuple(names.setdefault(t, f"v{len(names)}") if c == "v" else c
                 for t, c in zip(toks, classes, strict=True))


def expression_shape(source: str) -> tuple[str, ...]:
    return shape_of(*lex(source))


def _candidates(statement: ast.stmt) -> list[ast.expr]:
    """The statement's own expressions, then their arithmetic and comparison parts."""
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)):
        roots = [statement.value]
    elif isinstance(statement, (ast.If, ast.While)):
        roots = [statement.test]
    elif isinstance(statement, ast.For):
        roots = [statement.iter]
    else:
        roots = []
    roots = [r.value if isinstance(r, (ast.Yield, ast.Await)) else r for r in roots]
    found = []
    for root in (r for r in roots if r is not None):
        found.append(root)
        found += [n for n in ast.walk(root)
                  if n is not root and isinstance(n, (ast.BinOp, ast.Compare))]
    return found


def region_expressions(exercise: str, body: str) -> list[Expression]:
    """The expressions of one solution region's code, comments ignored."""
    code = "def region():\n" + textwrap.indent(textwrap.dedent(body), "    ") + "    pass\n"
    tree = ast.parse(code)
    out, seen = [], set()
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.stmt):
            continue
        for node in _candidates(statement):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                continue
            source = ast.get_source_segment(code, node)
            shape = expression_shape(source)
            if len(shape) >= MIN_TOKENS and OPERATORS & set(shape) and shape not in seen:
                seen.add(shape)
                out.append(Expression(exercise, source, shape))
    return out


def reference_expressions(reference: Path) -> list[Expression]:
    """Every expression of every solution region of ``reference/*.py``."""
    out = []
    for path in sorted(reference.glob("*.py")):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        for region in find_regions(text, str(path)):
            body = "".join(lines[region.begin : region.end - 1])
            out += region_expressions(region.exercise, body)
    return out


def student_texts(root: Path) -> dict[str, str]:
    """What a student reads: each stub file of ``nnlib/`` and each cell of ``lessons/``."""
    texts = {f"nnlib/{p.name}": p.read_text() for p in sorted((root / "nnlib").glob("*.py"))}
    for path in sorted((root / "lessons").glob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            source = cell["source"]
            texts[f"lessons/{path.name} cell {index} ({cell.get('id')})"] = (
                "".join(source) if isinstance(source, list) else source)
    return texts


def shows(expression: Expression, toks: list[str], classes: list[str],
          positions: dict[str, list[int]]) -> bool:
    """Does the token list hold a run of the expression's shape?"""
    want, n = expression.shape, len(expression.shape)
    # Every expression holds an operator, so it has a fixed token to look the run up by.
    anchor = next(k for k, t in enumerate(want) if t != "N" and not re.fullmatch(r"v\d+", t))
    for j in positions.get(want[anchor], []):
        i = j - anchor
        if 0 <= i <= len(toks) - n and shape_of(toks[i : i + n], classes[i : i + n]) == want:
            return True
    return False


def find_leaks(expressions: list[Expression], texts: dict[str, str]) -> list[Leak]:
    """Every (expression, text) pair where the text shows the expression."""
    leaks = []
    for where, text in texts.items():
        toks, classes = lex(text)
        positions: dict[str, list[int]] = {}
        for i, c in enumerate(classes):
            positions.setdefault(c, []).append(i)
        leaks += [Leak(e.exercise, e.source, where)
                  for e in expressions if shows(e, toks, classes, positions)]
    return leaks
