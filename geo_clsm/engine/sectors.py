"""Which psychiatric sectors cover a point or a commune: the engine's :class:`SectorIndex`.

Built once per :class:`~geo_clsm.engine.core.Engine` (``engine.sectors``) from the catalog's
sectors, whose extents are resolved by :class:`~geo_clsm.engine.extents.ExtentResolver`. Metric
work is done in each sector's zone CRS (Lambert-93 in mainland France, each overseas territory
its own).

**The cover rule** (the PostGIS backend follows it with ``ST_Covers`` on the ``sector_extents``
table, :mod:`geo_clsm.store.layer_tables`): a point is in a sector when the sector's resolved
extent *covers* it, boundary included. A point on the line between two sectors is in both.

**A commune's sectors** (:meth:`SectorIndex.for_commune`): the sectors sharing more than
:data:`SHARE_TOLERANCE` of the commune's area; for each public, the ``whole`` sector is the only
one of that public touching the commune when it covers all of it but :data:`SHARE_TOLERANCE`
(outlines drawn by hand spill over or fall short by a few metres); otherwise (split between
sectors, partly or not covered) it is None: an address known only to its commune has no sector.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.extents import ExtentResolver, ResolvedExtent, project
from geo_clsm.geo.crs import project_point, projected_crs_for
from geo_clsm.model.sector import SECTOR_PUBLICS, Sector, SectorPublic

SHARE_TOLERANCE = 0.001
"""Share of a commune's area below which a sector's part of it is ignored (a drawn outline's
spill-over), and above which a commune not covered by its sector is split."""

OVERLAP_MIN_M2 = 100.0
"""Smallest area (m², a 10 m square) two sectors of one public must share to be reported as an
overlap: below it, the seam of two outlines rounded to 10⁻⁷ degree, not a place in two sectors."""


@dataclass(frozen=True, slots=True)
class CommuneSectors:
    """The sectors of a commune: all those sharing its area, and per public the one covering it whole."""

    insee_com: str
    sectors: tuple[Sector, ...]
    whole: Mapping[SectorPublic, Sector | None]


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two sectors of the same public sharing an area (metres², in their zone's CRS)."""

    public: SectorPublic
    first: str
    second: str
    area_m2: float
    geometry_wgs84: BaseGeometry


@dataclass(frozen=True, slots=True)
class Hole:
    """A commune of a territory that the sectors of a public leave (partly) uncovered."""

    public: SectorPublic
    insee_com: str
    commune: str
    uncovered_share: float
    """1.0: in no sector of that public."""


def _order(s: Sector) -> tuple[str, str]:
    return (s.public, s.id)


