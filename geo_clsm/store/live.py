"""Keeping the in-memory query engine in step with the database of record.

The public API reads one immutable :class:`~geo_clsm.engine.core.Engine`. After a change, a new
engine is built from the database's active resources and swapped in whole (one reference
assignment): a request sees the old engine or the new one, never a mix. Access indicators
of the territories whose resources changed are recomputed in a background thread; the new
engine serves the previous indicators until then. Every worker process polls the data
version (a counter bumped in the same transaction as each change), so all of them pick up
a change within ``poll_interval_s``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.access.indicators import compute_access
from geo_clsm.access.params import AccessParams, AccessResult
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import Resource
from geo_clsm.model.sector import Sector
from geo_clsm.store import repo, seeding
from geo_clsm.store.sectors import active_sectors

log = logging.getLogger(__name__)


def catalog_from_store(base: Catalog, resources: list[Resource], sectors: tuple[Sector, ...] | None = None) -> Catalog:
    """``base`` (communes, QPV, layers from the files) with the database's resources (and sectors,
    when given; else ``base``'s) of its territories."""
    loaded = base.territories
    kept = (
        base.sectors if sectors is None else tuple(s for s in sectors if s.territory is None or s.territory in loaded)
    )
    if kept == base.sectors:
        kept = base.sectors  # the very same object: the engine keeps its sector index
    return dataclasses.replace(
        base, resources=[r for r in resources if r.territory is None or r.territory in loaded], sectors=kept
    )


def changed_territories(old: list[Resource], new: list[Resource]) -> set[str]:
    """Territories holding a resource that was added, removed or changed."""
    before = {r.id: r for r in old}
    after = {r.id: r for r in new}
    out: set[str] = set()
    for rid in before.keys() | after.keys():
        a, b = before.get(rid), after.get(rid)
        if a != b:
            out.update(t for t in (a.territory if a else None, b.territory if b else None) if t)
    return out


def changed_sector_territories(old: tuple[Sector, ...], new: tuple[Sector, ...]) -> set[str]:
    """Territories holding a sector that was added, removed or changed (their sector indicators are due)."""
    before = {s.id: s for s in old}
    after = {s.id: s for s in new}
    out: set[str] = set()
    for sid in before.keys() | after.keys():
        a, b = before.get(sid), after.get(sid)
        if a != b:
            out.update(t for t in (a.territory if a else None, b.territory if b else None) if t)
    return out


