"""The spatial index of resources, built once, in projected CRSs (metres).

Resources are grouped by the projected CRS of their zone (Lambert-93 for mainland France,
each overseas territory's own CRS); each group has a ``scipy.spatial.cKDTree`` of its
points. A query re-projects one point (cached transformers), never the layer. Positions
are the *public* ones, so a distance never reveals more than the public position of a
confidential resource.

Filters are boolean masks over :attr:`ResourceIndex.resources`, computed once per filter
(types, age, audience rule) with the model's own predicate (:func:`geo_clsm.engine.query.matches_audience`,
the one rule listings, nearest queries and indicators share; see :meth:`ResourceIndex.cached_mask`).
A filtered query walks a tree built once over the resources of the wanted types, then applies
the mask (and an optional predicate, e.g. opening hours) to growing candidate sets. Ties in distance are broken by index order, as before, so answers are deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np
from numpy.typing import NDArray

from geo_clsm.engine.candidates import Hit, grow_nearest
from geo_clsm.engine.query import matches_audience
from geo_clsm.geo.crs import project_point, projected_crs_for, projected_crs_many, to_projected
from geo_clsm.geo.kdtree import cKDTree
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

START_RADIUS_M = 2_000.0  # kept for callers; the k-d tree needs no starting radius
MAX_RADIUS_M = 2_000_000.0
_MAX_MASKS = 1024  # filters remembered (types x age x audience rule), oldest dropped first

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]


_CELL_M = 500.0  # query cells of the candidate cache (metres)
_MAX_CELLS = 4096  # cells remembered per tree, then forgotten all at once (a few MB at most)


class _Tree:
    """A k-d tree over a subset of one CRS group (global indices ``ids``, ascending).

    Queries are answered from a cache of candidates per 500 m cell of the plane: for a cell of
    centre ``c`` and half-diagonal ``r`` whose ``kq``-th nearest resource is at ``D`` from ``c``,
    the ``kq`` nearest resources of any point of the cell lie within ``D + 2r`` of ``c`` (triangle
    inequality); those are found once (two tree queries), and each query then measures only
    them, with the tree's own arithmetic (same distances, bit for bit).
    """

    def __init__(self, ids: IntArray, x: FloatArray, y: FloatArray) -> None:
        self.ids = ids
        self.id_list: list[int] = ids.tolist()
        self.tree = cKDTree(np.column_stack([x[ids], y[ids]])) if len(ids) else None
        self._x: list[float] = x[ids].tolist()
        self._y: list[float] = y[ids].tolist()
        self._cells: dict[tuple[int, int, int], list[int]] = {}

    def query(self, qx: float, qy: float, kq: int, limit: float) -> list[tuple[float, int]]:
        """Up to ``kq`` nearest (distance, global index) within ``limit``, by distance then index.

        Small answers: plain Python lists beat numpy calls for a handful of items.
        """
        n = len(self.id_list)
        if self.tree is None:
            return []
        kq = min(kq, n)
        bound = limit * (1 + 1e-9) + 1e-6
        if not (math.isfinite(qx) and math.isfinite(qy)):
            d, i = self.tree.query((qx, qy), k=[kq] if kq == 1 else kq, distance_upper_bound=bound)
            return [(dd, self.id_list[ii]) for dd, ii in zip(d.tolist(), i.tolist(), strict=True) if ii < n]
        key = (math.floor(qx / _CELL_M), math.floor(qy / _CELL_M), kq)
        near = self._cells.get(key)
        if near is None:
            near = self._near(key)
        xs, ys, ids = self._x, self._y, self.id_list
        bound2 = bound * bound  # as the tree compares: squared distances, strictly below the bound
        found = []
        for j in near:
            dx = qx - xs[j]
            dy = qy - ys[j]
            d2 = dx * dx + dy * dy
            if d2 < bound2:
                found.append((math.sqrt(d2), ids[j]))
        found.sort()
        return found[:kq]

    def _near(self, key: tuple[int, int, int]) -> list[int]:
        """Local indices of every point that can be among the ``kq`` nearest of a point of the cell."""
        assert self.tree is not None
        cx, cy, kq = (key[0] + 0.5) * _CELL_M, (key[1] + 0.5) * _CELL_M, key[2]
        d, _ = self.tree.query((cx, cy), k=[kq])
        radius = float(d[0]) + _CELL_M * math.sqrt(2.0) + 1e-3  # D + 2r, and a millimetre for rounding
        near = sorted(self.tree.query_ball_point((cx, cy), r=radius))
        if len(self._cells) >= _MAX_CELLS:
            self._cells.clear()
        self._cells[key] = near
        return near


class _Group:
    """The resources of one projected CRS."""

    def __init__(self, crs: str, ids: IntArray, x: FloatArray, y: FloatArray) -> None:
        self.crs = crs
        self.ids = ids
        self.all = _Tree(ids, x, y)
        self.id_set = frozenset(ids.tolist())
        self.by_types: dict[frozenset[ResourceType], _Tree] = {}


class ResourceIndex:
    """k-nearest queries over resources, in metres."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources: list[Resource] = []
        self.unplaced: list[Resource] = []
        crs_of: list[str] = []
        lon: list[float] = []
        lat: list[float] = []
        for r in resources:
            pos = r.public_position()
            crs = projected_crs_for(pos.lon, pos.lat) if pos else None
            if pos is None or crs is None:
                self.unplaced.append(r)
                continue
            self.resources.append(r)
            crs_of.append(crs)
            lon.append(pos.lon)
            lat.append(pos.lat)
        n = len(self.resources)
        self.x = np.zeros(n)
        self.y = np.zeros(n)
        crs_arr = np.array(crs_of, dtype=object)
        self._groups: dict[str, _Group] = {}
        lon_a, lat_a = np.array(lon, dtype=float), np.array(lat, dtype=float)
        for crs in sorted(set(crs_of)):
            ids = np.flatnonzero(crs_arr == crs)
            self.x[ids], self.y[ids] = to_projected(lon_a[ids], lat_a[ids], crs)
            self._groups[crs] = _Group(crs, ids, self.x, self.y)
        self._position = {id(r): i for i, r in enumerate(self.resources)}
        self._type_masks: dict[ResourceType, BoolArray] = {}
        self._masks: dict[Hashable, BoolArray] = {}

    def __len__(self) -> int:
        return len(self.resources)

    # -- masks -----------------------------------------------------------------------------
    def type_mask(self, types: Sequence[ResourceType]) -> BoolArray | None:
        """Resources a type filter keeps (None: no type filter)."""
        if not types:
            return None
        out = np.zeros(len(self.resources), dtype=bool)
        for t in set(types):
            if t not in self._type_masks:
                self._type_masks[t] = np.fromiter(
                    (matches_audience(r, types=[t]) for r in self.resources), dtype=bool, count=len(self.resources)
                )
            out |= self._type_masks[t]
        return out

    def audience_mask(self, types: Sequence[ResourceType], age: int | None) -> BoolArray | None:
        """Resources :func:`~geo_clsm.engine.query.matches_audience` keeps for these types and age (None: no filter)."""
        if age is None and not types:
            return None
        types = list(types)
        return self.cached_mask(
            ("audience", frozenset(types), age), lambda r: matches_audience(r, types=types, age=age)
        )

    def cached_mask(self, key: Hashable, keep: Callable[[Resource], bool]) -> BoolArray:
        """The mask of ``keep`` over :attr:`resources`, computed once per ``key`` (the filter's
        parameters; the caller's predicate must depend on nothing else)."""
        mask = self._masks.get(key)
        if mask is None:
            mask = self.mask_of(keep)
            if len(self._masks) >= _MAX_MASKS:
                self._masks.pop(next(iter(self._masks)))
            self._masks[key] = mask
        return mask

    def mask_of(self, keep: Callable[[Resource], bool]) -> BoolArray:
        """A mask from a per-resource predicate (for filters no array covers)."""
        return np.fromiter((keep(r) for r in self.resources), dtype=bool, count=len(self.resources))

    def position_of(self, r: Resource) -> int | None:
        """The index of a resource in :attr:`resources` (by identity), or None if unplaced."""
        return self._position.get(id(r))

    # -- queries ---------------------------------------------------------------------------
    def _group_at(self, lon: float, lat: float) -> _Group | None:
        crs = projected_crs_for(lon, lat)
        return self._groups.get(crs) if crs else None

    def _tree(self, group: _Group, types: Sequence[ResourceType]) -> _Tree:
        if not types:
            return group.all
        key = frozenset(types)
        if key not in group.by_types:
            mask = self.type_mask(list(key))
            assert mask is not None
            group.by_types[key] = _Tree(group.ids[mask[group.ids]], self.x, self.y)
        return group.by_types[key]

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int,
        keep: Callable[[Resource], bool] | None = None,
        max_distance_m: float | None = None,
        types: Sequence[ResourceType] = (),
        mask: BoolArray | None = None,
    ) -> list[Hit]:
        """The ``k`` nearest resources to a WGS84 point that pass the filters, nearest first.

        Filters: ``types`` (as :func:`~geo_clsm.engine.query.matches_audience`), ``mask`` (boolean
        array over :attr:`resources`) and ``keep`` (a predicate, slower). Distances are planar
        in the zone's projected CRS (metres), at most ``max_distance_m`` (default 2,000 km).
        """
        group = self._group_at(lon, lat)
        if group is None or k <= 0:
            return []
        qx, qy = project_point(lon, lat, group.crs)
        limit = MAX_RADIUS_M if max_distance_m is None else max_distance_m
        idx, d = self._search(group, qx, qy, k, self._tree(group, types), mask, keep, limit)
        return [Hit(self.resources[i], di) for i, di in zip(idx, d, strict=True)]

    def _search(
        self,
        group: _Group,
        qx: float,
        qy: float,
        k: int,
        tree: _Tree,
        mask: BoolArray | None,
        keep: Callable[[Resource], bool] | None,
        limit: float,
    ) -> tuple[list[int], list[float]]:
        """The k nearest passing candidates (global indices, distances), ties broken by index."""
        n = len(tree.id_list)
        resources = self.resources

        def fetch(kq: int) -> tuple[list[tuple[float, int]], float, bool]:
            asked = min(kq, n)
            found = tree.query(qx, qy, asked, limit)
            exhausted = len(found) < asked or asked == n  # the limit or the end of the tree reached
            passing = found
            if mask is not None:
                passing = [c for c in passing if mask[c[1]]]
            if keep is not None:
                passing = [c for c in passing if keep(resources[c[1]])]
            passing.sort()  # by distance, then index
            return passing, found[-1][0] if found else math.inf, exhausted

        best = grow_nearest(k, fetch, limit)
        return [i for _, i in best], [d for d, _ in best]

    def nearest_many(
        self, lon: FloatArray, lat: FloatArray, *, k: int, mask: BoolArray | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Vectorised k-nearest for many WGS84 points (no distance limit).

        Returns ``(idx, dist_m)``, both of shape ``(n, k)``: indices into :attr:`resources`
        (``-1`` where fewer than k resources pass, or outside every zone) and metres (``inf``).
        Same answers, ties included, as :meth:`nearest` point by point.
        """
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        n = len(lon)
        out_i = np.full((n, k), -1, dtype=np.intp)
        out_d = np.full((n, k), np.inf)
        crs = projected_crs_many(lon, lat)
        for name, group in self._groups.items():
            rows = np.flatnonzero(crs == name)
            if len(rows) == 0:
                continue
            tree = group.all if mask is None else _Tree(group.ids[mask[group.ids]], self.x, self.y)
            if tree.tree is None:
                continue
            qx, qy = to_projected(lon[rows], lat[rows], name)
            kq = min(k + 1, len(tree.ids))
            d, i = tree.tree.query(np.column_stack([qx, qy]), k=kq, workers=-1)
            d, i = d.reshape(len(rows), kq), i.reshape(len(rows), kq)
            gid = tree.ids[i]
            # The tree sorts by distance; only rows with equal distances need the index order.
            tied = np.flatnonzero((d[:, 1:] == d[:, :-1]).any(axis=1))
            if len(tied):
                order = np.lexsort((gid[tied], d[tied]), axis=1)
                gid[tied] = np.take_along_axis(gid[tied], order, axis=1)
            kk = min(k, kq)
            out_i[rows, :kk], out_d[rows, :kk] = gid[:, :kk], d[:, :kk]
            # A tie between the k-th and the next candidate may hide an equal one: redo those rows.
            if kq > k:
                for r in np.flatnonzero(d[:, k - 1] == d[:, k]):
                    got, dd = self._search(group, float(qx[r]), float(qy[r]), k, tree, None, None, MAX_RADIUS_M)
                    out_i[rows[r]], out_d[rows[r]] = -1, np.inf
                    out_i[rows[r], : len(got)], out_d[rows[r], : len(got)] = got, dd
        return out_i, out_d

    def within(
        self, lon: float, lat: float, *, distance_m: float, keep: Callable[[Resource], bool] | None = None
    ) -> list[Hit]:
        """Every resource within ``distance_m`` of a WGS84 point, nearest first."""
        group = self._group_at(lon, lat)
        if group is None or group.all.tree is None:
            return []
        qx, qy = (float(v) for v in to_projected(lon, lat, group.crs))
        local = group.all.tree.query_ball_point((qx, qy), r=distance_m * (1 + 1e-9) + 1e-6)
        ids = group.ids[np.asarray(local, dtype=np.intp)]
        d = np.hypot(self.x[ids] - qx, self.y[ids] - qy)
        hits = [
            Hit(self.resources[int(i)], float(di))
            for i, di in zip(ids, d, strict=True)
            if di <= distance_m and (keep is None or keep(self.resources[int(i)]))
        ]
        return sorted(hits, key=lambda h: (h.distance_m, h.resource.id))

    def distances(self, lon: float, lat: float, resources: Sequence[Resource]) -> list[Hit]:
        """Hits for the given resources (placed in the point's zone), nearest first."""
        group = self._group_at(lon, lat)
        if group is None:
            return []
        qx, qy = (float(v) for v in to_projected(lon, lat, group.crs))
        pos = [p for p in (self.position_of(r) for r in resources) if p is not None]
        ids = np.array([p for p in pos if p in group.id_set], dtype=np.intp)
        d = np.hypot(self.x[ids] - qx, self.y[ids] - qy)
        return sorted(
            (Hit(self.resources[int(i)], float(di)) for i, di in zip(ids, d, strict=True)),
            key=lambda h: (h.distance_m, h.resource.id),
        )
