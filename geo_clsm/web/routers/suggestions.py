"""POST /api/suggestions: where to open the K new places of a type that most improve access.

The sites are chosen by :mod:`geo_clsm.access.suggest` (spopt); their effect is the what-if of
``POST /api/scenarios`` for the same additions (:func:`scenario_answer`), so the figures agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from geo_clsm.access.candidates import Candidate, RowError, parse_candidates_csv, territory_candidates
from geo_clsm.access.objective import MAX_QPV_WEIGHT, territory_demand
from geo_clsm.access.scenarios import ScenarioChange
from geo_clsm.access.suggest import MAX_SITES, build_problem, check_bounds, solve
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType
from geo_clsm.web.deps import get_engine, get_geocoder
from geo_clsm.web.heavy import BUSY, heavy_ticket, run_sync
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
    sites: int = Field(ge=1, le=MAX_SITES, description=f"Nombre de sites (1 à {MAX_SITES})")
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


@router.post(
    "/suggestions",
    summary="Suggestions : où ouvrir K nouveaux lieux d'un type pour améliorer l'accès",
    dependencies=[rate_limit("suggestions", per_minute=6), heavy_ticket()],
    responses={**RATE_LIMITED, **BUSY},
)
def suggestions(
    body: SuggestionRequest,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
) -> dict[str, Any]:
    return run_sync(request, suggest_answer, engine, body, geocoder=geocoder)


def suggest_answer(engine: Engine, body: SuggestionRequest, *, geocoder: Geocoder | None = None) -> dict[str, Any]:
    """The suggested sites, the objective before/after and the per-QPV what-if of adding them."""
    if body.type not in PLACE_TYPES:
        raise InvalidInputError(f"type « {body.type.value} » sans adresse (ligne téléphonique) : pas de site à ouvrir")
    check_bounds(sites=body.sites, objective=body.objective, within_m=body.within_m)
    catalog = engine.catalog
    demand = territory_demand(catalog, territory=body.territory, qpv_weight=body.qpv_weight)
    candidates = territory_candidates(
        catalog,
        territory=body.territory,
        mairies=body.mairies,
        qpv=body.qpv_centroids,
        place_types=body.place_types,
    )
    errors: list[RowError] = []
    if body.candidates_csv:
        listed, errors = parse_candidates_csv(body.candidates_csv, geocode=_geocode(geocoder))
        candidates.extend(listed)
    problem = build_problem(demand, resources=catalog.resources, rtype=body.type, candidates=candidates)
    chosen = solve(problem, sites=body.sites, objective=body.objective, within_m=body.within_m)
    sites = [problem.candidates[j] for j in chosen]
    key = "covered_population" if body.objective == "coverage" else "mean_m"
    answer: dict[str, Any] = {
        "territory": body.territory,
        "type": body.type.value,
        "sites": [{"id": f"suggestion-{n}", **c.as_dict()} for n, c in enumerate(sites, start=1)],
        "candidates": {"count": len(problem.candidates), "rejected_rows": [e.as_dict() for e in errors]},
        "method": "spopt : p-médiane" if body.objective == "mean" else "spopt : couverture maximale",
        "model_cell_m": problem.cell_m,
        "model_note": (
            f"choix calculé sur la population regroupée en carreaux de {problem.cell_m:.0f} m ; "
            "chiffres avant/après sur la grille de 200 m"
        ),
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
