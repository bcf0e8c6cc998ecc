"""The planner's psychiatric sectors in a real headless Chromium at phone size (375 x 667), in French:
the FICTITIOUS Metz sectors drawn on the map with their referents, the table's sector columns; and,
without sector data, « sectorisation non renseignée » where the figures would be, never 0."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from geo_clsm.web.pages.planner_sectors import SECTOR_COLUMNS
from tests.conftest import _free_port
from tests.e2e.conftest import axe_violations
from tests.sector_fixtures import app_with_sectors

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 375, "height": 667}
SECTOR_STROKE = "#00695c"


@pytest.fixture(scope="module")
def sector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app whose database of record holds the fictitious Metz sectors, in uvicorn (tiles "none")."""
    app = app_with_sectors(f"sqlite:///{tmp_path_factory.mktemp('sector-db') / 'geo_clsm.db'}", tiles_url="none")
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning", access_log=False)
    )
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{srv.config.port}"
    srv.should_exit = True
    t.join(timeout=10)


def _cells(page: Page, code: str) -> dict[str, str]:
    """The shown text of one QPV row's cells, by column key."""
    keys = page.locator("#gc-qpv-table thead th[data-col]").evaluate_all("ths => ths.map(th => th.dataset.col)")
    texts = page.locator(f'#gc-qpv-table tbody tr[data-code="{code}"] > *').evaluate_all(
        "cs => cs.map(c => c.innerText.trim())"
    )
    return dict(zip(keys, texts, strict=False))


def test_sector_layer_and_columns_on_a_phone(browser: Browser, sector_server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport=PHONE, locale="fr-FR").new_page()
    page.goto(sector_server + "/planning?territory=metz&type=CMP_ADULTE&indicator=mean_m")
    page.wait_for_selector("#gc-qpv-table tbody tr")
    legend = page.locator(".gc-sector-legend")
    assert legend.is_visible()
    assert "secteurs de psychiatrie (adultes), 3 sur la carte" in legend.inner_text()
    # The three adult sectors are drawn, dashed, in the sector colour.
    page.wait_for_selector(f'path[stroke="{SECTOR_STROKE}"]', state="attached")
    assert page.locator(f'path[stroke="{SECTOR_STROKE}"]').count() == 3
    # The table's sector columns, read as a person reads them (scrolled into view on the phone).
    headers = [h for _, h in SECTOR_COLUMNS]
    for h in headers:
        th = page.get_by_role("columnheader", name=h)
        th.scroll_into_view_if_needed()
        assert th.is_visible()
    bellecroix = _cells(page, "QN05718M")  # split between the Metz-Nord and Metz-Sud sectors by the fixture's line
    assert bellecroix["sector_ids"] == "FICTIF-57G01, FICTIF-57G02"
    assert re.fullmatch(r"\d[\d\u202f]* m", bellecroix["sector_referent_mean_m"])
    assert bellecroix["sector_nearest_other_share"].endswith(" %")
    page.screenshot(path=str(ARTIFACTS / "planner_sectors_phone.png"), full_page=True)


def test_without_sector_data_the_planner_says_so(browser: Browser, server: str) -> None:
    page = browser.new_context(viewport=PHONE, locale="fr-FR").new_page()
    page.goto(server + "/planning?territory=metz&type=CMP_ADULTE&indicator=mean_m")
    page.wait_for_selector("#gc-qpv-table tbody tr")
    legend = page.locator(".gc-sector-legend")
    assert "Secteurs de psychiatrie (adultes) : sectorisation non renseignée pour ce territoire" in legend.inner_text()
    assert page.locator(f'path[stroke="{SECTOR_STROKE}"]').count() == 0
    for code in page.locator("#gc-qpv-table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.code)"):
        row = _cells(page, code)
        for key, _ in SECTOR_COLUMNS:
            assert row[key] == "sectorisation non renseignée", (code, key)
    cell = page.locator("#gc-qpv-table tbody tr td", has_text="sectorisation non renseignée").first
    cell.scroll_into_view_if_needed()
    assert cell.is_visible()
    page.screenshot(path=str(ARTIFACTS / "planner_sectors_not_informed_phone.png"), full_page=True)


def test_the_sector_layer_passes_axe(browser: Browser, sector_server: str) -> None:
    page = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True).new_page()
    page.goto(sector_server + "/planning?territory=metz&type=CMP_ENFANT&indicator=mean_m")
    page.wait_for_selector(f'path[stroke="{SECTOR_STROKE}"]', state="attached")
    assert (
        "secteurs de psychiatrie (enfants et adolescents), 1 sur la carte"
        in page.locator(".gc-sector-legend").inner_text()
    )
    assert axe_violations(page) == []
