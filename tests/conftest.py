"""Shared fixtures: the shipped layers loaded once, and an app built on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo_clsm.engine import Engine
from geo_clsm.layers import Catalog, load_catalog

DATA = Path(__file__).parent / "data"
LAYERS = Path(__file__).resolve().parent.parent / "layers"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(LAYERS)


@pytest.fixture(scope="session")
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=LAYERS), engine=engine)) as c:
        yield c


@pytest.fixture(scope="session")
def engine(catalog: Catalog) -> Engine:
    return Engine(catalog)
