"""Residents first (issue 13), in a real headless Chromium: the "Que faire ?" helper, the page
without JavaScript, Arabic right-to-left, keyboard-only use, and axe-core at WCAG 2.1 A/AA.

axe-core comes from npm (``make axe`` installs it into the git-ignored ``.cache/axe``).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .conftest import axe_violations

CHILD_TYPES = {"CMP_ENFANT", "CMPP", "MDA", "PAEJ"}


def _page(browser: Browser, url: str, **ctx: Any) -> Page:
    ctx.setdefault("locale", "fr-FR")
    ctx.setdefault("viewport", {"width": 1280, "height": 800})
    ctx.setdefault(
        "bypass_csp", True
    )  # the test injects axe and polls with string predicates (CSP: tests/e2e/test_csp_browser.py)
    page = browser.new_context(**ctx).new_page()
    page.goto(url)
    return page


def _map_ready(page: Page) -> None:
    page.wait_for_function("Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    page.wait_for_selector(".marker-cluster, .gc-marker", timeout=30_000)


def _answer(page: Page, *labels: str) -> None:
    for label in labels:
        page.locator("#gc-orient-steps button", has_text=label).first.click()


def _search(page: Page, text: str) -> None:
    page.fill("#gc-q", text)
    page.press("#gc-q", "Enter")
    page.wait_for_function("Number(document.body.getAttribute('data-results') || 0) > 0", timeout=15_000)


def test_helper_my_child_8_lists_child_resources_first(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/")
    _map_ready(page)
    _answer(page, "Mon enfant", "Moins de 12 ans", "Mal-être")
    # Each suggested type is explained in one plain sentence.
    explained = page.locator("#gc-orient-result li")
    assert explained.count() >= 3
    assert "centre public de consultations gratuites" in page.locator("#gc-orient-result").inner_text()
    _search(page, "Borny")
    types = [page.locator("#gc-results li[data-type]").nth(i).get_attribute("data-type") for i in range(3)]
    assert types[0] in CHILD_TYPES, types
    listed = page.locator("#gc-results li[data-type]")
    all_types = {listed.nth(i).get_attribute("data-type") for i in range(listed.count())}
    assert "CMP_ADULTE" not in all_types and "HOPITAL_PSY" not in all_types
    # The age filter followed the answer.
    assert page.locator("#gc-age").input_value() == "enfant"


def test_helper_crisis_shows_3114_and_15_first(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/")
    _map_ready(page)
    _search(page, "Borny")
    _answer(page, "Moi", "26 à 59 ans", "Urgence")
    crisis = page.locator(".gc-crisis")
    crisis.wait_for(timeout=5_000)
    hrefs = [crisis.locator("a").nth(i).get_attribute("href") for i in range(2)]
    assert hrefs == ["tel:3114", "tel:15"]
    # Focus goes to the 3114 link; the crisis box comes before the explanation and the results.
    assert page.evaluate("document.activeElement.getAttribute('href')") == "tel:3114"
    before = page.evaluate(
        "() => !!(document.querySelector('.gc-crisis').compareDocumentPosition("
        "document.querySelector('#gc-results')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert before
    # Then the nearest psychiatric emergency, in the crisis box and first in the list.
    page.wait_for_function(
        "document.querySelector('.gc-crisis-near').innerText.includes('Urgences psychiatriques les plus proches')",
        timeout=15_000,
    )
    page.wait_for_function(
        "document.querySelector('#gc-results li[data-type]')?.getAttribute('data-type') === 'URGENCES_PSY'",
        timeout=15_000,
    )


def test_recherche_without_javascript(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/recherche?q=Woippy", java_script_enabled=False)
    items = page.locator("ol.gc-results > li")
    assert items.count() == 10
    text = page.locator("main").inner_text()
    assert "Woippy" in text and " km" in text
    assert page.locator("ol.gc-results a[href^='tel:']").count() >= 1
    assert page.locator(".gc-banner a[href='tel:3114']").is_visible()
    # The map page's search form falls back to it without JavaScript.
    home = _page(browser, server + "/", java_script_enabled=False)
    home.fill("#gc-q", "Borny")
    home.press("#gc-q", "Enter")
    home.wait_for_url("**/recherche?**")
    assert home.locator("ol.gc-results > li").count() > 0


def test_arabic_page_is_right_to_left_with_translated_banner(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/?lang=ar")
    _map_ready(page)
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    banner = page.locator(".gc-banner")
    assert "طوارئ" in banner.inner_text() and banner.get_attribute("aria-label") == "أرقام الطوارئ"
    assert banner.locator("a[href='tel:3114']").is_visible()
    assert "ماذا أفعل؟" in page.locator("#gc-orient").inner_text()
    # Chosen by the browser's language as well, and the helper speaks Arabic.
    by_browser = _page(browser, server + "/", locale="ar")
    assert by_browser.get_attribute("html", "dir") == "rtl"
    _map_ready(by_browser)
    assert by_browser.locator("#gc-orient-steps button", has_text="طفلي").count() == 1
    # The page without JavaScript too.
    plain = _page(browser, server + "/recherche?q=Borny&lang=ar", java_script_enabled=False)
    assert plain.get_attribute("html", "dir") == "rtl"
    assert "أقرب الموارد" in plain.locator("main").inner_text()


def test_keyboard_only_reaches_the_results_list(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/")
    _map_ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "gc-skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "gc-panel"
    # Tab to the search box, type, submit, then Tab until a result is focused.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "gc-q":
            break
    assert page.evaluate("document.activeElement.id") == "gc-q"
    page.keyboard.type("Borny")
    page.keyboard.press("Enter")
    page.wait_for_function("Number(document.body.getAttribute('data-results') || 0) > 0", timeout=15_000)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#gc-results')"):
            break
    assert page.evaluate("!!document.activeElement.closest('#gc-results')"), "Tab never reached the results list"


@pytest.mark.parametrize("width", [320, 640])  # a 320 px phone; 200 % zoom of a 1280 px window
def test_narrow_screens_do_not_scroll_sideways(browser: Browser, server: str, width: int) -> None:
    for url in ("/recherche?q=Borny", "/"):
        page = _page(browser, server + url, viewport={"width": width, "height": 700})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, width, overflow)
        assert page.locator(".gc-banner a[href='tel:3114']").is_visible()


def test_axe_after_helper_and_search(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/", viewport={"width": 390, "height": 844}, is_mobile=True)
    _map_ready(page)
    _answer(page, "Mon enfant", "12 à 17 ans", "Besoin de parler")
    _search(page, "Borny")
    page.locator("#gc-filters summary").click()
    assert axe_violations(page) == []


def test_share_link_reopens_the_search_without_the_position(browser: Browser, server: str) -> None:
    page = _page(browser, server + "/")
    _map_ready(page)
    _search(page, "Borny")
    page.locator("#gc-share").click()
    shared = page.locator("#gc-share-out").inner_text()
    link = shared[shared.index("http") :]
    assert "q=Borny" in link and "lat=" not in link and "lon=" not in link
    # A click on the map is a position: the link needs the person's consent, refused here.
    page.once("dialog", lambda d: d.dismiss())
    page.evaluate("() => { window[GEO_CLSM.map].setView([49.11296, 6.22361], 17, {animate: false}); }")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#gc-status').innerText.includes('point choisi')", timeout=15_000)
    page.locator("#gc-share").click()
    assert page.locator("#gc-share-out").inner_text() == shared  # unchanged: no link with a position
    # The shared link reopens the same search.
    again = _page(browser, link)
    _map_ready(again)
    again.wait_for_function("Number(document.body.getAttribute('data-results') || 0) > 0", timeout=15_000)
    assert again.locator("#gc-q").input_value() == "Borny"
    assert "Borny" in again.locator("#gc-status").inner_text()


def test_offline_keeps_the_emergency_numbers(browser: Browser, server: str) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/recherche")
    page.evaluate("() => navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready)")
    page.wait_for_function("!!navigator.serviceWorker.controller || true")
    context.set_offline(True)
    page.goto(server + "/une-page-jamais-vue")  # not cached: the offline page answers
    assert page.locator(".gc-banner a[href='tel:3114']").is_visible()
    assert page.locator("main a[href='tel:3114']").is_visible() and page.locator("main a[href='tel:15']").is_visible()
    page.goto(server + "/recherche")  # the cached shell
    assert page.locator("form[action='/recherche']").count() == 1
    context.set_offline(False)
    context.close()
