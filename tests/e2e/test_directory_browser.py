"""Issue 30 in a real headless Chromium at phone size (375×667): an editor states a waiting time, new
requests and a closure notice in the form; a resident then sees them, in French, English and Arabic,
on /recherche (and filters on « accepte de nouvelles demandes ») and in the map's results list. The
service's clock is set inside the notice's window (the server runs in this process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("delais@clsm-metz.fr", "mot-de-passe-delais-e2e")
PHONE = {"width": 375, "height": 667}
DURING = datetime(2026, 12, 23, 10, 0)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-dir') / 'dir.db'}"
    app = create_app(Settings(tiles_url="none", database_url=url), engine=engine)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    with clock.frozen_at(DURING):
        t = threading.Thread(target=srv.run, daemon=True)
        t.start()
        deadline = time.monotonic() + 60
        while not srv.started:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        add_user(connect(url), *EDITOR, role="editor")
        yield f"http://127.0.0.1:{port}"
        srv.should_exit = True
        t.join(timeout=10)


def _phone_page(browser: Browser, locale: str = "fr-FR") -> Page:
    # bypass_csp: the test polls with string predicates (the CSP itself: tests/e2e/test_csp_browser.py)
    return browser.new_context(
        locale=locale, viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
    ).new_page()


@pytest.fixture(scope="module")
def edited(browser: Browser, site: str) -> str:
    page = _phone_page(browser)
    page.goto(site + "/admin/resources")
    page.get_by_label("Adresse e-mail").fill(EDITOR[0])
    page.get_by_label("Mot de passe").fill(EDITOR[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/resources")
    page.goto(f"{site}/admin/resources/{RID}")
    page.get_by_label("Accepte de nouvelles demandes").select_option("oui")
    page.get_by_label("Délai d'attente (jours jusqu'au premier rendez-vous)").fill("40")
    page.get_by_label("Avis daté (texte, par exemple « fermé du 22/12 au 2/1 »)").fill("fermé du 22/12 au 2/1")
    page.get_by_label("Avis : premier jour").fill("2026-12-22")
    page.get_by_label("Avis : dernier jour").fill("2027-01-02")
    page.get_by_label("Avis : le lieu est fermé pendant cette période").select_option("oui")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**saved=1**")
    assert page.locator("p.saved").inner_text().startswith("Fiche enregistrée")
    return site


def test_a_resident_sees_them_on_recherche_and_filters(browser: Browser, edited: str) -> None:
    page = _phone_page(browser)
    page.goto(f"{edited}/recherche?q=Metz&type=CMP_ADULTE")
    item = page.locator("li.gc-item", has_text="Gambetta").first
    text = item.inner_text()
    assert "Avis du 22/12/2026 au 02/01/2027 : fermé du 22/12 au 2/1" in text
    assert "Accepte de nouvelles demandes" in text
    assert "Premier rendez-vous : environ 40 jours (délai indiqué le 23/12/2026)" in text
    assert "Fermé maintenant" in text  # the closure notice closes it, whatever its hours
    assert page.locator("li.gc-item", has_text="à confirmer par téléphone").count() >= 1  # never confirmed
    if page.locator("details.gc-filters[open]").count() == 0:  # open already when a filter is set
        page.locator("summary", has_text="Filtres").click()
    page.get_by_label("Accepte de nouvelles demandes").check()
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_url("**accepts_new=1**")
    assert page.locator("li.gc-item").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "directory-recherche-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing pushes the page sideways


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Accepts new requests", "First appointment: about 40 days", "Notice from"]),
        ("ar", ["يقبل طلبات جديدة", "أول موعد: حوالي", "إشعار من"]),
    ],
)
def test_in_english_and_arabic(browser: Browser, edited: str, lang: str, words: list[str]) -> None:
    page = _phone_page(browser, "en-GB" if lang == "en" else "ar")
    page.goto(f"{edited}/recherche?q=Metz&type=CMP_ADULTE&lang={lang}")
    text = page.locator("li.gc-item", has_text="fermé du 22/12 au 2/1").first.inner_text()
    for w in words:
        assert w in text, (w, text)


def test_the_map_results_list_shows_them(browser: Browser, edited: str) -> None:
    page = _phone_page(browser)
    page.goto(edited + "/")
    page.wait_for_function("Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    page.fill("#gc-q", "20 rue Gambetta Metz")
    page.press("#gc-q", "Enter")
    page.wait_for_function("Number(document.body.getAttribute('data-results') || 0) > 0", timeout=20_000)
    mine = page.locator("#gc-results li", has_text="fermé du 22/12 au 2/1").first
    text = mine.inner_text()
    assert "Accepte de nouvelles demandes" in text and "environ 40 jours" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "directory-map-375.png"), full_page=True)
