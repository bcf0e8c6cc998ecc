"""France-wide ``geo-clsm gaps --all``: every commune of France (overseas included) x every
resource type on a 200 m grid, every loaded QPV, written as GeoParquet + GPKG.

Figure: the real command (``geo-clsm gaps --all``, the shipped national communes layer and the
catalog's resources) in a child process: wall-clock seconds, CPU seconds, peak RSS.
Baseline in the same run: PySAL ``access`` 2SFCA (``Access.two_stage_fca``, Gaussian decay)
on a subset both can run — one department's 200 m population cells (Moselle, 57, by
default) and the CMPs within reach — against the grid 2SFCA of ``gaps --all``
(:func:`geo_clsm.access.raster.grid_fca`) on the same demand, supply and decay: both timed,
and the results must agree to 1e-9 (relative).
Target (issue 15): ≤ 60 s and ≤ 4 GB RSS on 2 cores. Run:
``.venv/bin/python benchmarks/bench_national_gaps.py [--dep 57]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report

from geo_clsm.access.distances import Supply
from geo_clsm.access.national import national_communes
from geo_clsm.access.params import AccessParams
from geo_clsm.access.raster import build_grid, grid_fca
from geo_clsm.data.layers import load_catalog
from geo_clsm.geo.crs import LAMBERT93
from geo_clsm.model.resource_types import ResourceType

TARGET_S = 60.0
TARGET_MIB = 4096.0


def run_gaps_all(out: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MiB, last lines of output) of the real command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "geo-clsm"), "gaps", "--all", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"gaps --all failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, "\n".join(proc.stdout.splitlines()[-16:])


def pysal_subset(dep: str) -> dict[str, float]:
    """PySAL access 2SFCA vs the grid 2SFCA on one department's cells and the CMPs within reach."""
    from access import Access, weights

    catalog = load_catalog(territories=["france"])
    params = AccessParams()
    catchment, sigma = params.catchment_for("CMP"), params.sigma_for("CMP")
    com = national_communes(catalog)
    com = com[com["dep"].astype(str) == dep].to_crs(LAMBERT93)
    supply = Supply.build(catalog.resources, ResourceType.CMP, LAMBERT93)
    x0, y0, x1, y1 = com.total_bounds
    near = supply.near_box((x0 - catchment, y0 - catchment, x1 + catchment, y1 + catchment))
    sxy, cap = supply.xy[near], supply.capacity[near]
    grid = build_grid(com, spacing_m=params.demand_spacing_m, extra_xy=sxy, pad_m=catchment + 400)
    pop = grid.population_raster().ravel()
    cells = np.flatnonzero(pop > 0)
    rows, cols = np.divmod(cells, grid.shape[1])
    dxy = np.column_stack([grid.x0 + cols * grid.spacing_m, grid.y0 + rows * grid.spacing_m])

    t0 = time.perf_counter()
    _, score = grid_fca(grid, sxy, cap, catchment_m=catchment, decay_sigma_m=sigma)
    ours_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    tree = shapely.STRtree(shapely.points(sxy))  # cost table: pairs within the catchment
    di, sj = tree.query(shapely.points(dxy), predicate="dwithin", distance=catchment)
    d = np.hypot(dxy[di, 0] - sxy[sj, 0], dxy[di, 1] - sxy[sj, 1])
    acc = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(len(cells)), "pop": pop[cells]}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(len(sxy)), "cap": cap}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=pd.DataFrame({"origin": di, "dest": sj, "cost": d}),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = acc.two_stage_fca(max_cost=catchment, weight_fn=weights.gaussian(sigma))
    col = next(c for c in out.columns if c.startswith("2sfca"))
    theirs = out[col].reindex(np.arange(len(cells))).fillna(0).to_numpy()
    pysal_s = time.perf_counter() - t0
    ours = score[cells]
    scale = np.abs(theirs).max()
    return {
        "cells": float(len(cells)),
        "supply": float(len(sxy)),
        "pairs": float(len(d)),
        "ours_s": ours_s,
        "pysal_s": pysal_s,
        "max_rel_diff": float(np.max(np.abs(ours - theirs)) / scale) if scale else 0.0,
        "distinct": float(len(np.unique(np.round(theirs, 12)))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dep", default="57", help="department of the PySAL subset")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, rss, tail = run_gaps_all(Path(tmp) / "gaps_france")
        size_mb = sum(p.stat().st_size for p in (Path(tmp) / "gaps_france").iterdir()) / 1e6
    print(tail)
    sub = pysal_subset(args.dep)
    agree = sub["max_rel_diff"] <= 1e-9
    print(f"gaps --all (France, every type, 200 m): {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MiB")
    print(f"  output {size_mb:.0f} MB; load average at start {load:.1f} on {os.cpu_count()} cores")
    print(
        f"2SFCA subset (department {args.dep}, CMP, {sub['cells']:.0f} cells x {sub['supply']:.0f} CMPs, "
        f"{sub['pairs']:.0f} pairs): grid {sub['ours_s']:.3f} s, PySAL access {sub['pysal_s']:.3f} s, "
        f"ratio {sub['pysal_s'] / sub['ours_s']:.1f}x; max relative difference {sub['max_rel_diff']:.1e} "
        f"({'same to 1e-9' if agree else 'DIFFERENT'}), {sub['distinct']:.0f} distinct values"
    )
    report(
        "national gaps --all",
        figure=f"{wall:.1f} s wall ({cpu:.1f} s CPU), {rss:.0f} MiB RSS",
        baseline_name=f"PySAL access 2SFCA, dep {args.dep} subset",
        baseline=f"{sub['pysal_s']:.3f} s vs grid {sub['ours_s']:.3f} s (diff {sub['max_rel_diff']:.0e})",
        ratio=f"{sub['pysal_s'] / sub['ours_s']:.1f}x",
        peak_mib=rss,
        target="≤ 60 s and ≤ 4 GB RSS on 2 cores",
        met=wall <= TARGET_S and rss <= TARGET_MIB and agree,
        extra={"cpu_s": round(cpu, 1), "load_avg": round(load, 1), "output_mb": round(size_mb, 1)},
    )


if __name__ == "__main__":
    main()
