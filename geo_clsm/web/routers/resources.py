"""GET /api/resources: the bundled resources as GeoJSON (or CSV), filtered and paginated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from geo_clsm.engine.backend import QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.engine.query import count_unknown_audience, unknown_audience_note
from geo_clsm.exports.tables import resources_frame
from geo_clsm.geo.area import Area
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.geojson import feature
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_backend, get_engine, get_geocoder, get_settings
from geo_clsm.web.downloads import FORMAT_HELP, TABLE_RESPONSES, table_response
from geo_clsm.web.errors import PLACE_RESPONSES
from geo_clsm.web.params import AgeFilter, KnownAudienceFilter, LangSpokenFilter, TerritoryFilter, TypeFilter

router = APIRouter(prefix="/api", tags=["ressources"])


@dataclass
class ResourceFilters:
    """Filters shared by the listing endpoints."""

    type: TypeFilter = None
    age: AgeFilter = None
    known_audience_only: KnownAudienceFilter = False
    lang_spoken: LangSpokenFilter = None
    territory: TerritoryFilter = None
    commune: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Commune : nom, code INSEE ou code postal (« Metz », « 57463 », « 57000 »). "
            "Plusieurs communes possibles : réponse 409 avec `candidates`.",
            examples=["Metz"],
        ),
    ] = None
    qpv: Annotated[str | None, Query(description="Code du QPV où se trouve la ressource", examples=["QN05718M"])] = None
    q: Annotated[
        str | None, Query(max_length=200, description="Texte cherché dans le nom et l'adresse", examples=["Gambetta"])
    ] = None
    bbox: Annotated[
        str | None,
        Query(description="Emprise lon_min,lat_min,lon_max,lat_max (WGS84)", examples=["6.1,49.0,6.3,49.2"]),
    ] = None

    def parsed_bbox(self) -> Area | None:
        return Area.parse(self.bbox)


@router.get(
    "/resources",
    summary="Ressources (GeoJSON, CSV ou XLSX), filtrées et paginées",
    responses={**PLACE_RESPONSES, **TABLE_RESPONSES},
)
def list_resources(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    backend: Annotated[QueryBackend, Depends(get_backend)],
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
    settings: Annotated[Settings, Depends(get_settings)],
    filters: Annotated[ResourceFilters, Depends()],
    limit: Annotated[
        int | None, Query(ge=1, description="Taille de page (par défaut 500, au plus 5000)", examples=[50])
    ] = None,
    offset: Annotated[int, Query(ge=0, description="Nombre de ressources à sauter", examples=[0])] = 0,
    format: Annotated[
        Literal["geojson", "csv", "csv-fr", "xlsx"],
        Query(description="geojson (défaut), " + FORMAT_HELP.split(" ; ", 1)[1], examples=["csv-fr"]),
    ] = "geojson",
) -> Any:
    limit = limit or settings.default_page_size
    if limit > settings.max_page_size:
        raise InvalidInputError(f"limit : {settings.max_page_size} au plus")
    catalog = engine.catalog
    if filters.territory and filters.territory not in catalog.territories:
        raise NotFoundError(f"territoire inconnu « {filters.territory} » : {', '.join(catalog.territories)}")
    if filters.qpv and filters.qpv not in set(catalog.qpv["code_qp"]):
        raise NotFoundError(f"QPV inconnu « {filters.qpv} » : voir /api/qpv pour les codes")
    insee = geocoder.commune(filters.commune).insee_com if filters.commune is not None else None
    selected = backend.resources(
        types=filters.type or (),
        age=filters.age,
        territory=filters.territory,
        insee_com=insee,
        text=filters.q,
        bbox=filters.parsed_bbox(),
        known_audience_only=filters.known_audience_only,
        languages=filters.lang_spoken or (),
    )
    if filters.qpv:
        selected = [r for r in selected if (engine.resource_qpv.get(r.id) or ("",))[0] == filters.qpv]
    page = selected[offset : offset + limit]
    n_unknown = count_unknown_audience(selected, types=filters.type or (), age=filters.age)
    if format != "geojson":
        return table_response(
            resources_frame(page, qpv_of=engine.resource_qpv),
            fmt=format,
            name="ressources",
            title="Ressources en santé mentale (geo_clsm)",
            notes=[
                "Vue publique : une adresse confidentielle n'est pas donnée (position à la commune).",
                "Chaque ligne indique sa source et sa date de vérification.",
            ],
        )
    links = []
    if offset + limit < len(selected):
        links.append({"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit, limit=limit))})
    if offset > 0:
        links.append(
            {"rel": "prev", "href": str(request.url.include_query_params(offset=max(0, offset - limit), limit=limit))}
        )
    return {
        "type": "FeatureCollection",
        "features": [feature(r, engine.resource_extra(r)) for r in page],
        "numberMatched": len(selected),
        "numberReturned": len(page),
        "numberUnknownAudience": n_unknown,
        "note": unknown_audience_note(n_unknown),
        "links": links,
    }


@router.get("/resources/{resource_id}", summary="Une ressource (GeoJSON Feature)")
def get_resource(
    resource_id: Annotated[
        str, Path(description="Identifiant de la ressource", examples=["metz-cmp-cattp-adultes-gambetta"])
    ],
    engine: Annotated[Engine, Depends(get_engine)],
) -> dict[str, Any]:
    res = engine.catalog.resources_by_id.get(resource_id)
    if res is None:
        raise NotFoundError(f"ressource inconnue « {resource_id} »")
    return feature(res, engine.resource_extra(res))
