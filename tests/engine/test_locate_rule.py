"""The locate rule (geo_clsm.engine.places): a point in a sliver between two generalised commune
outlines is in its nearest commune, within LOCATE_TOLERANCE_M; beyond it, a French 404.

The gap points were found by sampling along the borders of communes of the shipped layers
(pilots and national layer, mainland and La Réunion) and keeping those no outline contains;
each test first checks that no outline contains the point, so the test still tests a gap.
The PostGIS backend's side: tests/store/test_backend_parity.py (test_locate_in_the_gaps).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.engine.places import LOCATE_TOLERANCE_M, NearCommune, nearest_commune
from geo_clsm.model.errors import OutsideTerritoryError

# (lon, lat, INSEE code of the nearest commune, its territory): points in no commune outline.
GAPS = [
    (6.0674, 49.18428, "57211", "france"),  # Fèves (21 m) / Roncourt, a Metz pilot commune (40 m)
    (6.33054, 49.08839, "57385", "metz"),  # Laquenexy: the pilot's outline, not the national layer's copy
    (0.35844, 45.57453, "16158", "france"),  # Grassac (31 m) / Vouzan, Angoulême pilot (43 m)
    (-0.57832, 46.0064, "17277", "france"),  # Essouvert (17 m) / Landes (58 m)
    (4.63331, 43.99077, "30340", "france"),  # Valliguières (22 m) / Estézargues (32 m)
    (55.49209, -21.18048, "97403", "france"),  # La Réunion: Entre-Deux (25 m) / Cilaos (55 m)
]
OUTSIDE = [(4.35, 50.85), (6.15, 46.20), (-2.0, 45.5), (-30.0, 45.0)]  # Brussels, Geneva, at sea


def _contained(catalog: Catalog, lon: float, lat: float) -> bool:
    table = catalog.commune_table
    rows = table.rows_touching((lon, lat, lon, lat))
    return bool(len(rows)) and bool(shapely.contains_xy(table.geometries(rows), lon, lat).any())


@pytest.mark.parametrize(("lon", "lat", "insee", "territory"), GAPS)
def test_a_point_between_outlines_is_in_its_nearest_commune(
    engine: Engine, catalog: Catalog, lon: float, lat: float, insee: str, territory: str
) -> None:
    assert not _contained(catalog, lon, lat), "no longer a gap: pick another point"
    place = engine.locate(lon, lat)
    assert (place.insee_com, place.territory) == (insee, territory)


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
def test_a_point_far_from_every_commune_is_outside(engine: Engine, lon: float, lat: float) -> None:
    with pytest.raises(OutsideTerritoryError, match="hors des territoires chargés"):
        engine.locate(lon, lat)


def test_the_tolerance_is_a_distance_in_metres(engine: Engine) -> None:
    """Walking west into the Atlantic from the Île d'Oléron's coast: located while within the
    tolerance of the outline, outside beyond it."""
    lat = 45.93
    located = []
    for lon in np.arange(-1.30, -1.60, -0.002):
        try:
            engine.locate(float(lon), lat)
            located.append(float(lon))
        except OutsideTerritoryError:
            break
    else:
        pytest.fail("never left the territories")
    assert len(located) > 10, "the walk should start inside the island"
    coast = engine.locator.near_communes(located[-1], lat)
    assert min(c.distance_m for c in coast) <= LOCATE_TOLERANCE_M
    beyond = engine.locator.near_communes(located[-1] - 0.002, lat)
    assert all(c.distance_m > LOCATE_TOLERANCE_M for c in beyond)


def test_nearest_commune_rule() -> None:
    far = NearCommune(0, "11111", LOCATE_TOLERANCE_M + 1)
    assert nearest_commune([far]) is None
    a, b = NearCommune(5, "22222", 30.0), NearCommune(3, "33333", 12.0)
    assert nearest_commune([far, a, b]) == 3
    # The same commune in two layers (a pilot's outline at row 1): its lowest row.
    assert nearest_commune([NearCommune(9, "44444", 10.0), NearCommune(1, "44444", 10.5), a]) == 1


@pytest.mark.parametrize(("lon", "lat", "insee", "territory"), GAPS)
def test_every_route_locates_a_gap_point(
    client: TestClient, lon: float, lat: float, insee: str, territory: str
) -> None:
    r = client.get(f"/api/nearest?lat={lat}&lon={lon}&k=2")
    assert r.status_code == 200, r.text
    assert r.json()["query"]["commune"]["insee_com"] == insee
    batch = client.post("/api/nearest/batch", json={"points": [{"id": "gap", "lon": lon, "lat": lat}]})
    assert batch.status_code == 200, batch.text
    (answer,) = batch.json()["answers"]
    assert answer["query"]["commune"]["insee_com"] == insee, answer


def test_routes_say_outside_in_french(client: TestClient) -> None:
    r = client.get("/api/nearest?lat=50.85&lon=4.35")
    assert r.status_code == 404
    assert "position hors des territoires chargés" in r.json()["detail"]
