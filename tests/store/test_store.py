"""The database of record on SQLite and PostgreSQL: migrations, seed, changes, history, review."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.freshness import to_confirm
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo, seeding
from geo_clsm.store.db import SchemaBehindError, _config, check_schema, connect, current_revision, head_revision
from geo_clsm.store.records import FieldError
from geo_clsm.store.review import review_queue
from geo_clsm.store.schema import history, resources
from geo_clsm.store.startup import open_store

METZ = "metz-epsm-metz-jury"


def count(db: SqlEngine, table: sa.Table) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def active(db: SqlEngine) -> dict[str, Resource]:
    with db.connect() as conn:
        return {r.id: r for r in repo.active_resources(conn)}


def test_new_database_is_migrated_and_seeded(db: SqlEngine, shipped: list[Resource]) -> None:
    assert current_revision(db) == head_revision()
    got = active(db)
    assert set(got) == {r.id for r in shipped}
    for r in shipped:  # every field, positions with their precision and source, survives the trip
        assert got[r.id] == r
        assert got[r.id].source == r.source and got[r.id].last_verified == r.last_verified
    assert count(db, history) == len(shipped)


def test_postgis_point_column(db: SqlEngine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("PostGIS only")
    with db.connect() as conn:
        lon, lat = conn.execute(
            sa.text("SELECT ST_X(geom), ST_Y(geom) FROM resources WHERE id = :id"), {"id": METZ}
        ).one()
        row = conn.execute(sa.select(resources.c.lon, resources.c.lat).where(resources.c.id == METZ)).one()
    assert (lon, lat) == pytest.approx((row.lon, row.lat))


def test_schema_behind_is_refused_with_the_command_to_run(db_url: str, shipped: list[Resource]) -> None:
    db = open_store(db_url, shipped=lambda: shipped)
    with db.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with pytest.raises(SchemaBehindError, match="geo-clsm db upgrade"):
        check_schema(db)
    with pytest.raises(SchemaBehindError):
        open_store(db_url, shipped=lambda: shipped)
    db.dispose()


def test_reseeding_never_overwrites_an_edit_nor_duplicates(
    db: SqlEngine, shipped: list[Resource], catalog: Catalog
) -> None:
    repo.update(db, METZ, {"phone": "03 87 00 00 01"}, author="ed@example.fr", communes=catalog.mairies)
    withdrawn = shipped[1].id
    repo.withdraw(db, withdrawn, author="ed@example.fr")
    moved = shipped[2].model_copy(update={"name": shipped[2].name + " (nouveau nom)"})
    new_layer = [moved if r.id == moved.id else r for r in shipped]
    result = seeding.seed(db, new_layer)
    assert (result.inserted, result.updated, result.kept_edited) == (0, 1, 2)
    again = seeding.seed(db, new_layer)
    assert (again.inserted, again.updated) == (0, 0)
    assert count(db, resources) == len(shipped)
    got = active(db)
    assert got[METZ].phone == "03 87 00 00 01"
    assert withdrawn not in got
    assert got[moved.id].name.endswith("(nouveau nom)")


def test_seed_follows_a_new_layer_version_for_unedited_records(db: SqlEngine, shipped: list[Resource]) -> None:
    dropped = shipped[3]
    territories = {r.territory for r in shipped if r.territory}
    without = [r for r in shipped if r.id != dropped.id]
    result = seeding.seed(db, without, territories=territories)
    assert result.withdrawn == 1 and dropped.id not in active(db)
    # A record of a territory the layers do not cover is left alone.
    assert seeding.seed(db, without, territories={"autre"}).withdrawn == 0
    back = seeding.seed(db, shipped, territories=territories)
    assert back.updated == 1 and active(db)[dropped.id] == dropped
    assert count(db, resources) == len(shipped)


def test_update_keeps_history_with_author_and_values(db: SqlEngine, catalog: Catalog) -> None:
    with db.connect() as conn:
        v0 = repo.change_counter(conn)
    change = repo.update(db, METZ, {"phone": "+33 3 87 11 22 33"}, author="ed@example.fr", communes=catalog.mairies)
    assert change.resource.phone == "03 87 11 22 33"
    assert change.version == v0 + 1
    with db.connect() as conn:
        entries = repo.entries(conn, METZ)
    last = entries[-1]
    assert (last["action"], last["author"]) == ("update", "ed@example.fr")
    assert last["before"]["phone"] == "03 87 56 39 39"
    assert last["after"]["phone"] == "03 87 11 22 33"
    assert last["at"] is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"type": "CLINIQUE"}, "type"),
        ({"opening_hours": "lundi matin"}, "opening_hours"),
        ({"lon": -74.0, "lat": 40.7}, "lon,lat"),
        ({"lon": 6.17, "lat": None}, "lat"),
        ({"age_min": 30, "age_max": 12}, "audience"),
        ({"confidential_address": "peut-être"}, "confidential_address"),
        ({"service_area_wkt": "POLYGON((0 0"}, "service_area"),
        ({"website": "www.exemple.fr"}, "website"),
        ({"couleur": "bleu"}, "couleur"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_changes_name_the_field(
    db: SqlEngine, catalog: Catalog, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldError) as err:
        repo.update(db, METZ, changes, author="ed@example.fr", communes=catalog.mairies)
    assert err.value.field.startswith(field)
    assert field.split(",")[0] in err.value.message
    assert active(db)[METZ].phone == "03 87 56 39 39"  # nothing written


def test_create_withdraw_restore(db: SqlEngine, catalog: Catalog) -> None:
    data = {
        "id": "metz-gem-synthetic-test",
        "type": "GEM",
        "name": "GEM de test (synthétique)",
        "insee_com": "57463",
        "commune": "Metz",
        "lon": 6.18,
        "lat": 49.12,
        "position_precision": "street",
        "phone": "0387000000",
        "source": "test synthétique",
        "last_verified": "2026-11-01",
        "territory": "metz",
    }
    created = repo.create(db, data, author="ed@example.fr", communes=catalog.mairies)
    assert created.resource.phone == "03 87 00 00 00"
    with pytest.raises(FieldError, match="déjà utilisé"):
        repo.create(db, data, author="ed@example.fr", communes=catalog.mairies)
    repo.withdraw(db, data["id"], author="ed@example.fr")
    assert data["id"] not in active(db)
    with db.connect() as conn:
        entries = repo.entries(conn, str(data["id"]))
    assert [e["action"] for e in entries] == ["create", "withdraw"]
    repo.restore(db, str(data["id"]), entry_id=entries[0]["id"], author="admin@example.fr")
    assert active(db)[str(data["id"])] == created.resource
    with pytest.raises(InvalidInputError, match="entry_id"):
        repo.restore(db, METZ, entry_id=entries[0]["id"], author="admin@example.fr")
    with pytest.raises(NotFoundError):
        repo.withdraw(db, "inconnue", author="ed@example.fr")


def test_verified_and_review_queue(db: SqlEngine, shipped: list[Resource]) -> None:
    today = date(2026, 11, 23)
    repo.mark_verified(db, METZ, author="ed@example.fr", on=today)
    assert active(db)[METZ].last_verified == today
    assert active(db)[METZ].verified_by_person is True and active(db)[METZ].verified_by == "clsm"
    with db.connect() as conn:
        queue = review_queue(conn, today=today)
    records = active(db)
    # Records waiting for a confirmation past the threshold first (counted from the confirmation,
    # else the source's date), then the oldest first.
    for q in queue:
        assert q["stale"] == to_confirm(records[q["id"]], today), q["id"]
    flags = [q["stale"] for q in queue]
    assert flags == sorted(flags, reverse=True)
    assert not next(q for q in queue if q["id"] == METZ)["stale"]
    assert sum(flags) == sum(1 for r in records.values() if to_confirm(r, today))


def test_connect_creates_the_sqlite_folder(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "var"
    db = connect(f"sqlite:///{folder / 'x.db'}")
    with db.connect() as conn:
        conn.execute(sa.text("select 1"))
    assert folder.is_dir()


def test_migrations_match_the_schema(db: SqlEngine) -> None:
    """The shipped migrations build exactly the tables of geo_clsm.store.schema (autogenerate finds nothing)."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from geo_clsm.store.schema import metadata

    with db.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Did not recognize type 'geometry'", category=sa.exc.SAWarning)
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # PostGIS: the generated geom column and its index exist in the database only, by design, and so
    # do the query backend's columns, indexes and layer tables (migration 0003).
    postgis_only = ("geom", "spatial_ref_sys", "zone_srid", "public_xy", "'service_area'", "ix_resources_service_area")
    postgis_only += ("ix_resources_knn_", "layer_communes", "layer_qpv")
    diff = [d for d in diff if not any(name in repr(d) for name in postgis_only)]
    assert diff == []


def test_engine_keeps_the_loaded_territories(catalog: Catalog, shipped: list[Resource]) -> None:
    import dataclasses

    from geo_clsm.store.live import catalog_from_store

    metz_only = dataclasses.replace(catalog, territories={"metz": catalog.territories["metz"]})
    kept = catalog_from_store(metz_only, shipped).resources
    assert kept and {r.territory for r in kept} == {"metz"}
