"""plans.services and the ingest pipeline do not import each other: the pipeline uses the services only.

Checked on the source (module-level imports, where a cycle bites): importing `a.b.c` runs `a/__init__.py` and
`a/b/__init__.py` first, so those count as imported too. (At run time Django's start-up imports both modules
anyway, through the admin, so looking at sys.modules would prove nothing.)
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_at_module_level(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:  # only the statements run at import (not inside functions)
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    out = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # packages run first
    return out


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (REPO / "plans").rglob("*.py")}
    return {name: imported_at_module_level(path) & modules.keys() for name, path in modules.items()}


def reaches(graph, start: str, goal: str) -> list[str] | None:
    stack, seen = [[start]], {start}
    while stack:
        chain = stack.pop()
        for nxt in graph.get(chain[-1], ()):
            if nxt == goal:
                return [*chain, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append([*chain, nxt])
    return None


def test_the_pipeline_imports_the_services_and_not_the_other_way_round():
    graph = import_graph()
    assert reaches(graph, "plans.ingest.pipeline", "plans.services")
    assert reaches(graph, "plans.services", "plans.ingest.pipeline") is None, reaches(
        graph, "plans.services", "plans.ingest.pipeline"
    )
