"""A 200 m grid over the communes of one projected CRS: population cells, distances by
distance transform, per-commune statistics and the 2SFCA on the grid (planar metres).

The grid's cell centres sit on odd multiples of half the spacing, as
:func:`geo_clsm.access.sampling.sample_grid` and
:func:`geo_clsm.access.sampling.commune_grid_demand` place theirs, so a commune gets the
same sample points and the same demand here as in the territory indicators.

- cells: every cell centre inside a commune belongs to it; a commune holding no centre gets
  the cell of a point inside it (its population is not lost); each commune's population is
  spread evenly over its cells;
- distances (:func:`cell_distances`): the resources' Voronoi cells rasterised label every grid
  cell with its nearest resource, and the distance from the cell centre to that resource is
  exact; 0 inside a service area. :func:`distance_raster` is the distance transform
  (:func:`scipy.ndimage.distance_transform_edt`, cell centre to the nearest cell holding a
  resource, within half a cell diagonal), slower on the national grid;
- 2SFCA: the definition and decay of :mod:`geo_clsm.access.sfca`, exact distances from each
  resource to the cell centres in a window around it (no dense matrix).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.access.sfca import Steps, decay_weights
from geo_clsm.geo.kdtree import cKDTree

SUPPLY_CHUNK = 64
"""Resources whose 2SFCA windows are computed together (memory: chunk x window cells)."""


@dataclass
class CommuneGrid:
    """The 200 m cells of the communes of one CRS.

    ``cell_flat`` (flat index in the grid) and ``cell_commune`` (row of ``communes``) are
    sorted by commune; a cell is listed once per commune holding it.
    """

    crs: str
    spacing_m: float
    x0: float
    """x of the centre of column 0 (metres)."""
    y0: float
    """y of the centre of row 0 (metres; rows go north)."""
    shape: tuple[int, int]
    cell_flat: np.ndarray
    cell_commune: np.ndarray
    n_cells: np.ndarray
    """Cells per commune (>= 1)."""
    cell_pop: np.ndarray
    """Population of each listed cell (the commune's population / its number of cells)."""
    _pop: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_communes(self) -> int:
        return len(self.n_cells)

    def cell_xy(self) -> np.ndarray:
        """Centres of the listed cells, (n, 2) metres."""
        rows, cols = np.divmod(self.cell_flat, self.shape[1])
        return np.column_stack([self.x0 + cols * self.spacing_m, self.y0 + rows * self.spacing_m])

    def locate(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the cells holding points (metres)."""
        cols = np.floor((xy[:, 0] - self.x0) / self.spacing_m + 0.5).astype(np.int64)
        rows = np.floor((xy[:, 1] - self.y0) / self.spacing_m + 0.5).astype(np.int64)
        return rows, cols

    def population_raster(self) -> np.ndarray:
        """The population of every cell of the grid (2-D; computed once)."""
        if self._pop is not None:
            return self._pop
        flat = np.bincount(self.cell_flat, weights=self.cell_pop, minlength=self.shape[0] * self.shape[1])
        self._pop = flat.reshape(self.shape)
        return self._pop


def build_grid(
    communes: gpd.GeoDataFrame,
    *,
    spacing_m: float,
    extra_xy: np.ndarray | None = None,
    pad_m: float = 0.0,
) -> CommuneGrid:
    """The grid of projected ``communes`` (with ``population_municipale``), rasterised at once.

    The grid covers the communes and ``extra_xy`` (the resources), grown by ``pad_m``. A cell
    belongs to the commune containing its centre (communes do not overlap).
    """
    bounds = np.asarray(communes.total_bounds, dtype=float)
    if extra_xy is not None and len(extra_xy):
        lo, hi = np.minimum(bounds[:2], extra_xy.min(axis=0)), np.maximum(bounds[2:], extra_xy.max(axis=0))
        bounds = np.concatenate([lo, hi])
    s = spacing_m
    x0 = float(np.floor((bounds[0] - pad_m) / s) * s + s / 2)
    y0 = float(np.floor((bounds[1] - pad_m) / s) * s + s / 2)
    shape = (int(np.ceil((bounds[3] + pad_m - y0) / s)) + 1, int(np.ceil((bounds[2] + pad_m - x0) / s)) + 1)
    geoms = communes.geometry.to_numpy()
    label = rasterize_labels(geoms, np.arange(len(geoms)), x0=x0, y0=y0, spacing_m=s, shape=shape).ravel()
    flat = np.flatnonzero(label >= 0)
    owner = label[flat]
    counts = np.bincount(owner, minlength=len(geoms))
    empty = np.flatnonzero(counts == 0)  # a commune smaller than a cell: the cell of a point inside it
    if len(empty):
        reps = shapely.get_coordinates(shapely.point_on_surface(geoms[empty]))
        cols = np.floor((reps[:, 0] - x0) / s + 0.5).astype(np.int64)
        rows = np.floor((reps[:, 1] - y0) / s + 0.5).astype(np.int64)
        flat = np.concatenate([flat, rows * shape[1] + cols])
        owner = np.concatenate([owner, empty.astype(owner.dtype)])
        counts[empty] = 1
    # Stable sort by commune: a radix sort when the commune index fits 16 bits.
    order = np.argsort(owner.astype(np.uint16) if len(geoms) <= 65_536 else owner, kind="stable")
    owner = owner[order].astype(np.int32)
    pop = communes["population_municipale"].fillna(0).astype(float).to_numpy()
    return CommuneGrid(
        crs=str(communes.crs),
        spacing_m=s,
        x0=x0,
        y0=y0,
        shape=shape,
        cell_flat=flat[order].astype(np.int64),
        cell_commune=owner,
        n_cells=counts,
        cell_pop=(pop / counts)[owner],
    )


def rasterize_labels(
    geoms: np.ndarray, values: np.ndarray, *, x0: float, y0: float, spacing_m: float, shape: tuple[int, int]
) -> np.ndarray:
    """A label raster (int32, -1 where no geometry holds the cell centre) of polygons (GDAL)."""
    from affine import Affine
    from rasterio import features

    transform = Affine(spacing_m, 0.0, x0 - spacing_m / 2, 0.0, spacing_m, y0 - spacing_m / 2)
    out: np.ndarray = features.rasterize(
        _polygons(geoms, values), out_shape=shape, transform=transform, fill=-1, dtype="int32"
    )
    return out


def _polygons(geoms: np.ndarray, values: np.ndarray) -> list[tuple[dict[str, Any], int]]:
    """(GeoJSON polygon, value) of every polygon part, built from coordinate arrays at once
    (shapely's ``__geo_interface__`` walks coordinates in Python)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3  # polygons
    parts, owner = parts[keep], owner[keep]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords = shapely.get_coordinates(rings)
    ends = np.cumsum(shapely.get_num_coordinates(rings))
    ring_coords = np.split(coords, ends[:-1]) if len(rings) else []
    by_part: list[list[list[list[float]]]] = [[] for _ in range(len(parts))]
    for k, c in zip(ring_part.tolist(), ring_coords, strict=True):
        by_part[k].append(c.tolist())
    return [
        ({"type": "Polygon", "coordinates": rs}, int(values[o]))
        for rs, o in zip(by_part, owner.tolist(), strict=True)
        if rs
    ]


def cells_inside(geom: BaseGeometry | None, *, x0: float, y0: float, spacing_m: float, nx: int) -> np.ndarray:
    """Flat indices of the grid cells whose centre is inside ``geom``."""
    if geom is None or geom.is_empty:
        return np.empty(0, dtype=np.int64)
    gx0, gy0, gx1, gy1 = geom.bounds
    c0 = int(np.ceil((gx0 - x0) / spacing_m))
    c1 = int(np.floor((gx1 - x0) / spacing_m))
    r0 = int(np.ceil((gy0 - y0) / spacing_m))
    r1 = int(np.floor((gy1 - y0) / spacing_m))
    if c1 < c0 or r1 < r0:
        return np.empty(0, dtype=np.int64)
    mc, mr = np.meshgrid(np.arange(c0, c1 + 1), np.arange(r0, r1 + 1))
    cols, rows = mc.ravel(), mr.ravel()
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, x0 + cols * spacing_m, y0 + rows * spacing_m)
    return (rows[inside] * nx + cols[inside]).astype(np.int64)


def nearest_supply(grid: CommuneGrid, supply_xy: np.ndarray, *, cell_xy: np.ndarray) -> np.ndarray:
    """Index of the nearest resource of every listed cell: the resources' Voronoi cells
    rasterised (a cell centre lies in the Voronoi cell of its nearest resource); a cell left
    unlabelled is asked of a KD-tree. -1 without any resource."""
    if len(supply_xy) == 0:
        return np.full(len(grid.cell_flat), -1, dtype=np.int64)
    if len(supply_xy) == 1:
        return np.zeros(len(grid.cell_flat), dtype=np.int64)
    ny, nx = grid.shape
    s = grid.spacing_m
    frame = shapely.box(grid.x0 - s, grid.y0 - s, grid.x0 + nx * s, grid.y0 + ny * s)
    # Duplicate positions make one Voronoi cell: keep the first resource of each position.
    uniq, first = np.unique(supply_xy, axis=0, return_index=True)
    if len(uniq) == 1:
        return np.full(len(grid.cell_flat), int(first[0]), dtype=np.int64)
    polys = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=frame))
    pt_idx, poly_idx = shapely.STRtree(polys).query(shapely.points(uniq), predicate="within")
    owner = np.full(len(polys), -1, dtype=np.int64)
    owner[poly_idx] = first[pt_idx]
    label = rasterize_labels(polys, owner, x0=grid.x0, y0=grid.y0, spacing_m=s, shape=grid.shape).ravel()
    near = label[grid.cell_flat].astype(np.int64)
    missing = np.flatnonzero(near < 0)
    if len(missing):
        near[missing] = cKDTree(supply_xy).query(cell_xy[missing])[1]
    return near


