"""Disagreements between an official source and curated records, in the editors' review queue.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "disagreements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.String(100), nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("official_id", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("official", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_by", sa.Text),
        sa.Column("handled_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("disagreements")
