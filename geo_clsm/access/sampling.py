"""Sample points and weights, in the territory's projected CRS (metres).

- each QPV is covered by a regular grid of sample points (``grid_spacing_m``, 50 m by
  default);
- the rest of the territory (its communes minus its QPV) is covered by a coarser grid
  (``rest_spacing_m``);
- weights: with a population layer for the territory (points of a population grid, e.g.
  INSEE's 200 m cells), each cell's population is split among its sample points; without
  one, QPV points weigh the same and each rest point carries its commune's population
  divided by the commune's number of points (population-weighted over communes);
- 2SFCA demand (:func:`demand_points`): the population grid's cells where one is loaded,
  elsewhere each commune's population spread evenly over a grid (200 m) inside it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def sample_grid(geom: BaseGeometry, *, spacing_m: float) -> np.ndarray:
    """Points of a regular grid (cell centres) inside a projected polygon, as an (n, 2) array.

    A polygon too small to hold a grid point gets one point inside it.
    """
    x0, y0, x1, y1 = geom.bounds
    xs = np.arange(np.floor(x0 / spacing_m) * spacing_m + spacing_m / 2, x1, spacing_m)
    ys = np.arange(np.floor(y0 / spacing_m) * spacing_m + spacing_m / 2, y1, spacing_m)
    mx, my = np.meshgrid(xs, ys)
    gx, gy = mx.ravel(), my.ravel()
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, gx, gy)
    if not inside.any():
        p = geom.representative_point()
        return np.array([[p.x, p.y]])
    return np.column_stack([gx[inside], gy[inside]])


def population_weights(pts: np.ndarray, pop_xy: np.ndarray, pop: np.ndarray, *, cell_m: float) -> np.ndarray:
    """Weights of sample points from a population grid (projected metres).

    Each sample point belongs to the nearest population point within half a cell's
    diagonal; each cell's population is split equally among its sample points. A point
    in no populated cell weighs 0.
    """
    w = np.zeros(len(pts))
    if len(pop_xy) == 0 or len(pts) == 0:
        return w
    tree = shapely.STRtree(np.asarray(shapely.points(pop_xy)))
    src, dst = tree.query_nearest(
        np.asarray(shapely.points(pts)), max_distance=cell_m * np.sqrt(2) / 2, all_matches=False
    )
    counts = np.bincount(dst, minlength=len(pop_xy))
    w[src] = pop[dst] / counts[dst]
    return w


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` (0-1) of values with weights (inverted empirical CDF)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    return float(v[min(int(np.searchsorted(cdf, q)), len(v) - 1)])


def commune_grid_demand(
    communes: gpd.GeoDataFrame, *, box: tuple[float, float, float, float], spacing_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each commune's population spread evenly over a regular grid inside it (projected metres).

    ``communes`` is projected, with ``population_municipale``; the grid (cell centres on
    multiples of ``spacing_m``, as :func:`sample_grid`) is kept inside ``box`` (x0, y0, x1,
    y1). A commune holding no grid point gets its whole population on a point inside it.
    Returns (xy, population).
    """
    bx0, by0, bx1, by1 = box
    xy_parts, w_parts = [], []
    pops = communes["population_municipale"].fillna(0).astype(float).to_numpy()
    for geom, pop in zip(communes.geometry, pops, strict=True):
        if pop <= 0 or geom is None or geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        xs = np.arange(np.floor(max(x0, bx0) / spacing_m) * spacing_m + spacing_m / 2, min(x1, bx1), spacing_m)
        ys = np.arange(np.floor(max(y0, by0) / spacing_m) * spacing_m + spacing_m / 2, min(y1, by1), spacing_m)
        mx, my = np.meshgrid(xs, ys)
        gx, gy = mx.ravel(), my.ravel()
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, gx, gy)
        whole = x0 >= bx0 and y0 >= by0 and x1 <= bx1 and y1 <= by1
        n_all = int(inside.sum()) if whole else _count_inside(geom, spacing_m)
        if n_all:
            xy_parts.append(np.column_stack([gx[inside], gy[inside]]))
            w_parts.append(np.full(int(inside.sum()), pop / n_all))
        else:
            p = geom.representative_point()
            if bx0 <= p.x <= bx1 and by0 <= p.y <= by1:
                xy_parts.append(np.array([[p.x, p.y]]))
                w_parts.append(np.array([pop]))
    if not xy_parts:
        return np.empty((0, 2)), np.empty(0)
    return np.vstack(xy_parts), np.concatenate(w_parts)


def _count_inside(geom: BaseGeometry, spacing_m: float) -> int:
    """Number of grid points inside a commune, over its whole extent (for one cut by the box)."""
    x0, y0, x1, y1 = geom.bounds
    xs = np.arange(np.floor(x0 / spacing_m) * spacing_m + spacing_m / 2, x1, spacing_m)
    ys = np.arange(np.floor(y0 / spacing_m) * spacing_m + spacing_m / 2, y1, spacing_m)
    mx, my = np.meshgrid(xs, ys)
    return int(shapely.contains_xy(geom, mx.ravel(), my.ravel()).sum())
