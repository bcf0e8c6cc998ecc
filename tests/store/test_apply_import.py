"""Applying an import to the database in chunks: every record created, unchanged or updated, each
change with its history entry, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.store import files, repo
from geo_clsm.store.files import apply_records
from geo_clsm.store.schema import history


def _synthetic(n: int) -> list[Resource]:
    return [
        Resource(
            id=f"synthetic-apply-{i}",
            type=ResourceType.GEM if i % 2 else ResourceType.CMP,
            name=f"synthetic resource {i}",
            position=Position(
                lon=6.1 + i * 1e-4, lat=49.1, precision=PositionPrecision.ADDRESS, source="synthetic geocoder"
            ),
            source="synthetic apply test",
            last_verified=date(2026, 1, 1),
        )
        for i in range(n)
    ]


def _entries(db: SqlEngine) -> list[tuple[str, str]]:
    with db.connect() as conn:
        rows = conn.execute(sa.select(history.c.resource_id, history.c.action).where(history.c.author == "t"))
        return sorted((r.resource_id, r.action) for r in rows)


def test_apply_in_chunks(db: SqlEngine) -> None:
    records = _synthetic(2 * files.APPLY_CHUNK + 7)  # three chunks, the last one short
    with db.connect() as conn:
        version = repo.change_counter(conn)
        before = len(repo.active_resources(conn))
    result = apply_records(db, records, author="t")
    assert (result.created, result.updated, result.unchanged) == (len(records), 0, 0)
    with db.connect() as conn:
        stored = {r.id: r for r in repo.active_resources(conn)}
        assert repo.change_counter(conn) == version + 1
    assert len(stored) == before + len(records)
    assert all(stored[r.id] == r for r in records)
    assert _entries(db) == sorted((r.id, "import") for r in records)

    again = apply_records(db, records, author="t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(records))
    with db.connect() as conn:
        assert repo.change_counter(conn) == version + 1  # nothing changed: same version

    changed = [
        r.model_copy(update={"name": "synthetic renamed"}) if i in (3, 600) else r for i, r in enumerate(records)
    ]
    third = apply_records(db, changed, author="t")
    assert (third.created, third.updated, third.unchanged) == (0, 2, len(records) - 2)
    with db.connect() as conn:
        assert repo.get(conn, records[600].id)[0].name == "synthetic renamed"
    assert len(_entries(db)) == len(records) + 2


def test_apply_an_id_twice_keeps_the_last(db: SqlEngine) -> None:
    first, second = _synthetic(1)[0], _synthetic(1)[0].model_copy(update={"name": "synthetic second"})
    result = apply_records(db, [first, second], author="t")
    assert (result.created, result.updated) == (1, 1)
    with db.connect() as conn:
        assert repo.get(conn, first.id)[0].name == "synthetic second"
