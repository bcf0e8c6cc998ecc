"""The territorial diagnostic: GET /api/report/{territory} (HTML, PDF or JSON figures)."""

from __future__ import annotations

import json
import threading
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from geo_clsm.documents.report.figures import ReportFigures, check_territory, report_figures
from geo_clsm.documents.report.render import report_html
from geo_clsm.engine.build import view_version
from geo_clsm.engine.core import Engine
from geo_clsm.exports.tables import XLSX_MEDIA_TYPE
from geo_clsm.model import clock
from geo_clsm.observatory.evolution import evolution
from geo_clsm.observatory.section import evolution_html
from geo_clsm.web.deps import get_engine
from geo_clsm.web.downloads import document_response, table_response
from geo_clsm.web.heavy import BUSY, heavy_ticket, run_sync
from geo_clsm.web.lifecycle import service_state

router = APIRouter(prefix="/api", tags=["documents"])
_LOCK = threading.Lock()  # one report rendered at a time: rendering is CPU-bound


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"
    csv = "csv"
    csv_fr = "csv-fr"
    xlsx = "xlsx"


def _indicators(request: Request, engine: Engine, territory: str) -> list[dict[str, Any]]:
    db = getattr(service_state(request), "db", None)
    if db is None:
        return []
    from geo_clsm.store.indicators import indicator_rows

    communes = engine.catalog.communes_of(territory)
    return indicator_rows(
        db, territory=territory, departments=set(communes["dep"].astype(str)), communes=set(communes["insee_com"])
    )


@router.get(
    "/report/{territory}",
    summary="Diagnostic territorial : rapport imprimable (HTML), PDF, ou ses chiffres en JSON",
    response_class=Response,
    responses={
        200: {
            "description": "Le rapport : page HTML imprimable, PDF balisé avec format=pdf, chiffres avec format=json "
            '(`{"territory", "population", "supply": [{"scope", "code", "type", "count", "per_10k", "layer"}], '
            '"access": [...], "sources": [...], "indicators": [...], "sectors": [...]}`)',
            "content": {
                "text/html": {},
                "application/pdf": {},
                "application/json": {},
                "text/csv": {},
                XLSX_MEDIA_TYPE: {},
            },
        },
        404: {"description": "Territoire inconnu ou sans diagnostic"},
        422: {"description": "Paramètre invalide"},
        **BUSY,
    },
    dependencies=[heavy_ticket()],  # 429 when the heavy-work pool is full
)
def report(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    territory: Annotated[str, Path(description="Identifiant d'un territoire (pilote ou ajouté)", examples=["metz"])],
    format: Annotated[
        ReportFormat,
        Query(
            description="html (imprimable), pdf, json (les chiffres) ; csv, csv-fr ou xlsx : le tableau de l'offre",
            examples=["html"],
        ),
    ] = ReportFormat.html,
    since: Annotated[
        date | None,
        Query(description="Date AAAA-MM-JJ : section « évolution » depuis cette date", examples=["2026-01-01"]),
    ] = None,
) -> Response:
    check_territory(engine.catalog, territory)
    evo = (  # stored snapshots, shown through the public view of the engine serving now
        None
        if since is None
        else evolution(service_state(request).db, territory, since=since, current=engine.catalog.resources)
    )
    today = clock.today()
    access = engine.access.get(territory)
    indicators = _indicators(request, engine, territory)
    key = (  # the data version names the engine and its indicators (never an id(), which a new object reuses)
        territory,
        today,
        json.dumps(indicators, sort_keys=True, default=str),
        None if evo is None else (since, evo.latest.id),
    )
    version = view_version(engine)
    cache = service_state(request).reports
    with _LOCK:
        figures: ReportFigures = cache.get_or_make(
            version,
            (key, "figures"),
            lambda: run_sync(  # off the event loop, in the bounded heavy-work pool
                request,
                report_figures,
                engine.catalog,
                territory=territory,
                access=access,
                generated_on=today,
                indicators=indicators,
            ),
        )
        if format is ReportFormat.json:
            return JSONResponse({**figures.to_json(), **({"evolution": evo.as_dict()} if evo else {})})
        if format in (ReportFormat.csv, ReportFormat.csv_fr, ReportFormat.xlsx):
            supply = pd.DataFrame(figures.to_json()["supply"])  # the report's supply figures, one row per scope
            return table_response(
                supply,
                fmt=format.value,
                name=f"diagnostic_offre_{territory}",
                title=f"Diagnostic — offre par type, {figures.name} (geo_clsm)",
                notes=[
                    "Nombre de ressources et pour 10 000 habitants, par échelle (territoire, département, France, commune, QPV)."
                ],
            )
        section = None if evo is None else evolution_html(evo, territory_name=figures.name)
        pdf_name = f"diagnostic-sante-mentale-{territory}-{today.isoformat()}.pdf"
        return document_response(
            request,
            cache,
            version=version,
            key=key,
            make_html=lambda: run_sync(request, report_html, engine.catalog, figures, evolution=section).encode(
                "utf-8"
            ),
            pdf_name=pdf_name if format is ReportFormat.pdf else None,
        )
