"""After an editor's change: the engine rebuilt from the database of record and swapped in now.

The database is opened and the engine kept live from it by :mod:`geo_clsm.web.lifecycle`; :class:`LiveEngine`
replaces the engine whole after every change (this worker's, or another worker's seen through the
database's change counter).
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from geo_clsm.engine.core import Engine
from geo_clsm.web.lifecycle import service_state


def refresh(request: Request) -> Engine:
    """After a change: rebuild and swap the engine now, so the response's next read sees it.

    It builds an engine (seconds of CPU): call it from a ``def`` route (run in the thread pool),
    or use :func:`refresh_in_thread` from an ``async def`` one, never block the event loop with it."""
    return service_state(request).live.sync()


async def refresh_in_thread(request: Request) -> Engine:
    """:func:`refresh` for ``async def`` routes: the rebuild runs in the thread pool while the event
    loop keeps serving (a rebuild in the loop stalls every connection for seconds)."""
    return await run_in_threadpool(refresh, request)
