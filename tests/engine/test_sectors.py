"""The sector index on the FICTITIOUS fixture (tests/fixtures/sectors): points, communes, holes,
overlaps, and an engine without sector data."""

from __future__ import annotations

import dataclasses

import pytest
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.model.sector import Extent, Sector
from tests.sector_fixtures import (
    NO_SECTOR_COMMUNE,
    POINTS,
    SPLIT_COMMUNE,
    WHOLE_COMMUNE,
    catalog_with_sectors,
    fictitious_sectors,
)


@pytest.fixture(scope="module")
def index(catalog: Catalog) -> SectorIndex:
    return SectorIndex(catalog_with_sectors(catalog))


def _ids(sectors: tuple[Sector, ...]) -> list[str]:
    return [s.id for s in sectors]


def test_no_sector_data_in_the_shipped_layers(engine: Engine) -> None:
    assert engine.catalog.sectors == ()
    assert not engine.sectors.has_data
    assert engine.sectors.at(lon=6.17594, lat=49.11022) == ()
    assert engine.sectors.for_commune(insee_com=SPLIT_COMMUNE).whole == {"adultes": None, "enfants": None}


def test_fixture_is_fictitious_in_ids_and_names() -> None:
    for s in fictitious_sectors():
        assert s.id.startswith("FICTIF-") and "fictif" in s.name.lower() and "fictif" in s.establishment.lower()


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("metz_sud_gambetta", ["FICTIF-57G02", "FICTIF-57I01"]),
        ("metz_nord", ["FICTIF-57G01", "FICTIF-57I01"]),
        ("borny", ["FICTIF-57G03", "FICTIF-57I01"]),
        ("gravelotte", []),
    ],
)
def test_sectors_at_a_point(index: SectorIndex, point: str, expected: list[str]) -> None:
    lon, lat = POINTS[point]
    assert _ids(index.at(lon=lon, lat=lat)) == expected


def test_point_on_a_sector_boundary_is_covered(index: SectorIndex) -> None:
    """Boundary included (ST_Covers): a vertex of the drawn north half of Metz is in FICTIF-57G01."""
    geom = index.geometry_wgs84("FICTIF-57G01")
    assert geom is not None
    x, y = shapely.get_coordinates(geom.geoms[0].exterior)[0]
    assert "FICTIF-57G01" in _ids(index.at(lon=float(x), lat=float(y)))


def test_split_commune_has_no_whole_adult_sector(index: SectorIndex) -> None:
    metz = index.for_commune(insee_com=SPLIT_COMMUNE)
    assert _ids(metz.sectors) == ["FICTIF-57G01", "FICTIF-57G02", "FICTIF-57G03", "FICTIF-57I01"]
    assert metz.whole["adultes"] is None
    whole_child = metz.whole["enfants"]
    assert whole_child is not None and whole_child.id == "FICTIF-57I01"


def test_whole_commune_and_commune_in_none(index: SectorIndex) -> None:
    woippy = index.for_commune(insee_com=WHOLE_COMMUNE)
    assert {p: (s.id if s else None) for p, s in woippy.whole.items()} == {
        "adultes": "FICTIF-57G01",
        "enfants": "FICTIF-57I01",
    }
    none = index.for_commune(insee_com=NO_SECTOR_COMMUNE)
    assert none.sectors == () and none.whole == {"adultes": None, "enfants": None}
    assert index.for_commune(insee_com="99999").sectors == ()


def test_geometry_is_metric_lambert93_union(index: SectorIndex) -> None:
    g = index.geometry("FICTIF-57I01")
    assert g is not None
    # Four communes of the Metz area: tens of km², in square metres (Lambert-93), not degrees².
    assert 30e6 < g.area < 200e6
    assert index.resolved("FICTIF-57I01").crs == "EPSG:2154"  # type: ignore[union-attr]
    assert index.geometry("FICTIF-inconnu") is None


def test_territory_get_and_has_data(index: SectorIndex) -> None:
    assert index.has_data and index.has_data_in("metz") and not index.has_data_in("angouleme")
    assert _ids(index.for_territory("metz")) == ["FICTIF-57G01", "FICTIF-57G02", "FICTIF-57G03", "FICTIF-57I01"]
    assert index.for_territory("angouleme") == ()
    got = index.get("FICTIF-57G02")
    assert got is not None and got.referents[0] == "metz-cmp-cattp-adultes-montigny"


def test_holes_list_the_communes_in_no_sector(index: SectorIndex) -> None:
    adult_holes = {h.insee_com for h in index.holes("metz") if h.public == "adultes"}
    assert NO_SECTOR_COMMUNE in adult_holes
    assert SPLIT_COMMUNE not in adult_holes and WHOLE_COMMUNE not in adult_holes  # covered, in parts or whole
    assert index.holes("angouleme") == ()  # no sector there: nothing to report


def test_fixture_has_no_overlap_and_an_added_one_is_found(catalog: Catalog, index: SectorIndex) -> None:
    assert index.overlaps("metz") == ()
    extra = Sector(
        id="FICTIF-57G99",
        name="Secteur fictif qui chevauche",
        public="adultes",
        extent=Extent(communes=(WHOLE_COMMUNE,)),
        territory="metz",
        source="test (fictif)",
    )
    both = SectorIndex(catalog_with_sectors(catalog, (*fictitious_sectors(), extra)))
    found = both.overlaps("metz")
    assert [(o.first, o.second) for o in found] == [("FICTIF-57G01", "FICTIF-57G99")]
    assert found[0].area_m2 > 1e6  # Woippy, some 15 km²
    woippy = both.for_commune(insee_com=WHOLE_COMMUNE)
    assert woippy.whole["adultes"] is None  # in two adult sectors: not one


def test_engine_reuses_the_index_when_only_resources_change(catalog: Catalog) -> None:
    first = Engine(catalog_with_sectors(catalog))
    edited = dataclasses.replace(first.catalog, resources=first.catalog.resources[:-1])
    assert Engine(edited, previous=first).sectors is first.sectors
    other = dataclasses.replace(first.catalog, sectors=first.catalog.sectors[:1])
    assert Engine(other, previous=first).sectors is not first.sectors
