"""One zone (projected CRS) of ``gaps --all``: its grid and supplies, and the commune rows of
one resource type (:mod:`geo_clsm.access.national`).

A type listed exhaustively only in part of the zone (a pilot territory's registry: HDJ, MDA,
GEM, ...) is computed only around the communes where it is covered (:func:`covered_frame`):
one small grid per cluster of covered communes, the lattice of the zone's grid (same cells,
same figures), holding

- for distances, every resource that can be the nearest of a covered cell: for any point p of
  the covered box B (grown by a cell), ``d(p) <= min_r max_corner |corner - r|`` (the distance to
  a fixed resource is convex, so maximal at a corner of B), so a resource farther than that
  bound from B is never the nearest;
- for the 2SFCA, every resource within its catchment of B (the others weigh 0 on B's cells),
  and the population of every cell within the catchment of those resources (their ratios R_j
  are the zone's). Ratios of the other resources are 0 (they reach no covered cell or QPV).

Figures outside the covered communes are left empty (they are masked afterwards anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_clsm.access.distances import Supply
from geo_clsm.access.params import AccessParams
from geo_clsm.access.raster import (
    CommuneGrid,
    build_grid,
    cell_distances,
    cells_inside,
    commune_stats,
    distance_raster,
    grid_fca,
)
from geo_clsm.geo.walk import walk_minutes
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

Method = Literal["voronoi", "edt"]
VALUE_COLUMNS = ("mean_m", "p50_m", "p90_m", "max_m", "walk_minutes_mean", "sfca", "sfca_per_10k")


@dataclass
class Zone:
    crs: str
    communes: gpd.GeoDataFrame  # projected
    grid: CommuneGrid
    supplies: dict[ResourceType, Supply]
    area_cells: dict[ResourceType, np.ndarray]
    cell_xy: np.ndarray


def build_zone(
    com_p: gpd.GeoDataFrame,
    resources: Sequence[Resource],
    types: tuple[ResourceType, ...],
    params: AccessParams,
    known: bool,
) -> Zone:
    """Grid and supplies of one CRS."""
    crs = str(com_p.crs)
    placed = Supply.place(resources, crs)
    supplies = {t: Supply.build(resources, t, crs, known_audience_only=known, placed=placed) for t in types}
    sxy = np.array([[p[1], p[2]] for p in placed]) if placed else None
    pad = max(params.catchment_for(t) for t in types) + 2 * params.demand_spacing_m
    grid = build_grid(com_p, spacing_m=params.demand_spacing_m, extra_xy=sxy, pad_m=pad)
    areas = {t: area_cells(grid, s) for t, s in supplies.items()}
    grid.population_raster()  # once, before the threads share the grid
    _ = com_p.sindex  # likewise the communes' index (used around partly covered types)
    return Zone(crs, com_p, grid, supplies, areas, grid.cell_xy())


def area_cells(grid: CommuneGrid, supply: Supply) -> np.ndarray:
    """Flat indices of the cells inside the supply's service areas (clipped to the grid)."""
    ny, nx = grid.shape
    s = grid.spacing_m
    rect = (grid.x0 - s / 2, grid.y0 - s / 2, grid.x0 + (nx - 0.5) * s, grid.y0 + (ny - 0.5) * s)
    parts = [
        cells_inside(shapely.clip_by_rect(a, *rect), x0=grid.x0, y0=grid.y0, spacing_m=s, nx=nx)
        for a in supply.areas.values()
    ]
    parts = [p[(p >= 0) & (p < ny * nx)] for p in parts]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _figures(
    grid: CommuneGrid,
    *,
    dist_xy: np.ndarray,
    areas: np.ndarray,
    cell_xy: np.ndarray,
    fca_xy: np.ndarray,
    fca_capacity: np.ndarray,
    rtype: ResourceType,
    params: AccessParams,
    method: Method,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-commune values of the grid's communes, and the 2SFCA ratios of ``fca_xy``."""
    if method == "edt":
        cell_d = distance_raster(grid, dist_xy, area_cells=areas).ravel()[grid.cell_flat]
    else:
        cell_d = cell_distances(grid, dist_xy, cell_xy=cell_xy, area_cells=areas)[0]
    stats = commune_stats(grid, cell_d, radii_m=params.radii_m)
    ratios, score = grid_fca(
        grid,
        fca_xy,
        fca_capacity,
        catchment_m=params.catchment_for(rtype),
        decay_sigma_m=params.sigma_for(rtype),
        steps=params.steps_for(rtype),
    )
    sfca = np.bincount(grid.cell_commune, weights=score[grid.cell_flat], minlength=grid.n_communes) / grid.n_cells
    values = {
        "mean_m": stats.mean_m,
        "p50_m": stats.p50_m,
        "p90_m": stats.p90_m,
        "max_m": stats.max_m,
        **{f"within_{int(r)}m_share": stats.within[r] for r in params.radii_m},
        "walk_minutes_mean": walk_minutes(
            stats.mean_m, detour_factor=params.detour_factor, speed_kmh=params.walk_speed_kmh
        ),
        "sfca": sfca,
        "sfca_per_10k": sfca * 10_000,
    }
    return values, ratios


def _frame(zone: Zone, rtype: ResourceType, params: AccessParams, values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "insee_com": zone.communes["insee_com"].astype(str).to_numpy(),
            "dep": zone.communes["dep"].astype(str).to_numpy(),
            "resource_type": rtype.value,
            "population": zone.communes["population_municipale"].fillna(0).astype(float).to_numpy(),
            **values,
            "catchment_m": params.catchment_for(rtype),
            "n_resources_zone": len(zone.supplies[rtype].resources),
            "zone_crs": zone.crs,
        }
    )


