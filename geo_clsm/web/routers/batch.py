"""POST /api/nearest/batch: up to 10,000 points (JSON or CSV), each answered as GET /api/nearest would.

The work is bounded (points × k, see ``GEO_CLSM_BATCH_MAX_ANSWERS``), done off the event loop in
the heavy-work pool (``geo_clsm/web/heavy.py``) chunk by chunk, and the answer streamed as it is made.

Each answer carries its query's own id. The body (the positions) is never logged; only the
filters travel in the query string, and the request log rounds nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.types import Receive, Scope, Send

from geo_clsm.engine.backend import QueryBackend
from geo_clsm.engine.batch import MAX_POINTS, BatchQuery, QueryPoint, parse_points_csv
from geo_clsm.engine.core import MAX_K, Engine
from geo_clsm.engine.index import MAX_RADIUS_M
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.validate import french_reason
from geo_clsm.settings import Settings
from geo_clsm.web.batch_work import check_budget, csv_chunk, json_chunk
from geo_clsm.web.deps import get_backend, get_engine, get_settings
from geo_clsm.web.errors import status_of
from geo_clsm.web.heavy import BUSY, heavy_pool
from geo_clsm.web.middleware.rate_limit import RATE_LIMITED, rate_limit
from geo_clsm.web.params import AgeFilter, TypeFilter

router = APIRouter(prefix="/api", tags=["recherche de proximité"])

_CHUNK = 200  # points per job of the pool: memory bounded, other batches and documents interleave


class BatchPoint(BaseModel):
    """One query: its own id and a WGS84 position."""

    model_config = ConfigDict(extra="forbid")

    id: str | int | None = Field(default=None, description="Identifiant de la requête, repris dans la réponse")
    lat: float = Field(ge=-90, le=90, description="Latitude WGS84")
    lon: float = Field(ge=-180, le=180, description="Longitude WGS84")


class BatchRequest(BaseModel):
    """Points to answer (JSON); a CSV body with columns id,lat,lon is also accepted."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"points": [{"id": "a1", "lat": 49.1197, "lon": 6.1955}]}]},
    )

    points: list[BatchPoint] = Field(min_length=1, max_length=MAX_POINTS)


_REQUEST = TypeAdapter(BatchRequest)


def _inline_schema() -> dict[str, Any]:
    """BatchRequest's JSON schema without references (the body is read by hand, not declared)."""
    schema = BatchRequest.model_json_schema()
    defs = schema.pop("$defs", {})
    schema["properties"]["points"]["items"] = defs["BatchPoint"]
    return schema


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline_schema()},
            "text/csv": {"schema": {"type": "string"}, "example": "id,lat,lon\na1,49.1197,6.1955\n"},
        },
    }
}


def _points(body: bytes, content_type: str) -> list[QueryPoint]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("corps illisible : envoyer du JSON ou du CSV encodé en UTF-8") from None
    if "csv" in content_type or "text/plain" in content_type:
        return parse_points_csv(text)
    try:
        req = _REQUEST.validate_json(text)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "corps"
        raise InvalidInputError(
            f"{where} : {french_reason(dict(err))} — attendu {{'points': [{{'id', 'lat', 'lon'}}]}}, "
            f"{MAX_POINTS} points au plus"
        ) from None
    return [
        QueryPoint(str(p.id) if p.id is not None else str(i), p.lon, p.lat) for i, p in enumerate(req.points, start=1)
    ]


@router.post(
    "/nearest/batch",
    summary=f"Les ressources les plus proches de chacun de {MAX_POINTS} points au plus (JSON ou CSV)",
    openapi_extra=_BODY_DOC,
    response_model=None,
    responses={
        **RATE_LIMITED,
        **BUSY,
        413: {
            "description": "Lot trop lourd : points × k au-delà du budget d'une requête ; `detail` dit comment découper"
        },
    },
    dependencies=[rate_limit("batch", per_minute=30)],
)
async def nearest_batch(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    backend: Annotated[QueryBackend, Depends(get_backend)],
    settings: Annotated[Settings, Depends(get_settings)],
    type: TypeFilter = None,
    age: AgeFilter = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"Résultats par point (au plus {MAX_K})", examples=[5])] = 5,
    max_distance_m: Annotated[
        float | None, Query(gt=0, le=MAX_RADIUS_M, description="Distance maximale, en mètres", examples=[5000])
    ] = None,
    format: Annotated[
        Literal["json", "csv"], Query(description="json (défaut) ou csv : une ligne par point et ressource")
    ] = "json",
) -> Response:
    """Each point is answered by the code of ``GET /api/nearest``; a point that fails gets its own
    ``status`` and ``detail`` and does not fail the batch. At most ``GEO_CLSM_BATCH_MAX_ANSWERS``
    (50,000) points × k per request (413 beyond, saying how to split); the answer is streamed,
    worked out in the heavy-work pool (429 with ``Retry-After`` when it is full)."""
    pool = heavy_pool(request)
    held = ExitStack()
    held.enter_context(pool.held())  # 429 at once when the pool is full
    try:
        points = await pool.run(_points, await request.body(), request.headers.get("content-type", ""))
        check_budget(len(points), k, settings.batch_max_answers)
    except BaseException:
        held.close()
        raise
    asked = NearestQuery(
        k=k, types=type or (), age=age, max_distance_m=max_distance_m, near_limit_m=settings.near_limit_m
    )
    query = BatchQuery(engine, backend, asked, status_of=status_of)
    chunk = json_chunk if format == "json" else csv_chunk

    async def stream() -> AsyncIterator[bytes]:
        if format == "json":
            yield b'{"answers":['
        for i in range(0, len(points), _CHUNK):
            yield await pool.run(chunk, points[i : i + _CHUNK], query, first=i == 0)
        if format == "json":
            yield b'],"count":%d}' % len(points)

    media_type = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return HeldStreamingResponse(stream(), release=held.close, media_type=media_type)


class HeldStreamingResponse(StreamingResponse):
    """A streamed answer that gives its pool ticket back once sent (or abandoned)."""

    def __init__(self, content: AsyncIterator[bytes], *, release: Callable[[], None], media_type: str) -> None:
        super().__init__(content, media_type=media_type)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()
