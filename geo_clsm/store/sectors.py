"""Psychiatric sectors in the database of record, with a history entry per change (issue 29).

As for resources (:mod:`geo_clsm.store.repo`), every change runs in one transaction that also
bumps the change counter: every worker rebuilds its engine with the new sectors
(:class:`geo_clsm.store.live.LiveEngine`), one swap, one data version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.sector import Extent, Sector
from geo_clsm.store.repo import ACTIVE, WITHDRAWN, bump_change_counter, now
from geo_clsm.store.schema import sector_history, sectors
from geo_clsm.store.scope import Scope


def to_row(s: Sector) -> dict[str, Any]:
    """The sector's columns."""
    return {
        "id": s.id,
        "name": s.name,
        "public": s.public,
        "establishment": s.establishment,
        "referents": list(s.referents),
        "communes": list(s.extent.communes),
        "qpv": list(s.extent.qpv),
        "polygon_wkt": s.extent.polygon_wkt,
        "territory": s.territory,
        "source": s.source,
        "last_verified": s.last_verified,
    }


def from_row(row: Mapping[str, Any] | sa.RowMapping) -> Sector:
    lv = row["last_verified"]
    return Sector(
        id=row["id"],
        name=row["name"],
        public=row["public"],
        establishment=row["establishment"] or "",
        referents=tuple(row["referents"] or ()),
        extent=Extent(
            communes=tuple(row["communes"] or ()), qpv=tuple(row["qpv"] or ()), polygon_wkt=row["polygon_wkt"]
        ),
        territory=row["territory"],
        source=row["source"],
        last_verified=lv if isinstance(lv, date) or lv is None else date.fromisoformat(str(lv)),
    )


def snapshot(s: Sector, *, status: str = ACTIVE) -> dict[str, Any]:
    """The JSON kept in history: the columns (dates as ISO text) and the status."""
    row = to_row(s)
    row["last_verified"] = s.last_verified.isoformat() if s.last_verified else None
    return {**row, "status": status}


def from_snapshot(snap: Mapping[str, Any]) -> tuple[Sector, str]:
    return from_row(snap), str(snap.get("status", ACTIVE))


def active_sectors(conn: Connection) -> tuple[Sector, ...]:
    """Every active sector, by id."""
    rows = conn.execute(sa.select(sectors).where(sectors.c.status == ACTIVE).order_by(sectors.c.id))
    return tuple(from_row(r._mapping) for r in rows)


def all_sectors(conn: Connection, *, scope: Scope | None = None) -> list[tuple[Sector, str]]:
    """Every sector with its status (active or withdrawn), by id (those of ``scope``'s territories when given)."""
    q = sa.select(sectors).order_by(sectors.c.id)
    if scope is not None:
        q = q.where(sectors.c.territory.in_(sorted(scope.territories)))
    rows = conn.execute(q)
    return [(from_row(r._mapping), str(r.status)) for r in rows]


def get_sector(conn: Connection, sector_id: str) -> tuple[Sector, str]:
    """(sector, status) or :class:`NotFoundError`."""
    row = conn.execute(sa.select(sectors).where(sectors.c.id == sector_id)).first()
    if row is None:
        raise NotFoundError(f"secteur inconnu « {sector_id} »")
    return from_row(row._mapping), str(row.status)


def _record(
    conn: Connection, sector_id: str, action: str, author: str, before: Any, after: Any, comment: str | None
) -> int:
    res = conn.execute(
        sa.insert(sector_history).values(
            sector_id=sector_id, action=action, author=author, at=now(), before=before, after=after, comment=comment
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _write(conn: Connection, s: Sector, *, status: str, exists: bool) -> None:
    values = {**to_row(s), "status": status, "updated_at": now()}
    if exists:
        conn.execute(sa.update(sectors).where(sectors.c.id == s.id).values(**values))
    else:
        conn.execute(sa.insert(sectors).values(**values))


@dataclass
class SectorImportResult:
    """What an import did: sectors created, updated, withdrawn (absent from the file, of its territories), unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    version: int | None = None

    def format(self) -> str:
        return (
            f"secteurs : {len(self.created)} créé(s), {len(self.updated)} modifié(s), "
            f"{len(self.withdrawn)} retiré(s), {len(self.unchanged)} inchangé(s)"
        )


def replace_sectors(
    db: SqlEngine, incoming: Iterable[Sector], *, author: str, comment: str | None = None
) -> SectorImportResult:
    """Store an imported set of sectors in one transaction: each is created or updated (with its
    history entry), and the active sectors of the same territories that the set does not hold are
    withdrawn (the file is the list of record for the territories it covers)."""
    incoming = list(incoming)
    result = SectorImportResult()
    with db.begin() as conn:
        existing = {s.id: (s, st) for s, st in all_sectors(conn)}
        for s in incoming:
            old = existing.get(s.id)
            if old is not None and old[0] == s and old[1] == ACTIVE:
                result.unchanged.append(s.id)
                continue
            _write(conn, s, status=ACTIVE, exists=old is not None)
            before = None if old is None else snapshot(old[0], status=old[1])
            _record(conn, s.id, "import", author, before, snapshot(s), comment)
            (result.created if old is None else result.updated).append(s.id)
        scope = {s.territory for s in incoming}
        ids = {s.id for s in incoming}
        for sid, (s, st) in existing.items():
            if sid in ids or st != ACTIVE or s.territory not in scope:
                continue
            _write(conn, s, status=WITHDRAWN, exists=True)
            _record(
                conn, sid, "withdraw", author, snapshot(s), snapshot(s, status=WITHDRAWN), "absent du fichier importé"
            )
            result.withdrawn.append(sid)
        if result.created or result.updated or result.withdrawn:
            result.version = bump_change_counter(conn)
    return result


def save_sector(db: SqlEngine, s: Sector, *, author: str, create: bool = False) -> int:
    """Create (``create``) or change one sector (an editor's screen); returns the new change counter."""
    with db.begin() as conn:
        row = conn.execute(sa.select(sectors.c.status).where(sectors.c.id == s.id)).first()
        if create and row is not None:
            raise InvalidInputError(f"identifiant de secteur « {s.id} » déjà utilisé : en choisir un autre")
        if not create and row is None:
            raise NotFoundError(f"secteur inconnu « {s.id} »")
        before = None
        status = ACTIVE
        if row is not None:
            old, status = get_sector(conn, s.id)
            before = snapshot(old, status=status)
        _write(conn, s, status=status, exists=row is not None)
        _record(conn, s.id, "create" if create else "update", author, before, snapshot(s, status=status), None)
        return bump_change_counter(conn)


def set_sector_status(db: SqlEngine, sector_id: str, status: str, *, author: str) -> int:
    """Withdraw a sector (``withdrawn``) or bring it back (``active``); kept in history."""
    with db.begin() as conn:
        s, old = get_sector(conn, sector_id)
        _write(conn, s, status=status, exists=True)
        action = "withdraw" if status == WITHDRAWN else "restore"
        _record(conn, sector_id, action, author, snapshot(s, status=old), snapshot(s, status=status), None)
        return bump_change_counter(conn)


def sector_entries(conn: Connection, sector_id: str) -> list[dict[str, Any]]:
    """Every history entry of a sector, oldest first."""
    get_sector(conn, sector_id)
    rows = conn.execute(
        sa.select(sector_history).where(sector_history.c.sector_id == sector_id).order_by(sector_history.c.id)
    )
    return [dict(r._mapping) for r in rows]
