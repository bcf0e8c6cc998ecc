"""The app's lifecycle, and the one owner of its state: start, the engine swap, the store, shutdown.

Every attribute of ``app.state`` is set here (:class:`ServiceState`, typed); routers and middlewares
read it through :func:`service_state` (or the dependencies of :mod:`geo_clsm.web.deps`). The caches it holds
(pages, reports, documents, charts, rate buckets, the national run) are filled by their routers.

- :func:`init_state`: what exists before start-up (settings, caches, the memory releaser);
- :func:`start`: the first engine (given, or built from the settings by
  :func:`geo_clsm.engine.build.build_engine`), the database of record, then the background threads;
- :func:`install_engine`: the one swap, used at start-up, by the reload watcher (new data files) and
  after an editor's change (:class:`~geo_clsm.store.live.LiveEngine`): the query backend follows the
  new engine before it serves, the geocoder is kept when the places it knows are the same objects,
  the engine is replaced in one assignment and the old one's memory is released once the requests
  using it are done;
- :func:`stop`: the database and the background threads.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, MutableMapping
from typing import Any, cast

from fastapi import FastAPI, Request
from sqlalchemy.engine import Engine as SqlEngine
from starlette.datastructures import State

from geo_clsm.campaigns.worker import OutboxWorker, outbox_worker
from geo_clsm.data.cache import catalog_version
from geo_clsm.data.catalog import Catalog, same_objects
from geo_clsm.engine.backend import QueryBackend, backend_factory
from geo_clsm.engine.build import build_engine
from geo_clsm.engine.core import Engine
from geo_clsm.engine.deferred import Deferred, DeferredProxy
from geo_clsm.engine.gazetteer import Gazetteer
from geo_clsm.engine.geocode import BanGeocoder, Geocoder, OfflineGeocoder
from geo_clsm.engine.memory import MemoryReleaser
from geo_clsm.observatory.recorder import SnapshotRecorder
from geo_clsm.settings import Settings
from geo_clsm.store.live import LiveEngine
from geo_clsm.store.startup import open_store
from geo_clsm.web.caches import VersionedCache
from geo_clsm.web.heavy import HeavyPool
from geo_clsm.web.jobs import JobRegistry
from geo_clsm.web.previews import PreviewStore, default_folder


class ServiceState(State):
    """``app.state``, typed. Set only in this module; the caches' contents are their routers'."""

    settings: Settings
    memory: MemoryReleaser  # an old engine's memory given back to the system after a swap
    pages: VersionedCache[str]  # map pages, by data version, view and parameters
    reports: VersionedCache[Any]  # territorial diagnostics (figures, HTML, PDF), by data version
    observatory_charts: VersionedCache[bytes]  # observatory charts (PNG), by data version
    documents: VersionedCache[bytes]  # printed guides (HTML, PDF), by data version
    payloads: VersionedCache[bytes]  # /api/markers as sent (JSON, gzip, brotli), by data version
    heavy: HeavyPool  # the bounded pool of heavy work (geo_clsm/web/heavy.py)
    jobs: JobRegistry  # background jobs with progress: large site suggestions (geo_clsm/web/jobs.py)
    previews: PreviewStore  # editors' import files waiting for « Appliquer » (geo_clsm/web/previews.py)
    rate_buckets: MutableMapping[str, Any]  # per-client token buckets (geo_clsm/web/middleware/security.py)
    national_runs: dict[Any, Any]  # the last France-wide run read (geo_clsm/web/routers/national.py)
    engine: Engine | None  # the engine serving now (None before start-up)
    geocoder: Geocoder | None
    geocoder_parts: tuple[object, ...]  # the places the geocoder was built from
    db: SqlEngine
    backend_for: Callable[[Engine], QueryBackend]  # the query backend of an engine (memory or PostGIS)
    recorder: SnapshotRecorder
    live: LiveEngine
    outbox: OutboxWorker | None  # the campaigns' sender thread (None without GEO_CLSM_SMTP_URL)


def service_state(app_or_request: FastAPI | Request) -> ServiceState:
    """The app's typed state."""
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    return cast(ServiceState, app.state)


def init_state(app: FastAPI, settings: Settings) -> ServiceState:
    """The state an app has before start-up: settings and empty caches (rendered answers are kept
    for the two latest data versions: see geo_clsm/web/caches.py)."""
    state = ServiceState()
    state.settings = settings
    state.memory = MemoryReleaser()
    state.pages = VersionedCache[str](per_version=64)
    state.reports = VersionedCache[Any](per_version=16)
    state.observatory_charts = VersionedCache[bytes](per_version=64)
    state.documents = VersionedCache[bytes](per_version=48)
    state.payloads = VersionedCache[bytes](per_version=8)
    state.heavy = HeavyPool(workers=settings.heavy_workers, queue=settings.heavy_queue)
    state.jobs = JobRegistry(max_jobs=settings.background_jobs_max)
    state.previews = PreviewStore(default_folder(), ttl_s=settings.import_preview_ttl_s)
    state.rate_buckets = {}
    state.national_runs = {}
    state.engine = None
    state.geocoder = None
    state.geocoder_parts = ()
    state.outbox = None
    app.state = state
    return state


