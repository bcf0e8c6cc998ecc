"""A nearest-resource answer that says how sure it is (the policy itself:
:mod:`geo_clsm.engine.nearest`, over the in-memory or the PostGIS candidates).

On top of :meth:`Engine.nearest`:

- nothing farther than ``near_limit_m`` (default 50 km) is offered as "near": for each wanted
  type with nothing within it, the answer says "Pas de … connu près d'ici" and lists the
  national lines that answer that need (``national_lines_needs.csv``) instead of a place
  hundreds of kilometres away;
- each result gets a distance in words: "dans la commune" for a resource placed only at its
  commune when the search is in that commune (never "à 0 m"), "environ …" when either end is
  approximate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo_clsm.engine.nearest import ANY_NEAREST, NearestAnswer, NearestQuery, NearestResult
from geo_clsm.engine.nearest import search as policy_search
from geo_clsm.model.position import PositionPrecision

if TYPE_CHECKING:
    from geo_clsm.engine.core import Engine

APPROXIMATE_QUERY = {"commune", "arrondissement", "qpv"}


def distance_label(r: NearestResult, *, query_insee: str | None, query_precision: str) -> tuple[str, bool]:
    """The distance in words, and whether it is approximate."""
    pos = r.resource.public_position()
    commune_level = pos is not None and pos.precision is PositionPrecision.COMMUNE
    if commune_level and query_insee and r.resource.insee_com == query_insee:
        return "dans la commune", True
    approx = commune_level or query_precision in APPROXIMATE_QUERY
    d = r.distance_m
    text = f"{round(d / 10) * 10:.0f} m" if d < 1000 else f"{d / 1000:.1f} km".replace(".", ",")
    if approx:
        text = "moins de 100 m" if d < 100 else "environ " + text
    return text, approx


def search(engine: Engine, lon: float, lat: float, query: NearestQuery = ANY_NEAREST) -> NearestAnswer:
    """:func:`geo_clsm.engine.nearest.search` on the engine's in-memory candidates."""
    return policy_search(engine.candidates, engine.lines, lon, lat, query)
