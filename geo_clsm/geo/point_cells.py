"""Which polygons of a fixed set contain a point: a cell cache in front of an STRtree.

:class:`PolygonCells` answers :meth:`~PolygonCells.containing` with the same polygons as
``STRtree.query(Point(x, y), predicate="within")`` (a point on a boundary is in no polygon), but
without building a shapely ``Point`` nor walking the tree for each query: the plane is cut into
square cells (``cell_size``, in the polygons' units); the first query in a cell sorts the
polygons that touch it into those that surely contain the whole cell (interior, with a margin)
and those to test, and later queries in that cell only test the latter, in one vectorised call
on prepared geometries. Cells are remembered up to ``max_cells`` (then forgotten all at once).

With :class:`LazyPolygons`, the polygons are built from a compact table only for the cells
queried (the national communes: a restart builds none of them before the first query).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

_MARGIN = 1e-9  # cells are tested a little larger than they are: rounding never misplaces a point


class LazyPolygons:
    """Polygons built from a table when first needed (e.g. :class:`~geo_clsm.data.compact.CommuneTable`:
    ``bounds``, an ``(n, 4)`` array, and ``geometries(rows)``); each one is built once until
    :meth:`forget`."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._built: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._table)

    def get(self, rows: NDArray[np.int64]) -> NDArray[np.object_]:
        idx = rows.tolist()
        built = self._built
        missing = [i for i in idx if i not in built]
        if missing:
            for i, geom in zip(missing, self._table.geometries(missing).tolist(), strict=True):
                built.setdefault(i, geom)  # another thread may have built it meanwhile: keep one
        out = np.empty(len(idx), dtype=object)
        out[:] = [built[i] for i in idx]
        return out

    def intersecting(self, box: shapely.Geometry, bounds: tuple[float, float, float, float]) -> NDArray[np.int64]:
        rows: NDArray[np.int64] = self._table.rows_touching(bounds)
        if len(rows) == 0:
            return rows
        return rows[shapely.intersects(self.get(rows), box)]

    def forget(self) -> None:
        self._built = {}


class _Polygons:
    """An array of polygons and its STRtree."""

    def __init__(self, geoms: NDArray[np.object_], tree: shapely.STRtree | None) -> None:
        self._geoms = np.asarray(geoms, dtype=object)  # prepared when first tested (start-up stays short)
        self._tree = tree if tree is not None else shapely.STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self._geoms)

    def get(self, rows: NDArray[np.int64]) -> NDArray[np.object_]:
        return self._geoms[rows]

    def intersecting(self, box: shapely.Geometry, bounds: tuple[float, float, float, float]) -> NDArray[np.int64]:
        return np.sort(self._tree.query(box, predicate="intersects"))

    def forget(self) -> None:
        pass


class PolygonCells:
    """Point-in-polygon lookups over ``geoms`` (a fixed array, or :class:`LazyPolygons`), cached per grid cell."""

    def __init__(
        self,
        geoms: NDArray[np.object_] | LazyPolygons,
        *,
        cell_size: float = 0.01,
        max_cells: int = 100_000,
        tree: shapely.STRtree | None = None,
    ) -> None:
        self._polys = geoms if isinstance(geoms, LazyPolygons) else _Polygons(geoms, tree)
        self._size = cell_size
        self._max = max_cells
        # cell -> (indices surely containing the cell, indices to test, their geometries)
        self._cells: dict[tuple[int, int], tuple[list[int], list[int], NDArray[np.object_] | None]] = {}

    def __len__(self) -> int:
        return len(self._polys)

    def containing(self, x: float, y: float) -> list[int]:
        """Indices (ascending) of the polygons whose interior contains the point ``(x, y)``."""
        if not (math.isfinite(x) and math.isfinite(y)) or len(self._polys) == 0:
            return []
        key = (math.floor(x / self._size), math.floor(y / self._size))
        cell = self._cells.get(key)
        if cell is None:
            cell = self._fill(key)
        sure, maybe, maybe_geoms = cell
        if maybe_geoms is None:
            return sure
        inside = shapely.contains_xy(maybe_geoms, x, y).tolist()
        found = [i for i, hit in zip(maybe, inside, strict=True) if hit]
        if not found:
            return sure
        return sorted(sure + found) if sure else found

    def first_containing(self, x: float, y: float) -> int | None:
        """The lowest index of :meth:`containing` (None when no polygon contains the point); tests
        no polygon when one of lower index surely contains the point's cell."""
        if not (math.isfinite(x) and math.isfinite(y)) or len(self._polys) == 0:
            return None
        key = (math.floor(x / self._size), math.floor(y / self._size))
        cell = self._cells.get(key)
        if cell is None:
            cell = self._fill(key)
        sure, maybe, maybe_geoms = cell
        best = sure[0] if sure else None
        if maybe_geoms is None or (best is not None and maybe[0] > best):
            return best
        for i, hit in zip(maybe, shapely.contains_xy(maybe_geoms, x, y).tolist(), strict=True):
            if hit:  # ``maybe`` is ascending: the first hit is the lowest
                return i if best is None or i < best else best
        return best

    def _fill(self, key: tuple[int, int]) -> tuple[list[int], list[int], NDArray[np.object_] | None]:
        x0, y0 = key[0] * self._size, key[1] * self._size
        bounds = (x0 - _MARGIN, y0 - _MARGIN, x0 + self._size + _MARGIN, y0 + self._size + _MARGIN)
        box = shapely.box(*bounds)
        near = self._polys.intersecting(box, bounds)
        geoms = self._polys.get(near)
        covers = shapely.contains_properly(geoms, box) if len(near) else np.zeros(0, dtype=bool)
        sure = near[covers].tolist()
        maybe = near[~covers]
        maybe_geoms = geoms[~covers] if len(maybe) else None
        if maybe_geoms is not None:
            shapely.prepare(maybe_geoms)  # once per geometry (a prepared one is left as it is)
        cell = (sure, maybe.tolist(), maybe_geoms)
        if len(self._cells) >= self._max:
            self._cells.clear()
            self._polys.forget()  # lazily built polygons go with the cells that held them
        self._cells[key] = cell
        return cell
