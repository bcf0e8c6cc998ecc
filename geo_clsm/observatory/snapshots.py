"""Snapshots of a territory's indicators, one per data version that changed them.

A snapshot holds what the planner view shows: the presented per-QPV indicators
(:func:`geo_clsm.access.present.present`, rounded once), the territory comparison, and the public view
of the territory's resources (id, name, type, commune, public position and its precision: never
a confidential address nor a note), so that a later version can say what opened, closed or
moved. Its ``digest`` is a hash of that content: a territory whose data did not change gets no
new snapshot (a reload, a restart, or a change elsewhere). Positions are WGS84 degrees; the
territory's projected CRS is kept for distances.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import IntegrityError

from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import present
from geo_clsm.access.sectorised import with_sectors
from geo_clsm.data.cache import catalog_version
from geo_clsm.engine.core import Engine
from geo_clsm.exports.indicator_files import records
from geo_clsm.model.directory_figures import wait_by_type
from geo_clsm.model.resource import Resource
from geo_clsm.store.schema import observatory_snapshots as table

DROPPED = ["geometry", "note", "territory"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One territory's indicators and public resources at one data version."""

    territory: str
    data_version: str
    payload: dict[str, Any]
    taken_at: datetime | None = None
    id: int | None = None

    @property
    def digest(self) -> str:
        text = json.dumps(self.payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    @property
    def qpv_rows(self) -> list[dict[str, Any]]:
        return list(self.payload.get("qpv", []))

    @property
    def resources(self) -> list[dict[str, Any]]:
        return list(self.payload.get("resources", []))

    @property
    def waits(self) -> list[dict[str, Any]]:
        """Stated waits by type (snapshots taken before issue 30 have none)."""
        return list(self.payload.get("waits", []))


def public_record(r: Resource) -> dict[str, Any]:
    """What a snapshot keeps of a resource: its public view only."""
    pos = r.public_position()
    return {
        "id": r.id,
        "name": r.public_properties()["name"],
        "type": r.type.value,
        "commune": r.commune,
        "insee_com": r.insee_com,
        "lon": round(pos.lon, 6) if pos else None,
        "lat": round(pos.lat, 6) if pos else None,
        "precision": pos.precision.value if pos else None,
    }


def build_snapshot(result: AccessResult, resources: Iterable[Resource], *, data_version: str) -> Snapshot:
    """The snapshot of one territory from its indicators and the catalog's resources."""
    qpv = with_sectors(result)  # the indicators by sector beside, followed over time too
    qpv = present(qpv.drop(columns=[c for c in DROPPED if c in qpv.columns]))
    rest = present(result.rest.drop(columns=[c for c in DROPPED if c in result.rest.columns]))
    here = [r for r in resources if r.territory == result.territory]
    mine = sorted((public_record(r) for r in here), key=lambda d: d["id"])
    payload = {
        "crs": result.crs,
        "qpv": records(qpv.sort_values(["code_qp", "resource_type"])),
        "rest": records(rest.sort_values(["zone", "resource_type"])),
        "resources": mine,
        # Stated waits by type (median, how many stated): followed from one data version to the next.
        "waits": wait_by_type(here),
    }
    return Snapshot(result.territory, data_version, payload)


def engine_snapshots(engine: Engine, territories: Iterable[str] | None = None) -> list[Snapshot]:
    """Snapshots of ``territories`` (default: every territory with indicators) of an engine whose
    indicators are up to date for them."""
    access = engine.access
    version = catalog_version(engine.catalog)
    wanted = sorted(access if territories is None else set(territories) & set(access))
    return [build_snapshot(access[t], engine.catalog.resources, data_version=version) for t in wanted]


def record(db: SqlEngine, snapshot: Snapshot, *, now: datetime | None = None) -> int | None:
    """Store ``snapshot`` unless the territory's latest one has the same content; its id, or None.

    Two workers recording the same version race on (territory, parent): one insert wins, the
    other gets None.
    """
    digest = snapshot.digest
    try:
        with db.begin() as conn:
            latest = conn.execute(
                sa.select(table.c.id, table.c.digest)
                .where(table.c.territory == snapshot.territory)
                .order_by(table.c.id.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.digest == digest:
                return None
            res = conn.execute(
                sa.insert(table).values(
                    territory=snapshot.territory,
                    parent_id=int(latest.id) if latest is not None else 0,
                    data_version=snapshot.data_version,
                    taken_at=now or datetime.now(UTC),
                    digest=digest,
                    payload=snapshot.payload,
                )
            )
            pk = res.inserted_primary_key
            return int(pk[0]) if pk is not None else None
    except IntegrityError:
        return None  # another worker recorded this version meanwhile


def _utc(v: datetime) -> datetime:
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)  # SQLite gives naive values


def _snapshot(row: Any) -> Snapshot:
    return Snapshot(
        territory=str(row.territory),
        data_version=str(row.data_version),
        payload=dict(row.payload),
        taken_at=_utc(row.taken_at),
        id=int(row.id),
    )


def load(conn: Connection, territory: str, *, until: date | None = None) -> list[Snapshot]:
    """A territory's snapshots, oldest first (those taken before ``until`` when given)."""
    q = sa.select(table).where(table.c.territory == territory).order_by(table.c.id)
    out = [_snapshot(r) for r in conn.execute(q)]
    if until is not None:
        limit = datetime.combine(until, time(0), tzinfo=UTC)
        out = [s for s in out if s.taken_at is not None and s.taken_at < limit]
    return out


def territories(conn: Connection) -> list[str]:
    """Territories that have at least one snapshot."""
    return sorted(str(t) for t in conn.execute(sa.select(table.c.territory).distinct()).scalars())
