"""Where each record belongs, stored for the lists (issue 31): the one rule of
:meth:`geo_clsm.store.rights.TerritoryMap.of_rows` (a record belongs to the territories that contain
its position or its commune, or that it names) written in ``resources.belongs_to``, so that every
editor list and export filters in SQL, the same on SQLite and PostgreSQL, and pages and counts stay right.

**Kept current.** A record's stored membership is cleared by every change of it (the column's
``onupdate``: create, edit, move, withdraw, restore, import, seed, correction, official values all
write through SQLAlchemy), and everything is computed again when the places change (a territory
added or removed, new layers: :attr:`~geo_clsm.store.rights.TerritoryMap.fingerprint`, kept in
``meta``). :func:`refresh` computes what is missing before a list reads (:func:`scope_of` calls it:
every :class:`~geo_clsm.store.scope.Scope` is current when made). A computation is written only
if the row still holds what it was computed from, so a change that lands meanwhile is not overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.store.rights import TerritoryMap, scope_territories
from geo_clsm.store.schema import meta, resources
from geo_clsm.store.scope import Scope, encode
from geo_clsm.store.users import User

PLACES_KEY = "membership_places"
"""The ``meta`` key naming the places (fingerprint) the stored membership was computed with."""
BATCH = 5000


def refresh(db: SqlEngine, places: TerritoryMap) -> int:
    """Compute the membership of every record that has none (of every record when ``places`` are
    not those it was computed with); returns how many rows were written."""
    c = resources.c
    with db.begin() as conn:
        stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == PLACES_KEY)).scalar()
        if stored != places.fingerprint:
            conn.execute(sa.update(resources).values(belongs_to=None))
            conn.execute(sa.delete(meta).where(meta.c.key == PLACES_KEY))
            conn.execute(sa.insert(meta).values(key=PLACES_KEY, value=places.fingerprint))
    written, after = 0, ""
    while True:  # by id, each row tried once: one changed meanwhile is computed on the next refresh
        with db.begin() as conn:
            rows = conn.execute(
                sa.select(c.id, c.territory, c.insee_com, c.lon, c.lat)
                .where(c.belongs_to.is_(None), c.id > after)
                .order_by(c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return written
            written += _write(conn, rows, places)
            after = str(rows[-1].id)
            if len(rows) < BATCH:
                return written


def _write(conn: Connection, rows: Iterable[sa.Row], places: TerritoryMap) -> int:
    rows = list(rows)
    found = places.of_rows([(r.territory, r.insee_com, r.lon, r.lat) for r in rows])
    c = resources.c
    stmt = (
        sa.update(resources)
        .where(
            c.id == sa.bindparam("rid"),
            c.belongs_to.is_(None),
            # only if the row still holds what was computed from (a change meanwhile clears it again)
            c.territory.is_not_distinct_from(sa.bindparam("t", type_=c.territory.type)),
            c.insee_com.is_not_distinct_from(sa.bindparam("com", type_=c.insee_com.type)),
            c.lon.is_not_distinct_from(sa.bindparam("x", type_=c.lon.type)),
            c.lat.is_not_distinct_from(sa.bindparam("y", type_=c.lat.type)),
        )
        .values(belongs_to=sa.bindparam("b"))
    )
    params = [
        {"rid": r.id, "t": r.territory, "com": r.insee_com, "x": r.lon, "y": r.lat, "b": encode(f)}
        for r, f in zip(rows, found, strict=True)
    ]
    conn.execute(stmt, params)
    return len(params)


def scope_of(user: User, places: TerritoryMap, db: SqlEngine) -> Scope | None:
    """What ``user``'s lists and exports show (None: everything, for a deployment-wide account);
    the stored membership is brought up to date first."""
    readable = scope_territories(user)
    if readable is None:
        return None
    refresh(db, places)
    return Scope(territories=readable)


def territory_scope(territory: str, places: TerritoryMap, db: SqlEngine) -> Scope:
    """The records of one territory (an export for its CLSM, a campaign's records), membership current."""
    refresh(db, places)
    return Scope(territories=frozenset({territory}))
