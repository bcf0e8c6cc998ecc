"""The import contract of geo_clsm, read from the source (every import, function-level included).

(a) The core never imports the web: outside ``geo_clsm.web`` and ``geo_clsm.cli`` (the composition
    root), no module imports ``geo_clsm.web``, ``fastapi`` or ``starlette``.
(b) No import cycles among the modules of ``geo_clsm``.
(c) No module imports another module's private (``_name``) names: what is shared is public and
    documented where it is defined.
(d) The planning solver (spopt, PuLP) is imported only inside the functions that compute a
    suggestion, never when a module is imported: the app starts without it (issue 27).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "geo_clsm"
WEB_ONLY = ("geo_clsm.web", "fastapi", "starlette")
MAY_IMPORT_WEB = ("geo_clsm.web", "geo_clsm.cli")

# Cycles known and not broken yet: each is a frozenset of module names, with why.
KNOWN_CYCLES: set[frozenset[str]] = set()

# Imported only by the functions that use them (never at a module's top level, nor in a class body):
# loading them costs start-up time that only one feature needs.
ON_USE_ONLY = ("spopt", "pulp")

# Private names imported across modules: none (make the name public where it is defined).
PRIVATE_IMPORTS_ALLOWED: dict[tuple[str, str], set[str]] = {}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if "migrations" in parts:  # Alembic scripts, loaded by file name
            continue
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """Every module ``name`` imports (dotted, as written or resolved to a submodule), with its line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.append((sub if sub in modules else base, node.lineno))
    return found


def _private_imports(name: str, is_package: bool, source: str) -> list[tuple[str, str, int]]:
    """(defining module, private name, line) of each ``from geo_clsm… import _name`` in ``source``
    (absolute or relative, at any level; dunder names such as ``__version__`` are not private)."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[tuple[str, str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            up = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*up, *([base] if base else [])])
        if base != "geo_clsm" and not base.startswith("geo_clsm."):
            continue
        found += [
            (base, a.name, node.lineno)
            for a in node.names
            if a.name.startswith("_") and not (a.name.startswith("__") and a.name.endswith("__"))
        ]
    return found


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _ in _imports(name, path, modules):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, todo = work[-1]
            if todo:
                w = todo.pop()
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, sorted(graph[w])))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_the_core_never_imports_the_web() -> None:
    modules = _modules()
    leaks = [
        f"{name} (line {line}) imports {target}"
        for name, path in modules.items()
        if not name.startswith(MAY_IMPORT_WEB)
        for target, line in _imports(name, path, modules)
        if any(target == w or target.startswith(w + ".") for w in WEB_ONLY)
    ]
    assert leaks == [], "the core imports the web package:\n" + "\n".join(leaks)


def test_no_import_cycles() -> None:
    cycles = [c for c in _cycles(_graph(_modules())) if frozenset(c) not in KNOWN_CYCLES]
    assert cycles == [], "import cycles (each line: the modules of one cycle):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_contract_sees_function_level_imports_and_cycles() -> None:
    """The checker itself: a cycle made only of function-level imports is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    modules = _modules()
    cli = next(name for name in modules if name == "geo_clsm.cli.serve")
    assert any(t.startswith("geo_clsm.web") for t, _ in _imports(cli, modules[cli], modules))


def test_no_private_names_imported_across_modules() -> None:
    found = [
        f"{name} (line {line}) imports {origin}.{private}"
        for name, path in _modules().items()
        for origin, private, line in _private_imports(
            name, path.name == "__init__.py", path.read_text(encoding="utf-8")
        )
        if private not in PRIVATE_IMPORTS_ALLOWED.get((name, origin), set())
    ]
    assert found == [], "private names imported from another module:\n" + "\n".join(found)


def test_the_contract_sees_private_imports_at_any_level() -> None:
    """The checker itself: absolute and relative imports of a private name are found; dunders and
    other packages are not."""
    source = (
        "from geo_clsm.data.importers.resource_rows import CommunePoint, _clean\n"
        "from ..model import _hidden as shown\n"
        "from . import _sibling\n"
        "from geo_clsm import __version__\n"
        "from numpy import _core\n"
        "def f() -> None:\n"
        "    from geo_clsm.geo.crs import _late\n"
    )
    got = _private_imports("geo_clsm.data.example", False, source)
    assert got == [
        ("geo_clsm.data.importers.resource_rows", "_clean", 1),
        ("geo_clsm.model", "_hidden", 2),
        ("geo_clsm.data", "_sibling", 3),
        ("geo_clsm.geo.crs", "_late", 7),
    ]


def test_the_batch_command_answers_from_the_core() -> None:
    """``geo-clsm nearest`` and ``POST /api/nearest/batch`` share the core's batch answerer
    (geo_clsm.engine.batch): the command imports nothing of the web package."""
    modules = _modules()
    name = "geo_clsm.cli.nearest"
    web = [t for t, _ in _imports(name, modules[name], modules) if t.startswith(WEB_ONLY)]
    assert web == []


def test_no_package_re_exports_its_modules_names() -> None:
    """No facades: a package's ``__init__`` never imports a name from one of its own modules to
    offer it again (importers name the module that defines it). Importing a submodule itself
    (``from geo_clsm.cli import serve``) is not a re-export."""
    found = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        package = ".".join(init.relative_to(PACKAGE.parent).parent.parts)
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.startswith(package + "."):
                found.append(f"{package}: from {node.module} import {', '.join(a.name for a in node.names)}")
            elif node.module == package:
                names = [
                    a.name
                    for a in node.names
                    if not (init.parent / a.name).exists() and not (init.parent / f"{a.name}.py").exists()
                ]
                if names:
                    found.append(f"{package}: from {package} import {', '.join(names)}")
    assert found == [], "re-exports in package __init__ files:\n" + "\n".join(found)


def _import_time_imports(source: str) -> list[tuple[str, int]]:
    """The modules ``source`` imports when it is imported: its top-level statements and class bodies
    (under ``if``/``try``/``with`` too), not function bodies nor ``if TYPE_CHECKING:`` blocks."""
    found: list[tuple[str, int]] = []
    todo = list(ast.parse(source).body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.append((node.module or "", node.lineno))
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt | ast.excepthandler)]
    return sorted(found, key=lambda f: f[1])


def test_the_planning_solver_is_imported_on_use_only() -> None:
    found = [
        f"{name} (line {line}) imports {target} when imported"
        for name, path in _modules().items()
        for target, line in _import_time_imports(path.read_text(encoding="utf-8"))
        if any(target == m or target.startswith(m + ".") for m in ON_USE_ONLY)
    ]
    assert found == [], "the solver is imported with a module, not when a suggestion is computed:\n" + "\n".join(found)


def test_the_contract_sees_import_time_imports() -> None:
    """The checker itself: imports at the top level, under ``try``/``if`` and in a class body are
    found; in a function or under ``if TYPE_CHECKING:``, not."""
    source = (
        "import pulp\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import spopt\n"
        "try:\n"
        "    from spopt.locate import PMedian\n"
        "except ImportError:\n"
        "    import pulp.apis\n"
        "class A:\n"
        "    import spopt.region\n"
        "    def f(self) -> None:\n"
        "        import pulp\n"
        "def g() -> None:\n"
        "    from spopt.locate import MCLP\n"
    )
    assert _import_time_imports(source) == [
        ("pulp", 1),
        ("typing", 2),
        ("spopt.locate", 6),
        ("pulp.apis", 8),
        ("spopt.region", 10),
    ]
