"""Admins add and remove territories through the API; the running service serves them without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
ADMIN = ("admin@clsm-test.fr", "mot-de-passe-admin!")
EDITOR = ("editeur@clsm-test.fr", "mot-de-passe-editeur")


@pytest.fixture(scope="module")
def anon(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("territories")
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(
        data_dir=LAYERS,
        database_url=url,
        local_territories_file=tmp / "territories.toml",
        versions_dir=tmp / "versions",
        reload_interval_s=0.3,
        territories=["metz", "angouleme"],
    )
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        db = connect(url)
        add_user(db, *ADMIN, role="admin")
        add_user(db, *EDITOR, role="editor")
        yield c


def _login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def test_roles(anon: TestClient) -> None:
    body = {"id": "lille", "name": "MEL", "epci": "200093201"}
    assert anon.post("/api/admin/territories", json=body).status_code == 401
    editor, headers = _login(anon, EDITOR)
    assert editor.post("/api/admin/territories", json=body, headers=headers).status_code == 403


def test_admin_adds_a_territory_served_without_restart(anon: TestClient) -> None:
    admin, headers = _login(anon, ADMIN)
    body = {"id": "metz-ouest", "name": "Metz ouest (test)", "communes": ["57463", "57672"]}
    r = admin.post("/api/admin/territories", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["communes"] == 2 and r.json()["population"] > 100_000
    deadline = time.monotonic() + 120
    while True:
        terr = {t["id"]: t for t in anon.get("/api/territories").json()}
        if "metz-ouest" in terr:
            break
        assert time.monotonic() < deadline, "the new territory was not served"
        time.sleep(0.3)
    assert terr["metz-ouest"]["communes"] == 2 and terr["metz-ouest"]["qpv"] >= 1
    assert anon.get("/?territory=metz-ouest").status_code == 200
    again = admin.post("/api/admin/territories", json=body, headers=headers)
    assert again.status_code == 422 and "déjà défini" in again.json()["detail"]
    assert admin.delete("/api/admin/territories/metz-ouest", headers=headers).status_code == 204
    assert admin.delete("/api/admin/territories/metz", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"id": "x-test", "name": "X", "epci": "123456789"}, 404, "codes inconnus"),
        ({"id": "x-test", "name": "X"}, 422, "exactement un choix"),
        ({"id": "X Test", "name": "X", "departments": ["57"]}, 422, "identifiant"),
        ({"id": "x-test", "name": "X", "communes": ["5746"]}, 422, "code INSEE invalide"),
    ],
)
def test_bad_requests_get_a_french_4xx(anon: TestClient, body: dict[str, object], status: int, message: str) -> None:
    admin, headers = _login(anon, ADMIN)
    r = admin.post("/api/admin/territories", json=body, headers=headers)
    assert r.status_code == status and message in r.json()["detail"], r.text
