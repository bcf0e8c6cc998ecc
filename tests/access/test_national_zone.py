"""A type covered only in part of a zone is computed only around the covered communes
(:func:`geo_clsm.access.national_zone.covered_frame`): its figures there must be those of the
whole zone's grid, and its distances those of a brute-force KD-tree over every resource of the
zone — a resource just outside the covered communes still counts. Every commune and resource
here is synthetic (named so)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from geo_clsm.access.national_zone import Method, build_zone, covered_frame, nearest_bound_m, type_frame
from geo_clsm.access.params import AccessParams
from geo_clsm.geo.crs import LAMBERT93, WGS84
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

X0, Y0, SIDE = 700_000.0, 6_600_000.0, 3000.0
NX, NY = 14, 9
OVERLAP = 150.0


def _communes() -> gpd.GeoDataFrame:
    rows = [
        (f"98{i:01x}{j:02d}", f"synthetic_commune_{i}_{j}", "98", 500 + 37 * i + 91 * j)
        for i in range(NX)
        for j in range(NY)
    ]
    # Each square overlaps its neighbours by 2 x OVERLAP (as simplified commune outlines do): a
    # cell centre in two communes goes to the later one, on the zone's grid as on a part of it.
    geoms = [
        shapely.box(X0 + SIDE * i, Y0 + SIDE * j, X0 + SIDE * (i + 1), Y0 + SIDE * (j + 1)).buffer(
            OVERLAP, join_style="mitre"
        )
        for i in range(NX)
        for j in range(NY)
    ]
    frame = pd.DataFrame(rows, columns=["insee_com", "nom", "dep", "population_municipale"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=LAMBERT93)


def _gem(n: int, x: float, y: float, area: shapely.Polygon | None = None) -> Resource:
    lon, lat = gpd.GeoSeries([shapely.Point(x, y)], crs=LAMBERT93).to_crs(WGS84).iloc[0].coords[0]
    wkt = None if area is None else gpd.GeoSeries([area], crs=LAMBERT93).to_crs(WGS84).iloc[0].wkt
    return Resource(
        id=f"synthetic-zone-{n}",
        type=ResourceType.GEM,
        name=f"synthetic_gem_{n}",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        territory="synthetic_france",
        source="synthetic test fixture",
        last_verified=date(2026, 11, 1),
        capacity=float(1 + n % 3),
        service_area_wkt=wkt,
    )


def _resources(seed: int) -> list[Resource]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([X0 - 4000, Y0 - 4000], [X0 + SIDE * NX + 4000, Y0 + SIDE * NY + 4000], (25, 2))
    out = [_gem(n, x, y) for n, (x, y) in enumerate(xy)]
    # Just outside the covered block of the south-west corner (communes 0-1 x 0-1): 150 m east.
    out.append(_gem(90, X0 + 2 * SIDE + 150, Y0 + 2500))
    out.append(
        _gem(
            91,
            X0 + 11 * SIDE,
            Y0 + 8 * SIDE,
            area=shapely.box(X0 + 9 * SIDE, Y0 + 6 * SIDE, X0 + 10 * SIDE, Y0 + 7 * SIDE),
        )
    )
    return out


def _covered(com: gpd.GeoDataFrame, blocks: list[tuple[int, int, int, int]]) -> np.ndarray:
    i = np.array([int(c[2], 16) for c in com["insee_com"]])
    j = np.array([int(c[3:]) for c in com["insee_com"]])
    return np.any([(i >= a) & (i <= b) & (j >= c) & (j <= d) for a, b, c, d in blocks], axis=0)


CASES = [
    pytest.param(AccessParams(), [(0, 1, 0, 1), (12, 13, 7, 8)], 1, id="two-blocks-default"),
    pytest.param(AccessParams(catchment_m=2500.0), [(0, 1, 0, 1), (9, 13, 5, 8)], 2, id="small-catchment"),
    pytest.param(AccessParams(catchment_m=9000.0, decay="step"), [(6, 6, 4, 4)], 3, id="one-commune-step"),
]


@pytest.mark.parametrize("method", ["voronoi", "edt"])
@pytest.mark.parametrize(("params", "blocks", "seed"), CASES)
def test_covered_part_matches_the_whole_zone(
    params: AccessParams, blocks: list[tuple[int, int, int, int]], seed: int, method: Method
) -> None:
    com = _communes()
    zone = build_zone(com, _resources(seed), (ResourceType.GEM,), params, False)
    covered = _covered(com, blocks)
    whole, ratios = type_frame(zone, ResourceType.GEM, params, method)
    part, part_ratios = covered_frame(
        zone,
        ResourceType.GEM,
        params,
        method,
        covered=covered,
        extra_bounds=np.empty((0, 4)),
    )
    values = [c for c in whole.columns if c.endswith(("_m", "_share", "_mean")) or c.startswith("sfca")]
    values.remove("catchment_m")
    a, b = whole.loc[covered, values].to_numpy(), part.loc[covered, values].to_numpy()
    assert np.isfinite(b).all()
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    assert part.loc[~covered, values].isna().all().all()
    assert (
        (
            part[["insee_com", "population", "n_resources_zone"]]
            == whole[["insee_com", "population", "n_resources_zone"]]
        )
        .all()
        .all()
    )
    # The ratios the QPV need: every resource within the catchment of a covered commune has its own.
    sxy = zone.supplies[ResourceType.GEM].xy
    near = shapely.distance(
        shapely.points(sxy), shapely.union_all(com.geometry[covered].to_numpy())
    ) <= params.catchment_for("GEM")
    np.testing.assert_allclose(part_ratios[near], ratios[near], rtol=1e-12)
    if method == "voronoi":  # exact distances: an independent KD-tree over every resource of the zone
        grid = zone.grid
        cells = grid.cell_xy()
        d = cKDTree(sxy).query(cells)[0]
        area = zone.supplies[ResourceType.GEM].areas
        for geom in area.values():
            d[shapely.contains_xy(geom, cells[:, 0], cells[:, 1])] = 0.0
        mean = np.bincount(grid.cell_commune, weights=d, minlength=grid.n_communes) / grid.n_cells
        np.testing.assert_allclose(part.loc[covered, "mean_m"], mean[covered], rtol=1e-9)


def test_nearest_bound_holds_everywhere_in_the_box() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        xy = rng.uniform(0, 100_000, (int(rng.integers(1, 30)), 2))
        x0, y0 = rng.uniform(0, 90_000, 2)
        box = np.array([x0, y0, x0 + rng.uniform(10, 10_000), y0 + rng.uniform(10, 10_000)])
        pts = rng.uniform(box[:2], box[2:], (2000, 2))
        assert cKDTree(xy).query(pts)[0].max() <= nearest_bound_m(xy, box) + 1e-9
