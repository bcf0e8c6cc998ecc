import pytest
from pyproj import Geod

from geo_clsm.geo.crs import LAMBERT93, projected_crs_for, to_projected, to_wgs84


@pytest.mark.parametrize(
    ("lon", "lat", "crs"),
    [
        (6.1757, 49.1196, "EPSG:2154"),  # Metz
        (9.45, 42.70, "EPSG:2154"),  # Bastia
        (-61.53, 16.24, "EPSG:5490"),  # Pointe-à-Pitre
        (-61.07, 14.61, "EPSG:5490"),  # Fort-de-France
        (-52.33, 4.94, "EPSG:2972"),  # Cayenne
        (55.45, -20.88, "EPSG:2975"),  # Saint-Denis (La Réunion)
        (45.23, -12.78, "EPSG:4471"),  # Mamoudzou
    ],
)
def test_projected_crs_per_zone(lon: float, lat: float, crs: str) -> None:
    assert projected_crs_for(lon, lat) == crs


def test_outside_france_has_no_crs() -> None:
    assert projected_crs_for(13.40, 52.52) is None


def test_lambert93_distance_matches_geodesic() -> None:
    # Metz -> Angoulême: Lambert-93 metres within 0.5 % of the geodesic distance.
    x1, y1 = to_projected(6.1757, 49.1196, LAMBERT93)
    x2, y2 = to_projected(0.1560, 45.6487, LAMBERT93)
    planar = float(((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5)
    _, _, geodesic = Geod(ellps="GRS80").inv(6.1757, 49.1196, 0.1560, 45.6487)
    assert abs(planar - geodesic) / geodesic < 0.005


def test_round_trip() -> None:
    x, y = to_projected(6.1757, 49.1196, LAMBERT93)
    lon, lat = to_wgs84(x, y, LAMBERT93)
    assert float(lon) == pytest.approx(6.1757, abs=1e-9)
    assert float(lat) == pytest.approx(49.1196, abs=1e-9)
