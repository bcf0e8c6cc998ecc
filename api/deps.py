"""Shared dependencies: the engine (catalog, index, locator), the geocoder, settings.

They are ``async``: they do no blocking work, and FastAPI would otherwise run each of them
in the thread pool on every request.
"""

from __future__ import annotations

from fastapi import Request

from api.settings import Settings
from geo_clsm.backend import MemoryBackend, QueryBackend
from geo_clsm.engine import Engine
from geo_clsm.geocode import Geocoder
from geo_clsm.layers import Catalog


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_backend(request: Request) -> QueryBackend:
    """The query backend of the engine serving now (``GEO_CLSM_QUERY_BACKEND``)."""
    engine: Engine = request.app.state.engine
    backend_for = getattr(request.app.state, "backend_for", None)
    return MemoryBackend(engine) if backend_for is None else backend_for(engine)


async def get_catalog(request: Request) -> Catalog:
    return (await get_engine(request)).catalog


async def get_geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
