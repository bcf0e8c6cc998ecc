"""Export the database of record to a file, and apply an import report to it.

Exports use the project's resource schema (the importers' own), so
``geo-clsm db export --out F`` followed by ``geo-clsm import resources F --apply``
round-trips every field. They hold true positions, confidential addresses and notes:
they are internal backups, not publications.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.importers.resource_schema import COLUMNS
from geo_clsm.data.importers.resource_write import resource_to_row, write_resources_csv
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.records import from_row, snapshot, to_row
from geo_clsm.store.schema import history as history_table
from geo_clsm.store.schema import resources as resources_table
from geo_clsm.store.scope import ChangeCheck, Scope, scoped

EXPORT_FORMATS = (".gpkg", ".geojson", ".csv")
_PROPS = [c for c in COLUMNS if c not in ("lon", "lat")]


def export_resources(
    db: SqlEngine,
    out: Path,
    *,
    include_withdrawn: bool = False,
    scope: Scope | None = None,
) -> int:
    """Write the active resources (or all; those of ``scope`` when given: a territory's records by
    position, commune or name, as the editors' lists, see :mod:`geo_clsm.store.membership`) to
    ``out`` (.gpkg, .geojson or .csv); returns the count."""
    suffix = out.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InvalidInputError(f"format d'export « {suffix} » : choisir {', '.join(EXPORT_FORMATS)}")
    q = scoped(sa.select(resources_table), scope)
    if not include_withdrawn:
        q = q.where(resources_table.c.status == repo.ACTIVE)
    with db.connect() as conn:
        records = [from_row(r._mapping) for r in conn.execute(q.order_by(resources_table.c.id))]
    if suffix == ".csv":
        write_resources_csv(records, out)
    elif suffix == ".geojson":
        out.write_text(json.dumps(_feature_collection(records), ensure_ascii=False), encoding="utf-8")
    else:
        _gdf(records).to_file(out, layer="resources", driver="GPKG")
    return len(records)


def _feature_collection(records: Iterable[Resource]) -> dict[str, object]:
    features = []
    for r in records:
        row = resource_to_row(r)
        lon, lat = row.pop("lon"), row.pop("lat")
        geom = None if lon == "" else {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "geometry": geom, "properties": row})
    return {"type": "FeatureCollection", "features": features}


def _gdf(records: Iterable[Resource]) -> gpd.GeoDataFrame:
    rows = [resource_to_row(r) for r in records]
    geoms = [None if row["lon"] == "" else shapely.Point(float(row["lon"]), float(row["lat"])) for row in rows]
    df = pd.DataFrame([{k: str(row[k]) for k in _PROPS} for row in rows], columns=_PROPS)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=WGS84)


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


APPLY_CHUNK = 500  # records looked up (one IN query) and inserted (one executemany) together


def apply_records(
    db: SqlEngine, records: Iterable[Any], *, author: str, check: ChangeCheck | None = None
) -> ApplyResult:
    """Write validated records (an import report's) to the database, each change in history.

    One transaction; records are taken ``APPLY_CHUNK`` at a time: the rows already stored are
    read in one query, new records and their history entries inserted by one executemany each
    (changed records are updated one by one). ``check`` (the importer's rights) is asked about
    each new or changed record: one refusal and nothing is written.
    """
    result = ApplyResult()
    with db.begin() as conn:
        it = iter(records)
        while chunk := list(islice(it, APPLY_CHUNK)):
            if len({r.id for r in chunk}) < len(chunk):  # an id twice (an importer refuses that): one by one
                for r in chunk:
                    _apply_chunk(conn, [r], author=author, result=result, check=check)
            else:
                _apply_chunk(conn, chunk, author=author, result=result, check=check)
        if result.created or result.updated:
            repo.bump_change_counter(conn)
    return result


def _apply_chunk(
    conn: sa.Connection,
    chunk: Sequence[Resource],
    *,
    author: str,
    result: ApplyResult,
    check: ChangeCheck | None = None,
) -> None:
    ids = [r.id for r in chunk]
    stored = {row.id: row for row in conn.execute(sa.select(resources_table).where(resources_table.c.id.in_(ids)))}
    stamp = repo.now()
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for r in chunk:
        row = stored.get(r.id)
        if row is None:
            if check is not None:
                check(None, r)
            rows.append({**to_row(r), "status": repo.ACTIVE, "edited": True, "updated_at": stamp, "origin": "import"})
            entries.append(_entry(r.id, author, stamp, None, snapshot(r)))
            result.created += 1
            continue
        old, status = from_row(row._mapping), str(row.status)
        if old == r:
            result.unchanged += 1
            continue
        if check is not None:
            check(old, r)
        repo._write(conn, r, status=status)
        repo._record(conn, r.id, "import", author, snapshot(old, status=status), snapshot(r, status=status))
        result.updated += 1
    if rows:
        conn.execute(sa.insert(resources_table), rows)
        conn.execute(sa.insert(history_table), entries)


def _entry(rid: str, author: str, stamp: Any, before: Any, after: Any) -> dict[str, Any]:
    return {
        "resource_id": rid,
        "action": "import",
        "author": author,
        "at": stamp,
        "before": before,
        "after": after,
        "comment": None,
    }
