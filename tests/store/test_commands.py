"""`geo-clsm db …`, `geo-clsm user …` and the export -> import --apply round trip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.cli import main
from geo_clsm.data.catalog import Catalog
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.db import connect, current_revision, head_revision
from geo_clsm.store.users import AccountDisabledError, authenticate, open_session, session_for


def test_db_upgrade_then_user_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert current_revision(connect(url)) == head_revision()
    monkeypatch.setenv("GEO_CLSM_PASSWORD", "un-mot-de-passe-solide")
    assert main(["user", "add", "Chloe@Example.fr", "--role", "admin", "--database", url]) == 0
    user = authenticate(connect(url), "chloe@example.fr", "un-mot-de-passe-solide")
    assert user is not None and user.role == "admin"


def test_user_add_without_password_nor_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    main(["db", "upgrade", "--database", url])
    monkeypatch.delenv("GEO_CLSM_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["user", "add", "x@example.fr", "--database", url]) == 2


def test_start_refused_on_old_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    connect(url).connect().close()
    import sqlalchemy as sa

    with connect(url).begin() as conn:
        conn.execute(sa.text("CREATE TABLE something_old (id integer)"))
    assert main(["db", "export", "--out", str(tmp_path / "x.csv"), "--database", url]) == 2
    assert "geo-clsm db upgrade" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv"])
def test_export_then_import_apply_round_trips_every_field(
    db: SqlEngine, db_url: str, catalog: Catalog, tmp_path: Path, suffix: str
) -> None:
    # One edited record with every kind of field, so the round trip has something to lose.
    repo.update(
        db,
        "metz-epsm-metz-jury",
        {
            "phone": "03 87 00 00 02",
            "opening_hours": "Mo-Fr 09:00-17:00",
            "languages": ["fr", "de"],
            "age_min": 16,
            "wheelchair": True,
            "capacity": 12.5,
            "service_area_wkt": "POLYGON ((6.1 49.0, 6.3 49.0, 6.3 49.2, 6.1 49.2, 6.1 49.0))",
            "notes": "note interne",
            "source_date": "2026-01-02",
        },
        author="ed@example.fr",
        communes=catalog.mairies,
    )
    with db.connect() as conn:
        before = {r.id: r for r in repo.active_resources(conn)}
    out = tmp_path / f"export{suffix}"
    assert main(["db", "export", "--out", str(out), "--database", db_url]) == 0
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["db", "upgrade", "--database", target]) == 0
    assert main(["import", "resources", str(out), "--apply", "--database", target]) == 0
    with connect(target).connect() as conn:
        after = {r.id: r for r in repo.active_resources(conn)}
    assert set(after) == set(before)
    for rid, r in before.items():
        a: Resource = after[rid]
        expected = r
        if r.commune_position is None and a.commune_position is not None:
            # The import knows every commune's town hall: it may add a missing commune position.
            expected = r.model_copy(update={"commune_position": a.commune_position})
        assert a == expected, rid


def test_serve_refuses_a_schema_that_is_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with connect(url).begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)"))
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", url)
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "schéma" in err and "geo-clsm db upgrade" in err


def test_user_disable_enable_passwd_list_end_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`geo-clsm user disable|enable|passwd|list`: each change ends the account's sessions at once."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    main(["db", "upgrade", "--database", url])
    monkeypatch.setenv("GEO_CLSM_PASSWORD", "un-mot-de-passe-synthetique")
    assert main(["user", "add", "compte-synthetique@example.fr", "--database", url]) == 0
    db = connect(url)

    def session() -> str:
        user = authenticate(db, "compte-synthetique@example.fr", os.environ["GEO_CLSM_PASSWORD"], client="cli-test")
        assert user is not None
        return open_session(db, user)[0]

    token = session()
    assert main(["user", "disable", "Compte-Synthetique@example.fr", "--database", url]) == 0
    assert session_for(db, token) is None
    with pytest.raises(AccountDisabledError):
        session()
    assert main(["user", "list", "--database", url]) == 0
    assert "compte-synthetique@example.fr\teditor\tdésactivé" in capsys.readouterr().out
    assert main(["user", "enable", "compte-synthetique@example.fr", "--database", url]) == 0
    token = session()
    monkeypatch.setenv("GEO_CLSM_PASSWORD", "un-autre-mot-de-passe")
    assert main(["user", "passwd", "compte-synthetique@example.fr", "--database", url]) == 0
    assert session_for(db, token) is None
    session()  # the new password works
    assert main(["user", "passwd", "personne@example.fr", "--database", url]) == 2
    assert "compte inconnu" in capsys.readouterr().err
