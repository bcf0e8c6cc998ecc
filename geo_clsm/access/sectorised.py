"""Indicators by psychiatric sector: distance from each QPV's population to *its own sector's*
referent, beside the distance to the nearest place of the type (issue 29, item 3).

French public psychiatry receives people by sector: the CMP of a person's sector, not the
nearest one. For each QPV and each CMP-like type (:data:`SECTOR_TYPES`), over the QPV's sample
points and their population weights (the same points, weights and distances as the access
indicators, :func:`geo_clsm.access.indicators.sample_territory`, in the territory's projected CRS:
Lambert-93 in mainland France):

- each point belongs to the sector of the type's public (:data:`SECTOR_TYPES`) whose extent
  covers it (boundary included); a point in no sector, or in two sectors of that public (an
  overlap, a data error), has no sector;
- its *sector distance* is the straight-line distance to the nearest referent of its sector that
  is of the type (0 inside the referent's service area, as for the nearest); a sector without a
  referent of the type gives none;
- ``sector_referent_mean_m`` / ``sector_referent_p90_m``: weighted mean and 90th percentile of
  the sector distance over the points that have one; ``sector_nearest_mean_m`` /
  ``sector_nearest_p90_m``: the distance to the nearest place of the type over the *same* points;
- ``sector_nearest_other_share``: the share of that population whose nearest place of the type is
  not one of their sector's referents (strictly nearer than every referent);
- ``sector_covered_share``: the share of the QPV's population that has a sector distance.

Where no point has one (no sector data for the territory, or none with a referent of the type),
every figure is None and ``sectorisation`` says « sectorisation non renseignée »: never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.access.distances import Supply
from geo_clsm.access.params import AccessResult
from geo_clsm.access.sampled import SampledTerritory
from geo_clsm.access.sampling import weighted_quantile
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import NO_SECTOR_DATA_FR, Sector

SECTOR_TYPES: dict[ResourceType, str] = {
    ResourceType.CMP: "adultes",
    ResourceType.CMP_ADULTE: "adultes",
    ResourceType.CATTP: "adultes",
    ResourceType.HDJ: "adultes",
    ResourceType.CMP_ENFANT: "enfants",
    ResourceType.CMPP: "enfants",
}
"""The CMP-like types measured by sector, and the public of the sector a point is in for each: the
child-and-adolescent sector for child CMPs and CMPPs, the adult sector otherwise."""

NOT_INFORMED = NO_SECTOR_DATA_FR
INFORMED = "renseignée"
PARTIAL = "partielle"
SECTOR_COLUMNS = (
    "sector_public",
    "sector_ids",
    "sectorisation",
    "sector_covered_share",
    "sector_referent_mean_m",
    "sector_referent_p90_m",
    "sector_nearest_mean_m",
    "sector_nearest_p90_m",
    "sector_nearest_other_share",
)
"""The columns a sector row adds to a QPV row (besides ``code_qp`` and ``resource_type``)."""
SECTOR_NOTE = (
    "secteurs de psychiatrie : distance de chaque point du QPV au référent de son propre secteur "
    "(secteur adultes pour CMP, CMP adultes, CATTP et hôpital de jour ; secteur enfants pour CMP enfants et CMPP), "
    "à côté de la distance au lieu le plus proche ; « sectorisation non renseignée » sans données de secteur"
)
_TIE_M = 1e-6  # a referent exactly as near as the nearest place is the nearest


@dataclass(frozen=True)
class SectorLayer:
    """The sectors of one territory with their extents in the territory's projected CRS."""

    sectors: tuple[Sector, ...]
    geoms: tuple[BaseGeometry, ...]

    @classmethod
    def of(cls, sectors: Iterable[Sector], geometry: Callable[[Sector], BaseGeometry | None]) -> SectorLayer:
        """The sectors whose extent ``geometry`` resolves (projected), in the order given."""
        kept = [(s, g) for s in sectors if (g := geometry(s)) is not None and not g.is_empty]
        return cls(tuple(s for s, _ in kept), tuple(g for _, g in kept))

    def owners(self, public: str, xy: np.ndarray) -> tuple[tuple[Sector, ...], np.ndarray]:
        """The sectors of ``public`` and, for each point, the index of the one covering it (-1: in
        none, or in more than one)."""
        chosen = [(s, g) for s, g in zip(self.sectors, self.geoms, strict=True) if s.public == public]
        owner = np.full(len(xy), -1, dtype=int)
        count = np.zeros(len(xy), dtype=int)
        for j, (_, geom) in enumerate(chosen):
            shapely.prepare(geom)
            inside = shapely.intersects_xy(geom, xy[:, 0], xy[:, 1])  # a point: intersects = covered by
            count += inside
            owner[inside] = j
        owner[count != 1] = -1
        return tuple(s for s, _ in chosen), owner


