"""Where a point is: its territory, commune and QPV.

**The locate rule** (both query backends follow it: :class:`Locator` in memory,
:meth:`geo_clsm.engine.postgis.backend.PostgisBackend.locate` in SQL):

1. A point inside a loaded commune is in that commune (the lowest catalog row wins: pilot
   communes first).
2. Otherwise, a point of a French zone (:func:`geo_clsm.geo.crs.zone_of`) within
   :data:`LOCATE_TOLERANCE_M` metres of a loaded commune, measured in the zone's projected CRS
   (Lambert-93 in mainland France, each overseas territory its own), is in the nearest such
   commune (:func:`nearest_commune`). The national outlines are generalised (100 m in each
   zone's CRS, ``layers/README.md``): neighbouring outlines leave slivers between them, and a
   beach or a quay can fall just outside the coastline. The tolerance covers these with a wide margin.
3. Otherwise the point is outside every loaded territory: :class:`OutsideTerritoryError` (a French 404).

The QPV is always the one containing the point itself (a QPV is never guessed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.compact import StringColumn
from geo_clsm.geo.crs import WGS84, project_point, projected_crs_for, transformer
from geo_clsm.geo.point_cells import LazyPolygons, PolygonCells
from geo_clsm.model.errors import OutsideTerritoryError

LOCATE_TOLERANCE_M = 2_000.0
"""How far (metres, in the zone's projected CRS) outside every loaded commune outline a point is
still given its nearest commune: twenty times the outlines' generalisation (100 m), so every
sliver between two neighbouring outlines and every beach or quay cut off by the generalised
coastline is located; a point further out (at sea, abroad) is outside the territories."""

OUTSIDE_MESSAGE = "position hors des territoires chargés : choisir un point dans l'un d'eux"


@dataclass(frozen=True, slots=True)
class NearCommune:
    """A commune near a point that none contains: its catalog row, INSEE code and distance (metres)."""

    row: int
    insee_com: str
    distance_m: float


def search_box(lon: float, lat: float) -> tuple[float, float, float, float] | None:
    """The WGS84 box (lon_min, lat_min, lon_max, lat_max) holding every point within
    :data:`LOCATE_TOLERANCE_M` of ``(lon, lat)``, or None outside the French zones (step 2 of the rule)."""
    if projected_crs_for(lon, lat) is None:
        return None
    margin = 1.5  # degrees per metre vary a little across a zone and its projection: a generous box
    dlat = margin * LOCATE_TOLERANCE_M / 111_000.0
    dlon = dlat / max(math.cos(math.radians(min(abs(lat), 80.0))), 0.1)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def nearest_commune(candidates: Iterable[NearCommune]) -> int | None:
    """Step 2 of the locate rule on the communes near a point that none contains: the row of the
    nearest within :data:`LOCATE_TOLERANCE_M` (None when there is none). A commune listed twice
    (a pilot's and the national layer's outline of the same INSEE code) is taken at its lowest
    row, as a point inside it would be."""
    near = [c for c in candidates if c.distance_m <= LOCATE_TOLERANCE_M]
    if not near:
        return None
    best = min(near, key=lambda c: (c.distance_m, c.row))
    return min(c.row for c in near if c.insee_com == best.insee_com)


def outside_error(territories: Iterable[str]) -> OutsideTerritoryError:
    """The error of step 3 of the locate rule, naming the loaded territories."""
    return OutsideTerritoryError(OUTSIDE_MESSAGE, list(territories))


@dataclass(frozen=True, slots=True)
class Place:
    """The territory, commune and QPV (if any) of a point."""

    territory: str
    insee_com: str
    commune: str
    code_qp: str | None
    lib_qp: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "territory": self.territory,
            "commune": {"insee_com": self.insee_com, "nom": self.commune},
            "qpv": None if self.code_qp is None else {"code_qp": self.code_qp, "lib_qp": self.lib_qp},
        }


class Locator:
    """Point-in-polygon lookups over the catalog's communes and QPV (WGS84, STRtree)."""

    def __init__(self, catalog: Catalog) -> None:
        self.built_from = catalog.place_parts()  # a catalog with the same parts can share this Locator
        # The catalog lists pilot communes first, so a point in a pilot is attributed to the pilot.
        # Communes stay compact (some 35,000 nationally): their polygons are built for the cells queried.
        table = catalog.commune_table
        self._c_insee = StringColumn(table.attrs["insee_com"])
        self._c_name = StringColumn(table.attrs["nom"])
        terr = table.attrs["territory"].astype(str)
        self._terr_ids = sorted(set(terr.unique().tolist()))
        self._c_terr = np.zeros(len(terr), dtype=np.int32)
        for code, tid in enumerate(self._terr_ids):  # a handful of territories: no factorize (its copies)
            self._c_terr[(terr == tid).to_numpy(dtype=bool)] = code
        self._table = table
        self._c_cells = PolygonCells(LazyPolygons(table))  # one query: no Point, no tree walk
        q = catalog.qpv.reset_index(drop=True)
        self._q_geoms = np.asarray(q.geometry.values)
        self._q_code = q["code_qp"].tolist()
        self._q_name = q["lib_qp"].tolist()
        self._q_tree = shapely.STRtree(self._q_geoms)
        self._q_cells = PolygonCells(self._q_geoms, tree=self._q_tree)
        self._territories = {t.id: t.name for t in catalog.territories.values()}

    def qpv_at(self, lon: float, lat: float) -> tuple[str, str] | None:
        i = self._q_cells.first_containing(lon, lat)  # the first QPV of the layer containing the point
        if i is None:
            return None
        return self._q_code[i], self._q_name[i]

    def qpv_at_many(self, lon: np.ndarray, lat: np.ndarray) -> list[tuple[str, str] | None]:
        """:meth:`qpv_at` for arrays of points, in one bulk query (same answers)."""
        out: list[tuple[str, str] | None] = [None] * len(lon)
        if len(lon) == 0:
            return out
        pts, hits = self._q_tree.query(shapely.points(lon, lat), predicate="within")
        first: dict[int, int] = {}
        for p, h in zip(pts.tolist(), hits.tolist(), strict=True):
            if p not in first or h < first[p]:
                first[p] = h
        for p, h in first.items():
            out[p] = (self._q_code[h], self._q_name[h])
        return out

    def near_communes(self, lon: float, lat: float) -> list[NearCommune]:
        """The communes whose outline comes within the :func:`search_box` of a point, with their
        distances in the zone's projected CRS (empty outside the French zones)."""
        box = search_box(lon, lat)
        crs = projected_crs_for(lon, lat)
        if box is None or crs is None:
            return []
        rows = self._table.rows_touching(box)
        if len(rows) == 0:
            return []
        to_xy = transformer(WGS84, crs)
        geoms = shapely.transform(
            self._table.geometries(rows), lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1]))
        )
        point = shapely.Point(project_point(lon, lat, crs))
        dist = shapely.distance(geoms, point).tolist()
        return [
            NearCommune(int(r), self._c_insee[int(r)], float(d))
            for r, d in zip(rows.tolist(), dist, strict=True)
            if d == d  # NaN: no geometry
        ]

    def try_locate(self, lon: float, lat: float) -> Place | None:
        """The place of a WGS84 point by the locate rule (module docstring); None outside."""
        i = self._c_cells.first_containing(lon, lat)  # lowest index = pilot commune when there is one
        if i is None:
            i = nearest_commune(self.near_communes(lon, lat))
        if i is None:
            return None
        qpv = self.qpv_at(lon, lat)
        return Place(
            territory=self._terr_ids[int(self._c_terr[i])],
            insee_com=self._c_insee[i],
            commune=self._c_name[i],
            code_qp=qpv[0] if qpv else None,
            lib_qp=qpv[1] if qpv else None,
        )

    def locate(self, lon: float, lat: float) -> Place:
        """The place of a WGS84 point.

        Raises
        ------
        OutsideTerritoryError
            When the point is further than :data:`LOCATE_TOLERANCE_M` from every loaded commune.
        """
        place = self.try_locate(lon, lat)
        if place is None:
            raise outside_error(f"{tid} ({name})" for tid, name in self._territories.items())
        return place
