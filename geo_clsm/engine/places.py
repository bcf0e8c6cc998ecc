"""Where a point is: its territory, commune and QPV. Topological tests only (no distances)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.compact import StringColumn
from geo_clsm.geo.point_cells import LazyPolygons, PolygonCells
from geo_clsm.model.errors import OutsideTerritoryError


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

    def try_locate(self, lon: float, lat: float) -> Place | None:
        i = self._c_cells.first_containing(lon, lat)  # lowest index = pilot commune when there is one
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
            When no loaded territory contains the point.
        """
        place = self.try_locate(lon, lat)
        if place is None:
            names = [f"{tid} ({name})" for tid, name in self._territories.items()]
            raise OutsideTerritoryError(
                "position hors des territoires chargés : choisir un point dans l'un d'eux", names
            )
        return place
