"""coursekit's imports go one way (registry -> checks -> runner -> diagnosis -> verdicts -> front ends): the
graph of every import, those inside functions too, has no circle. A circle makes the order modules load in
matter, and pushes imports into functions to dodge it."""
from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path, known: set[str]) -> set[str]:
    """The coursekit modules `path` imports anywhere in its body. `from pkg import name` counts as an import
    of pkg.name when that is a module, else of pkg (the name is defined in pkg/__init__.py)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known and name != here}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """{module: the coursekit modules it imports} for every module of root/coursekit."""
    paths = sorted((root / "coursekit").rglob("*.py"))
    known = {module_name(p, root) for p in paths}
    return {module_name(p, root): imported_modules(p, root, known) for p in paths}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), as a path a -> b -> ... -> a."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while module not in group:
                group.add(stack.pop())
            on_stack.difference_update(group)
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_path_through(group, graph) for group in groups]


def _path_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A circle inside `group`, starting and ending at its first module (breadth first: the shortest)."""
    start = min(group)
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for other in sorted(graph[path[-1]] & group):
            if other == start:
                return path + [start]
            if other not in seen:
                seen.add(other)
                paths.append(path + [other])
    raise AssertionError(f"no circle through {sorted(group)}")


def test_coursekit_has_no_circle_of_imports():
    found = circles(import_graph())
    assert found == [], "circles of imports in coursekit:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_circle_finder_names_a_circle_and_follows_function_level_imports(tmp_path):
    package = tmp_path / "coursekit"
    (package / "checks").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "checks/__init__.py").write_text("")
    (package / "checks/base.py").write_text("def f():\n    from . import hidden\n")
    (package / "checks/hidden.py").write_text("from .base import f\nfrom coursekit import plain\n")
    (package / "plain.py").write_text("import numpy\n")
    assert circles(import_graph(tmp_path)) == [["coursekit.checks.base", "coursekit.checks.hidden", "coursekit.checks.base"]]
