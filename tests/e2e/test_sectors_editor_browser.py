"""The sector screens in a real headless Chromium at phone size (375×667): an editor creates a
(FICTITIOUS) sector from the list, picks its referent from the directory shown, sees a French error
for an unknown commune, corrects it and finds the sector in the list and in /api/sectors; the
screens pass axe-core. The app's database holds the fictitious fixture (tests/fixtures/sectors)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from tests.sector_fixtures import app_with_sectors

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
EDITOR = ("editrice-secteurs@clsm-test.fr", "mot-de-passe-editrice")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-sectors') / 'e2e.db'}"
    app = app_with_sectors(url, tiles_url="none")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    db = connect(url)
    add_user(db, *EDITOR, role="editor")
    db.dispose()
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


def _sign_in(page: Page, base: str) -> None:
    page.goto(base + "/admin/sectors")
    assert page.url.endswith("/admin/login")
    page.get_by_label("Adresse e-mail").fill(EDITOR[0])
    page.get_by_label("Mot de passe").fill(EDITOR[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/resources")


def test_editor_creates_a_sector_on_a_phone(
    browser: Browser, sector_server: str, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    page = browser.new_context(
        viewport={"width": 375, "height": 667}, bypass_csp=True, locale="fr-FR"
    ).new_page()  # axe is injected
    _sign_in(page, sector_server)
    page.get_by_role("link", name="Secteurs").click()
    page.wait_for_url("**/admin/sectors")
    assert page.locator('#sectors tr[data-id="FICTIF-57G02"]').is_visible()
    assert axe(page) == []
    page.get_by_role("link", name="Nouveau secteur").click()
    page.wait_for_url("**/admin/sectors/new")
    offered = page.locator('#s-ref-1 option[value="metz-cmp-cattp-adultes-gambetta"]')
    assert "CMP" in offered.inner_text()  # the referent is picked from the directory, by name
    page.get_by_label("Identifiant (ex. 57G03)").fill("FICTIF-57G09")
    page.get_by_label("Nom").fill("Secteur fictif de l'ouest messin")
    page.get_by_label("Territoire").select_option("metz")
    page.get_by_label("Référent 1").select_option("metz-cmp-cattp-adultes-gambetta")
    page.get_by_label("Autres communes (codes INSEE séparés par des espaces)").fill("57256 99999")
    page.get_by_role("button", name="Enregistrer le secteur").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "commune inconnue « 99999 »" in alert.inner_text()
    assert axe(page) == []
    page.get_by_label("Autres communes (codes INSEE séparés par des espaces)").fill("57256")
    page.get_by_role("button", name="Enregistrer le secteur").click()
    page.wait_for_url("**/admin/sectors?saved=FICTIF-57G09")
    assert "Secteur « FICTIF-57G09 » enregistré" in page.get_by_role("status").inner_text()
    row = page.locator('#sectors tr[data-id="FICTIF-57G09"]')
    assert row.is_visible() and "1 commune(s)" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sectors_editor_phone.png"), full_page=True)
    got = httpx.get(f"{sector_server}/api/sectors/FICTIF-57G09", timeout=30).json()
    assert got["properties"]["referents"] == ["metz-cmp-cattp-adultes-gambetta"]
