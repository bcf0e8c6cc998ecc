"""The HSDS 3.0 API's objects (Open Referral ``schema/openapi.json``), built from the same rows
as the tabular export (:func:`geo_clsm.exports.hsds.hsds_tables`, the public view only), nested
as the official JSON schemas nest them: a service with its organization, phones, schedules,
languages, attributes (its type as a taxonomy term), metadata and service_at_locations (each
with its location, addresses, accessibility). An empty value is left out (the official schemas
type each field as a string or a number, never null).

Selection (``/services``): ``search`` (every word, accents and case ignored, in the name, the
type, the services and the commune), ``taxonomy_term_id``, a distance from ``lat``/``lon`` in
metres (in the point's own projected CRS: Lambert-93 in metropolitan France, its own overseas),
or ``postcode`` (the services whose address has it). Built once per engine.
"""

from __future__ import annotations

import math
import threading
import unicodedata
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geo_clsm.exports.hsds import hsds_tables
from geo_clsm.exports.hsds_schema import HSDS_PROFILE, HSDS_VERSION
from geo_clsm.geo.crs import project_point, projected_crs_for, to_projected
from geo_clsm.model.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from geo_clsm.engine.core import Engine

MAX_PER_PAGE = 500


def _clean(value: Any) -> Any:
    """``value`` without its None / empty-string members, recursively."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Entry:
    """One service as the API gives it, with what the filters read."""

    service: dict[str, Any]
    service_at_location: dict[str, Any]
    words: str
    term_ids: frozenset[str]
    postcodes: frozenset[str]
    lon: float | None
    lat: float | None


class Directory:
    """Every service of an engine's catalog as HSDS 3.0 API objects."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]], words: dict[str, str]) -> None:
        by: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for name in ("phone", "schedule", "language", "attribute", "metadata", "service_at_location"):
            for row in tables[name]:
                key = row.get("service_id") or row.get("link_id") or row.get("resource_id")
                by[name][str(key)].append(row)
        for name in ("address", "accessibility"):
            for row in tables[name]:
                by[name][row["location_id"]].append(row)
        for row in tables["organization_identifier"]:
            by["organization_identifier"][row["organization_id"]].append(row)
        orgs = {row["id"]: row for row in tables["organization"]}
        locations = {row["id"]: row for row in tables["location"]}
        terms = {row["id"]: row for row in tables["taxonomy_term"]}
        self.entries: list[Entry] = []
        for svc in tables["service"]:
            sid = svc["id"]
            attributes = [a | {"taxonomy_term": terms[a["taxonomy_term_id"]]} for a in by["attribute"][sid]]
            sals = []
            for sal in by["service_at_location"][sid]:
                loc = locations[sal["location_id"]]
                location = loc | {
                    "addresses": by["address"][loc["id"]],
                    "accessibility": by["accessibility"][loc["id"]],
                    "languages": [x for x in by["language"][sid] if x.get("location_id") == loc["id"]],
                }
                sals.append(sal | {"location": location})
            org = orgs[svc["organization_id"]]
            service = svc | {
                "organization": org | {"organization_identifiers": by["organization_identifier"][org["id"]]},
                "phones": by["phone"][sid],
                "schedules": by["schedule"][sid],
                "languages": by["language"][sid],
                "attributes": attributes,
                "metadata": by["metadata"][sid],
                "service_at_locations": sals,
            }
            first = sals[0] if sals else {"id": sid, "service_id": sid}
            loc = first.get("location", {})
            postcodes = frozenset(a["postal_code"] for s in sals for a in s["location"]["addresses"])
            sal_full = first | {"service": {k: v for k, v in service.items() if k != "service_at_locations"}}
            self.entries.append(
                Entry(
                    service=_clean(service),
                    service_at_location=_clean(sal_full),
                    words=_fold(" ".join([svc["name"], svc.get("alternate_name") or "", words.get(sid, "")])),
                    term_ids=frozenset(a["taxonomy_term_id"] for a in attributes),
                    postcodes=postcodes,
                    lon=loc.get("longitude"),
                    lat=loc.get("latitude"),
                )
            )
        self.by_id = {e.service["id"]: e for e in self.entries}
        self.by_sal_id = {e.service_at_location["id"]: e for e in self.entries}
        self.term_ids = frozenset(terms)
        self._lon = np.array([np.nan if e.lon is None else e.lon for e in self.entries], dtype=float)
        self._lat = np.array([np.nan if e.lat is None else e.lat for e in self.entries], dtype=float)

    def select(
        self,
        *,
        search: str | None = None,
        taxonomy_term_id: str | None = None,
        near: tuple[float, float, float] | None = None,
        postcode: str | None = None,
    ) -> list[Entry]:
        """The entries kept by every filter given, in catalog order (nearest first with ``near``)."""
        if taxonomy_term_id is not None and taxonomy_term_id not in self.term_ids:
            raise InvalidInputError(f"taxonomy_term_id : terme inconnu « {taxonomy_term_id} »")
        keep = np.ones(len(self.entries), dtype=bool)
        words = _fold(search).split() if search else []
        for i, e in enumerate(self.entries):
            keep[i] = (
                all(w in e.words for w in words)
                and (taxonomy_term_id is None or taxonomy_term_id in e.term_ids)
                and (postcode is None or postcode in e.postcodes)
            )
        order = np.flatnonzero(keep)
        if near is not None:
            lon, lat, metres = near
            crs = projected_crs_for(lon, lat)
            if crs is None:
                raise InvalidInputError("lat, lon : position hors de France (métropole et outre-mer)")
            x0, y0 = project_point(lon, lat, crs)
            has = order[np.isfinite(self._lon[order])]
            x, y = to_projected(self._lon[has], self._lat[has], crs)
            dist = np.hypot(x - x0, y - y0)
            inside = dist <= metres
            order = has[inside][np.argsort(dist[inside], kind="stable")]
        return [self.entries[i] for i in order]


