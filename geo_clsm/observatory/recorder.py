"""Recording snapshots off the request path: one background thread, fed after each reload.

The live engine (:class:`geo_clsm.store.live.LiveEngine`) calls :meth:`SnapshotRecorder.submit`
with the territories whose indicators are up to date on a new engine (at start-up, after an
editor's change once the indicators are recomputed, after a data update). The thread builds
the snapshots and writes those whose content changed; a request never waits for it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.engine.core import Engine
from geo_clsm.observatory.snapshots import engine_snapshots, record

log = logging.getLogger(__name__)


class SnapshotRecorder:
    """Writes the snapshots of the engines it is given, in its own thread, in order."""

    def __init__(self, db: SqlEngine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock
        self._queue: queue.Queue[tuple[Engine, frozenset[str] | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record_now(self, engine: Engine, territories: Iterable[str] | None = None) -> list[int]:
        """Record in the calling thread; the ids of the new snapshots."""
        now = self.clock() if self.clock else None
        ids = [record(self.db, s, now=now) for s in engine_snapshots(engine, territories)]
        return [i for i in ids if i is not None]

    def submit(self, engine: Engine, territories: Iterable[str] | None = None) -> None:
        """Record later, in the background thread (never blocks)."""
        self._queue.put((engine, None if territories is None else frozenset(territories)))
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="observatory-snapshots", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while self._next():
            pass

    def _next(self) -> bool:
        """Record one queued engine; False on the stop mark. A function of its own: while the thread
        waits for the next item it holds no reference to the last engine (a replaced one is freed)."""
        item = self._queue.get()
        try:
            if item is None:
                return False
            engine, territories = item
            ids = self.record_now(engine, territories)
            if ids:
                log.info("observatory: %d new snapshot(s)", len(ids))
        except Exception:  # the service goes on; the next version will be recorded
            log.exception("observatory: snapshot not recorded")
        finally:
            self._queue.task_done()
        return True

    def wait(self) -> None:
        """Block until everything submitted so far is recorded (tests, shutdown)."""
        if self._thread is not None:
            self._queue.join()

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)
