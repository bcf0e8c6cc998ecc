"""The observatory: /api/observatory/{territory} (time series), …/evolution (changes since a
date) and …/chart.png (the planner view's chart). Everything here reads stored snapshots:
indicators are never computed on a request (the recorder does it after each reload)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.engine.build import data_version
from geo_clsm.engine.core import Engine
from geo_clsm.exports.indicator_files import records
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.observatory.charts import series_chart
from geo_clsm.observatory.evolution import INDICATORS, evolution, series, snapshot_info
from geo_clsm.observatory.snapshots import load
from geo_clsm.web.deps import get_engine
from geo_clsm.web.downloads import TABLE_RESPONSES, TableFormat, table_response
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.params import TypeFilter

router = APIRouter(prefix="/api/observatory", tags=["observatoire"])

TerritoryPath = Annotated[str, Path(description="Territoire (avec des QPV)", examples=["metz"])]
NOTE = (
    "Un instantané par version des données qui a changé les indicateurs du territoire (modification "
    "d'une fiche, mise à jour des données) ; valeurs arrondies comme dans le reste du service."
)


async def _db(request: Request) -> SqlEngine:
    db = service_state(request).db
    return db


def _check(engine: Engine, territory: str) -> str:
    if territory not in engine.access:
        raise NotFoundError(
            f"territoire « {territory} » sans indicateurs : choisir parmi {', '.join(engine.access) or 'aucun'}"
        )
    return engine.catalog.territories[territory].name


@router.get(
    "/{territory}",
    summary="Série temporelle des indicateurs d'un territoire, par QPV et type (JSON, CSV ou XLSX)",
    responses=TABLE_RESPONSES,
)
def observatory_series(
    territory: TerritoryPath,
    engine: Annotated[Engine, Depends(get_engine)],
    db: Annotated[SqlEngine, Depends(_db)],
    type: TypeFilter = None,
    format: TableFormat = "json",
) -> Any:
    name = _check(engine, territory)
    with db.connect() as conn:
        have = bool(load(conn, territory))
    if not have:  # the first snapshot is being written (start-up): an empty series, not an error
        return {"territory": territory, "snapshots": [], "series": [], "notes": [NOTE, "Premier instantané en cours."]}
    snaps, table = series(db, territory, types=[t.value for t in type] if type else None)
    if format != "json":
        return table_response(
            table,
            fmt=format,
            name=f"observatoire_{territory}",
            title=f"Observatoire — indicateurs d'accès par QPV, {name} (geo_clsm)",
            notes=[NOTE],
        )
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rec in records(table.assign(taken_at=[pd.Timestamp(v).isoformat() for v in table["taken_at"]])):
        key = (rec.pop("code_qp"), rec.pop("lib_qp"), rec.pop("resource_type"))
        entry = out.setdefault(key, {"code_qp": key[0], "lib_qp": key[1], "resource_type": key[2], "points": []})
        entry["points"].append(rec)
    return {
        "territory": territory,
        "snapshots": [snapshot_info(s) for s in snaps],
        "series": [out[k] for k in sorted(out)],
        "notes": [NOTE],
    }


@router.get(
    "/{territory}/evolution",
    summary="Évolution depuis une date : ressources ouvertes, fermées, déplacées et indicateurs (JSON, CSV ou XLSX)",
    responses=TABLE_RESPONSES,
)
def observatory_evolution(
    territory: TerritoryPath,
    engine: Annotated[Engine, Depends(get_engine)],
    db: Annotated[SqlEngine, Depends(_db)],
    since: Annotated[
        date | None,
        Query(
            description="Date de départ (AAAA-MM-JJ) ; sans date : depuis le premier instantané",
            examples=["2026-01-01"],
        ),
    ] = None,
    format: TableFormat = "json",
) -> Any:
    name = _check(engine, territory)
    evo = evolution(db, territory, since=since, current=engine.catalog.resources)  # shown as public now
    if format != "json":
        return table_response(
            evo.changed_indicators(),
            fmt=format,
            name=f"evolution_{territory}",
            title=f"Évolution des indicateurs d'accès, {name} (geo_clsm)",
            notes=[NOTE, *evo.notes],
        )
    return evo.as_dict()


@router.get(
    "/{territory}/chart.png",
    summary="Graphique de l'évolution d'un indicateur par QPV (PNG)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "Image PNG"}},
)
def observatory_chart(
    request: Request,
    territory: TerritoryPath,
    engine: Annotated[Engine, Depends(get_engine)],
    db: Annotated[SqlEngine, Depends(_db)],
    type: Annotated[ResourceType, Query(description="Type de ressource", examples=["CMP"])] = ResourceType.CMP,
    indicator: Annotated[str, Query(description="Indicateur (code)", examples=["mean_m"])] = "mean_m",
) -> Response:
    name = _check(engine, territory)
    if indicator not in INDICATORS or indicator in ("zone_blanche",):
        choices = ", ".join(i for i in INDICATORS if i != "zone_blanche")
        raise InvalidInputError(f"indicateur « {indicator} » inconnu : choisir parmi {choices}")
    snaps, table = series(db, territory, types=[type.value])
    cache = service_state(request).observatory_charts  # by data version, like every render
    key = (territory, snaps[-1].id, type.value, indicator)
    png = cache.get_or_make(
        data_version(engine),
        key,
        lambda: series_chart(table, rtype=type.value, indicator=indicator, territory_name=name),
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})
