"""The two map views (/ and /planning), and the small endpoints their script uses."""

from __future__ import annotations

import gzip
from datetime import datetime
from typing import Annotated, Any

import brotli
import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo_clsm.engine.build import view_version
from geo_clsm.engine.candidates import CandidateFilter
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.engine.nearest import open_at_moment
from geo_clsm.geo.area import Area
from geo_clsm.i18n import choose_lang
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.assets import accepted_encoding
from geo_clsm.web.deps import get_engine, get_geocoder, get_settings, serving_engine
from geo_clsm.web.errors import PLACE_RESPONSES
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.pages.resident import resident_page
from geo_clsm.web.params import LangSpokenFilter

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def resident(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    territory: str | None = None,
    lang: Annotated[str | None, Query(max_length=20, description="Langue de la page (fr, en, ar)")] = None,
) -> HTMLResponse:
    engine = serving_engine(service_state(request))
    local = [t.id for t in engine.catalog.territories.values() if t.kind != "national"]
    if territory is not None and territory not in local:
        raise NotFoundError(f"territoire « {territory} » inconnu : choisir parmi {', '.join(local)}")
    chosen = choose_lang(lang, request.headers.get("accept-language"))
    pages = service_state(request).pages  # by data version: an old engine's page is never served
    html = pages.get_or_make(
        view_version(engine),
        ("resident", territory, chosen),
        lambda: resident_page(
            engine,
            tiles_url=settings.tiles_url,
            tiles_attribution=settings.tiles_attribution,
            path_for=request.app.url_path_for,
            territory=territory,
            lang=chosen,
        ),
    )
    return HTMLResponse(html, headers={"Content-Language": chosen, "Vary": "Accept-Language"})


@router.get("/planning", response_class=HTMLResponse, include_in_schema=False)
def planning(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    territory: str | None = None,
    type: ResourceType = ResourceType.CMP_ADULTE,
    indicator: str = "mean_m",
    known_audience_only: bool = False,
) -> HTMLResponse:
    engine = serving_engine(service_state(request))
    if not engine.access:
        raise NotFoundError("aucun territoire avec des QPV n'est chargé")
    # Opens on the first pilot territory (manifest order), adult CMPs: a view with figures.
    pilots = [tid for tid, t in engine.catalog.territories.items() if t.kind == "pilot" and tid in engine.access]
    territory = territory or next(iter(pilots or engine.access))
    if territory not in engine.access:
        raise NotFoundError(f"territoire « {territory} » sans QPV : choisir parmi {', '.join(engine.access)}")
    if type in LINE_TYPES:
        raise InvalidInputError("les lignes nationales n'ont pas de position : choisir un type de lieu (CMP, GEM …)")
    from geo_clsm.web.pages.planner import INDICATORS_FR, planner_page  # folium: on first use, not at start-up

    if indicator not in INDICATORS_FR:
        raise InvalidInputError(f"indicateur « {indicator} » inconnu : choisir parmi {', '.join(INDICATORS_FR)}")
    pages = service_state(request).pages
    lang = choose_lang(request.query_params.get("lang"), request.headers.get("accept-language"))
    html = pages.get_or_make(
        view_version(engine),
        ("planning", territory, type.value, indicator, known_audience_only, lang),
        lambda: planner_page(
            engine,
            territory=territory,
            rtype=type,
            indicator=indicator,
            known_audience_only=known_audience_only,
            tiles_url=settings.tiles_url,
            tiles_attribution=settings.tiles_attribution,
            path_for=request.app.url_path_for,
            lang=lang,
        ),
    )
    return HTMLResponse(html, headers={"Vary": "Accept-Language"})


MARKER_COLUMNS = ["id", "type", "lon", "lat", "approx", "age_min", "age_max"]


def _markers_body(engine: Engine, encoding: str | None) -> bytes:
    body = orjson.dumps({"columns": MARKER_COLUMNS, "markers": engine.markers})
    if encoding == "br":
        return bytes(brotli.compress(body, quality=11))
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    return body


@router.get(
    "/api/markers",
    tags=["carte"],
    summary="Liste compacte des ressources pour la carte",
    response_class=JSONResponse,
)
def markers(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    bbox: Annotated[
        str | None,
        Query(
            description="Emprise lon_min,lat_min,lon_max,lat_max (WGS84) : les marqueurs qui s'y trouvent",
            examples=["6.1,49.0,6.3,49.2"],
        ),
    ] = None,
) -> Response:
    """``[id, type, lon, lat, approx (1 = commune precision), age_min, age_max]`` per placed resource
    (in ``bbox``, by the rule ``/api/resources`` and ``/ogc`` use).

    Ages are the audience's, or those the type implies; null when unknown. The body is compressed
    once per data version (brotli or gzip, as the request accepts), in the thread pool.
    """
    area = Area.parse(bbox)
    if area is not None:  # a part of the map: selected per request, not kept
        return Response(
            orjson.dumps({"columns": MARKER_COLUMNS, "markers": engine.markers_in(area)}), media_type="application/json"
        )
    encoding = accepted_encoding(request.headers)
    body = service_state(request).payloads.get_or_make(
        view_version(engine), ("markers", encoding), lambda: _markers_body(engine, encoding)
    )
    headers = {"Vary": "Accept-Encoding", **({"Content-Encoding": encoding} if encoding else {})}
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/api/markers-kept",
    tags=["carte"],
    summary="Marqueurs gardés par les filtres « ouvert » et « langue parlée »",
)
def markers_kept(
    engine: Annotated[Engine, Depends(get_engine)],
    open_at: Annotated[
        datetime | None,
        Query(
            description="Ouvert à cette date et heure (ISO 8601 ; sans fuseau : heure locale de chaque lieu). "
            "Les lieux aux horaires inconnus sont gardés, comme dans /api/nearest.",
            examples=["2026-11-23T10:00:00+01:00"],
        ),
    ] = None,
    lang_spoken: LangSpokenFilter = None,
) -> dict[str, list[str]]:
    """The ids of the markers of ``/api/markers`` that the filters of ``/api/nearest`` keep: open at
    ``open_at`` by each place's own clock, or hours unknown; one of the languages spoken. The map
    hides the others, so that its markers and its list agree (one rule: ``CandidateFilter.keep``)."""
    where = CandidateFilter(
        languages=tuple(lang_spoken or ()),
        local=open_at_moment(open_at) if open_at is not None else None,
    )
    by_id = engine.catalog.resources_by_id
    return {"ids": [str(m[0]) for m in engine.markers if where.keep(by_id[str(m[0])])]}


@router.get(
    "/api/geocode",
    tags=["carte"],
    summary="Localiser une commune, un code postal, un arrondissement, un QPV ou une adresse",
    responses=PLACE_RESPONSES,
)
def geocode(
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=200,
            description="Commune, code postal, quartier ou adresse (« Metz », « 57000 », « Paris 18e », "
            "« Patrotte », « 1 rue Serpenoise Metz »)",
            examples=["Borny"],
        ),
    ],
) -> dict[str, Any]:
    """``precision`` says how precisely the point locates the text (address, street, arrondissement,
    qpv, commune); ``message`` says in words what was not found (« Adresse non trouvée : recherche
    autour de la mairie de Metz ») or which other places have this name (``alternatives``)."""
    res = geocoder.place(q)
    return {"lon": res.lon, "lat": res.lat, **res.as_dict()}
