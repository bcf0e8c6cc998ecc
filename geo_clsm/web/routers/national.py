"""France-wide indicators from the last ``geo-clsm gaps --all`` output: the data behind
``GET /api/gaps?scope=communes|departements`` and the national planner page /planning/france."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from geo_clsm.access.national_io import FORMAT_VERSION, NationalRun
from geo_clsm.access.present import present
from geo_clsm.data.departements import department_names
from geo_clsm.exports.indicator_files import records
from geo_clsm.exports.tables import csv_standard
from geo_clsm.i18n import choose_lang
from geo_clsm.model.errors import InvalidInputError, NotFoundError, StaleResultError
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_settings
from geo_clsm.web.downloads import table_response
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.pages.national import INDICATORS, missing_page, national_page

router = APIRouter()

Scope = Literal["qpv", "communes", "departements"]
NATIONAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Pas encore de calcul national (lancer « geo-clsm gaps --all »), ou département inconnu."},
    409: {"description": "Le calcul national vient d'une autre version de geo_clsm : le relancer."},
}
COMMUNE_SIMPLIFY_DEG = 0.002
"""Commune outlines sent to the map: simplified to about 200 m (WGS84 degrees at the edge only)."""


def national_stamp(settings: Settings) -> str:
    """When the last national run was written ("" without one): part of the HTTP cache key."""
    summary = Path(settings.national_gaps_dir) / "summary.json"
    return str(summary.stat().st_mtime_ns) if summary.is_file() else ""


def national_scope(scope: Any) -> bool:
    """Whether an ASGI request asks for France-wide figures (``/api/gaps?scope=communes|departements``)."""
    query: bytes = scope.get("query_string", b"")
    return scope.get("path") == "/api/gaps" and (b"scope=communes" in query or b"scope=departements" in query)


def national_run(request: Request, settings: Settings) -> NationalRun:
    """The last run of the folder (re-read when its summary changes), or a French 404 / 409."""
    folder = Path(settings.national_gaps_dir)
    summary = folder / "summary.json"
    stamp = summary.stat().st_mtime_ns if summary.is_file() else None
    runs = service_state(request).national_runs  # the last run read, by (folder, stamp)
    cached: NationalRun | None = runs.get((folder, stamp))
    if cached is not None:
        return cached
    run = NationalRun(folder)
    if run.summary.get("format_version") != FORMAT_VERSION:
        raise StaleResultError(
            "le calcul national a été fait par une autre version de geo_clsm : relancer « geo-clsm gaps --all »"
        )
    runs.clear()
    runs[(folder, stamp)] = run
    return run


def _filter(frame: pd.DataFrame, types: list[ResourceType] | None, dep: str | None) -> pd.DataFrame:
    if types:
        lines = [t.value for t in types if t in LINE_TYPES]
        if lines:
            raise InvalidInputError(f"les lignes nationales n'ont pas de position : {', '.join(lines)}")
        frame = frame[frame["resource_type"].isin([t.value for t in types])]
    if dep is not None:
        frame = frame[frame["dep"].astype(str) == dep]
    return frame


def national_gaps(
    request: Request,
    settings: Settings,
    *,
    scope: Scope,
    types: list[ResourceType] | None,
    dep: str | None,
    fmt: Literal["json", "csv", "csv-fr", "xlsx", "geojson"],
    limit: int,
    offset: int,
) -> Any:
    """The answer of ``/api/gaps`` for ``scope=communes`` or ``scope=departements``."""
    run = national_run(request, settings)
    if dep is not None and dep not in set(run.table("communes")["dep"].astype(str)):
        raise NotFoundError(f"département « {dep} » inconnu : écrire son code, par exemple 57, 2A ou 974")
    if scope == "departements":
        table = _filter(run.table("departements"), types, dep)
        table = table.assign(nom=table["dep"].astype(str).map(department_names(Path(settings.data_dir))))
    else:
        table = _filter(run.table("indicators"), types, dep)
        names = run.table("communes").set_index("insee_com")["nom"]
        table = table.assign(nom=table["insee_com"].map(names))
    table = present(pd.DataFrame(table.drop(columns="geometry", errors="ignore")))
    if fmt == "csv":
        name = f"indicateurs_{scope}{'_' + dep if dep else ''}.csv"
        return Response(
            csv_standard(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt in ("csv-fr", "xlsx"):
        return table_response(
            table,
            fmt=fmt,
            name=f"indicateurs_{scope}{'_' + dep if dep else ''}",
            title=f"Indicateurs d'accès par {'commune' if scope == 'communes' else 'département'} (geo_clsm)",
            notes=run.summary.get("notes", []),
        )
    if fmt == "geojson":
        return _geojson(run, table, scope=scope, types=types, dep=dep)
    page = table.iloc[offset : offset + limit]
    return {
        "scope": scope,
        "computed_at": run.summary.get("computed_at"),
        "numberMatched": len(table),
        "numberReturned": len(page),
        "rows": records(page),
        "france": [r for r in run.summary.get("france", []) if not types or r["resource_type"] in _values(types)],
        "notes": run.summary.get("notes", []),
        "sfca": run.summary.get("sfca", {}),
        "grid_spacing_m": run.summary.get("grid_spacing_m"),
    }


def _values(types: list[ResourceType]) -> set[str]:
    return {t.value for t in types}


def _geojson(
    run: NationalRun, table: pd.DataFrame, *, scope: Scope, types: list[ResourceType] | None, dep: str | None
) -> Response:
    """Features of one type: departments (outlines simplified at write time) or the communes of
    one department (simplified here); the map's data."""
    if not types or len(types) != 1:
        raise InvalidInputError("format=geojson : choisir un seul type (type=CMP par exemple)")
    if scope == "communes" and dep is None:
        raise InvalidInputError("format=geojson des communes : choisir un département (dep=57 par exemple)")
    if scope == "departements":
        deps = run.table("departements")
        deps = deps[deps["resource_type"] == types[0].value]
        key, codes, geoms = "dep", deps["dep"].astype(str), deps.geometry.to_numpy()  # simplified when written
    else:
        com = run.table("communes")
        com = com[com["dep"].astype(str) == dep]
        simple = com.geometry.simplify(COMMUNE_SIMPLIFY_DEG).to_numpy()
        # 4 decimals (about 10 m): the outline is illustrative.
        key, codes, geoms = "insee_com", com["insee_com"].astype(str), shapely.set_precision(simple, 0.0001)
    shapes = dict(zip(codes, geoms, strict=True))
    features = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(shapes[row[key]]), "properties": row}
        for row in records(table)
        if row[key] in shapes
    ]
    body = orjson.dumps({"type": "FeatureCollection", "features": features})
    return Response(body, media_type="application/geo+json")


