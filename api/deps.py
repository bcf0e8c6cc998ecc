"""Shared dependencies: the engine (catalog, index, locator), the geocoder, settings.

They are ``async``: they do no blocking work, and FastAPI would otherwise run each of them
in the thread pool on every request.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from fastapi import Request

from api.settings import Settings
from geo_clsm.backend import MemoryBackend, QueryBackend
from geo_clsm.cache import catalog_version
from geo_clsm.engine import Engine
from geo_clsm.geocode import Geocoder
from geo_clsm.layers import Catalog

DATA_VERSION_STATE_KEY = "data_version"


_ACCESS_TAG = "_access_tag"
_access_serials = itertools.count(1)
_serial_lock = threading.Lock()


def data_version(engine: Engine) -> str:
    """What the answers of ``engine`` depend on: its catalog's version and which set of access
    indicators it serves (recomputed in the background after an editor's change, then published
    on a copy of the engine).

    A set of indicators is told by a serial number this process gives it when first served, kept
    on the engine with the set itself: the set's ``id()`` would not do, since Python gives the
    address of a freed set to the next one, and two versions' answers would share a version (and
    the data cache's entries)."""
    version = catalog_version(engine.catalog)
    access = engine.__dict__.get("access")
    if access is None:
        return version
    tag = engine.__dict__.get(_ACCESS_TAG)
    if tag is None or tag[0] is not access:  # first served, or a copy of an engine with new indicators
        with _serial_lock:  # two first requests at once get the same number
            tag = engine.__dict__.get(_ACCESS_TAG)
            if tag is None or tag[0] is not access:
                tag = engine.__dict__[_ACCESS_TAG] = (access, next(_access_serials))
    return f"{version}-{tag[1]:x}"


async def get_engine(request: Request) -> Engine:
    """The engine serving now; the response says which data answered (``X-Data-Version``)."""
    engine: Engine = request.app.state.engine
    request.state.data_version = data_version(engine)
    return engine


async def get_backend(request: Request) -> QueryBackend:
    """The query backend of the engine serving now (``GEO_CLSM_QUERY_BACKEND``)."""
    return backend_of(request.app.state, request.app.state.engine)


def backend_of(state: Any, engine: Engine) -> QueryBackend:
    """The query backend answering for ``engine`` (the in-memory engine unless PostGIS is set)."""
    backend_for = getattr(state, "backend_for", None)
    return MemoryBackend(engine) if backend_for is None else backend_for(engine)


async def get_catalog(request: Request) -> Catalog:
    return (await get_engine(request)).catalog


async def get_geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