def cell_distances(
    grid: CommuneGrid, supply_xy: np.ndarray, *, cell_xy: np.ndarray, area_cells: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) from each listed cell centre to its nearest resource, and that resource's
    index; 0 inside a service area (``area_cells``, flat indices); inf and -1 without any."""
    near = nearest_supply(grid, supply_xy, cell_xy=cell_xy)
    d = np.full(len(near), np.inf)
    ok = near >= 0
    d[ok] = np.hypot(cell_xy[ok, 0] - supply_xy[near[ok], 0], cell_xy[ok, 1] - supply_xy[near[ok], 1])
    if area_cells is not None and len(area_cells):
        zero = np.zeros(grid.shape[0] * grid.shape[1], dtype=bool)
        zero[area_cells] = True
        d[zero[grid.cell_flat]] = 0.0
    return d, near


def distance_raster(grid: CommuneGrid, supply_xy: np.ndarray, *, area_cells: np.ndarray | None = None) -> np.ndarray:
    """Distance (m) from every cell centre to the nearest cell holding a resource (2-D), by
    :func:`scipy.ndimage.distance_transform_edt`: within half a cell diagonal of the distance to
    the resource. The slower check of :func:`cell_distances` (``benchmarks/bench_national_gaps.py``).
    """
    if len(supply_xy) == 0 and (area_cells is None or len(area_cells) == 0):
        return np.full(grid.shape, np.inf)
    free = np.ones(grid.shape, dtype=bool)
    rows, cols = grid.locate(supply_xy)
    free[rows, cols] = False
    if area_cells is not None and len(area_cells):
        free.ravel()[area_cells] = False
    from scipy import ndimage  # here: not needed by the service's start-up (about 0.1 s)

    out: np.ndarray = ndimage.distance_transform_edt(free, sampling=grid.spacing_m)
    return out


@dataclass
class CommuneStats:
    """Per-commune distance statistics (metres, shares 0-1), arrays over the grid's communes."""

    mean_m: np.ndarray
    p50_m: np.ndarray
    p90_m: np.ndarray
    max_m: np.ndarray
    within: dict[float, np.ndarray]