def build_geocoder(settings: Settings, catalog: Catalog) -> Geocoder:
    # The gazetteer (a second or more to build) is built in a thread: start-up does not wait for it,
    # a request that needs it (commune=, address=, /api/geocode) does, until it is ready.
    gazetteer = DeferredProxy(Deferred(lambda: Gazetteer(catalog), name="gazetteer"))
    offline = OfflineGeocoder(catalog, gazetteer=cast(Gazetteer, gazetteer))
    if settings.geocoder == "ban":
        return BanGeocoder(settings.ban_url, offline=offline, timeout_s=settings.ban_timeout_s)
    return offline


def install_engine(app: FastAPI, engine: Engine) -> None:
    """Swap the engine (and what is derived from it) in one go; the old one's memory is released
    once the requests using it are done."""
    state = service_state(app)
    geocoder = _geocoder_for(state, engine.catalog)
    backend_for = getattr(state, "backend_for", None)
    if backend_for is not None:
        backend_for(engine)  # the PostGIS backend's layer tables follow the engine before it serves
    replaced = state.engine
    state.geocoder = geocoder
    state.engine = engine
    if replaced is not None and replaced is not engine:
        state.memory.schedule()


def _geocoder_for(state: ServiceState, catalog: Catalog) -> Geocoder:
    """The geocoder for ``catalog``: the one serving when the places it knows (communes, town
    halls, QPV, the layers it reads, territories) are the same objects, as after an editor's
    change (only the resources differ); else a new one. An editor changing a phone number does
    not rebuild the gazetteer of France's communes (a second of CPU, some 20 MB to reallocate)."""
    parts = catalog.place_parts()
    if state.geocoder is not None and same_objects(state.geocoder_parts, parts):
        return state.geocoder
    state.geocoder_parts = parts
    return build_geocoder(state.settings, catalog)


def attach_store(app: FastAPI, settings: Settings, engine: Engine) -> LiveEngine:
    """Open the database (created when new; the seed brings in ``engine``'s shipped resources,
    never over an editor's change), and keep the engine live from it: every rebuild (this worker's
    change, or another worker's seen through the change counter) is installed by :func:`install_engine`."""
    state = service_state(app)
    db = open_store(
        settings.database_url,
        shipped=lambda: engine.catalog.resources,
        territories=list(engine.catalog.territories),
        shipped_version=catalog_version(engine.catalog),  # the same layers as the last start: no seed
    )
    state.db = db
    state.backend_for = backend_factory(settings.query_backend, db=db)  # refuses postgis on SQLite, at start-up
    recorder = SnapshotRecorder(db)  # the observatory: snapshots written off the request path
    state.recorder = recorder

    def on_swap(new: Engine) -> None:
        if state.engine is not None:  # during start-up, :func:`start` installs the engine it is given
            install_engine(app, new)

    state.live = LiveEngine(
        db,
        engine,
        on_swap=on_swap,
        poll_interval_s=settings.data_poll_interval_s,
        on_access=recorder.submit,
    )
    return state.live


def start(app: FastAPI, settings: Settings, given: list[Engine]) -> None:
    """Build and install the first engine. A function of its own: the lifespan, suspended while the
    app serves (and frozen by ``gc.freeze()``), must hold no reference to this engine, which the
    first change replaces. ``given`` (the engine ``geo-clsm serve`` built, or a test's) is emptied
    for the same reason; a second start of the same app begins from the engine it served last."""
    state = service_state(app)
    eng = given.pop() if given else state.engine
    eng = eng or build_engine(settings)  # layers, index and indicators, once per data version (cached)
    # Database of record (issue 8): resources come from it; the layers seed it on first start.
    eng = attach_store(app, settings, eng).sync()
    _ = eng.access  # access indicators: computed once, at start-up (unless given at build)
    # What start-up built lives as long as the process: keep it out of the cyclic GC's
    # generations, so that a full collection does not walk it during a request (p99).
    # `geo-clsm serve` loads with the collector off and collects itself after a cold start.
    if gc.isenabled():
        gc.collect()
    gc.freeze()
    gc.enable()
    # Then the background threads (gazetteer, observatory, change-counter poll): they start
    # once the start-up's own work is done instead of competing with it for the interpreter.
    install_engine(app, eng)
    state.live.notify_fresh(eng)  # the observatory records this version (background thread)
    state.live.start()
    # Campaign messages leave from the outbox in a thread of their own (never on the event loop).
    state.outbox = outbox_worker(settings, state.db, names=lambda: _territory_names(state))
    if state.outbox is not None:
        state.outbox.start()


def _territory_names(state: ServiceState) -> dict[str, str]:
    engine = state.engine
    return {} if engine is None else {code: t.name for code, t in engine.catalog.territories.items()}


def stop(app: FastAPI) -> None:
    """Stop the background threads and close the database."""
    state = service_state(app)
    state.jobs.shutdown()
    if state.outbox is not None:
        state.outbox.stop()
    state.live.stop()
    state.recorder.stop()
    state.live.db.dispose()
    state.memory.stop()
