"""Account generations: a session lives only while its user's generation is the one it was opened with.

``users.generation`` is bumped by every change of password, role or status (disabled, enabled);
``sessions.generation`` is the user's generation when the session was opened. Existing sessions
and users start at 0, so they stay valid across the upgrade.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("users", "sessions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("sessions", "users"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("generation")
