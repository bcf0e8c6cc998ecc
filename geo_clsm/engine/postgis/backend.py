"""The PostGIS query backend (``GEO_CLSM_QUERY_BACKEND=postgis``): queries on the database of record.

Columns and indexes come from migration 0005 (PostgreSQL only): ``public_geom`` (the public
position, the commune's for a confidential address), ``zone_srid`` (the projected CRS of its
zone: EPSG:2154 mainland, each overseas territory its own, as :mod:`geo_clsm.geo.crs`),
``public_xy`` (the public position projected in that CRS by PostGIS when the row is written) with
a partial GiST index per zone, ``service_area`` (GiST), and the ``layer_communes`` /
``layer_qpv`` polygons.

- Nearest: :class:`PostgisCandidates` gives the candidates, :mod:`geo_clsm.engine.nearest` (the
  policy the in-memory engine uses too) filters, ranks and labels them. The query point is
  projected in its zone's CRS (pyproj, as the in-memory engine does); KNN ``<->`` on the zone's
  GiST index gives candidates in exact planar metres; type, spoken-language, territory and
  distance filters are SQL. Candidates are then checked with the policy's filter (the model's own
  audience rule, opening hours), re-ranked by (distance, catalog order) and the candidate set
  grown by :func:`~geo_clsm.engine.candidates.grow_nearest`, the loop the in-memory index uses.
- Service areas: ``ST_Covers`` on ``service_area_extents`` (each intervention zone resolved from its
  communes, QPV and polygon as the engine resolves it); those resources are added with their distance.
- Bounding box and attribute filters: SQL (``&&`` on the GiST index, a box widened by a rounding
  step; the rows found are then held to :class:`~geo_clsm.geo.area.Area`'s rule, as in memory);
  the free-text and age rules then run on the rows found, in catalog order.
- Indicators: :mod:`geo_clsm.engine.postgis.access` (distances to the nearest resource of each type from
  the sample points in SQL, the 2SFCA in Python, on the resources read from the database).
- Sectors: ``ST_Covers`` on ``sector_extents`` (each sector's resolved extent in its zone's
  projected CRS, the vertices of the in-memory index, written when the backend is built), the
  query point projected as for the KNN; the records are the engine snapshot's sectors.
- Territory lookups: the locate rule of :mod:`geo_clsm.engine.places` (``ST_Contains`` on
  ``layer_communes`` / ``layer_qpv``, lowest order wins: pilot communes first; else the nearest
  commune within the rule's tolerance), refreshed from the catalog when its layers change (one worker does it,
  under an advisory lock).

Records come from the engine snapshot's catalog (the same objects the in-memory engine serves);
a record the database has and the snapshot not yet (changed in the last poll interval) is read
from its row.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.engine.candidates import CandidateFilter, Hit, grow_nearest
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import ANY_NEAREST, NearestAnswer, NearestQuery, NearestResult, nearest, search
from geo_clsm.engine.places import NearCommune, Place, nearest_commune, outside_error, search_box
from geo_clsm.engine.postgis.access import postgis_indicators, read_resources
from geo_clsm.engine.query import filter_resources
from geo_clsm.geo.area import Area, published_xy
from geo_clsm.geo.crs import project_point, projected_crs_for
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import Sector
from geo_clsm.store.layer_tables import sync_layers, sync_sector_extents, sync_service_areas
from geo_clsm.store.records import from_row
from geo_clsm.store.schema import resources as resources_table

if TYPE_CHECKING:
    from geo_clsm.access.params import AccessResult

log = logging.getLogger(__name__)

_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
_ACTIVE = "status = 'active' AND (territory IS NULL OR territory = ANY(:loaded))"


def zone_srid(lon: float, lat: float) -> int | None:
    """The EPSG code of the projected CRS of the zone holding a WGS84 point (None outside France)."""
    crs = projected_crs_for(lon, lat)
    return int(crs.split(":")[1]) if crs else None


def _projected_point(srid: int) -> str:
    """SQL of the query point (``:qx``, ``:qy``) in the zone's CRS (``srid``: an int from the zone table)."""
    return f"ST_SetSRID(ST_MakePoint(:qx, :qy), {int(srid)})"


def _covered(types: Sequence[ResourceType]) -> list[str]:
    """Type codes a type filter may keep (before the audience test): the SQL pre-filter."""
    return sorted({o.value for t in types for o in ResourceType if ResourceType(t).covers(o)})


