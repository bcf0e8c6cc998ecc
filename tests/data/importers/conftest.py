from __future__ import annotations

import geopandas as gpd
import pytest

from geo_clsm.data.importers.finess_common import CommuneChecker
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.layers import territory_context


@pytest.fixture(scope="session")
def metz() -> tuple[gpd.GeoDataFrame, dict[str, CommunePoint]]:
    _, communes, mairies = territory_context(None, "metz")
    return communes, mairies


@pytest.fixture(scope="session")
def angouleme() -> tuple[gpd.GeoDataFrame, dict[str, CommunePoint]]:
    _, communes, mairies = territory_context(None, "angouleme")
    return communes, mairies


@pytest.fixture(scope="session")
def metz_checker(metz: tuple[gpd.GeoDataFrame, dict[str, CommunePoint]]) -> CommuneChecker:
    return CommuneChecker(metz[0])
