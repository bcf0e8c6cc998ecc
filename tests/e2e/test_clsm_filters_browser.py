"""A CLSM's default filters in a real headless Chromium at phone size (issue 31, item 2): Metz's
admin sets them on the presence screen (age band, open now, accepts new requests, language spoken);
a resident opening /t/metz or /embed/metz, in French, English and Arabic, sees the filter form set
so and the map asks for the places open now that speak that language; an address naming a filter
(``open=0``, ``age=senior``) changes that one only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import translator
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.pages.resident import spoken_languages

from .serving import serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
METZ_ADMIN = ("admin-metz-filtres@clsm-test.fr", "mot-de-passe-metz!")


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(the app's address, a language spoken somewhere in the directory)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clsm-filters-e2e') / 'db.sqlite'}"
    with serve(Settings(tiles_url="none", database_url=url), engine) as base:
        add_user(connect(url), *METZ_ADMIN, role="admin", territories=["metz"])
        yield base, spoken_languages(engine, translator("fr"))[0][0]


def _phone(browser: Browser, locale: str = "fr-FR") -> Page:
    return browser.new_context(viewport={"width": 375, "height": 667}, locale=locale).new_page()


def _open(page: Page, url: str) -> list[str]:
    """Open ``url``; the /api/markers-kept queries the map made while its markers were drawn."""
    asked: list[str] = []

    def seen(r: Request) -> None:
        if "/api/markers-kept" in r.url:
            asked.append(r.url)

    page.on("request", seen)
    page.goto(url)
    page.wait_for_selector("body[data-markers-shown]", timeout=30_000)
    page.locator("#gc-filters summary").click()  # the resident opens « Filtres et légende »
    return asked


@pytest.fixture(scope="module")
def defaults_set(browser: Browser, site: tuple[str, str]) -> str:
    """Metz's admin sets the defaults on the presence screen, as a person does."""
    base, lang = site
    page = _phone(browser)
    page.goto(base + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(METZ_ADMIN[0])
    page.get_by_label("Mot de passe").fill(METZ_ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/resources")
    page.goto(base + "/admin/territories/metz/presence")
    page.get_by_label("Âge de la personne").select_option("ado")
    page.get_by_label("Ouverts maintenant seulement").check()
    page.get_by_label("Acceptant de nouvelles demandes seulement").check()
    page.get_by_label("Langue parlée sur place").select_option(lang)
    page.locator("#presence-form button.primary").click()
    page.wait_for_load_state()
    assert "Enregistré" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "clsm_default_filters_screen_375.png"), full_page=True)
    page.context.close()
    return lang


@pytest.mark.parametrize(("lang", "locale"), [("fr", "fr-FR"), ("en", "en-GB"), ("ar", "ar")])
def test_the_territory_page_opens_with_the_clsms_filters(
    browser: Browser, site: tuple[str, str], defaults_set: str, lang: str, locale: str
) -> None:
    base, spoken = site
    page = _phone(browser, locale)
    for path in (f"/t/metz?lang={lang}", f"/embed/metz?lang={lang}"):
        asked = _open(page, base + path)
        assert page.locator("#gc-age").input_value() == "ado"
        assert page.locator("#gc-open").is_checked() and page.locator("#gc-accepts-new").is_checked()
        assert page.locator("#gc-lang-spoken").input_value() == spoken
        assert page.locator("#gc-open").is_visible()  # seen by the resident, in the open panel
        assert any(f"lang_spoken={spoken}" in u and "open_at=" in u for u in asked), asked  # the map applies them
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"clsm_default_filters_embed_{lang}_375.png"), full_page=True)
    page.context.close()


def test_the_address_overrides_one_filter(browser: Browser, site: tuple[str, str], defaults_set: str) -> None:
    base, spoken = site
    page = _phone(browser)
    asked = _open(page, base + "/t/metz?open=0&age=senior")
    assert not page.locator("#gc-open").is_checked()
    assert page.locator("#gc-age").input_value() == "senior"
    assert page.locator("#gc-accepts-new").is_checked() and page.locator("#gc-lang-spoken").input_value() == spoken
    assert asked and all("open_at=" not in u for u in asked), asked  # « open now » not asked for
    # the resident unchecks « accepts new requests » and sends the form (no script needed): it stays off
    page.locator("#gc-accepts-new").uncheck()
    page.evaluate("document.getElementById('gc-filter-form').submit()")
    page.wait_for_load_state()
    page.locator("#gc-filters summary").click()
    assert "filtres=1" in page.url and not page.locator("#gc-accepts-new").is_checked()
    page.context.close()


def test_a_changed_filter_stays_on_the_territorys_own_address(
    browser: Browser, site: tuple[str, str], defaults_set: str
) -> None:
    """The view lives in the address: on /t/metz a filter the resident unchecks stays unchecked when
    the page is reloaded (the address says each filter), and the page stays the territory's."""
    base, spoken = site
    page = _phone(browser)
    _open(page, base + "/t/metz")
    assert page.locator("#gc-open").is_checked()
    page.locator("#gc-open").uncheck()
    for _ in range(100):  # the page writes the view into its address (history.replaceState)
        if "filtres=1" in page.url:
            break
        page.wait_for_timeout(100)
    assert page.url.startswith(base + "/t/metz?") and "filtres=1" in page.url, page.url
    page.reload()
    page.wait_for_selector("body[data-markers-shown]", timeout=30_000)
    page.locator("#gc-filters summary").click()
    assert not page.locator("#gc-open").is_checked()
    assert page.locator("#gc-accepts-new").is_checked() and page.locator("#gc-lang-spoken").input_value() == spoken
    assert page.locator("#gc-age").input_value() == "ado"
    page.context.close()
