"""The bounded pool for heavy work: batches, import previews, documents (guide, report).

Heavy work never runs on the event loop: it runs in a few threads of its own
(``GEO_CLSM_HEAVY_WORKERS``, 2 by default), so that ``/healthz``, ``/api/nearest`` and the pages
keep answering while a planner's batch or an editor's import is being worked on.

Admission is bounded: a request takes a *ticket* for the whole of its heavy work (a streamed
batch keeps it until its last byte). Beyond ``workers + queue`` tickets
(``GEO_CLSM_HEAVY_QUEUE``, 4 by default) a request is refused at once with a 429, a French
message and ``Retry-After`` (estimated from the recent jobs' duration), instead of piling up
threads and memory.

- ``async with pool.ticket(): await pool.run(fn, ...)`` from ``async`` routes;
- ``dependencies=[heavy_ticket()]`` on a ``def`` route, and ``run_sync(request, fn, ...)`` inside it.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ParamSpec, TypeVar

from fastapi import Depends, HTTPException, Request

P = ParamSpec("P")
T = TypeVar("T")

BUSY: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Service occupé par d'autres travaux lourds (lots, imports, documents) : réessayer après "
        "le délai de l'en-tête `Retry-After` (s)."
    }
}
"""``responses=`` entry for a route whose work goes through the pool (documents the 429)."""


def busy_message(retry_s: int) -> str:
    """The French message of a refusal: what happens, and when to try again."""
    return (
        "service occupé : trop de travaux lourds en cours (lots de points, aperçus d'import, documents) ; "
        f"réessayer dans {retry_s} s"
    )


class HeavyPool:
    """A thread pool of ``workers`` threads admitting at most ``workers + queue`` requests at once."""

    def __init__(self, *, workers: int = 2, queue: int = 4) -> None:
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="geo-clsm-heavy")
        self._lock = threading.Lock()
        self._admitted = 0
        self._job_s = 1.0  # moving average of a job's duration, for Retry-After

    @property
    def admitted(self) -> int:
        """Requests holding a ticket now."""
        return self._admitted

    def retry_after_s(self) -> int:
        """Seconds after which a refused request may find room (at least 1)."""
        return max(1, math.ceil(self._job_s * self.capacity / self.workers))

    @contextmanager
    def held(self) -> Iterator[None]:
        """A ticket, or ``HTTPException(429)`` at once when ``workers + queue`` are already admitted."""
        with self._lock:
            if self._admitted >= self.capacity:
                retry = self.retry_after_s()
                raise HTTPException(status_code=429, detail=busy_message(retry), headers={"Retry-After": str(retry)})
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1

    @asynccontextmanager
    async def ticket(self) -> AsyncIterator[None]:
        with self.held():
            yield

    def _timed(self, call: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        try:
            return call()
        finally:
            self._job_s = 0.8 * self._job_s + 0.2 * (time.perf_counter() - t0)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in one of the pool's threads; the event loop waits without blocking.
        The caller holds a ticket."""
        return await asyncio.wrap_future(self._executor.submit(self._timed, functools.partial(fn, *args, **kwargs)))

    def run_blocking(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in one of the pool's threads, from a thread (a ``def`` route)
        holding a ticket."""
        return self._executor.submit(self._timed, functools.partial(fn, *args, **kwargs)).result()


def heavy_pool(request: Request) -> HeavyPool:
    """The app's pool (set up with the app's state, sized by the settings: geo_clsm.web.lifecycle)."""
    pool: HeavyPool = request.app.state.heavy
    return pool


def heavy_ticket() -> Any:
    """A dependency holding one of the pool's tickets for the request (429 when full); for ``def``
    routes that then call :func:`run_sync`."""

    async def hold(request: Request) -> AsyncIterator[None]:
        async with heavy_pool(request).ticket():
            yield

    return Depends(hold)


def run_sync(request: Request, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn`` in the app's pool, waited for from a ``def`` route (which holds a ticket)."""
    return heavy_pool(request).run_blocking(fn, *args, **kwargs)
