"""The national synthetic workload (benchmarks/workload.py): named synthetic, placed inside the
communes, spread in proportion to population, QPV-like polygons valid."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import workload


def test_resources_are_synthetic_and_inside_their_commune() -> None:
    res = workload.synthetic_resources(500, seed=7)
    assert len({r.id for r in res}) == 500
    assert all(r.id.startswith("synthetic-") and "synthétique" in r.name for r in res)
    assert all(r.source == workload.SYNTHETIC_SOURCE and "SYNTHETIC" in r.source for r in res)
    communes = workload.communes().set_index("insee_com")
    for r in res[:100]:
        assert r.position is not None
        geom = communes.loc[r.insee_com].geometry
        assert shapely.covers(geom, shapely.Point(r.position.lon, r.position.lat)), r.id


def test_points_follow_population() -> None:
    """The share of points per department is the department's share of population (independent
    count from the commune table), within sampling error."""
    communes = workload.communes()
    n = 40_000
    _, _, rows = workload.synthetic_points(n, seed=3)
    dep = communes["insee_com"].str[:2].to_numpy()
    pop = communes["population_municipale"].to_numpy()
    for d in ("75", "13", "57", "16", "97"):
        share = pop[dep == d].sum() / pop.sum()
        got = float(np.mean(dep[rows] == d))
        assert abs(got - share) < 4 * np.sqrt(share * (1 - share) / n) + 1e-4, d


def test_overseas_points_exist() -> None:
    lon, lat, _ = workload.synthetic_points(20_000, seed=4)
    from geo_clsm.geo.crs import projected_crs_many

    crs = set(projected_crs_many(lon, lat).tolist())
    assert {"EPSG:2154", "EPSG:2975", "EPSG:5490"} <= crs and "" not in crs


def test_qpv_like_polygons() -> None:
    qpv = workload.synthetic_qpv(50, seed=5)
    assert len(qpv) == 50 and qpv["code_qp"].str.startswith("QNSYN").all()
    assert qpv.geometry.is_valid.all() and not qpv.geometry.is_empty.any()
    assert qpv["synthetic"].all() and qpv["lib_qp"].str.contains("synthétique").all()
