"""Bringing the database of record in step with the shipped layers (or a new data version of
them): :func:`seed`, and what a restart reads to skip a seed that would change nothing
(:func:`seeded_with`, :func:`is_seed_copy`). A record changed by a person is never overwritten.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.freshness import source_short
from geo_clsm.model.resource import Resource
from geo_clsm.store.records import from_row, snapshot, to_row
from geo_clsm.store.repo import ACTIVE, WITHDRAWN, bump_change_counter, now
from geo_clsm.store.schema import history, meta, resources


@dataclass
class SeedResult:
    """What a seed run did: inserted, updated or withdrawn (unedited seed records), kept (edited by a person)."""

    inserted: int = 0
    updated: int = 0
    withdrawn: int = 0
    kept_edited: int = 0
    unchanged: int = 0


def seed(
    engine: SqlEngine,
    shipped: Iterable[Resource],
    *,
    territories: Collection[str] | None = None,
    author: str = "couches livrées",
    version: str | None = None,
) -> SeedResult:
    """Bring the database in step with the shipped layers (or a new data version of them).

    A record changed by a person (``edited``) is never overwritten, and a record already
    present is never inserted twice. Unedited records follow the layers: changed when the
    layer changed, withdrawn from public view when the layers of their territory (one of
    ``territories``) no longer ship them, active again when they come back.

    ``version`` names the data version of ``shipped`` (see :func:`seed_marker`): it is recorded
    with the seed, so that a restart with the same layers can skip it (:func:`seeded_with`). A seed
    without ``version`` clears that record.
    """
    shipped = list(shipped)
    marker = None if version is None else seed_marker(version, territories)
    for attempt in range(3):  # several workers may seed at once: the loser retries and finds the rows
        try:
            return _seed_once(engine, shipped, territories=territories, author=author, marker=marker)
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def seed_note(r: Resource) -> str:
    """The French note of a record's first seed, from the record itself: its source and the source's date."""
    when = f", données du {r.source_date.strftime('%d/%m/%Y')}" if r.source_date else ""
    return f"fiche reprise des couches livrées (source : {source_short(r.source)}{when})"


def _seed_entry(rid: str, author: str, stamp: datetime, before: Any, after: Any, comment: str | None) -> dict[str, Any]:
    return {
        "resource_id": rid,
        "action": "seed",
        "author": author,
        "at": stamp,
        "before": before,
        "after": after,
        "comment": comment,
    }


def _seed_once(
    engine: SqlEngine,
    shipped: list[Resource],
    *,
    territories: Collection[str] | None,
    author: str,
    marker: str | None = None,
) -> SeedResult:
    result = SeedResult()
    with engine.begin() as conn:
        existing = {r.id: r for r in conn.execute(sa.select(resources))}
        inserts, hist = [], []
        stamp = now()
        for r in shipped:
            row = to_row(r)
            current = existing.get(r.id)
            if current is None:
                inserts.append({**row, "status": ACTIVE, "origin": "seed", "edited": False, "updated_at": stamp})
                hist.append(_seed_entry(r.id, author, stamp, None, snapshot(r), seed_note(r)))
                result.inserted += 1
                continue
            if current.edited:
                result.kept_edited += 1
                continue
            old = from_row(current._mapping)
            if old == r and current.status == ACTIVE:
                result.unchanged += 1
                continue
            conn.execute(
                sa.update(resources).where(resources.c.id == r.id).values(**row, status=ACTIVE, updated_at=stamp)
            )
            hist.append(_seed_entry(r.id, author, stamp, snapshot(old, status=current.status), snapshot(r), None))
            result.updated += 1
        if territories is not None:
            ids = {r.id for r in shipped}
            scope = set(territories)
            for rid, current in existing.items():
                if rid in ids or current.edited or current.status != ACTIVE or current.territory not in scope:
                    continue
                conn.execute(
                    sa.update(resources).where(resources.c.id == rid).values(status=WITHDRAWN, updated_at=stamp)
                )
                old = from_row(current._mapping)
                hist.append(
                    _seed_entry(
                        rid,
                        author,
                        stamp,
                        snapshot(old),
                        snapshot(old, status=WITHDRAWN),
                        "absente des couches livrées",
                    )
                )
                result.withdrawn += 1
        if inserts:
            conn.execute(sa.insert(resources), inserts)
        if hist:
            conn.execute(sa.insert(history), hist)
        if inserts or result.updated or result.withdrawn:
            bump_change_counter(conn)
        conn.execute(sa.delete(meta).where(meta.c.key.in_(["seeded_at", SEED_VERSION])))
        conn.execute(sa.insert(meta).values(key="seeded_at", value=stamp.isoformat()))
        if marker is not None:
            conn.execute(sa.insert(meta).values(key=SEED_VERSION, value=marker))
    return result


def was_seeded(conn: Connection) -> bool:
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == "seeded_at")).first() is not None


SEED_VERSION = "seed_version"


def seed_marker(version: str, territories: Collection[str] | None) -> str:
    """What a seed records: the data version of the layers it brought in and the territories it covered."""
    return f"{version}|{','.join(sorted(territories)) if territories is not None else '*'}"


def seeded_with(conn: Connection, version: str, territories: Collection[str] | None) -> bool:
    """True when the last seed brought in this data version of the layers for these territories.

    Then seeding again would change nothing: every later change to a resource is a person's
    (``edited``), which a seed leaves alone.
    """
    stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == SEED_VERSION)).scalar()
    return stored == seed_marker(version, territories)


def is_seed_copy(conn: Connection, *, version: str, territories: Collection[str], count: int) -> bool:
    """True when the active records of ``territories`` (and those of no territory) are exactly the
    ``count`` records of the layers the last seed brought in (data version ``version``): that seed
    covered these territories, no person ever changed a record, and no other record is active.
    Then the database holds what the layers hold, and an engine built from the layers serves it."""
    if not seeded_with(conn, version, territories):
        return False
    if conn.execute(sa.select(sa.func.count()).select_from(resources).where(resources.c.edited)).scalar_one():
        return False
    in_scope = sa.or_(resources.c.territory.is_(None), resources.c.territory.in_(list(territories)))
    active = sa.select(sa.func.count()).select_from(resources).where(resources.c.status == ACTIVE, in_scope)
    return int(conn.execute(active).scalar_one()) == count
