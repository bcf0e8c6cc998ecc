"""Start-up access indicators: the default 2SFCA vs the first version's settings, same engine.

Figure: ``territory_indicators`` with the defaults (demand spread over a 200 m grid inside
each commune, Gaussian decay, a catchment per type), for every territory with QPV, every
type and both audience variants, as the app computes them at start-up.
Baseline ("commune points"): the first version's 2SFCA settings in the same run — each
commune's population on one point (a demand grid coarser than any commune), no decay, one
10 km catchment. Prints the time of each (best of 2), the ratio, peak memory (tracemalloc)
and how many distinct 2SFCA values the eight Metz QPVs get for CMP.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_access.py``.
"""

from __future__ import annotations

import time
import tracemalloc

from geo_clsm.access.indicators import territory_indicators
from geo_clsm.access.params import AccessParams, AccessResult
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.layers import load_catalog

REPEAT = 2


def measure(catalog: Catalog, params: AccessParams) -> tuple[float, int, dict[str, AccessResult]]:
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = territory_indicators(catalog, params=params)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    territory_indicators(catalog, params=params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak, out


def distinct_metz_cmp(results: dict[str, AccessResult]) -> int:
    q = results["metz"].qpv
    return int(q[q["resource_type"] == "CMP"]["sfca"].round(12).nunique())


def main() -> None:
    catalog = load_catalog()
    default = AccessParams()
    baseline = AccessParams(demand_spacing_m=1e7, decay="none", catchment_m=10_000.0)
    d_s, d_peak, d_out = measure(catalog, default)
    b_s, b_peak, b_out = measure(catalog, baseline)
    print(f"start-up access indicators for {', '.join(d_out)} (every type, both audience variants)")
    print(
        f"  default (200 m demand grid, Gaussian, per-type catchments) {d_s:6.2f} s  peak {d_peak / 2**20:6.1f} MiB"
        f"  distinct Metz CMP 2SFCA: {distinct_metz_cmp(d_out)}/8"
    )
    print(
        f"  baseline commune points (no decay, 10 km)                  {b_s:6.2f} s  peak {b_peak / 2**20:6.1f} MiB"
        f"  distinct Metz CMP 2SFCA: {distinct_metz_cmp(b_out)}/8"
    )
    print(f"  ratio default/baseline time {d_s / b_s:4.2f}x, memory {d_peak / b_peak:4.2f}x")


if __name__ == "__main__":
    main()
