"""Dependency direction: pipelines/ wires, the packages below define; nothing below imports it.

Imports are read from the source (ast) of every module, including imports inside functions and
under `if TYPE_CHECKING:`, so a type-only import counts as much as a runtime one.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BELOW_PIPELINES = ("assets", "schemas", "quality", "reference", "generator")
PROJECT_PACKAGES = (*BELOW_PIPELINES, "pipelines")


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(packages: tuple[str, ...], root: Path = REPO) -> dict[str, Path]:
    found = {
        module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))
    }
    assert found, f"no modules found under {packages} in {root}"
    return found


def imports(path: Path, root: Path = REPO) -> set[tuple[str, str | None]]:
    """(module, name) for every `from module import name`, (module, None) for `import module`
    and for `importlib.import_module("module")`; relative imports resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[tuple[str, str | None]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            stem = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            out.update((stem, alias.name) for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.add((node.args[0].value, None))
    return out


def imported_modules(path: Path, known: dict[str, Path], root: Path = REPO) -> set[str]:
    """The modules a file imports: `from pkg import sub` names pkg.sub when that is a module."""
    out = set()
    for stem, name in imports(path, root):
        out.add(f"{stem}.{name}" if name and f"{stem}.{name}" in known else stem)
    return out


def test_the_ast_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: each way of importing pipelines/ is found."""
    pkg = tmp_path / "assets" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "assets" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sibling.py").write_text("", encoding="utf-8")
    module = pkg / "probe.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import pipelines.jobs\n"
        "from pipelines import runner\n"
        "if TYPE_CHECKING:\n"
        "    from pipelines.definitions import defs\n"
        "def late():\n"
        "    import importlib\n"
        "    return importlib.import_module('pipelines.sensors')\n"
        "from . import sibling\n"
        "from ..sub.sibling import thing\n",
        encoding="utf-8",
    )
    known = modules(("assets",), tmp_path)
    found = imported_modules(module, known, tmp_path)
    assert {"pipelines.jobs", "pipelines", "pipelines.definitions", "pipelines.sensors"} <= found
    assert "assets.sub.sibling" in found
    assert ("pipelines", "runner") in imports(module, tmp_path)


def _pipelines_imports(path: Path, root: Path = REPO) -> list[str]:
    return sorted(
        f"{stem}.{name}" if name else stem
        for stem, name in imports(path, root)
        if stem == "pipelines" or stem.startswith("pipelines.")
    )


def test_nothing_below_pipelines_imports_pipelines() -> None:
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in modules(BELOW_PIPELINES).values()
        for name in _pipelines_imports(path)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_check_catches_an_asset_module_that_imports_pipelines(tmp_path: Path) -> None:
    module = tmp_path / "assets" / "bad.py"
    module.parent.mkdir()
    module.write_text("from pipelines.jobs import rebuild_after_new_data\n", encoding="utf-8")
    assert _pipelines_imports(module, tmp_path) == ["pipelines.jobs.rebuild_after_new_data"]


def _import_graph() -> dict[str, set[str]]:
    known = modules(PROJECT_PACKAGES)
    return {
        name: {n for n in imported_modules(path, known) if n in known and n != name}
        for name, path in known.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_project_modules() -> None:
    """Type-only imports included: report_model ↔ texts was such a cycle."""
    graph = _import_graph()
    assert "assets.consumers.published_index" in graph["assets.consumers.texts"]
    assert _cycles(graph) == []
