"""CRS choice and transforms.

Metric work is done in a projected CRS: Lambert-93 (EPSG:2154) for mainland France and
Corsica, and each overseas territory's own CRS. WGS84 (EPSG:4326) is for the edges only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"

# (name, EPSG code, lon_min, lat_min, lon_max, lat_max); checked in order.
_ZONES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("France métropolitaine", LAMBERT93, -5.5, 41.2, 10.0, 51.2),
    ("Guadeloupe", "EPSG:5490", -61.9, 15.8, -60.9, 16.6),  # RGAF09 / UTM 20N
    ("Martinique", "EPSG:5490", -61.3, 14.3, -60.7, 14.9),  # RGAF09 / UTM 20N
    ("Guyane", "EPSG:2972", -54.7, 2.0, -51.5, 6.0),  # RGFG95 / UTM 22N
    ("La Réunion", "EPSG:2975", 55.1, -21.5, 55.9, -20.8),  # RGR92 / UTM 40S
    ("Mayotte", "EPSG:4471", 44.9, -13.1, 45.4, -12.5),  # RGM04 / UTM 38S
    ("Saint-Pierre-et-Miquelon", "EPSG:4467", -56.5, 46.7, -56.0, 47.2),  # RGSPM06 / UTM 21N
)

# FINESS department codes (and INSEE prefixes) of the overseas departments -> CRS.
DEPARTMENT_CRS: dict[str, str] = {
    "9A": "EPSG:5490",
    "971": "EPSG:5490",
    "9B": "EPSG:5490",
    "972": "EPSG:5490",
    "9C": "EPSG:2972",
    "973": "EPSG:2972",
    "9D": "EPSG:2975",
    "974": "EPSG:2975",
    "9E": "EPSG:4467",
    "975": "EPSG:4467",
    "9F": "EPSG:4471",
    "976": "EPSG:4471",
}


TIMEZONES: dict[str, str] = {
    "France métropolitaine": "Europe/Paris",
    "Guadeloupe": "America/Guadeloupe",
    "Martinique": "America/Martinique",
    "Guyane": "America/Cayenne",
    "La Réunion": "Indian/Reunion",
    "Mayotte": "Indian/Mayotte",
    "Saint-Pierre-et-Miquelon": "America/Miquelon",
}


def zone_of(lon: float, lat: float) -> tuple[str, str] | None:
    """The (name, projected CRS) of the French zone containing a WGS84 point, or None."""
    for name, crs, x0, y0, x1, y1 in _ZONES:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return name, crs
    return None


def projected_crs_for(lon: float, lat: float) -> str | None:
    """The projected CRS for metric work at a WGS84 point in France, or None outside France."""
    zone = zone_of(lon, lat)
    return zone[1] if zone else None


def projected_crs_many(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`projected_crs_for` for arrays of points: the CRS per point ("" outside France)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    out = np.full(lon.shape, "", dtype=object)
    free = np.ones(lon.shape, dtype=bool)
    for _, crs, x0, y0, x1, y1 in _ZONES:  # in order: the first zone containing a point wins
        hit = free & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        out[hit] = crs
        free &= ~hit
    return out


def crs_for_department(dep: str) -> str:
    """The projected CRS in which FINESS gives coordinates for a department code."""
    return DEPARTMENT_CRS.get(dep, LAMBERT93)


@lru_cache(maxsize=32)
def transformer(src: str, dst: str) -> Transformer:
    """A cached, always_xy transformer (x = easting / longitude)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def to_projected(lon: np.ndarray | float, lat: np.ndarray | float, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat -> projected x/y in metres in ``crs``."""
    x, y = transformer(WGS84, crs).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def project_point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """One WGS84 point -> projected (x, y) in metres in ``crs`` (cached transformer, no arrays)."""
    x, y = transformer(WGS84, crs).transform(lon, lat)
    return float(x), float(y)


def to_wgs84(x: np.ndarray | float, y: np.ndarray | float, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Projected x/y in ``crs`` -> WGS84 lon/lat."""
    lon, lat = transformer(crs, WGS84).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
