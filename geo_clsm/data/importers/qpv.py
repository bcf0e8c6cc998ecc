"""QPV perimeters in the ANCT national file format (GeoJSON, GeoPackage or shapefile).

Fields ``code_qp`` (``QN…``), ``lib_qp``, ``insee_com`` (comma-separated when a QPV spans
several communes). The national file is filtered to a territory by its commune codes.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo_clsm.data.importers.report import ImportReport
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.validate import check_lonlat, repair_polygonal

REQUIRED = ("code_qp", "lib_qp", "insee_com")
CODE_RE = re.compile(r"^QN[0-9A-Z]{6}$")


def import_qpv(
    path: Path | str,
    *,
    communes: Collection[str] | None = None,
    territory: str | None = None,
) -> tuple[gpd.GeoDataFrame, ImportReport[dict[str, Any]]]:
    """Read QPV polygons, keep those of a territory, validate and repair them.

    Parameters
    ----------
    path
        ANCT file (any format pyogrio reads), in any CRS it declares.
    communes
        INSEE codes of the territory's communes; a QPV is kept when one of its
        communes is among them. None keeps every QPV.
    territory
        Territory id written in the ``territory`` column.

    Returns
    -------
    (GeoDataFrame in EPSG:4326, ImportReport)
        Columns code_qp, lib_qp, insee_com, lib_com, territory, geometry.
    """
    path = Path(path)
    report: ImportReport[dict[str, Any]] = ImportReport(kind="qpv", source=str(path))
    empty = gpd.GeoDataFrame(
        {"code_qp": [], "lib_qp": [], "insee_com": [], "lib_com": [], "territory": []},
        geometry=[],
        crs=WGS84,
    )
    import pyogrio  # here: GDAL costs ~30 MB and a second at start-up, unused when the cache answers
    from pyogrio.errors import DataSourceError

    try:
        gdf = pyogrio.read_dataframe(path)
    except (DataSourceError, OSError, ValueError) as exc:
        report.reject(
            0, "fichier", f"fichier illisible ({exc.__class__.__name__}) : GeoJSON, GeoPackage ou shapefile attendu"
        )
        return empty, report
    missing = [c for c in REQUIRED if c not in gdf.columns]
    if missing:
        report.rows_read = len(gdf)
        for i in range(len(gdf)):
            report.reject(i + 1, ", ".join(missing), "champs ANCT absents : " + ", ".join(missing))
        return empty, report
    if gdf.crs is None:
        report.warnings.append("aucun SCR déclaré : coordonnées lues comme WGS84 (lon/lat)")
        gdf = gdf.set_crs(WGS84)
    wanted = set(communes) if communes is not None else None
    keep: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    gdf_wgs = gdf.to_crs(WGS84)
    for i, rec in enumerate(gdf_wgs.to_dict("records"), start=1):
        report.rows_read += 1
        code = str(rec.get("code_qp") or "").strip()
        if not CODE_RE.match(code):
            report.reject(
                i, "code_qp", f"code « {code} » invalide : QN suivi de 6 caractères, par exemple QN05718M", code
            )
            continue
        insee = [c.strip() for c in str(rec.get("insee_com") or "").split(",") if c.strip()]
        if not insee:
            report.reject(i, "insee_com", "code commune manquant", code)
            continue
        if wanted is not None and not wanted.intersection(insee):
            report.exclude(i, "insee_com", "QPV hors du territoire", code)
            continue
        if code in seen:
            report.reject(i, "code_qp", f"QPV {code} en double (déjà ligne {seen[code]})", code)
            continue
        geom, why, repaired = repair_polygonal(rec.get("geometry"))
        if why or geom is None:
            report.reject(i, "geometry", why or "géométrie vide", code)
            continue
        c = geom.representative_point()
        bad = check_lonlat(c.x, c.y)
        if bad:
            report.reject(i, "geometry", bad, code)
            continue
        if repaired:
            report.warnings.append(f"ligne {i} [{code}] : géométrie invalide réparée (make_valid)")
        seen[code] = i
        row = {
            "code_qp": code,
            "lib_qp": str(rec.get("lib_qp") or "").strip(),
            "insee_com": ",".join(insee),
            "lib_com": str(rec.get("lib_com") or "").strip(),
            "territory": territory or str(rec.get("territory") or "") or None,
            "geometry": geom,
        }
        keep.append(row)
        report.records.append({k: v for k, v in row.items() if k != "geometry"})
    if not keep:
        return empty, report
    return gpd.GeoDataFrame(keep, geometry="geometry", crs=WGS84), report
