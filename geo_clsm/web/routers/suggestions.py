"""POST /api/suggestions: where to open the K new places of a type that most improve access.

The sites are chosen by :mod:`geo_clsm.access.suggest` (exact p-median / maximal covering);
their effect is the what-if of ``POST /api/scenarios`` for the same additions
(:func:`scenario_answer`), so the figures agree.

Up to 5 sites and 500 candidates the answer comes at once (200). A larger problem (up to 10
sites and 2,000 candidates), or one sent with ``background: true``, runs as a background job
(:mod:`geo_clsm.web.jobs`): 202, ``Location`` and ``job_url``; ``GET /api/suggestions/jobs/{id}``
gives its step and progress, then the same answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from geo_clsm.access.candidates import Candidate, RowError, parse_candidates_csv, territory_candidates
from geo_clsm.access.objective import MAX_QPV_WEIGHT, territory_demand
from geo_clsm.access.pmedian_cuts import Progress
from geo_clsm.access.scenarios import ScenarioChange
from geo_clsm.access.suggest import (
    MAX_CANDIDATES,
    MAX_JOB_CANDIDATES,
    MAX_JOB_SITES,
    MAX_SITES,
    build_problem,
    check_bounds,
    solve,
)
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType
from geo_clsm.web.deps import get_engine, get_geocoder
from geo_clsm.web.heavy import BUSY, heavy_ticket, run_sync
from geo_clsm.web.jobs import JobId
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.middleware.rate_limit import RATE_LIMITED, rate_limit
from geo_clsm.web.routers.access import ScenarioRequest, scenario_answer

router = APIRouter(prefix="/api", tags=["écarts d'accès (QPV)"])

MAX_CSV_CHARS = 200_000


class SuggestionRequest(BaseModel):
    """Where to open ``sites`` new places of ``type`` in a territory."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"territory": "metz", "type": "CMP", "sites": 3, "objective": "mean"}]},
    )

    territory: str = Field(description="Territoire (avec des QPV)")
    type: ResourceType = Field(description="Type des lieux à ouvrir")
    sites: int = Field(
        ge=1,
        le=MAX_JOB_SITES,
        description=f"Nombre de sites (1 à {MAX_SITES} : réponse immédiate ; jusqu'à {MAX_JOB_SITES} : tâche de fond)",
    )
    objective: Literal["mean", "coverage"] = Field(
        default="mean", description="mean : distance moyenne pondérée ; coverage : population à moins de within_m"
    )
    within_m: float | None = Field(default=None, gt=0, le=50_000, description="Distance de couverture (m)")
    qpv_weight: float = Field(default=1.0, gt=0, le=MAX_QPV_WEIGHT, description="Poids des habitants des QPV")
    mairies: bool = Field(default=True, description="Candidats : les mairies du territoire")
    qpv_centroids: bool = Field(default=True, description="Candidats : le centre de chaque QPV")
    place_types: list[ResourceType] = Field(
        default_factory=list, max_length=20, description="Candidats : les lieux existants de ces types"
    )
    candidates_csv: str | None = Field(
        default=None,
        max_length=MAX_CSV_CHARS,
        description="Candidats : liste CSV (colonnes lon;lat ou adresse, nom facultatif)",
    )
    background: bool = Field(
        default=False,
        description="Calculer en tâche de fond (202 et suivi de l'avancement) même pour un petit problème",
    )


JOB_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": f"Problème au-delà de {MAX_SITES} sites ou {MAX_CANDIDATES} candidats (ou `background`) : "
        "calcul en tâche de fond ; suivre `job_url` (en-tête `Location`)."
    }
}


@router.post(
    "/suggestions",
    summary="Suggestions : où ouvrir K nouveaux lieux d'un type pour améliorer l'accès",
    dependencies=[rate_limit("suggestions", per_minute=6), heavy_ticket()],
    responses={**JOB_ACCEPTED, **RATE_LIMITED, **BUSY},
)
def suggestions(
    body: SuggestionRequest,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
) -> Any:
    check_request(engine, body)
    candidates, errors = run_sync(request, gather_candidates, engine, body, geocoder=geocoder)
    n = len({(round(c.lon, 6), round(c.lat, 6)) for c in candidates})
    if n > MAX_JOB_CANDIDATES:
        raise InvalidInputError(f"{n} sites candidats : au plus {MAX_JOB_CANDIDATES} (réduire la liste)")
    if body.background or body.sites > MAX_SITES or n > MAX_CANDIDATES:
        job = service_state(request).jobs.submit(
            "suggestions",
            lambda report: suggest_answer(engine, body, candidates=candidates, errors=errors, progress=report),
        )
        url = request.app.url_path_for("suggestion_job", job_id=job.id)
        return JSONResponse(
            status_code=202,
            content={**job.view(), "job_url": url, "candidates": n, "sites": body.sites},
            headers={"Location": url},
        )
    return run_sync(request, suggest_answer, engine, body, candidates=candidates, errors=errors)


