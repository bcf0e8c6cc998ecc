"""National synthetic workload: resources, query points and QPV-like polygons for all of France.

Everything here is SYNTHETIC (ids ``synthetic-…``, names « … synthétique », source
``SYNTHETIC_SOURCE``): made up for benchmarks and tests, never shown as real places.
Resources and query points are spread in proportion to the communes' population
(``layers/france/communes_france.gpkg.gz``: INSEE populations légales, overseas included):
a commune is drawn with probability population / total, then a point uniformly inside its
polygon. QPV-like polygons are small irregular shapes around points drawn the same way
(for where the real QPV file is not loaded).

    python benchmarks/workload.py --resources 100000 --qpv 1600 --out /tmp/workload

writes ``synthetic_resources.gpkg``, ``synthetic_queries.gpkg`` and ``synthetic_qpv.gpkg``
(metadata ``synthetic=true``). From Python: :func:`communes`, :func:`synthetic_resources`,
:func:`synthetic_points`, :func:`synthetic_qpv`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import warnings
from datetime import date
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo_clsm.geo.crs import projected_crs_many
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType

COMMUNES = Path(__file__).resolve().parent.parent / "layers" / "france" / "communes_france.gpkg.gz"
SYNTHETIC_SOURCE = "SYNTHETIC national workload (benchmarks/workload.py): not a real resource"
METADATA = {
    "synthetic": "true",
    "generator": "benchmarks/workload.py",
    "note": "Synthetic data for benchmarks and tests: made-up places spread in proportion to commune population.",
}
VERIFIED = date(2026, 1, 1)
_TYPE_WEIGHTS = {  # rough national mix: many CMP and GEM, few EMPP
    ResourceType.CMP_ADULTE: 5,
    ResourceType.CMP_ENFANT: 4,
    ResourceType.CMP: 1,
    ResourceType.CATTP: 3,
    ResourceType.HDJ: 3,
    ResourceType.CMPP: 2,
    ResourceType.GEM: 4,
    ResourceType.MDA: 1,
    ResourceType.EMPP: 1,
    ResourceType.PAEJ: 1,
    ResourceType.CSAPA: 2,
}


@lru_cache(maxsize=1)
def communes() -> gpd.GeoDataFrame:
    """Every commune of France (WGS84) with ``insee_com``, ``nom``, ``population_municipale`` and
    ``crs`` (the projected CRS of its zone; rows outside every zone dropped)."""
    with warnings.catch_warnings():  # "GPKG application_id, but non conformant file extension": an in-memory file
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = gpd.read_file(io.BytesIO(gzip.decompress(COMMUNES.read_bytes())))
    frame = frame.to_crs("EPSG:4326") if frame.crs and frame.crs.to_epsg() != 4326 else frame
    rep = frame.geometry.representative_point()
    frame["crs"] = projected_crs_many(rep.x.to_numpy(), rep.y.to_numpy())
    frame = frame[(frame["crs"] != "") & frame.geometry.notna() & ~frame.geometry.is_empty]
    frame["population_municipale"] = frame["population_municipale"].fillna(0).astype(float)
    return frame.reset_index(drop=True)


def _points_in(geoms: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point inside each polygon (rejection sampling in its bounding box)."""
    n = len(geoms)
    lon, lat = np.zeros(n), np.zeros(n)
    todo = np.arange(n)
    bounds = shapely.bounds(geoms)
    shapely.prepare(geoms)
    for _ in range(200):
        if len(todo) == 0:
            break
        b = bounds[todo]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[todo], x, y)
        lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
        todo = todo[~inside]
    if len(todo):  # slivers: their representative point
        rep = shapely.point_on_surface(geoms[todo])
        lon[todo], lat[todo] = shapely.get_x(rep), shapely.get_y(rep)
    return lon, lat


