"""What the service serves: the one engine build from settings, and the version of the data it serves.

Every process that answers queries builds its engine here: the web service at start-up and on a new
data version (:mod:`geo_clsm.web.reload`), ``geo-clsm serve`` before its workers start, ``geo-clsm nearest``, ``geo-clsm observatory snapshot``.

Three versions, three things:

- :func:`data_version` (this module) is *the version of the data being served*: what an answer
  depends on. It is the engine's layers version and the serial of the set of access indicators it
  serves. ``X-Data-Version``, the HTTP data cache and the rendered-output caches (pages, reports)
  all key on it.
- :func:`geo_clsm.data.cache.layers_version` / :func:`~geo_clsm.data.cache.catalog_version` is the version of
  the layer files and code a catalog was loaded from, or of its content (the start-up cache's key;
  the first part of the data version). The observatory files its snapshots under it: unlike the
  indicators' serial, it is the same in every worker and after a restart.
- :func:`geo_clsm.store.repo.change_counter` is the database of record's change counter, bumped in
  the transaction of every change: workers poll it to know when to rebuild their engine. It is not
  a version of what is served (a rebuilt engine gets a new catalog version from its resources).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from geo_clsm.data.cache import access_for, catalog_version, load_catalog_cached
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.versions import pending
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.model.resource import Resource


class EngineSettings(Protocol):
    """The settings an engine is built from (``geo_clsm.settings.Settings`` has them)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def territories(self) -> list[str] | None: ...
    @property
    def local_territories_file(self) -> Path: ...
    @property
    def versions_dir(self) -> Path: ...
    @property
    def cache_dir(self) -> Path | None: ...


def load_served_catalog(settings: EngineSettings) -> Catalog:
    """The catalog the service serves: shipped layers, local territories, the data versions in
    service; parsed once per layers version (see :mod:`geo_clsm.data.cache`)."""
    return load_catalog_cached(
        settings.data_dir,
        territories=settings.territories,
        local_file=settings.local_territories_file,
        versions_dir=settings.versions_dir,
        cache_dir=settings.cache_dir,
    )


def build_engine(
    settings: EngineSettings,
    *,
    catalog: Catalog | None = None,
    resources: list[Resource] | None = None,
    indicators: bool = True,
) -> Engine:
    """The engine for ``settings`` (on ``catalog`` when it is already loaded), with its access
    indicators (computed once per layers version, or read back from the cache) unless
    ``indicators`` is false (a batch of nearest queries needs none; an observatory snapshot
    computes its own). With ``resources`` (the database of record's active resources), those of the
    catalog's territories replace the layers' own (see :func:`geo_clsm.store.live.catalog_from_store`)."""
    catalog = catalog if catalog is not None else load_served_catalog(settings)
    if resources is not None:
        from geo_clsm.store.live import catalog_from_store  # SQLAlchemy: only for an engine on the store

        catalog = catalog_from_store(catalog, resources)
    access = access_for(catalog, cache_dir=settings.cache_dir) if indicators else None
    return Engine(catalog, access=access)


def prepare_cache(settings: EngineSettings, *, current: dict[str, str]) -> bool:
    """Parse the layers and compute the indicators the service will serve once ``current`` (the
    versions per source) is written, into ``settings.cache_dir``; nothing is written to the
    versions folder. False when there is no cache to fill (``cache_dir`` unset).

    The commands that change the data in service (``geo-clsm data update``, ``data rollback``) call
    it in their own process, so the service only reads the cache back (see :mod:`geo_clsm.web.reload`)."""
    if settings.cache_dir is None:
        return False
    with pending(settings.versions_dir, current):
        build_engine(settings)
    return True


def view_version(engine: Engine) -> str:
    """The key of every answer kept for later: the data version and today's date
    (:func:`geo_clsm.model.clock.today`). The public view has dated members (a notice shown while it
    runs, a wait older than three months, a record to confirm): a kept answer of yesterday is not
    served today, though nobody touched the data. ``X-Data-Version`` stays :func:`data_version`."""
    return f"{data_version(engine)}@{clock.today().isoformat()}"


def data_version(engine: Engine) -> str:
    """The version of the data ``engine`` serves: its catalog's version and which set of access
    indicators it serves (an editor's change publishes new indicators on a new engine later).

    A set of indicators is told by the serial number the engine got when it was built with it (or
    :meth:`~geo_clsm.engine.core.Engine.with_access`): the set's ``id()`` would not do, since Python gives
    the address of a freed set to the next one, and two versions' answers would share a version
    (and the data cache's entries)."""
    return f"{catalog_version(engine.catalog)}-{engine.access_serial:x}"
