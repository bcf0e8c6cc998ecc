"""Site suggestions (issue 32): Metz, 3 new CMP, about 500 candidates, p-median with spopt.

Figure: :func:`geo_clsm.access.suggest.solve` on the Metz problem (town halls, QPV centroids and
a synthetic 1 km grid of candidate points inside the territory's communes, about 500 in all;
demand summed to fit ``MODEL_CELLS``), model building included.
Baseline: spopt's ``PMedian.from_cost_matrix`` solving the same model on the same matrix directly
(every demand row, the existing places as one fixed-open column), in the same run.
Also: a brute force over every 3-subset of 12 candidates against ``solve`` on that small case.
Prints times, the ratio, the objective of each, and peak memory (tracemalloc).
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_suggest.py``.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp
import shapely
from spopt.locate import PMedian

from geo_clsm.access.candidates import Candidate, territory_candidates
from geo_clsm.access.objective import coarsen, territory_demand
from geo_clsm.access.suggest import Problem, brute_force, build_problem, solve
from geo_clsm.data.layers import load_catalog
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.resource_types import ResourceType

K = 3


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return s, peak / 2**20, out


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


def direct_spopt(problem: Problem) -> list[int]:
    cost = np.column_stack([problem.existing_m, problem.cost_m])
    pre = np.zeros(cost.shape[1], dtype=int)
    pre[0] = 1
    model = PMedian.from_cost_matrix(cost, problem.demand.weight, p_facilities=K + 1, predefined_facilities_arr=pre)
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    return sorted(j - 1 for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5 and j > 0)


def main() -> None:
    catalog = load_catalog()
    demand = territory_demand(catalog, territory="metz", qpv_weight=2.0)
    cands = territory_candidates(catalog, territory="metz")
    cands += grid_candidates(catalog, spacing_m=800.0)[: 500 - len(cands)]
    problem = build_problem(demand, resources=catalog.resources, rtype=ResourceType.CMP, candidates=cands)
    print(
        f"Metz, {K} new CMP, {len(problem.candidates)} candidates, {len(demand.xy)} population cells of 200 m "
        f"(model on {len(problem.demand.xy)} cells of {problem.cell_m:.0f} m), QPV weight 2"
    )
    s, mem, chosen = timed(lambda: solve(problem, sites=K, objective="mean"))
    v = problem.value(chosen, objective="mean", within_m=None)
    print(f"  solve (spopt p-median, rows no site can help dropped) {s:7.2f} s  peak {mem:6.1f} MiB  mean {v:8.1f} m")
    bs, bmem, bchosen = timed(lambda: direct_spopt(problem))
    bv = problem.value(bchosen, objective="mean", within_m=None)
    print(
        f"  baseline spopt PMedian on the same matrix, every row  {bs:7.2f} s  peak {bmem:6.1f} MiB  mean {bv:8.1f} m"
    )
    print(
        f"  ratio solve/baseline time {s / bs:4.2f}x  (before: {problem.value([], objective='mean', within_m=None):.1f} m)"
    )

    small = build_problem(
        coarsen(demand, cell_m=800.0),
        resources=catalog.resources,
        rtype=ResourceType.CMP,
        candidates=cands[:12],
        model_cells=None,
    )
    s2, m2, c2 = timed(lambda: solve(small, sites=K, objective="mean"))
    b2, bm2, bc2 = timed(lambda: brute_force(small, sites=K, objective="mean"))
    print(f"small case: 12 candidates, {len(small.demand.xy)} cells of 800 m, every 3-subset")
    print(f"  solve {s2:6.2f} s  peak {m2:6.1f} MiB  mean {small.value(c2, objective='mean', within_m=None):8.1f} m")
    print(
        f"  brute force {b2:6.2f} s  peak {bm2:6.1f} MiB  mean {small.value(bc2, objective='mean', within_m=None):8.1f} m"
    )
    print(f"  ratio solve/brute force time {s2 / b2:4.2f}x")


if __name__ == "__main__":
    main()
