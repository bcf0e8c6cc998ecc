"""Psychiatric sectors (issue 29): ``sectors`` (the data of record) and ``sector_history``; on
PostgreSQL, ``sector_extents``: each active sector's resolved extent (its communes, QPV and
polygon merged, a ``MultiPolygon`` in its zone's projected CRS: Lambert-93, EPSG:2154, in mainland
France, each overseas territory its own, named by ``zone_srid`` as for ``resources.public_xy``),
GiST-indexed for ``ST_Covers``, rewritten by ``geo_clsm.store.layer_tables.sync_sector_extents``
when the sectors or the layers change.

One notion of extent (issue 29, item 5): a team's intervention zone is its polygon
(``service_area_wkt``, as before) plus ``service_area_communes`` and ``service_area_qpv`` (JSON
lists); on PostgreSQL ``service_area_extents`` holds each zone resolved (WGS84, GiST), as the
engine resolves it. The free-text ``sector`` column is retired: its values are appended to the
record's ``notes`` (« Secteur (ancien champ libre, retiré) : … ») and the column left empty.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sectors",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("public", sa.String(16), nullable=False),
        sa.Column("establishment", sa.Text, nullable=False),
        sa.Column("referents", sa.JSON, nullable=False),
        sa.Column("communes", sa.JSON, nullable=False),
        sa.Column("qpv", sa.JSON, nullable=False),
        sa.Column("polygon_wkt", sa.Text),
        sa.Column("territory", sa.String(64)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("last_verified", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sectors_territory", "sectors", ["territory"])
    op.create_table(
        "sector_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sector_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_sector_history_sector_id", "sector_history", ["sector_id"])
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("service_area_communes", sa.JSON))
        batch.add_column(sa.Column("service_area_qpv", sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, notes, sector FROM resources WHERE sector IS NOT NULL")).all()
    for rid, notes, sector in rows:
        value = (sector or "").strip()
        if value:
            line = f"Secteur (ancien champ libre, retiré) : {value}"
            notes = f"{notes}\n{line}" if notes else line
        conn.execute(sa.text("UPDATE resources SET notes = :n, sector = NULL WHERE id = :id"), {"n": notes, "id": rid})
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE service_area_extents (resource_id varchar(100) PRIMARY KEY, "
            "geom geometry(MultiPolygon, 4326) NOT NULL)"
        )
        op.execute("CREATE INDEX ix_service_area_extents_geom ON service_area_extents USING gist (geom)")
        op.execute(
            "CREATE TABLE sector_extents (sector_id varchar(40) PRIMARY KEY, public varchar(16) NOT NULL, "
            "territory varchar(64), zone_srid integer NOT NULL, geom geometry(MultiPolygon) NOT NULL, "
            "CHECK (ST_SRID(geom) = zone_srid))"
        )
        op.execute("CREATE INDEX ix_sector_extents_geom ON sector_extents USING gist (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE service_area_extents")
        op.execute("DROP TABLE sector_extents")
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("service_area_qpv")
        batch.drop_column("service_area_communes")
    op.drop_index("ix_sector_history_sector_id", table_name="sector_history")
    op.drop_table("sector_history")
    op.drop_index("ix_sectors_territory", table_name="sectors")
    op.drop_table("sectors")
