"""« Ouvert maintenant » and « langue parlée » filter the map's markers, not only the list (issue 27).

On a 375×667 phone, with the page's clock set to a Sunday at 10:00, two synthetic places (named so)
at spots of their own near Borny: a CMP open « Mo-Fr 09:00-17:00 » (closed then) and a GEM where
Arabic is spoken. The map is zoomed on each; what is asserted is whether its marker is drawn there,
and how many places the map shows (``data-markers-shown``). Screenshots: tests/artifacts/markers-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

from .phone import map_ready, phone, serve, shot

SUNDAY_10H = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
CLOSED_CMP = (6.2291, 49.1171)  # lon, lat: spots with no other place
ARABIC_GEM = (6.2346, 49.1093)


def _place(rid: str, rtype: ResourceType, at: tuple[float, float], **extra: object) -> Resource:
    return Resource(
        id=rid,
        type=rtype,
        name=f"{rtype.label_fr} synthétique (test)",
        insee_com="57463",
        commune="Metz",
        position=Position(lon=at[0], lat=at[1], precision=PositionPrecision.ADDRESS, source="synthetic"),
        territory="metz",
        source="synthetic test fixture",
        last_verified=date(2026, 12, 1),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def filters_server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    extra = [
        _place("synthetic-cmp-closed-sunday", ResourceType.CMP_ADULTE, CLOSED_CMP, opening_hours="Mo-Fr 09:00-17:00"),
        _place("synthetic-gem-arabic", ResourceType.GEM, ARABIC_GEM, languages=("fr", "ar")),
    ]
    changed = Engine(dataclasses.replace(engine.catalog, resources=[*engine.catalog.resources, *extra]))
    yield from serve(changed, tmp_path_factory.mktemp("filters-db") / "geo_clsm.db")


def _shown(page: Page) -> int:
    return int(page.evaluate("() => Number(document.body.getAttribute('data-markers-shown'))"))


def _wait_shown(page: Page, n: int) -> None:
    page.wait_for_function(f"() => document.body.getAttribute('data-markers-shown') === '{n}'", timeout=60_000)


def _marker_at(page: Page, at: tuple[float, float]) -> bool:
    """Whether a place's marker is drawn at ``at``, the map zoomed in there (its last zoom)."""
    page.evaluate(
        "([lon, lat]) => new Promise((done) => { const m = window[GEO_CLSM.map];"
        " m.once('moveend', () => setTimeout(done, 0)); m.setView([lat, lon], 18, {animate: false}); })",
        list(at),
    )
    page.wait_for_function(  # the worker's answer for this view, drawn
        "() => document.body.getAttribute('data-markers-drawn') === document.body.getAttribute('data-markers-asked')",
        timeout=60_000,
    )
    return bool(
        page.evaluate(
            """() => {
              const map = document.querySelector('.folium-map').getBoundingClientRect();
              const cx = map.left + map.width / 2, cy = map.top + map.height / 2;
              return [...document.querySelectorAll('.gc-marker')].some((el) => {
                const r = el.getBoundingClientRect();
                return r.left <= cx && cx <= r.right && r.top <= cy && cy <= r.bottom;
              });
            }"""
        )
    )


def _filters(page: Page) -> None:
    if not page.locator("#gc-filters").evaluate("(d) => d.open"):
        page.locator("#gc-filters summary").tap()


def test_open_now_and_language_filter_the_markers(browser: Browser, filters_server: str) -> None:
    page = phone(browser, lang="fr")
    page.clock.set_fixed_time(SUNDAY_10H)
    page.goto(filters_server + "/", timeout=120_000)
    map_ready(page)
    everything = _shown(page)
    assert _marker_at(page, CLOSED_CMP) and _marker_at(page, ARABIC_GEM)
    # Open now: the CMP closed on Sunday leaves the map (places whose hours are unknown stay, as in the list).
    _filters(page)
    page.locator("#gc-open").check()
    _wait_shown(page, everything - 1)
    assert not _marker_at(page, CLOSED_CMP)
    assert _marker_at(page, ARABIC_GEM)
    shot(page, "markers-1-open-now")
    page.locator("#gc-open").uncheck()
    _wait_shown(page, everything)
    assert _marker_at(page, CLOSED_CMP)
    # Arabic spoken: only the place that says so stays.
    _filters(page)
    page.select_option("#gc-lang-spoken", "ar")
    _wait_shown(page, 1)
    assert _marker_at(page, ARABIC_GEM)
    assert not _marker_at(page, CLOSED_CMP)
    shot(page, "markers-2-arabic-spoken")
    page.select_option("#gc-lang-spoken", "")
    _wait_shown(page, everything)
