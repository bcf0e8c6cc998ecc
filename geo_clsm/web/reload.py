"""Live data: the service picks up a new data version or territory without a restart.

A background task checks, every ``reload_interval_s``, a token made of what defines the data in
service (the versions in service, the local territories file). When it changes, a new Engine is
built in a worker thread (layers, index, access indicators) while the old one keeps answering,
then swapped in one assignment: a request sees the old data or the new data, never a mix.

The commands that change the data in service (``geo-clsm data update``, ``data rollback``) first
fill the start-up cache for the new data in their own process
(:func:`geo_clsm.engine.build.prepare_cache`), so the
service only reads it back, as a warm restart does: parsing every layer in the serving process
(GDAL, pyogrio, GEOS, in worker threads) left it about 100 MB larger for good, freed memory that
glibc's arenas keep and ``malloc_trim`` cannot return (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from geo_clsm.data.versions import VersionStore
from geo_clsm.engine.build import build_engine
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.settings import Settings
from geo_clsm.web.lifecycle import install_engine, service_state

log = logging.getLogger("geo_clsm.reload")


def data_token(settings: Settings) -> str:
    local = settings.local_territories_file
    territories = local.read_text(encoding="utf-8") if local.is_file() else ""
    return VersionStore(settings.versions_dir).token() + "\n--\n" + territories


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
        live = getattr(service_state(app), "live", None)
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
