"""Nearest in process for a batch of 10^5 points against 10^3 / 10^4 / 10^5 synthetic resources.

Target (issue 9): ≤ 2 µs per query at 10^5 points × 10^5 resources.

- Figure: ``ResourceIndex.nearest_many(lon, lat, k=5)`` (WGS84 in; zones, re-projection,
  tree query, tie-breaking by catalog order; indices and metres out).
- Baselines, same arrays, same run: ``scipy.spatial.cKDTree.query`` of the pre-projected
  points (no re-projection, no tie-breaking), and ``geopandas.sjoin_nearest`` (k=1, as it
  offers) on GeoDataFrames already in Lambert-93.
- Data: synthetic resources (``synthetic_resource_rows``, uniform over mainland France) and
  synthetic query points; building the index is not timed. Peak memory: this process's VmHWM.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_batch.py``.
"""

from __future__ import annotations

import time
from datetime import date

import geopandas as gpd
import numpy as np
from common import report, self_peak_mib
from scipy.spatial import cKDTree

from geo_clsm.engine.index import ResourceIndex
from geo_clsm.geo.crs import LAMBERT93, to_projected
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource

K = 5
N_QUERIES = 100_000
SIZES = (1_000, 10_000, 100_000)


def synthetic_resources(n: int, seed: int) -> list[Resource]:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-1.5, 7.0, n), rng.uniform(43.5, 49.5, n)
    return [
        Resource.model_construct(
            id=f"synthetic-{i}",
            type="CMP",
            name="synthetic benchmark resource",
            position=Position.model_construct(
                lon=float(lon[i]), lat=float(lat[i]), precision=PositionPrecision.ADDRESS, source="synthetic"
            ),
            confidential_address=False,
            source="synthetic benchmark set",
            last_verified=date(2026, 1, 1),
        )
        for i in range(n)
    ]


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    rng = np.random.default_rng(2)
    qlon, qlat = rng.uniform(-1.0, 6.5, N_QUERIES), rng.uniform(44.0, 49.0, N_QUERIES)
    qx, qy = to_projected(qlon, qlat, LAMBERT93)
    q_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(qx, qy), crs=LAMBERT93)
    print(f"batch nearest: {N_QUERIES} synthetic points, k={K}")
    results = {}
    for n in SIZES:
        index = ResourceIndex(synthetic_resources(n, seed=n))
        s_ours, (idx, _) = timed(lambda index=index: index.nearest_many(qlon, qlat, k=K))
        assert (idx >= 0).all()
        tree = cKDTree(np.column_stack([index.x, index.y]))
        s_kd, _ = timed(lambda tree=tree: tree.query(np.column_stack([qx, qy]), k=K, workers=-1))
        r_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(index.x, index.y), crs=LAMBERT93)
        s_gp, _ = timed(lambda r_gdf=r_gdf: gpd.sjoin_nearest(q_gdf, r_gdf, distance_col="d"))
        per = {name: s / N_QUERIES * 1e6 for name, s in (("ours", s_ours), ("ckdtree", s_kd), ("sjoin", s_gp))}
        results[n] = per
        print(
            f"  {n:>7} resources: nearest_many {per['ours']:6.2f} µs/query   cKDTree.query {per['ckdtree']:6.2f}"
            f"   sjoin_nearest (k=1) {per['sjoin']:6.2f}   ratio ours/cKDTree {per['ours'] / per['ckdtree']:5.2f}x"
        )
    big = results[SIZES[-1]]
    peak = self_peak_mib()
    print(f"  peak RSS {peak:.0f} MiB")
    report(
        "batch nearest, 10^5 points × 10^5 resources (synthetic), k=5",
        figure=f"{big['ours']:.2f} µs/query",
        baseline_name="cKDTree.query same arrays; geopandas.sjoin_nearest",
        baseline=f"{big['ckdtree']:.2f} µs; sjoin {big['sjoin']:.2f} µs",
        ratio=f"{big['ours'] / big['ckdtree']:.2f}x cKDTree, {big['ours'] / big['sjoin']:.2f}x sjoin",
        peak_mib=peak,
        target="≤ 2 µs/query",
        met=big["ours"] <= 2,
        extra={"per_size_us": results},
    )


if __name__ == "__main__":
    main()