def commune_stats(grid: CommuneGrid, cell_d: np.ndarray, *, radii_m: tuple[float, ...]) -> CommuneStats:
    """Distance statistics of every commune over its cells (equal weights within a commune:
    its population is spread evenly), quantiles as :func:`weighted_quantile` (inverted CDF)."""
    com, n = grid.cell_commune, grid.n_cells
    if not np.isfinite(cell_d).all():
        nan = np.full(len(n), np.nan)
        return CommuneStats(nan, nan, nan, nan, {r: np.zeros(len(n)) for r in radii_m})
    mean = np.bincount(com, weights=cell_d, minlength=len(n)) / n
    # Sort the distances within each commune: cells are grouped by commune already.
    span = float(cell_d.max()) + 1.0
    ordered = np.sort(com * span + cell_d) - com * span
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    within = {r: np.bincount(com, weights=cell_d <= r, minlength=len(n)) / n for r in radii_m}
    return CommuneStats(
        mean_m=mean,
        p50_m=ordered[starts + _quantile_rank(n, 0.5)],
        p90_m=ordered[starts + _quantile_rank(n, 0.9)],
        max_m=ordered[starts + n - 1],
        within=within,
    )


def _quantile_rank(n: np.ndarray, q: float) -> np.ndarray:
    """Index of quantile ``q`` among ``n`` equally weighted sorted values (as :func:`weighted_quantile`)."""
    cdf_at = np.ceil(q * n - 1e-9).astype(np.int64) - 1
    return np.clip(cdf_at, 0, n - 1)


