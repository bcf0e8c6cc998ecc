"""Live data: the service picks up a new data version or territory without a restart.

A background task checks, every ``reload_interval_s``, a token made of what defines the data in
service (the versions in service, the local territories file). When it changes, a new Engine is
built in a worker thread (layers, index, access indicators) while the old one keeps answering,
then swapped in one assignment: a request sees the old data or the new data, never a mix.

The commands that change the data in service (``geo-clsm data update``, ``data rollback``) first
fill the start-up cache for the new data in their own process (:func:`prepare_cache`), so the
service only reads it back, as a warm restart does: parsing every layer in the serving process
(GDAL, pyogrio, GEOS, in worker threads) left it about 100 MB larger for good, freed memory that
glibc's arenas keep and ``malloc_trim`` cannot return (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI

from api.settings import Settings
from geo_clsm.cache import load_catalog_cached, warm_access
from geo_clsm.catalog import Catalog, same_objects
from geo_clsm.data.versions import VersionStore, pending
from geo_clsm.engine import Engine
from geo_clsm.errors import GeoClsmError

log = logging.getLogger("geo_clsm.reload")


def data_token(settings: Settings) -> str:
    local = settings.local_territories_file
    territories = local.read_text(encoding="utf-8") if local.is_file() else ""
    return VersionStore(settings.versions_dir).token() + "\n--\n" + territories


def build_engine(settings: Settings) -> Engine:
    """Load the catalog (shipped layers, local territories, data versions in service) and build an engine."""
    catalog = load_catalog_cached(  # parsed once per data version (see geo_clsm.cache)
        settings.data_dir,
        territories=settings.territories,
        local_file=settings.local_territories_file,
        versions_dir=settings.versions_dir,
        cache_dir=settings.cache_dir,
    )
    engine = Engine(catalog)
    warm_access(engine, cache_dir=settings.cache_dir)  # before the swap: the old ones are served meanwhile
    return engine


def prepare_cache(settings: Settings, *, current: dict[str, str]) -> bool:
    """Parse the layers and compute the indicators the service will serve once ``current`` (the
    versions per source) is written, into ``settings.cache_dir``; nothing is written to the
    versions folder. False when there is no cache to fill (``cache_dir`` unset)."""
    if settings.cache_dir is None:
        return False
    with pending(settings.versions_dir, current):
        build_engine(settings)
    return True


def install_engine(app: FastAPI, engine: Engine) -> None:
    """Swap the engine (and what is derived from it) in one go."""
    from api.main import build_geocoder

    geocoder = _geocoder_for(app, engine.catalog, build_geocoder)
    backend_for = getattr(app.state, "backend_for", None)
    if backend_for is not None:
        backend_for(engine)  # the PostGIS backend's layer tables follow the engine before it serves
    replaced = getattr(app.state, "engine", None)
    app.state.geocoder = geocoder
    app.state.engine = engine
    if replaced is not None and replaced is not engine:
        app.state.memory.schedule()  # its memory, once the requests using it are done


def _geocoder_for(app: FastAPI, catalog: Catalog, build: Callable[[Settings, Catalog], Any]) -> Any:
    """The geocoder for ``catalog``: the one serving when the places it knows (communes, town
    halls, QPV, the layers it reads, territories) are the same objects, as after an editor's
    change (only the resources differ); else a new one. An editor changing a phone number does
    not rebuild the gazetteer of France's communes (a second of CPU, some 20 MB to reallocate)."""
    parts = catalog.place_parts()
    current = getattr(app.state, "geocoder", None)
    if current is not None and same_objects(getattr(app.state, "geocoder_parts", ()), parts):
        return current
    app.state.geocoder_parts = parts
    return build(app.state.settings, catalog)


async def _watch(app: FastAPI, settings: Settings) -> None:
    token = data_token(settings)
    while True:
        await asyncio.sleep(settings.reload_interval_s)
        new = await asyncio.to_thread(data_token, settings)
        if new == token:
            continue
        token = new
        await _load(app, settings)


async def _load(app: FastAPI, settings: Settings) -> None:
    """Build the new engine in worker threads (the event loop keeps serving the old one), then swap it in.

    A function of its own: the watcher, which lives as long as the app, keeps no reference to the
    engine (it would stay alive after the next change replaced it)."""
    try:
        engine = await asyncio.to_thread(build_engine, settings)
        live = getattr(app.state, "live", None)
        if live is not None:  # database of record: the new layers re-seed it, resources come from it
            engine = await asyncio.to_thread(live.rebase, engine)
    except (GeoClsmError, OSError, ValueError) as exc:
        log.error("nouvelle version des données non chargée, l'ancienne reste en service : %s", exc)
        return
    install_engine(app, engine)
    log.info("nouvelle version des données en service")


@contextlib.asynccontextmanager
async def watching(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    task = asyncio.create_task(_watch(app, settings)) if settings.reload_interval_s > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
