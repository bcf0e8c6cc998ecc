"""Where each record belongs, stored (issue 31): ``resources.belongs_to`` holds the territories a
record belongs to by the one rule of :mod:`geo_clsm.store.rights` (its position, its commune, the
territory it names) as ``,metz,angouleme,``; NULL until computed. The editors' lists and exports
filter on it (:mod:`geo_clsm.store.membership` computes what is NULL, or everything when the places
changed, before they read). Nothing to fill here: every row starts NULL and is computed on first use.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("belongs_to", sa.Text, nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM meta WHERE key = 'membership_places'")
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("belongs_to")
