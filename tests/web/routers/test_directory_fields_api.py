"""Issue 30's fields through the editors' API and form: ``PATCH /api/admin/resources/{id}`` takes the
waiting time, new requests, a dated notice and who confirmed the record, refuses bad values with a
French 422 naming the field, and the form has a control for each."""

from __future__ import annotations

import re
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
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("delais@clsm-metz.fr", "mot-de-passe-delais")


@pytest.fixture(scope="module")
def editor(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fields') / 'fields.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="editor")
        r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 200, r.text
        yield c, {"X-CSRF-Token": r.json()["csrf_token"]}


def test_patch_takes_the_fields(editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    body = {
        "wait_days": 21,
        "wait_stated_on": "2026-11-30",
        "accepts_new": "liste_attente",
        "verified_by": "structure",
        "notice": {"text": "fermé du 22/12 au 2/1", "start": "2026-12-22", "end": "2027-01-02", "closed": True},
    }
    r = c.patch(f"/api/admin/resources/{RID}", json=body, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()["resource"]
    assert got["wait_days"] == 21 and got["wait_stated_on"] == "2026-11-30"
    assert got["accepts_new"] == "liste_attente" and got["verified_by"] == "structure"
    assert got["notice"] == body["notice"]
    assert r.json()["row"]["notice_text"] == "fermé du 22/12 au 2/1"
    r = c.patch(f"/api/admin/resources/{RID}", json={"notice": None}, headers=h)
    assert r.status_code == 200 and r.json()["resource"]["notice"] is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"accepts_new": "bientôt"}, "champ « accepts_new » : valeur inconnue « bientôt »"),
        ({"wait_days": -2}, "champ « wait_days »"),
        ({"verified_by": "voisin"}, "champ « verified_by »"),
        ({"notice": {"text": "fermé", "start": "2027-01-02", "end": "2026-12-22"}}, "la date de fin précède"),
        ({"notice": {"text": "fermé", "start": "22/12/2026", "end": "2027-01-02"}}, "AAAA-MM-JJ"),
    ],
)
def test_bad_values_are_a_french_422(
    editor: tuple[TestClient, dict[str, str]], body: dict[str, object], words: str
) -> None:
    c, h = editor
    r = c.patch(f"/api/admin/resources/{RID}", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert words in r.json()["detail"], r.json()["detail"]


def test_the_form_has_a_control_for_each(editor: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = editor
    form = c.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
    assert token
    c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token.group(1)})
    html = c.get(f"/admin/resources/{RID}").text
    for field in ("accepts_new", "verified_by", "notice_closed"):
        assert re.search(rf'<select id="f-{field}"', html), field
    assert re.search(r'<input id="f-wait_days" name="wait_days" type="number"[^>]*min="0"', html)
    for field in ("wait_stated_on", "notice_start", "notice_end"):
        assert re.search(rf'<input id="f-{field}" name="{field}" type="date"', html), field
    assert 'id="f-notice_text"' in html and 'id="f-verified_by_person"' not in html
    assert "Accepte de nouvelles demandes" in html and ">sur liste d&#39;attente</option>" in html
