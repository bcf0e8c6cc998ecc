"""Migration 0010 (SQLite and PostgreSQL): the retired free-text ``sector`` of a record moves into
its internal notes, nothing else changes, and the record reads back with its new fields."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.store import repo
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.records import to_row
from geo_clsm.store.schema import resources

NEW_COLUMNS = ("service_area_communes", "service_area_qpv")
AFTER_0009 = (*NEW_COLUMNS, "verified_by", "wait_days", "wait_stated_on", "accepts_new", "notice")
"""The resources' columns revisions after 0009 add (0010: these sectors; 0011: directory fields)."""


def _synthetic(rid: str, notes: str | None) -> Resource:
    return Resource(
        id=rid,
        type=ResourceType.CMP_ADULTE,
        name="CMP synthétique",
        position=Position(lon=6.18, lat=49.12, precision=PositionPrecision.ADDRESS, source="synthetic"),
        service_area_wkt="POLYGON ((6 49, 6.2 49, 6.2 49.2, 6 49.2, 6 49))",
        notes=notes,
        source="synthetic test fixture",
        last_verified=date(2026, 1, 1),
    )


def test_sector_values_move_into_notes(db_url: str) -> None:
    db = connect(db_url)
    try:
        upgrade(db, "0009")
        with db.begin() as conn:
            for r, sector in ((_synthetic("syn-a", "à rappeler"), "57G03"), (_synthetic("syn-b", None), "  ")):
                row = {k: v for k, v in to_row(r).items() if k not in AFTER_0009}
                row |= {"sector": sector, "status": "active", "origin": "editor", "edited": True}
                legacy = sa.Table(  # the table as revision 0009 has it (typed: JSON lists, dates)
                    "resources",
                    sa.MetaData(),
                    *[c._copy() for c in resources.columns if c.name not in AFTER_0009],
                )
                conn.execute(sa.insert(legacy).values(**row, updated_at=datetime.now(UTC)))
        upgrade(db)
        with db.connect() as conn:
            got = {r.id: r for r in repo.active_resources(conn)}
            sectors = conn.execute(sa.text("SELECT count(*) FROM resources WHERE sector IS NOT NULL")).scalar_one()
        assert got["syn-a"].notes == "à rappeler\nSecteur (ancien champ libre, retiré) : 57G03"
        assert got["syn-b"].notes is None  # blank: nothing to keep
        assert sectors == 0
        assert got["syn-a"].service_area is not None and got["syn-a"].service_area_wkt is not None
    finally:
        db.dispose()
