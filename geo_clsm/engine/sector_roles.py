"""The psychiatric sector in every nearest answer (issue 29 item 2): the one rule.

A located point belongs to (at most) one adult and one child-and-adolescent sector
(:mod:`geo_clsm.engine.sectors`); each sector names its referent places (CMP first). For each
result of a nearest answer:

- ``"referent"``: a referent of the point's sector **for the public the result serves**;
- ``"hors_secteur"``: a CMP-like place (:data:`CMP_LIKE`) that is a referent of another sector,
  while the point's sector for that public is known: it may send the person elsewhere;
- ``None``: anything else, and whenever the point's sector for that public is unknown.

The public a result serves (:func:`result_public`): CMPP and CMP enfants → ``enfants``,
CMP adultes → ``adultes``; else the ages it receives (stated, or implied by its type): all under
18 → ``enfants``, all 18 or over → ``adultes``; else the age the person gave; else the publics of
the sectors that name it a referent.

The policy (:mod:`geo_clsm.engine.nearest`) adds the point's referents that pass the query's
filters even beyond the ``k`` nearest and lists the CMP-like ones first whatever their distance
(:func:`sector_first`); where the sector is unknown (no sector data for the territory, a commune
split between sectors when the point stands for the whole commune, a point in no sector) the
answer says so (:data:`SECTOR_NOTES_FR`) and keeps the distance order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import CMP_FAMILY, ResourceType
from geo_clsm.model.sector import Sector, SectorPublic

if TYPE_CHECKING:
    from geo_clsm.engine.places import Place

SectorRole = Literal["referent", "hors_secteur"]
SectorStatus = Literal["known", "no_data", "split_commune", "no_sector"]
"""``known``: the point's sector is known for each public with sector data; ``no_data``: no sector data for the
point's territory; ``split_commune``: the point stands for a whole commune (located at commune
precision) that lies in several sectors; ``no_sector``: the point lies in no sector."""

CMP_LIKE: frozenset[ResourceType] = frozenset({*CMP_FAMILY, ResourceType.CATTP, ResourceType.HDJ, ResourceType.CMPP})
"""Places of sector psychiatry (and CMPP): a referent comes first, the others are « hors secteur »."""

PUBLICS: tuple[SectorPublic, ...] = ("adultes", "enfants")
ADULT_AGE = 18

SECTOR_NOTES_FR: dict[SectorStatus, str | None] = {
    "known": None,
    "no_data": "sectorisation non renseignée",
    "split_commune": "secteur inconnu pour cette adresse : la commune est partagée entre plusieurs secteurs,"
    " précisez l'adresse",
    "no_sector": "secteur inconnu pour cette adresse",
}
"""What the answer says of the point's sector (French msgids, translated by the pages)."""

ROLE_LABELS_FR = {
    "referent_cmp": "CMP de votre secteur",
    "referent": "lieu de votre secteur",
    "hors_secteur": "hors de votre secteur : appeler avant de vous déplacer",
}
"""The mark of a result (French msgids): see :func:`role_label`."""

APPROXIMATE_PRECISIONS = frozenset({"commune", "arrondissement", "qpv"})
"""Precisions at which a located point stands for its whole commune: its sectors are then those
covering the whole commune (``for_commune(...).whole``), never the sectors at the point itself."""


class SectorLookup(Protocol):
    """What :func:`point_sectors` reads of the engine's sector index (:class:`geo_clsm.engine.sectors.SectorIndex`)."""

    @property
    def has_data(self) -> bool: ...

    def for_territory(self, territory: str) -> tuple[Sector, ...]: ...

    def for_commune(self, *, insee_com: str) -> Any: ...


def public_of_age(age: int) -> SectorPublic:
    return "adultes" if age >= ADULT_AGE else "enfants"


def result_public(r: Resource, *, age: int | None = None) -> SectorPublic | None:
    """The sector public a result serves, from its type and audience (see the module docstring);
    ``age`` (the person's) when the resource does not say; None when unknown."""
    if r.type is ResourceType.CMPP or r.type is ResourceType.CMP_ENFANT:
        return "enfants"
    if r.type is ResourceType.CMP_ADULTE:
        return "adultes"
    ages = r.offer_ages(r.type)
    if ages is not None:
        lo, hi = ages
        if hi is not None and hi < ADULT_AGE:
            return "enfants"
        if lo is not None and lo >= ADULT_AGE:
            return "adultes"
    return None if age is None else public_of_age(age)


