"""The one bounding-box selection rule (issue 33), used by ``/ogc`` items, ``/api/resources?bbox=`` and
``/api/markers?bbox=``, on the in-memory engine and on PostGIS alike.

A point is selected when its **published** WGS84 position (:func:`published`: 6 decimals, the
coordinates every answer shows) lies in the closed box (edges included), and, for an area given in
another CRS (an OGC Lambert-93 box), in the reprojected outline too. A shape (a QPV, a commune) is
selected when it intersects the area. A resource with no public position is never selected.

The test is vectorised: comparisons over the arrays of coordinates an engine keeps per data
version, then, for the survivors only, GEOS on the outline (or on the box, for shapes). PostGIS
selects a superset through its GiST index (:meth:`Area.sql_envelope`, the box widened by a
rounding step); the rows it finds are then held to this same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.model.errors import InvalidInputError

DECIMALS = 6
"""Decimals of a published WGS84 coordinate (about 0.1 m)."""

_ROUNDING = 10.0**-DECIMALS  # more than the largest gap between a coordinate and its published value


def published(value: float) -> float:
    """A WGS84 coordinate as every answer publishes it (rounded to :data:`DECIMALS`)."""
    return round(value, DECIMALS)


class _LonLat(Protocol):
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...


class Placed(Protocol):
    """Anything with a public position (a :class:`~geo_clsm.model.resource.Resource`)."""

    def public_position(self) -> _LonLat | None: ...


def published_xy(placed: Sequence[Placed]) -> tuple[np.ndarray, np.ndarray]:
    """Published longitudes and latitudes of ``placed``, in order (NaN where there is no public position)."""
    x = np.full(len(placed), np.nan)
    y = np.full(len(placed), np.nan)
    for i, r in enumerate(placed):
        pos = r.public_position()
        if pos is not None:
            x[i], y[i] = published(pos.lon), published(pos.lat)
    return x, y


@dataclass(frozen=True, slots=True)
class Area:
    """A closed WGS84 box (``x0 <= lon <= x1``, ``y0 <= lat <= y1``), and ``outline`` when the area
    is not that box itself (a box drawn in another CRS, reprojected: its bounds are the box)."""

    x0: float
    y0: float
    x1: float
    y1: float
    outline: BaseGeometry | None = None

    @classmethod
    def of(cls, bbox: Area | Sequence[float] | None) -> Area | None:
        """An Area from ``(lon_min, lat_min, lon_max, lat_max)`` (or an Area, or None)."""
        if bbox is None or isinstance(bbox, Area):
            return bbox
        x0, y0, x1, y1 = (float(v) for v in bbox)
        return cls(x0, y0, x1, y1)

    @classmethod
    def parse(cls, text: str | None) -> Area | None:
        """``lon_min,lat_min,lon_max,lat_max`` (WGS84 degrees) -> the Area (None for None);
        InvalidInputError (French) for anything else."""
        if text is None:
            return None
        try:
            x0, y0, x1, y1 = (float(v) for v in text.split(","))
        except ValueError:
            raise InvalidInputError("bbox : écrire quatre nombres lon_min,lat_min,lon_max,lat_max") from None
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            raise InvalidInputError("bbox : il faut lon_min < lon_max et lat_min < lat_max, en degrés WGS84")
        return cls(x0, y0, x1, y1)

    @classmethod
    def around(cls, outline: BaseGeometry) -> Area:
        """The area inside ``outline`` (WGS84), with its bounds as the box."""
        x0, y0, x1, y1 = (float(v) for v in outline.bounds)
        shapely.prepare(outline)
        return cls(x0, y0, x1, y1, outline)

    def select_points(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Indices, ascending, of the published positions ``(x[i], y[i])`` in the area (NaN: no position)."""
        inside = (x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1)
        idx = np.flatnonzero(inside)
        if self.outline is not None and idx.size:
            idx = idx[shapely.intersects_xy(self.outline, x[idx], y[idx])]
        return idx

    def select_shapes(self, bounds: np.ndarray, shapes: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Indices, ascending, of the ``shapes`` (WGS84; ``bounds`` their ``(n, 4)`` bounds, NaN for
        none; ``points`` True where a shape is a point) that intersect the area."""
        near = (bounds[:, 0] <= self.x1) & (bounds[:, 2] >= self.x0) & (bounds[:, 1] <= self.y1)
        near &= bounds[:, 3] >= self.y0
        idx = np.flatnonzero(near)
        if not idx.size:
            return idx
        if self.outline is None:  # a point within the box's bounds is in the box: only shapes are tested
            exact = points[idx].copy()
            shape = idx[~exact]
            if shape.size:
                exact[~exact] = shapely.intersects(self.box(), shapes[shape])
            return idx[exact]
        return idx[shapely.intersects(self.outline, shapes[idx])]

    def box(self) -> BaseGeometry:
        """The box as a (prepared) WGS84 polygon."""
        out = shapely.box(self.x0, self.y0, self.x1, self.y1)
        shapely.prepare(out)
        return out

    def sql_envelope(self) -> dict[str, float]:
        """``x0, y0, x1, y1`` of a box holding every position whose published value is in the area
        (for PostGIS's ``&&``; the rows it finds are then held to :meth:`select_points`)."""
        pad = _ROUNDING
        return {"x0": self.x0 - pad, "y0": self.y0 - pad, "x1": self.x1 + pad, "y1": self.y1 + pad}
