"""PostGIS access indicators: the sample points of each territory's access computation.

On PostgreSQL only (the in-memory engine serves SQLite). ``access_points`` holds, per territory,
the weighted sample points of :func:`geo_clsm.access.sample_territory` in the territory's projected
CRS: the QPV grid (``zone = 'qpv'``, with ``code_qp``) and the 200 m grid of the rest of the
territory (``zone = 'hors_qpv'``), each with its population weight. The PostGIS query backend
measures from them to the nearest resource of each type (KNN ``<->``) and aggregates per QPV in
SQL. They follow the layers: rewritten when the layers or the sampling parameters change (the
fingerprint is kept in ``meta`` under ``access_points:<territory>``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE access_points (territory varchar(64) NOT NULL, ord integer NOT NULL, "
        "zone varchar(16) NOT NULL, code_qp varchar(16), weight double precision NOT NULL, "
        "geom geometry(Point) NOT NULL, PRIMARY KEY (territory, ord))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE access_points")
