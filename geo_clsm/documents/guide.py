"""The territory's mental-health guide, assembled from the live directory.

Only public data reaches the guide: every entry is built from
:meth:`Resource.public_properties` (no internal notes, no confidential street) and
placed at :meth:`Resource.public_position`. Rendering (HTML, PDF) is in
:mod:`geo_clsm.documents.render`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.content import (
    SITUATIONS,
    TYPE_EXPLANATIONS_FR,
    TYPE_ORDER,
    YOUTH_FIRST,
    ages_fr,
    date_fr,
    yes_no_fr,
)
from geo_clsm.documents.guide_sectors import YourSector, referent_marks, sector_numbers, your_sector
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType

GuideAudience = Literal["tous", "jeunes", "professionnels"]
AUDIENCES: tuple[str, ...] = get_args(GuideAudience)
AUDIENCE_LABELS_FR = {
    "tous": "tout public",
    "jeunes": "jeunes de 11 à 25 ans et leurs proches",
    "professionnels": "professionnels",
}
YOUTH_AGES = range(11, 26)
NO_COMMUNE_FR = "Commune non précisée"
BY_PHONE_FR = "Par téléphone, partout en France"
TO_CONFIRM_FR = "À confirmer auprès du lieu"
LAYER_KINDS_FR = {
    "qpv": "Quartiers prioritaires de la politique de la ville (ANCT)",
    "communes": "Contours et populations des communes (INSEE, IGN)",
    "mairies": "Adresses des mairies (annuaire de service-public.fr)",
    "resources": "Annuaire des lieux de santé mentale (registre du territoire établi à partir de sources publiques, FINESS)",
    "population": "Population carroyée (INSEE)",
}


@dataclass(frozen=True, slots=True)
class GuideEntry:
    """One resource as printed: its number (the same on the map) and its public facts in French."""

    number: int
    id: str
    type: str
    name: str
    address: str
    commune: str
    phone: str | None
    facts: tuple[tuple[str, str], ...]
    on_map: bool
    approximate: bool
    is_line: bool
    lon: float | None = None
    lat: float | None = None
    to_confirm: str | None = None  # what is not known, named once: « téléphone, horaires, coût »
    referent_of: tuple[str, ...] = ()  # the sectors it is a referent of: « Secteur adultes … (57G03) »


@dataclass(frozen=True, slots=True)
class CommuneGroup:
    commune: str
    entries: tuple[GuideEntry, ...]


@dataclass(frozen=True, slots=True)
class TypeSection:
    type: str
    anchor: str
    label: str
    explanation: str
    communes: tuple[CommuneGroup, ...]


@dataclass(frozen=True, slots=True)
class Situation:
    title: str
    advice: str
    sections: tuple[TypeSection, ...]  # the guide's sections answering it, in order


@dataclass(frozen=True)
class Guide:
    """Everything the templates need; plain data, public only."""

    territory_id: str
    territory_name: str
    audience: str
    audience_label: str
    generated_on: date
    generated_on_fr: str
    sections: tuple[TypeSection, ...]
    situations: tuple[Situation, ...]
    entries: tuple[GuideEntry, ...]
    sources: tuple[dict[str, str], ...]
    verified_fr: str | None  # when the records a person checked were checked
    verified_count: int
    online_map_url: str | None = None
    contact: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    your_sector: YourSector | None = None  # « Votre secteur »: each commune's sectors and referents


def is_for_youth(r: Resource) -> bool:
    """Whether the ``jeunes`` guide keeps ``r``: it receives some age from 11 to 25, and is not
    a service for adults in general (from 18 with no youth upper bound)."""
    if all(r.accepts_age(a) is False for a in YOUTH_AGES):
        return False
    adults_only = r.accepts_age(17) is False and r.accepts_age(26) is True
    return not adults_only


def select_resources(resources: Iterable[Resource], *, territory: str, audience: str) -> list[Resource]:
    """The territory's resources and the national lines, for an audience (``jeunes`` keeps
    those for 11-25 year olds)."""
    kept = [r for r in resources if r.territory == territory or r.type in LINE_TYPES]
    return [r for r in kept if is_for_youth(r)] if audience == "jeunes" else kept


def type_order(audience: str) -> tuple[ResourceType, ...]:
    """Section order: youth resources (MDA, PAEJ, child CMP) first for ``jeunes``."""
    order = TYPE_ORDER if audience != "jeunes" else (*YOUTH_FIRST, *(t for t in TYPE_ORDER if t not in YOUTH_FIRST))
    return (*order, *(t for t in ResourceType if t not in order))  # a type added later is still listed


def build_guide(
    catalog: Catalog,
    *,
    territory: str,
    audience: str = "tous",
    generated_on: date,
    online_map_url: str | None = None,
    contact: str | None = None,
    sectors: SectorIndex | None = None,
) -> Guide:
    """Assemble the guide of a pilot ``territory`` for an ``audience``; ``sectors``: the engine's
    sector index (default: built from ``catalog``), for « Votre secteur » and the referents' marks.

    Raises ``NotFoundError`` for an unknown or non-pilot territory and
    ``InvalidInputError`` for an unknown audience (French messages).
    """
    pilots = sorted(t.id for t in catalog.territories.values() if t.kind == "pilot")
    if territory not in pilots:
        raise NotFoundError(
            f"territoire « {territory} » sans guide : seuls les territoires pilotes en ont un "
            f"({', '.join(pilots) or 'aucun chargé'})"
        )
    if audience not in AUDIENCES:
        raise InvalidInputError(f"public « {audience} » inconnu : choisir parmi {', '.join(AUDIENCES)}")
    chosen = select_resources(catalog.resources, territory=territory, audience=audience)
    index = sectors if sectors is not None else SectorIndex(catalog)
    marks = referent_marks(index, territory=territory)
    by_type: dict[ResourceType, list[Resource]] = {}
    for r in chosen:
        by_type.setdefault(r.type, []).append(r)
    sections: list[TypeSection] = []
    entries: list[GuideEntry] = []
    for rtype in type_order(audience):
        if rtype not in by_type:
            continue
        groups = []
        for commune, members in _by_commune(by_type[rtype]):
            group = [
                _entry(
                    r,
                    number=len(entries) + i + 1,
                    pro=audience == "professionnels",
                    today=generated_on,
                    referent_of=marks.get(r.id, ()),
                )
                for i, r in enumerate(members)
            ]
            entries.extend(group)
            groups.append(CommuneGroup(commune, tuple(group)))
        sections.append(
            TypeSection(
                rtype.value, f"type-{rtype.value}", rtype.label_fr, TYPE_EXPLANATIONS_FR.get(rtype, ""), tuple(groups)
            )
        )
    by_code = {s.type: s for s in sections}
    situations = tuple(
        Situation(s.title, s.advice, tuple(by_code[t.value] for t in s.types if t.value in by_code)) for s in SITUATIONS
    )
    verified = [r.last_verified for r in chosen if r.verified_by is not None]  # confirmed by the place or the CLSM
    return Guide(
        territory_id=territory,
        territory_name=catalog.territories[territory].name,
        audience=audience,
        audience_label=AUDIENCE_LABELS_FR[audience],
        generated_on=generated_on,
        generated_on_fr=date_fr(generated_on),
        sections=tuple(sections),
        situations=situations,
        entries=tuple(entries),
        sources=tuple(_sources(catalog, territory)),
        verified_fr=_verified_fr(verified),
        verified_count=len(verified),
        online_map_url=online_map_url,
        contact=contact,
        your_sector=your_sector(
            catalog,
            index,
            territory=territory,
            numbers=sector_numbers([(e.id, e.number) for e in entries]),
            audience=audience,
        ),
    )


def _by_commune(resources: Sequence[Resource]) -> list[tuple[str, list[Resource]]]:
    groups: dict[str, list[Resource]] = {}
    for r in resources:
        groups.setdefault(BY_PHONE_FR if r.type in LINE_TYPES else (r.commune or NO_COMMUNE_FR), []).append(r)
    order = sorted(groups, key=lambda c: (c == NO_COMMUNE_FR, c))
    return [(c, sorted(groups[c], key=lambda r: r.name)) for c in order]


def _entry(r: Resource, *, number: int, pro: bool, today: date, referent_of: tuple[str, ...] = ()) -> GuideEntry:
    """A printed entry from the resource's public view only, as it is on ``today`` (the guide's date:
    a notice running then is printed)."""
    p = r.public_properties(today=today)
    pos = r.public_position()
    commune = p["commune"] or NO_COMMUNE_FR
    if r.type in LINE_TYPES:
        address = BY_PHONE_FR
        commune = BY_PHONE_FR
    elif p["confidential_address"]:
        address = f"Adresse non publiée (lieu discret) — {commune}"
    elif p["display_street"]:
        address = ", ".join(filter(None, (p["display_street"], " ".join(filter(None, (p["postcode"], p["commune"]))))))
    else:
        address = f"{commune} (adresse précise non connue)" if p["commune"] else "Adresse non connue"
    aud = p["audience"]
    public = " — ".join(filter(None, (ages_fr(aud["age_min"], aud["age_max"]), ", ".join(aud["groups"]))))
    # A fact is printed only when it is known; what is not known is named once, on one line
    # (« À confirmer auprès du lieu : horaires, coût »), never as a « non précisé » line each.
    known: list[tuple[str, str | None]] = [
        ("Horaires", p.get("opening_hours_fr") or None),
        ("Public", public or None),
        ("Rendez-vous", _yes_no(p["appointment_required"], yes="sur rendez-vous", no="sans rendez-vous")),
        ("Coût", _yes_no(p["free_of_charge"], yes="gratuit", no="payant")),
        (
            "Accessibilité",
            _yes_no(p["wheelchair"], yes="accessible en fauteuil roulant", no="non accessible en fauteuil roulant"),
        ),
    ]
    facts: list[tuple[str, str]] = [(label, value) for label, value in known if value]
    if p["notice"]:
        n = p["notice"]
        when = f"du {date_fr(date.fromisoformat(n['start']))} au {date_fr(date.fromisoformat(n['end']))}"
        facts.insert(0, ("Avis", f"{n['text']} ({when})"))
    if pro and p["accepts_new_fr"]:
        facts.append(("Nouvelles demandes", p["accepts_new_fr"]))
    if pro and p["wait_fr"]:
        facts.append(("Délai", p["wait_fr"]))  # as the place stated it, with its day; never estimated
    if p["website"]:
        facts.append(("Site", p["website"]))
    if p["email"]:
        facts.append(("Courriel", p["email"]))
    if p["public_info"]:
        facts.append(("À savoir", p["public_info"]))
    if pro and p["finess_et"]:
        facts.append(("FINESS", p["finess_et"]))
    unknown = [label.lower() for label, value in known if not value]
    if r.type not in LINE_TYPES and not p["phone"]:
        unknown.insert(0, "téléphone")
    # Who confirmed it and when, or its source; past the territory's threshold: to confirm by phone.
    facts.append(("Information", p["provenance_fr"] + (" — à confirmer par téléphone" if p["to_confirm"] else "")))
    return GuideEntry(
        number=number,
        id=p["id"],
        type=p["type"],
        name=p["display_name"],
        address=address,
        commune=commune,
        phone=p["phone"],
        facts=tuple(facts),
        on_map=pos is not None,
        is_line=r.type in LINE_TYPES,
        approximate=pos is not None and pos.precision is PositionPrecision.COMMUNE,
        lon=pos.lon if pos else None,
        lat=pos.lat if pos else None,
        to_confirm=", ".join(unknown) or None,
        referent_of=referent_of,
    )


def _yes_no(value: bool | None, *, yes: str, no: str) -> str | None:
    """``yes`` or ``no``; None when not known (the entry then says to confirm it with the place)."""
    return None if value is None else yes_no_fr(value, yes=yes, no=no, unknown="")


def _sources(catalog: Catalog, territory: str) -> list[dict[str, str]]:
    out = []
    for lid in catalog.territories[territory].layers:
        lay = catalog.layers.get(lid)
        if lay is not None:
            label = LAYER_KINDS_FR.get(lay.kind, lay.kind)
            out.append({"label": label, "licence": lay.licence, "vintage": lay.vintage, "kind": lay.kind})
    return out


def _verified_fr(dates: Sequence[date]) -> str | None:
    if not dates:
        return None
    lo, hi = min(dates), max(dates)
    return f"le {date_fr(hi)}" if lo == hi else f"entre le {date_fr(lo)} et le {date_fr(hi)}"
