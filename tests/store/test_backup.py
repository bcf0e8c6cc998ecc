"""`geo-clsm db backup` / `db restore`: a restored service gives the same answers, on SQLite and PostgreSQL.

The source service has what a season of use leaves behind: an editor's change, a withdrawn record,
a public error report, an account, a published data version (a QPV file served by a local HTTP
server, one neighbourhood renamed, as the data-update tests do) and a local territory. Its answers
are compared with those of a service started on the restored database and data files, which were
empty before. The QPV rename and the local territory live only in the data files, so a restore that
forgot them would answer differently.
"""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo_clsm.cli import main as cli
from geo_clsm.data.local_territories import add_territory
from geo_clsm.data.territories import Selection
from geo_clsm.data.update import UpdateOptions, update_source
from geo_clsm.data.versions import VersionStore
from geo_clsm.settings import Settings
from geo_clsm.store.backup import BackupError, backup, has_data, restore
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[2] / "layers"
QPV_FILE = LAYERS / "pilots" / "qpv2024_metz_angouleme.geojson"
RENAMED = "Nom corrigé (synthetic test)"
EDITOR = ("synthetic_editor@example.invalid", "synthetic-password-42")
TERRITORIES = ["metz", "angouleme", "synthetic-local"]
PATHS = [
    "/api/territories",
    "/api/resources?territory=metz",
    "/api/resources?territory=synthetic-local",
    "/api/markers",
    "/api/qpv?territory=metz",
    "/api/gaps?territory=metz",
    "/api/nearest?lat=49.1197&lon=6.1955&k=10",
    "/api/nearest?lat=45.6484&lon=0.1562&k=10&type=CMP",
]


@pytest.fixture
def qpv_url() -> Iterator[str]:
    doc = json.loads(QPV_FILE.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["lib_qp"] = RENAMED
    body = json.dumps(doc).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/qpv.geojson"
    srv.shutdown()


def _settings(url: str, var: Path) -> Settings:
    return Settings(
        data_dir=LAYERS,
        database_url=url,
        territories=TERRITORIES,
        versions_dir=var / "versions",
        local_territories_file=var / "territories.toml",
        tiles_url="none",
        reload_interval_s=0,
        cookie_secure=False,
    )


def _answers(client: TestClient) -> dict[str, Any]:
    out: dict[str, Any] = {p: client.get(p).json() for p in PATHS}
    h = client.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
    assert h.status_code == 200, h.text
    out["reports"] = [{k: v for k, v in r.items() if k != "id"} for r in client.get("/api/admin/reports").json()]
    rid = out["/api/resources?territory=metz"]["features"][0]["id"]
    out["history"] = client.get(f"/api/admin/resources/{rid}/history").json()
    return out


def _use(client: TestClient, rid: str, gone: str) -> None:
    """What editors and residents leave in the database."""
    me = client.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]}).json()
    h = {"X-CSRF-Token": me["csrf_token"]}
    assert client.patch(f"/api/admin/resources/{rid}", json={"phone": "03 87 11 22 33"}, headers=h).status_code == 200
    assert client.delete(f"/api/admin/resources/{gone}", headers=h).status_code in (200, 204)
    r = client.post(f"/api/resources/{rid}/reports", json={"message": "Le CMP ferme le vendredi (test)."})
    assert r.status_code == 201


