"""The query engine: catalog + spatial index + locator + service areas, built once.

The API holds one Engine; every request reads it and never rebuilds an index.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Mapping, Sequence
from functools import cached_property, partial
from typing import Any

import numpy as np
import shapely

from geo_clsm.access.indicators import territory_indicators
from geo_clsm.access.params import AccessResult
from geo_clsm.data.catalog import Catalog, same_objects
from geo_clsm.engine.candidates import CandidateFilter, Hit
from geo_clsm.engine.extents import service_area_geometries
from geo_clsm.engine.index import ResourceIndex
from geo_clsm.engine.lines import NationalLines
from geo_clsm.engine.nearest import ANY_NEAREST, NearestQuery, NearestResult, nearest
from geo_clsm.engine.places import Locator, Place
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.geo.area import Area, published, published_xy
from geo_clsm.geo.point_cells import PolygonCells
from geo_clsm.model.geojson import FeatureCache
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import IMPLIED_AGES, PLACE_TYPES

MAX_K = 50

_access_serials = itertools.count(1)
_serial_lock = threading.Lock()


def _next_serial() -> int:
    with _serial_lock:
        return next(_access_serials)


def default_indicators(catalog: Catalog) -> dict[str, AccessResult]:
    """Access indicators of every territory of ``catalog`` that has QPV (default parameters)."""
    return territory_indicators(catalog, types=PLACE_TYPES)


class ServiceAreas:
    """Intervention zones (EMPP, mobile teams: ``Resource.service_area``, communes, QPV or a
    polygon, resolved by :func:`~geo_clsm.engine.extents.service_area_geometries`): which resources
    serve a point (WGS84, boundary included)."""

    def __init__(self, catalog: Catalog) -> None:
        zones = service_area_geometries(catalog)
        self._res = [r for r in catalog.resources if r.id in zones]
        self._geoms = np.array([zones[r.id] for r in self._res], dtype=object)
        shapely.prepare(self._geoms)
        self._cells = PolygonCells(self._geoms)

    def covering(self, lon: float, lat: float) -> list[Resource]:
        if not self._res:
            return []
        return [self._res[i] for i in self._cells.containing(lon, lat)]


def _qpv_extra(resource_qpv: Mapping[str, tuple[str, str] | None], r: Resource) -> dict[str, object]:
    q = resource_qpv.get(r.id)
    return {"qpv": None if q is None else {"code_qp": q[0], "lib_qp": q[1]}}


class Engine:
    """Everything a query needs, built once from a Catalog; never changed once built (a new set of
    access indicators is a new engine: :meth:`with_access`)."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        previous: Engine | None = None,
        access: dict[str, AccessResult] | None = None,
    ) -> None:
        """``previous``: the engine this one replaces; its Locator (and the polygons it built for the
        cells queried) is reused when the communes, QPV and territories are the same objects (an
        editor's change: only the resources differ). ``access``: the access indicators it serves
        (read from the start-up cache, or an older engine's while new ones are computed); without
        them they are computed from ``catalog`` when first asked for."""
        self.catalog = catalog
        self._access = access  # shared, never changed (a new set is a new engine)
        self._access_lock = threading.Lock()
        self.access_serial = _next_serial()
        """Tells apart the sets of indicators this process served (see :func:`geo_clsm.engine.build.data_version`)."""
        self.index = ResourceIndex(catalog.resources)
        self.locator = _locator(catalog, previous)
        self.areas = ServiceAreas(catalog)
        self.sectors = _sector_index(catalog, previous)
        """The psychiatric sectors (:class:`~geo_clsm.engine.sectors.SectorIndex`; empty: none loaded)."""
        self.lines = NationalLines(catalog)
        self.resource_qpv: dict[str, tuple[str, str] | None] = {r.id: None for r in catalog.resources}
        placed = [(r.id, pos) for r in catalog.resources if (pos := r.public_position()) is not None]
        found = self.locator.qpv_at_many(
            np.array([p.lon for _, p in placed], dtype=float), np.array([p.lat for _, p in placed], dtype=float)
        )
        self.resource_qpv.update(zip([rid for rid, _ in placed], found, strict=True))
        # The cache holds the QPV table, not the engine: a copy of the engine (new indicators, see
        # store/live.py) shares it without keeping the original alive.
        self._features = FeatureCache(partial(_qpv_extra, self.resource_qpv))

    @property
    def access(self) -> dict[str, AccessResult]:
        """Access indicators of every territory that has QPV: given at build, else computed once
        (default parameters; a function of the catalog, so the engine's answers do not change)."""
        if self._access is None:
            with self._access_lock:
                if self._access is None:
                    self._access = default_indicators(self.catalog)
        return self._access

    @property
    def computed_access(self) -> dict[str, AccessResult] | None:
        """The access indicators if given or already computed, else None (never computes them)."""
        return self._access

    def with_access(self, access: dict[str, AccessResult]) -> Engine:
        """A new engine serving ``access``, sharing everything else with this one (catalog, index,
        locator, cached features and markers): published whole, as an editor's change is."""
        out = copy.copy(self)
        out._access = access
        out._access_lock = threading.Lock()
        out.access_serial = _next_serial()
        return out

    @cached_property
    def public_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Published WGS84 longitude and latitude of each resource, in catalog order (NaN: no public
        position): what :class:`~geo_clsm.geo.area.Area` selects from."""
        return published_xy(self.catalog.resources)

    def in_area(self, area: Area) -> list[int]:
        """Catalog indices, ascending, of the resources whose published position is in ``area``."""
        return area.select_points(*self.public_xy).tolist()

    @cached_property
    def _marker_rows(self) -> list[list[object] | None]:
        out: list[list[object] | None] = []
        for r in self.catalog.resources:
            pos = r.public_position()
            if pos is None:
                out.append(None)
                continue
            lo, hi = r.audience.age_min, r.audience.age_max
            if lo is None and hi is None:
                lo, hi = IMPLIED_AGES.get(r.type, (None, None))
            approx = 1 if pos.precision is PositionPrecision.COMMUNE else 0
            out.append([r.id, r.type.value, published(pos.lon), published(pos.lat), approx, lo, hi])
        return out

    @cached_property
    def markers(self) -> list[list[object]]:
        """Compact public markers: [id, type, lon, lat, approx, age_min, age_max] (see /api/markers)."""
        return [m for m in self._marker_rows if m is not None]

    def markers_in(self, area: Area) -> list[list[object]]:
        """The markers whose published position is in ``area``, in catalog order."""
        rows = self._marker_rows
        return [m for i in self.in_area(area) if (m := rows[i]) is not None]

    def resource_extra(self, r: Resource) -> dict[str, object]:
        """Properties the engine adds to a resource: the QPV it lies in (or None)."""
        return _qpv_extra(self.resource_qpv, r)

    def public_feature(self, r: Resource, dynamic: Mapping[str, Any]) -> dict[str, Any]:
        """``geojson.feature(r, {**self.resource_extra(r), **dynamic})``: the public feature with the
        engine's properties, its static part built once per resource (the engine never changes)."""
        return self._features.feature(r, dynamic)

    def public_feature_json(self, r: Resource, dynamic: Mapping[str, Any]) -> bytes:
        """``orjson.dumps(self.public_feature(r, dynamic))``, its static part encoded once per resource."""
        return self._features.feature_json(r, dynamic)

    def public_features_json(self, pairs: Sequence[tuple[Resource, Mapping[str, Any]]]) -> bytes:
        """:meth:`public_feature_json` of each (resource, dynamic members) pair, joined by commas."""
        return self._features.features_json(pairs)

    def locate(self, lon: float, lat: float) -> Place:
        return self.locator.locate(lon, lat)

    def nearest(self, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> list[NearestResult]:
        """The ``query.k`` nearest resources to a WGS84 point, with the service areas that cover it.

        Filters combine (:class:`~geo_clsm.engine.nearest.NearestQuery`): ``types`` (type or
        service; CMP covers adult and child CMPs), ``age`` (audience includes it, or is unknown),
        ``open_at`` (open then, or hours unknown). With ``age``, the resources known to receive it
        come first (up to ``k``), then those kept only because their audience is unknown
        (``audience_known=False``) fill the list up to ``k``. Resources whose service area covers
        the point are added even beyond the ``k`` nearest, with ``serves_location=True``. Distances
        are metres in the zone's projected CRS; walking minutes are estimates (detour 1.3, 4.5 km/h).
        """
        return nearest(self.candidates, lon, lat, query)

    @cached_property
    def candidates(self) -> IndexCandidates:
        """The in-memory :class:`~geo_clsm.engine.candidates.CandidateSource` of :mod:`geo_clsm.engine.nearest`."""
        return IndexCandidates(self.index, self.areas)


class IndexCandidates:
    """:class:`~geo_clsm.engine.candidates.CandidateSource` on the in-memory index and service areas.

    A filter's static part is a tree built once per type set and a mask computed once per
    (audience, types, age); the per-candidate predicate runs only when languages or opening hours
    matter."""

    def __init__(self, index: ResourceIndex, areas: ServiceAreas) -> None:
        self.index = index
        self.areas = areas

    def nearest(self, lon: float, lat: float, *, k: int, where: CandidateFilter, limit_m: float) -> list[Hit]:
        index = self.index
        mask = None
        if where.age is not None:
            mask = (
                index.audience_mask(where.types, where.age)
                if where.audience == "any"
                else index.cached_mask(where.static_key, where.static)
            )
        return index.nearest(
            lon,
            lat,
            k=k,
            types=where.types,
            mask=mask,
            keep=where.keep
            if where.languages or where.local is not None or where.accepting
            else None,  # = where.dynamic
            max_distance_m=limit_m,
        )

    def covering(self, lon: float, lat: float) -> list[Resource]:
        return self.areas.covering(lon, lat)

    def distances(self, lon: float, lat: float, resources: Sequence[Resource]) -> list[Hit]:
        return self.index.distances(lon, lat, resources)


def _locator(catalog: Catalog, previous: Engine | None) -> Locator:
    if previous is not None and same_objects(previous.locator.built_from, catalog.place_parts()):
        return previous.locator
    return Locator(catalog)


def _sector_index(catalog: Catalog, previous: Engine | None) -> SectorIndex:
    """The previous engine's sectors when its sectors and places are the very same objects (an
    editor changed resources only), else built from ``catalog``."""
    if (
        previous is not None
        and previous.catalog.sectors is catalog.sectors
        and same_objects(previous.catalog.place_parts(), catalog.place_parts())
    ):
        return previous.sectors
    return SectorIndex(catalog)
