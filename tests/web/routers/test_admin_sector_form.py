"""The sector form's pickers (issue 29, item 1): referents chosen by name from the directory (CMP
first, the stored order kept), communes and QPV ticked in lists by name and INSEE code (the map's
fallback), the outlines the form's map draws (``/admin/sector-places``, for the territory's
editors only), the admins' check map, and the screens in French, English and Arabic.
FICTITIOUS sectors only (tests/fixtures/sectors)."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from tests.sector_fixtures import WHOLE_COMMUNE, app_with_sectors

ADMIN = ("admin-formulaire@clsm-test.fr", "mot-de-passe-admin!")
EDITOR = ("editeur-formulaire@clsm-test.fr", "mot-de-passe-editeur")
ANG_EDITOR = ("editeur-angouleme@clsm-test.fr", "mot-de-passe-angouleme")
GAMBETTA = "metz-cmp-cattp-adultes-gambetta"
MONTIGNY = "metz-cmp-cattp-adultes-montigny"


@pytest.fixture(scope="module")
def anon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sector-form') / 'db.sqlite'}"
    with TestClient(app_with_sectors(url), base_url="https://testserver") as c:
        db = connect(url)
        add_user(db, *ADMIN, role="admin")
        add_user(db, *EDITOR, role="editor")
        add_user(db, *ANG_EDITOR, role="editor", territories=("angouleme",))
        db.dispose()
        yield c


def _login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, str]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, str(r.json()["csrf_token"])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def _selected(html: str, select_id: str) -> str:
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block, select_id
    found = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', block.group(1))
    return found.group(1) if found else ""


def test_referents_are_offered_by_name_type_and_commune_cmp_first(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    html = c.get("/admin/sectors/new").text
    block = re.search(r'<select id="s-ref-1"[^>]*>(.*?)</select>', html, re.S)
    assert block
    groups = re.findall(r'<optgroup label="([^"]+)"', block.group(1))
    assert groups[0].startswith("CMP") and "Hôpital de jour" in groups
    assert groups.index("Hôpital de jour") > max(i for i, g in enumerate(groups) if g.startswith("CMP")), groups
    option = re.search(rf'<option value="{GAMBETTA}"[^>]*>([^<]+)</option>', block.group(1))
    assert option and " — CMP adultes — Metz" in html_lib.unescape(option.group(1))
    assert 'name="referents"' in html and '<textarea id="s-referents"' not in html  # no raw ids to type


def test_the_stored_referents_come_back_in_their_order(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    html = c.get("/admin/sectors/FICTIF-57G02").text
    assert _selected(html, "s-ref-1") == MONTIGNY
    assert _selected(html, "s-ref-2") == "metz-centre-rehabilitation-jour"
    assert _selected(html, "s-ref-3") == ""  # one more to add


def test_communes_and_qpv_are_ticked_in_lists_by_name_and_code(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    html = c.get("/admin/sectors/FICTIF-57G01").text
    assert re.search(rf'id="c-{WHOLE_COMMUNE}"[^>]*checked', html)
    assert re.search(r'<label for="c-57256">Gravelotte \(57256\)</label>', html)
    assert not re.search(r'id="c-57256"[^>]*checked', html)
    assert re.search(r'id="q-QN05722M"[^>]*checked', html)
    assert "Woippy (57751)" in _text(re.search(r'<p id="s-summary".*?</p>', html, re.S).group(0))  # type: ignore[union-attr]


def test_ticked_boxes_and_picked_referents_are_saved_in_order(anon: TestClient) -> None:
    c, csrf = _login(anon, EDITOR)
    form = {
        "csrf_token": csrf,
        "sector_id": "FICTIF-57G21",
        "name": "Secteur fictif coché",
        "public": "adultes",
        "territory": "metz",
        "referents": [MONTIGNY, "", GAMBETTA],  # three selects, the second left empty
        "communes": ["57256", "57017", ""],  # two ticked boxes and the empty « Autres communes »
        "qpv": ["QN05720M", ""],
        "polygon_wkt": "",
    }
    r = c.post("/admin/sectors", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    got = c.get("/api/sectors/FICTIF-57G21").json()
    assert got["properties"]["referents"] == [MONTIGNY, GAMBETTA]
    html = c.get("/admin/sectors/FICTIF-57G21").text
    assert re.search(r'id="c-57256"[^>]*checked', html) and re.search(r'id="q-QN05720M"[^>]*checked', html)


def test_a_code_outside_the_lists_is_kept(anon: TestClient) -> None:
    c, csrf = _login(anon, ANG_EDITOR)
    form = {
        "csrf_token": csrf,
        "sector_id": "FICTIF-16G21",
        "name": "Secteur fictif d'Angoulême",
        "public": "adultes",
        "territory": "angouleme",
        "referents": "ang-ch-camille-claudel",
        "communes": "16113 57256",  # typed in « Autres communes »: Gravelotte is not in Angoulême's list
    }
    r = c.post("/admin/sectors", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    html = c.get("/admin/sectors/FICTIF-16G21").text
    assert re.search(r'<input id="s-communes" name="communes" value="57256">', html)
    assert re.search(r'id="c-16113"[^>]*checked', html)


def test_the_map_gets_the_territorys_outlines(anon: TestClient) -> None:
    c, _ = _login(anon, EDITOR)
    r = c.get("/admin/sector-places", params={"territory": "metz"})
    assert r.status_code == 200
    features = r.json()["features"]
    communes = {f["properties"]["code"]: f for f in features if f["properties"]["kind"] == "commune"}
    assert communes[WHOLE_COMMUNE]["properties"]["name"] == "Woippy"
    assert communes[WHOLE_COMMUNE]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "QN05720M" in {f["properties"]["code"] for f in features if f["properties"]["kind"] == "qpv"}
    served = {
        f["properties"]["code"]: f["properties"]["public"] for f in features if f["properties"]["kind"] == "sector"
    }
    assert served["FICTIF-57G01"] == "adultes" and served["FICTIF-57I01"] == "enfants"  # drawn beside the one edited


def test_the_outlines_are_for_the_territorys_accounts(anon: TestClient) -> None:
    assert anon.get("/admin/sector-places?territory=metz", follow_redirects=False).status_code == 303
    c, _ = _login(anon, ANG_EDITOR)
    r = c.get("/admin/sector-places", params={"territory": "metz"})
    assert r.status_code == 403 and "features" not in r.text
    assert c.get("/admin/sector-places", params={"territory": "angouleme"}).status_code == 200
    unknown = c.get("/admin/sector-places", params={"territory": "atlantide"})
    assert unknown.status_code == 404 and "territoire « atlantide » inconnu" in unknown.text


def test_admins_get_a_check_map_with_the_holes(anon: TestClient) -> None:
    c, _ = _login(anon, ADMIN)
    html = c.get("/admin/sectors").text
    found = re.search(r'id="checks-map-metz" data-checks="([^"]+)"', html)
    assert found
    kinds = [
        (f["properties"]["kind"], f["properties"]["name"])
        for f in json.loads(html_lib.unescape(found.group(1)))["features"]
    ]
    assert ("hole", "Gravelotte") in kinds and ("sector", "FICTIF-57G01") in kinds
    editor, _ = _login(anon, EDITOR)
    assert "data-checks" not in editor.get("/admin/sectors").text


@pytest.mark.parametrize(
    ("lang", "list_words", "form_words", "direction"),
    [
        (
            "fr",
            ("Secteurs de psychiatrie", "Trous"),
            ("Ressources référentes", "Référent 1", "Terminer le polygone"),
            "ltr",
        ),
        ("en", ("Psychiatric sectors", "Holes"), ("Referent resources", "Referent 1", "Finish the polygon"), "ltr"),
        ("ar", ("قطاعات الطب النفسي", "الثغرات"), ("الموارد المرجعية", "المرجع 1", "إنهاء المضلع"), "rtl"),
    ],
)
def test_the_screens_speak_french_english_and_arabic(
    anon: TestClient, lang: str, list_words: tuple[str, ...], form_words: tuple[str, ...], direction: str
) -> None:
    c, _ = _login(anon, ADMIN)
    listing = c.get("/admin/sectors", params={"lang": lang}).text
    assert f'dir="{direction}"' in listing
    assert all(w in _text(listing) for w in list_words), _text(listing)[:400]
    form = c.get("/admin/sectors/FICTIF-57G01", params={"lang": lang}).text
    assert all(w in _text(form) for w in form_words)
