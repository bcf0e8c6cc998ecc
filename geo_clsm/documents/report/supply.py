"""Supply by resource type: counts and counts per 10,000 inhabitants at every level.

A resource counts for a type by the one rule of the model (:meth:`Resource.matches_type`:
its type or a service it offers; CMP covers adult and child CMPs), as the access engine
counts it. It belongs to a commune by its INSEE code, to a QPV when its **public** position
lies inside the QPV polygon (a confidential place counts at its town hall, never at its
address). Per-10k figures are ``count / population * 10,000``, to 3 significant digits (as the 2SFCA scores); None
when the population is unknown (QPV populations are not shipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo_clsm.access.present import significant
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

DIRECTORY = "annuaire"
"""The ``layer`` of rows counting the directory in service (every source, editors' changes included)."""


def per_10k(count: int, population: float | None) -> float | None:
    """Resources per 10,000 inhabitants (3 significant digits), None without a population."""
    if population is None or population <= 0:
        return None
    return significant(count / population * 10_000)


def count_types(resources: Iterable[Resource], types: Sequence[ResourceType]) -> dict[ResourceType, int]:
    """How many of ``resources`` each type keeps (a resource counts once per type it offers)."""
    listed = list(resources)
    return {t: sum(1 for r in listed if r.matches_type(t)) for t in types}


def supply_row(
    scope: str, code: str, name: str, rtype: ResourceType, count: int, population: float | None, layer: str
) -> dict[str, Any]:
    return {
        "scope": scope,
        "code": code,
        "name": name,
        "type": rtype.value,
        "count": int(count),
        "population": None if population is None else int(population),
        "per_10k": per_10k(count, population),
        "layer": layer,
    }


def layer_differences(
    directory: Sequence[Resource], national: Sequence[Resource], types: Sequence[ResourceType]
) -> list[dict[str, Any]]:
    """Per type where the directory and the national layer count differently, why, in counts: the
    directory's places counted by a service they offer rather than by their type (the layer counts an
    establishment once, under its FINESS category), those the layer does not hold (the territory's
    registry, an editor's record), and the layer's places the directory does not hold (removed, or
    merged with a registry record). A place is the same in both by its FINESS number, else its id."""

    def key(r: Resource) -> str:
        return r.finess_et or r.id

    layer_keys = {key(r) for r in national}
    dir_keys = {key(r) for r in directory}
    out = []
    for t in types:
        here = [r for r in directory if r.matches_type(t)]
        there = [r for r in national if r.matches_type(t)]
        if len(here) == len(there):
            continue
        out.append(
            {
                "type": t.value,
                "directory": len(here),
                "layer": len(there),
                "by_service": sum(1 for r in here if r.type not in r.matching_offers(t)),
                "other_source": sum(1 for r in here if key(r) not in layer_keys),
                "layer_only": sum(1 for r in there if key(r) not in dir_keys),
            }
        )
    return out


def precision_by_type(directory: Sequence[Resource], types: Sequence[ResourceType]) -> list[dict[str, Any]]:
    """Per type: how many places, and how many of them are placed only at their commune (town hall)."""
    out = []
    for t in types:
        here = [r for r in directory if r.matches_type(t)]
        at_commune = 0
        for r in here:
            pos = r.public_position()
            at_commune += pos is None or pos.precision.value == "commune"
        out.append({"type": t.value, "count": len(here), "at_commune": at_commune})
    return out


def in_communes(resources: Iterable[Resource], codes: set[str]) -> list[Resource]:
    """The resources whose INSEE commune code is one of ``codes``."""
    return [r for r in resources if r.insee_com in codes]


def qpv_members(resources: Sequence[Resource], qpv: gpd.GeoDataFrame) -> dict[str, list[Resource]]:
    """The resources whose public position lies inside each QPV polygon (WGS84), by ``code_qp``."""
    placed = [(r, r.public_position()) for r in resources]
    kept = [(r, p) for r, p in placed if p is not None]
    out: dict[str, list[Resource]] = {str(c): [] for c in qpv["code_qp"]}
    if not kept or qpv.empty:
        return out
    points = gpd.GeoSeries(shapely.points([p.lon for _, p in kept], [p.lat for _, p in kept]), crs=WGS84)
    tree = shapely.STRtree(qpv.geometry.to_numpy())
    pts_idx, poly_idx = tree.query(points.to_numpy(), predicate="within")
    codes = qpv["code_qp"].astype(str).to_numpy()
    for p, q in zip(np.atleast_1d(pts_idx), np.atleast_1d(poly_idx), strict=True):
        out[str(codes[q])].append(kept[int(p)][0])
    return out
