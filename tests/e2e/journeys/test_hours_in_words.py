"""Opening hours in words in the page's language (issue 27): in English and Arabic the popups showed
« Mo-Fr 09:00-12:00,14:00-17:30 ». On a 375×667 phone, a synthetic CMP at Borny (named so) with
hours: its popup, its line of the list and /recherche show the words of the one describer in the
page's language. Screenshots: tests/artifacts/hours-<lang>-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser

from geo_clsm.engine.core import Engine
from geo_clsm.model.hours import parse_opening_hours
from geo_clsm.model.hours_words import in_words
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

from .phone import BORNY, LANGS, map_ready, phone, serve, shot, with_lang

HOURS = "Mo-Fr 09:00-12:00,14:00-17:30"
RID = "synthetic-cmp-borny-hours"


def synthetic_cmp() -> Resource:
    return Resource(
        id=RID,
        type=ResourceType.CMP_ADULTE,
        name="CMP synthétique de Borny (test)",
        street="1 rue Synthétique",
        postcode="57070",
        commune="Metz",
        insee_com="57463",
        phone="03 87 00 00 09",
        opening_hours=HOURS,
        position=Position(
            lon=BORNY["longitude"], lat=BORNY["latitude"], precision=PositionPrecision.ADDRESS, source="synthetic"
        ),
        territory="metz",
        source="synthetic test fixture",
        last_verified=date(2026, 12, 1),
    )


@pytest.fixture(scope="module")
def hours_server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    changed = Engine(dataclasses.replace(engine.catalog, resources=[*engine.catalog.resources, synthetic_cmp()]))
    yield from serve(changed, tmp_path_factory.mktemp("hours-db") / "geo_clsm.db")


@pytest.mark.parametrize("lang", LANGS)
def test_popup_list_and_search_page_show_hours_in_the_pages_words(
    browser: Browser, hours_server: str, lang: str
) -> None:
    words = in_words(parse_opening_hours(HOURS))[lang]
    page = phone(browser, lang=lang, geolocation=BORNY, permissions=["geolocation"])
    page.goto(with_lang(hours_server + "/", lang), timeout=120_000)
    map_ready(page)
    page.locator("#gc-locate").tap()
    item = page.locator(f"#gc-results li:has(button[data-id='{RID}'])")
    item.wait_for(timeout=60_000)
    assert words in item.inner_text(), item.inner_text()
    item.locator("button.gc-result").tap()
    popup = page.locator(".leaflet-popup-content .gc-popup")
    popup.get_by_text(words).wait_for(timeout=60_000)
    assert "Mo-Fr" not in popup.inner_text() and "09:00-12:00" not in popup.inner_text()
    shot(page, f"hours-{lang}-1-popup")
    page.goto(with_lang(hours_server + "/recherche?q=Borny", lang), timeout=120_000)
    text = page.locator(".gc-results").inner_text()
    assert words in text and "Mo-Fr" not in text, text
    shot(page, f"hours-{lang}-2-recherche")
