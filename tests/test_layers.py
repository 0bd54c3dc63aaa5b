"""The folders are the layers: no import from a lower layer to a higher one, no circles.

Every import in idp/ counts — at the top of a module or inside a function (a lazy
import is no way around the rule) — read with ``ast``, nothing imported. Each part
(a subpackage or a top-level module of idp/) belongs to one layer of ``LAYERS``; a part
may import its own layer and those below, and the graph between parts has no cycle,
within a layer too. A new part must be given a layer here (the test says so).

Run ``python -m tests.test_layers`` (or this test with ``-s``) to print the graph by
part. docs/architecture.md explains the layers.
"""

from __future__ import annotations

import ast
import pathlib

import idp

PACKAGE = pathlib.Path(idp.__file__).parent
ROOT = "idp"  # the package itself: its __init__ (create_app)

# Lowest first. Why each part is where it is: docs/architecture.md.
LAYERS = (
    ("foundation", {"errors", "clock", "config", "events", "extensions", "crypto", "rp", "resources", "i18n"}),
    ("storage", {"storage"}),
    ("platform", {"audit", "ratelimit", "ops"}),
    ("domain", {"accounts", "clients", "keystore", "orgs"}),
    ("flows", {"sessions", "billing", "federation"}),
    ("protocol", {"oidc"}),
    ("pages", {"web"}),
    ("processes", {"worker", "startup"}),
    ("entry points", {"app", "i18n_tools", "cli", "demo", "wsgi", "asgi", "__main__", "migrations", ROOT}),  # migrations: loaded by Alembic as scripts
)
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}


def _module_name(path: pathlib.Path) -> tuple[list[str], bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return (parts[:-1] if is_package else parts), is_package


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _part(dotted: str) -> str:
    """The part a module belongs to: ``idp.oidc.views`` → ``oidc``; ``idp`` → ROOT."""
    names = dotted.split(".")
    return names[1] if len(names) > 1 else ROOT


def _targets(node, module: list[str], is_package: bool) -> list[str]:
    """The idp modules an import statement loads (``from X import name``: X.name when
    that is a module, else X)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module if is_package else module[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    found = []
    for alias in node.names:
        candidate = f"{source}.{alias.name}"
        found.append(candidate if _is_module(candidate) else source)
    return found


def graph() -> dict[str, set[str]]:
    """part → the other parts it imports."""
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module, is_package = _module_name(path)
        source = _part(".".join(module))
        edges.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(node, module, is_package):
                    ours = target == ROOT or target.startswith(ROOT + ".")
                    if ours and _part(target) != source:
                        edges[source].add(_part(target))
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one part (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def render(edges: dict[str, set[str]]) -> str:
    """The graph by part, layer by layer (lowest first)."""
    lines = []
    for name, parts in LAYERS:
        lines.append(f"[{name}]")
        for part in sorted(parts):
            uses = ", ".join(sorted(edges.get(part, ()), key=lambda p: (RANK.get(p, -1), p)))
            lines.append(f"  {part:<10} -> {uses or '-'}")
    return "\n".join(lines)


def test_every_part_has_a_layer():
    assert sorted(set(graph()) - set(RANK)) == []


def test_no_import_from_a_lower_layer_to_a_higher_one():
    edges = graph()
    print("\n" + render(edges))
    upward = sorted(f"{source} ({LAYERS[RANK[source]][0]}) -> {target} ({LAYERS[RANK[target]][0]})"
                    for source, targets in edges.items() for target in targets
                    if RANK[target] > RANK[source])
    assert upward == []


def test_no_import_circles_between_parts():
    assert cycles(graph()) == []


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    """The rule is read from every import statement, a function's too."""
    source = "def later():\n    from ..web import views\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert [_part(t) for t in _targets(node, ["idp", "orgs", "mod"], False)] == ["web"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


if __name__ == "__main__":
    print(render(graph()))
