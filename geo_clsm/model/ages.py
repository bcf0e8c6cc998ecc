"""The age vocabulary: the age groups a resident can choose on the map (id, French label, the age
searched for), and the one parser of an age given by a person (API, pages, batch, CLI).

An age is a number of years from 0 to 120, or the id of a named group (``enfant``, ``ado``,
``jeune``, ``adulte``, ``senior``), which stands for the age in the table below. Anything else is
refused with :data:`AGE_ERROR`, the same French message everywhere.
"""

from __future__ import annotations

AGE_GROUPS = [
    ("", "Tous âges", None),
    ("enfant", "Enfant (moins de 12 ans)", 8),
    ("ado", "Adolescent (12-17 ans)", 15),
    ("jeune", "Jeune adulte (18-25 ans)", 21),
    ("adulte", "Adulte (26-59 ans)", 40),
    ("senior", "Personne âgée (60 ans et plus)", 70),
]

AGE_MIN, AGE_MAX = 0, 120
AGE_BANDS: dict[str, int] = {gid: age for gid, _, age in AGE_GROUPS if gid and age is not None}
"""Named group -> the age in years it searches for."""

AGE_ERROR = (
    f"âge invalide « {{value}} » : un nombre d'années de {AGE_MIN} à {AGE_MAX}, "
    f"ou une tranche d'âge : {', '.join(AGE_BANDS)}"
)
"""The one French message for a bad age (``{value}``: what was given)."""


class AgeError(ValueError):
    """An age that is neither years from 0 to 120 nor a named group (message: :data:`AGE_ERROR`)."""


def parse_age(value: object) -> int | None:
    """Years (an int, or a string of digits) or a group id (any case) -> years; None or "" -> None.

    Raises
    ------
    AgeError
        With :data:`AGE_ERROR`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise AgeError(AGE_ERROR.format(value=value))
    if isinstance(value, int):
        years = value
    else:
        text = str(value).strip().lower()
        if not text:
            return None
        if text in AGE_BANDS:
            return AGE_BANDS[text]
        if not (text.isascii() and text.isdigit() and len(text) <= 3):
            raise AgeError(AGE_ERROR.format(value=str(value)[:20]))
        years = int(text)
    if not AGE_MIN <= years <= AGE_MAX:
        raise AgeError(AGE_ERROR.format(value=value))
    return years
