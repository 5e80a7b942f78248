"""The data flows one way: no import cycles between generator modules, and no import hidden in a
function body to dodge one."""

from __future__ import annotations

import ast
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "generator"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for f in sorted(GENERATOR.rglob("*.py")):
        rel = f.relative_to(GENERATOR.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        out[name] = ast.parse(f.read_text(encoding="utf-8"))
    return out


def _target(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("generator")]
    if node.level == 0:
        base = node.module or ""
        return [base] if base.startswith("generator") else []
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[:len(parts) - node.level + 1]
    base = ".".join(parts + ([node.module] if node.module else []))
    return [base]


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    packages = {m for m in mods if (GENERATOR.parent / m.replace(".", "/") / "__init__.py").exists()}
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, tree in mods.items():
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in _target(name, node, name in packages):
                    if isinstance(node, ast.ImportFrom) and f"{t}.{node.names[0].name}" in mods:
                        t = [f"{t}.{a.name}" for a in node.names if f"{t}.{a.name}" in mods]
                        graph[name].update(t)
                    elif t in mods and t != name:
                        graph[name].add(t)
    return graph


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " → ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_imports_inside_functions():
    hidden = []
    for name, tree in _modules().items():
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                hidden += [f"{name}.{fn.name}" for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert hidden == []


def test_the_pipeline_flows_down():
    graph = _graph()
    # site writes files and runs MkDocs; dates is the bottom of the date arithmetic
    assert not {m for m in graph["generator.site"] if m != "generator.shipped"}
    assert graph["generator.dates"] == set()
    assert "generator.pipeline" not in set().union(*(graph[m] for m in graph if m not in (
        "generator.commands", "generator.cli", "generator.__main__")))
