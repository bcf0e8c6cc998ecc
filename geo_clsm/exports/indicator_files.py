"""Writing access indicators to files planners open: GeoPackage, GeoJSON, CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import present
from geo_clsm.exports.sheet_safety import neutralise_frame
from geo_clsm.model.errors import InvalidInputError

FORMATS = (".gpkg", ".geojson", ".csv")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN/inf -> None, numpy scalars -> Python)."""
    clean = df.replace([np.inf, -np.inf], np.nan).astype(object).where(df.notna(), None)
    out = []
    for row in clean.to_dict("records"):
        out.append({str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def write_access(result: AccessResult, out: Path) -> list[Path]:
    """Write the per-QPV table (and, beside it, the territory comparison and communes' 2SFCA).

    ``.gpkg``: layers ``qpv_indicators`` (polygons), ``rest`` and ``communes_2sfca`` (tables).
    ``.geojson``: QPV features; ``.csv``: the QPV table. The comparison and communes go
    to ``<name>_rest.csv`` and ``<name>_communes.csv`` beside a CSV or GeoJSON output.
    """
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInputError(f"format de sortie « {suffix} » : choisir {', '.join(FORMATS)}")
    written = [out]
    qpv = present(result.qpv)
    rest, communes = present(result.rest), present(result.communes)
    if suffix == ".gpkg":
        import pyogrio  # here: GDAL costs ~30 MB and a second at start-up, unused when the cache answers

        qpv.to_file(out, layer="qpv_indicators", driver="GPKG")
        for name, table in (("rest", rest), ("communes_2sfca", communes)):
            pyogrio.write_dataframe(table, out, layer=name, driver="GPKG", append=False)
        return written
    if suffix == ".geojson":
        out.write_text(json.dumps(json.loads(qpv.to_json(na="null")), ensure_ascii=False), encoding="utf-8")
    else:
        neutralise_frame(pd.DataFrame(qpv.drop(columns="geometry"))).to_csv(out, index=False)
    for name, table in (("rest", rest), ("communes", communes)):
        side = out.with_name(f"{out.stem}_{name}.csv")
        neutralise_frame(pd.DataFrame(table)).to_csv(side, index=False)
        written.append(side)
    return written
