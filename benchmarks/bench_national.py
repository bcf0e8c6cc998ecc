"""Nearest resource at national scale: 10^5 queries x 10^3 / 10^4 / 10^5 resources (synthetic).

Resources and query points come from ``benchmarks/workload.py`` (synthetic, spread in proportion
to commune population, overseas included). For each resource count, the same queries (k = 1) by:

- the in-memory engine: ``ResourceIndex.nearest_many`` (k-d tree per zone, vectorised);
- ``geopandas.sjoin_nearest`` (per zone, in its projected CRS) — the baseline;
- PostGIS KNN, one query per round trip (``PostgisBackend``'s SQL, a sample of the queries);
- PostGIS KNN batched: the points sent as arrays, ``CROSS JOIN LATERAL`` the KNN per point.

PostgreSQL + PostGIS is a throw-away server started by ``tests/pg.sh`` (as ``make test`` does).
Targets (issue 15): PostGIS batch <= 100 us per query, engine <= 2 us per query. Prints the
figures, the answers' agreement with the engine, then ``BENCH`` lines (see common.py).

    .venv/bin/python benchmarks/bench_national.py            # make bench-national
    BENCH_NATIONAL_SIZES=1000,10000 .venv/bin/python benchmarks/bench_national.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import sqlalchemy as sa
from common import ROOT, report, self_peak_mib
from workload import synthetic_points, synthetic_resources

from geo_clsm.engine.index import ResourceIndex
from geo_clsm.geo.crs import project_point, projected_crs_many, to_projected
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.records import to_row
from geo_clsm.store.schema import resources as resources_table

SIZES = [int(s) for s in os.environ.get("BENCH_NATIONAL_SIZES", "1000,10000,100000").split(",")]
N_QUERIES = int(os.environ.get("BENCH_NATIONAL_QUERIES", "100000"))
N_ROUND_TRIPS = int(os.environ.get("BENCH_NATIONAL_ROUND_TRIPS", "2000"))
CHUNK = 10_000
# The SQL of PostgisBackend: the query point projected in its zone's CRS (pyproj), KNN on the
# zone's partial GiST index over the stored projected positions (public_xy).
KNN = (
    "SELECT id, public_xy <-> ST_SetSRID(ST_MakePoint(:x, :y), {srid}) AS d FROM resources"
    " WHERE zone_srid = {srid} AND status = 'active'"
    " ORDER BY public_xy <-> ST_SetSRID(ST_MakePoint(:x, :y), {srid}) LIMIT 1"
)
LATERAL = (
    "SELECT q.i, n.id, n.d FROM unnest(CAST(:i AS int[]), CAST(:x AS float8[]), CAST(:y AS float8[])) AS q(i, x, y)"
    " CROSS JOIN LATERAL (SELECT id, public_xy <-> ST_SetSRID(ST_MakePoint(q.x, q.y), {srid}) AS d FROM resources"
    " WHERE zone_srid = {srid} AND status = 'active' ORDER BY 2 LIMIT 1) AS n"
)


def load(db: sa.Engine, resources: list) -> None:  # type: ignore[type-arg]
    with db.begin() as conn:
        conn.execute(sa.text("TRUNCATE resources"))
        now = {"status": "active", "origin": "seed", "edited": False, "updated_at": datetime.now(UTC)}
        rows = [{**to_row(r), **now} for r in resources]
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(resources_table), rows[i : i + 5000])
        conn.execute(sa.text("ANALYZE resources"))


def bench_size(db: sa.Engine, n_res: int, lon: np.ndarray, lat: np.ndarray) -> dict[str, float]:
    res = synthetic_resources(n_res, seed=n_res)
    load(db, res)
    ids = np.array([r.id for r in res], dtype=object)
    out: dict[str, float] = {}
    # In-memory engine.
    t = time.perf_counter()
    index = ResourceIndex(res)
    build_s = time.perf_counter() - t
    index.nearest_many(lon[:1000], lat[:1000], k=1)  # warm
    t = time.perf_counter()
    idx, _ = index.nearest_many(lon, lat, k=1)
    out["engine_us"] = (time.perf_counter() - t) / len(lon) * 1e6
    engine_ids = np.array([index.resources[i].id if i >= 0 else "" for i in idx[:, 0]], dtype=object)
    # geopandas.sjoin_nearest, per zone in its projected CRS.
    pub = [r.public_position() for r in res]
    rlon = np.array([p.lon for p in pub if p])
    rlat = np.array([p.lat for p in pub if p])
    rzone, qzone = projected_crs_many(rlon, rlat), projected_crs_many(lon, lat)
    t = time.perf_counter()
    sj_ids = np.full(len(lon), "", dtype=object)
    for zone in sorted(set(qzone) - {""}):
        rs, qs = np.flatnonzero(rzone == zone), np.flatnonzero(qzone == zone)
        left = gpd.GeoDataFrame({"q": qs}, geometry=gpd.points_from_xy(lon[qs], lat[qs]), crs=4326).to_crs(zone)
        right = gpd.GeoDataFrame({"rid": ids[rs]}, geometry=gpd.points_from_xy(rlon[rs], rlat[rs]), crs=4326)
        joined = gpd.sjoin_nearest(left, right.to_crs(zone), distance_col="d").drop_duplicates("q")
        sj_ids[joined["q"].to_numpy()] = joined["rid"].to_numpy()
    out["sjoin_us"] = (time.perf_counter() - t) / len(lon) * 1e6
    # PostGIS: one query per round trip (a sample), then batched with LATERAL (every query).
    srids = np.array([int(z.split(":")[1]) if z else 0 for z in qzone])
    t = time.perf_counter()
    qx, qy = np.zeros(len(lon)), np.zeros(len(lon))
    for srid in set(srids.tolist()) - {0}:
        sel = srids == srid
        qx[sel], qy[sel] = to_projected(lon[sel], lat[sel], f"EPSG:{srid}")
    project_us = (time.perf_counter() - t) / len(lon) * 1e6
    sample = np.arange(min(N_ROUND_TRIPS, len(lon)))
    pg_ids = np.full(len(lon), "", dtype=object)
    with db.connect() as conn:
        for i in sample[:50]:  # warm the plans
            conn.execute(sa.text(KNN.format(srid=srids[i] or 2154)), {"x": qx[i], "y": qy[i]}).first()
        t = time.perf_counter()
        one_ids = []
        for i in sample:
            x, y = project_point(float(lon[i]), float(lat[i]), f"EPSG:{srids[i] or 2154}")  # as the backend does
            row = conn.execute(sa.text(KNN.format(srid=srids[i] or 2154)), {"x": x, "y": y}).first()
            one_ids.append(row[0] if row and srids[i] else "")
        out["pg_one_us"] = (time.perf_counter() - t) / len(sample) * 1e6
        t = time.perf_counter()
        for srid in sorted(set(srids.tolist()) - {0}):
            rows = np.flatnonzero(srids == srid)
            for c in range(0, len(rows), CHUNK):
                part = rows[c : c + CHUNK]
                got = conn.execute(
                    sa.text(LATERAL.format(srid=srid)),
                    {"i": part.tolist(), "x": qx[part].tolist(), "y": qy[part].tolist()},
                ).all()
                for qi, rid, _ in got:
                    pg_ids[qi] = rid
        out["pg_batch_us"] = (time.perf_counter() - t) / len(lon) * 1e6 + project_us  # with the projection
    # Agreement with the engine (ties at equal distance may pick another id of the same point).
    out["sjoin_agree"] = float(np.mean(sj_ids == engine_ids))
    out["pg_agree"] = float(np.mean(pg_ids == engine_ids))
    out["pg_one_agree"] = float(np.mean(np.array(one_ids, dtype=object) == engine_ids[sample]))
    print(
        f"{n_res:>7} resources, {len(lon)} queries: engine {out['engine_us']:.2f} us/query "
        f"(index built in {build_s:.2f} s); sjoin_nearest {out['sjoin_us']:.2f} us; "
        f"PostGIS one per round trip {out['pg_one_us']:.0f} us ({len(sample)} queries); "
        f"PostGIS LATERAL batch {out['pg_batch_us']:.1f} us; same nearest as the engine: "
        f"sjoin {out['sjoin_agree']:.2%}, PostGIS batch {out['pg_agree']:.2%}, one by one {out['pg_one_agree']:.2%}",
        flush=True,
    )
    return out


def main() -> None:
    lon, lat, _ = synthetic_points(N_QUERIES, seed=15)
    pgdir = Path(tempfile.mkdtemp(prefix="geo_clsm_benchpg."))
    url = subprocess.run(
        ["sh", str(ROOT / "tests" / "pg.sh"), "start", str(pgdir)], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        db = connect(url)
        upgrade(db)
        results = {n: bench_size(db, n, lon, lat) for n in SIZES}
        db.dispose()
    finally:
        subprocess.run(["sh", str(ROOT / "tests" / "pg.sh"), "stop", str(pgdir)], check=False)
    peak = self_peak_mib()
    load1 = os.getloadavg()[0]
    print(f"(load average {load1:.1f} on {os.cpu_count()} CPUs: a shared machine, figures measured under load)")
    for n, r in results.items():
        report(
            f"nearest, {N_QUERIES:,} queries x {n:,} resources: PostGIS LATERAL batch",
            figure=f"{r['pg_batch_us']:.1f} us/query",
            baseline_name="geopandas.sjoin_nearest",
            baseline=f"{r['sjoin_us']:.2f} us/query",
            ratio=f"{r['pg_batch_us'] / r['sjoin_us']:.2f}x the baseline's time",
            peak_mib=peak,
            target="<= 100 us/query",
            met=r["pg_batch_us"] <= 100,
            extra={"pg_one_us": round(r["pg_one_us"], 1), "agree_with_engine": r["pg_agree"]},
        )
        report(
            f"nearest, {N_QUERIES:,} queries x {n:,} resources: in-memory engine",
            figure=f"{r['engine_us']:.2f} us/query",
            baseline_name="geopandas.sjoin_nearest",
            baseline=f"{r['sjoin_us']:.2f} us/query",
            ratio=f"{r['sjoin_us'] / r['engine_us']:.1f}x faster",
            peak_mib=peak,
            target="<= 2 us/query",
            met=r["engine_us"] <= 2,
            extra={"pg_one_us": round(r["pg_one_us"], 1)},
        )


if __name__ == "__main__":
    main()
