"""The FICTITIOUS sectors of ``tests/fixtures/sectors`` (see its README), for the tests of issue 29.

The sectors, their ids, names and establishments are invented; the communes, QPV and referent
resources they name are real (the shipped Metz layers). Use them only in tests and demos.

- :func:`fictitious_sectors` — the sectors, read by the real importer against the shipped layers.
- :func:`catalog_with_sectors` — a catalog (the shipped layers, or ``base``) carrying them.
- :func:`engine_with_sectors` — an :class:`~geo_clsm.engine.core.Engine` on that catalog.
- :func:`app_with_sectors` — a FastAPI app serving that engine, with its sectors stored in its
  database of record (as an import would), for API and browser tests.

Points named in the fixture's README (:data:`POINTS`) let the tests speak of places.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.sectors import SectorContext, import_sectors
from geo_clsm.data.layers import load_catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.sector import Sector

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sectors"
SECTORS_CSV = FIXTURE / "secteurs_fictifs_metz.csv"
SECTORS_GEOJSON = FIXTURE / "secteurs_fictifs_metz.geojson"
LAYERS = HERE.parent / "layers"

POINTS: dict[str, tuple[float, float]] = {
    # (lon, lat) WGS84.
    # South half of Metz, at the CMP Gambetta: sector FICTIF-57G02, whose referent CMP (Montigny)
    # is farther than the CMP Gambetta (referent of no fictitious sector).
    "metz_sud_gambetta": (6.17594, 49.11022),
    # North half of Metz, at the CMP Metz-Nord: sector FICTIF-57G01 (its referent).
    "metz_nord": (6.16722, 49.13856),
    # In the QPV Borny (east of Metz): sector FICTIF-57G03.
    "borny": (6.22361, 49.11296),
    # Gravelotte (57256): a commune of the territory in no sector.
    "gravelotte": (6.0265, 49.1106),
}
SPLIT_COMMUNE = "57463"
"""Metz: split between FICTIF-57G01, FICTIF-57G02 (a drawn line) and FICTIF-57G03 (QPV Borny) for
adults, wholly in FICTIF-57I01 for children."""
WHOLE_COMMUNE = "57751"
"""Woippy: wholly in FICTIF-57G01 (adults) and FICTIF-57I01 (children)."""
NO_SECTOR_COMMUNE = "57256"
"""Gravelotte: in no sector."""


@cache
def _layers() -> Catalog:
    return load_catalog(LAYERS)


def fictitious_sectors(catalog: Catalog | None = None) -> tuple[Sector, ...]:
    """The fixture's sectors, imported (and checked) against ``catalog`` (default: the shipped layers)."""
    base = catalog if catalog is not None else _layers()
    report = import_sectors(SECTORS_CSV, polygons=SECTORS_GEOJSON, context=SectorContext.of(base))
    assert not report.rejected, report.format()
    return tuple(report.records)


def catalog_with_sectors(base: Catalog | None = None, sectors: tuple[Sector, ...] | None = None) -> Catalog:
    """A copy of ``base`` (default: the shipped layers) carrying the fictitious sectors (or ``sectors``)."""
    import dataclasses

    base = base if base is not None else _layers()
    return dataclasses.replace(base, sectors=fictitious_sectors(base) if sectors is None else sectors)


def engine_with_sectors(base: Catalog | None = None, sectors: tuple[Sector, ...] | None = None) -> Engine:
    """An engine on :func:`catalog_with_sectors`."""
    return Engine(catalog_with_sectors(base, sectors))


def app_with_sectors(database_url: str, *, sectors: tuple[Sector, ...] | None = None, **settings: Any) -> Any:
    """A FastAPI app on the shipped layers whose database of record holds the fictitious sectors
    (stored as ``geo-clsm sectors import`` stores them): enter it with ``TestClient(app)``.
    ``settings``: more :class:`~geo_clsm.settings.Settings` fields."""
    from geo_clsm.settings import Settings
    from geo_clsm.store.db import connect, is_empty, upgrade
    from geo_clsm.store.sectors import replace_sectors
    from geo_clsm.web.app import create_app

    db = connect(database_url)
    try:
        if is_empty(db):
            upgrade(db)
        replace_sectors(db, fictitious_sectors() if sectors is None else sectors, author="tests (secteurs fictifs)")
    finally:
        db.dispose()
    return create_app(Settings(data_dir=LAYERS, database_url=database_url, **settings), engine=Engine(_layers()))
