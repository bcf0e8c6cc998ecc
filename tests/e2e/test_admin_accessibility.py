"""The editor screens (/admin) in a real headless Chromium: axe-core finds no WCAG 2.1 A/AA
violation with a form error shown nor on a territory's removal (each screen as it opens:
tests/e2e/test_accessibility_pages.py), the keyboard reaches the skip link first with a visible
focus, and an admin adds then removes a territory with the form."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

from ..conftest import _free_port
from .a11y_site import ADMIN, LAYERS, RID, seed_editor_data
from .conftest import axe_violations


@pytest.fixture(scope="module")
def admin_site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own database, with an admin, a public report and a FINESS disagreement to show."""
    tmp = tmp_path_factory.mktemp("admin-a11y")
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(
        tiles_url="none",
        data_dir=LAYERS,
        database_url=url,
        local_territories_file=tmp / "territories.toml",
        versions_dir=tmp / "versions",
        reload_interval_s=0.5,
        territories=["metz", "angouleme"],
    )
    app = create_app(settings, engine=engine)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    seed_editor_data(url)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


def _signed_in(browser: Browser, base: str) -> Page:
    page = browser.new_context(viewport={"width": 1024, "height": 900}, locale="fr-FR", bypass_csp=True).new_page()
    page.goto(base + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/resources")
    return page


def test_login_screen_has_no_violation(browser: Browser, admin_site: str) -> None:
    page = browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
    page.goto(admin_site + "/admin/login")
    assert axe_violations(page) == []
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill("faux mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").wait_for()
    assert axe_violations(page) == []  # with the error shown


def test_form_errors_have_no_violation(browser: Browser, admin_site: str, tmp_path: Path) -> None:
    page = _signed_in(browser, admin_site)
    lot = tmp_path / "synthetic_lot.csv"
    lot.write_text("id,type,name,commune\nsynthetic-essai,CMP,,Metz\n", encoding="utf-8")
    page.goto(admin_site + "/admin/import")
    page.get_by_label("Fichier au format des ressources (colonnes : voir la documentation)").set_input_files(lot)
    page.get_by_role("button", name="Voir le rapport avant d'importer").click()
    page.get_by_role("table", name="Lignes rejetées").wait_for()  # the import report, nothing written
    assert axe_violations(page) == []
    page.goto(admin_site + f"/admin/resources/{RID}")
    page.get_by_label("Téléphone", exact=True).fill("12")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("alert").wait_for()
    assert axe_violations(page) == []
    page.goto(admin_site + "/admin/territories")
    page.get_by_label("Identifiant (minuscules, chiffres, tirets ; ex. lille)").fill("essai")
    page.get_by_label("Nom affiché").fill("Essai")
    page.get_by_label("EPCI (SIREN à 9 chiffres)").fill("123456789")
    page.get_by_role("button", name="Ajouter le territoire").click()
    assert "codes inconnus" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []


def test_keyboard_skip_link_and_visible_focus(browser: Browser, admin_site: str) -> None:
    page = _signed_in(browser, admin_site)
    page.goto(admin_site + "/admin/review")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {text: e.textContent, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),"
        " visible: e.getBoundingClientRect().left >= 0}; }"
    )
    assert focused["text"] == "Aller au contenu"
    assert focused["outline"] != "none" and focused["width"] >= 2 and focused["visible"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    # Tab from the main content reaches the first action of the queue, with a visible outline.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName") == "BUTTON":
            break
    button = page.evaluate(
        "() => { const e = document.activeElement; return [e.textContent, getComputedStyle(e).outlineStyle]; }"
    )
    assert button[0].startswith("Prendre les valeurs officielles") and button[1] != "none"


def test_admin_adds_and_removes_a_territory(browser: Browser, admin_site: str) -> None:
    page = _signed_in(browser, admin_site)
    page.get_by_role("link", name="Territoires").click()
    page.wait_for_url("**/admin/territories")
    page.get_by_label("Identifiant (minuscules, chiffres, tirets ; ex. lille)").fill("metz-ouest")
    page.get_by_label("Nom affiché").fill("Metz ouest (essai)")
    page.get_by_label("Communes (codes INSEE séparés par des virgules ou des espaces)").fill("57463 57672")
    page.get_by_role("button", name="Ajouter le territoire").click()
    assert "ajouté" in page.get_by_role("status").inner_text()
    deadline = time.monotonic() + 120
    while "chargement en cours" in page.locator('tr[data-id="metz-ouest"]').inner_text():
        assert time.monotonic() < deadline, "the new territory was not loaded"
        time.sleep(0.5)
        page.reload()
    cells = page.locator('tr[data-id="metz-ouest"] td').all_inner_texts()
    assert cells[3] == "2" and int(cells[5]) >= 1  # two communes, Metz's QPV
    assert axe_violations(page) == []
    page.locator('tr[data-id="metz-ouest"] a', has_text="Retirer").click()
    page.wait_for_url("**/admin/territories/metz-ouest/retirer")
    assert "Aucune ressource n'est supprimée" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Retirer le territoire").click()
    page.wait_for_url("**/admin/territories?removed=metz-ouest")
    while page.locator('tr[data-id="metz-ouest"]').count():  # served until the reload swaps the data
        assert "retiré" in page.locator('tr[data-id="metz-ouest"]').inner_text()
        assert time.monotonic() < deadline + 120, "the removed territory is still served"
        time.sleep(0.5)
        page.reload()


def test_axe_can_fail(browser: Browser, admin_site: str) -> None:
    """The check is live: an input without a label on an editor screen is reported."""
    page = _signed_in(browser, admin_site)
    page.evaluate("() => document.querySelector('main').appendChild(document.createElement('input'))")
    assert "label" in {v["id"] for v in axe_violations(page)}
