"""GET /api/nearest (residents and professionals) and GET /api/territories."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer, nearest_answer_json
from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.build import data_version
from geo_clsm.engine.core import MAX_K, Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.engine.index import MAX_RADIUS_M
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.settings import Settings
from geo_clsm.web.deps import DATA_VERSION_STATE_KEY, backend_of, get_engine, serving_geocoder
from geo_clsm.web.errors import PLACE_RESPONSES
from geo_clsm.web.lifecycle import ServiceState, service_state
from geo_clsm.web.params import AgeFilter, LangSpokenFilter, TypeFilter, async_dependency

router = APIRouter(prefix="/api", tags=["recherche de proximité"])


@dataclass
class NearestParams:
    """Where the person is, and what they look for."""

    lat: Annotated[
        float | None, Query(ge=-90, le=90, description="Latitude WGS84 en degrés décimaux", examples=[49.1197])
    ] = None
    lon: Annotated[
        float | None, Query(ge=-180, le=180, description="Longitude WGS84 en degrés décimaux", examples=[6.1955])
    ] = None
    commune: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Au lieu de lat/lon : nom de commune, code INSEE ou code postal (« Metz », « 57463 », "
            "« 57000 », « Paris 18e »). Plusieurs communes possibles : réponse 409 avec `candidates`.",
            examples=["Metz"],
        ),
    ] = None
    address: Annotated[
        str | None,
        Query(
            max_length=200, description="Au lieu de lat/lon : adresse postale", examples=["20 rue Gambetta, 57000 Metz"]
        ),
    ] = None
    type: TypeFilter = None
    age: AgeFilter = None
    lang_spoken: LangSpokenFilter = None
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"Nombre de résultats (au plus {MAX_K})", examples=[5])] = 5
    max_distance_m: Annotated[
        float | None,
        Query(gt=0, le=MAX_RADIUS_M, description="Distance maximale, en mètres", examples=[5000]),
    ] = None
    open_at: Annotated[
        datetime | None,
        Query(
            description="Ouvert à cette date et heure (ISO 8601, heure locale si sans fuseau). "
            "Les ressources aux horaires inconnus sont gardées et marquées.",
            examples=["2026-11-23T10:00:00+01:00"],
        ),
    ] = None
    accepts_new: Annotated[
        bool,
        Query(
            description="Seulement les lieux qui disent accepter de nouvelles demandes (un lieu qui ne l'a pas "
            "indiqué n'est pas gardé)",
            examples=[True],
        ),
    ] = False

    def query(self, near_limit_m: float) -> NearestQuery:
        """What is asked, as the backends take it (nothing offered beyond ``near_limit_m``)."""
        return NearestQuery(
            k=self.k,
            types=self.type or (),
            age=self.age,
            max_distance_m=self.max_distance_m,
            open_at=self.open_at,
            languages=self.lang_spoken or (),
            near_limit_m=near_limit_m,
            accepting_new=self.accepts_new,
        )


def _locate(p: NearestParams, geocoder: Geocoder) -> tuple[float, float, dict[str, Any]]:
    given = [
        name
        for name, v in (
            ("lat/lon", p.lat if p.lat is not None or p.lon is not None else None),
            ("commune", p.commune),
            ("address", p.address),
        )
        if v is not None
    ]
    if len(given) != 1:
        raise InvalidInputError("indiquer une seule position : lat et lon, ou commune, ou address")
    if given[0] == "lat/lon":
        if p.lat is None or p.lon is None:
            raise InvalidInputError("lat et lon vont ensemble : donner les deux")
        return p.lon, p.lat, dict(LOCATED_BY_COORDINATES)
    res = geocoder.commune(p.commune) if p.commune is not None else geocoder.address(p.address or "")
    return res.lon, res.lat, {"located_by": given[0], **res.as_dict(), "lon": res.lon, "lat": res.lat}


_PARAMS = TypeAdapter(NearestParams)
_LIST_PARAMS = frozenset({"type", "lang_spoken"})


def _documented_parameters() -> list[dict[str, Any]]:
    """The OpenAPI parameters of :class:`NearestParams`, as FastAPI documents them (refs inlined).

    The route parses its query string itself (one validation for all parameters); its
    documentation still comes from the dataclass, through FastAPI's own generator.
    """
    from fastapi import FastAPI

    doc = FastAPI()

    @doc.get("/p")
    async def _p(params: Annotated[NearestParams, Depends(async_dependency(NearestParams))]) -> None:
        del params

    spec = doc.openapi()
    schemas = spec.get("components", {}).get("schemas", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                return inline(schemas[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(spec["paths"]["/p"]["get"]["parameters"])


def parse_params(query: QueryParams) -> NearestParams:
    """The query string as :class:`NearestParams`, validated in one pass (the last value of a
    repeated scalar wins, as in FastAPI). Raises ``RequestValidationError`` (422, French detail)."""
    raw: dict[str, Any] = {}
    for key in query:
        if key in _LIST_PARAMS:
            raw[key] = query.getlist(key)
        elif key in _FIELDS:
            raw[key] = query[key]
    return _validated(raw)


def parse_query_string(query_string: bytes) -> NearestParams:
    """:func:`parse_params` of a raw query string; one with no escapes (``%``, ``+``) is split
    directly, as ``QueryParams`` would split it, without building it."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return parse_params(QueryParams(text))
    raw: dict[str, Any] = {}
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if key in _LIST_PARAMS:
            raw.setdefault(key, []).append(value)
        elif key in _FIELDS:
            raw[key] = value
    return _validated(raw)


