"""The territory screens (/admin/territories): admins only, CSRF, French errors in the form,
removal after confirmation that leaves every resource in place."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.data.territories import read_local
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
ADMIN = ("admin-pages@clsm-test.fr", "mot-de-passe-admin!")
EDITOR = ("editeur-pages@clsm-test.fr", "mot-de-passe-editeur")


@pytest.fixture(scope="module")
def setup(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    tmp = tmp_path_factory.mktemp("territory-pages")
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
        yield c, settings


def _login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, str]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, str(r.json()["csrf_token"])


def _cells(html: str, territory: str) -> list[str]:
    row = re.search(rf'<tr data-id="{territory}">(.*?)</tr>', html, re.S)
    assert row, html[:800]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_only_admins(setup: tuple[TestClient, Settings]) -> None:
    anon, _ = setup
    r = anon.get("/admin/territories", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    editor, csrf = _login(anon, EDITOR)
    r = editor.get("/admin/territories")
    assert r.status_code == 403 and "réservé aux administrateurs" in r.text
    assert 'href="/admin/territories"' not in editor.get("/admin/resources").text
    r = editor.post("/admin/territories", data={"csrf_token": csrf, "territory_id": "x-test", "name": "X", "epci": ""})
    assert r.status_code == 403


def test_list_shows_communes_population_and_qpv(setup: tuple[TestClient, Settings], engine: Engine) -> None:
    admin, _ = _login(setup[0], ADMIN)
    html = admin.get("/admin/territories").text
    assert 'href="/admin/territories"' in admin.get("/admin/resources").text  # in the admins' menu
    communes = engine.catalog.communes
    metz = communes[communes["territory"] == "metz"]
    qpv = engine.catalog.qpv
    cells = _cells(html, "metz")
    assert cells[0] == "metz" and cells[2] == "pilote"
    assert cells[3] == str(metz["insee_com"].nunique())
    assert cells[4].replace("\u202f", "").replace(" ", "") == str(int(metz["population_municipale"].sum()))
    assert cells[5] == str(qpv.loc[qpv["territory"] == "metz", "code_qp"].nunique())
    assert "Retirer" not in cells[6] and "Présence du CLSM" in cells[6]  # a pilot cannot be removed here


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"epci": "123456789"}, "codes inconnus de la couche nationale"),
        ({}, "exactement un choix de communes"),
        ({"communes": "5746"}, "code INSEE invalide"),
        ({"departments": "57", "epci": "200039865"}, "exactement un choix"),
    ],
)
def test_errors_are_shown_in_the_form(setup: tuple[TestClient, Settings], fields: dict[str, str], message: str) -> None:
    anon, settings = setup
    admin, csrf = _login(anon, ADMIN)
    data = {"csrf_token": csrf, "territory_id": "essai", "name": "Territoire d'essai", **fields}
    r = admin.post("/admin/territories", data=data)
    assert r.status_code == 422
    alert = re.search(r'role="alert"[^>]*>(.*?)</div>', r.text, re.S)
    assert alert and message in alert.group(1), r.text[-2000:]
    assert 'value="Territoire d&#39;essai"' in r.text  # what was typed is kept
    assert not any(e.get("id") == "essai" for e in read_local(settings.local_territories_file))


def test_add_then_remove_after_confirmation(setup: tuple[TestClient, Settings]) -> None:
    anon, settings = setup
    admin, csrf = _login(anon, ADMIN)
    data = {"territory_id": "metz-ouest", "name": "Metz ouest (essai)", "communes": "57463, 57672"}
    forged = {**data, "csrf_token": "forged"}
    r = admin.post("/admin/territories", data=forged, follow_redirects=False)  # wrong CSRF token: nothing done
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert read_local(settings.local_territories_file) == []
    r = admin.post("/admin/territories", data={**data, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/territories?added=metz-ouest"
    (entry,) = read_local(settings.local_territories_file)
    assert entry["communes"] == ["57463", "57672"]
    page = admin.get("/admin/territories?added=metz-ouest").text
    assert "ajouté" in page and 'href="/admin/territories/metz-ouest/retirer"' in page
    again = admin.post("/admin/territories", data={**data, "csrf_token": csrf})
    assert again.status_code == 422 and "déjà défini" in again.text

    db = connect(settings.database_url)
    with db.connect() as conn:
        before = len(repo.active_resources(conn))
    confirm = admin.get("/admin/territories/metz-ouest/retirer")
    assert confirm.status_code == 200 and "Aucune ressource n'est supprimée" in html.unescape(confirm.text)
    assert read_local(settings.local_territories_file) != []  # the confirmation page changes nothing
    r = admin.post("/admin/territories/metz-ouest/retirer", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/territories?removed=metz-ouest"
    assert read_local(settings.local_territories_file) == []
    with db.connect() as conn:
        assert len(repo.active_resources(conn)) == before
    assert admin.get("/admin/territories/metz/retirer").status_code == 404  # pilots are not removable
    r = admin.post("/admin/territories/metz/retirer", data={"csrf_token": csrf})
    assert r.status_code == 404 and "seuls les territoires ajoutés" in r.text and "<h1>" in r.text
