"""The work of a batch of nearest queries: each point answered as ``GET /api/nearest`` answers it.

One builder for ``POST /api/nearest/batch`` (run in the heavy-work pool, chunk by chunk, see
``geo_clsm/web/heavy.py``) and for ``geo-clsm nearest``: both answer through the configured query backend
(``GEO_CLSM_QUERY_BACKEND``) and both write their CSV rows with :func:`geo_clsm.engine.batch.answer_rows`.
Plain functions, no event loop: they run in a worker thread or in the command line.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import HTTPException

from geo_clsm.engine.backend import QueryBackend
from geo_clsm.engine.batch import QueryPoint, answer_rows, write_answers_csv
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.resource import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.errors import STATUS
from geo_clsm.web.routers.nearest import LOCATED_BY_COORDINATES, NearestParams, nearest_answer


@dataclass(frozen=True, slots=True)
class BatchQuery:
    """What every point of a batch asks, and who answers it."""

    engine: Engine
    backend: QueryBackend
    settings: Settings
    k: int = 5
    types: Sequence[ResourceType] | None = None
    age: int | None = None
    max_distance_m: float | None = None


def check_budget(n_points: int, k: int, max_answers: int) -> None:
    """Refuse with a 413 and French advice a batch whose points × k is over ``max_answers``."""
    if n_points * k > max_answers:
        raise HTTPException(
            status_code=413,
            detail=f"lot trop lourd : {n_points} points × k={k} = {n_points * k} réponses, {max_answers} au plus "
            f"par requête ; découper en lots de {max(1, max_answers // k)} points au plus avec k={k}, ou réduire k",
        )


def answer_point(p: QueryPoint, q: BatchQuery) -> dict[str, Any]:
    """The ``GET /api/nearest`` body of one point, with its query's ``id``; ``id``, ``status``
    and ``detail`` (as that route's error) when the point fails."""
    params = NearestParams(
        lat=p.lat, lon=p.lon, type=list(q.types) if q.types else None, age=q.age, k=q.k, max_distance_m=q.max_distance_m
    )
    try:
        body = nearest_answer(
            p.lon,
            p.lat,
            dict(LOCATED_BY_COORDINATES),
            params=params,
            engine=q.engine,
            settings=q.settings,
            backend=q.backend,
        )
    except GeoClsmError as exc:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        return {"id": p.id, "status": status, "detail": exc.message}
    return {"id": p.id, **body}


def answers(points: Iterable[QueryPoint], q: BatchQuery) -> Iterator[dict[str, Any]]:
    """Each point's answer, in order. Between two points the thread gives the interpreter lock
    away (``time.sleep(0)``), so that requests waiting for it (``/api/nearest`` on the event loop)
    get it without waiting out the interpreter's switch interval (5 ms)."""
    for p in points:
        yield answer_point(p, q)
        time.sleep(0)


def json_chunk(points: Sequence[QueryPoint], q: BatchQuery, *, first: bool) -> bytes:
    """The answers of ``points`` as a slice of the ``answers`` JSON array (comma-led unless ``first``)."""
    body = b",".join(orjson.dumps(a) for a in answers(points, q))
    return body if first or not body else b"," + body


def csv_chunk(points: Sequence[QueryPoint], q: BatchQuery, *, first: bool) -> bytes:
    """The CSV rows of ``points`` (the header line first if ``first``)."""
    buf = io.StringIO()
    write_answers_csv((row for a in answers(points, q) for row in answer_rows(a)), buf, header=first)
    return buf.getvalue().encode("utf-8")
