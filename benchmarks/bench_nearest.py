"""Nearest-resource queries: the STRtree index vs a brute-force baseline, in one run.

Baseline ("brute force"): for each query, distances from the query point to every
resource, on coordinates projected once to Lambert-93, then a partial sort (numpy).
Measured on the shipped layers, and on a synthetic set of 50,000 points spread over the
bundled resources (named synthetic here and nowhere shipped).

Prints, for each set: time per query for both, the ratio baseline / index, and the peak
memory (tracemalloc) of building the index. Run: ``make bench`` or
``.venv/bin/python benchmarks/bench_nearest.py``.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import date

import numpy as np

from geo_clsm.crs import LAMBERT93, to_projected
from geo_clsm.index import ResourceIndex
from geo_clsm.layers import load_catalog
from geo_clsm.model import Position, PositionPrecision, Resource

K = 5
N_QUERIES = 2000


def synthetic_resources(base: list[Resource], n: int, seed: int = 0) -> list[Resource]:
    """``n`` synthetic points jittered (±5 km) around real resources, for scaling only."""
    rng = np.random.default_rng(seed)
    pos = [r.public_position() for r in base if r.public_position()]
    pick = rng.integers(0, len(pos), n)
    out = []
    for i, j in enumerate(pick):
        p = pos[j]
        assert p is not None
        out.append(
            Resource(
                id=f"synthetic-bench-{i}",
                type="CMP",
                name="synthetic benchmark point",
                position=Position(
                    lon=p.lon + float(rng.uniform(-0.06, 0.06)),
                    lat=p.lat + float(rng.uniform(-0.04, 0.04)),
                    precision=PositionPrecision.ADDRESS,
                    source="synthetic",
                ),
                source="synthetic benchmark set",
                last_verified=date(2026, 1, 1),
            )
        )
    return out


def run(label: str, resources: list[Resource], queries: np.ndarray) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    index = ResourceIndex(resources)
    build_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t0 = time.perf_counter()
    for lon, lat in queries:
        index.nearest(float(lon), float(lat), k=K)
    index_s = (time.perf_counter() - t0) / len(queries)

    pos = [r.public_position() for r in resources if r.public_position()]
    x, y = to_projected(np.array([p.lon for p in pos]), np.array([p.lat for p in pos]), LAMBERT93)
    t0 = time.perf_counter()
    for lon, lat in queries:
        qx, qy = to_projected(float(lon), float(lat), LAMBERT93)
        d = np.hypot(x - qx, y - qy)
        np.sort(np.argpartition(d, K)[:K])
    brute_s = (time.perf_counter() - t0) / len(queries)

    print(
        f"{label}: {len(resources)} resources, {len(queries)} queries, k={K}\n"
        f"  index (STRtree, Lambert-93)     {index_s * 1e3:8.3f} ms/query\n"
        f"  baseline (numpy brute force)    {brute_s * 1e3:8.3f} ms/query\n"
        f"  ratio baseline/index            {brute_s / index_s:8.2f}x\n"
        f"  index build                     {build_s * 1e3:8.1f} ms, peak memory {peak / 2**20:.1f} MiB"
    )


def main() -> None:
    catalog = load_catalog()
    rng = np.random.default_rng(42)
    placed = [r.public_position() for r in catalog.resources if r.public_position()]
    # Queries near real resources (± ~10 km): where people actually ask.
    anchor = rng.integers(0, len(placed), N_QUERIES)
    queries = np.array(
        [
            (placed[a].lon + rng.uniform(-0.12, 0.12), placed[a].lat + rng.uniform(-0.08, 0.08))  # type: ignore[union-attr]
            for a in anchor
        ]
    )
    run("shipped layers", catalog.resources, queries)
    run("synthetic 50k", synthetic_resources(catalog.resources, 50_000), queries)


if __name__ == "__main__":
    main()
