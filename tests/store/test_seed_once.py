"""Start-up with unchanged layers: the seed is skipped (it would change nothing), the schema's head
is read without Alembic, and the first sync serves the engine built from the layers as it is."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.cache import catalog_version
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo, seeding
from geo_clsm.store.db import _config, head_revision
from geo_clsm.store.live import LiveEngine, catalog_from_store
from geo_clsm.store.schema import history, resources
from geo_clsm.store.startup import open_store

RID = "metz-epsm-metz-jury"


def _phone(db: SqlEngine, rid: str) -> str:
    with db.connect() as conn:
        return str(conn.execute(sa.select(resources.c.phone).where(resources.c.id == rid)).scalar_one())


def _history(db: SqlEngine) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(history)).scalar_one())


def _drift(db: SqlEngine, rid: str) -> None:
    """Change a seeded record behind the seed's back (not as a person would: ``edited`` stays false)."""
    with db.begin() as conn:
        conn.execute(sa.update(resources).where(resources.c.id == rid).values(phone="00 00 00 00 00"))


def test_head_revision_is_alembics() -> None:
    assert head_revision() == ScriptDirectory.from_config(_config()).get_current_head()


def test_the_seed_runs_once_per_data_version(db_url: str, shipped: list[Resource]) -> None:
    db = open_store(db_url, shipped=lambda: shipped, territories=["metz"], shipped_version="v1")
    phone, entries = _phone(db, RID), _history(db)
    _drift(db, RID)
    db.dispose()

    calls: list[int] = []

    def counted() -> list[Resource]:
        calls.append(1)
        return shipped

    db = open_store(db_url, shipped=counted, territories=["metz"], shipped_version="v1")  # a restart
    assert calls == [] and _phone(db, RID) == "00 00 00 00 00" and _history(db) == entries  # not seeded
    db.dispose()
    db = open_store(db_url, shipped=counted, territories=None, shipped_version="v1")  # other territories
    assert calls == [1] and _phone(db, RID) == phone  # seeded: the record follows the layers again
    _drift(db, RID)
    db.dispose()
    db = open_store(db_url, shipped=counted, territories=None, shipped_version="v2")  # new layers
    assert calls == [1, 1] and _phone(db, RID) == phone
    _drift(db, RID)
    seeding.seed(db, shipped)  # `geo-clsm db seed`: always runs, and forgets the version
    assert _phone(db, RID) == phone
    _drift(db, RID)
    db.dispose()
    db = open_store(db_url, shipped=counted, territories=None, shipped_version="v2")
    assert calls == [1, 1, 1] and _phone(db, RID) == phone
    db.dispose()


def test_first_sync_serves_the_layers_engine_until_a_person_changes_a_record(
    db_url: str, catalog: Catalog, shipped: list[Resource], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = Engine(catalog_from_store(catalog, shipped))
    territories = list(base.catalog.territories)
    version = catalog_version(base.catalog)
    db = open_store(db_url, shipped=lambda: base.catalog.resources, territories=territories, shipped_version=version)
    live = LiveEngine(db, base)
    with monkeypatch.context() as mp:  # not one record read back: start-up needs none
        mp.setattr(repo, "active_resources", lambda conn: pytest.fail("records read back at start-up"))
        assert live.sync() is base
    with db.connect() as conn:  # what the shortcut stands for: the database holds the layers' records
        assert repo.active_resources(conn) == sorted(base.catalog.resources, key=lambda r: r.id)

    repo.update(db, RID, {"phone": "03 87 99 99 99"}, author="ed@example.fr", communes=catalog.mairies)
    db.dispose()
    db = open_store(db_url, shipped=lambda: base.catalog.resources, territories=territories, shipped_version=version)
    restarted = LiveEngine(db, base).sync()  # a restart after an edit: the records are read back
    assert restarted is not base
    assert restarted.catalog.resources_by_id[RID].phone == "03 87 99 99 99"
    assert [r.id for r in restarted.catalog.resources] == [r.id for r in base.catalog.resources]
    db.dispose()


def test_first_sync_reads_the_database_seeded_from_other_layers(
    db_url: str, catalog: Catalog, shipped: list[Resource]
) -> None:
    base = Engine(catalog_from_store(catalog, shipped))
    territories = list(base.catalog.territories)
    fewer = dataclasses.replace(base.catalog, resources=[r for r in base.catalog.resources if r.id != RID])
    db = open_store(
        db_url, shipped=lambda: fewer.resources, territories=territories, shipped_version=catalog_version(fewer)
    )
    served = LiveEngine(db, base).sync()  # the engine's layers are not those the database was seeded from
    assert served is not base and RID not in served.catalog.resources_by_id
    db.dispose()
