"""Reading and changing resources in the database of record, with a history entry per change.

Every change runs in one transaction that also bumps the data version, so the engines of
every worker notice it (see :mod:`geo_clsm.store.live`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.model import clock
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.store.records import FieldError, from_row, from_snapshot, snapshot, to_row, validate_record
from geo_clsm.store.schema import history, meta, resources
from geo_clsm.store.scope import ChangeCheck, Scope, scoped

ACTIVE, WITHDRAWN = "active", "withdrawn"


def now() -> datetime:
    return datetime.now(UTC)


def change_counter(conn: Connection) -> int:
    """The database's change counter, bumped in the transaction of every change to resources
    (stored under the ``data_version`` key of ``meta``): workers poll it to know when to rebuild.
    Not the version of the data served (that is :func:`geo_clsm.engine.build.data_version`)."""
    v = conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar()
    return int(v) if v is not None else 0


def bump_change_counter(conn: Connection) -> int:
    """Increment the change counter (inside the caller's transaction) and return it."""
    updated = conn.execute(
        sa.update(meta)
        .where(meta.c.key == "data_version")
        .values(value=sa.cast(sa.cast(meta.c.value, sa.Integer) + 1, sa.Text))
    )
    if updated.rowcount == 0:
        conn.execute(sa.insert(meta).values(key="data_version", value="1"))
    version = change_counter(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_notify('geo_clsm_data', :v)"), {"v": str(version)})
    return version


def active_resources(conn: Connection) -> list[Resource]:
    """Every resource in public view, ordered by id."""
    rows = conn.execute(sa.select(resources).where(resources.c.status == ACTIVE).order_by(resources.c.id))
    return [from_row(r._mapping) for r in rows]


def get(conn: Connection, resource_id: str) -> tuple[Resource, str]:
    """(resource, status) or :class:`NotFoundError`."""
    row = conn.execute(sa.select(resources).where(resources.c.id == resource_id)).first()
    if row is None:
        raise NotFoundError(f"ressource inconnue « {resource_id} »")
    return from_row(row._mapping), str(row.status)


def territories_first(column: Any, territories: Collection[str]) -> Any:
    """An ORDER BY term putting rows whose ``column`` is one of ``territories`` first (a constant
    when there are none). The editors' lists start with their territories' records: the
    deployment's local territories today, an editor's own once roles are scoped to territories."""
    if not territories:
        return sa.literal(0)
    return sa.case((column.in_(sorted(territories)), 0), else_=1)


def search(
    conn: Connection,
    *,
    text: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    first_territories: Collection[str] = (),
    scope: Scope | None = None,
) -> tuple[list[tuple[Resource, str]], int]:
    """Resources whose id, name, commune or street contains ``text``; (page, total). Those of
    ``first_territories`` come first, then by name. Only those of ``scope`` when given."""
    q = scoped(sa.select(resources), scope)
    if text:
        like = f"%{text.lower()}%"
        q = q.where(
            sa.or_(
                sa.func.lower(resources.c.id).like(like),
                sa.func.lower(resources.c.name).like(like),
                sa.func.lower(resources.c.commune).like(like),
                sa.func.lower(resources.c.street).like(like),
            )
        )
    if status:
        q = q.where(resources.c.status == status)
    total = conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()
    first = territories_first(resources.c.territory, first_territories)
    rows = conn.execute(q.order_by(first, resources.c.name, resources.c.id).limit(limit).offset(offset))
    return [(from_row(r._mapping), str(r.status)) for r in rows], int(total)


def _record(
    conn: Connection, resource_id: str, action: str, author: str, before: Any, after: Any, comment: str | None = None
) -> int:
    res = conn.execute(
        sa.insert(history).values(
            resource_id=resource_id, action=action, author=author, at=now(), before=before, after=after, comment=comment
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _write(conn: Connection, r: Resource, *, status: str, origin: str | None = None, edited: bool = True) -> None:
    values = {**to_row(r), "status": status, "edited": edited, "updated_at": now()}
    exists = conn.execute(sa.select(resources.c.id).where(resources.c.id == r.id)).first()
    if exists:
        conn.execute(sa.update(resources).where(resources.c.id == r.id).values(**values))
    else:
        conn.execute(sa.insert(resources).values(**values, origin=origin or "editor"))


@dataclass(frozen=True, slots=True)
class Change:
    """The outcome of a change: the record after it, its status and the new data version."""

    resource: Resource
    status: str
    version: int
    history_id: int


def create(
    engine: SqlEngine,
    data: Mapping[str, Any],
    *,
    author: str,
    communes: Mapping[str, CommunePoint],
    check: ChangeCheck | None = None,
) -> Change:
    """Create a resource from a full record (validated as an imported row)."""
    if not data.get("id"):
        raise FieldError("id", "champ obligatoire manquant : un identifiant unique")
    r = validate_record(data, communes=communes)
    with engine.begin() as conn:
        if conn.execute(sa.select(resources.c.id).where(resources.c.id == r.id)).first():
            raise FieldError("id", f"identifiant « {r.id} » déjà utilisé : en choisir un autre")
        if check is not None:
            check(None, r)
        _write(conn, r, status=ACTIVE, origin="editor")
        hid = _record(conn, r.id, "create", author, None, snapshot(r))
        return Change(r, ACTIVE, bump_change_counter(conn), hid)


def update(
    engine: SqlEngine,
    resource_id: str,
    changes: Mapping[str, Any],
    *,
    author: str,
    communes: Mapping[str, CommunePoint],
    action: str = "update",
    comment: str | None = None,
    check: ChangeCheck | None = None,
) -> Change:
    """Change fields of a resource (validated as an imported row); kept in history."""
    with engine.begin() as conn:
        old, status = get(conn, resource_id)
        new = validate_record(changes, base=old, communes=communes)
        if check is not None:
            check(old, new)
        _write(conn, new, status=status)
        hid = _record(
            conn, resource_id, action, author, snapshot(old, status=status), snapshot(new, status=status), comment
        )
        return Change(new, status, bump_change_counter(conn), hid)


def withdraw(engine: SqlEngine, resource_id: str, *, author: str, check: ChangeCheck | None = None) -> Change:
    """Withdraw a resource from public view (kept, with its history, and restorable)."""
    return _set_status(engine, resource_id, WITHDRAWN, author=author, action="withdraw", check=check)


def _set_status(
    engine: SqlEngine, resource_id: str, status: str, *, author: str, action: str, check: ChangeCheck | None = None
) -> Change:
    with engine.begin() as conn:
        r, old_status = get(conn, resource_id)
        if check is not None:
            check(r, r)
        _write(conn, r, status=status)
        hid = _record(conn, resource_id, action, author, snapshot(r, status=old_status), snapshot(r, status=status))
        return Change(r, status, bump_change_counter(conn), hid)


def mark_verified(
    engine: SqlEngine, resource_id: str, *, author: str, on: date | None = None, check: ChangeCheck | None = None
) -> Change:
    """Record that a person checked the resource today (``last_verified``, ``verified_by_person``)."""
    day = on or clock.today()
    with engine.begin() as conn:
        old, status = get(conn, resource_id)
        if check is not None:
            check(old, old)
        new = Resource.model_validate(
            {
                **old.model_dump(),
                "last_verified": day,
                "verified_by": "clsm",
                "verified_by_person": True,
                "to_verify": False,
            }
        )
        _write(conn, new, status=status)
        hid = _record(conn, resource_id, "verify", author, snapshot(old, status=status), snapshot(new, status=status))
        return Change(new, status, bump_change_counter(conn), hid)


def entries(conn: Connection, resource_id: str) -> list[dict[str, Any]]:
    """Every history entry of a resource, oldest first."""
    get(conn, resource_id)
    rows = conn.execute(sa.select(history).where(history.c.resource_id == resource_id).order_by(history.c.id))
    return [dict(r._mapping) for r in rows]


def restore(
    engine: SqlEngine, resource_id: str, *, entry_id: int, author: str, check: ChangeCheck | None = None
) -> Change:
    """Bring back the record as a history entry left it (its ``after``, else its ``before``)."""
    with engine.begin() as conn:
        entry = conn.execute(sa.select(history).where(history.c.id == entry_id)).first()
        if entry is None or entry.resource_id != resource_id:
            raise InvalidInputError(f"entry_id : aucune entrée n° {entry_id} dans l'historique de « {resource_id} »")
        snap = entry.after if entry.after is not None else entry.before
        if snap is None:
            raise InvalidInputError(f"entry_id : l'entrée n° {entry_id} ne contient aucune version à restaurer")
        old, old_status = get(conn, resource_id)
        new, status = from_snapshot(snap)
        if check is not None:
            check(old, new)
        _write(conn, new, status=status)
        hid = _record(
            conn,
            resource_id,
            "restore",
            author,
            snapshot(old, status=old_status),
            snapshot(new, status=status),
            f"version de l'entrée n° {entry_id}",
        )
        return Change(new, status, bump_change_counter(conn), hid)