class SectorIndex:
    """The catalog's sectors with their resolved extents, queried by point, commune, territory."""

    def __init__(self, catalog: Catalog) -> None:
        self.sectors: tuple[Sector, ...] = tuple(sorted(catalog.sectors, key=_order))
        self._by_id = {s.id: s for s in self.sectors}
        self._catalog = catalog
        self._resolver = ExtentResolver(catalog) if self.sectors else None
        self._resolved: dict[str, ResolvedExtent] = {}
        self._trees: dict[str, tuple[shapely.STRtree, list[Sector]]] = {}
        for s in self.sectors:
            assert self._resolver is not None
            r = self._resolver.resolve(s.extent)
            self._resolved[s.id] = r
        by_crs: dict[str, list[Sector]] = {}
        for s in self.sectors:
            r = self._resolved[s.id]
            if not r.is_empty:
                by_crs.setdefault(r.crs, []).append(s)
        for crs, members in by_crs.items():
            geoms = [self._resolved[s.id].projected for s in members]
            shapely.prepare(geoms)
            self._trees[crs] = (shapely.STRtree(geoms), members)
        self._commune_cache: dict[str, CommuneSectors] = {}
        self._lock = threading.Lock()

    @property
    def has_data(self) -> bool:
        """Whether any sector is loaded (else answers say « sectorisation non renseignée »)."""
        return bool(self.sectors)

    def has_data_in(self, territory: str) -> bool:
        """Whether a sector of ``territory`` is loaded."""
        return any(s.territory == territory for s in self.sectors)

    def for_territory(self, territory: str) -> tuple[Sector, ...]:
        """The sectors of a territory, by public then id."""
        return tuple(s for s in self.sectors if s.territory == territory)

    def get(self, sector_id: str) -> Sector | None:
        return self._by_id.get(sector_id)

    def resolved(self, sector_id: str) -> ResolvedExtent | None:
        """The sector's resolved extent (WGS84 and metric geometries, CRS, unknown codes)."""
        return self._resolved.get(sector_id)

    def geometry(self, sector_id: str) -> BaseGeometry | None:
        """The sector's extent in its zone's metric CRS (Lambert-93 in mainland France): the union of
        its communes, QPV and polygon. None for an unknown id."""
        r = self._resolved.get(sector_id)
        return None if r is None else r.projected

    def geometry_wgs84(self, sector_id: str) -> BaseGeometry | None:
        """The sector's extent in WGS84 (the edges: GeoJSON, maps)."""
        r = self._resolved.get(sector_id)
        return None if r is None else r.wgs84

    def at(self, *, lon: float, lat: float) -> tuple[Sector, ...]:
        """The sectors whose extent covers a WGS84 point (boundary included), by public then id."""
        if not self._trees:
            return ()
        crs = projected_crs_for(lon, lat)
        if crs is None or crs not in self._trees:
            return ()
        tree, members = self._trees[crs]
        point = shapely.Point(project_point(lon, lat, crs))
        hits = tree.query(point, predicate="covered_by")
        return tuple(sorted((members[int(i)] for i in hits.tolist()), key=_order))

    def for_commune(self, *, insee_com: str) -> CommuneSectors:
        """The sectors of a commune (see the module's docstring); no sector for an unknown commune."""
        cached = self._commune_cache.get(insee_com)
        if cached is not None:
            return cached
        out = self._commune(insee_com)
        with self._lock:
            self._commune_cache[insee_com] = out
        return out

    def _shares(self, commune: BaseGeometry, crs: str) -> list[tuple[Sector, float]]:
        """(sector, share of the commune's area it covers) for the sectors sharing more than the tolerance."""
        if crs not in self._trees or commune.area <= 0:
            return []
        tree, members = self._trees[crs]
        out = []
        for i in tree.query(commune, predicate="intersects").tolist():
            s = members[int(i)]
            share = shapely.intersection(commune, self._resolved[s.id].projected).area / commune.area
            if share > SHARE_TOLERANCE:
                out.append((s, share))
        return out

    def _projected_commune(self, insee_com: str) -> tuple[BaseGeometry, str] | None:
        if self._resolver is None:
            return None
        geom = self._resolver.commune_geometry(insee_com)
        if geom is None or geom.is_empty:
            return None
        p = geom.representative_point()
        crs = projected_crs_for(p.x, p.y)
        if crs is None:
            return None
        return shapely.make_valid(project(geom, crs)), crs

    def _commune(self, insee_com: str) -> CommuneSectors:
        empty: dict[SectorPublic, Sector | None] = {p: None for p in SECTOR_PUBLICS}
        found = self._projected_commune(insee_com)
        if found is None:
            return CommuneSectors(insee_com, (), empty)
        shares = self._shares(*found)
        whole = dict(empty)
        for public in SECTOR_PUBLICS:
            mine = [(s, share) for s, share in shares if s.public == public]
            if len(mine) == 1 and mine[0][1] >= 1.0 - SHARE_TOLERANCE:
                whole[public] = mine[0][0]
        return CommuneSectors(insee_com, tuple(sorted((s for s, _ in shares), key=_order)), whole)

    def overlaps(self, territory: str) -> tuple[Overlap, ...]:
        """Pairs of sectors of the same public and territory sharing more than :data:`OVERLAP_MIN_M2`."""
        mine = [s for s in self.for_territory(territory) if not self._resolved[s.id].is_empty]
        out = []
        for i, a in enumerate(mine):
            ra = self._resolved[a.id]
            for b in mine[i + 1 :]:
                rb = self._resolved[b.id]
                if a.public != b.public or ra.crs != rb.crs:
                    continue  # disjoint sectors share no area: their intersection below is empty
                inter = shapely.intersection(ra.projected, rb.projected)
                if inter.area > OVERLAP_MIN_M2:
                    shared = shapely.intersection(ra.wgs84, rb.wgs84)
                    out.append(Overlap(a.public, a.id, b.id, float(inter.area), shared))
        return tuple(out)

    def holes(self, territory: str) -> tuple[Hole, ...]:
        """The communes of a territory left (partly) uncovered by the sectors of a public, for each
        public that has at least one sector there; by public then INSEE code."""
        publics = sorted({s.public for s in self.for_territory(territory)})
        if not publics:
            return ()
        rows = self._catalog.commune_table.rows_in([territory])
        attrs = self._catalog.commune_table.attrs.iloc[rows]
        out = []
        for public in publics:
            for code, name in zip(attrs["insee_com"].astype(str), attrs["nom"].astype(str), strict=True):
                found = self._projected_commune(code)
                if found is None:
                    continue
                geom, crs = found
                covering = [
                    self._resolved[s.id].projected
                    for s, _ in self._shares(geom, crs)
                    if s.public == public and s.territory == territory
                ]
                covered = shapely.intersection(geom, shapely.union_all(covering)).area if covering else 0.0
                uncovered = max(0.0, 1.0 - covered / geom.area)
                if uncovered > SHARE_TOLERANCE:
                    out.append(Hole(public, code, name, round(uncovered, 4)))
        return tuple(out)
