"""The resolved sector extents in PostGIS (``sector_extents``) answer ``ST_Covers`` as the
in-memory index answers ``at`` (the FICTITIOUS fixture); rewritten only when they change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.geo.crs import project_point
from geo_clsm.store.layer_tables import sync_sector_extents
from tests.sector_fixtures import POINTS, catalog_with_sectors


def _covering(conn: sa.Connection, lon: float, lat: float) -> list[str]:
    x, y = project_point(lon, lat, "EPSG:2154")
    rows = conn.execute(
        sa.text(
            "SELECT sector_id FROM sector_extents WHERE zone_srid = 2154 "
            "AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 2154)) ORDER BY public, sector_id"
        ),
        {"x": x, "y": y},
    )
    return [r[0] for r in rows]


def test_sector_extents_match_the_index(db: SqlEngine, catalog: Catalog) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("sector_extents is a PostGIS table")
    index = SectorIndex(catalog_with_sectors(catalog))
    assert sync_sector_extents(db, index) is True
    assert sync_sector_extents(db, index) is False  # the same extents: nothing rewritten
    with db.connect() as conn:
        n, types = conn.execute(
            sa.text("SELECT count(*), array_agg(DISTINCT GeometryType(geom)) FROM sector_extents")
        ).one()
        assert n == 4 and types == ["MULTIPOLYGON"]
        for lon, lat in POINTS.values():
            assert _covering(conn, lon, lat) == [s.id for s in index.at(lon=lon, lat=lat)]
        # A vertex of the drawn boundary: covered in both (boundary included).
        geom = index.geometry("FICTIF-57G01")
        assert geom is not None
        area = conn.execute(
            sa.text("SELECT ST_Area(geom) FROM sector_extents WHERE sector_id = 'FICTIF-57G01'")
        ).scalar_one()
        assert area == pytest.approx(geom.area, rel=1e-9)
    assert sync_sector_extents(db, SectorIndex(catalog)) is True  # no sector: the table is emptied
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sector_extents")).scalar_one() == 0
