"""Access gaps for planners: /api/qpv, /api/qpv/{code_qp}, /api/gaps, POST /api/scenarios."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from geo_clsm.access.indicators import compute_access
from geo_clsm.access.objective import MAX_QPV_WEIGHT, territory_objective
from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import present
from geo_clsm.access.scenarios import ScenarioChange, apply_scenario, compare
from geo_clsm.access.sectorised import with_sectors
from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.exports.indicator_files import records
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_backend, get_engine, get_settings
from geo_clsm.web.downloads import FORMAT_HELP, TABLE_RESPONSES, table_response
from geo_clsm.web.middleware.rate_limit import RATE_LIMITED, rate_limit
from geo_clsm.web.params import KnownAudienceFilter, TerritoryFilter, TypeFilter
from geo_clsm.web.routers.national import NATIONAL_RESPONSES, Scope, national_gaps

router = APIRouter(prefix="/api", tags=["écarts d'accès (QPV)"])

MAX_CHANGES = 100


Indicators = dict[str, AccessResult]


async def get_indicators(
    engine: Annotated[Engine, Depends(get_engine)], backend: Annotated[QueryBackend, Depends(get_backend)]
) -> Indicators:
    """The access indicators by territory, from the query backend (``GEO_CLSM_QUERY_BACKEND``: the
    engine's, or PostGIS's measured on the database of record, computed once per data version)."""
    del engine  # asked for the response's data version (X-Data-Version, ETag)
    if isinstance(backend, MemoryBackend):
        return backend.indicators()
    return await run_in_threadpool(backend.indicators)  # PostGIS waits on the database: not in the event loop


def _results(access: Indicators, territory: str | None, known: bool = False) -> list[AccessResult]:
    if territory is None:
        return [r.variant(known_audience_only=known) for r in access.values()]
    if territory not in access:
        raise NotFoundError(
            f"territoire « {territory} » sans indicateurs : choisir parmi {', '.join(access) or 'aucun'}"
        )
    return [access[territory].variant(known_audience_only=known)]


def _table(access: Indicators, territory: str | None, types: list[ResourceType] | None, known: bool) -> pd.DataFrame:
    """The per-QPV table as presented (rounded once, :func:`geo_clsm.access.present.present`)."""
    frames = [with_sectors(r) for r in _results(access, territory, known)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if types and not table.empty:
        table = table[table["resource_type"].isin([t.value for t in types])]
    return present(table)


def _sfca_settings(access: Indicators, territory: str | None) -> dict[str, Any]:
    """The 2SFCA parameters of each territory (catchment and decay per type)."""
    return {r.territory: r.params.sfca_settings(r.types) for r in _results(access, territory)}


def _indicators_by_type(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for rec in records(rows.drop(columns=["code_qp", "lib_qp", "territory"], errors="ignore")):
        out[str(rec.pop("resource_type"))] = rec
    return out


@router.get("/qpv", summary="Les QPV chargés (GeoJSON), avec leurs indicateurs par type de ressource")
def list_qpv(
    engine: Annotated[Engine, Depends(get_engine)],
    access: Annotated[Indicators, Depends(get_indicators)],
    territory: TerritoryFilter = None,
    type: TypeFilter = None,
    known_audience_only: KnownAudienceFilter = False,
) -> dict[str, Any]:
    table = _table(access, territory, type, known_audience_only)
    qpv = engine.catalog.qpv
    if territory:
        qpv = qpv[qpv["territory"] == territory]
    feats = []
    for rec in qpv.itertuples():
        rows = table[table["code_qp"] == rec.code_qp] if not table.empty else table
        feats.append(
            {
                "type": "Feature",
                "id": rec.code_qp,
                "geometry": rec.geometry.__geo_interface__,
                "properties": {
                    "code_qp": rec.code_qp,
                    "lib_qp": rec.lib_qp,
                    "insee_com": rec.insee_com,
                    "territory": rec.territory,
                    "indicators": _indicators_by_type(rows) if not rows.empty else {},
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": feats,
        "notes": _notes(access, territory, known_audience_only),
        "sfca": _sfca_settings(access, territory),
    }


def _notes(access: Indicators, territory: str | None, known: bool = False) -> list[str]:
    notes: list[str] = []
    for r in _results(access, territory, known):
        notes += [n for n in r.notes if n not in notes]
    return notes


@router.get("/qpv/{code_qp}", summary="Un QPV : indicateurs par type et comparaison avec le reste du territoire")
def get_qpv(
    code_qp: Annotated[str, Path(description="Code du QPV (ANCT 2024)", examples=["QN05720M"])],
    engine: Annotated[Engine, Depends(get_engine)],
    access: Annotated[Indicators, Depends(get_indicators)],
    known_audience_only: KnownAudienceFilter = False,
) -> dict[str, Any]:
    qpv = engine.catalog.qpv
    match = qpv[qpv["code_qp"] == code_qp]
    if match.empty:
        raise NotFoundError(f"QPV inconnu « {code_qp} » : voir /api/qpv pour les codes")
    rec = match.iloc[0]
    result = access[rec["territory"]].variant(known_audience_only=known_audience_only)
    rows = present(with_sectors(result))
    rows = rows[rows["code_qp"] == code_qp]
    rest = present(result.rest[result.rest["zone"] == "hors_qpv"]).set_index("resource_type")
    indicators = _indicators_by_type(rows)
    for rtype, ind in indicators.items():
        if rtype in rest.index:
            ind["rest_of_territory"] = records(rest.loc[[rtype]].reset_index())[0]
    return {
        "type": "Feature",
        "id": code_qp,
        "geometry": rec.geometry.__geo_interface__,
        "properties": {
            "code_qp": code_qp,
            "lib_qp": rec["lib_qp"],
            "insee_com": rec["insee_com"],
            "territory": rec["territory"],
            "indicators": indicators,
            "notes": result.notes,
            "sfca": result.params.sfca_settings(result.types),
        },
    }


@router.get(
    "/gaps",
    summary="Tableau des écarts d'accès par QPV et type (JSON, CSV ou XLSX), ou par commune de France (scope=communes)",
    responses={**NATIONAL_RESPONSES, **TABLE_RESPONSES},
)
def gaps(
    request: Request,
    backend: Annotated[QueryBackend, Depends(get_backend)],
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    territory: TerritoryFilter = None,
    type: TypeFilter = None,
    only_zones_blanches: Annotated[
        bool, Query(description="Ne garder que les QPV sans ressource du type dans le rayon", examples=[False])
    ] = False,
    format: Annotated[
        Literal["json", "csv", "csv-fr", "xlsx", "geojson"],
        Query(
            description=FORMAT_HELP + " ; geojson (scope communes ou departements, un type)",
            examples=["json"],
        ),
    ] = "json",
    known_audience_only: KnownAudienceFilter = False,
    scope: Annotated[
        Scope,
        Query(
            description="qpv (défaut) : les QPV des territoires ; communes ou departements : toute la France, "
            "depuis le dernier « geo-clsm gaps --all »",
            examples=["communes"],
        ),
    ] = "qpv",
    dep: Annotated[
        str | None,
        Query(max_length=3, pattern="^[0-9AB]{2,3}$", description="Département (scope communes)", examples=["57"]),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=5000, description="Lignes par page (JSON, scope communes)", examples=[1000])
    ] = 1000,
    offset: Annotated[int, Query(ge=0, description="Première ligne (JSON, scope communes)", examples=[0])] = 0,
) -> Any:
    if scope != "qpv":
        return national_gaps(
            request, settings, scope=scope, types=type, dep=dep, fmt=format, limit=limit, offset=offset
        )
    if format == "geojson":
        raise InvalidInputError("format=geojson : pour les QPV, utiliser /api/qpv")
    access = backend.indicators()  # this route runs in the thread pool
    table = _table(access, territory, type, known_audience_only)
    if only_zones_blanches and not table.empty:
        table = table[table["zone_blanche"]]
    if not table.empty:
        table = table.sort_values(["territory", "resource_type", "gap_rank", "code_qp"])
    if format != "json":
        return table_response(
            table,
            fmt=format,
            name="ecarts_acces_qpv",
            title="Écarts d'accès par QPV et type de ressource (geo_clsm)",
            notes=_notes(access, territory, known_audience_only),
        )
    comparison = pd.concat([r.rest for r in _results(access, territory, known_audience_only)], ignore_index=True)
    if type and not comparison.empty:
        comparison = comparison[comparison["resource_type"].isin([t.value for t in type])]
    return {
        "rows": records(table),
        "territory_comparison": records(present(comparison)),
        "notes": _notes(access, territory, known_audience_only),
        "sfca": _sfca_settings(access, territory),
    }


class ScenarioRequest(BaseModel):
    """A what-if scenario: changes to the resources of a territory."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "territory": "metz",
                    "changes": [{"action": "add", "type": "CMP_ENFANT", "lon": 6.2236, "lat": 49.1130}],
                }
            ]
        },
    )

    territory: str = Field(description="Territoire (avec des QPV)")
    changes: list[ScenarioChange] = Field(min_length=1, max_length=MAX_CHANGES)
    types: list[ResourceType] | None = Field(
        default=None, description="Types à recalculer (défaut : ceux touchés par les changements)"
    )
    known_audience_only: bool = Field(
        default=False, description="Public connu seulement : écarter les ressources au public non précisé"
    )
    within_m: float | None = Field(
        default=None, gt=0, le=50_000, description="Objectif du territoire : population à moins de tant de mètres"
    )
    qpv_weight: float = Field(
        default=1.0, gt=0, le=MAX_QPV_WEIGHT, description="Objectif du territoire : poids des habitants des QPV"
    )


