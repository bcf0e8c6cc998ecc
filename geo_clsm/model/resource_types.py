"""The kinds of mental-health resources: their stable codes, French labels, what hours mean on a
public holiday for each, which are phone lines rather than places, and the ages a type implies."""

from __future__ import annotations

from enum import StrEnum

from geo_clsm.model.hours import HolidayRule


class ResourceType(StrEnum):
    """Kinds of mental-health resources. Codes are stable identifiers."""

    CMP_ADULTE = "CMP_ADULTE"
    CMP_ENFANT = "CMP_ENFANT"
    CMP = "CMP"  # CMP whose public (adults / children) is not stated by any source
    CATTP = "CATTP"
    HDJ = "HDJ"
    CMPP = "CMPP"
    GEM = "GEM"
    MDA = "MDA"
    EMPP = "EMPP"
    PAEJ = "PAEJ"
    CSAPA = "CSAPA"
    URGENCES_PSY = "URGENCES_PSY"
    HOPITAL_PSY = "HOPITAL_PSY"
    ASSOCIATION = "ASSOCIATION"
    AUTRE = "AUTRE"
    LIGNE_ECOUTE = "LIGNE_ECOUTE"  # national phone line: no position, never a map marker
    URGENCE = "URGENCE"  # national emergency number (114): no position

    @property
    def label_fr(self) -> str:
        return TYPE_LABELS_FR[self]

    def covers(self, other: ResourceType) -> bool:
        """Whether a filter on ``self`` may keep an offer of type ``other``, before the audience test.

        The CMP family (``CMP``, ``CMP_ADULTE``, ``CMP_ENFANT``) covers itself: a CMP whose
        public is not stated may receive adults or children; :meth:`geo_clsm.model.resource.Resource.matches_type`
        then compares audiences (the type's :data:`IMPLIED_AGES` against the offer's).
        """
        return other == self or (self in CMP_FAMILY and other in CMP_FAMILY)


CMP_FAMILY = frozenset({ResourceType.CMP, ResourceType.CMP_ADULTE, ResourceType.CMP_ENFANT})
TYPE_BY_CODE: dict[str, ResourceType] = {t.value: t for t in ResourceType}

TYPE_LABELS_FR: dict[ResourceType, str] = {
    ResourceType.CMP_ADULTE: "CMP adultes",
    ResourceType.CMP_ENFANT: "CMP enfants et adolescents",
    ResourceType.CMP: "CMP (public non précisé)",
    ResourceType.CATTP: "CATTP",
    ResourceType.HDJ: "Hôpital de jour",
    ResourceType.CMPP: "CMPP",
    ResourceType.GEM: "GEM (groupe d'entraide mutuelle)",
    ResourceType.MDA: "Maison des adolescents",
    ResourceType.EMPP: "Équipe mobile psychiatrie-précarité",
    ResourceType.PAEJ: "Point d'écoute (PAEJ)",
    ResourceType.CSAPA: "CSAPA (addictions)",
    ResourceType.URGENCES_PSY: "Urgences psychiatriques",
    ResourceType.HOPITAL_PSY: "Hôpital psychiatrique",
    ResourceType.ASSOCIATION: "Association",
    ResourceType.AUTRE: "Autre ressource",
    ResourceType.LIGNE_ECOUTE: "Ligne d'écoute nationale (téléphone)",
    ResourceType.URGENCE: "Numéro d'urgence national",
}

HOLIDAY_RULES: dict[ResourceType, HolidayRule] = {
    # Consultations and day care of the public psychiatric sector: weekdays, closed on public holidays.
    ResourceType.CMP_ADULTE: HolidayRule.CLOSED,
    ResourceType.CMP_ENFANT: HolidayRule.CLOSED,
    ResourceType.CMP: HolidayRule.CLOSED,
    ResourceType.CATTP: HolidayRule.CLOSED,
    ResourceType.HDJ: HolidayRule.CLOSED,
    ResourceType.CMPP: HolidayRule.CLOSED,
    # Associations and services with staff on weekday hours: closed on public holidays.
    ResourceType.GEM: HolidayRule.CLOSED,
    ResourceType.MDA: HolidayRule.CLOSED,
    ResourceType.EMPP: HolidayRule.CLOSED,
    ResourceType.PAEJ: HolidayRule.CLOSED,
    ResourceType.CSAPA: HolidayRule.CLOSED,
    ResourceType.ASSOCIATION: HolidayRule.CLOSED,
    ResourceType.AUTRE: HolidayRule.CLOSED,
    # Hospitals and emergencies run every day of the year: their hours hold on public holidays.
    ResourceType.URGENCES_PSY: HolidayRule.AS_WEEKDAY,
    ResourceType.HOPITAL_PSY: HolidayRule.AS_WEEKDAY,
    # National lines: a line open « Mo-Su » answers on public holidays too.
    ResourceType.LIGNE_ECOUTE: HolidayRule.AS_WEEKDAY,
    ResourceType.URGENCE: HolidayRule.AS_WEEKDAY,
}
"""What hours without a ``PH`` rule mean on a French public holiday, per type (docs/hours.md)."""

# Types that are phone lines, not places: listed, never placed on the map or in distance searches.
LINE_TYPES = frozenset({ResourceType.LIGNE_ECOUTE, ResourceType.URGENCE})
PLACE_TYPES = tuple(t for t in ResourceType if t not in LINE_TYPES)
"""Types of places (those with a position, measured by the access indicators)."""

IMPLIED_AGES: dict[ResourceType, tuple[int | None, int | None]] = {
    ResourceType.CMP_ADULTE: (18, None),
    ResourceType.CMP_ENFANT: (0, 17),
    ResourceType.MDA: (11, 25),
    ResourceType.URGENCES_PSY: (0, None),  # an emergency service receives everyone
}
"""Ages a type implies (inclusive years; None = open end). A filter on one of these types
keeps offers whose audience overlaps the range, or whose audience is unknown."""


def ages_overlap(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    """Whether two age ranges (inclusive years; None = open end) share an age."""
    lo = max(0 if a[0] is None else a[0], 0 if b[0] is None else b[0])
    hi = min(200 if a[1] is None else a[1], 200 if b[1] is None else b[1])
    return lo <= hi
