"""PostGIS query backend: public positions, their zone's projected CRS, KNN indexes, layers.

On PostgreSQL only (SQLite has no spatial SQL; the in-memory engine serves it):

- ``public_geom``: the public position (the commune's for a confidential address), generated
  from the columns, with a GiST index for bounding-box queries;
- ``zone_srid``: the EPSG code of the projected CRS of the zone holding the public position
  (Lambert-93 for mainland France, each overseas territory its own; the boxes of
  ``geo_clsm.geo.crs``, frozen here), and ``public_xy``: the public position projected in that CRS
  (stored, so that a KNN scan never re-projects a row), with a partial GiST index per zone:
  ``<->`` on it orders by planar metres in the zone's CRS;
- ``service_area``: the service-area polygon from ``service_area_wkt``, GiST-indexed
  (``ST_Covers``);
- ``layer_communes`` and ``layer_qpv``: the commune and QPV polygons of the layers in service,
  for territory lookups, refreshed by the backend when the data version changes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (EPSG code, lon_min, lat_min, lon_max, lat_max): geo_clsm.geo.crs._ZONES as of this revision.
ZONES: tuple[tuple[int, float, float, float, float], ...] = (
    (2154, -5.5, 41.2, 10.0, 51.2),
    (5490, -61.9, 15.8, -60.9, 16.6),
    (5490, -61.3, 14.3, -60.7, 14.9),
    (2972, -54.7, 2.0, -51.5, 6.0),
    (2975, 55.1, -21.5, 55.9, -20.8),
    (4471, 44.9, -13.1, 45.4, -12.5),
    (4467, -56.5, 46.7, -56.0, 47.2),
)
_PLON = "(CASE WHEN confidential_address THEN commune_lon ELSE lon END)"
_PLAT = "(CASE WHEN confidential_address THEN commune_lat ELSE lat END)"


def _zone_case() -> str:
    whens = " ".join(
        f"WHEN {_PLON} BETWEEN {x0!r} AND {x1!r} AND {_PLAT} BETWEEN {y0!r} AND {y1!r} THEN {srid}"
        for srid, x0, y0, x1, y1 in ZONES
    )
    return f"CASE {whens} ELSE NULL END"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE resources ADD COLUMN public_geom geometry(Point, 4326) GENERATED ALWAYS AS "
        f"(CASE WHEN {_PLON} IS NULL OR {_PLAT} IS NULL THEN NULL "
        f"ELSE ST_SetSRID(ST_MakePoint({_PLON}, {_PLAT}), 4326) END) STORED"
    )
    op.execute(f"ALTER TABLE resources ADD COLUMN zone_srid integer GENERATED ALWAYS AS ({_zone_case()}) STORED")
    # A generated column cannot read another one: the public point and the zone are spelled out again.
    op.execute(
        "ALTER TABLE resources ADD COLUMN public_xy geometry(Point) GENERATED ALWAYS AS "
        f"(CASE WHEN {_PLON} IS NULL OR {_PLAT} IS NULL OR ({_zone_case()}) IS NULL THEN NULL "
        f"ELSE ST_Transform(ST_SetSRID(ST_MakePoint({_PLON}, {_PLAT}), 4326), {_zone_case()}) END) STORED"
    )
    op.execute(
        "ALTER TABLE resources ADD COLUMN service_area geometry(Geometry, 4326) GENERATED ALWAYS AS "
        "(CASE WHEN service_area_wkt IS NULL OR service_area_wkt = '' THEN NULL "
        "ELSE ST_GeomFromText(service_area_wkt, 4326) END) STORED"
    )
    op.execute("CREATE INDEX ix_resources_public_geom ON resources USING gist (public_geom)")
    op.execute("CREATE INDEX ix_resources_service_area ON resources USING gist (service_area)")
    for srid in sorted({z[0] for z in ZONES}):
        op.execute(f"CREATE INDEX ix_resources_knn_{srid} ON resources USING gist (public_xy) WHERE zone_srid = {srid}")
    for table, cols in (
        ("layer_communes", "insee_com varchar(5) NOT NULL, nom text NOT NULL"),
        ("layer_qpv", "code_qp varchar(16) NOT NULL, lib_qp text NOT NULL"),
    ):
        op.execute(
            f"CREATE TABLE {table} (ord integer PRIMARY KEY, {cols}, territory varchar(64), "
            "geom geometry(Geometry, 4326) NOT NULL)"
        )
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE layer_qpv")
    op.execute("DROP TABLE layer_communes")
    for col in ("service_area", "public_xy", "zone_srid", "public_geom"):
        op.execute(f"ALTER TABLE resources DROP COLUMN {col}")