@router.get("/planning/france", response_class=HTMLResponse, include_in_schema=False)
def planning_france(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    type: ResourceType = ResourceType.CMP,
    indicator: Annotated[str, Query(max_length=40)] = "mean_m",
    lang: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The national choropleth: departments, then the communes of the department chosen."""
    if type in LINE_TYPES:
        raise InvalidInputError("les lignes nationales n'ont pas de position : choisir un type de lieu (CMP, GEM …)")
    if indicator not in INDICATORS:
        raise InvalidInputError(f"indicateur « {indicator} » inconnu : choisir parmi {', '.join(INDICATORS)}")
    if not (Path(settings.national_gaps_dir) / "summary.json").is_file():  # no run yet: say how to make one
        chosen = choose_lang(lang, request.headers.get("accept-language"))
        page = missing_page(lang=chosen, path_for=request.app.url_path_for, gaps_dir=str(settings.national_gaps_dir))
        return HTMLResponse(page, headers={"Content-Language": chosen, "Vary": "Accept-Language"})
    run = national_run(request, settings)
    html = national_page(
        run.summary,
        rtype=type,
        indicator=indicator,
        tiles_url=settings.tiles_url,
        tiles_attribution=settings.tiles_attribution,
        path_for=request.app.url_path_for,
    )
    return HTMLResponse(html)
