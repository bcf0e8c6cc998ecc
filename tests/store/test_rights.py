"""The one rule of roles scoped to territories (geo_clsm.store.rights), where records belong, the
accounts that hold territory roles, the migration that keeps the existing accounts working (on
SQLite and PostgreSQL), and ``geo-clsm user add --territory``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from geo_clsm.cli import main
from geo_clsm.data.catalog import Catalog
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.store.accounts import set_role
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.rights import ADMIN, EDIT, READ, may, may_change, territory_map
from geo_clsm.store.schema import users
from geo_clsm.store.users import User, add_user, authenticate, list_users, open_session, session_for

WIDE_ADMIN = User(1, "a@x.fr", "admin")
WIDE_EDITOR = User(2, "e@x.fr", "editor")
METZ_EDITOR = User(3, "m@x.fr", "editor", territories=(("metz", "editor"),))
METZ_ADMIN = User(4, "ma@x.fr", "editor", territories=(("metz", "admin"),))
BOTH = User(5, "b@x.fr", "editor", territories=(("angouleme", "editor"), ("metz", "editor")))


def test_who_may_do_what_where() -> None:
    metz, ang, none = {"metz"}, {"angouleme"}, set[str]()
    assert may(WIDE_ADMIN, ADMIN, none) and may(WIDE_ADMIN, EDIT, ang)
    assert may(WIDE_EDITOR, EDIT, none) and may(WIDE_EDITOR, READ, ang) and not may(WIDE_EDITOR, ADMIN, metz)
    assert may(METZ_EDITOR, EDIT, metz) and may(METZ_EDITOR, READ, {"metz", "angouleme"})  # shared record
    assert not may(METZ_EDITOR, READ, ang) and not may(METZ_EDITOR, READ, none)  # national, far from Metz
    assert not may(METZ_EDITOR, ADMIN, metz) and may(METZ_ADMIN, ADMIN, metz) and not may(METZ_ADMIN, ADMIN, ang)


def test_a_move_needs_rights_on_every_territory_entered_or_left() -> None:
    metz, ang = {"metz"}, {"angouleme"}
    assert may_change(METZ_EDITOR, metz, metz)
    assert not may_change(METZ_EDITOR, metz, ang)  # into Angoulême
    assert not may_change(METZ_EDITOR, ang, metz)  # out of Angoulême
    assert not may_change(METZ_EDITOR, metz, metz | ang)  # also into Angoulême
    assert not may_change(METZ_EDITOR, metz | ang, metz)  # leaving Angoulême
    assert may_change(BOTH, metz, ang) and may_change(BOTH, metz | ang, metz)
    assert not may_change(METZ_EDITOR, None, metz | ang)  # a new record enters all of its territories
    assert may_change(METZ_EDITOR, None, metz) and not may_change(METZ_EDITOR, None, set())
    assert may_change(WIDE_EDITOR, metz, ang) and may_change(WIDE_EDITOR, None, set())


def test_a_record_belongs_where_it_lies_where_its_commune_is_and_where_it_says(catalog: Catalog) -> None:
    tmap = territory_map(catalog)
    assert tmap is territory_map(catalog)  # built once per set of places
    metz = next(r for r in catalog.resources if r.territory == "metz" and r.position is not None)
    assert tmap.of_record(metz) == {"metz"}
    far = next(r for r in catalog.resources if r.territory == "france")
    assert tmap.of_record(far) == frozenset()  # national: no local territory's
    pos = Position(lon=0.10643, lat=45.61941, precision=PositionPrecision.ADDRESS, source="test")
    assert tmap.of_record(metz.model_copy(update={"position": pos})) == {"metz", "angouleme"}
    assert tmap.of_record(far.model_copy(update={"position": metz.position, "insee_com": metz.insee_com})) == {"metz"}
    assert tmap.of_record(far.model_copy(update={"territory": "angouleme"})) == {"angouleme"}
    rows = [(r.territory, r.insee_com, None, None) for r in (metz, far)]  # many at once: the same rule
    assert tmap.of_rows(rows) == [{"metz"}, frozenset()]


def test_accounts_hold_roles_per_territory(db_url: str) -> None:
    db = connect(db_url)
    upgrade(db)
    u = add_user(db, "m@clsm.example.fr", "0123456789ab", role="admin", territories=["Metz", "angouleme", "metz"])
    assert u.scopes == {"angouleme": "admin", "metz": "admin"} and not u.is_admin and u.role == "editor"
    user = authenticate(db, "m@clsm.example.fr", "0123456789ab")
    assert user is not None and user.territories == (("angouleme", "admin"), ("metz", "admin"))
    token, _ = open_session(db, user)
    session = session_for(db, token)
    assert session is not None and session.user.scopes == {"angouleme": "admin", "metz": "admin"}
    set_role(db, u.id, "editor")  # the same territories
    assert next(x for x in list_users(db) if x["id"] == u.id)["territories"] == {
        "angouleme": "editor",
        "metz": "editor",
    }
    assert session_for(db, token) is None  # a role change ends the sessions
    set_role(db, u.id, "editor", territories=[])  # deployment-wide
    assert next(x for x in list_users(db) if x["id"] == u.id)["territories"] == {}


def test_existing_accounts_stay_deployment_wide_across_the_migration(db_url: str) -> None:
    db = connect(db_url)
    upgrade(db, "0009")
    with db.begin() as conn:
        conn.execute(
            sa.insert(users).values(
                email="ancienne@clsm.example.fr",
                password_hash="x",
                role="editor",
                active=True,
                created_at=sa.func.now(),
            )
        )
    upgrade(db)
    listed = {u["email"]: u for u in list_users(db)}
    assert listed["ancienne@clsm.example.fr"]["territories"] == {}  # what every editor was: the whole deployment
    add_user(db, "scopee@clsm.example.fr", "0123456789ab", role="editor", territories=["metz"])
    _downgrade(db, "0012")  # the scoped account would become deployment-wide: it is disabled instead
    with db.connect() as conn:
        active = {str(e): bool(a) for e, a in conn.execute(sa.select(users.c.email, users.c.active))}
    assert active == {"ancienne@clsm.example.fr": True, "scopee@clsm.example.fr": False}
    upgrade(db)


def _downgrade(db: sa.Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from geo_clsm.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_cli_user_add_with_territories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(connect(url))
    monkeypatch.setenv("GEO_CLSM_PASSWORD", "0123456789ab")
    args = ["user", "add", "e@clsm.example.fr", "--role", "editor", "--territory", "metz", "--territory", "angouleme"]
    assert main([*args, "--database", url]) == 0
    assert "angouleme, metz" in capsys.readouterr().out
    assert main(["user", "add", "a@clsm.example.fr", "--role", "admin", "--database", url]) == 0
    assert main(["user", "list", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "e@clsm.example.fr\tpar territoire\tactif\teditor de angouleme, editor de metz" in out
    assert "a@clsm.example.fr\tadmin\tactif\ttout le déploiement" in out


def test_a_backup_keeps_the_territory_roles(db_url: str, tmp_path: Path) -> None:
    """A restored account is scoped as it was (a lost row would make it deployment-wide)."""
    from geo_clsm.store.backup import backup, restore

    db = connect(db_url)
    upgrade(db)
    add_user(db, "m@clsm.example.fr", "0123456789ab", role="editor", territories=["metz"])
    out = tmp_path / "roles.zip"
    backup(db_url, out)
    restore(db_url, out, force=True)
    listed = {u["email"]: u for u in list_users(connect(db_url))}
    assert listed["m@clsm.example.fr"]["territories"] == {"metz": "editor"}


def test_an_internal_export_for_one_territory_holds_only_its_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], catalog: Catalog
) -> None:
    import csv

    url = f"sqlite:///{tmp_path / 'export.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert main(["db", "seed", "--database", url]) == 0
    out = tmp_path / "metz.csv"
    assert main(["db", "export", "--territory", "metz", "--out", str(out), "--database", url]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    expected = {r.id for r in catalog.resources if r.territory == "metz"}
    assert {r["id"] for r in rows} == expected and any(r["notes"] for r in rows)  # internal: notes included
    assert main(["db", "export", "--territory", "france", "--out", str(out), "--database", url]) == 2
    assert "territoire national" in capsys.readouterr().err
