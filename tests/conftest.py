"""Shared fixtures: the shipped layers loaded once, and an app built on them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.layers import load_catalog
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

DATA = Path(__file__).parent / "data"
LAYERS = Path(__file__).resolve().parent.parent / "layers"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the headless Chromium (tests/e2e); left out by `make test-fast`"
    )
    config.addinivalue_line(
        "markers", "pg: needs the throw-away PostgreSQL (GEO_CLSM_TEST_PG_URL); left out by `make test-fast`"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are those of tests/e2e; PostgreSQL tests are the ``postgresql`` case of the
    ``db_url`` fixture (and modules marked ``pytestmark = pytest.mark.pg``)."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.pg)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(LAYERS)


@pytest.fixture(scope="session", autouse=True)
def _session_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Apps built by session- or module-scoped fixtures without a database URL: a temporary file, never ./var/."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_CLSM_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('default-db') / 'geo_clsm.db'}")
        yield


@pytest.fixture(autouse=True)
def _own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An app a test builds without a database URL gets its own SQLite file, never ./var/."""
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", f"sqlite:///{tmp_path / 'geo_clsm.db'}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database of record for the shared apps (created and seeded on first start)."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'geo_clsm.db'}"


@pytest.fixture(scope="session")
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=LAYERS, database_url=database_url), engine=engine)) as c:
        yield c


@pytest.fixture(scope="session")
def engine(catalog: Catalog) -> Engine:
    return Engine(catalog)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(engine: Engine, database_url: str) -> Iterator[str]:
    """The app in uvicorn on 127.0.0.1 (tiles "none"), for the browser and fuzz tests."""
    port = _free_port()
    app = create_app(Settings(tiles_url="none", database_url=database_url), engine=engine)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)
