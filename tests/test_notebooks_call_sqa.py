"""Notebooks only call ``sqa`` and plot: a code cell holds imports, assignments and calls, no logic of its own.

The rule (:func:`logic_in_cell`): no definitions (``def``, ``class``, ``lambda``), no control flow (``for``,
``while``, ``if``, ``with``, ``try``, ``match``), no comprehensions or conditional expressions, every top-level
statement an import, a plain assignment or an expression (a call, a value to display), and at most
:data:`MAX_STATEMENTS` statements besides the imports. Whatever a cell would decide or loop over belongs in
a function of ``sqa`` with a docstring (:mod:`sqa.analysis.figures`, :mod:`sqa.analysis.digest`,
:mod:`sqa.analysis.ablations`, ...).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_STATEMENTS = 10
"""Statements a code cell may hold besides its imports (notebook 05's loading cell needs 9)."""

LOGIC_NODES: dict[type, str] = {
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "async def",
    ast.ClassDef: "class",
    ast.Lambda: "lambda",
    ast.For: "for",
    ast.AsyncFor: "async for",
    ast.While: "while",
    ast.If: "if",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.Try: "try",
    ast.Match: "match",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.IfExp: "conditional expression",
}
ALLOWED_STATEMENTS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.Expr)


def logic_in_cell(source: str) -> list[str]:
    """What in a code cell's ``source`` is logic (empty: it only imports, assigns, calls and displays).

    >>> logic_in_cell("x = f(1)\\nplots.g(x, title=f'{x}')\\ndisplay(t[t['a'] == 1])")
    []
    >>> logic_in_cell("for s in systems:\\n    show(s)")
    ['line 1: for']
    >>> logic_in_cell("y = [a for a in b if a] if b else None")
    ['line 1: conditional expression', 'line 1: list comprehension']
    """
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    tree = ast.parse(code)
    found = [f"line {node.lineno}: {LOGIC_NODES[type(node)]}" for node in ast.walk(tree) if type(node) in LOGIC_NODES]
    found += [
        f"line {s.lineno}: {type(s).__name__} statement"
        for s in tree.body
        if not isinstance(s, ALLOWED_STATEMENTS) and type(s) not in LOGIC_NODES
    ]
    statements = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    if len(statements) > MAX_STATEMENTS:
        found.append(f"{len(statements)} statements besides imports (at most {MAX_STATEMENTS})")
    return sorted(found, key=lambda f: (int(f.split()[1].rstrip(":")) if f.startswith("line") else 10**9, f))


def code_cells(path: Path) -> list[tuple[int, str]]:
    """(index, source) of every code cell of the notebook at ``path``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) == 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_hold_no_logic(path):
    problems = [
        f"{path.name} cell {i}: {', '.join(found)}" for i, src in code_cells(path) if (found := logic_in_cell(src))
    ]
    assert not problems, "move this into a function of sqa:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "def save(fig, name):\n    fig.savefig(name)",
            "line 1: def",
        ),  # notebook 05 before: a helper defined in a cell
        ("if not claims_csv.exists():\n    write()", "line 1: if"),  # notebook 05 before: the mtime decision
        ("while True:\n    step()", "line 1: while"),
        ("with open(p) as f:\n    f.read()", "line 1: with"),
        ("try:\n    run()\nexcept OSError:\n    pass", "line 1: try"),
        ("class A:\n    pass", "line 1: class"),
        ("key = lambda r: r[0]", "line 1: lambda"),
        ("t3 = {k: s[k] for k in s if k.endswith('_f1')}", "line 1: dict comprehension"),
        ("n = sum(x for x in xs)", "line 1: generator expression"),
        ("x += 1", "line 1: AugAssign statement"),
        ("del frame", "line 1: Delete statement"),
        ("\n".join(f"x{i} = f({i})" for i in range(MAX_STATEMENTS + 1)), "statements besides imports"),
    ],
)
def test_rule_flags_logic(source, expected):
    assert any(expected in f for f in logic_in_cell(source)), logic_in_cell(source)


def test_rule_allows_calls_assignments_and_display():
    source = (
        "import pandas as pd\nfrom sqa import plots\n%matplotlib inline\n"
        "t1, t3 = pd.read_csv('a'), pd.read_csv('b')\nsummary['provenance'] = provenance(p)\n"
        "fig = plots.reward_curves(curve, title=f\"GRPO {'+'.join(names)}\")\nt1.round(3)"
    )
    assert logic_in_cell(source) == []
