"""OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS) under /ogc.

Read directly by GDAL (``ogrinfo OAPIF:http://host/ogc``) and QGIS. Served from the
engine the rest of the API uses; collections and items are built in :mod:`geo_clsm.exports.ogc`. The
``resources`` items are selected by the query backend (``GEO_CLSM_QUERY_BACKEND=postgis``: by
PostGIS, on the database of record), as ``/api/resources``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.exports import ogc, ogc_params
from geo_clsm.geo.area import Area
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.web import ogc_html
from geo_clsm.web.deps import get_backend, get_engine
from geo_clsm.web.ogc_route import OgcRoute
from geo_clsm.web.openapi30 import openapi30

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], route_class=OgcRoute)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GEOJSON = "application/geo+json"
OPENAPI30 = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

Format = Annotated[
    Literal["json", "html"] | None,
    Query(description="json ou html (par défaut selon l'en-tête Accept)", examples=["json"]),
]
CollectionId = Annotated[str, Path(description=f"Collection : {', '.join(ogc.COLLECTIONS)}", examples=["resources"])]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _wants_html(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _json(
    body: dict[str, Any], media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(body, media_type=media_type, headers=headers)


@router.get("", summary="OGC API – Features : page d'accueil")
def landing(request: Request, f: Format = None) -> Response:
    base = _base(request)
    links = [
        {"rel": "self", "type": "application/json", "title": "Cette page (JSON)", "href": f"{base}?f=json"},
        {"rel": "alternate", "type": "text/html", "title": "Cette page (HTML)", "href": f"{base}?f=html"},
        {"rel": "service-desc", "type": OPENAPI30, "title": "Définition OpenAPI 3.0", "href": f"{base}/api"},
        {"rel": "service-doc", "type": "text/html", "title": "Documentation", "href": f"{base[:-4]}/docs"},
        {"rel": "conformance", "type": "application/json", "title": "Conformité", "href": f"{base}/conformance"},
        {"rel": "data", "type": "application/json", "title": "Collections", "href": f"{base}/collections"},
    ]
    title = "geo_clsm — ressources en santé mentale et accès (OGC API – Features)"
    if _wants_html(request, f):
        return ogc_html.page(title, ogc_html.links_html(links))
    return _json(
        {
            "title": title,
            "description": "Ressources en santé mentale, QPV et indicateurs d'accès, en GeoJSON.",
            "links": links,
        }
    )


@router.get("/api", include_in_schema=False)
def api_definition(request: Request) -> Response:
    spec = openapi30(request.app.openapi(), prefix="/ogc", server_url=str(request.base_url).rstrip("/"))
    for ops in spec["paths"].values():
        for op in ops.values():
            invalid = op["responses"].pop("422", None)
            if invalid is not None:  # OgcRoute answers an invalid parameter with 400
                op["responses"]["400"] = invalid | {"description": "Paramètre invalide (message en français)"}
    return _json(ogc_params.declare_parameters(spec), media_type=OPENAPI30)


@router.get("/conformance", summary="Classes de conformité OGC déclarées")
def conformance(request: Request, f: Format = None) -> Response:
    if _wants_html(request, f):
        return ogc_html.page("Conformité", ogc_html.links_html([{"rel": c, "href": c} for c in CONFORMANCE]))
    return _json({"conformsTo": CONFORMANCE})


def _collection(engine: Engine, info: ogc.CollectionInfo, base: str) -> dict[str, Any]:
    href = f"{base}/collections/{info.id}"
    box = ogc.table(engine, info.id).extent
    return {
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "itemType": "feature",
        "crs": list(ogc.SUPPORTED_CRS),
        "storageCrs": ogc.CRS84,
        "extent": {"spatial": {"bbox": [box] if box else [], "crs": ogc.CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "title": info.title, "href": href},
            {"rel": "alternate", "type": "text/html", "title": f"{info.title} (HTML)", "href": f"{href}?f=html"},
            {"rel": "items", "type": GEOJSON, "title": "Objets (GeoJSON)", "href": f"{href}/items"},
            {"rel": "items", "type": "text/html", "title": "Objets (HTML)", "href": f"{href}/items?f=html"},
            {
                "rel": QUERYABLES_REL,
                "type": SCHEMA_JSON,
                "title": "Propriétés filtrables",
                "href": f"{href}/queryables",
            },
        ],
    }


@router.get("/collections", summary="Les collections : ressources, QPV, indicateurs")
def collections(request: Request, engine: Annotated[Engine, Depends(get_engine)], f: Format = None) -> Response:
    base = _base(request)
    body = {
        "links": [
            {"rel": "self", "type": "application/json", "title": "Collections", "href": f"{base}/collections?f=json"},
            {
                "rel": "alternate",
                "type": "text/html",
                "title": "Collections (HTML)",
                "href": f"{base}/collections?f=html",
            },
        ],
        "collections": [_collection(engine, info, base) for info in ogc.COLLECTIONS.values()],
    }
    if _wants_html(request, f):
        items = [
            {"rel": c["id"], "title": c["title"], "href": f"{base}/collections/{c['id']}?f=html"}
            for c in body["collections"]
        ]
        return ogc_html.page("Collections", ogc_html.links_html(items))
    return _json(body)


@router.get("/collections/{collectionId}", summary="Une collection")
def one_collection(
    request: Request, collectionId: CollectionId, engine: Annotated[Engine, Depends(get_engine)], f: Format = None
) -> Response:
    info = ogc.collection(collectionId)
    body = _collection(engine, info, _base(request))
    if _wants_html(request, f):
        return ogc_html.page(info.title, f"<p>{html.escape(info.description)}</p>" + ogc_html.links_html(body["links"]))
    return _json(body)


def _crs_header(crs: str) -> dict[str, str]:
    uri = next(u for u, c in ogc.SUPPORTED_CRS.items() if c == crs)
    return {"Content-Crs": f"<{uri}>"}


@router.get(
    "/collections/{collectionId}/queryables",
    summary="Propriétés filtrables d'une collection (JSON Schema)",
    responses={200: {"content": {SCHEMA_JSON: {"schema": {"type": "object"}}}}},
)
def get_queryables(
    request: Request, collectionId: CollectionId, engine: Annotated[Engine, Depends(get_engine)], f: Format = None
) -> Response:
    info = ogc.collection(collectionId)
    href = f"{_base(request)}/collections/{info.id}/queryables"
    schema = ogc_params.queryables(
        collection_id=info.id,
        title=info.title,
        href=href,
        filters=info.filters,
        territories=list(engine.catalog.territories),
        point=info.id == "resources",
    )
    if _wants_html(request, f):
        return ogc_html.page(f"{info.title} — propriétés filtrables", ogc_html.table(schema["properties"]))
    return _json(schema, media_type=SCHEMA_JSON)


@router.get("/collections/{collectionId}/items", summary="Objets d'une collection (GeoJSON), filtrés et paginés")
async def get_items(
    request: Request,
    collectionId: CollectionId,
    engine: Annotated[Engine, Depends(get_engine)],
    backend: Annotated[QueryBackend, Depends(get_backend)],
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Taille de page (au plus {MAX_LIMIT} ; une valeur plus grande vaut {MAX_LIMIT})",
            examples=[100],
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Nombre d'objets à sauter", examples=[0])] = 0,
    bbox: Annotated[
        str | None, Query(description="Emprise x_min,y_min,x_max,y_max (dans bbox-crs)", examples=["6.1,49.0,6.3,49.2"])
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            description="CRS de bbox (CRS84 par défaut, ou EPSG:2154)",
            examples=["http://www.opengis.net/def/crs/EPSG/0/2154"],
        ),
    ] = None,
    crs: Annotated[
        str | None,
        Query(
            description="CRS des géométries (CRS84 par défaut, ou EPSG:2154)",
            examples=["http://www.opengis.net/def/crs/EPSG/0/2154"],
        ),
    ] = None,
    type: Annotated[ResourceType | None, Query(description="Type de ressource", examples=["CMP"])] = None,
    territory: Annotated[str | None, Query(description="Territoire", examples=["metz"])] = None,
    insee_com: Annotated[str | None, Query(description="Code INSEE de la commune", examples=["57463"])] = None,
    datetime_: Annotated[
        str | None, Query(alias="datetime", description="Instant ou intervalle RFC 3339", examples=["2026-01-01/.."])
    ] = None,
    f: Format = None,
) -> Response:
    info = ogc.collection(collectionId)
    if datetime_ is not None:  # checked; no collection has a temporal geometry, so a valid one keeps every item
        ogc_params.parse_datetime(datetime_)
    out_crs = ogc.crs_code(crs)
    limit = min(limit, MAX_LIMIT)  # Part 1: a larger limit is not an error, the maximum applies
    filters = {"type": type.value if type else None, "territory": territory, "insee_com": insee_com}
    for name, value in filters.items():
        if value is not None and name not in info.filters:
            raise InvalidInputError(
                f"{name} : filtre sans objet pour la collection {info.id} ({', '.join(info.filters)})"
            )
    if territory is not None and territory not in engine.catalog.territories:
        raise NotFoundError(f"territoire inconnu « {territory} » : {', '.join(engine.catalog.territories)}")
    area = ogc.parse_bbox(bbox, crs=ogc.crs_code(bbox_crs)) if bbox is not None else None
    page = _Page(request, info, out_crs, area, filters, offset, limit, _wants_html(request, f))
    if not ogc.is_built(engine, info.id):  # built once per engine, off the event loop
        await run_in_threadpool(ogc.table, engine, info.id)
    table = ogc.table(engine, info.id)
    on_database = info.id == "resources" and not isinstance(backend, MemoryBackend)
    if on_database or not table.light or out_crs != WGS84:  # a query, polygons or a reprojection
        return await run_in_threadpool(page.answer, engine, backend, table)
    return page.answer(engine, backend, table)  # arrays and encoded points: in the event loop, no thread hop


@dataclass(frozen=True, slots=True)
class _Page:
    """One items request, validated: answered by :meth:`answer` from the collection's table."""

    request: Request
    info: ogc.CollectionInfo
    out_crs: str
    area: Area | None
    filters: dict[str, str | None]
    offset: int
    limit: int
    html: bool

    def answer(self, engine: Engine, backend: QueryBackend, table: ogc.Table) -> Response:
        info, offset, limit = self.info, self.offset, self.limit
        selected = _selected(engine, backend, table, info.id, self.area, self.filters)
        page = selected[offset : offset + limit]
        links = _page_links(self.request, offset=offset, limit=limit, matched=len(selected))
        if self.html:
            return ogc_html.items_html(info, page, links, matched=len(selected))
        rest = {
            "links": links,
            "numberMatched": len(selected),
            "numberReturned": len(page),
            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        body = ogc.encode_collection(table, page, crs=self.out_crs, extra=rest)
        return Response(body, media_type=GEOJSON, headers=_crs_header(self.out_crs))


def _selected(
    engine: Engine,
    backend: QueryBackend,
    table: ogc.Table,
    collection_id: str,
    area: Area | None,
    filters: dict[str, str | None],
) -> list[ogc.Item]:
    """The items selected, in collection order: from the collection's table (bounding box by the
    Area's rule over its bounds), or, for ``resources`` with the PostGIS backend, from the records
    PostGIS selects by bounding box (the same rule), territory and commune, the type rule then applied."""
    if collection_id != "resources" or isinstance(backend, MemoryBackend):
        return ogc.select(table, area=area, filters=filters)
    found = backend.resources(bbox=area, territory=filters.get("territory"), insee_com=filters.get("insee_com"))
    return ogc.select(ogc.resource_items(engine, found), filters=filters)


def _page_links(request: Request, *, offset: int, limit: int, matched: int) -> list[dict[str, Any]]:
    url = request.url.remove_query_params("f")
    links = [
        {"rel": "self", "type": GEOJSON, "title": "Cette page", "href": str(url.include_query_params(f="json"))},
        {
            "rel": "alternate",
            "type": "text/html",
            "title": "Cette page (HTML)",
            "href": str(url.include_query_params(f="html")),
        },
    ]
    if offset + limit < matched:
        nxt = url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"rel": "next", "type": GEOJSON, "title": "Page suivante", "href": str(nxt)})
    if offset > 0:
        prev = url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append({"rel": "prev", "type": GEOJSON, "title": "Page précédente", "href": str(prev)})
    return links


