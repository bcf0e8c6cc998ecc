"""Readable French for FINESS names and streets, for display only (the raw value is kept).

FINESS writes names and streets in capitals without accents, with abbreviated street types
("QU CLAUDE BERNARD", "CENTRE MEDICO PSYCHOLOGIQUE ENFANTS MENDE"). The rules, in order:

1. street types at the start of a street are expanded (``STREET_TYPES``: QU -> Quai, CRS -> Cours …);
2. acronyms are kept in capitals (``ACRONYMS``: CMP, CATTP, CHS …);
3. words whose accents FINESS dropped get them back (``ACCENTS``: MEDICO -> Médico, HOPITAL -> Hôpital …);
4. other words are capitalised, French small words (de, la, des …) in lower case except first;
5. "D " / "L " before a word become "d'" / "l'" (FINESS drops the apostrophe).

Words not in the tables are only capitalised: nothing is guessed.
"""

from __future__ import annotations

import re

STREET_TYPES = {
    "R": "Rue",
    "RUE": "Rue",
    "AV": "Avenue",
    "AVENUE": "Avenue",
    "BD": "Boulevard",
    "BOULEVARD": "Boulevard",
    "QU": "Quai",
    "QUAI": "Quai",
    "PL": "Place",
    "CRS": "Cours",
    "CHE": "Chemin",
    "RTE": "Route",
    "IMP": "Impasse",
    "ALL": "Allée",
    "ALLEE": "Allée",
    "SQ": "Square",
    "FG": "Faubourg",
    "RPT": "Rond-point",
    "PAS": "Passage",
    "LD": "Lieu-dit",
    "MTE": "Montée",
    "CHT": "Château",
    "DOM": "Domaine",
    "RES": "Résidence",
    "TRA": "Traverse",
    "VOI": "Voie",
    "VLA": "Villa",
    "RLE": "Ruelle",
    "PROM": "Promenade",
}

ACRONYMS = {
    "CMP", "CATTP", "CMPP", "CHS", "CH", "CHU", "CHR", "CHG", "HDJ", "EPSM", "CSAPA", "CAARUD", "MDA", "UAP",
    "CAC", "PMI", "ARHM", "SMPR", "CMPA", "EMPP", "PAEJ", "GEM", "UF", "CMPI", "CMPE", "CPOA", "ESAT", "SSR",
    "EHPAD", "ASM", "AASM", "ELMPP", "GTA", "USP", "UMAPP", "CHSM", "SAMSAH", "SAVS", "HJ", "CCAS", "CPAM",
    "II", "III", "IV",
}  # fmt: skip

ACCENTS = {
    "MEDICO": "Médico", "MEDICAL": "Médical", "MEDICALE": "Médicale", "HOPITAL": "Hôpital", "HOP": "Hôpital",
    "THERAPEUTIQUE": "Thérapeutique", "THERAPIE": "Thérapie", "UNITE": "Unité", "SPECIALISE": "Spécialisé",
    "SANTE": "Santé", "GENERAL": "Général", "GENERALE": "Générale", "PEDOPSYCHIATRIE": "Pédopsychiatrie",
    "PEDOPSYCHIATRIQUE": "Pédopsychiatrique", "EQUIPE": "Équipe", "ECOLE": "École", "ETABLISSEMENT": "Établissement",
    "SEJOUR": "Séjour", "PSYCHOTHERAPIE": "Psychothérapie", "JUVENILE": "Juvénile", "PERINATALITE": "Périnatalité",
    "PRECARISEES": "Précarisées", "PRECARITE": "Précarité", "ECOUTE": "Écoute", "FRANCOIS": "François",
    "PRE": "Pré", "SECURITE": "Sécurité", "REHABILITATION": "Réhabilitation", "CREPUSCULE": "Crépuscule",
    "ELEMENTAIRE": "Élémentaire", "ETUDES": "Études", "ETUDIANTS": "Étudiants", "DEPARTEMENTAL": "Départemental",
    "INTERSECTORIELLE": "Intersectorielle", "PERIURBAIN": "Périurbain", "GERONTOPSYCHIATRIE": "Gérontopsychiatrie",
    "AGEES": "Âgées", "AGES": "Âgés", "REGIONAL": "Régional", "CTRE": "Centre", "PSY": "psy", "ST": "Saint",
    "STE": "Sainte", "MEDECINE": "Médecine", "ENFANCE": "Enfance", "ADOLESCENCE": "Adolescence",
    "PERIODE": "Période", "ELUARD": "Éluard", "REPUBLIQUE": "République", "LIBERATION": "Libération",
    "GENERAL-LECLERC": "Général-Leclerc", "MARECHAL": "Maréchal", "EGLISE": "Église", "GARE": "Gare",
}  # fmt: skip

SMALL = {"DE", "DU", "DES", "LA", "LE", "LES", "ET", "A", "AU", "AUX", "EN", "SUR", "SOUS", "POUR", "PAR", "DANS"}

_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9]+|[^A-Za-zÀ-ÿ0-9]+")


def _word(w: str, first: bool) -> str:
    up = w.upper()
    if up in ACRONYMS:
        return up
    if up in ACCENTS:
        out = ACCENTS[up]
    elif up in SMALL and not first:
        return w.lower() if up != "A" else "à"
    elif any(c.isdigit() for c in w):
        return up
    else:
        out = up.capitalize()
    return out


def readable(text: str | None) -> str | None:
    """Readable French for a FINESS name; text already in mixed case is returned unchanged."""
    if not text or not text.strip():
        return text
    if any(c.islower() for c in text):
        return text
    parts = _WORD.findall(text.strip())
    out: list[str] = []
    first = True
    for i, p in enumerate(parts):
        if not p or not p[0].isalnum():
            out.append(p)
            continue
        nxt = parts[i + 2] if i + 2 < len(parts) else ""
        if p.upper() in ("D", "L") and i + 1 < len(parts) and parts[i + 1] in (" ", "'") and nxt[:1].isalpha():
            out.append(p.lower() + "'")
            parts[i + 1] = ""
            first = False
            continue
        out.append(_word(p, first))
        first = False
    return re.sub(r"\s+", " ", "".join(out)).strip()


def readable_street(street: str | None) -> str | None:
    """'QU CLAUDE BERNARD' -> 'Quai Claude Bernard'; '20 QU CLAUDE BERNARD' -> '20 Quai Claude Bernard'."""
    if not street or any(c.islower() for c in street):
        return street
    m = re.match(r"^(\d+\s*[A-Z]?\s+)?([A-Z]+)\b(.*)$", street.strip())
    if m and m.group(2) in STREET_TYPES:
        number = (m.group(1) or "").strip()
        rest = readable(m.group(3).strip()) or ""
        return " ".join(p for p in (number, STREET_TYPES[m.group(2)], rest) if p)
    return readable(street)
