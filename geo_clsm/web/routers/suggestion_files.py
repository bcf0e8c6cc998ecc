"""A suggestion's files: the suggested sites and their effect per QPV as a table (CSV, French
CSV, XLSX — the exports' helpers, no cell ever a formula), as GeoJSON points, and as a page to
print in the diagnostic report's style. Read from a finished job (:mod:`geo_clsm.web.jobs`):
the planner's « Suggérer » always runs as one, so its answer can be downloaded afterwards."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo_clsm.documents.render import render_template
from geo_clsm.exports.tables import XLSX_MEDIA_TYPE
from geo_clsm.i18n import choose_lang, translator
from geo_clsm.model import clock
from geo_clsm.model.errors import NotFoundError
from geo_clsm.web.downloads import table_response
from geo_clsm.web.jobs import JobId
from geo_clsm.web.lifecycle import service_state

router = APIRouter(prefix="/api", tags=["écarts d'accès (QPV)"])

COLUMNS = [
    "element",
    "code",
    "name",
    "lon",
    "lat",
    "mean_m_before",
    "mean_m_after",
    "mean_m_diff",
    "within_1000m_share_before",
    "within_1000m_share_after",
]


def finished_answer(request: Request, job_id: str) -> dict[str, Any]:
    job = service_state(request).jobs.get(job_id)
    if job is None:
        raise NotFoundError("calcul inconnu ou expiré (gardé 30 minutes après sa fin) : relancer la suggestion")
    if job.status != "terminé":
        raise NotFoundError(f"calcul {job.status} : les fichiers existent une fois le calcul terminé")
    answer: dict[str, Any] = job.result
    return answer


def suggestion_frame(answer: dict[str, Any]) -> pd.DataFrame:
    """One row per suggested site (where it is), then one per QPV (its figures before and after)."""
    rows: list[dict[str, Any]] = [
        {
            "element": f"site suggéré n° {n}",
            "code": s.get("ref"),
            "name": f"{s['label']} ({s['kind_fr']})",
            "lon": s["lon"],
            "lat": s["lat"],
        }
        for n, s in enumerate(answer["sites"], start=1)
    ]
    for r in answer.get("rows", []):
        if r.get("resource_type") != answer["type"]:
            continue
        rows.append({"element": "QPV", "code": r["code_qp"], "name": r["lib_qp"], **{c: r.get(c) for c in COLUMNS[5:]}})
    return pd.DataFrame(rows, columns=COLUMNS)


def _fr(v: Any) -> str:
    """A figure as French text: whole, thousands apart (« 61 593 »); « — » when missing."""
    return "—" if v is None else f"{round(float(v)):,}".replace(",", "\u202f")


def _notes(answer: dict[str, Any]) -> list[str]:
    o = answer["objective"]
    what = (
        "distance moyenne pondérée (m)"
        if o["name"] == "mean"
        else f"population (pondérée) à moins de {_fr(o.get('within_m'))} m"
    )
    return [
        f"Territoire : {answer['territory']} ; type : {answer['type']} ; {len(answer['sites'])} site(s) suggéré(s).",
        f"Objectif : {what}, avant {_fr(o['before'])}, après {_fr(o['after'])} (habitants des QPV comptés "
        f"{o.get('qpv_weight', 1):g} fois).",
        f"Méthode : {answer['method']} ; {answer['model_note']}.",
        "Distances à vol d'oiseau. Sites suggérés par le calcul : à étudier, rien n'est décidé ni enregistré.",
    ]


@router.get(
    "/suggestions/jobs/{job_id}/export",
    name="suggestion_export",
    summary="Suggestions : les sites et leur effet par QPV (CSV, CSV français, XLSX, GeoJSON)",
    responses={
        200: {
            "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}, "application/geo+json": {}},
            "description": "Le tableau en CSV (standard ou français) ou XLSX, ou les sites en GeoJSON, selon `format`",
        }
    },
)
def suggestion_export(
    request: Request,
    job_id: JobId,
    format: Annotated[Literal["csv", "csv-fr", "xlsx", "geojson"], Query(description="Format du fichier")] = "csv-fr",
) -> Response:
    answer = finished_answer(request, job_id)
    name = f"suggestions_{answer['territory']}_{answer['type']}"
    if format == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "id": s["id"],
                    "label": s["label"],
                    "kind": s["kind"],
                    "kind_fr": s["kind_fr"],
                    "ref": s["ref"],
                    "type": answer["type"],
                },
            }
            for s in answer["sites"]
        ]
        body = {"type": "FeatureCollection", "features": features, "objective": answer["objective"]}
        return JSONResponse(
            body,
            media_type="application/geo+json",
            headers={"Content-Disposition": f'attachment; filename="{name}.geojson"'},
        )
    return table_response(
        suggestion_frame(answer), fmt=format, name=name, title="Sites suggérés et leur effet", notes=_notes(answer)
    )


@router.get(
    "/suggestions/jobs/{job_id}/print",
    name="suggestion_print",
    response_class=HTMLResponse,
    summary="Suggestions : page à imprimer (style du diagnostic territorial)",
)
def suggestion_print(
    request: Request,
    job_id: JobId,
    lang: Annotated[
        str | None, Query(max_length=20, description="Langue de la page (fr, en, ar)", examples=["ar"])
    ] = None,
) -> HTMLResponse:
    answer = finished_answer(request, job_id)
    chosen = choose_lang(lang, request.headers.get("accept-language"))
    t = translator(chosen)
    rows = [r for r in answer.get("rows", []) if r.get("resource_type") == answer["type"]]
    html = render_template(
        "suggestions.html.j2",
        t=t,
        answer=answer,
        rows=sorted(rows, key=lambda r: r.get("mean_m_diff") or 0),
        notes=_notes(answer),
        footer=t("En cas d'urgence : 3114 (prévention du suicide), 15 (SAMU), 112"),
        generated=clock.today().isoformat(),
    )
    return HTMLResponse(html, headers={"Content-Language": chosen})
