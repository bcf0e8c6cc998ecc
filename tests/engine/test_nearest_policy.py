"""The nearest policy is written once over a candidate source: the in-memory index's candidates
(trees per type, masks, cell caches) give the answers of a brute-force source that measures every
resource, through the same policy; the candidate-growing loop never stops on a tie."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pytest

from geo_clsm.engine.candidates import CandidateFilter, Hit, grow_nearest
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearby import search as memory_search
from geo_clsm.engine.nearest import NearestQuery, nearest, search
from geo_clsm.model.resource import Resource


class BruteForceCandidates:
    """The :class:`~geo_clsm.engine.candidates.CandidateSource` contract by its definition: every
    resource measured, filtered by ``where.keep``, sorted by (distance, catalog order)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.order = {id(r): i for i, r in enumerate(engine.index.resources)}
        self.calls = 0

    def nearest(self, lon: float, lat: float, *, k: int, where: CandidateFilter, limit_m: float) -> list[Hit]:
        self.calls += 1
        hits = self.engine.index.distances(lon, lat, self.engine.index.resources)
        kept = [h for h in hits if h.distance_m <= limit_m and where.keep(h.resource)]
        return sorted(kept, key=lambda h: (h.distance_m, self.order[id(h.resource)]))[:k]

    def covering(self, lon: float, lat: float) -> list[Resource]:
        return self.engine.areas.covering(lon, lat)

    def distances(self, lon: float, lat: float, resources: Sequence[Resource]) -> list[Hit]:
        return self.engine.index.distances(lon, lat, resources)


FILTERS: list[dict[str, Any]] = [
    {},
    {"k": 1},
    {"types": ["CMP"], "age": 15},
    {"types": ["EMPP"], "age": 70},
    {"types": ["GEM", "CSAPA"], "max_distance_m": 3000},
    {"age": 8, "k": 8},
    {"languages": ["en"], "k": 3},
    {"open_at": datetime(2026, 11, 23, 10, 0)},
    {"open_at": datetime(2026, 11, 22, 10, 0), "types": ["CMP"], "age": 40},
]

# Synthetic query points: a grid over the Metz and Angoulême pilots, and one far from everything.
POINTS = [(float(x), float(y)) for x in np.linspace(6.05, 6.35, 5) for y in np.linspace(49.0, 49.2, 4)] + [
    (float(x), float(y)) for x in np.linspace(0.05, 0.25, 3) for y in np.linspace(45.6, 45.7, 3)
]


def _rows(results: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [
        (r.resource.id, round(r.distance_m, 6), r.serves_location, r.open_status, r.audience_known) for r in results
    ]


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_index_candidates_answer_as_the_brute_force_source(engine: Engine, filters: dict[str, Any]) -> None:
    brute = BruteForceCandidates(engine)
    for lon, lat in POINTS:
        assert _rows(engine.nearest(lon, lat, NearestQuery(**filters))) == _rows(
            nearest(brute, lon, lat, NearestQuery(**filters))
        ), (lon, lat)
    assert brute.calls >= len(POINTS)


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_search_with_near_limit_is_the_same_policy(engine: Engine, filters: dict[str, Any]) -> None:
    brute = BruteForceCandidates(engine)
    for lon, lat in POINTS:
        a = memory_search(engine, lon, lat, NearestQuery(near_limit_m=4_000, **filters))
        b = search(brute, engine.lines, lon, lat, NearestQuery(near_limit_m=4_000, **filters))
        assert _rows(a.results) == _rows(b.results)
        assert (a.missing_types, [r.id for r in a.lines], a.nothing_near) == (
            b.missing_types,
            [r.id for r in b.lines],
            b.nothing_near,
        )
        assert a.message_fr() == b.message_fr()


def test_growing_never_stops_on_a_tie_with_what_was_not_fetched() -> None:
    # Synthetic candidates: (distance, index); four at 10 m, then farther ones.
    table = [(10.0, 3), (10.0, 1), (10.0, 0), (10.0, 2), *((20.0 + i, 10 + i) for i in range(40))]
    asked: list[int] = []

    def fetch(kq: int) -> tuple[list[tuple[float, int]], float, bool]:
        asked.append(kq)
        found = sorted(table)[:kq]
        return found, found[-1][0], len(found) < kq

    assert grow_nearest(3, fetch, 100.0) == [(10.0, 0), (10.0, 1), (10.0, 2)]
    assert asked == [11]  # 3 + 8 fetched: the 3rd (10 m) is strictly nearer than the 11th (26 m)
    asked.clear()
    only_ties = [(10.0, i) for i in range(30)]

    def fetch_ties(kq: int) -> tuple[list[tuple[float, int]], float, bool]:
        asked.append(kq)
        found = only_ties[:kq]
        return found, found[-1][0], len(found) < kq

    assert grow_nearest(2, fetch_ties, 100.0) == [(10.0, 0), (10.0, 1)]
    assert asked == [10, 40]  # the 2nd ties with the 10th fetched: grown until nothing is left
    assert grow_nearest(2, fetch_ties, 5.0) == []  # nothing within the limit
