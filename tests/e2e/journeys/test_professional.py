"""The professional's journey (issue 27), in a real Chromium at phone size (375×667) and on a
desktop: a search with filters is kept in the address (reload or share it: the same view), and the
printout says for which place and filters it was made, without buttons nor language links.
Screenshots in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}


def _page(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    # bypass_csp: the test polls with string predicates (the CSP itself: tests/e2e/test_csp_browser.py)
    page = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True).new_page()
    page.goto(url)
    return page


def _results(page: Page) -> None:
    page.wait_for_function("Number(document.body.getAttribute('data-results') || 0) > 0", timeout=20_000)


def _visible_text(page: Page, selector: str) -> str:
    return page.locator(selector).inner_text() if page.locator(selector).is_visible() else ""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_filters_live_in_the_url_and_survive_a_reload(browser: Browser, server: str, viewport: dict[str, int]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, server + "/", viewport)
    page.locator("#gc-filters summary").click()
    page.select_option("#gc-age", "adulte")
    page.check("#gc-open")
    page.fill("#gc-q", "Borny")
    page.press("#gc-q", "Enter")
    _results(page)
    kept = parse_qs(urlparse(page.url).query)
    assert kept["q"] == ["Borny"] and kept["age"] == ["adulte"] and kept["open"] == ["1"], page.url
    status = page.locator("#gc-status").inner_text()
    assert "Borny" in status
    page.reload()
    _results(page)
    # The same view after a reload: the filters are set again and the same place is searched.
    assert page.locator("#gc-age").input_value() == "adulte"
    assert page.locator("#gc-open").is_checked()
    assert page.locator("#gc-q").input_value() == "Borny"
    assert "Borny" in page.locator("#gc-status").inner_text()
    # Printed: the place and the filters, no button nor language link.
    page.emulate_media(media="print")
    printed = _visible_text(page, "#gc-print-for")
    assert "Liste établie le" in printed and "Borny" in printed, printed
    assert "Filtres : " in printed and "Adulte (26-59 ans)" in printed and "ouvert maintenant" in printed, printed
    for hidden in ("#gc-print", "#gc-share", ".gc-langs", "#gc-locate", "#gc-search button"):
        assert not page.locator(hidden).first.is_visible(), hidden
    name = "phone" if viewport == PHONE else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"professional_print_{name}.png"), full_page=True)


@pytest.mark.parametrize(("lang", "filters_word"), [("fr", "Filtres : "), ("en", "Filters: "), ("ar", "عوامل التصفية")])
def test_recherche_printout_names_place_and_filters(
    browser: Browser, server: str, lang: str, filters_word: str
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, f"{server}/recherche?q=Borny&type=CMP_ADULTE&open=1&lang={lang}", PHONE)
    # On screen: the filters are in the form (restored from the URL) and said in words.
    assert page.locator("select#type").input_value() == "CMP_ADULTE"
    assert filters_word in page.locator(".gc-filters-used").inner_text()
    page.emulate_media(media="print")
    criteria = page.locator(".gc-criteria").inner_text()
    assert "Borny" in criteria and filters_word in criteria, criteria
    assert page.locator(".gc-print-only").is_visible()
    for hidden in ("form", ".gc-langs", "button", ".gc-to-map"):
        assert not page.locator(hidden).first.is_visible(), hidden
    page.screenshot(path=str(ARTIFACTS / f"professional_recherche_print_{lang}.png"), full_page=True)