def _validated(raw: dict[str, Any]) -> NearestParams:
    try:
        return _PARAMS.validate_python(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


_FIELDS = frozenset(f.name for f in fields(NearestParams))


@router.get(
    "/nearest",
    summary="Les ressources les plus proches d'une position, d'une commune ou d'une adresse",
    responses={**PLACE_RESPONSES, 200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
    response_class=Response,
    openapi_extra={"parameters": _documented_parameters()},
    name="nearest",
)
async def nearest_route(request: Request) -> Response:
    """Each result says how sure it is: ``distance_label`` ("dans la commune", "environ 1,2 km")
    and ``distance_is_approximate``; with ``age``, ``audience_known`` (false: « public non précisé »,
    listed after the resources known to receive that age). Nothing beyond ``GEO_CLSM_NEAR_LIMIT_M``
    (50 km by default) is offered: ``missing_types`` and ``message`` say what is not near, and
    ``national_lines`` lists the national lines that answer it."""
    # The query string parsed once, no dependency to solve, orjson bytes out. Usually not even
    # reached: NearestFastPath answers before routing, and hands over the failures it met.
    engine = await get_engine(request)  # and X-Data-Version: the data that answered
    failure: Exception | None = getattr(request.state, FAILURE_STATE_KEY, None)
    if failure is not None:  # met by the fast path: raised here for the app's error handlers, not computed again
        raise failure
    return Response(
        await answer_body(service_state(request), engine, parse_params(request.query_params)),
        media_type="application/json",
    )


async def answer_body(state: ServiceState, engine: Engine, params: NearestParams) -> bytes:
    """The encoded answer to validated parameters, with the service's geocoder, settings and backend."""
    return await nearest_json(
        params,
        engine=engine,
        geocoder=serving_geocoder(state),
        settings=state.settings,
        backend=backend_of(state, engine),
    )


FAILURE_STATE_KEY = "nearest_failure"
"""Request-state key of the exception :class:`NearestFastPath` met, for :func:`nearest_route` to raise."""


class NearestFastPath:
    """``GET /api/nearest`` answered before routing (pure ASGI: no Request, no routing, no
    exception stack), with the body and headers of :func:`nearest_route`.

    Installed innermost of the app's middlewares (security headers, HEAD, limits, compression and
    the request log still apply). A request that fails (bad parameters, a point outside every
    territory …) is computed once: the exception goes, in the request's state
    (:data:`FAILURE_STATE_KEY`), to the FastAPI route, which raises it for the app's error handlers
    (the same 4xx and French message as without the fast path); nothing was sent yet.
    A query by ``address`` goes to the route at once: the address may be sent to the BAN
    geocoder, and it is never sent twice; before the engine is installed, the route answers too.
    """

    PATH = "/api/nearest"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._version: tuple[weakref.ref[Engine], str] | None = None
        """The engine last served (weakly: an engine swapped out is freed once its requests are
        done) and its data version, derived once per engine (an engine never changes)."""

    def _version_for(self, engine: Engine) -> str:
        known = self._version
        if known is None or known[0]() is not engine:
            known = self._version = (weakref.ref(engine), data_version(engine))
        return known[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != self.PATH
            or scope["method"] != "GET"
            or b"address" in scope["query_string"]
        ):
            await self.app(scope, receive, send)
            return
        state = service_state(scope["app"])
        engine = state.engine
        if engine is None:  # not started yet: the route says so
            await self.app(scope, receive, send)
            return
        try:
            payload = await answer_body(state, engine, parse_query_string(scope["query_string"]))
        except Exception as exc:  # answered by the route, with the app's error handlers
            scope.setdefault("state", {})[FAILURE_STATE_KEY] = exc
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[DATA_VERSION_STATE_KEY] = self._version_for(engine)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(payload)).encode()), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


