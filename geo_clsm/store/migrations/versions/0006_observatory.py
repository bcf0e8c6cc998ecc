"""The observatory: a snapshot of each territory's indicators at every data version that changed them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observatory_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=False),
        sa.Column("data_version", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.UniqueConstraint("territory", "parent_id", name="uq_observatory_snapshots_territory_parent"),
    )
    op.create_index("ix_observatory_snapshots_territory", "observatory_snapshots", ["territory"])


def downgrade() -> None:
    op.drop_index("ix_observatory_snapshots_territory", table_name="observatory_snapshots")
    op.drop_table("observatory_snapshots")
