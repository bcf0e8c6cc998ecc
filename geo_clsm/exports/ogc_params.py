"""OGC API – Features: the ``datetime`` parameter, the queryables of a collection and the
parameter definitions Part 1 fixes in the API definition (no web framework here).

- ``datetime`` (/req/core/fc-time-definition, /req/core/fc-time-response): an RFC 3339 instant or
  interval (``a/b``, ``../b``, ``a/..``) is checked and a malformed or reversed one refused. No
  collection served has a temporal geometry (a resource, a QPV, an indicator has no time extent),
  and Part 1 says the parameter then matches every feature: a valid ``datetime`` filters nothing.
- Queryables (Part 3, /req/queryables): a JSON Schema (2020-12) of the properties a collection may
  be filtered on with a query parameter.
- ``bbox`` and ``datetime`` declared exactly as Part 1's OpenAPI fragments (an array of 4 or 6
  numbers, ``style: form``, ``explode: false``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import ResourceType

BBOX_PARAMETER: dict[str, Any] = {
    "name": "bbox",
    "in": "query",
    "required": False,
    "description": (
        "Emprise x_min,y_min,x_max,y_max (ou x_min,y_min,z_min,x_max,y_max,z_max ; z ignoré), en CRS84 ou dans bbox-crs"
    ),
    "schema": {
        "type": "array",
        "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
        "items": {"type": "number"},
    },
    "style": "form",
    "explode": False,
}
DATETIME_PARAMETER: dict[str, Any] = {
    "name": "datetime",
    "in": "query",
    "required": False,
    "description": (
        "Instant ou intervalle RFC 3339 (2026-01-01T00:00:00Z, 2026-01-01/2026-12-31, ../2026-12-31). "
        "Aucune collection n'a de dimension temporelle : une valeur valide garde tous les objets ; "
        "une valeur mal formée est refusée (400)."
    ),
    "schema": {"type": "string"},
    "style": "form",
    "explode": False,
}


def declare_parameters(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (OpenAPI 3.0) with ``bbox`` and ``datetime`` of every operation as Part 1 defines them."""
    fixed = {"bbox": BBOX_PARAMETER, "datetime": DATETIME_PARAMETER}
    for ops in spec.get("paths", {}).values():
        for op in ops.values():
            params = op.get("parameters", [])
            op["parameters"] = [fixed.get(p.get("name"), p) if p.get("in") == "query" else p for p in params]
    return spec


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed time interval, either end open (None)."""

    start: datetime | None
    end: datetime | None


def _instant(text: str, *, end: bool) -> datetime:
    try:
        if "T" not in text.upper() and len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, *((23, 59, 59) if end else (0, 0, 0)), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidInputError(
            f"datetime : « {text} » n'est pas une date RFC 3339 (2026-01-01 ou 2026-01-01T00:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInputError(f"datetime : « {text} » sans fuseau (ajouter Z ou +01:00)")
    return moment


def parse_datetime(text: str) -> Interval:
    """An RFC 3339 instant or interval (``a/b``, ``../b``, ``a/..``, an empty end is open);
    InvalidInputError (French) for anything else or an interval whose end precedes its start."""
    text = text.strip()
    if "/" not in text:
        return Interval(_instant(text, end=False), _instant(text, end=True))
    first, _, last = text.partition("/")
    if "/" in last:
        raise InvalidInputError("datetime : un intervalle a deux bornes séparées par une seule barre « / »")
    start = None if first in ("", "..") else _instant(first, end=False)
    stop = None if last in ("", "..") else _instant(last, end=True)
    if start is None and stop is None:
        raise InvalidInputError("datetime : un intervalle doit avoir au moins une borne (« ../.. » n'en a aucune)")
    if start is not None and stop is not None and stop < start:
        raise InvalidInputError("datetime : la fin de l'intervalle précède son début")
    return Interval(start, stop)


def queryables(
    *, collection_id: str, title: str, href: str, filters: tuple[str, ...], territories: list[str], point: bool
) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the properties a collection may be filtered on."""
    known: dict[str, dict[str, Any]] = {
        "type": {
            "title": "Type de ressource (une ressource qui offre ce type comme service est gardée)",
            "type": "string",
            "enum": [t.value for t in ResourceType],
        },
        "territory": {"title": "Territoire", "type": "string", "enum": sorted(territories)},
        "insee_com": {"title": "Code INSEE de la commune", "type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"},
    }
    props: dict[str, Any] = {
        "geometry": {
            "title": "Géométrie (filtrée par bbox)",
            "format": "geometry-point" if point else "geometry-any",
            "x-ogc-role": "primary-geometry",
        }
    }
    props.update({name: known[name] for name in filters})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": f"{title} — propriétés filtrables ({collection_id})",
        "properties": props,
        "additionalProperties": False,
    }
