"""Public GeoJSON for resources: the only place a resource becomes a feature.

Positions are the public ones (commune-level for a confidential address).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from geo_clsm.model import Resource


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


def feature_collection(resources: Iterable[Resource], *, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of public features; ``extra`` adds top-level members."""
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": [feature(r) for r in resources]}
    if extra:
        fc.update(extra)
    return fc
