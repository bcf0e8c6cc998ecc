"""The query engine: catalog + spatial index + locator + service areas, built once.

The API holds one Engine; every request reads it and never rebuilds an index.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray

from geo_clsm.access import AccessResult, territory_indicators
from geo_clsm.catalog import Catalog, same_objects
from geo_clsm.crs import TIMEZONES, zone_of
from geo_clsm.geojson import FeatureCache
from geo_clsm.index import ResourceIndex
from geo_clsm.model import IMPLIED_AGES, PLACE_TYPES, PositionPrecision, Resource, ResourceType
from geo_clsm.nearby import NationalLines
from geo_clsm.places import Locator, Place
from geo_clsm.point_cells import PolygonCells
from geo_clsm.query import matches_audience, speaks
from geo_clsm.walk import walk_minutes

MAX_K = 50

_access_serials = itertools.count(1)
_serial_lock = threading.Lock()


def _next_serial() -> int:
    with _serial_lock:
        return next(_access_serials)


def default_indicators(catalog: Catalog) -> dict[str, AccessResult]:
    """Access indicators of every territory of ``catalog`` that has QPV (default parameters)."""
    return territory_indicators(catalog, types=PLACE_TYPES)


@dataclass(slots=True)
class NearestResult:
    """One answer of a nearest query (never changed once built: :func:`dataclasses.replace` makes
    a changed copy). Not ``frozen``: a frozen dataclass is slower to build (each field set through
    ``object.__setattr__``), and an /api/nearest answer builds several."""

    resource: Resource
    distance_m: float
    walk_minutes: float
    serves_location: bool | None
    open_status: str | None  # "open", "closed" (never returned), "unknown", or None without open_at
    audience_known: bool | None = None
    """With an age: True when the resource is known to receive it, False when it is kept only
    because its audience is unknown ("public non précisé", listed after the known ones)."""


class ServiceAreas:
    """Service-area polygons (EMPP, sectors): which resources serve a point."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._res = [r for r in resources if r.service_area_wkt]
        self._geoms = np.array([shapely.from_wkt(r.service_area_wkt) for r in self._res], dtype=object)
        shapely.prepare(self._geoms)
        self._cells = PolygonCells(self._geoms)
        self.ids = {r.id for r in self._res}

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
        """Tells apart the sets of indicators this process served (see :func:`geo_clsm.serving.data_version`)."""
        self.index = ResourceIndex(catalog.resources)
        self.locator = _locator(catalog, previous)
        self.areas = ServiceAreas(catalog.resources)
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
    def markers(self) -> list[list[object]]:
        """Compact public markers: [id, type, lon, lat, approx, age_min, age_max] (see /api/markers)."""
        out: list[list[object]] = []
        for r in self.catalog.resources:
            pos = r.public_position()
            if pos is None:
                continue
            lo, hi = r.audience.age_min, r.audience.age_max
            if lo is None and hi is None:
                lo, hi = IMPLIED_AGES.get(r.type, (None, None))
            approx = 1 if pos.precision is PositionPrecision.COMMUNE else 0
            out.append([r.id, r.type.value, round(pos.lon, 6), round(pos.lat, 6), approx, lo, hi])
        return out

    def resource_extra(self, r: Resource) -> dict[str, object]:
        """Properties the engine adds to a resource: the QPV it lies in (or None)."""
        return _qpv_extra(self.resource_qpv, r)

    def public_feature(self, r: Resource, dynamic: Mapping[str, Any]) -> dict[str, Any]:
        """``geojson.feature(r, {**self.resource_extra(r), **dynamic})``: the public feature with the
        engine's properties, its static part built once per resource (the engine never changes)."""
        return self._features.feature(r, dynamic)

    def locate(self, lon: float, lat: float) -> Place:
        return self.locator.locate(lon, lat)

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int = 5,
        types: Sequence[ResourceType] = (),
        age: int | None = None,
        max_distance_m: float | None = None,
        open_at: datetime | None = None,
        languages: Sequence[str] = (),
    ) -> list[NearestResult]:
        """The ``k`` nearest resources to a WGS84 point, with the service areas that cover it.

        Filters combine: ``types`` (type or service; CMP covers adult and child CMPs),
        ``age`` (audience includes it, or is unknown), ``open_at`` (open then, or hours
        unknown). With ``age``, the resources known to receive it come first (up to ``k``),
        then those kept only because their audience is unknown (``audience_known=False``)
        fill the list up to ``k``. Resources whose service area covers the point are added even beyond
        the ``k`` nearest, with ``serves_location=True``. Distances are metres in the
        zone's projected CRS; walking minutes are estimates (detour 1.3, 4.5 km/h).
        """
        local = _local_time(open_at, lon, lat) if open_at else None
        types = [ResourceType(t) for t in types]

        def keep(r: Resource) -> bool:
            if not matches_audience(r, types=types, age=age) or not speaks(r, languages):
                return False
            if local is not None:
                hours = r.hours
                if hours is not None and not hours.is_open(local):
                    return False
            return True

        if age is None:
            return self._nearest(
                lon,
                lat,
                k=k,
                keep=keep,
                max_distance_m=max_distance_m,
                local=local,
                types=types,
                filter_all=bool(languages),
            )
        # Known to receive this age first; those kept only because their audience is unknown after.
        known = self._nearest(
            lon,
            lat,
            k=k,
            keep=lambda r: keep(r) and r.accepts_age(age) is True,
            max_distance_m=max_distance_m,
            local=local,
            types=types,
            filter_all=bool(languages),
            mask=self.index.cached_mask(
                ("known", frozenset(types), age),
                lambda r: matches_audience(r, types=types, age=age) and r.accepts_age(age) is True,
            ),
        )
        if len(known) >= k:  # enough known (service areas included): the unknown ones would not be shown
            return [replace(r, audience_known=True) for r in known]
        unknown = self._nearest(
            lon,
            lat,
            k=k,
            keep=lambda r: keep(r) and r.accepts_age(age) is None,
            max_distance_m=max_distance_m,
            local=local,
            types=types,
            filter_all=bool(languages),
            mask=self.index.cached_mask(
                ("unknown", frozenset(types), age),
                lambda r: matches_audience(r, types=types, age=age) and r.accepts_age(age) is None,
            ),
        )
        return [replace(r, audience_known=True) for r in known] + [
            replace(r, audience_known=False) for r in unknown[: max(0, k - len(known))]
        ]

    def _nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int,
        keep: Callable[[Resource], bool],
        max_distance_m: float | None,
        local: datetime | None,
        types: Sequence[ResourceType] = (),
        mask: NDArray[np.bool_] | None = None,
        filter_all: bool = False,
    ) -> list[NearestResult]:
        # ``types`` and ``mask`` (arrays the index computes once per filter with the same predicates)
        # say what ``keep`` says about type and age; ``keep`` itself runs on candidates only when
        # hours matter.
        hits = self.index.nearest(
            lon,
            lat,
            k=k,
            types=types,
            mask=mask,
            keep=keep if local is not None or filter_all else None,
            max_distance_m=max_distance_m,
        )
        seen = {h.resource.id for h in hits}
        covering = [r for r in self.areas.covering(lon, lat) if keep(r)]
        covering_ids = {r.id for r in covering}
        extra = [r for r in covering if r.id not in seen]
        if extra:
            hits = sorted([*hits, *self.index.distances(lon, lat, extra)], key=lambda h: (h.distance_m, h.resource.id))
        out = []
        for h in hits:
            r = h.resource
            serves = (r.id in covering_ids) if r.id in self.areas.ids else None
            status = None
            if local is not None:
                status = "unknown" if r.hours is None else "open"
            out.append(NearestResult(r, h.distance_m, float(walk_minutes(h.distance_m)), serves, status))
        return out


def _locator(catalog: Catalog, previous: Engine | None) -> Locator:
    if previous is not None and same_objects(previous.locator.built_from, catalog.place_parts()):
        return previous.locator
    return Locator(catalog)


def _local_time(when: datetime, lon: float, lat: float) -> datetime:
    """Local wall-clock time at a point; a naive datetime is taken as local already."""
    if when.tzinfo is None:
        return when
    zone = zone_of(lon, lat)
    tz = ZoneInfo(TIMEZONES[zone[0]] if zone else "Europe/Paris")
    return when.astimezone(tz).replace(tzinfo=None)
