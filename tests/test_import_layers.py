"""The package's layers (docs/design.md, *Layers*) hold: every module has a layer, no import cycle, no arrow up.

Imports are read from the source (``ast``), module level, inside functions and under ``TYPE_CHECKING`` alike,
so an import moved into a function to dodge a cycle still counts. The checker itself is shown to fail on a
planted cycle and a planted upward arrow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DESIGN = REPO / "docs" / "design.md"


def read_layers(design: Path = DESIGN) -> dict[str, int]:
    """``{package: layer}`` from the table between the ``layers:start`` / ``layers:end`` markers."""
    text = design.read_text()
    block = text[text.index("<!-- layers:start -->") : text.index("<!-- layers:end -->")]
    layers = {}
    for row in block.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", row)
        if m:
            for name in re.findall(r"`([\w.]+)`", m.group(2)):
                layers[name] = int(m.group(1))
    return layers


def module_names(package_dir: Path) -> dict[str, Path]:
    """``{dotted module name: file}`` for every ``.py`` file of the package at ``package_dir``."""
    root = package_dir.parent
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _imported(module: str, path: Path, node: ast.AST, known: dict[str, Path]) -> list[str]:
    """The known modules an import statement loads (``from a import b``: ``a.b`` if that is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        wanted = [a.name for a in node.names]
    else:
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    found = []
    for name in wanted:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.append(name)
    return found


def import_graph(package_dir: Path) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """``({module: modules it imports}, [(module, imported) for imports inside a function])``."""
    known = module_names(package_dir)
    graph: dict[str, set[str]] = {m: set() for m in known}
    in_functions = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        in_functions += [(module, t) for t in _imported(module, path, node, known)]
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module].update(_imported(module, path, node, known))
    return graph, in_functions


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str, layers: dict[str, int]) -> tuple[str, int] | None:
    """The longest listed package that holds ``module``, with its layer."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        if name in layers:
            return name, layers[name]
    return None


def unplaced(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """Modules the table gives no layer: the root package is ``sqa``; anything else needs a subpackage row."""
    return sorted(m for m in graph if layer_of(m, layers) is None or (layer_of(m, layers)[0] == "sqa" and m != "sqa"))


def upward_arrows(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """``a -> b`` for every import of a module of another package of the same or a higher layer."""
    bad = []
    for module, imported in sorted(graph.items()):
        here = layer_of(module, layers)
        for target in sorted(imported):
            there = layer_of(target, layers)
            if here and there and here[0] != there[0] and there[1] >= here[1]:
                bad.append(f"{module} (layer {here[1]}) -> {target} (layer {there[1]})")
    return bad


@pytest.fixture(scope="module")
def graph():
    return import_graph(REPO / "sqa")[0]


def test_every_package_and_module_has_a_layer(graph):
    layers = read_layers()
    assert len(layers) >= 10, "docs/design.md's layer table was not found or lost rows"
    assert unplaced(graph, layers) == []


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_no_arrow_points_up_or_sideways(graph):
    assert upward_arrows(graph, read_layers()) == []


def test_the_checker_fails_on_a_planted_cycle_and_an_upward_arrow(tmp_path):
    pkg = tmp_path / "sqa"
    for sub in ("schema", "metrics"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "schema" / "types.py").write_text("from sqa.schema import parse\n")
    (pkg / "schema" / "parse.py").write_text(
        "def f():\n    from sqa.schema.types import X\n    from sqa.metrics import pcc\n"
    )
    (pkg / "metrics" / "pcc.py").write_text("import math\n")
    (pkg / "metrics" / "iou.py").write_text("from ..schema.types import X\n")
    (tmp_path / "design.md").write_text(
        "<!-- layers:start -->\n| 0 | `sqa.schema` |\n| 1 | `sqa.metrics` |\n| 2 | `sqa` |\n<!-- layers:end -->\n"
    )
    planted, in_functions = import_graph(pkg)
    layers = read_layers(tmp_path / "design.md")
    assert cycles(planted) == [["sqa.schema.parse", "sqa.schema.types"]]
    assert upward_arrows(planted, layers) == ["sqa.schema.parse (layer 0) -> sqa.metrics.pcc (layer 1)"]
    assert ("sqa.schema.parse", "sqa.metrics.pcc") in in_functions
    assert planted["sqa.metrics.iou"] == {"sqa.schema.types"}
    assert unplaced(planted, layers) == []
    assert unplaced(planted, {"sqa": 2}) == sorted(m for m in planted if m != "sqa")
