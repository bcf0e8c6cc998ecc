"""Filtering resources by attributes (type, age, territory, commune, text, bbox)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from geo_clsm.model import Resource, ResourceType


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def matches_audience(r: Resource, *, types: Sequence[ResourceType] = (), age: int | None = None) -> bool:
    """The type and age filters shared by listings and nearest queries.

    ``types`` keeps a resource whose type or services match one of them (``CMP`` covers
    adult and child CMPs); ``age`` keeps resources that receive that age, and those whose
    audience is unknown.
    """
    if types and not any(r.matches_type(t) for t in types):
        return False
    return age is None or r.accepts_age(age) is not False


def filter_resources(
    resources: Iterable[Resource],
    *,
    types: Sequence[ResourceType] = (),
    age: int | None = None,
    territory: str | None = None,
    insee_com: str | None = None,
    text: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[Resource]:
    """Resources matching every given filter.

    ``types`` and ``age`` as in :func:`matches_audience`. ``bbox`` is (lon_min, lat_min, lon_max, lat_max) in WGS84,
    tested on the public position. ``text`` matches name, street and commune, ignoring
    case and accents.
    """
    words = _fold(text).split() if text else []
    out = []
    for r in resources:
        if not matches_audience(r, types=types, age=age):
            continue
        if territory and r.territory != territory:
            continue
        if insee_com and r.insee_com != insee_com:
            continue
        if words:
            hay = _fold(" ".join(filter(None, (r.name, None if r.confidential_address else r.street, r.commune))))
            if not all(w in hay for w in words):
                continue
        if bbox:
            pos = r.public_position()
            if pos is None or not (bbox[0] <= pos.lon <= bbox[2] and bbox[1] <= pos.lat <= bbox[3]):
                continue
        out.append(r)
    return out