def _offsets(catchment_m: float, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) offsets of the cells that may lie within ``catchment_m`` of a point of
    the centre cell (the point is at most half a cell diagonal from its cell's centre)."""
    half = int(np.ceil(catchment_m / spacing_m)) + 1
    off = np.arange(-half, half + 1)
    dr, dc = np.meshgrid(off, off, indexing="ij")
    near = np.hypot(dr, dc) * spacing_m <= catchment_m + spacing_m
    return dr[near], dc[near]


def _windows(
    grid: CommuneGrid, sxy: np.ndarray, offsets: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the cells around each resource, and their distances (m)."""
    rows, cols = grid.locate(sxy)
    r = rows[:, None] + offsets[0][None, :]
    c = cols[:, None] + offsets[1][None, :]
    d = np.hypot(grid.x0 + c * grid.spacing_m - sxy[:, 0:1], grid.y0 + r * grid.spacing_m - sxy[:, 1:2])
    return r * grid.shape[1] + c, d


def grid_fca(
    grid: CommuneGrid,
    supply_xy: np.ndarray,
    capacity: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """2SFCA on the grid: (supply ratios R_j, score of every cell of the grid, flat).

    Demand is the grid's population at cell centres; the grid must extend one catchment
    beyond every resource (``build_grid(pad_m=...)``).
    """
    size = grid.shape[0] * grid.shape[1]
    score = np.zeros(size)
    ratios = np.zeros(len(supply_xy))
    if len(supply_xy) == 0:
        return ratios, score
    pop = grid.population_raster().ravel()
    offsets = _offsets(catchment_m, grid.spacing_m)
    decay = {"catchment_m": catchment_m, "decay_sigma_m": decay_sigma_m, "steps": steps}
    chunks = [slice(s, s + SUPPLY_CHUNK) for s in range(0, len(supply_xy), SUPPLY_CHUNK)]
    for part in chunks:  # step 1: R_j = S_j / sum_k P_k W(d_kj)
        flat, d = _windows(grid, supply_xy[part], offsets)
        served = (pop[flat] * decay_weights(d, **decay)).sum(axis=1)  # type: ignore[arg-type]
        ratios[part] = np.divide(capacity[part], served, out=np.zeros(len(served)), where=served > 0)
    for part in chunks:  # step 2: A_i = sum_j R_j W(d_ij); windows recomputed rather than kept
        flat, d = _windows(grid, supply_xy[part], offsets)
        w = decay_weights(d, **decay) * ratios[part, None]  # type: ignore[arg-type]
        keep = w > 0
        np.add.at(score, flat[keep], w[keep])
    return ratios, score
