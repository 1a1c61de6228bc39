"""The package's layers hold: no import cycles, and every module imports only downward.

Every import counts, function-level ones too (they hide a loop, they do not remove it).
The layers, bottom up: core types and helpers, the stages (ingest, stores, question,
reader, answer), the assistant, the live service, evaluation, the front ends.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qa"

BOTTOM = {"qa", "qa.core", "qa.errors", "qa.files", "qa.segmenter", "qa.settings", "qa.textnorm"}
"""Modules of the bottom layer: they import nothing of the package but each other
(`qa.core`, the core types, not even that)."""

LAYERS = [
    ("qa.ingest", "qa.stores", "qa.question", "qa.reader", "qa.answer"),
    ("qa.assistant",),
    ("qa.service",),
    ("qa.evaluation",),
    ("qa.frontends", "qa.__main__"),
]
"""Above the bottom, lowest first: a module may import its own layer's and lower layers' modules."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The package modules `path` imports anywhere in its body."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "qa"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "qa":
                continue
            for alias in node.names:  # `from . import settings` imports a module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    if module in BOTTOM:
        return 0
    for level, prefixes in enumerate(LAYERS, start=1):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def test_the_package_has_no_import_cycle():
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_core_types_import_nothing_of_the_package():
    assert GRAPH["qa.core"] == set()


def test_every_module_imports_only_its_own_or_lower_layers():
    upward = [f"{m} -> {t}" for m in sorted(GRAPH) for t in sorted(GRAPH[m])
              if m != "qa" and layer_of(t) > layer_of(m)]
    assert not upward, "imports reaching up a layer: " + ", ".join(upward)


def test_the_checker_sees_relative_and_function_level_imports():
    """A check that cannot fail proves nothing: the graph holds edges of each kind."""
    assert "qa.stores.retrieval" in GRAPH["qa.stores.folder"]        # from .retrieval import retrieve
    assert "qa.settings" in GRAPH["qa.stores.dense"]                 # from .. import settings
    assert "qa.ingest.distributed" in GRAPH["qa.ingest.indexing"]    # inside update_index's helper