async def nearest(
    params: NearestParams,
    *,
    engine: Engine,
    geocoder: Geocoder,
    settings: Settings,
    backend: QueryBackend | None = None,
) -> dict[str, Any]:
    """The /api/nearest body for validated parameters (also used by ``POST /api/nearest/batch``)."""
    answer: dict[str, Any] = await _answered(
        nearest_answer, params, engine=engine, geocoder=geocoder, settings=settings, backend=backend
    )
    return answer


async def nearest_json(
    params: NearestParams,
    *,
    engine: Engine,
    geocoder: Geocoder,
    settings: Settings,
    backend: QueryBackend | None = None,
) -> bytes:
    """:func:`nearest`'s body, encoded (``orjson.dumps`` of it, byte for byte): the route's."""
    body: bytes = await _answered(
        nearest_answer_json, params, engine=engine, geocoder=geocoder, settings=settings, backend=backend
    )
    return body


async def _answered(
    build: Callable[..., Any],
    params: NearestParams,
    *,
    engine: Engine,
    geocoder: Geocoder,
    settings: Settings,
    backend: QueryBackend | None,
) -> Any:
    # async: only an address may wait on the network (BAN geocoder) or the gazetteer being built: that
    # one goes to the thread pool. A commune waits for the gazetteer only in the first second of start-up.
    if params.address is not None or params.commune is not None:
        lon, lat, located = await run_in_threadpool(_locate, params, geocoder)
    else:
        lon, lat, located = _locate(params, geocoder)
    query = params.query(settings.near_limit_m)
    if not isinstance(backend, MemoryBackend):  # PostGIS waits on the database: not in the event loop
        return await run_in_threadpool(build, lon, lat, located, query=query, engine=engine, backend=backend)
    return build(lon, lat, located, query=query, engine=engine, backend=backend)


@router.get("/territories", summary="Territoires chargés, avec leurs emprises et comptes")
def territories(engine: Annotated[Engine, Depends(get_engine)]) -> list[dict[str, Any]]:
    cat = engine.catalog
    out = []
    for t in cat.territories.values():
        rows = cat.commune_table.rows_in([t.id])  # attributes and boxes only: no polygon is built
        communes = cat.commune_table.attrs.iloc[rows]
        x0, y0, x1, y1 = (round(float(v), 5) for v in cat.commune_table.total_bounds(rows))
        codes = set(communes["insee_com"])
        out.append(
            {
                "id": t.id,
                "name": t.name,
                "kind": t.kind,
                "epci_siren": t.epci_siren,
                "departments": sorted(set(communes["dep"].astype(str))),
                "bbox": [x0, y0, x1, y1],
                "communes": len(communes),
                "commune_codes": sorted(codes) if t.kind != "national" else None,
                "population": int(communes["population_municipale"].fillna(0).sum()),
                "qpv": int((cat.qpv["territory"] == t.id).sum()),
                # Resources attributed to it, or located in one of its communes.
                "resources": sum(1 for r in cat.resources if r.territory == t.id or r.insee_com in codes),
            }
        )
    return out
