"""The HSDS 3.0 API (Open Referral ``schema/openapi.json``) under /hsds, read-only, from the public
view: ``/hsds/`` (version, profile), ``/hsds/services`` (paginated; ``search``,
``taxonomy_term_id``, proximity by ``lat``/``lon``/``proximity`` or ``postcode``),
``/hsds/services/{id}``, ``/hsds/service_at_locations`` and ``/hsds/service_at_locations/{id}``.
Every answer carries ``Access-Control-Allow-Origin: *`` (Open Referral UK's compliance rule); a
bad or unknown parameter is a French 400. Objects are built in :mod:`geo_clsm.exports.hsds_api`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from geo_clsm.engine.core import Engine
from geo_clsm.exports import hsds_api
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.web.deps import get_engine
from geo_clsm.web.ogc_route import OgcRoute
from geo_clsm.web.params import async_dependency

OPEN = {"Access-Control-Allow-Origin": "*"}


class HsdsRoute(OgcRoute):
    """OgcRoute's French 400 for a bad or unknown parameter, a French 404, and every answer open to
    every origin (errors included)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except NotFoundError as exc:
                response = JSONResponse({"detail": exc.message}, status_code=404)
            response.headers.update(OPEN)
            return response

        return route


router = APIRouter(prefix="/hsds", tags=["Open Referral HSDS 3.0"], route_class=HsdsRoute)

Page = Annotated[int, Query(ge=1, description="Numéro de page (à partir de 1)", examples=[1])]
PerPage = Annotated[
    int,
    Query(
        ge=1,
        le=hsds_api.MAX_PER_PAGE,
        description=f"Services par page (au plus {hsds_api.MAX_PER_PAGE})",
        examples=[50],
    ),
]


def _json(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers=OPEN)


async def _directory(engine: Engine) -> hsds_api.Directory:
    if not hsds_api.is_built(engine):  # built once per engine, off the event loop
        return await run_in_threadpool(hsds_api.directory, engine)
    return hsds_api.directory(engine)


@router.get("/", summary="HSDS 3.0 : version et profil de cette API")
def about(request: Request) -> Response:
    return _json(hsds_api.about(str(request.base_url).rstrip("/") + "/openapi.json"))


def _near(lat: float | None, lon: float | None, proximity: float | None) -> tuple[float, float, float] | None:
    given = [v is not None for v in (lat, lon)]
    if any(given) and not all(given):
        raise InvalidInputError("lat, lon : donner les deux (degrés WGS84)")
    if lat is None or lon is None:
        if proximity is not None:
            raise InvalidInputError("proximity : donner aussi lat et lon")
        return None
    return (lon, lat, 5_000.0 if proximity is None else proximity)


Search = Annotated[
    str | None, Query(max_length=200, description="Recherche plein texte (tous les mots)", examples=["psychiatrie"])
]
Term = Annotated[
    str | None, Query(description="Identifiant d'un terme de taxonomie (type de ressource)", examples=["CMP_ADULTE"])
]
Lat = Annotated[
    float | None, Query(ge=-90, le=90, description="Latitude WGS84 du point de recherche", examples=[49.1193])
]
Lon = Annotated[
    float | None, Query(ge=-180, le=180, description="Longitude WGS84 du point de recherche", examples=[6.1757])
]
Proximity = Annotated[
    float | None,
    Query(gt=0, le=200_000, description="Distance en mètres autour de lat/lon (5 000 par défaut)", examples=[5000]),
]
Postcode = Annotated[str | None, Query(description="Code postal de l'adresse du service", examples=["57000"])]


@dataclass
class Listing:
    """The parameters of the two paginated lists (``/services`` and ``/service_at_locations``)."""

    search: Search = None
    taxonomy_term_id: Term = None
    lat: Lat = None
    lon: Lon = None
    proximity: Proximity = None
    postcode: Postcode = None
    page: Page = 1
    per_page: PerPage = 50

    async def page_of(self, engine: Engine, key: str) -> Response:
        """This page of the entries selected, each as its ``key`` object."""
        if self.postcode is not None and not (len(self.postcode) == 5 and self.postcode.isdigit()):
            raise InvalidInputError("postcode : un code postal à cinq chiffres, par exemple 57000")
        near = _near(self.lat, self.lon, self.proximity)
        found = (await _directory(engine)).select(
            search=self.search, taxonomy_term_id=self.taxonomy_term_id, near=near, postcode=self.postcode
        )
        return _json(hsds_api.page(found, page_number=self.page, per_page=self.per_page, key=key))


ListingParams = Annotated[Listing, Depends(async_dependency(Listing))]


@router.get("/services", summary="HSDS 3.0 : services (paginés, filtrés)")
async def services(engine: Annotated[Engine, Depends(get_engine)], listing: ListingParams) -> Response:
    return await listing.page_of(engine, "service")


@router.get("/services/{id}", summary="HSDS 3.0 : un service, complet")
async def one_service(
    engine: Annotated[Engine, Depends(get_engine)],
    id: Annotated[
        str, Path(description="Identifiant (UUID) du service", examples=["00000000-0000-0000-0000-000000000000"])
    ],
) -> Response:
    found = await _directory(engine)
    entry = found.by_id.get(id)
    if entry is None:
        raise NotFoundError(f"service inconnu « {id} »")
    return _json(entry.service)


@router.get("/service_at_locations", summary="HSDS 3.0 : services en un lieu (paginés, filtrés)")
async def service_at_locations(engine: Annotated[Engine, Depends(get_engine)], listing: ListingParams) -> Response:
    return await listing.page_of(engine, "service_at_location")


@router.get("/service_at_locations/{id}", summary="HSDS 3.0 : un service en un lieu, complet")
async def one_service_at_location(
    engine: Annotated[Engine, Depends(get_engine)],
    id: Annotated[
        str,
        Path(description="Identifiant (UUID) du service en un lieu", examples=["00000000-0000-0000-0000-000000000000"]),
    ],
) -> Response:
    found = await _directory(engine)
    entry = found.by_sal_id.get(id)
    if entry is None:
        raise NotFoundError(f"service en un lieu inconnu « {id} »")
    return _json(entry.service_at_location)
