"""Psychiatric sectors (issue 29): ``sectors`` (the data of record) and ``sector_history``; on
PostgreSQL, ``sector_extents``: each active sector's resolved extent (its communes, QPV and
polygon merged, ``MultiPolygon`` in Lambert-93, EPSG:2154), GiST-indexed for ``ST_Covers``,
rewritten by ``geo_clsm.store.layer_tables.sync_sector_extents`` when the sectors or the layers
change.

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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE sector_extents (sector_id varchar(40) PRIMARY KEY, public varchar(16) NOT NULL, "
            "territory varchar(64), geom geometry(MultiPolygon, 2154) NOT NULL)"
        )
        op.execute("CREATE INDEX ix_sector_extents_geom ON sector_extents USING gist (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE sector_extents")
    op.drop_index("ix_sector_history_sector_id", table_name="sector_history")
    op.drop_table("sector_history")
    op.drop_index("ix_sectors_territory", table_name="sectors")
    op.drop_table("sectors")
