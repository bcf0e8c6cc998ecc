"""The ``GET /api/nearest`` answer for a located point: one builder for the API, the /recherche page,
``POST /api/nearest/batch`` and ``geo-clsm nearest``.

The point is already located (coordinates given, or a place the geocoder found); the answer is a
GeoJSON FeatureCollection of the nearest public resources, each saying how sure its distance is,
with the query, what is not near, and the national lines that answer it. No HTTP here: the web
routes parse their parameters and map errors to statuses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.lines import line_features
from geo_clsm.engine.nearby import distance_label
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.engine.sector_roles import NO_SECTOR_DATA, point_sectors, role_label
from geo_clsm.model.hours import now as clock_now
from geo_clsm.model.hours import open_now
from geo_clsm.model.resource import Resource

LOCATED_BY_COORDINATES = {"located_by": "coordinates", "method": "coordinates", "precision": "exact"}
"""How a point given by lat/lon is located (the ``query`` part of the answer)."""


def nearest_answer(
    lon: float,
    lat: float,
    located: dict[str, Any],
    *,
    query: NearestQuery,
    engine: Engine,
    now: datetime | None = None,
    backend: QueryBackend | None = None,
) -> dict[str, Any]:
    """The /api/nearest body for a located point and what is asked (built once by the caller):
    used by the API, the /recherche page and the batches. ``backend`` answers the queries
    (default: the in-memory engine)."""
    results, rest = _answer(lon, lat, located, query=query, engine=engine, now=now, backend=backend)
    features = [engine.public_feature(r, dynamic) for r, dynamic in results]
    return {"type": "FeatureCollection", "features": features, **rest}


def nearest_answer_json(
    lon: float,
    lat: float,
    located: dict[str, Any],
    *,
    query: NearestQuery,
    engine: Engine,
    now: datetime | None = None,
    backend: QueryBackend | None = None,
) -> bytes:
    """``orjson.dumps(nearest_answer(...))``, byte for byte (``tests/engine/test_answer_json.py``),
    for the API: each resource's public feature is encoded once per engine, a request encodes only
    its own members (distance, labels, opening …) and the envelope."""
    results, rest = _answer(lon, lat, located, query=query, engine=engine, now=now, backend=backend)
    return b"".join((_ENVELOPE, engine.public_features_json(results), b"],", orjson.dumps(rest)[1:]))


_ENVELOPE = b'{"type":"FeatureCollection","features":['
_NO_SECTOR_MEMBERS: dict[str, Any] = {
    "sectors": [],
    "sector_status": NO_SECTOR_DATA.status,
    "sector_note": NO_SECTOR_DATA.note_fr,
    "sector_by_public": {},
}
"""The query's sector members without sector data (« sectorisation non renseignée »): never changed."""


def _answer(
    lon: float,
    lat: float,
    located: dict[str, Any],
    *,
    query: NearestQuery,
    engine: Engine,
    now: datetime | None,
    backend: QueryBackend | None,
) -> tuple[list[tuple[Resource, dict[str, Any]]], dict[str, Any]]:
    """The answer's parts: each result's resource with its own members, and the members after
    ``features`` (in the answer's order)."""
    source = backend or MemoryBackend(engine)
    place = source.locate(lon, lat)
    precision = str(located.get("precision") or "exact")
    index = engine.sectors
    if index.has_data:  # no per-request sector work without sector data
        here = point_sectors(
            index,
            engine.catalog.sectors,
            place=place,
            precision=precision,
            sectors_at=lambda: source.sectors_at(lon, lat),
            resources_by_id=engine.catalog.resources_by_id,
        )
        if here.sectors:
            query = replace(query, sectors=here)
        sector_members = {
            "sectors": here.public_view(),
            "sector_status": here.status,
            "sector_note": here.note_fr,
            "sector_by_public": dict(here.by_public),
        }
    else:
        sector_members = _NO_SECTOR_MEMBERS
    answer = source.search(lon, lat, query)
    when = now  # read once, when first needed: each place's open_now on its own clocks (open_now)
    insee = place.insee_com
    results = []
    for r in answer.results:
        res, role = r.resource, r.sector_role
        label, approx = distance_label(r, query_insee=insee, query_precision=precision)
        if res.notice is None and res.hours is None:  # unknown at any moment: open_now is None
            is_open = None
        else:
            if when is None:
                when = clock_now()
            is_open = open_now(res, when)
        results.append(
            (
                res,
                {
                    "distance_m": round(r.distance_m, 1),
                    "distance_label": label,
                    "distance_is_approximate": approx,
                    "walk_minutes": round(r.walk_minutes, 1),
                    "walk_minutes_is_estimate": True,
                    "serves_location": r.serves_location,
                    "open_status": r.open_status,
                    "open_now": is_open,
                    "audience_known": r.audience_known,
                    "sector_role": role,
                    "sector_label": role_label(res, role) if role else None,
                },
            )
        )
    lines: list[dict[str, Any]] = []
    if answer.lines:  # their open state at open_at, else now
        lines = line_features(answer.lines, query.open_at or when or clock_now())
    rest = {
        "query": {**located, **place.as_dict(), **sector_members},
        "numberReturned": len(results),
        "near_limit_m": answer.near_limit_m,
        "missing_types": [
            {"type": t.value, "label": t.label_fr, "other_ages": t in answer.other_ages} for t in answer.missing_types
        ],
        "message": answer.message_fr(),
        "national_lines": lines,
    }
    return results, rest
