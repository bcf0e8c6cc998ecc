"""The guide's fixed French texts: what each type of resource does, and "À qui s'adresser ?".

Plain French for residents; one sentence per type. The resource types themselves and their
labels are defined once in :mod:`geo_clsm.model.resource`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from geo_clsm.model.hours import parse_opening_hours
from geo_clsm.model.hours_words import describe as describe_hours
from geo_clsm.model.resource_types import ResourceType

T = ResourceType

EMERGENCY_NUMBERS: tuple[tuple[str, str], ...] = (
    ("3114", "prévention du suicide, 24 h/24, gratuit"),
    ("15", "SAMU, urgence médicale"),
    ("112", "urgence, depuis tout téléphone"),
)

FOOTER_FR = "Urgence : 3114 (prévention du suicide) · 15 (SAMU) · 112"
FOOTER_SHORT_FR = "Urgence : 3114 · 15 (SAMU) · 112"

TYPE_EXPLANATIONS_FR: dict[ResourceType, str] = {
    T.URGENCES_PSY: "Accueil en urgence à l'hôpital, jour et nuit, quand la situation ne peut pas attendre.",
    T.CMP_ADULTE: (
        "Centre médico-psychologique : consultations gratuites avec psychiatre, psychologue, "
        "infirmier, pour les adultes du secteur."
    ),
    T.CMP_ENFANT: "Centre médico-psychologique pour les enfants et les adolescents : consultations gratuites.",
    T.CMP: "Centre médico-psychologique : consultations gratuites ; appeler pour savoir quel public il reçoit.",
    T.CMPP: "Centre médico-psycho-pédagogique : difficultés psychologiques ou d'apprentissage des enfants.",
    T.MDA: "Maison des adolescents : écoute et orientation des jeunes et de leurs parents, sans condition.",
    T.PAEJ: "Point d'accueil et d'écoute jeunes : écoute gratuite et anonyme, sans rendez-vous le plus souvent.",
    T.CATTP: "Centre d'accueil thérapeutique à temps partiel : activités de soin en petits groupes.",
    T.HDJ: "Hôpital de jour : soins dans la journée, sur indication d'un médecin, retour à la maison le soir.",
    T.EMPP: "Équipe mobile psychiatrie-précarité : va à la rencontre des personnes sans logement ou en grande précarité.",
    T.CSAPA: "Centre de soins en addictologie : alcool, drogues, jeux ; gratuit, anonyme si on le souhaite.",
    T.GEM: "Groupe d'entraide mutuelle : lieu animé par et pour des personnes qui vivent avec un trouble psychique.",
    T.ASSOCIATION: "Association : soutien, information, entraide, notamment pour les familles et les proches.",
    T.HOPITAL_PSY: "Hôpital spécialisé en psychiatrie : hospitalisations et services de soins du secteur.",
    T.AUTRE: "Autres lieux d'écoute, d'orientation ou de coordination en santé mentale.",
    T.LIGNE_ECOUTE: "Lignes d'écoute nationales : on peut appeler de partout, souvent gratuitement et sans donner son nom.",
    T.URGENCE: "Numéro d'urgence national.",
}

TYPE_ORDER: tuple[ResourceType, ...] = (
    T.URGENCES_PSY,
    T.CMP_ADULTE,
    T.CMP_ENFANT,
    T.CMP,
    T.CMPP,
    T.MDA,
    T.PAEJ,
    T.CATTP,
    T.HDJ,
    T.EMPP,
    T.CSAPA,
    T.GEM,
    T.ASSOCIATION,
    T.HOPITAL_PSY,
    T.AUTRE,
    T.LIGNE_ECOUTE,
    T.URGENCE,
)

YOUTH_FIRST: tuple[ResourceType, ...] = (T.MDA, T.PAEJ, T.CMP_ENFANT)


@dataclass(frozen=True, slots=True)
class SituationText:
    """A situation of "À qui s'adresser ?" and the types that answer it, most direct first."""

    key: str
    title: str
    advice: str
    types: tuple[ResourceType, ...]


SITUATIONS: tuple[SituationText, ...] = (
    SituationText(
        "crise",
        "Crise ou idées suicidaires",
        "Appelez tout de suite le 3114 (24 h/24, gratuit) ou le 15. En cas de danger immédiat : 112.",
        (T.URGENCES_PSY, T.LIGNE_ECOUTE, T.CMP_ADULTE, T.CMP_ENFANT, T.CMP),
    ),
    SituationText(
        "jeune",
        "Un enfant, un adolescent ou un jeune",
        "Pour un enfant ou un jeune de moins de 25 ans, et pour ses parents.",
        (T.MDA, T.PAEJ, T.CMP_ENFANT, T.CMPP, T.LIGNE_ECOUTE),
    ),
    SituationText(
        "adulte",
        "Un adulte",
        "Pour parler à un professionnel, commencer des soins ou les poursuivre.",
        (T.CMP_ADULTE, T.CMP, T.CATTP, T.HDJ, T.HOPITAL_PSY),
    ),
    SituationText(
        "addictions",
        "Addictions",
        "Alcool, cannabis, drogues, jeux, écrans : pour la personne et pour son entourage.",
        (T.CSAPA, T.LIGNE_ECOUTE),
    ),
    SituationText(
        "proches",
        "Proches et aidants",
        "Vous accompagnez une personne en difficulté psychique : vous pouvez être aidé aussi.",
        (T.ASSOCIATION, T.MDA, T.LIGNE_ECOUTE),
    ),
    SituationText(
        "isolement",
        "Isolement et entraide",
        "Rencontrer d'autres personnes, partager des activités, s'entraider.",
        (T.GEM, T.ASSOCIATION, T.LIGNE_ECOUTE),
    ),
    SituationText(
        "precarite",
        "Grande précarité",
        "Personnes sans logement ou en grande difficulté sociale.",
        (T.EMPP, T.PAEJ, T.CMP_ADULTE),
    ),
)

_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_fr(d: date) -> str:
    """A date in words: ``22 novembre 2026`` (``1er`` for the first of a month)."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {_MONTHS_FR[d.month - 1]} {d.year}"


def hours_fr(text: str | None) -> str | None:
    """Opening hours in words (:func:`geo_clsm.model.hours_words.describe`, the public view's
    ``opening_hours_fr``): « du lundi au vendredi de 9 h à 17 h ; fermé les jours fériés »; None without hours."""
    if not text:
        return None
    return describe_hours(parse_opening_hours(text))


def ages_fr(age_min: int | None, age_max: int | None) -> str | None:
    """An age range in words, or None when no range is known (or it is every age)."""
    if not age_min and age_max is None:
        return None
    if age_max is None:
        return f"à partir de {age_min} ans"
    if not age_min:
        return f"jusqu'à {age_max} ans"
    return f"de {age_min} à {age_max} ans"


def yes_no_fr(value: bool | None, *, yes: str, no: str, unknown: str) -> str:
    return unknown if value is None else (yes if value else no)
