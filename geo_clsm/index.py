"""The spatial index of resources, built once, in projected CRSs (metres).

Resources are grouped by the projected CRS of their zone (Lambert-93 for mainland France,
each overseas territory's own CRS); each group has an STRtree of its points. A query
re-projects one point, never the layer. Positions are the *public* ones, so a distance
never reveals more than the public position of a confidential resource.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo_clsm.crs import projected_crs_for, to_projected
from geo_clsm.model import Resource

START_RADIUS_M = 2_000.0
MAX_RADIUS_M = 2_000_000.0


@dataclass(frozen=True, slots=True)
class Hit:
    resource: Resource
    distance_m: float


class _Group:
    def __init__(self, crs: str, resources: list[Resource]) -> None:
        self.crs = crs
        self.resources = resources
        pos = [r.public_position() for r in resources]
        lon = np.array([p.lon for p in pos if p is not None])
        lat = np.array([p.lat for p in pos if p is not None])
        self.x, self.y = to_projected(lon, lat, crs)
        self.tree = shapely.STRtree(np.asarray(shapely.points(self.x, self.y)))


class ResourceIndex:
    """k-nearest queries over resources, in metres."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        by_crs: dict[str, list[Resource]] = {}
        self.unplaced: list[Resource] = []
        for r in resources:
            pos = r.public_position()
            crs = projected_crs_for(pos.lon, pos.lat) if pos else None
            if crs is None:
                self.unplaced.append(r)
                continue
            by_crs.setdefault(crs, []).append(r)
        self._groups = {crs: _Group(crs, res) for crs, res in by_crs.items()}

    def __len__(self) -> int:
        return sum(len(g.resources) for g in self._groups.values())

    def _group_at(self, lon: float, lat: float) -> _Group | None:
        crs = projected_crs_for(lon, lat)
        return self._groups.get(crs) if crs else None

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int,
        keep: Callable[[Resource], bool] | None = None,
        max_distance_m: float | None = None,
    ) -> list[Hit]:
        """The ``k`` nearest resources to a WGS84 point that pass ``keep``, nearest first.

        Distances are planar in the zone's projected CRS (metres). The search radius
        starts at 2 km and grows fourfold until ``k`` resources pass ``keep``, or the
        radius reaches ``max_distance_m`` (default 2,000 km).
        """
        group = self._group_at(lon, lat)
        if group is None or k <= 0:
            return []
        x, y = (float(v) for v in to_projected(lon, lat, group.crs))
        point = shapely.Point(x, y)
        limit = MAX_RADIUS_M if max_distance_m is None else max_distance_m
        radius = min(START_RADIUS_M, limit)
        while True:
            idx = group.tree.query(point, predicate="dwithin", distance=radius)
            if keep is not None:
                idx = np.array([i for i in idx if keep(group.resources[i])], dtype=int)
            if len(idx) >= k or radius >= limit:
                break
            radius = min(radius * 4, limit)
        if len(idx) == 0:
            return []
        d = np.hypot(group.x[idx] - x, group.y[idx] - y)
        order = np.lexsort((idx, d))[:k]
        return [Hit(group.resources[int(idx[o])], float(d[o])) for o in order if d[o] <= limit]

    def within(
        self, lon: float, lat: float, *, distance_m: float, keep: Callable[[Resource], bool] | None = None
    ) -> list[Hit]:
        """Every resource within ``distance_m`` of a WGS84 point, nearest first."""
        group = self._group_at(lon, lat)
        if group is None:
            return []
        x, y = (float(v) for v in to_projected(lon, lat, group.crs))
        idx = group.tree.query(shapely.Point(x, y), predicate="dwithin", distance=distance_m)
        hits = [
            Hit(group.resources[int(i)], float(np.hypot(group.x[i] - x, group.y[i] - y)))
            for i in idx
            if keep is None or keep(group.resources[int(i)])
        ]
        return sorted(hits, key=lambda h: (h.distance_m, h.resource.id))
