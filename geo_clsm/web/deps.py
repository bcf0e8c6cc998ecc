"""Shared dependencies: the engine (catalog, index, locator), the geocoder, settings.

They are ``async``: they do no blocking work, and FastAPI would otherwise run each of them
in the thread pool on every request.
"""

from __future__ import annotations

from fastapi import Request

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.backend import MemoryBackend, QueryBackend
from geo_clsm.engine.build import data_version
from geo_clsm.engine.core import Engine
from geo_clsm.engine.geocode import Geocoder
from geo_clsm.settings import Settings
from geo_clsm.web.lifecycle import ServiceState, service_state

DATA_VERSION_STATE_KEY = "data_version"


async def get_engine(request: Request) -> Engine:
    """The engine serving now; the response says which data answered (``X-Data-Version``)."""
    engine = serving_engine(service_state(request))
    request.state.data_version = data_version(engine)
    return engine


def serving_engine(state: ServiceState) -> Engine:
    """The engine serving now (set at start-up, before the first request)."""
    engine = state.engine
    assert engine is not None, "no engine before start-up"
    return engine


async def get_backend(request: Request) -> QueryBackend:
    """The query backend of the engine serving now (``GEO_CLSM_QUERY_BACKEND``)."""
    state = service_state(request)
    return backend_of(state, serving_engine(state))


def backend_of(state: ServiceState, engine: Engine) -> QueryBackend:
    """The query backend answering for ``engine`` (the in-memory engine unless PostGIS is set)."""
    backend_for = getattr(state, "backend_for", None)
    return MemoryBackend(engine) if backend_for is None else backend_for(engine)


async def get_catalog(request: Request) -> Catalog:
    return (await get_engine(request)).catalog


async def get_geocoder(request: Request) -> Geocoder:
    return serving_geocoder(service_state(request))


def serving_geocoder(state: ServiceState) -> Geocoder:
    """The geocoder of the engine serving now (set with it, before the first request)."""
    geocoder = state.geocoder
    assert geocoder is not None, "no geocoder before start-up"
    return geocoder


async def get_settings(request: Request) -> Settings:
    return service_state(request).settings