def _attribute_sql(types: Sequence[ResourceType], languages: Sequence[str], params: dict[str, Any]) -> str:
    """SQL conditions for the type and spoken-language filters (a type filter is re-checked in Python)."""
    sql = ""
    if types:
        params["covered"] = _covered(types)
        sql += " AND (type = ANY(:covered) OR jsonb_exists_any(services::jsonb, CAST(:covered AS text[])))"
    if languages:
        params["langs"] = sorted({lang.lower() for lang in languages})
        sql += (
            " AND (EXISTS (SELECT 1 FROM jsonb_array_elements_text(languages::jsonb) AS l(v)"
            " WHERE lower(l.v) = ANY(:langs)) OR (json_array_length(languages) = 0 AND 'fr' = ANY(:langs)))"
        )
    return sql


class PostgisBackend:
    """:class:`~geo_clsm.engine.backend.QueryBackend` on PostgreSQL + PostGIS, bound to an engine snapshot."""

    def __init__(self, db: SqlEngine, engine: Engine, *, sync: bool = True) -> None:
        self.db = db
        self.engine = engine
        catalog = engine.catalog
        self._by_id = catalog.resources_by_id
        self._order = {r.id: i for i, r in enumerate(catalog.resources)}
        self._loaded = sorted(catalog.territories)
        self._access: dict[str, AccessResult] | None = None
        self._access_lock = threading.Lock()
        if sync:
            sync_layers(db, catalog)
            sync_sector_extents(db, engine.sectors)  # the resolved extents ST_Covers reads
            sync_service_areas(db, engine.catalog)  # the teams' intervention zones, resolved likewise

    # -- records ---------------------------------------------------------------------------
    def _records(self, conn: Connection, ids: Sequence[str]) -> dict[str, Resource]:
        out = {i: self._by_id[i] for i in ids if i in self._by_id}
        missing = [i for i in ids if i not in out]
        if missing:
            rows = conn.execute(sa.select(resources_table).where(resources_table.c.id.in_(missing)))
            out.update({row.id: from_row(row._mapping) for row in rows})
        return out

    def _rank(self, r: Resource) -> tuple[int, str]:
        return self._order.get(r.id, len(self._order)), r.id

    # -- nearest ---------------------------------------------------------------------------
    def nearest(self, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> list[NearestResult]:
        """As :meth:`geo_clsm.engine.core.Engine.nearest` (:func:`geo_clsm.engine.nearest.nearest`), on PostGIS candidates."""
        with self.db.connect() as conn:
            return nearest(PostgisCandidates(self, conn, lon, lat), lon, lat, query)

    def search(self, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> NearestAnswer:
        """As :func:`geo_clsm.engine.nearby.search` (:func:`geo_clsm.engine.nearest.search`), on PostGIS candidates."""
        with self.db.connect() as conn:
            return search(PostgisCandidates(self, conn, lon, lat), self.engine.lines, lon, lat, query)

    # -- listings, places, indicators ------------------------------------------------------
    def resources(
        self,
        *,
        bbox: Area | tuple[float, float, float, float] | None = None,
        types: Sequence[ResourceType] = (),
        age: int | None = None,
        territory: str | None = None,
        insee_com: str | None = None,
        text: str | None = None,
        known_audience_only: bool = False,
        languages: Sequence[str] = (),
    ) -> list[Resource]:
        """As :func:`geo_clsm.engine.query.filter_resources` over the catalog, selected in SQL."""
        params: dict[str, Any] = {"loaded": self._loaded}
        where = _ACTIVE + _attribute_sql(types, languages, params)
        area = Area.of(bbox)
        if area is not None:  # the GiST index gives a superset; the Area's rule then decides
            params.update(area.sql_envelope())
            where += " AND public_geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
        if territory is not None:
            params["territory"] = territory
            where += " AND territory = :territory"
        if insee_com is not None:
            params["insee"] = insee_com
            where += " AND insee_com = :insee"
        with self.db.connect() as conn:
            ids = conn.execute(sa.text(f"SELECT id FROM resources WHERE {where}"), params).scalars().all()
            records = self._records(conn, ids)
        selected = sorted(records.values(), key=self._rank)
        if area is not None:
            selected = [selected[i] for i in area.select_points(*published_xy(selected))]
        # The free-text and audience rules, defined once in geo_clsm.engine.query, on the rows SQL selected.
        return filter_resources(
            selected, types=types, age=age, text=text, known_audience_only=known_audience_only, languages=languages
        )

    def locate(self, lon: float, lat: float) -> Place:
        """The territory, commune and QPV of a WGS84 point by the locate rule of
        :mod:`geo_clsm.engine.places`: ``ST_Contains`` (lowest order wins: pilot communes first),
        else the nearest commune within its tolerance, measured in the zone's projected CRS by
        PostGIS and chosen by :func:`~geo_clsm.engine.places.nearest_commune`."""
        with self.db.connect() as conn:
            row = conn.execute(
                sa.text(f"SELECT ord FROM layer_communes WHERE ST_Contains(geom, {_POINT}) ORDER BY ord LIMIT 1"),
                {"lon": lon, "lat": lat},
            ).first()
            found = None if row is None else int(row[0])
            if found is None:
                found = self._nearest_commune(conn, lon, lat)
            if found is None:
                raise outside_error(f"{t.id} ({t.name})" for t in self.engine.catalog.territories.values())
            place = conn.execute(
                sa.text(
                    "SELECT c.insee_com, c.nom, c.territory, q.code_qp, q.lib_qp FROM "
                    "(SELECT insee_com, nom, territory FROM layer_communes WHERE ord = :ord) c LEFT JOIN LATERAL "
                    f"(SELECT code_qp, lib_qp FROM layer_qpv WHERE ST_Contains(geom, {_POINT}) ORDER BY ord LIMIT 1) q "
                    "ON true"
                ),
                {"lon": lon, "lat": lat, "ord": found},
            ).one()
        return Place(territory=place[2], insee_com=place[0], commune=place[1], code_qp=place[3], lib_qp=place[4])

    def sectors_at(self, lon: float, lat: float) -> tuple[Sector, ...]:
        """The sectors whose extent covers a WGS84 point: ``ST_Covers`` (boundary included) on
        ``sector_extents`` of the point's zone, the point projected in the zone's CRS (as the KNN
        does), sorted by public then id, as the in-memory index (:meth:`SectorIndex.at`)."""
        index = self.engine.sectors
        srid = zone_srid(lon, lat) if index.has_data else None
        if srid is None:
            return ()
        qx, qy = project_point(lon, lat, f"EPSG:{srid}")
        with self.db.connect() as conn:
            ids = (
                conn.execute(
                    sa.text(
                        f"SELECT sector_id FROM sector_extents WHERE zone_srid = {int(srid)} "
                        f"AND ST_Covers(geom, {_projected_point(srid)}) ORDER BY public, sector_id"
                    ),
                    {"qx": qx, "qy": qy},
                )
                .scalars()
                .all()
            )
        return tuple(s for i in dict.fromkeys(ids) if (s := index.get(i)) is not None)

    @staticmethod
    def _nearest_commune(conn: Connection, lon: float, lat: float) -> int | None:
        """Step 2 of the locate rule: the communes within the search box, their distances in the
        zone's CRS (``ST_Transform``), and the shared choice."""
        box, srid = search_box(lon, lat), zone_srid(lon, lat)
        if box is None or srid is None:
            return None
        rows = conn.execute(
            sa.text(
                f"SELECT ord, insee_com, ST_Distance(ST_Transform(geom, {int(srid)}), ST_Transform({_POINT}, {int(srid)})) "
                "FROM layer_communes WHERE geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
            ),
            {"lon": lon, "lat": lat, "x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3]},
        ).all()
        return nearest_commune(NearCommune(int(r[0]), str(r[1]), float(r[2])) for r in rows if r[2] is not None)

    def indicators(self) -> dict[str, AccessResult]:
        """Access indicators by territory, measured by PostGIS to the database's resources
        (:mod:`geo_clsm.engine.postgis.access`), computed on the first call and kept with this backend
        (one per engine snapshot: a change to the data gives a new one)."""
        with self._access_lock:
            if self._access is None:
                resources = read_resources(self.db, loaded=self._loaded, rank=self._rank)
                self._access = postgis_indicators(self.db, self.engine.catalog, resources=resources)
            return self._access

    def warm(self) -> threading.Thread:
        """Compute the indicators in a background thread (a request asking meanwhile waits for them)."""

        def run() -> None:
            try:
                self.indicators()
            except Exception:  # the next request computes them again, and says why if it fails
                log.exception("PostGIS access indicators failed")

        thread = threading.Thread(target=run, name="postgis-access", daemon=True)
        thread.start()
        return thread


class PostgisCandidates:
    """:class:`~geo_clsm.engine.candidates.CandidateSource` on PostGIS, for queries around one point on one
    connection: KNN ``<->`` on the zone's GiST index (type and spoken-language filters in SQL,
    :meth:`~geo_clsm.engine.candidates.CandidateFilter.keep` on the records found), ``ST_Covers`` on the
    service areas."""

    def __init__(self, backend: PostgisBackend, conn: Connection, lon: float, lat: float) -> None:
        self.backend = backend
        self.conn = conn
        self.srid = zone_srid(lon, lat)
        self.qxy = project_point(lon, lat, f"EPSG:{self.srid}") if self.srid is not None else None
        self._covering_d: dict[str, float | None] = {}

    def nearest(self, lon: float, lat: float, *, k: int, where: CandidateFilter, limit_m: float) -> list[Hit]:
        if self.srid is None or self.qxy is None:
            return []
        srid, backend, conn = self.srid, self.backend, self.conn
        params: dict[str, Any] = {
            "qx": self.qxy[0],
            "qy": self.qxy[1],
            "loaded": backend._loaded,
            "limit": limit_m * (1 + 1e-9) + 1e-6,
        }
        sql_where = _attribute_sql(where.types, where.languages, params)
        qpt = _projected_point(srid)
        sql = sa.text(
            f"SELECT id, public_xy <-> {qpt} AS d FROM resources "
            f"WHERE zone_srid = {srid} AND {_ACTIVE}{sql_where} AND ST_DWithin(public_xy, {qpt}, :limit) "
            f"ORDER BY public_xy <-> {qpt} LIMIT :kq"
        )

        def fetch(kq: int) -> tuple[list[tuple[float, tuple[tuple[int, str], Resource]]], float, bool]:
            rows = conn.execute(sql, {**params, "kq": kq}).all()
            records = backend._records(conn, [row.id for row in rows])
            passing = [
                (float(row.d), (backend._rank(r), r))
                for row in rows
                if (r := records.get(row.id)) is not None and where.keep(r)
            ]
            passing.sort(key=lambda c: (c[0], c[1][0]))
            return passing, float(rows[-1].d) if rows else math.inf, len(rows) < kq

        return [Hit(r, d) for d, (_, r) in grow_nearest(k, fetch, limit_m)]

    def covering(self, lon: float, lat: float) -> list[Resource]:
        """Resources whose service area covers the point, in catalog order (their distances kept
        for :meth:`distances`: None outside the zone)."""
        if self.srid is None or self.qxy is None:
            return []
        srid, backend = self.srid, self.backend
        rows = self.conn.execute(
            sa.text(
                f"SELECT id, CASE WHEN zone_srid = {srid} THEN ST_Distance(public_xy, {_projected_point(srid)}) END "
                "AS d FROM resources JOIN service_area_extents z ON z.resource_id = resources.id "
                f"WHERE {_ACTIVE} AND ST_Covers(z.geom, {_POINT})"
            ),
            {"lon": lon, "lat": lat, "qx": self.qxy[0], "qy": self.qxy[1], "loaded": backend._loaded},
        ).all()
        records = backend._records(self.conn, [row.id for row in rows])
        found = [records[row.id] for row in rows if row.id in records]
        self._covering_d.update((row.id, None if row.d is None else float(row.d)) for row in rows)
        return sorted(found, key=backend._rank)

    def distances(self, lon: float, lat: float, resources: Sequence[Resource]) -> list[Hit]:
        """Hits for resources placed in the point's zone, nearest first: the distances
        :meth:`covering` kept, the others (a sector's referents) measured by PostGIS."""
        unknown = [r.id for r in resources if r.id not in self._covering_d]
        if unknown and self.srid is not None and self.qxy is not None:
            rows = self.conn.execute(
                sa.text(
                    f"SELECT id, ST_Distance(public_xy, {_projected_point(self.srid)}) AS d FROM resources "
                    f"WHERE id = ANY(:ids) AND zone_srid = {int(self.srid)} AND public_xy IS NOT NULL"
                ),
                {"ids": unknown, "qx": self.qxy[0], "qy": self.qxy[1]},
            ).all()
            self._covering_d.update((row.id, float(row.d)) for row in rows)
        hits = [Hit(r, d) for r in resources if (d := self._covering_d.get(r.id)) is not None]
        return sorted(hits, key=lambda h: (h.distance_m, h.resource.id))
