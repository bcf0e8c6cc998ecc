"""Query backends behind one interface: the in-memory engine (default) and PostGIS.

The API needs four things from a query engine; :class:`QueryBackend` names them:

- ``search``: the nearest resources to a WGS84 point with every filter (types, age, spoken
  languages, opening time, maximum distance), the near limit beyond which nothing is offered
  (with the national lines instead), and the resources whose service area covers the point;
- ``resources``: resources by bounding box (:class:`~geo_clsm.geo.area.Area`'s rule) and attribute
  filters, in catalog order;
- ``locate``: the territory, commune and QPV of a point;
- ``sectors_at``: the psychiatric sectors whose extent covers a point (boundary included, as
  ``ST_Covers``; :mod:`geo_clsm.engine.sector_roles` uses them);
- ``indicators``: the access indicators per territory (PostGIS: :mod:`geo_clsm.engine.postgis.access`
  measures the distances in SQL on the database's resources; the 2SFCA stays in Python).

:class:`MemoryBackend` wraps :class:`~geo_clsm.engine.core.Engine` (k-d trees in the zones' projected
CRSs). :class:`~geo_clsm.engine.postgis.backend.PostgisBackend` asks the database of record
(``GEO_CLSM_QUERY_BACKEND=postgis``). Both answer with the same records, ids in the same order
and distances in metres in the zone's projected CRS (the parity tests hold them to 0.1 %).
A backend is bound to one engine snapshot (its catalog: communes, QPV, the resource records);
:func:`backend_factory` gives one per engine, built once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearby import search
from geo_clsm.engine.nearest import ANY_NEAREST, NearestAnswer, NearestQuery
from geo_clsm.engine.places import Place
from geo_clsm.engine.query import filter_resources
from geo_clsm.geo.area import Area
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import Sector

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as SqlEngine

    from geo_clsm.access.params import AccessResult

BackendName = Literal["memory", "postgis"]
BACKENDS: tuple[BackendName, ...] = ("memory", "postgis")


class QueryBackend(Protocol):
    """What the API asks of a query engine (see the module docstring)."""

    engine: Engine

    def search(self, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> NearestAnswer:
        """Nearest resources within ``query.near_limit_m`` (and ``max_distance_m``), as :func:`geo_clsm.engine.nearby.search`."""
        ...

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
        """Resources matching every filter, in catalog order, as :func:`geo_clsm.engine.query.filter_resources`
        (``bbox``: an :class:`~geo_clsm.geo.area.Area`, or lon_min, lat_min, lon_max, lat_max in WGS84;
        selected by the Area's rule on the published position)."""
        ...

    def locate(self, lon: float, lat: float) -> Place:
        """The place of a WGS84 point; :class:`~geo_clsm.model.errors.OutsideTerritoryError` outside every territory."""
        ...

    def sectors_at(self, lon: float, lat: float) -> tuple[Sector, ...]:
        """The sectors whose extent covers a WGS84 point (boundary included), sorted by public then id."""
        ...

    def indicators(self) -> dict[str, AccessResult]:
        """Access indicators by territory id."""
        ...


class MemoryBackend:
    """The in-memory engine: k-d trees per projected CRS, STRtrees for communes, QPV and service areas."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def search(self, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> NearestAnswer:
        return search(self.engine, lon, lat, query)

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
        area = Area.of(bbox)
        every = self.engine.catalog.resources
        pool = every if area is None else [every[i] for i in self.engine.in_area(area)]
        return filter_resources(
            pool,
            types=types,
            age=age,
            territory=territory,
            insee_com=insee_com,
            text=text,
            known_audience_only=known_audience_only,
            languages=languages,
        )

    def locate(self, lon: float, lat: float) -> Place:
        return self.engine.locate(lon, lat)

    def sectors_at(self, lon: float, lat: float) -> tuple[Sector, ...]:
        return self.engine.sectors.at(lon=lon, lat=lat)

    def indicators(self) -> dict[str, AccessResult]:
        return self.engine.access


def backend_factory(
    name: BackendName, *, db: SqlEngine | None = None, warm_indicators: bool = True
) -> Callable[[Engine], QueryBackend]:
    """A function giving the backend of an engine snapshot, built once per engine.

    ``postgis`` needs ``db`` (the database of record, PostgreSQL + PostGIS at the latest
    schema); its layer tables are refreshed from the engine's catalog when they differ. With
    ``warm_indicators``, its access indicators are computed in a background thread as soon as
    the backend is built (each engine snapshot, i.e. each change to the data).
    """
    if name == "memory":
        return MemoryBackend
    if name != "postgis":
        raise ValueError(f"unknown query backend {name!r}: one of {', '.join(BACKENDS)}")
    if db is None or db.dialect.name != "postgresql":
        raise InvalidInputError(
            "GEO_CLSM_QUERY_BACKEND=postgis demande une base PostgreSQL + PostGIS : "
            "régler GEO_CLSM_DATABASE_URL=postgresql://…"
        )
    from geo_clsm.engine.postgis.backend import PostgisBackend

    pg: SqlEngine = db
    last: list[tuple[Engine, QueryBackend]] = []

    def make(engine: Engine) -> QueryBackend:
        if last and last[0][0] is engine:
            return last[0][1]
        backend = PostgisBackend(pg, engine)
        if warm_indicators:
            backend.warm()  # ready before a planner asks, in the background (a request meanwhile waits)
        last[:] = [(engine, backend)]  # one assignment: a concurrent reader sees the old or the new pair
        return backend

    return make