def synthetic_points(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` WGS84 points (lon, lat, commune row) spread in proportion to commune population."""
    frame = communes()
    rng = np.random.default_rng(seed)
    pop = frame["population_municipale"].to_numpy()
    rows = rng.choice(len(frame), size=n, p=pop / pop.sum())
    lon, lat = _points_in(np.asarray(frame.geometry.values)[rows], rng)
    return lon, lat, rows


def synthetic_resources(n: int, *, seed: int = 1) -> list[Resource]:
    """``n`` synthetic resources of the place types, spread in proportion to population.

    About a fifth state an age range, a tenth speak another language than French, and a
    fiftieth have a confidential address (shown at the commune's representative point).
    """
    frame = communes()
    lon, lat, rows = synthetic_points(n, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    types = [t for t in _TYPE_WEIGHTS if t in PLACE_TYPES]
    weights = np.array([_TYPE_WEIGHTS[t] for t in types], dtype=float)
    drawn = rng.choice(len(types), size=n, p=weights / weights.sum())
    kind = rng.random(n)
    rep = frame.geometry.representative_point()
    noms, insees = frame["nom"].astype(str).to_numpy(), frame["insee_com"].astype(str).to_numpy()
    rep_x, rep_y = rep.x.to_numpy(), rep.y.to_numpy()
    out = []
    for i in range(n):
        row = int(rows[i])
        t = types[int(drawn[i])]
        audience = (
            Audience(age_min=12, age_max=25) if kind[i] < 0.1 else Audience(age_min=18) if kind[i] < 0.2 else Audience()
        )
        out.append(
            Resource(
                id=f"synthetic-{i:06d}",
                type=t,
                name=f"{t.label_fr} synthétique {i}",
                commune=noms[row],
                insee_com=insees[row],
                audience=audience,
                languages=("fr", "ar") if 0.3 <= kind[i] < 0.4 else (),
                position=Position(
                    lon=float(lon[i]), lat=float(lat[i]), precision=PositionPrecision.ADDRESS, source="synthetic"
                ),
                commune_position=Position(
                    lon=float(rep_x[row]),
                    lat=float(rep_y[row]),
                    precision=PositionPrecision.COMMUNE,
                    source="synthetic",
                ),
                confidential_address=bool(0.2 <= kind[i] < 0.22),
                source=SYNTHETIC_SOURCE,
                last_verified=VERIFIED,
            )
        )
    return out


def synthetic_qpv(n: int, *, seed: int = 2) -> gpd.GeoDataFrame:
    """``n`` QPV-like polygons (irregular, 300 m to 1.2 km across) around population-weighted points,
    built in each zone's projected CRS; codes ``QNSYN0001`` …, names « QPV synthétique n »."""
    frame = communes()
    lon, lat, rows = synthetic_points(n, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    crs = frame["crs"].to_numpy()[rows]
    geoms = np.empty(n, dtype=object)
    for zone in sorted(set(crs)):
        sel = np.flatnonzero(crs == zone)
        pts = gpd.GeoSeries(gpd.points_from_xy(lon[sel], lat[sel]), crs="EPSG:4326").to_crs(zone)
        shapes = []
        for p in pts:
            k = int(rng.integers(5, 10))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            rad = rng.uniform(150, 600, k)
            shapes.append(shapely.Polygon(np.column_stack([p.x + rad * np.cos(ang), p.y + rad * np.sin(ang)])))
        geoms[sel] = gpd.GeoSeries(shapes, crs=zone).to_crs("EPSG:4326").to_numpy()
    return gpd.GeoDataFrame(
        {
            "code_qp": [f"QNSYN{i + 1:04d}" for i in range(n)],
            "lib_qp": [f"QPV synthétique {i + 1}" for i in range(n)],
            "insee_com": frame["insee_com"].to_numpy()[rows],
            "synthetic": True,
        },
        geometry=shapely.make_valid(geoms),
        crs="EPSG:4326",
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--qpv", type=int, default=1600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    res = synthetic_resources(args.resources, seed=args.seed + 1)
    gpd.GeoDataFrame(
        {"id": [r.id for r in res], "type": [r.type.value for r in res], "insee_com": [r.insee_com for r in res]},
        geometry=gpd.points_from_xy(
            [r.position.lon for r in res if r.position], [r.position.lat for r in res if r.position]
        ),
        crs="EPSG:4326",
    ).to_file(args.out / "synthetic_resources.gpkg", metadata=METADATA)
    lon, lat, _ = synthetic_points(args.queries, seed=args.seed + 3)
    gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_file(
        args.out / "synthetic_queries.gpkg", metadata=METADATA
    )
    synthetic_qpv(args.qpv, seed=args.seed + 2).to_file(args.out / "synthetic_qpv.gpkg", metadata=METADATA)
    print(f"synthetic workload written to {args.out}")


if __name__ == "__main__":
    main()
