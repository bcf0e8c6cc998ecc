"""POST /api/nearest/batch: up to 10,000 points (JSON or CSV), each answered as GET /api/nearest would.

Each answer carries its query's own id. The body (the positions) is never logged; only the
filters travel in the query string, and the request log rounds nothing else.
"""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.deps import get_backend, get_engine, get_geocoder, get_settings
from api.errors import STATUS
from api.params import AgeFilter, TypeFilter
from api.routers import nearest as single
from api.security import RATE_LIMITED, rate_limit
from api.settings import Settings
from geo_clsm.backend import QueryBackend
from geo_clsm.batch import ANSWER_FIELDS, MAX_POINTS, QueryPoint, parse_points_csv, write_answers_csv
from geo_clsm.engine import MAX_K, Engine
from geo_clsm.errors import GeoClsmError, InvalidInputError
from geo_clsm.geocode import Geocoder
from geo_clsm.index import MAX_RADIUS_M
from geo_clsm.validate import french_reason

router = APIRouter(prefix="/api", tags=["recherche de proximité"])

_YIELD_EVERY = 100  # let other requests run between slices of a large batch


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
    responses=RATE_LIMITED,
    dependencies=[rate_limit("batch", per_minute=30)],
)
async def nearest_batch(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    backend: Annotated[QueryBackend, Depends(get_backend)],
    geocoder: Annotated[Geocoder, Depends(get_geocoder)],
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
    ``status`` and ``detail`` and does not fail the batch."""
    points = _points(await request.body(), request.headers.get("content-type", ""))
    answers: list[dict[str, Any]] = []
    for n, p in enumerate(points, start=1):
        params = single.NearestParams(lat=p.lat, lon=p.lon, type=type, age=age, k=k, max_distance_m=max_distance_m)
        try:
            answers.append(
                {
                    "id": p.id,
                    **await single.nearest(
                        params=params, engine=engine, backend=backend, geocoder=geocoder, settings=settings
                    ),
                }
            )
        except GeoClsmError as exc:
            status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
            answers.append({"id": p.id, "status": status, "detail": exc.message})
        if n % _YIELD_EVERY == 0:
            await asyncio.sleep(0)
    if format == "csv":
        buf = io.StringIO()
        write_answers_csv(_rows(answers), buf)
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")
    return Response(orjson.dumps({"answers": answers, "count": len(answers)}), media_type="application/json")


def _rows(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for a in answers:
        feats = a.get("features")
        if not feats:
            rows.append({"id": a["id"], "error": a.get("detail", "aucune ressource trouvée avec ces filtres")})
        for rank, f in enumerate(feats or [], start=1):
            props = f["properties"]
            rows.append(
                {
                    "id": a["id"],
                    "rank": rank,
                    "resource_id": props["id"],
                    **{key: props.get(key) for key in ANSWER_FIELDS if key in ("name", "type", "commune")},
                    "distance_m": props.get("distance_m"),
                    "walk_minutes": props.get("walk_minutes"),
                }
            )
    return rows
