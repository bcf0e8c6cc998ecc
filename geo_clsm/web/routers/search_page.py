"""GET /recherche: the nearest resources as server-rendered HTML (no JavaScript needed).

Same engine, geocoder and answer as /api/nearest (:func:`geo_clsm.engine.answer.nearest_answer`).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from geo_clsm.engine.answer import nearest_answer
from geo_clsm.engine.backend import QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.i18n import choose_lang, translator
from geo_clsm.i18n.orientation import rules
from geo_clsm.model.ages import AGE_ERROR, AgeError, parse_age
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_backend, get_engine, get_geocoder, get_settings
from geo_clsm.web.errors import status_of
from geo_clsm.web.pages.resident import spoken_languages
from geo_clsm.web.pages.search import SearchFilters, render_search

router = APIRouter(tags=["pages"])


@router.get(
    "/recherche",
    response_class=HTMLResponse,
    summary="Page de recherche sans JavaScript : les ressources les plus proches d'un lieu",
)
def recherche(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    backend: Annotated[QueryBackend, Depends(get_backend)],
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
    settings: Annotated[Settings, Depends(get_settings)],
    q: Annotated[
        str, Query(max_length=200, description="Commune, code postal, quartier ou adresse", examples=["Borny"])
    ] = "",
    situation: Annotated[
        str | None, Query(max_length=40, description="Situation du guide « Que faire ? »", examples=["urgence"])
    ] = None,
    age: Annotated[
        str | None,
        Query(
            max_length=20,
            description="Âge en années (0 à 120) ou tranche d'âge (enfant, ado, jeune, adulte, senior)",
            examples=["enfant"],
        ),
    ] = None,
    lang: Annotated[
        str | None, Query(max_length=20, description="Langue de la page (fr, en, ar)", examples=["ar"])
    ] = None,
    type: Annotated[
        list[str] | None, Query(max_length=40, description="Type de lieu (répétable)", examples=["CMP_ADULTE"])
    ] = None,
    open_now: Annotated[
        str | None,
        Query(alias="open", max_length=5, description="« 1 » : ouverts maintenant seulement", examples=["1"]),
    ] = None,
    lang_spoken: Annotated[
        str | None, Query(max_length=20, description="Langue parlée sur place (code ISO 639-1)", examples=["ar"])
    ] = None,
    accepts_new: Annotated[
        str | None,
        Query(max_length=5, description="« 1 » : lieux acceptant de nouvelles demandes seulement", examples=["1"]),
    ] = None,
) -> HTMLResponse:
    t = translator(choose_lang(lang, request.headers.get("accept-language")))
    path_for = request.app.url_path_for
    headers = {"Content-Language": t.lang, "Vary": "Accept-Language"}
    r = rules()
    sit = r.situation(situation) if situation else None
    try:
        years = parse_age(age)  # the one age vocabulary (geo_clsm.model.ages)
    except AgeError:
        years = None
        problem_age: str | None = t(AGE_ERROR, value=(age or "")[:20])
    else:
        problem_age = None
    q = q.strip()
    problem = None
    types = tuple(v for v in (type or ()) if v)
    filters = SearchFilters(
        age=age or None,
        types=types,
        open_now=open_now == "1",
        lang_spoken=(lang_spoken or "").strip().lower() or None,
        accepts_new=accepts_new == "1",
    )
    known_types = {rt.value for rt in ResourceType}
    if any(v not in known_types for v in types):
        problem = t("Type de lieu inconnu : choisissez-en un dans la liste.")
    if filters.lang_spoken and not re.fullmatch("[a-z]{2,3}", filters.lang_spoken):
        problem = t("Langue inconnue : choisissez-en une dans la liste.")
    if situation and sit is None:
        problem = t("Situation inconnue : choisissez-en une dans la liste.")
    if problem_age:
        problem = problem_age
    page = functools.partial(
        render_search, t, path_for=path_for, q=q, situation=sit, filters=filters, spoken=spoken_languages(engine, t)
    )
    if problem or not q:
        return HTMLResponse(page(answer=None, problem=problem), 422 if problem else 200, headers)
    if len(q) < 2:
        problem = t("Saisissez une commune, un code postal, un quartier ou une adresse.")
        return HTMLResponse(page(answer=None, problem=problem), 422, headers)
    wanted = [ResourceType(v) for v in types] or (list(sit.types_for(years)) if sit else [])
    try:
        place = geocoder.place(q)
        query = NearestQuery(
            k=10,
            types=wanted,
            age=years,
            open_at=datetime.now(UTC) if filters.open_now else None,
            languages=(filters.lang_spoken,) if filters.lang_spoken else (),
            near_limit_m=settings.near_limit_m,
            accepting_new=filters.accepts_new,
        )
        located = {"located_by": "place", **place.as_dict(), "lon": place.lon, "lat": place.lat}
        answer = nearest_answer(place.lon, place.lat, located, query=query, engine=engine, backend=backend)
    except GeoClsmError as exc:
        status = status_of(exc)
        choices = getattr(exc, "candidates", None) or getattr(exc, "suggestions", None) or []
        message = exc.message if t.lang == "fr" else t("Lieu introuvable.")
        return HTMLResponse(page(answer=None, problem=message, choices=choices), status, headers)
    return HTMLResponse(page(answer=answer, age=age), 200, headers)