@router.get("/collections/{collectionId}/items/{featureId}", summary="Un objet d'une collection (GeoJSON Feature)")
async def get_item(
    request: Request,
    collectionId: CollectionId,
    featureId: Annotated[str, Path(description="Identifiant de l'objet", examples=["metz-cmp-cattp-adultes-gambetta"])],
    engine: Annotated[Engine, Depends(get_engine)],
    crs: Annotated[
        str | None,
        Query(
            description="CRS des géométries (CRS84 par défaut, ou EPSG:2154)",
            examples=["http://www.opengis.net/def/crs/EPSG/0/2154"],
        ),
    ] = None,
    f: Format = None,
) -> Response:
    info = ogc.collection(collectionId)
    out_crs = ogc.crs_code(crs)
    if not ogc.is_built(engine, info.id):  # built once per engine, off the event loop
        await run_in_threadpool(ogc.table, engine, info.id)
    # Then a lookup and one feature encoded (once, in WGS84): in the event loop, no thread hop.
    item = ogc.find(engine, info.id, featureId)
    base = f"{_base(request)}/collections/{info.id}"
    if _wants_html(request, f):
        return ogc_html.page(f"{info.title} — {item.id}", ogc_html.table(item.properties))
    links = [
        {"rel": "self", "type": GEOJSON, "href": f"{base}/items/{quote(item.id)}"},
        {
            "rel": "alternate",
            "type": "text/html",
            "title": "Cet objet (HTML)",
            "href": f"{base}/items/{quote(item.id)}?f=html",
        },
        {"rel": "collection", "type": "application/json", "href": base},
    ]
    body = ogc.encode_feature(ogc.table(engine, info.id), item, crs=out_crs, extra={"links": links})
    return Response(body, media_type=GEOJSON, headers=_crs_header(out_crs))