def test_a_restored_service_gives_the_same_answers(db_url: str, tmp_path: Path, qpv_url: str) -> None:
    source_var, target_var = tmp_path / "source", tmp_path / "target"
    settings = _settings(db_url, source_var)
    add_territory(
        settings.local_territories_file,
        data_dir=LAYERS,
        territory_id="synthetic-local",
        name="Territoire local (test synthétique)",
        selection=Selection(communes=("57463", "57672")),
    )
    store = VersionStore(settings.versions_dir)
    update_source("qpv", options=UpdateOptions(url=qpv_url), store=store, data_dir=LAYERS)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        add_user(client.app.state.db, EDITOR[0], EDITOR[1], role="admin")  # type: ignore[attr-defined]
        metz = client.get("/api/resources?territory=metz").json()["features"]
        _use(client, metz[0]["id"], metz[1]["id"])
        client.app.state.live.wait_for_access()  # type: ignore[attr-defined]  # the recomputed indicators are served
        before = _answers(client)
        out = tmp_path / "geo_clsm-backup.zip"
        summary = backup(
            db_url, out, versions_dir=settings.versions_dir, territories_file=settings.local_territories_file
        )
    assert summary.tables["users"] == 1 and summary.tables["reports"] == 1 and summary.files >= 2
    # the data files matter: the renamed QPV and the local territory are in the answers
    assert RENAMED in json.dumps(before["/api/qpv?territory=metz"], ensure_ascii=False)
    assert "synthetic-local" in [t["id"] for t in before["/api/territories"]]
    edited = [f for f in before["/api/resources?territory=metz"]["features"] if f["id"] == metz[0]["id"]]
    assert edited[0]["properties"]["phone"] == "03 87 11 22 33"
    assert metz[1]["id"] not in {f["id"] for f in before["/api/resources?territory=metz"]["features"]}

    target_url = _fresh(db_url, tmp_path)
    target = _settings(target_url, target_var)
    restored = restore(
        target_url, out, versions_dir=target.versions_dir, territories_file=target.local_territories_file
    )
    assert restored.tables == summary.tables
    with TestClient(create_app(target), base_url="https://testserver") as client:
        client.app.state.live.wait_for_access()  # type: ignore[attr-defined]
        after = _answers(client)
    for key in before:
        assert after[key] == before[key], key


def _fresh(db_url: str, tmp_path: Path) -> str:
    """An empty database of the same kind (PostgreSQL: the source's tables are dropped, it is the
    only test database; the backup is a file, so nothing of the source survives but the file)."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    from tests.store.conftest import _reset_pg

    _reset_pg(db_url)
    return db_url


def test_restore_refuses_a_database_holding_data_unless_forced(db_url: str, tmp_path: Path) -> None:
    from geo_clsm.store.startup import open_store

    open_store(db_url, shipped=lambda: []).dispose()
    add_user(connect(db_url), EDITOR[0], EDITOR[1], role="editor")
    out = tmp_path / "b.zip"
    backup(db_url, out)
    db = connect(db_url)
    assert has_data(db)
    with pytest.raises(BackupError, match="--force"):
        restore(db_url, out)
    add_user(db, "second@example.invalid", "another-password-42", role="editor")
    restore(db_url, out, force=True)  # replaced by the backup: one account again
    with db.connect() as conn:
        from sqlalchemy import text

        assert [r[0] for r in conn.execute(text("SELECT email FROM users"))] == [EDITOR[0]]
    db.dispose()


def test_cli_backup_and_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src.db"
    monkeypatch.setenv("GEO_CLSM_VERSIONS_DIR", str(tmp_path / "versions"))
    monkeypatch.setenv("GEO_CLSM_LOCAL_TERRITORIES_FILE", str(tmp_path / "territories.toml"))
    assert cli(["db", "upgrade", "--database", f"sqlite:///{src}"]) == 0
    add_user(connect(f"sqlite:///{src}"), EDITOR[0], EDITOR[1], role="editor")
    out = tmp_path / "b.zip"
    assert cli(["db", "backup", "--database", f"sqlite:///{src}", "--out", str(out)]) == 0
    assert "users 1" in capsys.readouterr().out
    assert cli(["db", "upgrade", "--database", f"sqlite:///{tmp_path / 'new.db'}"]) == 0  # empty, migrated
    assert cli(["db", "restore", str(out), "--database", f"sqlite:///{tmp_path / 'new.db'}"]) == 0
    rows = sqlite3.connect(tmp_path / "new.db").execute("SELECT email FROM users").fetchall()
    assert rows == [(EDITOR[0],)]
    assert cli(["db", "restore", str(out), "--database", f"sqlite:///{tmp_path / 'new.db'}"]) == 2
    assert "--force" in capsys.readouterr().err
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert cli(["db", "restore", str(tmp_path / "junk.zip"), "--database", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "illisible" in capsys.readouterr().err
