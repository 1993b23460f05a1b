"""No import circle inside `caseapp/` (issue 10): the graph of every `import` statement between
caseapp modules, read from the source with `ast`, has no cycle.

Imports inside functions count (they only defer a circle to run time); imports under
`if TYPE_CHECKING:` do not (they never run). `from package import name` is an import of the
submodule `package.name` when there is one, else of `package`, as import-linter counts it.
Run as a script (`python tests/test_import_cycles.py`) to print the circles.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "caseapp"
# Circles found when this test was written, each closed only by an import inside a function,
# left to the parts of issue 10 that regroup those modules (3: bundles; 4: window operations).
# Delete an entry once its circle is gone (the test says so); never add one.
KNOWN_CIRCLES: list[list[str]] = []


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__.py`)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            children = list(node.orelse)
        stack.extend(children)


def _known(name: str, known: dict[str, Path]) -> str | None:
    """`name`, or its nearest enclosing module, when it is one of ours."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The caseapp modules that module `name` imports."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        for target in targets:
            found = _known(target, known)
            if found is not None and found != name:
                out.add(found)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path around the circle through the component's first module, to name it."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def describe(graph: dict[str, set[str]], found: list[list[str]]) -> str:
    return "\n".join(f"{len(c)} modules: " + " -> ".join(one_cycle(graph, c)) for c in found)


def test_the_graph_sees_the_imports() -> None:
    graph = import_graph()
    assert "caseapp.cli.context" in graph["caseapp.cli.admin"]
    assert "caseapp.cli.records" in graph["caseapp.cli.main"]


def test_a_circle_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from caseapp import b\n")
    (pkg / "b.py").write_text("def f():\n    from .sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("import caseapp.a\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    import caseapp.a\n")
    graph = import_graph(tmp_path)
    assert circles(graph) == [["caseapp.a", "caseapp.b", "caseapp.sub.c"]]


def test_no_import_circle_inside_cli() -> None:
    graph = import_graph()
    cli = {k: {v for v in vs if v.startswith("caseapp.cli")}
           for k, vs in graph.items() if k.startswith("caseapp.cli")}
    found = circles(cli)
    assert not found, "import circles in caseapp.cli:\n" + describe(cli, found)


def test_no_import_circle_in_caseapp() -> None:
    graph = import_graph()
    found = circles(graph)
    new = [c for c in found if c not in KNOWN_CIRCLES]
    assert not new, "import circles in caseapp:\n" + describe(graph, new)
    gone = [c for c in KNOWN_CIRCLES if c not in found]
    assert not gone, f"no longer circles: delete them from KNOWN_CIRCLES: {gone}"


if __name__ == "__main__":
    g = import_graph()
    print(describe(g, circles(g)) or "no import circle")
    sys.exit(1 if circles(g) else 0)
