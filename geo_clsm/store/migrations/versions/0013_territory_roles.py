"""Roles scoped to territories (issue 31): ``user_territories`` holds a user's role (``editor`` or
``admin``) in each territory. A user without rows there keeps ``users.role`` over the whole
deployment: every account that existed before this revision stays deployment-wide. A scoped
account has ``users.role = 'editor'``, so ``users.role = 'admin'`` still names the deployment's admins.
Downgrading disables the scoped accounts (they would otherwise become deployment-wide editors).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_territories",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("territory", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    # Without the table a scoped account would become deployment-wide: disable those accounts first.
    op.execute(
        "UPDATE users SET active = false, generation = generation + 1 "
        "WHERE id IN (SELECT user_id FROM user_territories)"
    )
    op.drop_table("user_territories")
