"""Phone numbers read left to right on a right-to-left page (issue 27): in Arabic, on a 375×667 phone,
« 03 87 62 86 40 » was shown « 40 86 62 87 03 » (the page reordered the digit groups). What is checked
is what is seen: the x positions on screen of each digit group of every call link (the crisis box's
nearest emergency, the list, a popup, /recherche), and that the link's accessible name holds the
digits in order and contains the words shown (label in name). Screenshots:
tests/artifacts/phone-rtl-*.png.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Locator, Page

from .phone import BORNY, map_ready, phone, runs_on_screen, shot, with_lang

_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def visual_number(link: Locator) -> str:
    """The link's digit groups in the order they are seen, left to right (one line)."""
    groups: list[dict[str, Any]] = runs_on_screen(link, r"\d+")
    assert groups, link.inner_text()
    assert len({round(g["top"]) for g in groups}) == 1, groups  # one line: left to right is reading order
    return " ".join(g["text"] for g in sorted(groups, key=lambda g: g["left"]))


def check_call_link(link: Locator, shown: str) -> None:
    """``shown`` (« 03 87 62 86 40 ») is seen in order, and the accessible name says it in order."""
    assert visual_number(link) == shown, (visual_number(link), shown)
    label = link.get_attribute("aria-label")
    if label is not None:
        text = " ".join(link.inner_text().translate(_ISOLATES).split())
        assert shown in label, (label, shown)
        assert text in label, (label, text)  # WCAG 2.5.3: the name contains what is shown


def _phone_of(link: Locator) -> str:
    """The number the link calls, written as the page writes it (pairs of digits)."""
    number = (link.get_attribute("href") or "").removeprefix("tel:")
    assert re.fullmatch(r"0\d{9}", number), number
    return " ".join(number[i : i + 2] for i in range(0, 10, 2))


def _arabic_phone(browser: Browser) -> Page:
    return phone(browser, lang="ar", geolocation=BORNY, permissions=["geolocation"])


def test_arabic_crisis_list_and_popup_show_numbers_left_to_right(browser: Browser, server: str) -> None:
    page = _arabic_phone(browser)
    page.goto(with_lang(server + "/", "ar"), timeout=120_000)
    map_ready(page)
    page.locator("#gc-crisis-now").tap()
    near = page.locator(".gc-crisis-near a[href^='tel:']")
    near.wait_for(timeout=60_000)
    check_call_link(near, _phone_of(near))
    shot(page, "phone-rtl-1-crisis")
    # The list: each call link beside a place.
    links = page.locator("#gc-results a.gc-tel")
    assert links.count() > 0
    for i in range(links.count()):
        check_call_link(links.nth(i), _phone_of(links.nth(i)))
    # A popup's number.
    page.wait_for_function(  # the map framed the answer (a tap during its animation may lose the popup)
        """() => { const m = window[GEO_CLSM.map], b = document.body;
          return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress)
            && b.getAttribute('data-markers-drawn') === b.getAttribute('data-markers-asked'); }""",
        timeout=60_000,
    )
    first = page.locator("#gc-results li[data-type] button.gc-result").first
    first.tap()
    popup_link = page.locator(".leaflet-popup-content .gc-popup a[href^='tel:']")
    popup_link.wait_for(timeout=60_000)
    check_call_link(popup_link, _phone_of(popup_link))
    shot(page, "phone-rtl-2-popup")


def test_arabic_search_page_shows_numbers_left_to_right(browser: Browser, server: str) -> None:
    page = _arabic_phone(browser)
    page.goto(with_lang(server + "/recherche?q=Borny&situation=urgence", "ar"), timeout=120_000)
    links = page.locator(".gc-results a.gc-tel")
    assert links.count() > 0
    for i in range(links.count()):
        check_call_link(links.nth(i), _phone_of(links.nth(i)))
    shot(page, "phone-rtl-3-recherche")
