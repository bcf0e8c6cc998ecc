"""Where a record belongs, stored for the lists (issue 31, geo_clsm.store.membership): a record that
names no territory and has no commune but lies in Metz is in Metz's lists and exports, never in
Angoulême's; a change of the record (a move) or of the places is computed again before a list reads
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo, seeding
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.files import export_resources
from geo_clsm.store.membership import PLACES_KEY, refresh, scope_of, territory_scope
from geo_clsm.store.review import review_queue
from geo_clsm.store.rights import territory_map
from geo_clsm.store.schema import meta, resources
from geo_clsm.store.users import User

METZ_EDITOR = User(3, "m@x.fr", "editor", territories=(("metz", "editor"),))
ANG_EDITOR = User(4, "a@x.fr", "editor", territories=(("angouleme", "editor"),))
WIDE = User(1, "w@x.fr", "editor")
RID = "synthetique-sans-territoire-dans-metz"
IN_METZ = (6.176, 49.119)  # Metz, Place d'Armes area
IN_ANGOULEME = (0.10643, 45.61941)  # La Couronne


def _unnamed_in_metz(catalog: Catalog) -> Resource:
    """A FICTITIOUS record (test data) in Metz that names no territory and no commune."""
    base = next(r for r in catalog.resources if r.territory == "metz" and r.position is not None)
    pos = Position(lon=IN_METZ[0], lat=IN_METZ[1], precision=PositionPrecision.ADDRESS, source="test synthétique")
    return base.model_copy(
        update={"id": RID, "name": "Lieu synthétique sans territoire (test)", "territory": None, "insee_com": None}
        | {"position": pos}
    )


def _ids(db: sa.Engine, user: User, catalog: Catalog) -> set[str]:
    scope = scope_of(user, territory_map(catalog), db)
    with db.connect() as conn:
        page, _ = repo.search(conn, limit=10_000, scope=scope)
    return {r.id for r, _ in page}


def test_a_record_in_a_territory_by_position_alone_is_in_its_lists_and_exports(
    db_url: str, catalog: Catalog, tmp_path: Path
) -> None:
    db = connect(db_url)
    upgrade(db)
    metz_named = next(r for r in catalog.resources if r.territory == "metz")
    seeding.seed(db, [_unnamed_in_metz(catalog), metz_named])
    assert RID in _ids(db, METZ_EDITOR, catalog) and metz_named.id in _ids(db, METZ_EDITOR, catalog)
    assert RID not in _ids(db, ANG_EDITOR, catalog)
    assert RID in _ids(db, WIDE, catalog)
    with db.connect() as conn:  # the review queue reads the same membership
        assert RID in {
            q["id"] for q in review_queue(conn, limit=10_000, scope=scope_of(METZ_EDITOR, territory_map(catalog), db))
        }
        assert RID not in {
            q["id"] for q in review_queue(conn, limit=10_000, scope=scope_of(ANG_EDITOR, territory_map(catalog), db))
        }
    out = tmp_path / "metz.geojson"  # the territory's internal export
    export_resources(db, out, scope=territory_scope("metz", territory_map(catalog), db))
    assert RID in {f["properties"]["id"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    export_resources(db, out, scope=territory_scope("angouleme", territory_map(catalog), db))
    assert RID not in {f["properties"]["id"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]}


def test_a_move_is_computed_again_before_the_lists_read(db_url: str, catalog: Catalog) -> None:
    db = connect(db_url)
    upgrade(db)
    seeding.seed(db, [_unnamed_in_metz(catalog)])
    assert RID in _ids(db, METZ_EDITOR, catalog)
    repo.update(db, RID, {"lon": IN_ANGOULEME[0], "lat": IN_ANGOULEME[1]}, author="test", communes=catalog.mairies)
    with db.connect() as conn:  # the change cleared its stored membership
        assert conn.execute(sa.select(resources.c.belongs_to).where(resources.c.id == RID)).scalar() is None
    assert RID not in _ids(db, METZ_EDITOR, catalog) and RID in _ids(db, ANG_EDITOR, catalog)
    repo.update(db, RID, {"name": "Renommé (test synthétique)"}, author="test", communes=catalog.mairies)
    assert RID in _ids(db, ANG_EDITOR, catalog)  # computed again, same place


def test_other_places_compute_everything_again(db_url: str, catalog: Catalog) -> None:
    db = connect(db_url)
    upgrade(db)
    seeding.seed(db, [_unnamed_in_metz(catalog)])
    places = territory_map(catalog)
    assert refresh(db, places) == 1 and refresh(db, places) == 0  # nothing missing: nothing written
    with db.begin() as conn:  # as if computed with other places (a territory added or removed since)
        conn.execute(sa.update(meta).where(meta.c.key == PLACES_KEY).values(value="autres-lieux"))
        conn.execute(sa.update(resources).values(belongs_to=","))
    scope = territory_scope("metz", places, db)  # the places differ: everything computed again
    with db.connect() as conn:
        assert RID in {r.id for r, _ in repo.search(conn, limit=10, scope=scope)[0]}
        assert conn.execute(sa.select(resources.c.belongs_to).where(resources.c.id == RID)).scalar() == ",metz,"


def test_migration_0014_both_ways(db_url: str, catalog: Catalog) -> None:
    """Down to 0013 the stored membership goes (column and places key); up again, it is computed anew."""
    from alembic import command
    from alembic.config import Config

    from geo_clsm.store.db import MIGRATIONS

    db = connect(db_url)
    upgrade(db)
    seeding.seed(db, [_unnamed_in_metz(catalog)])
    assert RID in _ids(db, METZ_EDITOR, catalog)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
    with db.connect() as conn:
        assert "belongs_to" not in list(conn.execute(sa.text("SELECT * FROM resources LIMIT 0")).keys())
        assert conn.execute(sa.select(meta.c.value).where(meta.c.key == PLACES_KEY)).first() is None
    upgrade(db)
    assert RID in _ids(db, METZ_EDITOR, catalog) and RID not in _ids(db, ANG_EDITOR, catalog)
