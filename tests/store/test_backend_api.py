"""``GEO_CLSM_QUERY_BACKEND=postgis``: the API answers from PostGIS what it answers from memory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo_clsm.engine import Engine
from geo_clsm.postgis_backend import PostgisBackend
from geo_clsm.store import connect

LAYERS = Path(__file__).resolve().parents[2] / "layers"


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = os.environ.get("GEO_CLSM_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GEO_CLSM_TEST_PG_URL is not set: run the tests through `make test`, which starts PostgreSQL")
        pytest.skip("GEO_CLSM_TEST_PG_URL is not set (run `make test` to start a PostgreSQL)")
    eng = connect(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    eng.dispose()
    return url


@pytest.fixture(scope="module")
def clients(engine: Engine, pg_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    common: dict[str, Any] = {"data_dir": LAYERS, "database_url": pg_url, "reload_interval_s": 0}
    memory = create_app(Settings(**common, query_backend="memory"), engine=engine)
    postgis = create_app(Settings(**common, query_backend="postgis"), engine=engine)
    with TestClient(memory) as a, TestClient(postgis) as b:
        yield a, b


QUERIES = [
    "/api/nearest?lat=49.1197&lon=6.1955",
    "/api/nearest?lat=49.1197&lon=6.1955&type=CMP&age=15&k=8",
    "/api/nearest?lat=45.6484&lon=0.156&type=GEM&lang_spoken=fr",
    "/api/nearest?lat=-20.89&lon=55.45&k=10",
    "/api/nearest?lat=48.85&lon=2.35&type=MDA&max_distance_m=2000",
    "/api/nearest?commune=Angoul%C3%AAme&type=CMP_ENFANT",
    "/api/nearest?lat=45.0&lon=-30.0",
    "/api/resources?bbox=6.0,49.0,6.35,49.25&type=CMP",
    "/api/resources?bbox=55.2,-21.4,55.9,-20.8",
    "/api/resources?territory=metz&q=cmp&limit=50",
    "/recherche?q=Borny&situation=urgence",
]


@pytest.mark.parametrize("url", QUERIES)
def test_same_response_from_both_backends(clients: tuple[TestClient, TestClient], url: str) -> None:
    memory, postgis = clients
    a, b = memory.get(url), postgis.get(url)
    assert b.status_code == a.status_code
    if a.headers["content-type"].startswith("application/json"):
        assert b.json() == a.json()
    else:
        assert b.text.replace(_nonce(b.text), "") == a.text.replace(_nonce(a.text), "")


def _nonce(html: str) -> str:
    at = html.find('nonce="')
    return "" if at < 0 else html[at + 7 : html.find('"', at + 7)]


def test_postgis_app_serves_with_the_postgis_backend(clients: tuple[TestClient, TestClient]) -> None:
    _, postgis = clients
    app: Any = postgis.app
    assert isinstance(app.state.backend_for(app.state.engine), PostgisBackend)


def test_postgis_backend_on_sqlite_refused_at_start(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=LAYERS, database_url=f"sqlite:///{tmp_path / 'x.db'}", query_backend="postgis")
    with pytest.raises(Exception, match="PostgreSQL"), TestClient(create_app(settings, engine=engine)):
        pass
