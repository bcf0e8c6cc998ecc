"""Access indicators of the shipped pilots (every type, both audience variants): PostGIS vs memory.

- baseline: the in-memory engine (:func:`geo_clsm.access.territory_indicators`, k-d trees);
- PostGIS (``GEO_CLSM_QUERY_BACKEND=postgis``): :func:`geo_clsm.engine.postgis.access.postgis_indicators`
  on the resources read from the database, the first time (sample points written to
  ``access_points``) and again (points already stored).

The data are the shipped layers (real records, no synthetic data). PostgreSQL + PostGIS is a
throw-away server started by ``tests/pg.sh``. No target in issue 15 for this figure: it says what a
worker spends after each change to the data. Prints the figures, the largest relative difference of
the mean distances, then a ``BENCH`` line (see common.py).

    .venv/bin/python benchmarks/bench_postgis_indicators.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, report, self_peak_mib

from geo_clsm.access.indicators import territory_indicators
from geo_clsm.data.layers import load_catalog
from geo_clsm.engine.postgis.access import postgis_indicators, read_resources
from geo_clsm.model.resource_types import PLACE_TYPES
from geo_clsm.store.startup import open_store


def main() -> None:
    catalog = load_catalog(ROOT / "layers")
    order = {r.id: i for i, r in enumerate(catalog.resources)}
    t = time.perf_counter()
    memory = territory_indicators(catalog, types=PLACE_TYPES)
    memory_s = time.perf_counter() - t
    pgdir = Path(tempfile.mkdtemp(prefix="geo_clsm_benchpg."))
    url = subprocess.run(
        ["sh", str(ROOT / "tests" / "pg.sh"), "start", str(pgdir)], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        db = open_store(url, shipped=lambda: catalog.resources, territories=list(catalog.territories))
        times = []
        for _ in range(2):
            t = time.perf_counter()
            found = read_resources(db, loaded=catalog.territories, rank=lambda r: order.get(r.id, len(order)))
            postgis = postgis_indicators(db, catalog, resources=found, types=PLACE_TYPES)
            times.append(time.perf_counter() - t)
        db.dispose()
    finally:
        subprocess.run(["sh", str(ROOT / "tests" / "pg.sh"), "stop", str(pgdir)], check=False)
    worst = 0.0
    for tid, result in memory.items():
        a, b = result.qpv["mean_m"].astype(float).to_numpy(), postgis[tid].qpv["mean_m"].astype(float).to_numpy()
        ok = np.isfinite(a) & (a > 0)
        worst = max(worst, float(np.max(np.abs(b[ok] - a[ok]) / a[ok])) if ok.any() else 0.0)
    load1 = os.getloadavg()[0]
    print(f"(load average {load1:.1f} on {os.cpu_count()} CPUs: a shared machine, figures measured under load)")
    print(
        f"indicators of {', '.join(memory)}: memory {memory_s:.1f} s; PostGIS first {times[0]:.1f} s, "
        f"again {times[1]:.1f} s; largest relative difference of mean_m {worst:.2e}"
    )
    report(
        "postgis indicators (pilots, every type)",
        figure=f"{times[1]:.1f} s (first run {times[0]:.1f} s)",
        baseline_name="in-memory engine",
        baseline=f"{memory_s:.1f} s",
        ratio=f"{times[1] / memory_s:.1f}x slower",
        peak_mib=self_peak_mib(),
        target="none (parity within 0.1 %)",
        met=worst <= 1e-3,
        extra={"load1": round(load1, 1), "max_rel_diff_mean_m": worst},
    )


if __name__ == "__main__":
    main()
