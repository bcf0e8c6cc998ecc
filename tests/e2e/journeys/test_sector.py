"""The CMP of the person's sector, as a person sees it on a 375×667 phone (issue 29 item 2), in
French and Arabic, on the FICTITIOUS sectors of ``tests/fixtures/sectors`` (stored in the app's
database as an import stores them):

- ``/recherche`` (no script) for Montigny-lès-Metz, wholly in « Secteur fictif Metz-Sud et
  Montigny »: the first result is marked « CMP de votre secteur », on screen;
- « Que faire ? » on the map names the CMP of the sector under « À qui s'adresser », and the popup
  of that CMP, opened from the list, carries the mark;
- the map, asked around the CMP Gambetta (south Metz): the list starts with the sector's places
  (the adult CMP in Montigny, farther than Gambetta, marked « CMP de votre secteur », the child
  sector's CMPs, the sector's day hospital), then Gambetta, unmarked; the sector is named.

Screenshots: tests/artifacts/sector-<lang>-*.png.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser

from geo_clsm.i18n import translator
from tests.sector_fixtures import POINTS, app_with_sectors

from ..conftest import axe_violations
from .phone import inside_viewport, map_ready, phone, shot, with_lang

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the fictitious sectors in uvicorn on 127.0.0.1 (a free port, tiles "none")."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    db = Path(tmp_path_factory.mktemp("sector-e2e")) / "geo_clsm.db"
    app = app_with_sectors(f"sqlite:///{db}", tiles_url="none")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_recherche_shows_the_cmp_of_the_sector_first(browser: Browser, sector_server: str, lang: str) -> None:
    t = translator(lang)
    page = phone(browser, lang=lang, bypass_csp=True)  # bypass_csp: axe-core is injected
    page.goto(with_lang(sector_server + "/recherche?q=Montigny-l%C3%A8s-Metz&type=CMP_ADULTE", lang))
    mark = page.locator(".gc-results > li").first.locator(".gc-sector")
    assert mark.inner_text().strip() == t("CMP de votre secteur")
    mark.scroll_into_view_if_needed()
    assert inside_viewport(page, ".gc-results > li:first-child .gc-sector")
    assert "Secteur fictif Metz-Sud et Montigny" in page.locator(".gc-sectors").inner_text()
    shot(page, f"sector-{lang}-recherche")
    assert axe_violations(page) == []  # the marks' colours and the sector line pass WCAG 2.1 AA


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_map_lists_the_cmp_of_the_sector_first(browser: Browser, sector_server: str, lang: str) -> None:
    t = translator(lang)
    lon, lat = POINTS["metz_sud_gambetta"]
    page = phone(browser, lang=lang, bypass_csp=True)  # bypass_csp: axe-core is injected
    page.goto(with_lang(f"{sector_server}/?lat={lat}&lon={lon}", lang), timeout=120_000)
    map_ready(page)
    items = page.locator("#gc-results li:not(.gc-sep)")
    items.first.locator(".gc-sector").wait_for(timeout=60_000)
    texts = items.all_inner_texts()
    mark, place = t("CMP de votre secteur"), t("lieu de votre secteur")
    # The sector's places first (its CMPs, adult in Montigny and child, and its day hospital),
    # whatever their distance: the CMP Gambetta, nearer than Montigny, comes after them, unmarked.
    marked = [i for i, text in enumerate(texts) if mark in text or place in text]
    assert marked == list(range(len(marked))) and len(marked) >= 3, texts
    montigny = next(i for i, text in enumerate(texts) if "Montigny" in text)
    gambetta = next(i for i, text in enumerate(texts) if "Gambetta" in text)
    assert montigny in marked and mark in texts[montigny]
    assert gambetta > montigny and gambetta not in marked
    assert "Secteur fictif Metz-Sud et Montigny" in page.locator("#gc-sectors").inner_text()
    first = items.nth(montigny)
    first.scroll_into_view_if_needed()
    assert first.locator(".gc-sector").is_visible()
    shot(page, f"sector-{lang}-map")
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_que_faire_names_the_cmp_of_the_sector_and_the_popup_marks_it(
    browser: Browser, sector_server: str, lang: str
) -> None:
    t = translator(lang)
    lon, lat = POINTS["metz_sud_gambetta"]
    page = phone(browser, lang=lang)
    page.goto(with_lang(f"{sector_server}/?lat={lat}&lon={lon}", lang), timeout=120_000)
    map_ready(page)
    page.locator("#gc-results li .gc-sector").first.wait_for(timeout=60_000)
    # « Que faire ? »: for me, 26 to 59, « Mal-être, angoisse, tristesse ».
    for choice in ("moi", "adulte", "mal-etre"):
        page.locator(f"#gc-orient-steps button[data-choice='{choice}']").tap()
    line = page.locator("#gc-orient-result .gc-orient-sector")
    line.wait_for(timeout=60_000)
    page.wait_for_function(  # the answer to the filters « Que faire ? » set
        "() => document.querySelector('#gc-orient-result .gc-orient-sector').textContent.includes('Montigny')",
        timeout=60_000,
    )
    text = line.inner_text()
    assert text.startswith(t("CMP de votre secteur")) and "Montigny" in text, text
    line.scroll_into_view_if_needed()
    assert inside_viewport(page, "#gc-orient-result .gc-orient-sector")
    shot(page, f"sector-{lang}-que-faire")
    # The popup of the sector's CMP, opened from the list, carries the mark too.
    montigny = page.locator("#gc-results li", has_text="Montigny").first
    montigny.locator("button.gc-result").tap()
    popup = page.locator(".leaflet-popup-content .gc-popup")
    popup.get_by_text(t("Signaler une erreur")).wait_for(timeout=60_000)
    assert t("CMP de votre secteur") in popup.inner_text()
