"""The fast paths of the index: masks, the vectorised batch query, ties, zones for many points.

Every answer is compared with an independent computation: numpy brute force on the same
projected coordinates (pyproj, not the index's transformer cache), or the reference
predicate :func:`geo_clsm.engine.query.matches_audience` applied resource by resource.
"""

from datetime import date

import numpy as np
import pytest
from pyproj import Transformer

from geo_clsm.engine.index import ResourceIndex
from geo_clsm.engine.query import matches_audience
from geo_clsm.geo.crs import projected_crs_for, projected_crs_many
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType

L93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
TYPES = ["CMP_ADULTE", "CMP_ENFANT", "CATTP", "MDA", "GEM"]


def _synthetic(n: int, seed: int, *, snap: float | None = None) -> list[Resource]:
    """Synthetic resources around Metz; with ``snap`` (degrees), many share a position (ties)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(5.9, 6.5, n)
    lat = rng.uniform(48.9, 49.3, n)
    if snap:
        lon, lat = np.round(lon / snap) * snap, np.round(lat / snap) * snap
    out = []
    for i in range(n):
        ages = [(None, None), (18, None), (0, 17), (12, 25)][i % 4]
        out.append(
            Resource(
                id=f"synthetic-{i:05d}",
                type=TYPES[i % len(TYPES)],
                services=("CATTP",) if i % 7 == 0 else (),
                name=f"synthetic {i}",
                audience=Audience(age_min=ages[0], age_max=ages[1]) if i % 3 else Audience(),
                position=Position(
                    lon=float(lon[i]), lat=float(lat[i]), precision=PositionPrecision.ADDRESS, source="synthetic"
                ),
                source="synthetic test set",
                last_verified=date(2026, 11, 1),
            )
        )
    return out


def _brute(res: list[Resource], lon: float, lat: float, k: int, keep=None) -> list[tuple[float, int]]:  # type: ignore[no-untyped-def]
    x, y = L93.transform([r.position.lon for r in res], [r.position.lat for r in res])  # type: ignore[union-attr]
    qx, qy = L93.transform(lon, lat)
    d = np.hypot(np.asarray(x) - qx, np.asarray(y) - qy)
    cand = [(float(d[i]), i) for i in range(len(res)) if keep is None or keep(res[i])]
    return sorted(cand)[:k]


@pytest.mark.parametrize("age", [None, 5, 15, 40])
@pytest.mark.parametrize(
    "types", [(), (ResourceType.CMP,), (ResourceType.CATTP,), (ResourceType.MDA, ResourceType.GEM)]
)
def test_masks_give_the_reference_predicates_answers(types: tuple[ResourceType, ...], age: int | None) -> None:
    res = _synthetic(1500, 3)
    index = ResourceIndex(res)
    rng = np.random.default_rng(9)
    for lon, lat in zip(rng.uniform(5.95, 6.45, 10), rng.uniform(48.95, 49.25, 10), strict=True):
        hits = index.nearest(float(lon), float(lat), k=7, types=types, mask=index.audience_mask(types, age))
        truth = _brute(res, float(lon), float(lat), 7, keep=lambda r: matches_audience(r, types=types, age=age))
        assert [h.resource.id for h in hits] == [res[i].id for _, i in truth]
        assert [h.distance_m for h in hits] == pytest.approx([d for d, _ in truth], abs=1e-3)


def test_ties_are_broken_by_catalog_order_like_brute_force() -> None:
    res = _synthetic(3000, 4, snap=0.05)  # ~100 distinct positions for 3,000 resources
    index = ResourceIndex(res)
    rng = np.random.default_rng(5)
    for lon, lat in zip(rng.uniform(5.95, 6.45, 20), rng.uniform(48.95, 49.25, 20), strict=True):
        hits = index.nearest(float(lon), float(lat), k=12)
        truth = _brute(res, float(lon), float(lat), 12)
        assert [h.resource.id for h in hits] == [res[i].id for _, i in truth]


@pytest.mark.parametrize("snap", [None, 0.05])
def test_nearest_many_equals_nearest_point_by_point(snap: float | None) -> None:
    res = _synthetic(2000, 6, snap=snap)
    index = ResourceIndex(res)
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(5.9, 6.5, 300), rng.uniform(48.9, 49.3, 300)
    lon[:3], lat[:3] = 13.4, 52.5  # outside every zone: no answer
    idx, dist = index.nearest_many(lon, lat, k=5)
    for j in range(len(lon)):
        single = index.nearest(float(lon[j]), float(lat[j]), k=5)
        assert [index.resources[i].id for i in idx[j] if i >= 0] == [h.resource.id for h in single]
        assert dist[j][: len(single)].tolist() == pytest.approx([h.distance_m for h in single])
    assert (idx[:3] == -1).all()


def test_max_distance_and_keep_still_apply() -> None:
    res = _synthetic(1000, 8)
    index = ResourceIndex(res)
    hits = index.nearest(6.17, 49.11, k=50, max_distance_m=3_000, keep=lambda r: r.type == "GEM")
    truth = [(d, i) for d, i in _brute(res, 6.17, 49.11, 1000, keep=lambda r: r.type == "GEM") if d <= 3_000][:50]
    assert [h.resource.id for h in hits] == [res[i].id for _, i in truth]
    assert all(h.distance_m <= 3_000 for h in hits)


def test_projected_crs_many_agrees_with_the_scalar_rule() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-65, 60, 5000), rng.uniform(-25, 55, 5000)
    lon[:4], lat[:4] = [6.2, -61.5, 55.5, 45.1], [49.1, 16.2, -21.1, -12.8]
    got = projected_crs_many(lon, lat)
    assert got.tolist() == [projected_crs_for(float(a), float(b)) or "" for a, b in zip(lon, lat, strict=True)]