def type_frame(
    zone: Zone, rtype: ResourceType, params: AccessParams, method: Method
) -> tuple[pd.DataFrame, np.ndarray]:
    """The commune rows of one type in one zone, and the 2SFCA supply ratios."""
    supply = zone.supplies[rtype]
    values, ratios = _figures(
        zone.grid,
        dist_xy=supply.xy,
        areas=zone.area_cells[rtype],
        cell_xy=zone.cell_xy,
        fca_xy=supply.xy,
        fca_capacity=supply.capacity,
        rtype=rtype,
        params=params,
        method=method,
    )
    return _frame(zone, rtype, params, values), ratios


def _nan_values(n: int, params: AccessParams) -> dict[str, np.ndarray]:
    cols = [*VALUE_COLUMNS[:4], *(f"within_{int(r)}m_share" for r in params.radii_m), *VALUE_COLUMNS[4:]]
    return {c: np.full(n, np.nan) for c in cols}


def empty_frame(
    zone: Zone, rtype: ResourceType, params: AccessParams, method: Method
) -> tuple[pd.DataFrame, np.ndarray]:
    """The commune rows of a type no layer covers in the zone: no figure is computed."""
    n_res = len(zone.supplies[rtype].resources)
    return _frame(zone, rtype, params, _nan_values(len(zone.communes), params)), np.zeros(n_res)


