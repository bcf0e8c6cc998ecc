"""The nearest policy, written once, over a :class:`~geo_clsm.engine.candidates.CandidateSource`.

The in-memory engine (:class:`geo_clsm.engine.core.IndexCandidates`) and PostGIS
(:class:`geo_clsm.engine.postgis.backend.PostgisCandidates`) only find candidates; this module decides:

- the filters (:class:`~geo_clsm.engine.candidates.CandidateFilter`: type or service, age, spoken
  languages, open at a local time);
- the audience order: with an age, the resources known to receive it first (up to ``k``), then
  those kept only because their audience is unknown (``audience_known=False``);
- the service areas: a resource whose area covers the point is added even beyond the ``k``
  nearest (``serves_location=True``);
- open status and walking minutes;
- the psychiatric sector (:mod:`geo_clsm.engine.sector_roles`): with the point's sectors known
  (``NearestQuery.sectors``), their referents that pass the filters are added even beyond the
  ``k`` nearest, each result gets its ``sector_role``, and the CMP-like referents come first;
- the near limit (:func:`search`): nothing farther is offered; each wanted type with nothing
  within it is "missing", and the national lines answering those needs are listed instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from geo_clsm.engine.candidates import CandidateFilter, CandidateSource, Hit
from geo_clsm.engine.index import MAX_RADIUS_M
from geo_clsm.engine.sector_roles import CMP_LIKE, PointSectors, SectorRole, sector_first
from geo_clsm.geo.crs import TIMEZONES
from geo_clsm.geo.walk import walk_minutes
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.hours import OVERSEAS_ZONES, open_state
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

NEAR_LIMIT_M = 50_000.0


@dataclass(slots=True)
class NearestQuery:
    """What a nearest query asks, built once where the request comes in (the /api/nearest
    parameters, /recherche, a batch, the command line) and passed as is to the backends and the
    policy (never changed once built; not ``frozen``: built for each request, and a frozen
    dataclass is slower to build).

    ``k`` results; ``types`` (type or service; CMP covers adult and child CMPs); ``age``
    (audience includes it, or is unknown); ``max_distance_m``; ``open_at`` (open then, or hours
    unknown; naive: local time at the point); ``languages`` (one of them spoken); ``accepting_new``
    (only places saying they accept new requests); ``near_limit_m``: nothing farther is offered by
    :func:`search` (:func:`nearest` does not read it); ``sectors``: the point's psychiatric sectors
    (:func:`geo_clsm.engine.sector_roles.point_sectors`, filled by
    :func:`geo_clsm.engine.answer.nearest_answer`), None or unknown: distance order, no role.
    """

    k: int = 5
    types: Sequence[ResourceType] = ()
    age: int | None = None
    max_distance_m: float | None = None
    open_at: datetime | None = None
    languages: Sequence[str] = ()
    near_limit_m: float = NEAR_LIMIT_M
    accepting_new: bool = False
    sectors: PointSectors | None = None


ANY_NEAREST = NearestQuery()
"""The 5 nearest resources, no filter (never changed: a default argument)."""


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
    sector_role: SectorRole | None = None
    """``"referent"``, ``"hors_secteur"`` or None (:mod:`geo_clsm.engine.sector_roles`)."""


@dataclass
class NearestAnswer:
    results: list[NearestResult]
    missing_types: list[ResourceType]
    lines: list[Resource]
    near_limit_m: float
    nothing_near: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # resource id -> distance in words
    other_ages: list[ResourceType] = field(default_factory=list)
    """Missing types that exist near the point, but not for the age asked (``age``)."""
    age: int | None = None

    def message_fr(self) -> str | None:
        km = f"{self.near_limit_m / 1000:.0f} km"
        if self.missing_types:
            sentences = []
            unknown = [t for t in self.missing_types if t not in self.other_ages]
            if unknown:
                sentences.append(
                    f"Pas {_listed_fr(unknown)} {_agreed_fr('connu', unknown)} près d'ici (à moins de {km})."
                )
            if self.other_ages:
                sentences.append(
                    f"Pas {_listed_fr(self.other_ages)} pour une personne de {self.age} ans près d'ici :"
                    " il en existe pour d'autres âges."
                )
            return " ".join(sentences) + " Lignes nationales joignables :"
        if self.nothing_near:
            return f"Pas de ressource connue près d'ici (à moins de {km}). Lignes nationales joignables :"
        return None


# The grammar of the types' French labels in the messages: feminine ones, plural ones.
_FEMININE_FR = frozenset(
    {ResourceType.URGENCES_PSY, ResourceType.MDA, ResourceType.EMPP, ResourceType.ASSOCIATION, ResourceType.AUTRE}
)
_PLURAL_FR = frozenset({ResourceType.URGENCES_PSY})


def _listed_fr(types: Sequence[ResourceType]) -> str:
    """« d'urgences psychiatriques », « de maison des adolescents ni de point d'écoute (PAEJ) »."""
    parts = []
    for t in types:
        label = t.label_fr
        if label[1:2].islower():  # a common noun, not an acronym (CMP, GEM)
            label = label[0].lower() + label[1:]
        parts.append(("d'" if label[:1] in "aeiouyéèêhAEIOUY" else "de ") + label)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " ni " + parts[-1]


def _agreed_fr(word: str, types: Sequence[ResourceType]) -> str:
    """A past participle (``connu``) agreed with the types listed: « connues », « connus »."""
    feminine = all(t in _FEMININE_FR for t in types)
    plural = len(types) > 1 or any(t in _PLURAL_FR for t in types)
    return word + ("e" if feminine else "") + ("s" if plural else "")


class Lines(Protocol):
    """The national lines (:class:`geo_clsm.engine.lines.NationalLines`)."""

    def answering(self, types: Sequence[ResourceType], *, age: int | None) -> list[Resource]: ...


def open_at_moment(when: datetime) -> datetime:
    """The moment of ``open_at`` as the hours are read: an aware datetime stays a moment, read on
    each place's own clocks (:func:`geo_clsm.model.hours.open_state` with the place's time zone); a
    naive datetime is taken as local time already.

    Raises
    ------
    InvalidInputError
        When the local time in a French time zone falls outside the years 1 to 9999 (``open_at`` at
        0001-01-01 with a positive offset, at 9999-12-31 with a negative one).
    """
    if when.tzinfo is None:
        return when
    try:
        for name in {*TIMEZONES.values(), *OVERSEAS_ZONES.values()}:  # every clock a place may read it on
            when.astimezone(ZoneInfo(name)).replace(tzinfo=None)
        return when
    except (OverflowError, ValueError):
        raise InvalidInputError(
            f"open_at : date hors des limites ({when.isoformat()}) ; écrire une date entre l'an 1 et l'an 9999,"
            " par exemple 2026-11-23T10:00:00+01:00"
        ) from None


_EVERYTHING = CandidateFilter()  # keeps every resource (never changed)


def nearest(source: CandidateSource, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> list[NearestResult]:
    """The ``query.k`` nearest resources to a WGS84 point, with the service areas that cover it (see
    :meth:`geo_clsm.engine.core.Engine.nearest`); ``query.near_limit_m`` is not read."""
    return _nearest(source, lon, lat, query, MAX_RADIUS_M if query.max_distance_m is None else query.max_distance_m)


def _nearest(
    source: CandidateSource, lon: float, lat: float, query: NearestQuery, limit_m: float
) -> list[NearestResult]:
    """:func:`nearest` within ``limit_m`` (instead of ``query.max_distance_m``)."""
    point = query.sectors
    if point is None or not point.sectors:  # sector unknown (or no data): distance order, no role
        return _unsectored(source, lon, lat, query, limit_m, None)
    results = _unsectored(source, lon, lat, query, limit_m, point)
    age = query.age
    roled = [replace(r, sector_role=point.role(r.resource, age=age)) for r in results]
    return sector_first(roled, is_first=lambda r: r.sector_role == "referent" and r.resource.type in CMP_LIKE)


def _unsectored(
    source: CandidateSource,
    lon: float,
    lat: float,
    query: NearestQuery,
    limit_m: float,
    point: PointSectors | None,
) -> list[NearestResult]:
    """:func:`_nearest` in distance order, before the roles (``point``: the point's known sectors,
    whose referents are added)."""
    k, types, age, languages, open_at = query.k, query.types, query.age, query.languages, query.open_at
    accepting = query.accepting_new
    if not (types or age is not None or languages or open_at or accepting):  # the common query: no filter
        return _ranked(source, lon, lat, k, _EVERYTHING, limit_m, point)
    local = open_at_moment(open_at) if open_at else None
    wanted = tuple(map(ResourceType, types)) if types else ()
    where = CandidateFilter(wanted, age, "any", tuple(languages) if languages else (), local, accepting)
    if age is None:
        return _ranked(source, lon, lat, k, where, limit_m, point)
    # Known to receive this age first; those kept only because their audience is unknown after.
    known = _ranked(
        source,
        lon,
        lat,
        k,
        CandidateFilter(where.types, age, "known", where.languages, local, accepting),
        limit_m,
        point,
    )
    if len(known) >= k:  # enough known (service areas included): the unknown ones would not be shown
        return [replace(r, audience_known=True) for r in known]
    unknown = _ranked(
        source,
        lon,
        lat,
        k,
        CandidateFilter(where.types, age, "unknown", where.languages, local, accepting),
        limit_m,
        point,
    )
    return [replace(r, audience_known=True) for r in known] + [
        replace(r, audience_known=False) for r in unknown[: max(0, k - len(known))]
    ]


def _ranked(
    source: CandidateSource,
    lon: float,
    lat: float,
    k: int,
    where: CandidateFilter,
    limit_m: float,
    point: PointSectors | None = None,
) -> list[NearestResult]:
    """The ``k`` nearest passing ``where``, those whose service area covers the point, and the
    point's sector referents (``point``) that pass ``where`` and serve the person's public."""
    hits: list[Hit] = source.nearest(lon, lat, k=k, where=where, limit_m=limit_m)
    seen = {h.resource.id for h in hits}
    covering = [r for r in source.covering(lon, lat) if where.keep(r)]
    covering_ids = {r.id for r in covering}
    extra = [r for r in covering if r.id not in seen]
    if point is not None:
        ids = seen | covering_ids
        extra += [
            r
            for r in point.referents
            if r.id not in ids and where.keep(r) and point.role(r, age=where.age) == "referent"
        ]
    if extra:
        hits = sorted([*hits, *source.distances(lon, lat, extra)], key=lambda h: (h.distance_m, h.resource.id))
    local = where.local
    out = []
    for h in hits:
        r = h.resource
        serves = (r.id in covering_ids) if r.service_area is not None else None
        status = None
        if local is not None:
            status = open_state(
                r.hours, local, zone=r.time_zone, notice=r.notice
            )  # "open" or "unknown": the filter kept it
        out.append(NearestResult(r, h.distance_m, float(walk_minutes(h.distance_m)), serves, status))
    return out


def search(
    source: CandidateSource, lines: Lines, lon: float, lat: float, query: NearestQuery = ANY_NEAREST
) -> NearestAnswer:
    """Nearest resources within ``query.near_limit_m`` (and ``query.max_distance_m``), with the
    national lines that answer the wanted needs nothing near answers."""
    near_limit_m, types, age = query.near_limit_m, query.types, query.age
    radius = near_limit_m if query.max_distance_m is None else min(query.max_distance_m, near_limit_m)
    results = _nearest(source, lon, lat, query, radius)
    missing = []
    other_ages = []
    for t in types:
        if any(r.resource.matches_type(t) for r in results):
            continue
        wanted = CandidateFilter((ResourceType(t),), age)
        if not source.nearest(lon, lat, k=1, where=wanted, limit_m=near_limit_m):
            missing.append(ResourceType(t))
            any_age = CandidateFilter((ResourceType(t),))
            if age is not None and source.nearest(lon, lat, k=1, where=any_age, limit_m=near_limit_m):
                other_ages.append(ResourceType(t))  # there is one, not for this age: the person is told so
    nothing = not results and not types
    answering = lines.answering(missing, age=age) if (missing or nothing) else []
    return NearestAnswer(
        results, missing, answering, near_limit_m, nothing_near=nothing, other_ages=other_ages, age=age
    )
