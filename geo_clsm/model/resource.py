"""The resource model: one definition used by importers, engine, API and map.

Positions are WGS84 longitude/latitude (EPSG:4326) at the edges only; metric work
re-projects them (see :mod:`geo_clsm.geo.crs`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo_clsm.model import clock
from geo_clsm.model.codes import Email, FinessNumber, InseeCode, Postcode, RecordId, Website
from geo_clsm.model.freshness import AcceptsNew, ConfirmPolicy, VerifiedBy, public_freshness
from geo_clsm.model.freshness import provenance_fr as freshness_words
from geo_clsm.model.hours import OpeningHours, parse_opening_hours, time_zone
from geo_clsm.model.hours_words import in_words
from geo_clsm.model.notice import Notice
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource_types import (
    CMP_FAMILY,
    HOLIDAY_RULES,
    IMPLIED_AGES,
    TYPE_BY_CODE,
    ResourceType,
    ages_overlap,
)
from geo_clsm.model.sector import Extent


class Audience(BaseModel):
    """Who a resource is for: an age range (inclusive, years) and/or named groups."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)
    groups: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Audience:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("âge minimum supérieur à l'âge maximum : inverser les deux valeurs")
        return self

    def includes_age(self, age: int) -> bool | None:
        """True/False when an age range is known, None when it is not."""
        if self.age_min is None and self.age_max is None:
            return None
        lo = 0 if self.age_min is None else self.age_min
        hi = 200 if self.age_max is None else self.age_max
        return lo <= age <= hi


