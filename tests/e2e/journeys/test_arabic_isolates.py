"""French words on an Arabic page, as a person sees them on a 375×667 phone (issues 27, 28): the
sector line's names (French proper names: « Secteur fictif Metz-Sud et Montigny ») are isolated
(``<bdi>``) and read left to right, each followed by its public in Arabic, on ``/recherche`` (no
script) and on the map's list, and so are the places' addresses; the map's scale bar reads « 2 km »,
not « km 2 ». What is checked is what is seen: the x and y of each word on screen. Screenshots: tests/artifacts/arabic-isolates-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Locator

from tests.sector_fixtures import POINTS

from .phone import map_ready, phone, runs_on_screen, shot, with_lang
from .test_sector import sector_server  # noqa: F401 - the fixture: the app with the fictitious sectors

pytestmark = pytest.mark.browser


def seen_left_to_right(words: list[dict[str, Any]]) -> str:
    """The words as they are seen, line after line, each line left to right."""
    return " ".join(w["text"] for w in sorted(words, key=lambda w: (w["top"], w["left"])))


def check_sector_line(line: Locator) -> list[str]:
    """Each sector name of ``line`` is an isolate seen in its own order (left to right, line after
    line), and its public in Arabic comes after it in reading order: to its left on the same line,
    or on a line below. Returns the names."""
    names = line.locator("bdi")
    assert names.count() >= 1, line.inner_html()
    shown = []
    for i in range(names.count()):
        name = names.nth(i)
        words = runs_on_screen(name, r"\S+")
        text = " ".join(name.inner_text().split())
        assert seen_left_to_right(words) == text, (seen_left_to_right(words), text)
        last = words[-1]
        public = name.evaluate(  # the first word after the name: « (البالغون) »
            """(el) => { const n = el.nextSibling; if (!n || n.nodeType !== 3) return null;
              const m = /\\S+/.exec(n.data); if (!m) return null;
              const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
              const b = r.getBoundingClientRect(); return {text: m[0], left: b.left, right: b.right, top: Math.round(b.top)}; }"""
        )
        assert public is not None and public["text"].startswith("("), public
        assert (public["top"] == last["top"] and public["right"] <= last["left"] + 1) or public["top"] > last["top"], (
            public,
            last,
        )
        shown.append(text)
    return shown


def test_recherche_sector_names_are_isolated_in_arabic(browser: Browser, sector_server: str) -> None:  # noqa: F811
    page = phone(browser, lang="ar")
    page.goto(with_lang(sector_server + "/recherche?q=Montigny-l%C3%A8s-Metz&type=CMP_ADULTE", "ar"))
    line = page.locator(".gc-sectors")
    line.scroll_into_view_if_needed()
    names = check_sector_line(line)
    assert any(name.startswith("Secteur fictif") for name in names), names
    check_addresses(page.locator(".gc-results .gc-addr"))
    shot(page, "arabic-isolates-recherche")


def check_addresses(addresses: Locator) -> None:
    """Each address (« 26 Rue Guynemer, 57950 Montigny-lès-Metz ») is seen in its own order: the
    street number first, on the left (it was seen at the end: « Rue Guynemer, 57950 Montigny-lès- 26 Metz »)."""
    assert addresses.count() > 0
    for i in range(addresses.count()):
        words = runs_on_screen(addresses.nth(i), r"\S+")
        text = " ".join(addresses.nth(i).inner_text().split())
        assert seen_left_to_right(words) == text, (seen_left_to_right(words), text)


def test_map_sector_names_and_scale_bar_in_arabic(browser: Browser, sector_server: str) -> None:  # noqa: F811
    lon, lat = POINTS["metz_sud_gambetta"]
    page = phone(browser, lang="ar")
    page.goto(with_lang(f"{sector_server}/?lat={lat}&lon={lon}", "ar"), timeout=120_000)
    map_ready(page)
    # The scale bar: the number, then « km » (or « m ») to its right, as it reads in every language.
    scale = page.locator(".leaflet-control-scale-line").first
    words = runs_on_screen(scale, r"\S+")
    assert len(words) == 2 and words[0]["text"].isdigit(), words
    assert words[0]["right"] <= words[1]["left"], words  # « 2 km »: the number on the left
    # The sector line above the list, drawn by the script.
    line = page.locator("#gc-sectors")
    line.locator("bdi").first.wait_for(timeout=60_000)
    line.scroll_into_view_if_needed()
    names = check_sector_line(line)
    assert "Secteur fictif Metz-Sud et Montigny" in names, names
    check_addresses(page.locator("#gc-results .gc-addr"))
    shot(page, "arabic-isolates-map")