class LiveEngine:
    """Holds the current engine; rebuilds and swaps it when the data version moves."""

    def __init__(
        self,
        db: SqlEngine,
        engine: Engine,
        *,
        on_swap: Callable[[Engine], None] | None = None,
        poll_interval_s: float = 1.0,
        compute_access_in_background: bool = True,
        on_access: Callable[[Engine, set[str]], None] | None = None,
    ) -> None:
        self.db = db
        self.current = engine
        self.version = -1
        self.on_swap = on_swap
        self.poll_interval_s = poll_interval_s
        self.background = compute_access_in_background
        self._lock = threading.Lock()
        self._dirty: set[str] = set()
        # Territories whose published indicators lag behind their resources (recomputation due).
        self._pending: set[str] = set()
        self.on_access = on_access  # told which territories' indicators are up to date (observatory)
        self._access_thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._order = {r.id: i for i, r in enumerate(engine.catalog.resources)}

    def sync(self) -> Engine:
        """Rebuild from the database if its version moved (or on first call); returns the current engine."""
        with self._lock:
            with self.db.connect() as conn:
                version = repo.change_counter(conn)
                if version == self.version:
                    return self.current
                sectors = active_sectors(conn)
                if self.version == -1 and self._seed_copy(conn, sectors):  # start-up: nothing to read back
                    self.version = version
                    return self.current
                catalog = catalog_from_store(self.current.catalog, self._ordered(repo.active_resources(conn)), sectors)
            old = self.current
            resources = catalog.resources
            if resources == old.catalog.resources and catalog.sectors is old.catalog.sectors:
                self.version = version
                return old
            # Same communes and QPV: the same Locator. The previous indicators stay served until
            # the recomputed ones are ready.
            new = Engine(catalog, previous=old, access=old.computed_access)
            if old.computed_access is not None:
                changed = changed_territories(old.catalog.resources, resources)
                changed |= changed_sector_territories(old.catalog.sectors, catalog.sectors)
                self._dirty |= changed
                self._pending |= changed
            self.current = new
            self.version = version
            if self.on_swap:
                self.on_swap(new)
            log.info("engine rebuilt from the database (change counter %d, %d resources)", version, len(resources))
        self.notify_fresh(new)
        self._schedule_access()
        return new

    def rebase(self, engine: Engine) -> Engine:
        """A new data version of the layers: re-seed the database from it (never overwriting an
        editor's change), take its communes and QPV, and serve the database's resources."""
        from geo_clsm.data.cache import catalog_version

        territories = list(engine.catalog.territories)
        seeding.seed(
            self.db, engine.catalog.resources, territories=territories, version=catalog_version(engine.catalog)
        )
        with self._lock:
            self.current = engine
            self.version = -1
            self._order = {r.id: i for i, r in enumerate(engine.catalog.resources)}
            self._pending = set(self._dirty)  # the new layers' indicators are fresh, bar those due
        new = self.sync()
        if new is engine:
            self.notify_fresh(new)
        return new

    def _seed_copy(self, conn: Connection, sectors: tuple[Sector, ...]) -> bool:
        """The database holds exactly the current engine's resources, as seeded from its layers
        (no record changed by a person since), and its sectors: then the engine serves the
        database as it is."""
        from geo_clsm.data.cache import catalog_version

        catalog = self.current.catalog
        if catalog_from_store(catalog, catalog.resources, sectors).sectors is not catalog.sectors:
            return False
        return seeding.is_seed_copy(
            conn, version=catalog_version(catalog), territories=list(catalog.territories), count=len(catalog.resources)
        )

    def notify_fresh(self, engine: Engine) -> None:
        """Tell ``on_access`` which territories of ``engine`` (if current) have up-to-date indicators."""
        if self.on_access is None:
            return
        with self._lock:
            access = engine.computed_access
            if self.current is not engine or access is None:
                return
            fresh = set(access) - self._pending
        if fresh:
            self.on_access(engine, fresh)

    def _ordered(self, resources: list[Resource]) -> list[Resource]:
        """The shipped order first (pilots before the national layer), then new records by id."""
        last = len(self._order)
        return sorted(resources, key=lambda r: (self._order.get(r.id, last), r.id))

    def _schedule_access(self) -> None:
        if not self._dirty:
            return
        if not self.background:
            self.recompute_access()
            return
        if self._access_thread is None or not self._access_thread.is_alive():
            thread = threading.Thread(target=self.recompute_access, name="access-recompute", daemon=True)
            thread.start()  # before it is published: wait_for_access() cannot join a thread not yet started
            self._access_thread = thread

    def recompute_access(self) -> None:
        """Recompute the indicators of the changed territories, then publish them on the current engine."""
        while True:
            with self._lock:
                engine, dirty = self.current, set(self._dirty)
                self._dirty.clear()
            if not dirty:
                return
            with_qpv = set(engine.catalog.qpv["territory"])
            fresh: dict[str, AccessResult] = {}
            for tid in sorted(dirty & with_qpv):
                if self._stop.is_set():
                    return
                fresh[tid] = compute_access(engine.catalog, territory=tid, params=AccessParams())
            with self._lock:
                if self._stop.is_set():  # stopped meanwhile: no engine is built for an app that is gone
                    return
                if self.current is engine:
                    # A new engine (same catalog, index, markers) with the new indicators, swapped
                    # in whole: an engine never changes once served, so a request (and the data
                    # version it reports) sees the old indicators or the new ones.
                    published = engine.with_access({**(engine.computed_access or {}), **fresh})
                    self.current = published
                    self._pending -= dirty
                    if self.on_swap:
                        self.on_swap(published)
                else:
                    self._dirty |= dirty  # a newer engine arrived meanwhile: recompute on it
                    continue
            self.notify_fresh(published)

    def wait_for_access(self, timeout_s: float = 120.0) -> None:
        """Block until background indicator computations are done (tests, shutdown)."""
        t = self._access_thread
        if t is not None:
            t.join(timeout_s)

    def start(self) -> None:
        """Watch for changes made by other workers, in a daemon thread.

        PostgreSQL: ``LISTEN geo_clsm_data`` wakes the thread at once (every change sends a
        ``NOTIFY``); the data version is still checked every ``poll_interval_s``, which is
        all SQLite does.
        """
        listener = self._listen() if self.db.dialect.name == "postgresql" else None

        def loop() -> None:
            while not self._stop.is_set():
                self._wait(listener)
                if self._stop.is_set():
                    break
                try:
                    self.sync()
                except Exception:  # keep polling: the next round may succeed
                    log.exception("could not refresh the engine from the database")
            if listener is not None:
                listener.close()

        self._poller = threading.Thread(target=loop, name="data-version-poll", daemon=True)
        self._poller.start()

    def _listen(self) -> Any:
        try:
            import psycopg

            url = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = psycopg.connect(url, autocommit=True)
            conn.execute("LISTEN geo_clsm_data")
            return conn
        except Exception:
            log.exception("LISTEN unavailable: polling the data version only")
            return None

    def _wait(self, listener: Any) -> None:
        if listener is None:
            self._stop.wait(self.poll_interval_s)
            return
        try:
            for _ in listener.notifies(timeout=self.poll_interval_s, stop_after=1):
                pass
        except Exception:
            log.exception("LISTEN connection lost: polling the data version")
            self._stop.wait(self.poll_interval_s)

    def stop(self) -> None:
        """Stop watching, and let a background computation of indicators end without publishing (it
        would otherwise build one more engine after the app is gone, held as long as the app is)."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        if self._access_thread is not None:
            self._access_thread.join(timeout=5)
