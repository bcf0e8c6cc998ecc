"""Site suggestions (issue 32): Metz, 3 new CMP, 500 candidates, p-median on every 200 m cell.

Figure: :func:`geo_clsm.access.suggest.solve` on the Metz problem (town halls, QPV centroids and
a synthetic 800 m grid of candidate points inside the territory's communes, 500 in all; every
one of the ~8,100 demand cells of 200 m, QPV weight 2), exact (Benders cuts, HiGHS master).
Baseline, in the same run: spopt's ``PMedian.from_cost_matrix`` (PuLP, CBC) solving the same
model on the same matrix — every row some candidate improves, the existing places as one column
fixed open. Dense, it has one variable per cell and candidate (about 4 million here; with 30
candidates on all 8,100 cells it did not end in 20 minutes at load 16), so it is run on the 200 m
cells within 4 km of Metz's centre with the first 30 candidates, beside ``solve`` on that same
case; both objectives are printed (they must agree).
Also: a brute force over every 3-subset of 12 candidates against ``solve`` on a small case.
Prints wall and CPU times (the machine is shared: CPU time is the steadier figure), the ratio, the
objective of each, and the process's peak RSS after each step.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_suggest.py``.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import shapely

from geo_clsm.access.candidates import Candidate, territory_candidates
from geo_clsm.access.objective import coarsen, territory_demand
from geo_clsm.access.suggest import brute_force, build_problem, solve, spopt_pmedian
from geo_clsm.data.layers import load_catalog
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.resource_types import ResourceType

K = 3


def timed(fn: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """(wall s, CPU s of the process, its peak RSS in MiB so far, result). No tracemalloc: it would
    slow PuLP's Python objects (the baseline) far more than the solver's arrays."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, out


def grid_candidates(catalog: Any, *, spacing_m: float) -> list[Candidate]:
    """Synthetic candidate points on a regular grid inside Metz's communes (not real sites)."""
    import geopandas as gpd

    com = catalog.communes_of("metz").to_crs("EPSG:2154")
    area = com.geometry.union_all()
    x0, y0, x1, y1 = area.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, spacing_m), np.arange(y0, y1, spacing_m))
    pts = np.asarray(shapely.points(xs.ravel(), ys.ravel()))
    inside = gpd.GeoSeries(pts[shapely.contains(area, pts)], crs="EPSG:2154").to_crs(WGS84)
    return [
        Candidate(float(p.x), float(p.y), "liste", f"point de grille synthétique {i}", f"synthetique-{i}")
        for i, p in enumerate(inside, start=1)
    ]


def main() -> None:
    catalog = load_catalog()
    demand = territory_demand(catalog, territory="metz", qpv_weight=2.0)
    cands = territory_candidates(catalog, territory="metz")
    cands += grid_candidates(catalog, spacing_m=800.0)[: 500 - len(cands)]
    problem = build_problem(demand, resources=catalog.resources, rtype=ResourceType.CMP, candidates=cands)
    print(
        f"Metz, {K} new CMP, {len(problem.candidates)} candidates, {len(demand.xy)} population cells of 200 m "
        f"(model on every cell), QPV weight 2"
    )
    s, cpu, mem, chosen = timed(lambda: solve(problem, sites=K, objective="mean"))
    v = problem.value(chosen, objective="mean", within_m=None)
    print(
        f"  solve (exact p-median, Benders cuts, HiGHS)   {s:7.2f} s (CPU {cpu:6.2f} s)  peak RSS {mem:6.0f} MiB  mean {v:8.1f} m"
    )
    print(f"  (before: {problem.value([], objective='mean', within_m=None):.1f} m)")

    centre = np.average(demand.xy, axis=0, weights=demand.population)
    near = np.hypot(*(demand.xy - centre).T) < 4000.0
    inner = replace(demand, xy=demand.xy[near], population=demand.population[near], in_qpv=demand.in_qpv[near])
    mid = build_problem(inner, resources=catalog.resources, rtype=ResourceType.CMP, candidates=cands[:30])
    print(
        f"200 m cells within 4 km of the centre ({len(inner.xy)}), first {len(mid.candidates)} candidates, {K} sites:"
    )
    s1, u1, m1, c1 = timed(lambda: solve(mid, sites=K, objective="mean"))
    print(
        f"  solve                                         {s1:7.2f} s (CPU {u1:6.2f} s)  peak RSS {m1:6.0f} MiB  mean "
        f"{mid.value(c1, objective='mean', within_m=None):8.1f} m"
    )
    b1, v1, bm1, bc1 = timed(lambda: spopt_pmedian(mid, sites=K))
    print(
        f"  baseline spopt PMedian, same model and matrix {b1:7.2f} s (CPU {v1:6.2f} s)  peak RSS {bm1:6.0f} MiB  mean "
        f"{mid.value(bc1, objective='mean', within_m=None):8.1f} m"
    )
    print(f"  ratio solve/baseline time {s1 / b1:.4f}x wall, {u1 / v1:.4f}x CPU")

    small = build_problem(
        coarsen(demand, cell_m=800.0),
        resources=catalog.resources,
        rtype=ResourceType.CMP,
        candidates=cands[:12],
    )
    s2, u2, m2, c2 = timed(lambda: solve(small, sites=K, objective="mean"))
    b2, v2, bm2, bc2 = timed(lambda: brute_force(small, sites=K, objective="mean"))
    print(f"small case: 12 candidates, {len(small.demand.xy)} cells of 800 m, every 3-subset")
    print(
        f"  solve {s2:6.2f} s (CPU {u2:5.2f} s)  peak RSS {m2:6.0f} MiB  mean {small.value(c2, objective='mean', within_m=None):8.1f} m"
    )
    print(
        f"  brute force {b2:6.2f} s (CPU {v2:5.2f} s)  peak RSS {bm2:6.0f} MiB  mean {small.value(bc2, objective='mean', within_m=None):8.1f} m"
    )
    print(f"  ratio solve/brute force time {s2 / b2:4.2f}x wall, {u2 / v2:4.2f}x CPU")


if __name__ == "__main__":
    main()
