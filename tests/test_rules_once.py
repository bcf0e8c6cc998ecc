"""Each rule once (issue 26), checked over the product code's syntax tree: the app's state is set only
by its lifecycle module, engines are never edited through ``__dict__``, and the served catalog is
loaded by the one engine build."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = sorted([*(ROOT / "geo_clsm").rglob("*.py"), *(ROOT / "api").rglob("*.py")])


def _trees() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(ROOT)), ast.parse(p.read_text(encoding="utf-8"))) for p in PRODUCT]


def _app_state_target(node: ast.expr) -> bool:
    """``<app>.state.x`` (not a request's own ``request.state``) or ``state.x``."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id == "state"
    if isinstance(owner, ast.Attribute) and owner.attr == "state":
        return not (isinstance(owner.value, ast.Name) and owner.value.id == "request")
    return False


def test_app_state_is_set_only_by_the_lifecycle_module() -> None:
    found = []
    for path, tree in _trees():
        if path == "geo_clsm/web/lifecycle.py":
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            found += [f"{path}:{node.lineno}" for t in targets if _app_state_target(t)]
    assert not found, f"app state set outside geo_clsm/web/lifecycle.py: {found}"


# Interning equal audiences of records being loaded (equal values, before anything serves them).
DICT_ALLOWED = {"geo_clsm/data/importers/resource_sharing.py"}


def test_nothing_reaches_into_another_objects_dict() -> None:
    """An engine is never changed in place (a new set of indicators is a new engine: ``with_access``)."""
    found = []
    for path, tree in _trees():
        if path in DICT_ALLOWED:
            continue
        for node in ast.walk(tree):
            own = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
            if isinstance(node, ast.Attribute) and node.attr == "__dict__" and not own:
                found.append(f"{path}:{node.lineno}")
    assert not found, f"__dict__ of another object used: {found}"


def _calls(name: str) -> list[str]:
    out = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if called == name:
                    out.append(path)
    return out


def test_the_served_catalog_is_loaded_by_the_one_engine_build() -> None:
    assert set(_calls("load_catalog_cached")) == {"geo_clsm/engine/build.py"}


def test_one_definition_of_the_data_version() -> None:
    """The version of the data being served is defined once (the layers' version and the database's
    change counter have names of their own)."""
    defined = [
        path
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in ("data_version", "_data_version")
    ]
    assert defined == ["geo_clsm/engine/build.py"]


def test_engines_are_built_by_the_one_build() -> None:
    """A command's engine comes from :func:`geo_clsm.engine.build.build_engine` (from settings); the live
    engine's rebuild after an editor's change (from the engine it replaces) is the other builder."""
    assert set(_calls("Engine")) == {"geo_clsm/engine/build.py", "geo_clsm/store/live.py"}


# Paths that are not package data: the shipped layers beside the package, and the catalogue
# extractor that reads the source tree. web/pages/resident.py: the pages helper's (the lead removes it).
FILE_PATHS_ALLOWED = {"geo_clsm/data/manifest.py", "geo_clsm/i18n/extract.py"}


def test_package_files_are_found_by_package_name() -> None:
    """Templates, static files, catalogues and migrations are found through importlib.resources
    (geo_clsm.package_data), not from the importing module's ``__file__``."""
    found = [
        f"{path}:{node.lineno}"
        for path, tree in _trees()
        if path not in FILE_PATHS_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "__file__"
    ]
    assert not found, f"package files found from __file__: {found}"


# web/heavy.py is imported by the lifecycle (its pool is part of the state): it reads its one attribute.
STATE_READ_ALLOWED = {"geo_clsm/web/lifecycle.py", "geo_clsm/web/heavy.py"}


def test_app_state_is_read_through_the_lifecycle() -> None:
    """Routers and middlewares read the app's state through ``service_state`` (typed) or the deps,
    never as ``request.app.state`` / ``scope["app"].state``."""
    found = []
    for path, tree in _trees():
        if path in STATE_READ_ALLOWED:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr == "state"):
                continue
            owner = node.value
            via_app = isinstance(owner, ast.Attribute) and owner.attr == "app"
            via_scope = (
                isinstance(owner, ast.Subscript)
                and isinstance(owner.slice, ast.Constant)
                and owner.slice.value == "app"
            )
            if via_app or via_scope:
                found.append(f"{path}:{node.lineno}")
    assert not found, f"app state read directly: {found}"


# What a nearest query asks beyond a listing's filters: named only by NearestQuery's fields, and
# by the one method that builds it from the /api/nearest parameters (the settings' near limit).
NEAREST_ONLY = {"open_at", "near_limit_m"}
NEAREST_BUILDERS = {
    "geo_clsm/web/routers/nearest.py:query",
    # the markers the same filters keep: it builds the one CandidateFilter, as the nearest query does
    "geo_clsm/web/routers/map.py:markers_kept",
}


