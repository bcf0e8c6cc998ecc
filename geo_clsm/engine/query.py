"""Filtering resources by attributes (type, age, territory, commune, text, spoken language); the
bounding box is :class:`geo_clsm.geo.area.Area`'s rule, applied by the backends."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def matches_audience(
    r: Resource,
    *,
    types: Sequence[ResourceType] = (),
    age: int | None = None,
    known_audience_only: bool = False,
) -> bool:
    """The type and age filters shared by listings, nearest queries and indicators.

    ``types`` keeps a resource whose type or services match one of them
    (:meth:`Resource.matches_type`: ``CMP`` covers every CMP; ``CMP_ADULTE`` a CMP whose
    audience includes adults or is unknown); ``age`` keeps resources that receive that
    age, and those whose audience is unknown. ``known_audience_only`` drops the resources
    kept only because their audience is unknown.
    """
    if types:
        offers = [o for t in types for o in r.matching_offers(t, known_audience_only=known_audience_only)]
        if not offers:
            return False
    else:
        offers = [r.type]
    if age is None:
        return True
    for offer in offers:
        accepts = r.accepts_age(age, offer=offer)
        if accepts is True or (accepts is None and not known_audience_only):
            return True
    return False


def audience_unknown(r: Resource, *, types: Sequence[ResourceType] = (), age: int | None = None) -> bool:
    """Whether ``r`` passes the filters only because its audience is unknown."""
    return matches_audience(r, types=types, age=age) and not matches_audience(
        r, types=types, age=age, known_audience_only=True
    )


def count_unknown_audience(
    resources: Iterable[Resource], *, types: Sequence[ResourceType] = (), age: int | None = None
) -> int:
    """How many of ``resources`` pass the filters only because their audience is unknown."""
    return sum(audience_unknown(r, types=types, age=age) for r in resources)


def unknown_audience_note(n_unknown: int) -> str | None:
    """The French note of an answer relying on resources of unknown audience ("dont 3 au public non précisé")."""
    if n_unknown <= 0:
        return None
    return f"dont {n_unknown} au public non précisé"


def speaks(r: Resource, languages: Sequence[str]) -> bool:
    """Whether the resource is known to speak one of ``languages`` (ISO 639-1 codes).

    A French public service with no stated languages counts as speaking French only.
    """
    if not languages:
        return True
    spoken = {lang.lower() for lang in r.languages} or {"fr"}
    return any(lang.lower() in spoken for lang in languages)


def filter_resources(
    resources: Iterable[Resource],
    *,
    types: Sequence[ResourceType] = (),
    age: int | None = None,
    territory: str | None = None,
    insee_com: str | None = None,
    text: str | None = None,
    known_audience_only: bool = False,
    languages: Sequence[str] = (),
) -> list[Resource]:
    """Resources matching every given filter.

    ``types``, ``age`` and ``known_audience_only`` as in :func:`matches_audience`. ``text`` matches
    name, street and commune, ignoring case and accents.
    """
    words = _fold(text).split() if text else []
    out = []
    for r in resources:
        if not matches_audience(r, types=types, age=age, known_audience_only=known_audience_only):
            continue
        if not speaks(r, languages):
            continue
        if territory and r.territory != territory:
            continue
        if insee_com and r.insee_com != insee_com:
            continue
        if words:
            hay = _fold(" ".join(filter(None, (r.name, None if r.confidential_address else r.street, r.commune))))
            if not all(w in hay for w in words):
                continue
        out.append(r)
    return out
