"""Batch nearest queries for planners and professionals: points in, answers out (CSV).

A points file is CSV with columns ``id``, ``lat``, ``lon`` (WGS84; ``latitude``/``longitude``
also accepted; ``;`` or ``,`` separated; ``id`` optional, the row number otherwise). Every
answer carries its query's id. Positions are never logged, and never written back: the
answers name the query by its id only.

Each point is answered as ``GET /api/nearest`` answers it (:func:`geo_clsm.engine.answer.nearest_answer`),
through the configured query backend (``GEO_CLSM_QUERY_BACKEND``): :func:`answers` is the one batch
answerer of ``POST /api/nearest/batch`` (which streams it from the heavy-work pool, see
``geo_clsm/web/batch_work.py``) and of ``geo-clsm nearest``, and :func:`answer_rows` their one CSV
row builder. Plain functions, no event loop: they run in a worker thread or in the command line.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer
from geo_clsm.engine.backend import QueryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.exports.sheet_safety import neutralise_row
from geo_clsm.model.errors import GeoClsmError, InvalidInputError
from geo_clsm.model.resource_types import ResourceType

MAX_POINTS = 10_000
ANSWER_FIELDS = (
    "id",
    "rank",
    "resource_id",
    "name",
    "type",
    "commune",
    "distance_m",
    "walk_minutes",
    "sector_role",
    "sectors",
    "error",
)
"""The answer CSV's columns: ``sector_role`` as ``GET /api/nearest`` gives it (``referent``,
``hors_secteur`` or empty), ``sectors`` the ids of the point's sectors (``;``-separated), or the
French note when its sector is unknown (« sectorisation non renseignée » …)."""
_LAT = ("lat", "latitude", "y")
_LON = ("lon", "lng", "longitude", "x")


@dataclass(frozen=True, slots=True)
class QueryPoint:
    """One query of a batch: its own id and a WGS84 position."""

    id: str
    lon: float
    lat: float


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    folded = [h.strip().lower() for h in header]
    return next((folded.index(n) for n in names if n in folded), None)


def parse_points_csv(text: str, *, max_points: int = MAX_POINTS) -> list[QueryPoint]:
    """Query points from CSV text.

    Raises
    ------
    InvalidInputError
        Naming the row and the field to fix (French), or when there are too many points.
    """
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","))
    if not rows:
        raise InvalidInputError("fichier de points vide : une ligne d'en-tête id,lat,lon puis une ligne par point")
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    i_lat, i_lon, i_id = _column(header, _LAT), _column(header, _LON), _column(header, ("id",))
    if i_lat is None or i_lon is None:
        raise InvalidInputError("colonnes lat et lon introuvables : l'en-tête doit être id,lat,lon")
    if len(body) > max_points:
        raise InvalidInputError(f"trop de points ({len(body)}) : {max_points} au plus par lot, découper le fichier")
    points = []
    for n, row in enumerate(body, start=2):
        qid = row[i_id].strip() if i_id is not None and i_id < len(row) and row[i_id].strip() else str(n - 1)
        points.append(QueryPoint(qid, _coord(row, i_lon, n, "lon", 180), _coord(row, i_lat, n, "lat", 90)))
    return points


def _coord(row: Sequence[str], i: int, line: int, name: str, bound: float) -> float:
    raw = row[i].strip().replace(",", ".") if i < len(row) else ""
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInputError(
            f"ligne {line}, champ {name} : nombre attendu (degrés décimaux), lu « {raw} »"
        ) from None
    if not -bound <= value <= bound:
        raise InvalidInputError(f"ligne {line}, champ {name} : doit être entre -{bound:g} et {bound:g}, lu {value:g}")
    return value


NO_RESULT = "aucune ressource trouvée avec ces filtres"


def answer_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV rows of one point's answer (a ``GET /api/nearest`` body with its query's ``id``, or
    ``id``, ``status`` and ``detail`` when the point failed): one row per resource, nearest first;
    one row with ``error`` when the point failed or nothing was found.

    The one row builder of ``POST /api/nearest/batch?format=csv`` and of ``geo-clsm nearest``.
    """
    feats = answer.get("features")
    if not feats:
        return [{"id": answer["id"], "error": answer.get("detail", NO_RESULT)}]
    query = answer.get("query") or {}
    sectors = ";".join(s["id"] for s in query.get("sectors") or ()) or query.get("sector_note")
    rows = []
    for rank, f in enumerate(feats, start=1):
        props = f["properties"]
        rows.append(
            {
                "id": answer["id"],
                "rank": rank,
                "resource_id": props["id"],
                "name": props.get("name"),
                "type": props.get("type"),
                "commune": props.get("commune"),
                "distance_m": props.get("distance_m"),
                "walk_minutes": props.get("walk_minutes"),
                "sector_role": props.get("sector_role"),
                "sectors": sectors,
            }
        )
    return rows


def write_answers_csv(rows: Iterable[dict[str, Any]], out: io.TextIOBase | Any, *, header: bool = True) -> int:
    """Write answer rows as CSV (``ANSWER_FIELDS``, the header line first unless ``header`` is
    false: a later chunk of a streamed answer); returns the number of rows.

    Text values (the query ids echoed from the client included) are neutralised for spreadsheets."""
    writer = csv.DictWriter(out, fieldnames=ANSWER_FIELDS, extrasaction="ignore")
    if header:
        writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(neutralise_row(row))
        n += 1
    return n


def parse_types(values: Sequence[str] | None) -> list[ResourceType]:
    """Resource types from their codes, with a French error naming the valid ones."""
    try:
        return [ResourceType(v) for v in values or ()]
    except ValueError:
        valid = ", ".join(t.value for t in ResourceType)
        raise InvalidInputError(f"type inconnu : choisir parmi {valid}") from None


@dataclass(frozen=True, slots=True)
class BatchQuery:
    """What every point of a batch asks (``query``: no opening time, no language), and who answers
    it. ``status_of`` gives a failed point's answer the HTTP status of its error (the web's mapping);
    without it the answer has no status."""

    engine: Engine
    backend: QueryBackend
    query: NearestQuery
    status_of: Callable[[GeoClsmError], int] | None = None


def answer_point(p: QueryPoint, q: BatchQuery) -> dict[str, Any]:
    """The ``GET /api/nearest`` body of one point, with its query's ``id``; ``id``, ``status``
    and ``detail`` (as that route's error) when the point fails."""
    try:
        body = nearest_answer(
            p.lon, p.lat, dict(LOCATED_BY_COORDINATES), query=q.query, engine=q.engine, backend=q.backend
        )
    except GeoClsmError as exc:
        status = {} if q.status_of is None else {"status": q.status_of(exc)}
        return {"id": p.id, **status, "detail": exc.message}
    return {"id": p.id, **body}


def answers(points: Iterable[QueryPoint], q: BatchQuery) -> Iterator[dict[str, Any]]:
    """Each point's answer, in order. Between two points the thread gives the interpreter lock
    away (``time.sleep(0)``), so that requests waiting for it (``/api/nearest`` on the event loop)
    get it without waiting out the interpreter's switch interval (5 ms)."""
    for p in points:
        yield answer_point(p, q)
        time.sleep(0)
