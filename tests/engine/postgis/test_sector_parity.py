"""The sector on PostGIS (issue 29 item 2): ``sectors_at`` by ``ST_Covers`` on ``sector_extents``
gives the in-memory index's sectors at every point, and a nearest answer (referents first, roles,
``query.sectors``, the unknown cases) is the same through both backends, on the FICTITIOUS sectors
of ``tests/fixtures/sectors`` stored in the database of record.

PostgreSQL + PostGIS only (``make pytest`` starts it and passes ``GEO_CLSM_TEST_PG_URL``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer
from geo_clsm.engine.backend import MemoryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.engine.postgis.backend import PostgisBackend
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.store.db import connect
from geo_clsm.store.live import LiveEngine
from geo_clsm.store.sectors import replace_sectors
from geo_clsm.store.startup import open_store
from tests.sector_fixtures import POINTS, fictitious_sectors

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def backends(catalog: Catalog) -> Iterator[tuple[MemoryBackend, PostgisBackend]]:
    url = os.environ.get("GEO_CLSM_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GEO_CLSM_TEST_PG_URL is not set: run the tests through `make pytest`, which starts PostgreSQL")
        pytest.skip("GEO_CLSM_TEST_PG_URL is not set (run `make pytest` to start a PostgreSQL)")
    reset = connect(url)
    with reset.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    reset.dispose()
    db = open_store(url, shipped=lambda: catalog.resources, territories=list(catalog.territories))
    replace_sectors(db, fictitious_sectors(catalog), author="tests (secteurs fictifs)")
    engine = LiveEngine(db, Engine(catalog), compute_access_in_background=False).sync()
    assert engine.sectors.has_data
    yield MemoryBackend(engine), PostgisBackend(db, engine)
    db.dispose()


def _grid() -> list[tuple[float, float]]:
    """Points over the Metz territory (and the fixture's named points): in each sector, on the
    drawn line's neighbourhood, in the communes in no sector."""
    xs, ys = np.linspace(5.98, 6.32, 12), np.linspace(49.02, 49.20, 10)
    return [(round(float(x), 5), round(float(y), 5)) for x in xs for y in ys] + list(POINTS.values())


def test_sectors_at_covers_as_the_memory_index(backends: tuple[MemoryBackend, PostgisBackend]) -> None:
    memory, pg = backends
    seen = set()
    for lon, lat in _grid():
        mem = [s.id for s in memory.sectors_at(lon, lat)]
        assert [s.id for s in pg.sectors_at(lon, lat)] == mem, (lon, lat)
        seen.add(tuple(mem))
    assert () in seen and len(seen) >= 4  # points in no sector, and in several different sectors


def _answer(backend: Any, point: tuple[float, float], located: dict[str, Any], **q: Any) -> dict[str, Any]:
    return nearest_answer(point[0], point[1], located, query=NearestQuery(**q), engine=backend.engine, backend=backend)


QUERIES: list[dict[str, Any]] = [
    {"types": [ResourceType.CMP_ADULTE], "k": 2},
    {"k": 5},
    {"types": [ResourceType.CMP], "age": 14, "k": 3},
    {"types": [ResourceType.CMP, ResourceType.HDJ], "age": 40, "k": 4},
]


@pytest.mark.parametrize("q", QUERIES)
def test_nearest_answers_with_sectors_are_the_same(
    backends: tuple[MemoryBackend, PostgisBackend], q: dict[str, Any]
) -> None:
    memory, pg = backends
    commune = {"located_by": "commune", "method": "commune", "precision": "commune"}
    for point, located in [
        *((p, dict(LOCATED_BY_COORDINATES)) for p in POINTS.values()),
        (POINTS["metz_sud_gambetta"], commune),  # Metz at commune precision: adult sector unknown
    ]:
        a, b = _answer(memory, point, located, **q), _answer(pg, point, located, **q)
        assert a["query"] == b["query"], point
        assert [f["id"] for f in a["features"]] == [f["id"] for f in b["features"]], point
        assert [f["properties"]["sector_role"] for f in a["features"]] == [
            f["properties"]["sector_role"] for f in b["features"]
        ]
        for fa, fb in zip(a["features"], b["features"], strict=True):
            assert fb["properties"]["distance_m"] == pytest.approx(fa["properties"]["distance_m"], rel=1e-3, abs=0.2)
    sud = _answer(pg, POINTS["metz_sud_gambetta"], dict(LOCATED_BY_COORDINATES), types=[ResourceType.CMP_ADULTE], k=2)
    assert sud["features"][0]["id"] == "metz-cmp-cattp-adultes-montigny"  # the referent, beyond the 2 nearest
    assert sud["features"][0]["properties"]["sector_role"] == "referent"
