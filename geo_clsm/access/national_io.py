"""Writing and reading the output of ``geo-clsm gaps --all`` (one folder, replaced whole).

The folder holds GeoParquet and GeoPackage copies of the same tables:

- ``communes.parquet`` (GeoParquet): one row per commune, WGS84 polygons, zone CRS;
- ``indicators.parquet``: one row per commune x type (join on ``insee_com``);
- ``qpv.parquet`` (GeoParquet): one row per loaded QPV x type;
- ``departements.parquet`` (GeoParquet): departments' simplified outlines and their
  population-weighted figures per type (the national choropleth);
- ``gaps_france.gpkg``: the same as layers ``communes``, ``indicateurs_communes``, ``qpv``,
  ``departements``;
- ``summary.json``: parameters, notes, counts, national figures, when it was computed.

A run is written to a temporary folder beside the target and renamed into place, so a
reader never sees half a run.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo_clsm.access.national import NationalResult, national_figures
from geo_clsm.access.params import AccessParams
from geo_clsm.crs import WGS84
from geo_clsm.errors import NotFoundError

DEFAULT_NATIONAL_DIR = Path("var") / "gaps_france"
SUMMARY = "summary.json"
FORMAT_VERSION = 1
DEPARTMENT_SIMPLIFY_M = 1_000.0


def department_table(result: NationalResult, *, params: AccessParams) -> gpd.GeoDataFrame:
    """One row per department x type: population-weighted figures and a simplified outline (WGS84)."""
    figures = pd.DataFrame(national_figures(result.indicators, params=params, by="dep"))
    com = result.communes[result.communes["crs"] != ""]
    outlines = {}
    for (dep, crs), part in com.groupby(["dep", "crs"]):
        geom = shapely.union_all(part.to_crs(crs).geometry.buffer(1.0).to_numpy())
        geom = shapely.simplify(geom, DEPARTMENT_SIMPLIFY_M)
        outlines[str(dep)] = gpd.GeoSeries([geom], crs=crs).to_crs(WGS84).iloc[0]
    if figures.empty:
        return gpd.GeoDataFrame(figures, geometry=[], crs=WGS84)
    figures = figures[figures["dep"].isin(outlines)]
    return gpd.GeoDataFrame(figures, geometry=[outlines[d] for d in figures["dep"]], crs=WGS84)


def write_national(result: NationalResult, out_dir: Path, *, params: AccessParams, seconds: float) -> list[Path]:
    """Write a run to ``out_dir`` (replaced whole); returns the files written."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    deps = department_table(result, params=params)
    tables: dict[str, pd.DataFrame] = {
        "communes": result.communes,
        "indicateurs_communes": result.indicators,
        "qpv": result.qpv,
        "departements": deps,
    }
    names = {"communes": "communes", "indicateurs_communes": "indicators", "qpv": "qpv", "departements": "departements"}
    for layer, frame in tables.items():
        path = tmp / f"{names[layer]}.parquet"
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_parquet(path, index=False)
        else:
            pd.DataFrame(frame).to_parquet(path, index=False)
    _write_gpkg(tables, tmp / "gaps_france.gpkg")
    summary = {
        **result.summary,
        "format_version": FORMAT_VERSION,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "crs_output": WGS84,
        "files": sorted(p.name for p in tmp.iterdir()),
    }
    (tmp / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=_json))
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return sorted(out_dir.iterdir())


def _write_gpkg(tables: dict[str, pd.DataFrame], path: Path) -> None:
    import pyogrio

    for layer, frame in tables.items():
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", promote_to_multi=True)
        else:  # an attribute table, without geometry
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=layer, driver="GPKG")


def _json(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(type(v).__name__)


class NationalRun:
    """The last ``gaps --all`` output of a folder, read lazily (tables cached)."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = Path(out_dir)
        path = self.dir / SUMMARY
        if not path.is_file():
            raise NotFoundError(
                "aucun calcul national des indicateurs : lancer « geo-clsm gaps --all » "
                f"(sortie attendue dans {self.dir})"
            )
        self.summary: dict[str, Any] = json.loads(path.read_text())
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str) -> pd.DataFrame:
        """``communes``, ``indicators``, ``qpv`` or ``departements``."""
        if name not in self._tables:
            path = self.dir / f"{name}.parquet"
            geo = name != "indicators"
            self._tables[name] = gpd.read_parquet(path) if geo else pd.read_parquet(path)
        return self._tables[name]
