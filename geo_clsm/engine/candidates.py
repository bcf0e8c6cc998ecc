"""What a nearest query asks of a store of resources: candidates (the interface the in-memory
index and PostGIS both implement, and the candidate-growing loop they share).

:mod:`geo_clsm.engine.nearest` holds the policy (filters, audience order, service areas, near
limit, labels, national lines), written once; a :class:`CandidateSource` only finds resources:

- :meth:`CandidateSource.nearest`: the ``k`` nearest resources of a WGS84 point passing a
  :class:`CandidateFilter` within a distance, in metres in the zone's projected CRS, by
  (distance, catalog order). A source may pre-filter as it likes (type trees and masks in memory,
  SQL in PostGIS) but keeps exactly the resources :meth:`CandidateFilter.keep` keeps, and grows its
  candidate set with :func:`grow_nearest` until the ``k``-th is strictly nearer than anything not
  fetched.
- :meth:`CandidateSource.covering`: the resources whose service area covers the point;
  :meth:`CandidateSource.distances`: the distances to some resources (those placed in the zone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from geo_clsm.engine.query import matches_audience, speaks
from geo_clsm.model.hours import open_state
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

FIRST_K_EXTRA = 8  # candidates fetched beyond k, to resolve filters and ties in one pass

Audience = Literal["any", "known", "unknown"]
T = TypeVar("T")


@dataclass(slots=True)
class Hit:  # never changed once built (not frozen: built per candidate, a frozen one is slower to build)
    resource: Resource
    distance_m: float


@dataclass(slots=True)
class CandidateFilter:
    """Which resources a nearest query keeps (never changed once built; not ``frozen``: built
    for each query, and a frozen dataclass is slower to build).

    ``types`` and ``age`` as :func:`~geo_clsm.engine.query.matches_audience`; with ``age``, ``audience``
    keeps only the resources known to receive it (``"known"``) or only those whose audience is
    unknown (``"unknown"``); ``languages`` as :func:`~geo_clsm.engine.query.speaks`; ``local`` (a
    moment, aware: read on each place's own clocks; or a naive local time): open then, or hours
    unknown; ``accepting``: only the places that say they accept new requests (``accepts_new ==
    "oui"``: a place that said nothing is not kept).
    """

    types: tuple[ResourceType, ...] = ()
    age: int | None = None
    audience: Audience = "any"
    languages: tuple[str, ...] = ()
    local: datetime | None = None
    accepting: bool = False

    def static(self, r: Resource) -> bool:
        """The part of :meth:`keep` that depends on the resource only (types, age, audience): a
        source may compute it once per filter (:attr:`static_key`)."""
        if not matches_audience(r, types=self.types, age=self.age):
            return False
        if self.age is None or self.audience == "any":
            return True
        return r.accepts_age(self.age) is (True if self.audience == "known" else None)

    @property
    def static_key(self) -> tuple[str, frozenset[ResourceType], int | None]:
        """What :meth:`static` depends on."""
        return self.audience, frozenset(self.types), self.age

    @property
    def dynamic(self) -> bool:
        """Whether :meth:`keep` asks more than :meth:`static` (spoken languages, opening time)."""
        return bool(self.languages) or self.local is not None or self.accepting

    def keep(self, r: Resource) -> bool:
        if not self.static(r) or not speaks(r, self.languages):
            return False
        if self.accepting and r.accepts_new != "oui":
            return False
        local = self.local
        # Kept when open then, or when the hours are unknown (marked so): the one evaluation.
        return local is None or open_state(r.hours, local, zone=r.time_zone, notice=r.notice) != "closed"


class CandidateSource(Protocol):
    """Finds resources for :mod:`geo_clsm.engine.nearest` (see the module docstring)."""

    def nearest(self, lon: float, lat: float, *, k: int, where: CandidateFilter, limit_m: float) -> list[Hit]:
        """The ``k`` nearest resources passing ``where`` within ``limit_m``, by (distance, catalog order)."""
        ...

    def covering(self, lon: float, lat: float) -> list[Resource]:
        """The resources whose service area covers the point."""
        ...

    def distances(self, lon: float, lat: float, resources: Sequence[Resource]) -> list[Hit]:
        """Hits for those of ``resources`` placed in the point's zone."""
        ...


def grow_nearest(
    k: int, fetch: Callable[[int], tuple[list[tuple[float, T]], float, bool]], limit_m: float
) -> list[tuple[float, T]]:
    """The ``k`` nearest passing candidates, by growing the candidate set.

    ``fetch(kq)`` fetches the ``kq`` nearest candidates (any pre-filter applied) and returns those
    that pass the filter, sorted by (distance, tie-break), the distance of the farthest candidate
    fetched, and whether nothing more can be fetched. Done when ``k`` passed and the ``k``-th is
    strictly nearer than any candidate not fetched; otherwise ``kq`` is multiplied by four.
    """
    kq = k + FIRST_K_EXTRA
    while True:
        passing, farthest, exhausted = fetch(kq)
        if exhausted or (len(passing) >= k and passing[k - 1][0] < farthest):
            return [c for c in passing[:k] if c[0] <= limit_m]
        kq *= 4
