"""Public GeoJSON for resources: the only place a resource becomes a feature.

Positions are the public ones (commune-level for a confidential address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from geo_clsm.model import clock
from geo_clsm.model.resource import Resource


def feature(resource: Resource, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A GeoJSON Feature (WGS84) with the resource's public properties (and ``extra``)."""
    pos = resource.public_position()
    props = resource.public_properties()
    if extra:
        props.update(extra)
    return {
        "type": "Feature",
        "id": resource.id,
        "geometry": None if pos is None else {"type": "Point", "coordinates": [round(pos.lon, 6), round(pos.lat, 6)]},
        "properties": props,
    }


class FeatureCache:
    """The features of an immutable set of resources (an engine's), their static part built once.

    ``feature(r, dynamic)`` equals ``feature(r, {**static_extra(r), **dynamic})`` (same members, same
    order); the public properties, the geometry and ``static_extra`` are computed on a resource's
    first use of the day only: the public view has dated members (a notice runs, a wait grows old),
    so the cache starts again when :func:`geo_clsm.model.clock.today` changes. Nested members (geometry, audience, lists) are shared between the features
    given: read them, never change them.
    """

    def __init__(self, static_extra: Callable[[Resource], Mapping[str, Any]] | None = None) -> None:
        self._static_extra = static_extra
        self._parts: dict[str, tuple[Resource, dict[str, Any] | None, dict[str, Any]]] = {}
        self._encoded: dict[str, tuple[Resource, bytes, frozenset[str]]] = {}
        self._day = clock.today()

    def _same_day(self) -> None:
        day = clock.today()
        if day != self._day:  # a new day: the dated members may have changed
            self._parts, self._encoded, self._day = {}, {}, day

    def feature_json(self, resource: Resource, dynamic: Mapping[str, Any]) -> bytes:
        """``orjson.dumps(self.feature(resource, dynamic))``, byte for byte, with the static part
        encoded once per resource: only ``dynamic`` is encoded per call (a dynamic member that
        replaces a static one, which no caller does today, takes the plain path)."""
        self._same_day()
        return self._feature_json(resource, dynamic)

    def features_json(self, pairs: Iterable[tuple[Resource, Mapping[str, Any]]]) -> bytes:
        """The features of ``pairs`` (resource, dynamic members) encoded as :meth:`feature_json`
        does, joined by commas (the members of a JSON array): the day is read once for them all."""
        self._same_day()
        one = self._feature_json
        return b",".join([one(r, dynamic) for r, dynamic in pairs])

    def _feature_json(self, resource: Resource, dynamic: Mapping[str, Any]) -> bytes:
        enc = self._encoded.get(resource.id)
        if enc is None or enc[0] is not resource:
            base = self.feature(resource, {})
            whole = orjson.dumps(base)
            assert whole.endswith(b"}}") and base["properties"], whole[-40:]
            enc = self._encoded[resource.id] = (resource, whole[:-2] + b",", frozenset(base["properties"]))
        if not dynamic:
            return enc[1][:-1] + b"}}"
        if not enc[2].isdisjoint(dynamic):
            return orjson.dumps(self.feature(resource, dynamic))
        return enc[1] + orjson.dumps(dynamic)[1:] + b"}"

    def feature(self, resource: Resource, dynamic: Mapping[str, Any]) -> dict[str, Any]:
        self._same_day()
        parts = self._parts.get(resource.id)
        if parts is None or parts[0] is not resource:
            base = feature(resource, self._static_extra(resource) if self._static_extra else None)
            parts = self._parts[resource.id] = (resource, base["geometry"], base["properties"])
        return {"type": "Feature", "id": resource.id, "geometry": parts[1], "properties": {**parts[2], **dynamic}}


def feature_collection(resources: Iterable[Resource], *, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of public features; ``extra`` adds top-level members."""
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": [feature(r) for r in resources]}
    if extra:
        fc.update(extra)
    return fc
