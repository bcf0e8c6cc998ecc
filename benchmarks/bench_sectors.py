"""Which sectors cover a point: ``SectorIndex.at`` on the FICTITIOUS Metz sectors (tests/fixtures).

Figure: ``engine.sectors.at(lon=, lat=)`` per point (what each located answer adds, issue 29),
on 20,000 random points of the Metz territory's box, and ``for_commune`` per commune (cold, then
cached). Baseline in the same run: ``engine.locate`` on the same points (the commune and QPV of
each point, which every located answer already pays). Prints µs per point, the ratio, the index's
build time and peak memory (tracemalloc).
Run: ``.venv/bin/python benchmarks/bench_sectors.py`` (not in ``make bench``: the fixture is a test's).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_clsm.engine.sectors import SectorIndex
from tests.sector_fixtures import _layers, catalog_with_sectors

N = 20_000


def main() -> None:
    catalog = catalog_with_sectors(_layers())
    tracemalloc.start()
    t0 = time.perf_counter()
    index = SectorIndex(catalog)
    build_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    from geo_clsm.engine.core import Engine

    engine = Engine(catalog)
    rng = np.random.default_rng(29)
    lon = rng.uniform(6.05, 6.30, N).tolist()
    lat = rng.uniform(49.03, 49.20, N).tolist()
    for x, y in zip(lon[:500], lat[:500], strict=True):  # warm both (cells, transformer)
        index.at(lon=x, lat=y)
        engine.locator.try_locate(x, y)
    t0 = time.perf_counter()
    hits = sum(bool(index.at(lon=x, lat=y)) for x, y in zip(lon, lat, strict=True))
    at_us = (time.perf_counter() - t0) / N * 1e6
    t0 = time.perf_counter()
    for x, y in zip(lon, lat, strict=True):
        engine.locator.try_locate(x, y)
    loc_us = (time.perf_counter() - t0) / N * 1e6
    codes = catalog.commune_table.attrs.iloc[catalog.commune_table.rows_in(["metz"])]["insee_com"].tolist()
    t0 = time.perf_counter()
    for c in codes:
        index.for_commune(insee_com=c)
    cold_ms = (time.perf_counter() - t0) / len(codes) * 1e3
    t0 = time.perf_counter()
    for _ in range(100):
        for c in codes:
            index.for_commune(insee_com=c)
    warm_us = (time.perf_counter() - t0) / (100 * len(codes)) * 1e6
    print(
        f"sectors: {len(index.sectors)} fictitious sectors, index built in {build_s * 1e3:.0f} ms, peak {peak / 2**20:.1f} MiB"
    )
    print(f"  SectorIndex.at            {at_us:7.1f} µs/point  ({hits}/{N} points in a sector)")
    print(f"  baseline Locator.locate   {loc_us:7.1f} µs/point")
    print(f"  ratio at/locate           {at_us / loc_us:7.2f}x")
    print(f"  for_commune cold {cold_ms:.1f} ms/commune, cached {warm_us:.2f} µs/commune")


if __name__ == "__main__":
    main()