def covered_frame(
    zone: Zone,
    rtype: ResourceType,
    params: AccessParams,
    method: Method,
    *,
    covered: np.ndarray,
    extra_bounds: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The commune rows of a type covered only in part of the zone: figures for the ``covered``
    communes (boolean mask over ``zone.communes``) computed around them; empty elsewhere.
    ``extra_bounds`` (n, 4): boxes that must be measured exactly too (QPV over covered communes)."""
    supply = zone.supplies[rtype]
    values = _nan_values(len(zone.communes), params)
    ratios = np.zeros(len(supply.resources))
    for members, box in _clusters(zone.communes, covered, extra_bounds, params.catchment_for(rtype), params):
        sub_values, sub_ratios, keep, sub = _cluster_figures(zone, rtype, params, method, box=box)
        pos = np.searchsorted(sub, members)  # ``sub`` is sorted and holds every member
        for c, v in sub_values.items():
            values[c][members] = v[pos]
        ratios[keep] = sub_ratios
    return _frame(zone, rtype, params, values), ratios


def _grown(bounds: np.ndarray, m: float) -> np.ndarray:
    return np.asarray(bounds, dtype=float) + np.array([-m, -m, m, m])


def _clusters(
    com_p: gpd.GeoDataFrame, covered: np.ndarray, extra_bounds: np.ndarray, catchment_m: float, params: AccessParams
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(covered commune indices, their box including ``extra_bounds``) of each group of covered
    areas closer than two catchments (their grids would overlap)."""
    idx = np.flatnonzero(covered)
    boxes = np.vstack([com_p.geometry.iloc[idx].bounds.to_numpy(), np.asarray(extra_bounds).reshape(-1, 4)])
    if len(boxes) == 0:
        return []
    margin = catchment_m + 2 * params.demand_spacing_m
    grown = shapely.box(*_grown(boxes, margin).T)
    groups = shapely.get_parts(shapely.union_all(grown))
    box_i, group_i = shapely.STRtree(groups).query(grown, predicate="intersects")
    first = np.full(len(boxes), -1)
    first[box_i[::-1]] = group_i[::-1]  # one group per box (they are disjoint after the union)
    out = []
    for g in np.unique(first):
        mine = np.flatnonzero(first == g)
        b = boxes[mine]
        box = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
        out.append((idx[mine[mine < len(idx)]], box))
    return out


def _box_distance(xy: np.ndarray, box: np.ndarray) -> np.ndarray:
    dx = np.maximum.reduce([box[0] - xy[:, 0], np.zeros(len(xy)), xy[:, 0] - box[2]])
    dy = np.maximum.reduce([box[1] - xy[:, 1], np.zeros(len(xy)), xy[:, 1] - box[3]])
    return np.hypot(dx, dy)


def nearest_bound_m(xy: np.ndarray, box: np.ndarray) -> float:
    """An upper bound of the distance from any point of ``box`` to its nearest point of ``xy``:
    the distance to a fixed point is largest at a corner, so min over points of max over corners."""
    corners = np.array([[box[0], box[1]], [box[0], box[3]], [box[2], box[1]], [box[2], box[3]]])
    far = np.hypot(xy[:, None, 0] - corners[None, :, 0], xy[:, None, 1] - corners[None, :, 1]).max(axis=1)
    return float(far.min())


def _cluster_figures(
    zone: Zone, rtype: ResourceType, params: AccessParams, method: Method, *, box: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Figures of the communes around one covered box: (values over the sub-grid's communes,
    2SFCA ratios of the resources ``keep`` (indices), ``keep``, the sub-grid's commune indices)."""
    supply, s = zone.supplies[rtype], params.demand_spacing_m
    catchment = params.catchment_for(rtype)
    bg = _grown(box, s)  # cell centres of the covered communes lie within half a diagonal of them
    gap = _box_distance(supply.xy, bg)
    reach = nearest_bound_m(supply.xy, bg) + 2 * s if len(supply.xy) else 0.0  # 2 s: the edt's cell centres
    near = np.flatnonzero(gap <= reach)
    keep = np.flatnonzero(gap <= catchment + s)
    # Population of every cell within the catchment of the kept resources (window: catchment +
    # 1.7 cells; a commune smaller than a cell gets the cell of a point inside it: 3 cells).
    pts = supply.xy[keep]
    win = shapely.box(*_grown(np.hstack([pts, pts]), catchment + 3 * s).T) if len(keep) else []
    tree = zone.communes.sindex
    hits = [tree.query(shapely.box(*bg))]
    if len(keep):
        hits.append(tree.query(win)[1])
    sub = np.unique(np.concatenate(hits))
    # And their neighbours: a cell centre in two overlapping communes goes to the later one, as
    # on the zone's grid, so each commune keeps its cells (and its population per cell).
    sub = np.union1d(sub, tree.query(shapely.box(*zone.communes.geometry.iloc[sub].bounds.to_numpy().T))[1])
    com = zone.communes.iloc[sub]
    extra = np.vstack([supply.xy[near], supply.xy[keep]])
    grid = build_grid(com, spacing_m=s, extra_xy=extra, pad_m=catchment + 2 * s)
    values, ratios = _figures(
        grid,
        dist_xy=supply.xy[near],
        areas=area_cells(grid, supply),
        cell_xy=grid.cell_xy(),
        fca_xy=supply.xy[keep],
        fca_capacity=supply.capacity[keep],
        rtype=rtype,
        params=params,
        method=method,
    )
    return values, ratios, keep, sub
