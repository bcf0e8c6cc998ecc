"""Intervention zones as extents (issue 29, item 5): a team whose zone is communes and a QPV
serves the points inside them (``serves_location``), listed beyond the k nearest."""

from __future__ import annotations

import dataclasses
from datetime import date

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import Extent
from tests.sector_fixtures import POINTS

ZONED = Resource(
    id="synthetic-empp-zone",
    type=ResourceType.EMPP,
    name="Équipe mobile synthétique (zone : Woippy et QPV Borny)",
    position=Position(lon=6.30, lat=49.20, precision=PositionPrecision.ADDRESS, source="synthetic"),
    service_area=Extent(communes=("57751",), qpv=("QN05720M",)),
    territory="metz",
    source="synthetic test fixture",
    last_verified=date(2026, 12, 1),
)


def test_zone_of_communes_and_qpv_serves_its_points(catalog: Catalog) -> None:
    engine = Engine(dataclasses.replace(catalog, resources=[*catalog.resources, ZONED]))
    woippy = (6.1450, 49.1520)
    for lon, lat in (woippy, POINTS["borny"]):
        found = engine.nearest(lon, lat, NearestQuery(k=1))
        zone = [r for r in found if r.resource.id == ZONED.id]
        assert zone and zone[0].serves_location is True and zone[0].distance_m > 5_000
    lon, lat = POINTS["metz_sud_gambetta"]
    assert ZONED.id not in {r.resource.id for r in engine.nearest(lon, lat, NearestQuery(k=1))}
    # Among the nearest anyway (asked for EMPP): there, it does not serve the point.
    empp = engine.nearest(lon, lat, NearestQuery(k=50, types=(ResourceType.EMPP,)))
    assert [r.serves_location for r in empp if r.resource.id == ZONED.id] == [False]
