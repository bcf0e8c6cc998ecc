"""The spatial index against brute-force geodesic distances (pyproj.Geod)."""

from datetime import date

import numpy as np
import pytest
from pyproj import Geod

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.index import ResourceIndex
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource

GEOD = Geod(ellps="GRS80")


def _synthetic(n: int, seed: int) -> list[Resource]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-4.0, 7.5, n)
    lat = rng.uniform(43.0, 50.5, n)
    return [
        Resource(
            id=f"synthetic-{i}",
            type="CMP" if i % 3 else "CATTP",
            name=f"synthetic {i}",
            position=Position(lon=float(x), lat=float(y), precision=PositionPrecision.ADDRESS, source="synthetic"),
            source="synthetic benchmark set",
            last_verified=date(2026, 11, 1),
        )
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]


def _brute(resources: list[Resource], lon: float, lat: float) -> list[tuple[float, str]]:
    pos = [r.public_position() for r in resources]
    lons = np.array([p.lon for p in pos if p])
    lats = np.array([p.lat for p in pos if p])
    ids = [r.id for r, p in zip(resources, pos, strict=True) if p]
    _, _, d = GEOD.inv(np.full(len(lons), lon), np.full(len(lats), lat), lons, lats)
    return sorted(zip(d.tolist(), ids, strict=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_set_matches_geodesic_brute_force(seed: int) -> None:
    res = _synthetic(3000, seed)
    index = ResourceIndex(res)
    rng = np.random.default_rng(100 + seed)
    for lon, lat in zip(rng.uniform(-3.5, 7.0, 25), rng.uniform(43.5, 50.0, 25), strict=True):
        hits = index.nearest(float(lon), float(lat), k=10)
        truth = _brute(res, float(lon), float(lat))
        truth_d = dict((i, d) for d, i in truth)
        for h in hits:
            assert h.distance_m == pytest.approx(truth_d[h.resource.id], rel=0.005)
        # Same set as the 10 geodesically nearest, except for near-ties at the boundary.
        got = [h.resource.id for h in hits]
        assert got[0] == truth[0][1]
        tenth = truth[9][0]
        assert all(truth_d[i] <= tenth * 1.005 for i in got)
        assert [h.distance_m for h in hits] == sorted(h.distance_m for h in hits)


def test_filter_and_max_distance() -> None:
    res = _synthetic(2000, 7)
    index = ResourceIndex(res)
    hits = index.nearest(2.35, 48.85, k=5, keep=lambda r: r.type == "CATTP", max_distance_m=80_000)
    assert all(h.resource.type == "CATTP" and h.distance_m <= 80_000 for h in hits)
    truth = [i for d, i in _brute([r for r in res if r.type == "CATTP"], 2.35, 48.85) if d <= 80_000][:5]
    assert hits and [h.resource.id for h in hits] == truth


def test_bundled_data_matches_brute_force(catalog: Catalog) -> None:
    index = ResourceIndex(catalog.resources)
    placed = [r for r in catalog.resources if r.public_position()]
    for lon, lat in [(6.1955, 49.1197), (0.1560, 45.6487), (2.35, 48.85), (9.45, 42.70), (-4.48, 48.39)]:
        hits = index.nearest(lon, lat, k=8)
        truth = _brute(placed, lon, lat)
        truth_d = dict((i, d) for d, i in truth)
        assert hits[0].distance_m == pytest.approx(truth[0][0], rel=0.005, abs=0.5)
        for h in hits:
            assert h.distance_m == pytest.approx(truth_d[h.resource.id], rel=0.005, abs=0.5)
        assert all(truth_d[h.resource.id] <= truth[7][0] * 1.005 + 0.5 for h in hits)


def test_outside_france_finds_nothing() -> None:
    assert ResourceIndex(_synthetic(10, 1)).nearest(13.4, 52.5, k=3) == []
