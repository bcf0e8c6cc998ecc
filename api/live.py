"""Wiring the database of record into the app: open (create + seed) it, keep the engine live.

The public routes keep reading ``app.state.engine``; :class:`LiveEngine` replaces it whole
after every change (this worker's, or another worker's seen through the data version).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from geo_clsm.backend import backend_factory
from geo_clsm.cache import catalog_version
from geo_clsm.engine import Engine
from geo_clsm.observatory import SnapshotRecorder
from geo_clsm.store import open_store
from geo_clsm.store.live import LiveEngine


def attach_store(app: FastAPI, settings: Settings, engine: Engine) -> LiveEngine:
    """Open the database (created when new; the seed brings in ``engine``'s shipped resources,
    never over an editor's change), and build the engine from it."""
    db = open_store(
        settings.database_url,
        shipped=lambda: engine.catalog.resources,
        territories=list(engine.catalog.territories),
        shipped_version=catalog_version(engine.catalog),  # the same layers as the last start: no seed
    )

    backend_for = backend_factory(settings.query_backend, db=db)  # refuses postgis on SQLite, at start-up

    def on_swap(new: Engine) -> None:
        backend_for(new)  # PostGIS: its layer tables follow the new engine before it serves
        app.state.engine = new  # rendered pages and reports are cached by data version (api/caches.py)
        app.state.memory.schedule()  # the old engine's memory, once the requests using it are done

    recorder = SnapshotRecorder(db)  # the observatory: snapshots written off the request path
    live = LiveEngine(
        db, engine, on_swap=on_swap, poll_interval_s=settings.data_poll_interval_s, on_access=recorder.submit
    )
    app.state.db = db
    app.state.backend_for = backend_for
    app.state.recorder = recorder
    app.state.live = live
    app.state.engine = live.sync()
    return live


def detach_store(app: FastAPI) -> None:
    live: LiveEngine = app.state.live
    live.stop()
    app.state.recorder.stop()
    live.db.dispose()


def refresh(request: Request) -> Engine:
    """After a change: rebuild and swap the engine now, so the response's next read sees it.

    It builds an engine (seconds of CPU): call it from a ``def`` route (run in the thread pool),
    or use :func:`refresh_in_thread` from an ``async def`` one, never block the event loop with it."""
    live: LiveEngine = request.app.state.live
    return live.sync()


async def refresh_in_thread(request: Request) -> Engine:
    """:func:`refresh` for ``async def`` routes: the rebuild runs in the thread pool while the event
    loop keeps serving (a rebuild in the loop stalls every connection for seconds)."""
    return await run_in_threadpool(refresh, request)
