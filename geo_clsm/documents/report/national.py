"""The national reference of the report: the national resource layer and the communes' populations.

Department and France figures count the national layer's records (FINESS-derived) as that
layer was imported, before curated records replaced some of them: the same source on every
side of a comparison. Populations come from the national commune layer (INSEE populations
légales). Both are read once per layer file and kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.layers import load_catalog, national_communes
from geo_clsm.data.manifest import LayerInfo
from geo_clsm.model.resource import Resource


@dataclass(frozen=True)
class National:
    """The national layer's resources and every commune's department and population."""

    layer: LayerInfo
    resources: tuple[Resource, ...]
    communes: pd.DataFrame
    """insee_com, nom, dep, population (no geometry)."""

    def department_of(self) -> dict[str, str]:
        return dict(zip(self.communes["insee_com"], self.communes["dep"], strict=True))

    def population_of(self, *, department: str | None = None) -> int:
        """Population of France, or of one ``department``."""
        table = self.communes if department is None else self.communes[self.communes["dep"] == department]
        return int(table["population"].sum())


def national_layer(catalog: Catalog) -> tuple[str, LayerInfo] | None:
    """The national territory's id and its resource layer, if the manifest has one."""
    for terr in catalog.territories.values():
        if terr.kind == "national":
            for ref in terr.layers:
                if catalog.layers[ref].kind == "resources":
                    return terr.id, catalog.layers[ref]
    return None


def load_national(catalog: Catalog) -> National | None:
    """The national reference for ``catalog`` (loaded if its territory is not), or None without one.

    The records come from the layer's import report when the national territory is loaded;
    otherwise the national territory is loaded alone, once per layer file.
    """
    found = national_layer(catalog)
    if found is None:
        return _load_unloaded(catalog.data_dir)
    tid, layer = found
    report = catalog.reports.get(f"{tid}:{layer.id}")
    if report is None:
        return _load_unloaded(catalog.data_dir)
    return National(layer, tuple(report.records), _communes(str(catalog.data_dir), _mtime(catalog.data_dir)))


def _mtime(data_dir: Path) -> float:
    path = Path(data_dir) / "manifest.toml"
    return path.stat().st_mtime if path.exists() else 0.0


def _load_unloaded(data_dir: Path) -> National | None:
    return _national_alone(str(data_dir), _mtime(data_dir))


@cache
def _national_alone(data_dir: str, _mtime: float) -> National | None:
    from geo_clsm.data.manifest import read_manifest

    _, territories = read_manifest(Path(data_dir))
    national = next((t for t in territories.values() if t.kind == "national"), None)
    if national is None:
        return None
    catalog = load_catalog(data_dir, territories=[national.id])
    found = national_layer(catalog)
    if found is None:
        return None
    tid, layer = found
    report = catalog.reports[f"{tid}:{layer.id}"]
    return National(layer, tuple(report.records), _communes(data_dir, _mtime))


@cache
def _communes(data_dir: str, _mtime: float) -> pd.DataFrame:
    table = national_communes(data_dir)
    out = pd.DataFrame(
        {
            "insee_com": table["insee_com"].astype(str),
            "nom": table["nom"].astype(str),
            "dep": table["dep"].astype(str),
            "population": pd.to_numeric(table["population_municipale"], errors="coerce").fillna(0).astype(int),
        }
    )
    return out.drop_duplicates("insee_com").reset_index(drop=True)
