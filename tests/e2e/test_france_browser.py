"""The national planner page (/planning/france) in a real headless Chromium, under the real
CSP: the departments' choropleth and table from a ``gaps --all`` run on the reduced synthetic
France, a department's communes opened from the keyboard, and the page's weight."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from tests.e2e.serving import national_run, serve

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

if os.environ.get("GEO_CLSM_SKIP_E2E") == "1":  # pragma: no cover - opt-out for machines without Chromium
    pytest.skip("GEO_CLSM_SKIP_E2E=1", allow_module_level=True)


@pytest.fixture(scope="module")
def france_server(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = national_run(tmp_path_factory.mktemp("france"))
    with serve(Settings(tiles_url="none", database_url=database_url, national_gaps_dir=folder), engine) as base:
        yield base


def test_departments_then_communes_from_the_keyboard(browser: Browser, france_server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    weight = {"bytes": 0}
    page.on("response", lambda r: weight.__setitem__("bytes", weight["bytes"] + len(r.body()) if r.ok else 0))
    page.goto(france_server + "/planning/france?type=CMP&indicator=mean_m")
    rows = page.locator("#gc-area-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3  # departments 98, 99 and 974
    assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() >= 1
    assert "plus de" in page.locator("#gc-legend").inner_text()
    page.locator("#gc-area-table tbody tr", has_text="La Réunion (974)").locator("button").focus()
    page.keyboard.press("Enter")
    page.locator("#gc-level", has_text="Communes du département : La Réunion (974)").wait_for()
    assert rows.count() == 2 and "synthetic_reunion_a" in page.locator("#gc-area-table").inner_text()
    assert page.locator("#gc-back").is_visible()
    page.screenshot(path=str(ARTIFACTS / "planning_france.png"))
    page.locator("#gc-back").click()
    page.locator("#gc-level", has_text="Départements").wait_for()
    assert rows.count() == 3
    assert not problems, problems  # no CSP violation, no failed request
    assert weight["bytes"] < 2_000_000


def test_a_type_our_data_do_not_list_is_hatched_not_a_worst_class(browser: Browser, france_server: str) -> None:
    """GEM is listed only by the synthetic pilot's registry (8 communes of department 99)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    weight = {"bytes": 0}
    page.on("response", lambda r: weight.__setitem__("bytes", weight["bytes"] + len(r.body()) if r.ok else 0))
    page.goto(france_server + "/planning/france?type=GEM&indicator=mean_m")
    rows = page.locator("#gc-area-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    assert "type non recensé ici" in page.locator("#gc-legend").inner_text()
    assert "registre local (synthetic_Pilot)" in page.locator("#gc-coverage").inner_text()
    paths = page.locator(".leaflet-overlay-pane path")
    fills = [paths.nth(k).get_attribute("fill") for k in range(paths.count())]
    assert fills == ["url(#gc-hatch)"] * 3  # every department partly or not covered: no class colour
    assert page.locator(".leaflet-overlay-pane svg pattern#gc-hatch").count() == 1
    assert page.locator("#gc-area-table td.gc-uncovered", has_text="type non recensé ici").count() == 3
    page.locator("#gc-area-table tbody tr", has_text="Département 99").locator("button").click()
    page.locator("#gc-level", has_text="Communes du département : Département 99").wait_for()
    assert rows.count() == 20
    fills = [paths.nth(k).get_attribute("fill") for k in range(paths.count())]
    assert fills.count("url(#gc-hatch)") == 12 and len(fills) == 20  # the pilot's 8 communes are coloured
    assert all(f.startswith("#") for f in fills if f != "url(#gc-hatch)")
    assert page.locator("#gc-area-table td.gc-uncovered").count() == 12
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "planning_france_uncovered.png"))
    assert not problems, problems
    assert weight["bytes"] < 2_000_000
