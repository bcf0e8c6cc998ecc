"""Directory fields: who confirmed a record (``verified_by``), its stated waiting time and the day it
was stated, whether it takes new requests, and a dated notice (issue 30).

A record a person of the CLSM checked (``verified_by_person``) becomes ``verified_by = 'clsm'``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("verified_by", sa.String(16)))
        batch.add_column(sa.Column("wait_days", sa.Integer))
        batch.add_column(sa.Column("wait_stated_on", sa.Date))
        batch.add_column(sa.Column("accepts_new", sa.String(16)))
        batch.add_column(sa.Column("notice", sa.JSON))
    op.execute(sa.text("UPDATE resources SET verified_by = 'clsm' WHERE verified_by_person"))


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        for name in ("notice", "accepts_new", "wait_stated_on", "wait_days", "verified_by"):
            batch.drop_column(name)
