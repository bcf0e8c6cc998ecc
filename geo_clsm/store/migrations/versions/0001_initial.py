"""Initial schema: resources, history, users, sessions, login failures, reports, settings, meta.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("street", sa.Text),
        sa.Column("postcode", sa.String(5)),
        sa.Column("commune", sa.Text),
        sa.Column("insee_com", sa.String(5), index=True),
        sa.Column("phone", sa.String(40)),
        sa.Column("email", sa.Text),
        sa.Column("website", sa.Text),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("opening_hours", sa.Text),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("wheelchair", sa.Boolean),
        sa.Column("appointment_required", sa.Boolean),
        sa.Column("free_of_charge", sa.Boolean),
        sa.Column("sector", sa.Text),
        sa.Column("capacity", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("position_precision", sa.String(16)),
        sa.Column("position_source", sa.Text),
        sa.Column("commune_lon", sa.Float),
        sa.Column("commune_lat", sa.Float),
        sa.Column("commune_precision", sa.String(16)),
        sa.Column("commune_source", sa.Text),
        sa.Column("service_area_wkt", sa.Text),
        sa.Column("confidential_address", sa.Boolean, nullable=False),
        sa.Column("finess_et", sa.String(9)),
        sa.Column("territory", sa.String(64), index=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("last_verified", sa.Date, nullable=False),
        sa.Column("source_date", sa.Date),
        sa.Column("notes", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("edited", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.String(100), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("comment", sa.Text),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.String(100), nullable=False, index=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_by", sa.Text),
        sa.Column("handled_at", TZ),
    )
    op.create_table(
        "territory_settings",
        sa.Column("territory", sa.String(64), primary_key=True),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.execute("INSERT INTO meta (key, value) VALUES ('data_version', '0')")
    if op.get_bind().dialect.name == "postgresql":
        # PostGIS: a point generated from lon/lat, indexed, for spatial SQL on the directory.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE resources ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS AS "
            "(CASE WHEN lon IS NULL OR lat IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED"
        )
        op.execute("CREATE INDEX ix_resources_geom ON resources USING gist (geom)")


def downgrade() -> None:
    for table in (
        "meta",
        "territory_settings",
        "reports",
        "login_failures",
        "sessions",
        "users",
        "history",
        "resources",
    ):
        op.drop_table(table)
