"""The formats of a record's identifiers and contacts: its id, INSEE and postal codes, FINESS number,
e-mail address and web site, each refused with a French reason saying what to write.

Used as field types of :class:`geo_clsm.model.resource.Resource` (``InseeCode | None`` …).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_POSTCODE_RE = re.compile(r"^\d{5}$")
_FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check(pattern: re.Pattern[str], reason: str) -> AfterValidator:
    def check(v: str) -> str:
        if not pattern.match(v):
            raise ValueError(reason)
        return v

    return AfterValidator(check)


def _website(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError("site web invalide : l'adresse doit commencer par https://")
    return v


RecordId = Annotated[str, _check(_ID_RE, "identifiant invalide : lettres, chiffres, - _ . : (100 caractères au plus)")]
InseeCode = Annotated[str, _check(_INSEE_RE, "code INSEE invalide : 5 caractères, par exemple 57463 ou 2A004")]
Postcode = Annotated[str, _check(_POSTCODE_RE, "code postal invalide : 5 chiffres, par exemple 57000")]
FinessNumber = Annotated[str, _check(_FINESS_RE, "numéro FINESS invalide : 9 caractères, par exemple 570012898")]
Email = Annotated[str, _check(_EMAIL_RE, "adresse e-mail invalide : écrire nom@domaine.fr")]
Website = Annotated[str, AfterValidator(_website)]
