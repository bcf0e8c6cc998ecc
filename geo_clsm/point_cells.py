"""Which polygons of a fixed set contain a point: a cell cache in front of an STRtree.

:class:`PolygonCells` answers :meth:`~PolygonCells.containing` with the same polygons as
``STRtree.query(Point(x, y), predicate="within")`` (a point on a boundary is in no polygon), but
without building a shapely ``Point`` nor walking the tree for each query: the plane is cut into
square cells (``cell_size``, in the polygons' units); the first query in a cell sorts the
polygons that touch it into those that surely contain the whole cell (interior, with a margin)
and those to test, and later queries in that cell only test the latter, in one vectorised call
on prepared geometries. Cells are remembered up to ``max_cells`` (then forgotten all at once).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

_MARGIN = 1e-9  # cells are tested a little larger than they are: rounding never misplaces a point


class PolygonCells:
    """Point-in-polygon lookups over ``geoms`` (a fixed array), cached per grid cell."""

    def __init__(
        self,
        geoms: NDArray[np.object_],
        *,
        cell_size: float = 0.01,
        max_cells: int = 100_000,
        tree: shapely.STRtree | None = None,
    ) -> None:
        self._geoms = np.asarray(geoms, dtype=object)  # prepared when first tested (start-up stays short)
        self._tree = tree if tree is not None else shapely.STRtree(self._geoms)
        self._size = cell_size
        self._max = max_cells
        # cell -> (indices surely containing the cell, indices to test, their geometries)
        self._cells: dict[tuple[int, int], tuple[list[int], list[int], NDArray[np.object_] | None]] = {}

    def __len__(self) -> int:
        return len(self._geoms)

    def containing(self, x: float, y: float) -> list[int]:
        """Indices (ascending) of the polygons whose interior contains the point ``(x, y)``."""
        if not (math.isfinite(x) and math.isfinite(y)) or len(self._geoms) == 0:
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
        if not (math.isfinite(x) and math.isfinite(y)) or len(self._geoms) == 0:
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
        box = shapely.box(x0 - _MARGIN, y0 - _MARGIN, x0 + self._size + _MARGIN, y0 + self._size + _MARGIN)
        near = np.sort(self._tree.query(box, predicate="intersects"))
        covers = shapely.contains_properly(self._geoms[near], box) if len(near) else np.zeros(0, dtype=bool)
        sure = near[covers].tolist()
        maybe = near[~covers]
        maybe_geoms = self._geoms[maybe] if len(maybe) else None
        if maybe_geoms is not None:
            shapely.prepare(maybe_geoms)  # once per geometry (a prepared one is left as it is)
        cell = (sure, maybe.tolist(), maybe_geoms)
        if len(self._cells) >= self._max:
            self._cells.clear()
        self._cells[key] = cell
        return cell
