"""The ``GET /api/nearest`` answer for a located point: one builder for the API, the /recherche page,
``POST /api/nearest/batch`` and ``geo-clsm nearest``.

The point is already located (coordinates given, or a place the geocoder found); the answer is a
GeoJSON FeatureCollection of the nearest public resources, each saying how sure its distance is,
with the query, what is not near, and the national lines that answer it. No HTTP here: the web
routes parse their parameters and map errors to statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearby import distance_label
from geo_clsm.model.geojson import feature
from geo_clsm.model.hours import local_now, open_now
from geo_clsm.model.resource import ResourceType
from geo_clsm.settings import Settings

LOCATED_BY_COORDINATES = {"located_by": "coordinates", "method": "coordinates", "precision": "exact"}
"""How a point given by lat/lon is located (the ``query`` part of the answer)."""


class NearestCriteria(Protocol):
    """What a person looks for (the web's ``NearestParams`` has these, and a batch's query)."""

    @property
    def k(self) -> int: ...
    @property
    def type(self) -> Sequence[ResourceType] | None: ...
    @property
    def age(self) -> int | None: ...
    @property
    def max_distance_m(self) -> float | None: ...
    @property
    def open_at(self) -> datetime | None: ...
    @property
    def lang_spoken(self) -> Sequence[str] | None: ...


def nearest_answer(
    lon: float,
    lat: float,
    located: dict[str, Any],
    *,
    params: NearestCriteria,
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    backend: QueryBackend | None = None,
) -> dict[str, Any]:
    """The /api/nearest body for a located point: used by the API and by the /recherche page.
    ``backend`` answers the queries (default: the in-memory engine)."""
    backend = backend or MemoryBackend(engine)
    place = backend.locate(lon, lat)
    answer = backend.search(
        lon,
        lat,
        k=params.k,
        types=params.type or (),
        age=params.age,
        max_distance_m=params.max_distance_m,
        open_at=params.open_at,
        near_limit_m=settings.near_limit_m,
        languages=params.lang_spoken or (),
    )
    precision = str(located.get("precision") or "exact")
    when = now or local_now()
    features = []
    for r in answer.results:
        label, approx = distance_label(r, query_insee=place.insee_com, query_precision=precision)
        features.append(
            engine.public_feature(  # = feature(r.resource, {**engine.resource_extra(r.resource), ...})
                r.resource,
                {
                    "distance_m": round(r.distance_m, 1),
                    "distance_label": label,
                    "distance_is_approximate": approx,
                    "walk_minutes": round(r.walk_minutes, 1),
                    "walk_minutes_is_estimate": True,
                    "serves_location": r.serves_location,
                    "open_status": r.open_status,
                    "open_now": open_now(r.resource, when),
                    "audience_known": r.audience_known,
                },
            )
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "query": {**located, **place.as_dict()},
        "numberReturned": len(features),
        "near_limit_m": answer.near_limit_m,
        "missing_types": [{"type": t.value, "label": t.label_fr} for t in answer.missing_types],
        "message": answer.message_fr(),
        "national_lines": [feature(r, {}) for r in answer.lines],
    }
