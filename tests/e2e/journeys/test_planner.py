"""The planner's journey (issue 27), in a real Chromium at phone size (375×667) and on a desktop:
/planning opens on the first pilot territory and adult CMPs, the choropleth is drawn, and no legend
covers the map; /planning/france before any ``gaps --all`` says, in the person's language, how to
compute it. Screenshots in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from tests.e2e.serving import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def planner_server(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with no national run yet (an empty folder: :func:`tests.e2e.serving.national_run` not called)."""
    folder = tmp_path_factory.mktemp("no-national") / "gaps_france"
    with serve(Settings(tiles_url="none", database_url=database_url, national_gaps_dir=folder), engine) as base:
        yield base


def _page(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport, locale="fr-FR").new_page()
    page.goto(url)
    return page


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The area two boxes share, in px²."""
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(w, 0) * max(h, 0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_planning_opens_on_a_sensible_default_with_the_map_uncovered(
    browser: Browser, planner_server: str, viewport: dict[str, int]
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, planner_server + "/planning", viewport)
    page.locator("#gc-qpv-table tbody tr").first.wait_for(timeout=20_000)
    territory = page.locator("#gc-territory option:checked").inner_text()
    rtype = page.locator("#gc-type option:checked").inner_text()
    assert territory == "Eurométropole de Metz" and rtype == "CMP adultes"
    assert "CMP adultes" in page.locator(".gc-choropleth-legend h2").inner_text()
    assert page.locator("#gc-qpv-table tbody tr").count() == 8
    # The QPV are drawn inside the visible map, and no legend covers the map.
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box and map_box["width"] > 300 and map_box["height"] > 200
    filled = page.locator(".leaflet-overlay-pane path[fill-opacity='0.75']")  # the QPV, coloured by class
    filled.first.wait_for(timeout=20_000)
    assert filled.count() >= 1
    inside = 0
    for i in range(filled.count()):
        box = filled.nth(i).bounding_box()
        inside += bool(box and _overlap(box, map_box) > 0)
    assert inside >= 5, inside
    legends = page.locator(".gc-legend, .gc-choropleth-legend")
    for i in range(legends.count()):
        box = legends.nth(i).bounding_box()
        if box:
            assert _overlap(box, map_box) == 0, (i, box, map_box)
    name = "phone" if viewport == PHONE else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"planner_default_{name}.png"))


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("fr", "Indicateurs pour la France entière : pas encore calculés"),
        ("en", "Indicators for the whole of France: not computed yet"),
        ("ar", "مؤشرات فرنسا بأكملها: لم تُحسب بعد"),
    ],
)
def test_france_before_any_run_says_how_to_compute_it(
    browser: Browser, planner_server: str, lang: str, title: str
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, f"{planner_server}/planning/france?lang={lang}", PHONE)
    h1 = page.locator("h1")
    assert h1.inner_text() == title
    command = page.locator("pre code")
    assert command.inner_text() == "geo-clsm gaps --all" and command.is_visible()
    box = command.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / f"planner_france_missing_{lang}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_what_if_adds_a_place_and_shows_before_and_after(
    browser: Browser, planner_server: str, viewport: dict[str, int]
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _page(browser, planner_server + "/planning?territory=metz&type=CMP_ADULTE", viewport)
    page.locator("#gc-qpv-table tbody tr").first.wait_for(timeout=20_000)
    page.wait_for_function("() => document.body.getAttribute('data-markers-loaded') !== null", timeout=30_000)
    page.locator("#gc-whatif [data-mode=add]").click()
    assert "Touchez la carte" in page.locator("#gc-whatif-hint").inner_text()
    # Place the new CMP in the middle of the first QPV drawn, as a planner would tap it.
    qpv = page.locator(".leaflet-overlay-pane path[fill-opacity='0.75']").first
    qpv.scroll_into_view_if_needed()
    box = qpv.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    changes = page.locator("#gc-whatif-changes li")
    assert changes.count() == 1 and "Ajout : CMP adultes n° 1" in changes.first.inner_text()
    page.locator("#gc-whatif-run").click()
    rows = page.locator("#gc-whatif-table tbody tr")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == 8
    diffs = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(8)]
    assert any(d.startswith("−") for d in diffs), diffs  # at least one QPV comes closer
    assert "QPV sur 8 se rapprochent" in page.locator("#gc-whatif-result").inner_text()
    # On the map: a before/after label on the QPV.
    labels = page.locator(".gc-whatif-label")
    changed = [d for d in diffs if d != "0\u202fm"]
    assert labels.count() == len(changed) >= 1 and labels.first.inner_text().endswith("m")
    # Undo: the change goes, the table stays until the next computation.
    page.locator("#gc-whatif-changes button", has_text="Annuler").click()
    assert page.locator("#gc-whatif-changes li").count() == 0 and page.locator("#gc-whatif-run").is_disabled()
    name = "phone" if viewport == PHONE else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"planner_whatif_{name}.png"), full_page=viewport == PHONE)