@dataclass(frozen=True, slots=True)
class PointSectors:
    """The sectors of a located point, and what the roles need: built once per answer by
    :func:`point_sectors` (``status`` known), read by the policy (:attr:`NearestQuery.sectors`)."""

    status: SectorStatus
    sectors: tuple[Sector, ...] = ()
    referents: tuple[Resource, ...] = ()
    """The referent places of :attr:`sectors` (the catalog's records), in the sectors' order."""
    referent_of: Mapping[str, frozenset[SectorPublic]] = field(default_factory=dict)
    """Every referent of every sector → the publics of the sectors naming it."""
    by_public: Mapping[SectorPublic, SectorStatus] = field(default_factory=dict)
    """For each public with sector data in the point's territory: whether its sector is known."""

    @property
    def note_fr(self) -> str | None:
        return SECTOR_NOTES_FR[self.status]

    def role(self, r: Resource, *, age: int | None = None) -> SectorRole | None:
        """The role of a result (module docstring), ``age`` the person's (or None)."""
        if not self.sectors:
            return None
        public = result_public(r, age=age)
        publics = (public,) if public is not None else tuple(self.referent_of.get(r.id, ()))
        mine = [s for s in self.sectors if s.public in publics]
        if any(r.id in s.referents for s in mine):
            return "referent"
        if mine and r.type in CMP_LIKE and r.id in self.referent_of:
            return "hors_secteur"
        return None

    def public_view(self) -> list[dict[str, Any]]:
        """``query.sectors`` of the answer: each sector's public view."""
        return [s.public_view() for s in self.sectors]


NO_SECTOR_DATA = PointSectors("no_data")


def role_label(r: Resource, role: SectorRole | None) -> str | None:
    """The French mark of a result: « CMP de votre secteur » for a referent of the CMP family,
    « lieu de votre secteur » for another referent, « hors de votre secteur : appeler avant de
    vous déplacer » for a CMP-like place of another sector."""
    if role is None:
        return None
    if role == "hors_secteur":
        return ROLE_LABELS_FR["hors_secteur"]
    return ROLE_LABELS_FR["referent_cmp" if r.type in CMP_FAMILY else "referent"]


def sector_first(results: Sequence[Any], *, is_first: Callable[[Any], bool]) -> list[Any]:
    """``results`` with those ``is_first`` keeps moved ahead, each part in its own order (stable)."""
    first = [x for x in results if is_first(x)]
    if not first:
        return list(results)
    return first + [x for x in results if not is_first(x)]


_REFERENT_OF: dict[int, tuple[tuple[Sector, ...], dict[str, frozenset[SectorPublic]]]] = {}


def referent_table(sectors: tuple[Sector, ...]) -> dict[str, frozenset[SectorPublic]]:
    """Resource id → the publics of the sectors naming it a referent, computed once per set of
    sectors (an engine's catalog: the same tuple for every request)."""
    hit = _REFERENT_OF.get(id(sectors))
    if hit is not None and hit[0] is sectors:
        return hit[1]
    table: dict[str, set[SectorPublic]] = {}
    for s in sectors:
        for rid in s.referents:
            table.setdefault(rid, set()).add(s.public)
    out = {rid: frozenset(p) for rid, p in table.items()}
    if len(_REFERENT_OF) > 8:  # a few engines live at once (a swap); older ones are dropped
        _REFERENT_OF.clear()
    _REFERENT_OF[id(sectors)] = (sectors, out)
    return out


def point_sectors(
    index: SectorLookup,
    every: tuple[Sector, ...],
    *,
    place: Place,
    precision: str,
    sectors_at: Callable[[], Iterable[Sector]],
    resources_by_id: Mapping[str, Resource],
) -> PointSectors:
    """The sectors of a located point: those at the point (``sectors_at``: the backend's
    ``ST_Covers`` or the in-memory index), or, when the point stands for its whole commune
    (:data:`APPROXIMATE_PRECISIONS`), the sector of each public holding the entire commune.
    ``every``: all the sectors (the catalog's), for « hors secteur ».

    Each public with sector data in the point's territory is known, split (the whole commune is
    not in one sector) or in none; ``status`` is ``known`` when all are known, else the first
    unknown one's (a split before none)."""
    if not index.has_data or not place.territory:
        return NO_SECTOR_DATA
    publics = [p for p in PUBLICS if any(s.public == p for s in index.for_territory(place.territory))]
    if not publics:
        return NO_SECTOR_DATA
    by_public: dict[SectorPublic, SectorStatus] = {}
    if precision in APPROXIMATE_PRECISIONS and place.insee_com:
        commune = index.for_commune(insee_com=place.insee_com)
        found = tuple(s for p in publics if (s := commune.whole.get(p)) is not None)
        for p in publics:
            touching = any(s.public == p for s in commune.sectors)
            by_public[p] = "known" if commune.whole.get(p) is not None else "split_commune" if touching else "no_sector"
    else:
        found = tuple(s for s in sectors_at() if s.public in publics)
        for p in publics:
            by_public[p] = "known" if any(s.public == p for s in found) else "no_sector"
    unknown = [st for st in by_public.values() if st != "known"]
    status: SectorStatus = "known" if not unknown else "split_commune" if "split_commune" in unknown else "no_sector"
    if not found:
        return PointSectors(status, by_public=by_public)
    ids = dict.fromkeys(rid for s in found for rid in s.referents)
    referents = tuple(r for rid in ids if (r := resources_by_id.get(rid)) is not None)
    return PointSectors(status, found, referents, referent_table(every), by_public)