def page(found: list[Entry], *, page_number: int, per_page: int, key: str) -> dict[str, Any]:
    """The official ``Page`` of ``found`` (``key``: ``service`` or ``service_at_location``)."""
    total = len(found)
    pages = max(1, math.ceil(total / per_page))
    chosen = found[(page_number - 1) * per_page : page_number * per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page_number,
        "size": len(chosen),
        "first_page": page_number == 1,
        "last_page": page_number >= pages,
        "empty": total == 0,
        "contents": [getattr(e, key) for e in chosen],
    }


def about(openapi_url: str) -> dict[str, str]:
    """The answer of ``/``: the HSDS version, the profile (none: the base specification) and the API definition."""
    return {"version": HSDS_VERSION, "profile": HSDS_PROFILE, "openapi_url": openapi_url}


_CACHE: weakref.WeakKeyDictionary[Engine, Directory] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def directory(engine: Engine) -> Directory:
    """The directory of an engine's catalog, built once per engine."""
    found = _CACHE.get(engine)
    if found is None:
        with _LOCK:
            found = _CACHE.get(engine)
            if found is None:
                resources = list(engine.catalog.resources)
                tables = hsds_tables(resources)
                words = {}
                for r, svc in zip(resources, tables["service"], strict=True):
                    p = r.public_properties()
                    words[svc["id"]] = " ".join([p["type_label"], *p["services"], p["commune"] or ""])
                found = _CACHE[engine] = Directory(tables, words)
    return found


def is_built(engine: Engine) -> bool:
    return engine in _CACHE


def service(engine: Engine, service_id: str) -> dict[str, Any]:
    """One service by id; NotFoundError (French) when there is none."""
    entry = directory(engine).by_id.get(service_id)
    if entry is None:
        raise NotFoundError(f"service inconnu « {service_id} »")
    return entry.service
