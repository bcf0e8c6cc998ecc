"""Public information, display name and street, verified by a person, to verify (fields added to the model).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("public_info", sa.Text))
        batch.add_column(sa.Column("display_name", sa.Text))
        batch.add_column(sa.Column("display_street", sa.Text))
        batch.add_column(sa.Column("verified_by_person", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("to_verify", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        for name in ("to_verify", "verified_by_person", "display_street", "display_name", "public_info"):
            batch.drop_column(name)