class Resource(BaseModel):
    """A mental-health resource.

    ``position`` is the true position, for internal metric work. What the public sees
    is :meth:`public_position`: a resource with ``confidential_address`` shows only its
    commune (the town-hall point) and no street address.
    """

    model_config = ConfigDict(extra="forbid")

    id: RecordId
    type: ResourceType
    services: tuple[str, ...] = ()
    name: str = Field(min_length=1)
    street: str | None = None
    postcode: Postcode | None = None
    commune: str | None = None
    insee_com: InseeCode | None = None
    phone: str | None = None
    email: Email | None = None
    website: Website | None = None
    audience: Audience = Audience()
    opening_hours: str | None = None
    languages: tuple[str, ...] = ()
    wheelchair: bool | None = None
    appointment_required: bool | None = None
    free_of_charge: bool | None = None
    capacity: float | None = Field(default=None, gt=0)
    position: Position | None = None
    commune_position: Position | None = None
    service_area: Extent | None = None
    """Where the team intervenes (EMPP, mobile teams): communes, QPV and/or a polygon, the same
    :class:`~geo_clsm.model.sector.Extent` as a psychiatric sector's (the free-text ``sector``
    field is retired: sectors are data of their own, :mod:`geo_clsm.model.sector`)."""
    confidential_address: bool = False
    finess_et: FinessNumber | None = None
    territory: str | None = None
    source: str = Field(min_length=1)
    last_verified: date
    source_date: date | None = None
    notes: str | None = None
    """Internal notes (curation remarks, doubts, sources' quirks): never published."""
    public_info: str | None = None
    """Information for the public (in French), shown by the map, API, exports and guide."""
    display_name: str | None = None
    """Readable French name for display (FINESS capitals and abbreviations expanded); ``name`` stays raw."""
    display_street: str | None = None
    verified_by_person: bool = False
    """True only when a person of the CLSM checked the record (by calling, visiting): ``verified_by`` is
    then ``"clsm"`` (kept in step by the model) and ``last_verified`` that day."""
    to_verify: bool = False
    """The source says the record must be checked before it is relied upon ("à vérifier")."""
    verified_by: VerifiedBy | None = None
    """Who confirmed the record on ``last_verified``: the place itself (``"structure"``, through a
    campaign) or the CLSM's team (``"clsm"``); None when nobody did (transcribed from a source)."""
    wait_days: int | None = Field(default=None, ge=0, le=3650)
    """Typical days to a first appointment, as the place stated it on ``wait_stated_on``; never guessed."""
    wait_stated_on: date | None = None
    accepts_new: AcceptsNew | None = None
    """Whether the place takes new requests: ``oui``, ``non``, ``liste_attente``; None when unknown."""
    notice: Notice | None = None
    """A dated notice (closure, no new patients …), shown while it runs (:mod:`geo_clsm.model.notice`)."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_service_area(cls, data: Any) -> Any:
        """``service_area_wkt`` (a WGS84 polygon, the only zone before issue 29) is read as the
        polygon of :attr:`service_area`."""
        if isinstance(data, dict) and "service_area_wkt" in data:
            data = dict(data)
            wkt = data.pop("service_area_wkt")
            if wkt and data.get("service_area") is None:
                data["service_area"] = Extent(polygon_wkt=wkt)
        return data

    @property
    def service_area_wkt(self) -> str | None:
        """The drawn polygon of the intervention zone (WKT, WGS84), if any."""
        return self.service_area.polygon_wkt if self.service_area is not None else None

    @field_validator("opening_hours")
    @classmethod
    def _check_hours(cls, v: str | None) -> str | None:
        if v is not None:
            parse_opening_hours(v)
        return v

    @model_validator(mode="after")
    def _check_confidential(self) -> Resource:
        if self.confidential_address and self.position is not None and self.commune_position is None:
            raise ValueError("adresse confidentielle : fournir la commune (insee_com) pour une position publique")
        if self.wait_days is not None and self.wait_stated_on is None:
            raise ValueError("délai d'attente sans date : indiquer le jour où il a été donné (wait_stated_on)")
        # verified_by_person (older records) and verified_by = "clsm" say the same thing.
        if self.verified_by_person and self.verified_by is None:
            self.verified_by = "clsm"
        self.verified_by_person = self.verified_by == "clsm"
        return self

    @property
    def hours(self) -> OpeningHours | None:
        """The hours, public holidays by the type's rule (:data:`HOLIDAY_RULES`); None when unknown."""
        return parse_opening_hours(self.opening_hours, HOLIDAY_RULES[self.type]) if self.opening_hours else None

    @property
    def time_zone(self) -> ZoneInfo:
        """The place's time zone (its hours are in its local time): from its commune's department."""
        return time_zone(self.insee_com or self.postcode)

    def accepts_age(self, age: int, *, offer: ResourceType | None = None) -> bool | None:
        """Whether the resource (or one of its offers) receives a person of ``age``; None when unknown.

        The audience's own range wins; without one, the type implies it: CMP adultes 18+,
        CMP enfants et adolescents 0-17, maison des adolescents 11-25.
        """
        ages = self.offer_ages(offer or self.type)
        return None if ages is None else ages_overlap(ages, (age, age))

    def public_position(self) -> Position | None:
        """The position shown to the public (commune-level for a confidential address)."""
        if self.confidential_address:
            return self.commune_position
        return self.position

    def matches_type(self, wanted: ResourceType | str, *, known_audience_only: bool = False) -> bool:
        """Whether a type filter keeps this resource: by its type or a service it offers.

        The one audience rule: for a type that implies ages (``CMP_ADULTE`` 18+,
        ``CMP_ENFANT`` 0-17, ``MDA`` 11-25), an offer of the family counts when its audience
        overlaps those ages **or is unknown** (a ``CMP`` of unstated public, a day hospital
        offering a CMP). ``known_audience_only`` drops the unknown ones.
        The offer's audience is the resource's stated age range, else the ages its own
        type implies (a ``CMP_ENFANT`` is 0-17), else unknown.
        """
        return bool(self.matching_offers(wanted, known_audience_only=known_audience_only))

    def matching_offers(
        self, wanted: ResourceType | str, *, known_audience_only: bool = False
    ) -> tuple[ResourceType, ...]:
        """The resource's offers (its type, then its services) that a filter on ``wanted`` keeps."""
        wanted = wanted if isinstance(wanted, ResourceType) else ResourceType(wanted)
        if wanted not in CMP_FAMILY and wanted not in IMPLIED_AGES:  # plain types: by type or service
            return tuple(o for o in (self.type, *self.service_types) if o == wanted)
        want_ages = IMPLIED_AGES.get(wanted)
        out = []
        for offer in (self.type, *self.service_types):
            if not wanted.covers(offer):
                continue
            ages = None if want_ages is None else self.offer_ages(offer)
            unknown_ok = ages is None and not known_audience_only
            if want_ages is None or unknown_ok or (ages is not None and ages_overlap(ages, want_ages)):
                out.append(offer)
        return tuple(out)

    def offer_ages(self, offer: ResourceType) -> tuple[int | None, int | None] | None:
        """Age range of one of the resource's offers: stated, else implied by the offer's type; None if unknown."""
        if self.audience.age_min is not None or self.audience.age_max is not None:
            return (self.audience.age_min, self.audience.age_max)
        return IMPLIED_AGES.get(offer)

    @property
    def service_types(self) -> tuple[ResourceType, ...]:
        return tuple(TYPE_BY_CODE[s] for s in self.services if s in TYPE_BY_CODE)

    def public_properties(self, *, today: date | None = None, policy: ConfirmPolicy | None = None) -> dict[str, Any]:
        """Properties safe to publish (GeoJSON feature properties, CSV rows, documents).

        Never the internal ``notes`` nor a confidential street: every public output goes
        through this view. Its dated members (a notice running, a wait older than three months, a
        record to confirm) are those of ``today`` (:func:`geo_clsm.model.clock.today` by default).
        """
        pos = self.public_position()
        hours = self.hours
        return {
            "id": self.id,
            "type": self.type.value,
            "type_label": self.type.label_fr,
            "services": list(self.services),
            "name": self.name,
            "street": None if self.confidential_address else self.street,
            "postcode": self.postcode,
            "commune": self.commune,
            "insee_com": self.insee_com,
            "phone": self.phone,
            "email": self.email,
            "website": self.website,
            "audience": {
                "age_min": self.audience.age_min,
                "age_max": self.audience.age_max,
                "groups": list(self.audience.groups),
            },
            "opening_hours": self.opening_hours,
            "opening_hours_fr": in_words(hours)["fr"] if hours else None,
            "opening_hours_words": dict(in_words(hours)) if hours else None,  # {lang: words}: the page's language
            "languages": list(self.languages),
            "wheelchair": self.wheelchair,
            "appointment_required": self.appointment_required,
            "free_of_charge": self.free_of_charge,
            "capacity": self.capacity,
            "position_precision": (pos.precision if pos else PositionPrecision.NONE).value,
            "position_source": pos.source if pos else None,
            "confidential_address": self.confidential_address,
            "has_service_area": self.service_area is not None,
            "finess_et": self.finess_et,
            "territory": self.territory,
            "source": self.source,
            "last_verified": self.last_verified.isoformat(),
            "source_date": self.source_date.isoformat() if self.source_date else None,
            "public_info": self.public_info,
            "display_name": self.display_name or self.name,
            "display_street": None if self.confidential_address else (self.display_street or self.street),
            "verified_by_person": self.verified_by_person,
            "to_verify": self.to_verify,
            "provenance_fr": self.provenance_fr(),
            **public_freshness(self, today or clock.today(), policy),
        }

    def provenance_fr(self) -> str:
        """Who confirmed the record and when, else its source (:func:`geo_clsm.model.freshness.provenance_fr`)."""
        return freshness_words(self)
