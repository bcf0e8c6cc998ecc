"""Giving back to the system the memory of an engine that is no longer served.

After a change, a new engine (index, locator, service areas, and after a data update a whole
catalog) replaces the old one, which is freed once the last request using it ends. Python
returns the freed blocks to the C allocator, but glibc's ``malloc`` keeps most of them in its
arenas (one per thread that allocated: the engine is built in worker threads), so the process's
resident memory grows by tens of MB with each change although the live objects do not. And the
parts of the old engine held in reference cycles wait for a full collection (forever for the
start-up engine, frozen by ``gc.freeze()``).

:class:`MemoryReleaser`, in a daemon thread, a few seconds after the last swap (requests still
running on the old engine have ended by then; a burst of changes gives one release): one full
collection with the frozen objects unfrozen, then freezes the survivors again, then asks glibc to
give the free pages back (``malloc_trim(0)``, a ``ctypes`` call that runs without the GIL).
Elsewhere than glibc the trim is skipped.

It also caps glibc's arenas at :data:`MALLOC_ARENAS` (``mallopt(M_ARENA_MAX)``, unless the
environment sets ``MALLOC_ARENA_MAX``): by default each thread that allocates gets its own arena
(up to 8 per core), and each keeps its own fragmented free memory, which ``malloc_trim`` cannot
return; under load (the request thread pool, the rebuilds in worker threads) the RSS crept up
with every change. Two arenas: the growth through editors' changes mostly stops
(docs/reliability.md, ``make load``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's arenas from now on (arenas already created stay); False where not glibc, or when
    ``MALLOC_ARENA_MAX`` is set in the environment (the operator's choice, applied by glibc)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


def _glibc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def run() -> None:
        trim(0)

    return run


class MemoryReleaser:
    """Trims the allocator ``delay_s`` after the last :meth:`schedule` (debounced, one thread)."""

    def __init__(
        self,
        *,
        delay_s: float = 5.0,
        trim: Callable[[], None] | None = None,
        collect: bool = True,
        malloc_arenas: int | None = MALLOC_ARENAS,
    ) -> None:
        """``malloc_arenas``: cap glibc's arenas (:func:`limit_malloc_arenas`) for the process; None: leave them."""
        if malloc_arenas is not None:
            limit_malloc_arenas(malloc_arenas)
        self.delay_s = delay_s
        self.collect = collect
        self._trim = trim if trim is not None else _glibc_trim()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.trims = 0  # how many trims ran (tests)

    def schedule(self) -> None:
        """An engine was swapped out: trim once the requests still using it are done."""
        if self.delay_s < 0:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="memory-release", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            # Debounce: wait until no swap happened for delay_s.
            while self._wake.wait(self.delay_s) and not self._stop.is_set():
                self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.release()
            except Exception:  # never take the service down for a trim
                log.exception("memory release failed")

    def release(self) -> None:
        """Collect the old engine's cyclic garbage, re-freeze what lives on, give free pages back.

        The start-up objects are frozen (``gc.freeze()`` in the app's lifespan: a full collection
        never walks them during a request); a reference cycle among frozen objects is never
        collected, so the first engine's would stay forever. Here the frozen objects are unfrozen,
        one full collection frees every cycle no longer reachable (the replaced engine's included),
        and what survives (the engine now served) is frozen again, for the same reason as at
        start-up. One full collection per burst of changes, in this thread."""
        if self.collect:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        if self._trim is not None:
            self._trim()
        self.trims += 1

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
