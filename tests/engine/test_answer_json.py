"""The encoded /api/nearest answer (issue 33): ``nearest_answer_json`` gives exactly the bytes of
``orjson.dumps(nearest_answer(...))``, its resources' public features encoded once per engine."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import orjson
import pytest

from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer, nearest_answer_json
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.geojson import FeatureCache, feature
from geo_clsm.model.resource_types import ResourceType

NOW = datetime(2026, 12, 7, 10, 30)
QUERIES = [
    NearestQuery(k=5),
    NearestQuery(k=1),
    NearestQuery(k=20, types=(ResourceType.CMP_ADULTE, ResourceType.GEM)),
    NearestQuery(k=5, age=15),
    NearestQuery(k=5, open_at=datetime(2026, 12, 8, 9, 0)),
    NearestQuery(k=5, languages=("en",)),
    NearestQuery(k=3, max_distance_m=800.0),
    NearestQuery(k=5, types=(ResourceType.MDA,), near_limit_m=1000.0),  # nothing near: lines, message
]
PLACES = [
    dict(LOCATED_BY_COORDINATES),
    {"located_by": "commune", "method": "commune", "precision": "commune", "name": "Metz"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_encoded_answer_is_the_answer_encoded(engine: Engine, query: NearestQuery) -> None:
    rng = np.random.default_rng(33)
    points = [
        (6.1955, 49.1197),
        (0.156, 45.648),
        *zip(rng.uniform(6.05, 6.35, 25), rng.uniform(49.0, 49.2, 25), strict=True),
    ]
    seen_features = 0
    for lon, lat in points:
        for located in PLACES:
            args = (float(lon), float(lat), located)
            expected = orjson.dumps(nearest_answer(*args, query=query, engine=engine, now=NOW))
            assert nearest_answer_json(*args, query=query, engine=engine, now=NOW) == expected
            seen_features += expected.count(b'"type":"Feature"')
    assert seen_features > 0


def test_a_dynamic_member_that_replaces_a_static_one_is_encoded_as_the_feature(engine: Engine) -> None:
    cache = FeatureCache()
    r = engine.catalog.resources[0]
    for dynamic in ({}, {"distance_m": 1.5, "open_now": None}, {"name": "autre", "distance_m": 2.0}):
        assert cache.feature_json(r, dynamic) == orjson.dumps(feature(r, dict(dynamic)))
        assert cache.feature_json(r, dynamic) == orjson.dumps(cache.feature(r, dynamic))


@pytest.mark.parametrize("moment", [datetime(2026, 12, 8, 10, 30), datetime(2026, 12, 25, 22, 15)])
def test_the_clock_read_when_needed_gives_the_answer_at_that_moment(engine: Engine, moment: datetime) -> None:
    """Issue 33: the answer reads the clock only when a result has hours or a notice, or national
    lines are listed; it is the answer at that moment (the clock frozen there), lines included."""
    from geo_clsm.model import clock
    from geo_clsm.model.hours import PARIS

    queries = [QUERIES[0], QUERIES[-1], NearestQuery(k=50)]
    with clock.frozen_at(moment):
        for query in queries:
            for lon, lat in [(6.1955, 49.1197), (0.156, 45.648), (6.22361, 49.11296)]:
                args = (lon, lat, dict(LOCATED_BY_COORDINATES))
                expected = orjson.dumps(
                    nearest_answer(*args, query=query, engine=engine, now=moment.replace(tzinfo=PARIS))
                )
                assert nearest_answer_json(*args, query=query, engine=engine) == expected


def test_open_now_is_the_one_evaluation_for_every_resource(engine: Engine) -> None:
    """``open_now`` (which skips the evaluation for a place with neither hours nor notice) is
    :func:`open_state` read as a boolean, for every resource, at moments open and closed."""
    from geo_clsm.model.hours import PARIS, open_now, open_state

    with_hours = 0
    for when in (datetime(2026, 12, 8, 10, 30, tzinfo=PARIS), datetime(2026, 12, 25, 3, 0, tzinfo=PARIS)):
        for r in engine.catalog.resources:
            state = open_state(r.hours, when, zone=r.time_zone, notice=r.notice)
            assert open_now(r, when) == (None if state == "unknown" else state == "open"), r.id
            with_hours += state != "unknown"
    assert with_hours > 0
