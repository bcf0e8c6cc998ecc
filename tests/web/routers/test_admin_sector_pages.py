"""The sector screens (/admin/sectors): editors list, create, change and withdraw sectors with the
import's checks (French errors in the form), changes served at once; admins see overlaps and holes.
FICTITIOUS sectors only (tests/fixtures/sectors)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from tests.sector_fixtures import POINTS, app_with_sectors

ADMIN = ("admin-secteurs@clsm-test.fr", "mot-de-passe-admin!")
EDITOR = ("editeur-secteurs@clsm-test.fr", "mot-de-passe-editeur")


@pytest.fixture(scope="module")
def anon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sector-pages') / 'db.sqlite'}"
    with TestClient(app_with_sectors(url), base_url="https://testserver") as c:
        db = connect(url)
        add_user(db, *ADMIN, role="admin")
        add_user(db, *EDITOR, role="editor")
        db.dispose()
        yield c


def _login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, str]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, str(r.json()["csrf_token"])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


FORM = {
    "sector_id": "FICTIF-57G09",
    "name": "Secteur fictif saisi à l'écran",
    "public": "adultes",
    "establishment": "Établissement fictif C",
    "referents": "metz-cmp-cattp-adultes-gambetta",
    "communes": "57256 57017",
    "qpv": "",
    "polygon_wkt": "",
    "territory": "metz",
}


def test_signed_out_goes_to_login(anon: TestClient) -> None:
    r = anon.get("/admin/sectors", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"


def test_editor_lists_sectors_without_the_admin_checks(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    html = c.get("/admin/sectors").text
    assert 'data-id="FICTIF-57G01"' in html and "CMP-CATTP pour adultes Metz-Nord (CHS Jury)" in html
    assert "Trous" not in html


def test_admin_sees_holes(anon: TestClient) -> None:
    c, _ = _login(anon, ADMIN)
    text = _text(c.get("/admin/sectors").text)
    assert "Contrôles — metz" in text
    assert "psychiatrie adulte : Gravelotte (57256), dans aucun secteur" in text
    assert "Aucun lieu dans deux secteurs du même public." in text


def test_bad_form_is_refused_in_french_and_nothing_saved(anon: TestClient) -> None:
    c, csrf = _login(anon, EDITOR)
    bad = {**FORM, "csrf_token": csrf, "referents": "cmp-qui-n-existe-pas", "communes": "57256 99999"}
    r = c.post("/admin/sectors", data=bad)
    assert r.status_code == 422
    text = _text(r.text)
    assert "ressource inconnue « cmp-qui-n-existe-pas »" in text and "commune inconnue « 99999 »" in text
    assert c.get("/api/sectors/FICTIF-57G09").status_code == 404


def test_created_then_withdrawn_sector_is_served_at_once(anon: TestClient) -> None:
    c, csrf = _login(anon, EDITOR)
    r = c.post("/admin/sectors", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    lon, lat = POINTS["gravelotte"]
    got = c.get("/api/sectors/FICTIF-57G09").json()
    assert got["properties"]["referents"] == ["metz-cmp-cattp-adultes-gambetta"]
    assert anon.app.state.engine.sectors.at(lon=lon, lat=lat)[0].id == "FICTIF-57G09"
    edit = {k: v for k, v in FORM.items() if k != "sector_id"}
    r = c.post("/admin/sectors/FICTIF-57G09", data={**edit, "name": "Secteur fictif renommé", "csrf_token": csrf})
    assert r.status_code == 200 and c.get("/api/sectors/FICTIF-57G09").json()["properties"]["name"] == (
        "Secteur fictif renommé"
    )
    r = c.post("/admin/sectors/FICTIF-57G09", data={**edit, "action": "withdraw", "csrf_token": csrf})
    assert r.status_code == 200 and c.get("/api/sectors/FICTIF-57G09").status_code == 404
    assert anon.app.state.engine.sectors.at(lon=lon, lat=lat) == ()


def test_csrf_is_required(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    r = c.post("/admin/sectors", data={**FORM, "csrf_token": "faux"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
