"""Store fixtures: every store test runs on SQLite and on the real PostgreSQL + PostGIS.

``make test`` starts a throw-away PostgreSQL and passes its URL in ``GEO_CLSM_TEST_PG_URL``.
Without it the PostgreSQL cases are skipped on a developer's machine, and fail under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.resource import Resource
from geo_clsm.store.db import connect
from geo_clsm.store.startup import open_store


def _reset_pg(url: str) -> None:
    eng = connect(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
    url = os.environ.get("GEO_CLSM_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GEO_CLSM_TEST_PG_URL is not set: run the tests through `make test`, which starts PostgreSQL")
        pytest.skip("GEO_CLSM_TEST_PG_URL is not set (run `make test` to start a PostgreSQL)")
    _reset_pg(url)
    return url


@pytest.fixture(scope="session")
def shipped(catalog: Catalog) -> list[Resource]:
    """A slice of the shipped resources: pilots' curated records and some national ones."""
    pilots = [r for r in catalog.resources if r.territory in ("metz", "angouleme")][:30]
    national = [r for r in catalog.resources if r.territory not in ("metz", "angouleme")][:10]
    return pilots + national


@pytest.fixture
def db(db_url: str, shipped: list[Resource]) -> Iterator[SqlEngine]:
    eng = open_store(db_url, shipped=lambda: shipped)
    yield eng
    eng.dispose()
