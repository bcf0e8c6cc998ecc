"""Resources of one type, projected, and distance statistics over weighted sample points.

A resource with a service area (EMPP, sector) is at distance 0 from every point inside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.access.params import AccessParams
from geo_clsm.access.sampling import weighted_quantile
from geo_clsm.engine.query import audience_unknown
from geo_clsm.geo.crs import WGS84, projected_crs_for, to_projected
from geo_clsm.geo.kdtree import cKDTree
from geo_clsm.geo.walk import walk_minutes
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import IMPLIED_AGES, ResourceType

Placed = tuple[Resource, float, float, BaseGeometry | None, frozenset[ResourceType]]
"""A resource with its projected public position (x, y), projected service area and offers
(its type and the types of its services)."""


@dataclass
class Supply:
    """Resources of one type in one CRS, projected, with what the uncertainty notes need."""

    resources: list[Resource]
    xy: np.ndarray
    areas: dict[int, BaseGeometry]  # index in ``resources`` -> projected service area
    tree: shapely.STRtree | None
    unknown_audience: np.ndarray  # kept only because the audience is unknown
    at_commune: np.ndarray  # public position at commune precision
    capacity: np.ndarray
    kdtree: cKDTree | None = None

    @staticmethod
    def place(
        resources: Sequence[Resource], crs: str, *, zones: Mapping[str, BaseGeometry] | None = None
    ) -> list[Placed]:
        """The resources with a public position in ``crs``'s zone, projected: (resource, x, y, area).

        ``zones``: the resolved WGS84 intervention zones by resource id
        (:func:`geo_clsm.engine.extents.service_area_geometries`); a resource missing from it is
        served by the drawn polygon of its zone, if any."""
        kept, lon, lat = [], [], []
        for r in resources:
            pos = r.public_position()
            if pos is not None and projected_crs_for(pos.lon, pos.lat) == crs:
                kept.append(r)
                lon.append(pos.lon)
                lat.append(pos.lat)
        if not kept:
            return []
        x, y = to_projected(np.array(lon), np.array(lat), crs)
        known = zones or {}
        with_area = [r for r in kept if r.id in known or r.service_area_wkt]
        shapes = [known[r.id] if r.id in known else shapely.from_wkt(r.service_area_wkt) for r in with_area]
        projected = gpd.GeoSeries(shapes, crs=WGS84).to_crs(crs)
        areas = {r.id: g for r, g in zip(with_area, projected, strict=True)}
        return [
            (r, float(a), float(b), areas.get(r.id), frozenset((r.type, *r.service_types)))
            for r, a, b in zip(kept, np.atleast_1d(x), np.atleast_1d(y), strict=True)
        ]

    @classmethod
    def build(
        cls,
        resources: Sequence[Resource],
        rtype: ResourceType,
        crs: str,
        *,
        known_audience_only: bool = False,
        placed: Sequence[Placed] | None = None,
    ) -> Supply:
        """The resources of a type (its rule: :meth:`Resource.matches_type`) in ``crs``.

        ``placed`` (from :meth:`place`) saves re-projecting the resources for every type.
        """
        placed = Supply.place(resources, crs) if placed is None else placed
        covered = {o for o in ResourceType if rtype.covers(o)}  # cheap pre-filter; the rule decides
        chosen = [
            p
            for p in placed
            if not covered.isdisjoint(p[4]) and p[0].matches_type(rtype, known_audience_only=known_audience_only)
        ]
        picked = [p[0] for p in chosen]
        xy = np.array([[p[1], p[2]] for p in chosen]) if chosen else np.empty((0, 2))
        areas = {i: p[3] for i, p in enumerate(chosen) if p[3] is not None}
        tree = shapely.STRtree(np.asarray(shapely.points(xy))) if picked else None
        kdtree = cKDTree(xy) if picked else None
        unknown = np.array([rtype in IMPLIED_AGES and audience_unknown(r, types=[rtype]) for r in picked], dtype=bool)
        approx = np.array(
            [(p := r.public_position()) is not None and p.precision is PositionPrecision.COMMUNE for r in picked],
            dtype=bool,
        )
        cap = np.array([r.capacity or 1.0 for r in picked], dtype=float)
        return cls(picked, xy, areas, tree, unknown, approx, cap, kdtree)

    def near_box(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Boolean mask of the resources inside a projected box (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = box
        return (self.xy[:, 0] >= x0) & (self.xy[:, 0] <= x1) & (self.xy[:, 1] >= y0) & (self.xy[:, 1] <= y1)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.resources)

    def nearest(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) from each point to the nearest resource and that resource's index.

        0 and the area's resource inside a service area; inf and -1 without any resource.
        """
        if self.kdtree is None or len(pts) == 0:
            return np.full(len(pts), np.inf), np.full(len(pts), -1)
        d, idx = self.kdtree.query(pts)
        dist, nearest = np.asarray(d, dtype=float), np.asarray(idx, dtype=int)
        for i, area in self.areas.items():
            inside = shapely.contains_xy(area, pts[:, 0], pts[:, 1])
            dist[inside] = 0.0
            nearest[inside] = i
        return dist, nearest

    def nearest_m(self, pts: np.ndarray) -> np.ndarray:
        """Distance (m) from each point to the nearest resource; 0 inside a service area; inf if none."""
        return self.nearest(pts)[0]

    def within(self, geom: BaseGeometry, radius_m: float) -> set[int]:
        """Indices of the resources within ``radius_m`` of a projected geometry (or whose area meets it)."""
        if self.tree is None:
            return set()
        near = set(self.tree.query(geom, predicate="dwithin", distance=radius_m).tolist())
        return near | {i for i, area in self.areas.items() if area.intersects(geom)}

    def count_within(self, geom: BaseGeometry, radius_m: float) -> int:
        return len(self.within(geom, radius_m))


def distance_stats(d: np.ndarray, w: np.ndarray, params: AccessParams) -> dict[str, Any]:
    """Weighted distance indicators (raw metres, shares 0-1, minutes) of sample points."""
    finite = np.isfinite(d)
    out: dict[str, Any] = {}
    if not finite.any():
        for key in ("mean_m", "p50_m", "p90_m", "max_m", "walk_minutes_mean"):
            out[key] = None
        for r in params.radii_m:
            out[f"within_{int(r)}m_share"] = 0.0
        return out
    dd, ww = d[finite], w[finite]
    mean = float(np.average(dd, weights=ww))
    out["mean_m"] = mean
    out["p50_m"] = weighted_quantile(dd, ww, 0.5)
    out["p90_m"] = weighted_quantile(dd, ww, 0.9)
    out["max_m"] = float(dd.max())
    for r in params.radii_m:
        out[f"within_{int(r)}m_share"] = float(w[finite & (d <= r)].sum() / w.sum())
    out["walk_minutes_mean"] = float(
        walk_minutes(mean, detour_factor=params.detour_factor, speed_kmh=params.walk_speed_kmh)
    )
    return out
