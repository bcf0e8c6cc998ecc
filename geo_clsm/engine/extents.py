"""An :class:`~geo_clsm.model.sector.Extent` (communes, QPV, polygon) resolved to a geometry.

One resolver for everything that has an extent: psychiatric sectors
(:mod:`geo_clsm.engine.sectors`), the resolved-extents table of the PostGIS backend
(:mod:`geo_clsm.store.layer_tables`) and the intervention zones of teams (EMPP …). The union is
made in WGS84 (the catalog's communes and QPV share their outlines' vertices, so neighbours merge
without slivers), then projected into the zone's metric CRS (Lambert-93 in mainland France, each
overseas territory its own: :func:`geo_clsm.geo.crs.projected_crs_for`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.crs import LAMBERT93, WGS84, projected_crs_for, transformer
from geo_clsm.model.sector import Extent


@dataclass(frozen=True, slots=True)
class ResolvedExtent:
    """An extent's geometry in WGS84 and in its zone's metric CRS, and the codes it could not find."""

    wgs84: BaseGeometry
    projected: BaseGeometry
    crs: str
    unknown_communes: tuple[str, ...] = ()
    unknown_qpv: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return bool(self.wgs84.is_empty)


def project(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """A WGS84 geometry in ``crs`` (metres)."""
    to_xy = transformer(WGS84, crs)
    return shapely.transform(geom, lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1])))


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of ``geom`` as one MultiPolygon (lines and points of a union dropped)."""
    if geom.is_empty:
        return shapely.MultiPolygon()
    if geom.geom_type == "MultiPolygon":
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    flat = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
    return shapely.MultiPolygon(flat)


class ExtentResolver:
    """Resolves extents against a catalog's communes (lowest row of an INSEE code: pilots first,
    as the locate rule takes them) and QPV (by ``code_qp``)."""

    def __init__(self, catalog: Catalog) -> None:
        self._table = catalog.commune_table
        insee = self._table.attrs["insee_com"].astype(str).tolist()
        self._commune_row: dict[str, int] = {}
        for row, code in enumerate(insee):
            self._commune_row.setdefault(code, row)
        q = catalog.qpv.reset_index(drop=True)
        self._qpv_geom: dict[str, BaseGeometry] = {}
        if "code_qp" in q:
            for code, geom in zip(q["code_qp"].astype(str).tolist(), q.geometry.values, strict=True):
                self._qpv_geom.setdefault(code, geom)

    def has_commune(self, insee_com: str) -> bool:
        return insee_com in self._commune_row

    def has_qpv(self, code_qp: str) -> bool:
        return code_qp in self._qpv_geom

    def commune_geometry(self, insee_com: str) -> BaseGeometry | None:
        """A commune's WGS84 outline (None when it is not loaded)."""
        row = self._commune_row.get(insee_com)
        if row is None:
            return None
        geom = self._table.geometries([row])[0]
        return None if geom is None else geom

    def resolve(self, extent: Extent) -> ResolvedExtent:
        """The extent's geometry (empty when none of its parts is known)."""
        parts: list[BaseGeometry] = []
        unknown_c = tuple(c for c in extent.communes if c not in self._commune_row)
        unknown_q = tuple(q for q in extent.qpv if q not in self._qpv_geom)
        rows = [self._commune_row[c] for c in extent.communes if c in self._commune_row]
        if rows:
            parts.extend(g for g in self._table.geometries(rows).tolist() if g is not None)
        parts.extend(self._qpv_geom[q] for q in extent.qpv if q in self._qpv_geom)
        if extent.polygon_wkt:
            parts.append(shapely.from_wkt(extent.polygon_wkt))
        wgs84 = polygonal(shapely.make_valid(shapely.union_all(parts))) if parts else shapely.MultiPolygon()
        crs = LAMBERT93
        if not wgs84.is_empty:
            p = wgs84.representative_point()
            crs = projected_crs_for(p.x, p.y) or LAMBERT93
        return ResolvedExtent(wgs84, project(wgs84, crs), crs, unknown_c, unknown_q)


_ZONES: weakref.WeakKeyDictionary[Catalog, dict[str, BaseGeometry]] = weakref.WeakKeyDictionary()
_ZONES_LOCK = threading.Lock()


def service_area_geometries(catalog: Catalog) -> dict[str, BaseGeometry]:
    """The WGS84 geometry of every resource's intervention zone (``Resource.service_area``: its
    communes, QPV and polygon), by resource id, resolved once per catalog. A zone whose codes are
    all unknown to the catalog resolves to nothing and is left out."""
    found = _ZONES.get(catalog)
    if found is not None:
        return found
    with _ZONES_LOCK:
        found = _ZONES.get(catalog)
        if found is None:
            zoned = [r for r in catalog.resources if r.service_area is not None]
            coded = any(z.communes or z.qpv for r in zoned if (z := r.service_area) is not None)
            resolver = ExtentResolver(catalog) if coded else None
            found = {}
            for r in zoned:
                assert r.service_area is not None
                if resolver is None:  # a polygon only: no lookup of communes or QPV
                    geom = shapely.from_wkt(r.service_area.polygon_wkt)
                else:
                    geom = resolver.resolve(r.service_area).wgs84
                if geom is not None and not geom.is_empty:
                    found[r.id] = geom
            _ZONES[catalog] = found
    return found