def referent_distances(supply: Supply, sectors: Sequence[Sector], owner: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Distance (m) from each point to the nearest referent of its sector in ``supply`` (NaN: no
    sector, or no referent of the supply's type)."""
    at = {r.id: i for i, r in enumerate(supply.resources)}
    out = np.full(len(xy), np.nan)
    for j, sector in enumerate(sectors):
        mine = np.flatnonzero(owner == j)
        refs = [at[rid] for rid in sector.referents if rid in at]
        if not len(mine) or not refs:
            continue
        pts = xy[mine]
        d = np.min(np.hypot(pts[:, None, 0] - supply.xy[refs, 0], pts[:, None, 1] - supply.xy[refs, 1]), axis=1)
        for i in refs:
            area = supply.areas.get(i)
            if area is not None:
                d[shapely.contains_xy(area, pts[:, 0], pts[:, 1])] = 0.0
        out[mine] = d
    return out


def sector_stats(d_sector: np.ndarray, d_near: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """The sector figures of one QPV's points (weights ``w``)."""
    known = np.isfinite(d_sector) & np.isfinite(d_near) & (w > 0)
    total = float(w.sum())
    if not known.any() or total <= 0:
        return {
            "sectorisation": NOT_INFORMED,
            "sector_covered_share": None,
            "sector_referent_mean_m": None,
            "sector_referent_p90_m": None,
            "sector_nearest_mean_m": None,
            "sector_nearest_p90_m": None,
            "sector_nearest_other_share": None,
        }
    ds, dn, ww = d_sector[known], d_near[known], w[known]
    covered = float(ww.sum() / total)
    return {
        "sectorisation": INFORMED if covered >= 1 - 1e-9 else PARTIAL,
        "sector_covered_share": covered,
        "sector_referent_mean_m": float(np.average(ds, weights=ww)),
        "sector_referent_p90_m": weighted_quantile(ds, ww, 0.9),
        "sector_nearest_mean_m": float(np.average(dn, weights=ww)),
        "sector_nearest_p90_m": weighted_quantile(dn, ww, 0.9),
        "sector_nearest_other_share": float(ww[ds > dn + _TIE_M].sum() / ww.sum()),
    }


def sector_rows(
    ctx: SampledTerritory, rtype: ResourceType, supply: Supply, layer: SectorLayer | None
) -> list[dict[str, Any]]:
    """One row per QPV of ``ctx`` for a CMP-like type (none for another type): its sectors of the
    type's public and :func:`sector_stats`. ``layer`` None: the territory has no sector data."""
    public = SECTOR_TYPES.get(rtype)
    if public is None:
        return []
    xy = ctx.q_all
    sectors, owner = layer.owners(public, xy) if layer is not None else ((), np.full(len(xy), -1, dtype=int))
    d_near = supply.nearest_m(xy)
    d_sector = referent_distances(supply, sectors, owner, xy)
    rows = []
    offset = 0
    for i, rec in enumerate(ctx.qpv.itertuples()):
        w = ctx.q_w[i]
        part = slice(offset, offset + len(w))
        offset += len(w)
        ids = sorted({sectors[j].id for j in np.unique(owner[part]) if j >= 0})
        rows.append(
            {
                "code_qp": rec.code_qp,
                "resource_type": rtype.value,
                "sector_public": public,
                "sector_ids": ", ".join(ids) or None,
                **sector_stats(d_sector[part], d_near[part], w),
            }
        )
    return rows


def sector_table(ctx: SampledTerritory, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The sector rows of a territory, named like the QPV rows (``code_qp``, ``lib_qp``,
    ``territory``, ``resource_type``, then :data:`SECTOR_COLUMNS`)."""
    columns = ["code_qp", "lib_qp", "territory", "resource_type", *SECTOR_COLUMNS]
    if not rows:
        return pd.DataFrame(columns=columns)
    names = dict(zip(ctx.qpv["code_qp"], ctx.qpv["lib_qp"], strict=True))
    table = pd.DataFrame(rows)
    table["lib_qp"] = table["code_qp"].map(names)
    table["territory"] = ctx.territory
    return table[columns].sort_values(["resource_type", "code_qp"]).reset_index(drop=True)


def territory_sectors(catalog: Catalog, ctx: SampledTerritory) -> SectorLayer | None:
    """The catalog's sectors of ``ctx``'s territory with their extents in its projected CRS (None:
    the territory has none, « sectorisation non renseignée »)."""
    if not catalog.sectors:
        return None
    index = SectorIndex(catalog)
    mine = index.for_territory(ctx.territory)
    if not mine:
        return None

    def geometry(sector: Sector) -> BaseGeometry | None:
        r = index.resolved(sector.id)
        return r.projected if r is not None and r.crs == ctx.crs else None  # in the territory's CRS only

    return SectorLayer.of(mine, geometry)


def with_sectors(result: AccessResult) -> pd.DataFrame:
    """A result's QPV rows (without geometry) with the sector columns beside them: filled for the
    CMP-like types, None for the others."""
    qpv = pd.DataFrame(result.qpv.drop(columns="geometry"))
    sectors = result.sectors
    if qpv.empty or sectors.empty:
        return qpv
    extra = sectors[["code_qp", "resource_type", *SECTOR_COLUMNS]]
    return qpv.merge(extra, on=["code_qp", "resource_type"], how="left")
