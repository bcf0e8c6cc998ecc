"""Map payload: the compact /api/markers list vs a full GeoJSON FeatureCollection baseline.

Baseline ("full GeoJSON"): what the map would download if it fetched /api/resources with
every resource's public properties. Both are built from the same shipped catalog in one
run; prints bytes, gzip bytes, time to build and serialise, the ratios, and peak memory.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_markers.py``.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from geo_clsm.data.layers import load_catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.geojson import feature

REPEAT = 5


def measure(build: Callable[[], Any]) -> tuple[float, int, int, int]:
    tracemalloc.start()
    t0 = time.perf_counter()
    for _ in range(REPEAT):
        body = json.dumps(build(), ensure_ascii=False).encode()
    seconds = (time.perf_counter() - t0) / REPEAT
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, len(body), len(gzip.compress(body)), peak


def main() -> None:
    catalog = load_catalog()
    engine = Engine(catalog)
    placed = [r for r in catalog.resources if r.public_position()]
    # One fresh engine per build, made before the clock starts: markers built each time, as a cold
    # cache would (an engine is never changed once built).
    cold = [Engine(catalog, previous=engine) for _ in range(REPEAT)]

    def compact() -> dict[str, Any]:
        return {"markers": cold.pop().markers}

    def full() -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [feature(r, engine.resource_extra(r)) for r in placed]}

    c_s, c_b, c_gz, c_peak = measure(compact)
    f_s, f_b, f_gz, f_peak = measure(full)
    print(f"map payload for {len(placed)} placed resources")
    print(
        f"  compact /api/markers   {c_b / 1024:8.0f} KiB ({c_gz / 1024:6.0f} KiB gzip) {c_s * 1e3:7.1f} ms  peak {c_peak / 2**20:5.1f} MiB"
    )
    print(
        f"  baseline full GeoJSON  {f_b / 1024:8.0f} KiB ({f_gz / 1024:6.0f} KiB gzip) {f_s * 1e3:7.1f} ms  peak {f_peak / 2**20:5.1f} MiB"
    )
    print(f"  ratio baseline/compact size {f_b / c_b:5.1f}x, gzip {f_gz / c_gz:5.1f}x, time {f_s / c_s:5.1f}x")


if __name__ == "__main__":
    main()
