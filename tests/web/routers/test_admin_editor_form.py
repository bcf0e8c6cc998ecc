"""The editor's form: the right control for each field, the opening-hours grid and its preview in
words, pickers with labels, and errors that name the field by its label."""

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
RID = "metz-cmp-cattp-adultes-metz-nord"
EDITOR = ("form@clsm-metz.fr", "mot-de-passe-formulaire")


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('form') / 'form.db'}"
    with TestClient(
        create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine), base_url="https://testserver"
    ) as c:
        add_user(connect(url), *EDITOR, role="editor")
        form = c.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert token
        c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token.group(1)})
        yield c


def csrf(client: TestClient) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/admin/resources").text)
    assert m
    return m.group(1)


def control(html: str, field_id: str) -> str:
    """The opening tag of the control with this id."""
    m = re.search(rf'<(input|select|textarea|fieldset)\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert m, field_id
    return m.group(0)


def test_each_field_has_its_control(client: TestClient) -> None:
    html = client.get(f"/admin/resources/{RID}").text
    for field in ("type", "position_precision", "territory", "wheelchair", "appointment_required", "to_verify"):
        assert control(html, f"f-{field}").startswith("<select"), field
    assert re.search(r'<select id="f-wheelchair"[^>]*>\s*<option value="" [^>]*>inconnu</option>', html)
    assert '<option value="oui"' in html and ">non</option>" in html
    for field in ("age_min", "age_max"):
        tag = control(html, f"f-{field}")
        assert 'type="number"' in tag and 'min="0"' in tag and 'max="120"' in tag
    assert 'type="date"' in control(html, "f-last_verified")
    assert 'type="tel"' in control(html, "f-phone")
    assert ">Metz" in html or "Eurométropole de Metz</option>" in html  # the territory by its name
    # Pickers with labels: services by type label, languages by name.
    assert control(html, "f-services").startswith("<fieldset")
    assert re.search(r'id="f-services-CATTP"[^>]*><label for="f-services-CATTP">CATTP</label>', html)
    assert '<label for="f-services-HDJ">Hôpital de jour</label>' in html
    assert '<label for="f-languages-ar">arabe</label>' in html and '<label for="f-languages-en">anglais</label>' in html
    # The opening-hours editor: a row per day, the holidays, the raw text, the preview in words.
    assert 'id="hours-0-0-from"' in html and 'id="hours-6-1-to"' in html and 'id="hours-ph"' in html
    assert 'id="f-opening_hours"' in html and 'id="hours-preview"' in html


def test_the_hours_grid_writes_the_osm_text_and_the_preview_says_it(client: TestClient) -> None:
    form = {"csrf_token": csrf(client), "hours-grid": "1", "hours-ph": "off"}
    form |= {f"hours-{d}-0-from": "09:00" for d in range(5)} | {f"hours-{d}-0-to": "12:30" for d in range(5)}
    form |= {"hours-2-1-from": "14:00", "hours-2-1-to": "17:00"}
    page = client.get(f"/admin/resources/{RID}").text
    raw = re.search(r'id="f-opening_hours" name="opening_hours" value="([^"]*)"', page)
    assert raw
    form["opening_hours"] = raw.group(1)  # the raw text left as it was: the grid decides
    r = client.post(f"/admin/resources/{RID}", data=form)
    assert r.status_code == 200 and "Fiche enregistrée" in r.text
    hours = client.get(f"/api/resources/{RID}").json()["properties"]["opening_hours"]
    assert hours == "Mo,Tu 09:00-12:30; We 09:00-12:30,14:00-17:00; Th,Fr 09:00-12:30; PH off"
    assert (
        "le lundi et le mardi de 9 h à 12 h 30 ; le mercredi de 9 h à 12 h 30 et de 14 h à 17 h ; "
        "le jeudi et le vendredi de 9 h à 12 h 30 ; fermé les jours fériés" in r.text
    )
    assert 'id="hours-2-1-from" name="hours-2-1-from" value="14:00"' in r.text


def test_the_preview_endpoint(client: TestClient) -> None:
    b = client.get("/admin/hours/preview", params={"text": "Mo-Fr 09:00-17:00; PH off"}).json()
    assert b["words"] == "du lundi au vendredi de 9 h à 17 h ; fermé les jours fériés" and not b["error"]
    assert b["grid"]["hours-0-0-from"] == "09:00" and b["grid"]["hours-ph"] == "off"
    b = client.get("/admin/hours/preview", params={"hours-5-0-from": "10:00", "hours-5-0-to": "12:00"}).json()
    assert b["text"] == "Sa 10:00-12:00" and b["words"] == "le samedi de 10 h à 12 h"
    b = client.get("/admin/hours/preview", params={"text": "tous les jours"}).json()
    assert "illisibles" in b["error"]
    en = client.get("/admin/hours/preview", params={"text": "Mo-Fr 09:00-17:00", "lang": "en"}).json()
    assert "Monday" in en["words"]
    anon = TestClient(client.app, base_url="https://testserver")
    assert anon.get("/admin/hours/preview", params={"text": "24/7"}, follow_redirects=False).status_code == 303


def test_pickers_save_lists(client: TestClient) -> None:
    data = {"csrf_token": csrf(client), "services-picker": "1", "languages-picker": "1"}
    r = client.post(
        f"/admin/resources/{RID}",
        data={**data, "services": ["CATTP", "HDJ"], "services-other": "réhabilitation", "languages": ["fr", "ar"]},
    )
    assert r.status_code == 200
    props = client.get(f"/api/resources/{RID}").json()["properties"]
    assert props["services"] == ["CATTP", "HDJ", "réhabilitation"] and props["languages"] == ["fr", "ar"]
    assert re.search(r'id="f-languages-ar" name="languages" value="ar" checked', r.text)


def test_errors_name_the_field_by_its_label(client: TestClient) -> None:
    r = client.post(f"/admin/resources/{RID}", data={"csrf_token": csrf(client), "phone": "12"})
    assert r.status_code == 422
    error = re.search(r'<div class="error" role="alert" id="form-error">(.*?)</div>', r.text, re.S)
    assert error and "« Téléphone »" in error.group(1) and "« phone »" not in error.group(1)
    assert "Aller au champ « Téléphone »" in error.group(1)
    r = client.post(
        f"/admin/resources/{RID}",
        data={"csrf_token": csrf(client), "hours-grid": "1", "hours-1-0-from": "18:00", "hours-1-0-to": "08:00"},
    )
    assert r.status_code == 422 and "« Horaires »" in r.text and "mardi" in r.text
    r = client.post(f"/admin/resources/{RID}", data={"csrf_token": csrf(client), "age_min": "30", "age_max": "12"})
    assert r.status_code == 422 and "« Âge minimum »" in r.text and 'href="#f-age_min"' in r.text


@pytest.mark.parametrize(
    ("lang", "direction", "phone", "preview"),
    [("en", "ltr", "Phone", "Monday to Friday"), ("ar", "rtl", "الهاتف", "الاثنين")],
)
def test_the_form_in_english_and_arabic(
    client: TestClient, lang: str, direction: str, phone: str, preview: str
) -> None:
    html = client.get(f"/admin/resources/{RID}?lang={lang}").text
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<label for="f-phone">{phone}</label>' in html
    b = client.get("/admin/hours/preview", params={"text": "Mo-Fr 09:00-17:00", "lang": lang}).json()
    assert preview in b["words"]
