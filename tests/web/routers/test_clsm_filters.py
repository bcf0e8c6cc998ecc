"""A CLSM's default filters (issue 31, item 2): beyond types, the age band, « open now », « accepts
new requests » and the language spoken, set on the presence screen by the territory's admins, open
/t/{id} and /embed/{id} with them; an address that names a filter overrides it (``open=0``, ``age=``),
and the page's own filter form, once sent, says every filter itself. Bad values: French 422."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import translator
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app
from geo_clsm.web.pages.resident import spoken_languages

LAYERS = Path(__file__).resolve().parents[3] / "layers"
METZ_ADMIN = ("admin-metz-filtres@clsm-test.fr", "mot-de-passe-metz!")


@pytest.fixture(scope="module")
def metz(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, str]]:
    """(the Metz admin's client, its CSRF token, a language spoken somewhere in the directory)."""
    tmp = tmp_path_factory.mktemp("clsm-filters")
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(data_dir=LAYERS, database_url=url, territories=["metz", "angouleme"], tiles_url="none")
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        add_user(connect(url), *METZ_ADMIN, role="admin", territories=["metz"])
        r = c.post("/api/auth/login", json={"email": METZ_ADMIN[0], "password": METZ_ADMIN[1]})
        assert r.status_code == 200, r.text
        spoken = spoken_languages(engine, translator("fr"))
        assert spoken, "the shipped directory names no language spoken"
        yield c, str(r.json()["csrf_token"]), spoken[0][0]


def _state(html: str) -> dict[str, object]:
    """What the page's filter form opens with."""
    age = re.search(r'<select id="gc-age"[^>]*>.*?</select>', html, re.S)
    spoken = re.search(r'<select id="gc-lang-spoken"[^>]*>.*?</select>', html, re.S)
    assert age and spoken

    def selected(block: str) -> str:
        m = re.search(r'<option value="([^"]*)" selected>', block)
        return m.group(1) if m else ""

    return {
        "age": selected(age.group(0)),
        "open": bool(re.search(r'id="gc-open"[^>]*checked', html)),
        "accepts_new": bool(re.search(r'id="gc-accepts-new"[^>]*checked', html)),
        "lang_spoken": selected(spoken.group(0)),
        "types": re.findall(r'name="type" value="([A-Z_]+)" checked', html),
    }


def test_the_defaults_open_the_territory_pages_and_the_address_overrides_them(
    metz: tuple[TestClient, str, str],
) -> None:
    c, csrf, lang = metz
    before = _state(c.get("/t/metz").text)
    assert before["age"] == "" and not before["open"] and not before["accepts_new"] and before["lang_spoken"] == ""
    form = {
        "csrf_token": csrf,
        "default_types": ["CMP", "GEM"],
        "default_age": "ado",
        "default_open_now": "1",
        "default_accepts_new": "1",
        "default_lang_spoken": lang,
    }
    r = c.post("/admin/territories/metz/presence", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    screen = c.get("/admin/territories/metz/presence").text  # the screen shows them back
    assert '<option value="ado" selected>' in screen and 'name="default_open_now" value="1" checked' in screen
    for path in ("/t/metz", "/embed/metz", "/t/metz?lang=ar", "/embed/metz?lang=en&mode=liste"):
        state = _state(c.get(path).text)
        assert state == {"age": "ado", "open": True, "accepts_new": True, "lang_spoken": lang, "types": ["CMP", "GEM"]}
    # each filter the address names wins; the others stay the CLSM's
    state = _state(c.get("/t/metz?open=0&age=senior&type=GEM").text)
    assert state == {"age": "senior", "open": False, "accepts_new": True, "lang_spoken": lang, "types": ["GEM"]}
    state = _state(c.get("/embed/metz?age=&lang_spoken=&accepts_new=0").text)
    assert state == {"age": "", "open": True, "accepts_new": False, "lang_spoken": "", "types": ["CMP", "GEM"]}
    # the page's own form sent (filtres=1): what it leaves out is off, not the default again
    state = _state(c.get("/t/metz?filtres=1&age=adulte").text)
    assert state["age"] == "adulte" and not state["open"] and not state["accepts_new"] and state["lang_spoken"] == ""
    # the language links keep the address's own filters
    assert "open=0" in c.get("/t/metz?open=0").text.split('id="gc-filter-form"')[0]
    # the API sees them in the settings document
    got = c.get("/api/admin/territories/metz/settings").json()["settings"]
    assert got["default_age"] == "ado" and got["default_open_now"] is True and got["default_lang_spoken"] == lang


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/t/metz?age=bebe", "tranche d'âge"),
        ("/embed/metz?open=peut", "ouvert maintenant"),
        ("/t/metz?lang_spoken=12", "langue parlée"),
        ("/t/metz?type=INCONNU", "type inconnu"),
    ],
)
def test_a_bad_filter_in_the_address_is_a_french_4xx(metz: tuple[TestClient, str, str], path: str, words: str) -> None:
    c, _, _ = metz
    r = c.get(path)
    assert 400 <= r.status_code < 500 and words in r.text, (r.status_code, r.text[:300])


def test_bad_defaults_are_refused_in_french(metz: tuple[TestClient, str, str]) -> None:
    c, csrf, _ = metz
    r = c.post("/admin/territories/metz/presence", data={"csrf_token": csrf, "default_age": "bebe"})
    assert (
        r.status_code == 422
        and "« bebe » inconnue" in r.text
        and "Rien n'a été enregistré" in r.text.replace("&#39;", "'")
    )
    r = c.put(
        "/api/admin/territories/metz/settings", json={"default_lang_spoken": "x1"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 422 and "langue parlée" in r.json()["detail"]
