"""Public reports: how each was handled. ``resolution`` is the reason given when it was dismissed
(or the note of the correction), ``history_id`` the history entry of the correction that handled it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("resolution", sa.Text))
        batch.add_column(sa.Column("history_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("history_id")
        batch.drop_column("resolution")
