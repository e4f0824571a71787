"""The shape of the code base: imports of `app/` form no cycle, `app/` never imports
`workers/`, and every job kind has a handler in the one catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, imports inside functions included, except `if TYPE_CHECKING:` blocks
    (those imports never run)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return out


def _import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of `app`/`workers` it imports (anywhere in the file)."""
    files = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    files.update({_module_name(p): p for p in (ROOT / "workers").rglob("*.py")})

    def resolve(name: str) -> str | None:
        while name:
            if name in files:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        is_pkg = path.name == "__init__.py"
        deps: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_pkg else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` imports the submodule; `from pkg import name` the package.
                names = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            for name in names:
                target = resolve(name)
                if target and target != module:
                    deps.add(target)
        graph[module] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_of_app_has_no_cycle() -> None:
    graph = _import_graph("app")
    assert len(graph) > 100  # the walk found the code base, not an empty folder
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_app_never_imports_workers() -> None:
    graph = _import_graph("app")
    offenders = {m: sorted(d) for m, d in graph.items() if m.startswith("app")}
    offenders = {m: [d for d in deps if d.startswith("workers")] for m, deps in offenders.items()}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_every_job_kind_has_a_handler_and_every_wakeup_a_function() -> None:
    from app.background.catalogue import FUNCTIONS, JOB_HANDLERS
    from app.background.worker import WorkerSettings
    from app.jobs.kinds import JobKind
    from app.jobs.service import JOB_FUNCTION
    from app.provisioning.planning import TASK_FUNCTION
    from app.webhooks.service import DELIVER_FUNCTION

    assert set(JOB_HANDLERS) == set(JobKind)
    from app.source_sync import jobs as source_sync_jobs
    from app.sync.jobs import CYCLE_FUNCTION, DUE_FUNCTION

    expected = {
        source_sync_jobs.SYNC_FUNCTION,
        source_sync_jobs.DUE_FUNCTION,
        JOB_FUNCTION,
        TASK_FUNCTION,
        DELIVER_FUNCTION,
        "sweep",
        CYCLE_FUNCTION,
        DUE_FUNCTION,
    }
    assert expected == set(FUNCTIONS)
    arq_names = {f.__name__ for f in WorkerSettings.functions}
    assert arq_names == {
        JOB_FUNCTION,
        TASK_FUNCTION,
        DELIVER_FUNCTION,
        CYCLE_FUNCTION,
        source_sync_jobs.SYNC_FUNCTION,
    }