@router.post(
    "/scenarios",
    summary="Scénario : ajouter, déplacer ou retirer des ressources, et comparer",
    dependencies=[rate_limit("scenarios", per_minute=10)],
    responses=RATE_LIMITED,
)
def scenario(body: ScenarioRequest, engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
    return scenario_answer(engine, body)


def scenario_answer(engine: Engine, body: ScenarioRequest) -> dict[str, Any]:
    """The per-QPV before/after of a scenario, and the territory's objective per type touched
    (``territory_objective``: population-weighted ``mean_m`` and, with ``within_m``,
    ``covered_population``, each ``before``/``after``; :mod:`geo_clsm.access.objective`)."""
    before_all = _results(engine.access, body.territory, body.known_audience_only)[0]
    after_resources = apply_scenario(engine.catalog.resources, body.changes)
    changed = _changed(engine, after_resources)
    types = body.types or [t for t in ResourceType if any(r.matches_type(t) for r in changed)]
    after = compute_access(
        engine.catalog, territory=body.territory, resources=after_resources, types=types, params=before_all.params
    ).variant(known_audience_only=body.known_audience_only)
    before = AccessResult(
        territory=before_all.territory,
        crs=before_all.crs,
        params=before_all.params,
        types=tuple(types),
        qpv=before_all.qpv[before_all.qpv["resource_type"].isin([t.value for t in types])],
        rest=before_all.rest,
        communes=before_all.communes,
    )
    diff = compare(before, after)
    objectives = [
        territory_objective(
            engine.catalog,
            territory=body.territory,
            rtype=t,
            before=engine.catalog.resources,
            after=after_resources,
            within_m=body.within_m,
            qpv_weight=body.qpv_weight,
        )
        for t in types
    ]
    return {
        "territory": body.territory,
        "types": [t.value for t in types],
        "rows": records(diff),
        "territory_objective": objectives,
    }


def _changed(engine: Engine, after: list[Any]) -> list[Any]:
    """Resources the scenario added, moved (before and after) or removed.

    ``apply_scenario`` keeps untouched resources as the same objects, so identity tells.
    """
    before = engine.catalog.resources_by_id
    new = {r.id: r for r in after}
    touched = [r for r in after if before.get(r.id) is not r]
    return touched + [r for rid, r in before.items() if new.get(rid) is not r]
