"""The resident's journey (issue 27), as a person on a 375×667 phone with a slow link, in French,
English and Arabic: the first screen, the crisis button (3114, 15, then the nearest psychiatric
emergency), a search for « Borny » (the status line, the list), a popup. What is asserted is what is
seen: visible text, and boxes inside the screen. Screenshots: tests/artifacts/resident-<lang>-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from geo_clsm.i18n import translator

from .phone import BORNY, LANGS, inside_viewport, map_ready, phone, shot, with_lang


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _resident(browser: Browser, server: str, lang: str) -> Page:
    page = phone(browser, lang=lang, slow=True, geolocation=BORNY, permissions=["geolocation"])
    page.goto(with_lang(server + "/", lang), timeout=120_000)
    map_ready(page)
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_crisis_is_one_tap_from_the_first_screen(browser: Browser, server: str, lang: str) -> None:
    t = translator(lang)
    page = _resident(browser, server, lang)
    # On the first screen, without scrolling: the banner's three numbers and the crisis button.
    for number in ("3114", "15", "112"):
        assert inside_viewport(page, f".gc-banner a[href='tel:{number}']"), number
    button = page.locator("#gc-crisis-now")
    assert button.inner_text().strip() == t("Urgence ou idées suicidaires")
    assert inside_viewport(page, "#gc-crisis-now")
    shot(page, f"resident-{lang}-1-first-screen")
    button.tap()
    # 3114 and 15, on screen, then the nearest psychiatric emergency (the phone says where it is).
    for number in ("3114", "15"):
        assert inside_viewport(page, f".gc-crisis a[href='tel:{number}']"), number
    near = page.locator(".gc-crisis-near")
    near.get_by_text(t("Urgences psychiatriques les plus proches :")).wait_for(timeout=60_000)
    assert re.search(r"\d", near.inner_text())  # its distance
    for selector in (".gc-crisis a[href='tel:3114']", ".gc-crisis a[href='tel:15']", ".gc-crisis-near"):
        assert inside_viewport(page, selector), selector  # still on screen with the answer
    first = page.locator("#gc-results li").first
    assert first.get_attribute("data-type") == "URGENCES_PSY"
    assert page.locator("#gc-results .gc-sep").count() == 0  # an emergency receives everyone
    shot(page, f"resident-{lang}-2-crisis")


def test_crisis_for_a_teenager_is_not_public_unknown(browser: Browser, server: str) -> None:
    """Through the three questions (a 15-year-old): the emergency is not listed as « public non précisé »."""
    page = _resident(browser, server, "fr")
    page.fill("#gc-q", "Borny")
    page.press("#gc-q", "Enter")
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=60_000)
    for label in ("Mon enfant", "12 à 17 ans", "Urgence ou idées suicidaires"):
        page.locator("#gc-orient-steps button", has_text=label).first.tap()
    page.locator(".gc-crisis-near").get_by_text("Urgences psychiatriques les plus proches :").wait_for(timeout=60_000)
    first = page.locator("#gc-results li").first
    assert first.get_attribute("data-type") == "URGENCES_PSY", first.inner_text()
    assert "non précisé" not in page.locator("#gc-results").inner_text()


def test_a_teenager_is_told_the_point_ecoute_is_about_age(browser: Browser, server: str) -> None:
    """Metz's PAEJ receives 18-25 year-olds: a 15-year-old is told it is about age, not that none exists."""
    page = _resident(browser, server, "fr")
    page.locator("#gc-filters summary").tap()
    page.locator("#gc-no-types").tap()
    page.locator('input[name=type][value="PAEJ"]').check()
    page.select_option("#gc-age", "ado")
    page.locator("#gc-filters summary").tap()
    page.fill("#gc-q", "Borny")
    page.press("#gc-q", "Enter")
    status = page.locator("#gc-status")
    status.get_by_text("pour une personne de 15 ans").wait_for(timeout=60_000)
    assert "il en existe pour d'autres âges" in status.inner_text()
    assert "connu près d'ici" not in status.inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_search_borny_status_list_and_popup(browser: Browser, server: str, lang: str) -> None:
    t = translator(lang)
    page = _resident(browser, server, lang)
    # The search field and its button are on screen (in Arabic the button was 9,000 px away).
    page.locator("#gc-q").scroll_into_view_if_needed()
    assert inside_viewport(page, "#gc-q") and inside_viewport(page, "#gc-search button[type=submit]")
    page.locator("#gc-q").tap()
    page.keyboard.type("Borny")
    page.locator("#gc-search button[type=submit]").tap()
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=60_000)
    status = page.locator("#gc-status").inner_text()
    # The place once, in words: no internal code, no repetition.
    assert "QN0" not in status and status.count("Borny") == 1, status
    assert t("du quartier {name}", name="Borny") in status, status
    if lang == "fr":
        assert "près du quartier Borny (Metz)" in status, status
    items = page.locator("#gc-results li[data-type]")
    assert items.count() == 10
    listed = page.locator("#gc-results").inner_text()
    kms = re.findall(r"(\d+[.,]\d) km", listed)
    assert kms, listed
    decimal = {"fr": ",", "en": ".", "ar": "."}[lang]
    assert all(decimal in k for k in kms), kms
    shot(page, f"resident-{lang}-3-list")
    # A popup: its title is below the zoom control, on screen; it is in the page's language.
    page.evaluate(
        "() => { window[GEO_CLSM.map].attributionControl.addAttribution('© OpenStreetMap contributors'); }"
    )  # what the real tiles add: a long attribution line
    items.first.locator("button.gc-result").tap()
    popup = page.locator(".leaflet-popup-content .gc-popup")
    popup.wait_for(timeout=60_000)
    popup.get_by_text(t("Signaler une erreur")).wait_for(timeout=60_000)  # the details arrived
    # The map pans the popup into view (an animation): wait until it is clear of the zoom control.
    page.wait_for_function(
        """() => {
          const a = document.querySelector('.leaflet-popup-content .gc-popup strong').getBoundingClientRect();
          const z = document.querySelector('.leaflet-control-zoom').getBoundingClientRect();
          return a.top >= z.bottom || a.left >= z.right || a.bottom <= z.top;
        }""",
        timeout=10_000,
    )
    title = _box(page, ".leaflet-popup-content .gc-popup strong")
    zoom = _box(page, ".leaflet-control-zoom")
    assert not _overlap(title, zoom), (title, zoom)
    assert inside_viewport(page, ".leaflet-popup-content .gc-popup strong")
    text = popup.inner_text()
    assert t("Signaler une erreur") in text
    if lang != "fr":
        assert "source :" not in text and "Signaler" not in text, text
    # The scale bar is not under the attribution.
    assert not _overlap(_box(page, ".leaflet-control-scale"), _box(page, ".leaflet-control-attribution"))
    shot(page, f"resident-{lang}-4-popup")
