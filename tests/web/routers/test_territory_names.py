"""A territory name with a control character is refused by the API and the admin screen (French
422 naming the field), and the local territories file stays readable: every territory screen
still answers (issue 25, item 5). Names and accounts are synthetic."""

from __future__ import annotations

import tomllib
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
ADMIN = ("admin-noms@synthetic.invalid", "mot-de-passe-synthetique")


@pytest.fixture(scope="module")
def setup(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, Settings]]:
    tmp = tmp_path_factory.mktemp("territory-names")
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(
        data_dir=LAYERS,
        database_url=url,
        local_territories_file=tmp / "territories.toml",
        versions_dir=tmp / "versions",
        territories=["metz", "angouleme"],
    )
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        add_user(connect(url), *ADMIN, role="admin")
        r = c.post("/api/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        assert r.status_code == 200, r.text
        yield c, str(r.json()["csrf_token"]), settings


def _still_readable(c: TestClient, settings: Settings) -> None:
    path = settings.local_territories_file
    if path.exists():
        tomllib.loads(path.read_text(encoding="utf-8"))
    assert c.get("/api/territories").status_code == 200
    assert c.get("/admin/territories").status_code == 200


@pytest.mark.parametrize("name", ["Synthétique\x7f", "Synthétique\x01", "Synthétique\r\n[[territory]]"])
def test_api_refuses_a_control_character_in_the_name(setup: tuple[TestClient, str, Settings], name: str) -> None:
    c, csrf, settings = setup
    body = {"id": "synthetique", "name": name, "communes": ["57463"]}
    r = c.post("/api/admin/territories", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422, r.text
    assert "champ name" in r.json()["detail"] and "caractère de contrôle" in r.json()["detail"]
    _still_readable(c, settings)


def test_admin_screen_refuses_a_control_character_in_the_name(setup: tuple[TestClient, str, Settings]) -> None:
    c, csrf, settings = setup
    data = {"csrf_token": csrf, "territory_id": "synthetique", "name": "Synthétique\x7f", "communes": "57463"}
    r = c.post("/admin/territories", data=data)
    assert r.status_code == 422 and "caractère de contrôle" in r.text
    _still_readable(c, settings)
