"""Sectors in the database of record (SQLite and PostgreSQL): stored with history, one
transaction per import, and served by the live engine after a change (one swap)."""

from __future__ import annotations

from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.live import LiveEngine, catalog_from_store
from geo_clsm.store.repo import WITHDRAWN
from geo_clsm.store.sectors import (
    active_sectors,
    get_sector,
    replace_sectors,
    save_sector,
    sector_entries,
    set_sector_status,
)
from tests.sector_fixtures import POINTS, fictitious_sectors

AUTHOR = "tests (secteurs fictifs)"


def test_import_stores_sectors_with_history(db: SqlEngine) -> None:
    sectors = fictitious_sectors()
    with db.connect() as conn:
        before = repo.change_counter(conn)
    result = replace_sectors(db, sectors, author=AUTHOR)
    assert result.created == [s.id for s in sectors] and result.version == before + 1
    with db.connect() as conn:
        assert active_sectors(conn) == tuple(sorted(sectors, key=lambda s: s.id))
        (entry,) = sector_entries(conn, "FICTIF-57G01")
        assert entry["action"] == "import" and entry["before"] is None and entry["after"]["communes"]
    again = replace_sectors(db, sectors, author=AUTHOR)
    assert again.unchanged == [s.id for s in sectors] and again.version is None  # nothing changed: no new version


def test_import_withdraws_sectors_of_its_territories_it_no_longer_lists(db: SqlEngine) -> None:
    sectors = fictitious_sectors()
    replace_sectors(db, sectors, author=AUTHOR)
    result = replace_sectors(db, sectors[1:], author=AUTHOR)
    assert result.withdrawn == ["FICTIF-57G01"]
    with db.connect() as conn:
        assert get_sector(conn, "FICTIF-57G01")[1] == WITHDRAWN
        assert [s.id for s in active_sectors(conn)] == [s.id for s in sectors[1:]]


def test_edit_withdraw_restore_kept_in_history(db: SqlEngine) -> None:
    s = fictitious_sectors()[0]
    save_sector(db, s, author=AUTHOR, create=True)
    save_sector(db, s.model_copy(update={"name": "Secteur fictif renommé"}), author=AUTHOR)
    set_sector_status(db, s.id, WITHDRAWN, author=AUTHOR)
    set_sector_status(db, s.id, "active", author=AUTHOR)
    with db.connect() as conn:
        actions = [e["action"] for e in sector_entries(conn, s.id)]
        assert actions == ["create", "update", "withdraw", "restore"]
        assert get_sector(conn, s.id)[0].name == "Secteur fictif renommé"


def test_live_engine_serves_stored_sectors(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> None:
    base = Engine(catalog_from_store(catalog, shipped))
    live = LiveEngine(db, base)
    assert live.sync() is base and not base.sectors.has_data  # no sector stored: the same engine
    replace_sectors(db, fictitious_sectors(), author=AUTHOR)
    new = live.sync()
    assert new is not base and new.sectors.has_data
    lon, lat = POINTS["metz_sud_gambetta"]
    assert [s.id for s in new.sectors.at(lon=lon, lat=lat)] == ["FICTIF-57G02", "FICTIF-57I01"]
    assert new.catalog.resources == base.catalog.resources
    repo.update(db, "metz-epsm-metz-jury", {"phone": "03 87 99 99 99"}, author=AUTHOR, communes=catalog.mairies)
    after = live.sync()
    assert after.sectors is new.sectors  # a resource's change keeps the sector index
    set_sector_status(db, "FICTIF-57G02", WITHDRAWN, author=AUTHOR)
    last = live.sync()
    assert [s.id for s in last.sectors.at(lon=lon, lat=lat)] == ["FICTIF-57I01"]


def test_restart_reads_the_stored_sectors(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> None:
    replace_sectors(db, fictitious_sectors(), author=AUTHOR)
    fresh = LiveEngine(db, Engine(catalog_from_store(catalog, shipped))).sync()
    assert [s.id for s in fresh.catalog.sectors] == [s.id for s in fictitious_sectors()]