def test_the_nearest_query_is_one_object() -> None:
    """The nearest query's parameters exist once (:class:`geo_clsm.engine.nearest.NearestQuery`):
    no backend, policy or engine method takes them as a keyword list."""
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            named = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            if named & NEAREST_ONLY and f"{path}:{node.name}" not in NEAREST_BUILDERS:
                found.append(f"{path}:{node.lineno} {node.name}")
    assert not found, f"nearest query parameters written out again (take a NearestQuery): {found}"


def test_opening_hours_are_evaluated_by_one_function() -> None:
    """Whether a place is open is ``geo_clsm.model.hours.open_state`` only: nothing else calls
    ``is_open`` nor imports the opening-hours library (the ``open_at`` filter, ``open_now``,
    ``open_status``, the national lines, pages, guide and exports all go through it)."""
    found = []
    for path, tree in _trees():
        if path == "geo_clsm/model/hours.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "is_open":
                found.append(f"{path}:{node.lineno} .is_open")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("opening_hours"):
                found.append(f"{path}:{node.lineno} import {node.module}")
            if isinstance(node, ast.Import) and any(a.name.startswith("opening_hours") for a in node.names):
                found.append(f"{path}:{node.lineno} import opening_hours")
    assert not found, f"opening hours evaluated outside geo_clsm.model.hours.open_state: {found}"


# Issue 33: the modules that select by a bounding box (engine, exports, web) test no geometry
# themselves; geo_clsm/geo/area.py holds the rule (published position, edges included) for all.
BOX_SELECTORS = ("geo_clsm/engine/", "geo_clsm/exports/", "geo_clsm/web/")
GEOS_PREDICATES = {"intersects", "intersects_xy", "contains", "contains_xy", "within"}


def test_one_bounding_box_rule() -> None:
    """``/ogc`` items, ``/api/resources`` and ``/api/markers`` select by :class:`geo_clsm.geo.area.Area`,
    in memory and on PostGIS (whose SQL envelope is the Area's superset, the rows then held to the rule)."""
    tested = [
        f"{path}:{node.lineno}"
        for path, tree in _trees()
        if path.startswith(BOX_SELECTORS)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GEOS_PREDICATES
    ]
    assert not tested, f"a geometry tested outside geo_clsm/geo/area.py: {tested}"
    envelopes = {
        path
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "ST_MakeEnvelope" in node.value
    }
    assert envelopes == set(_calls("sql_envelope")) == {"geo_clsm/engine/postgis/backend.py"}
    assert set(_calls("select_points")) == {
        "geo_clsm/engine/core.py",  # memory: /api/resources, /api/markers
        "geo_clsm/engine/postgis/backend.py",  # the rows PostGIS found
    }
    assert set(_calls("select_shapes")) == {"geo_clsm/exports/ogc.py"}  # /ogc items, any collection
    assert set(_calls("parse_bbox")) == {"geo_clsm/web/routers/ogc.py"}


def _clock_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that read the system's clock as a local day or a naive moment: ``date.today()``,
    ``datetime.today()``, ``datetime.utcnow()``, and ``datetime.now()`` without a time zone (also
    through ``datetime.date`` / ``dt.datetime``)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        method = node.func.attr
        if name not in ("date", "datetime"):
            continue
        naive_now = method == "now" and not node.args and not node.keywords
        if method in ("today", "utcnow") or naive_now:
            found.append((node.lineno, f"{name}.{method}()"))
    return found


def test_one_clock() -> None:
    """Today is metropolitan France's (:func:`geo_clsm.model.clock.today`, which tests can freeze),
    never the system's local date: after 23:00 UTC in winter the server's date is yesterday in Paris."""
    found = [
        f"{path}:{line} {call}"
        for path, tree in _trees()
        if path != "geo_clsm/model/clock.py"
        for line, call in _clock_reads(tree)
    ]
    assert not found, f"the system's clock read outside geo_clsm.model.clock: {found}"


def test_the_clock_rule_can_fail() -> None:
    sample = "import datetime as dt\nfrom datetime import date, datetime\n" + (
        "date.today()\ndt.date.today()\ndatetime.now()\ndatetime.utcnow()\ndatetime.now(UTC)\nclock.today()\n"
    )
    assert [call for _, call in _clock_reads(ast.parse(sample))] == [
        "date.today()",
        "date.today()",
        "datetime.now()",
        "datetime.utcnow()",
    ]
