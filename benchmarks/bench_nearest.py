"""Nearest in process, one point at a time, k=5, shipped layers, against scipy's cKDTree.

Target (issue 9): ≤ 3× the baseline, and ≤ 50 µs per query.

- Figure: ``ResourceIndex.nearest(lon, lat, k=5)``: the whole query (zone of the point,
  re-projection of the WGS84 point, tree search, tie-breaking, hits). ``Engine.nearest``
  (adds service areas and walking time) is printed too, for information.
- Baseline: ``scipy.spatial.cKDTree.query((x, y), k=5)`` on the same resources' Lambert-93
  coordinates, with query points projected beforehand (no re-projection, no hits built).
- Queries: 2,000 random points inside the two pilots' communes, each asked ``REPEAT`` times.
- Peak memory: this process's peak RSS (VmHWM).

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_nearest.py``.
"""

from __future__ import annotations

import time

import numpy as np
from common import points_in_pilots, report, self_peak_mib
from scipy.spatial import cKDTree

from geo_clsm.data.cache import DEFAULT_CACHE_DIR, load_catalog_cached
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.geo.crs import LAMBERT93, to_projected

K = 5
REPEAT = 3


def per_query_us(fn, points) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        for a, b in points:
            fn(a, b)
        best = min(best, (time.perf_counter() - t0) / len(points))
    return best * 1e6


def main() -> None:
    engine = Engine(load_catalog_cached(None, cache_dir=DEFAULT_CACHE_DIR))
    index = engine.index
    pts = [(float(a), float(b)) for a, b in points_in_pilots(2000)]
    lam = index._groups[LAMBERT93].ids  # the pilots' zone: mainland France, Lambert-93
    tree = cKDTree(np.column_stack([index.x[lam], index.y[lam]]))
    qx, qy = to_projected(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), LAMBERT93)
    projected = list(zip(qx.tolist(), qy.tolist(), strict=True))

    base_us = per_query_us(lambda x, y: tree.query((x, y), k=K), projected)
    index_us = per_query_us(lambda lon, lat: index.nearest(lon, lat, k=K), pts)
    engine_us = per_query_us(lambda lon, lat: engine.nearest(lon, lat, NearestQuery(k=K)), pts)
    typed_us = per_query_us(lambda lon, lat: engine.nearest(lon, lat, NearestQuery(k=K, types=["CMP"], age=15)), pts)
    ratio = index_us / base_us
    peak = self_peak_mib()
    print(f"nearest in process, {len(index)} resources ({LAMBERT93} and overseas), {len(pts)} points, k={K}")
    print(f"  ResourceIndex.nearest            {index_us:8.1f} µs/query")
    print(f"  baseline cKDTree.query (1 point) {base_us:8.1f} µs/query")
    print(f"  ratio index/baseline             {ratio:8.2f}x")
    print(f"  Engine.nearest (+ service areas) {engine_us:8.1f} µs/query; with type=CMP, age=15: {typed_us:.1f} µs")
    print(f"  peak RSS {peak:.0f} MiB")
    report(
        "nearest in process, 1 point, k=5, shipped layers",
        figure=f"{index_us:.1f} µs/query (Engine.nearest {engine_us:.1f} µs)",
        baseline_name="scipy cKDTree.query of one point",
        baseline=f"{base_us:.1f} µs/query",
        ratio=f"{ratio:.2f}x",
        peak_mib=peak,
        target="≤ 3× and ≤ 50 µs",
        met=ratio <= 3 and index_us <= 50,
    )


if __name__ == "__main__":
    main()