@router.get(
    "/suggestions/jobs/{job_id}",
    name="suggestion_job",
    summary="Suggestions en tâche de fond : étape, avancement, puis la réponse",
)
async def suggestion_job(
    request: Request,
    job_id: JobId,
) -> dict[str, Any]:
    job = service_state(request).jobs.get(job_id)
    if job is None:
        raise NotFoundError("calcul inconnu ou expiré (gardé 30 minutes après sa fin) : relancer la suggestion")
    return job.view()


def check_request(engine: Engine, body: SuggestionRequest) -> None:
    """French 4xx for what can be told before any work."""
    if body.type not in PLACE_TYPES:
        raise InvalidInputError(f"type « {body.type.value} » sans adresse (ligne téléphonique) : pas de site à ouvrir")
    check_bounds(sites=body.sites, objective=body.objective, within_m=body.within_m)
    if body.territory not in engine.catalog.territories:
        raise NotFoundError(f"territoire inconnu « {body.territory} »")


def gather_candidates(
    engine: Engine, body: SuggestionRequest, *, geocoder: Geocoder | None = None
) -> tuple[list[Candidate], list[RowError]]:
    """The candidate sites the request names, and the planner's list's bad rows."""
    candidates = territory_candidates(
        engine.catalog,
        territory=body.territory,
        mairies=body.mairies,
        qpv=body.qpv_centroids,
        place_types=body.place_types,
    )
    errors: list[RowError] = []
    if body.candidates_csv:
        listed, errors = parse_candidates_csv(body.candidates_csv, geocode=_geocode(geocoder))
        candidates.extend(listed)
    return candidates, errors


def suggest_answer(
    engine: Engine,
    body: SuggestionRequest,
    *,
    candidates: list[Candidate],
    errors: list[RowError],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The suggested sites, the objective before/after and the per-QPV what-if of adding them."""
    say = progress or (lambda _s, _f: None)
    catalog = engine.catalog
    say("population et distances", 0.02)
    demand = territory_demand(catalog, territory=body.territory, qpv_weight=body.qpv_weight)
    problem = build_problem(
        demand, resources=catalog.resources, rtype=body.type, candidates=candidates, max_candidates=MAX_JOB_CANDIDATES
    )
    say("choix des sites", 0.05)
    chosen = solve(problem, sites=body.sites, objective=body.objective, within_m=body.within_m, progress=progress)
    say("effet par QPV", 0.96)
    sites = [problem.candidates[j] for j in chosen]
    key = "covered_population" if body.objective == "coverage" else "mean_m"
    answer: dict[str, Any] = {
        "territory": body.territory,
        "type": body.type.value,
        "sites": [{"id": f"suggestion-{n}", **c.as_dict()} for n, c in enumerate(sites, start=1)],
        "candidates": {"count": len(problem.candidates), "rejected_rows": [e.as_dict() for e in errors]},
        "method": (
            "p-médiane exacte (coupes de Benders, HiGHS)"
            if body.objective == "mean"
            else "couverture maximale exacte (spopt, CBC)"
        ),
        "model_cell_m": problem.cell_m,
        "model_note": f"choix et chiffres avant/après sur la grille de population de {problem.cell_m:.0f} m",
    }
    if not sites:
        answer.update(objective={"name": body.objective, "before": None, "after": None}, rows=[], changes=[])
        answer["note"] = "aucun site candidat n'améliore l'accès"
        return answer
    changes = _changes(sites, body.type)
    scenario = scenario_answer(
        engine,
        ScenarioRequest(
            territory=body.territory,
            changes=changes,
            types=[body.type],
            within_m=body.within_m,
            qpv_weight=body.qpv_weight,
        ),
    )
    figures = scenario["territory_objective"][0]
    answer.update(
        objective={"name": body.objective, "within_m": body.within_m, "qpv_weight": body.qpv_weight, **figures[key]},
        changes=[c.model_dump(exclude_none=True) for c in changes],
        rows=scenario["rows"],
        territory_objective=scenario["territory_objective"],
    )
    return answer


def _changes(sites: list[Candidate], rtype: ResourceType) -> list[ScenarioChange]:
    return [
        ScenarioChange(
            action="add", id=f"suggestion-{n}", type=rtype, name=f"Site suggéré : {c.label}", lon=c.lon, lat=c.lat
        )
        for n, c in enumerate(sites, start=1)
    ]


def _geocode(geocoder: Geocoder | None) -> Any:
    if geocoder is None:
        return None

    def locate(text: str) -> tuple[float, float, str]:
        r = geocoder.address(text)
        return r.lon, r.lat, r.label

    return locate
