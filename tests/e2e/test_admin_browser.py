"""Editors in a real headless Chromium: sign in, change a phone number and see it in the
public popup; a resident reports an error from the popup and an editor opens the record to correct it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from tests.e2e.editor_session import serve_app, sign_in

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
RID = "metz-cmp-cattp-adultes-gambetta"
LON, LAT = 6.17594, 49.11022
EDITOR = ("editrice@clsm-metz.fr", "mot-de-passe-editrice")
NEW_PHONE = "03 87 11 22 99"


@pytest.fixture(scope="module")
def admin_server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own database of record (the shared one stays as shipped)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    with serve_app(engine, url, EDITOR) as base:
        yield base


def open_public_popup(page: Page, base: str) -> str:
    """Open the resident map, list the resources near the record, open its popup; its text."""
    page.goto(base + "/")
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    page.evaluate(f"() => {{ window[GEO_CLSM.map].setView([{LAT + 0.002}, {LON}], 17, {{animate: false}}); }}")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    button = page.locator(f'.gc-result[data-id="{RID}"]')
    button.wait_for(timeout=15_000)
    button.click()
    popup = page.locator(".gc-popup")
    popup.wait_for(timeout=15_000)
    return popup.inner_text()


def test_editor_changes_a_phone_seen_in_the_public_popup(browser: Browser, admin_server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    editor = browser.new_context(viewport={"width": 1024, "height": 900}, locale="fr-FR").new_page()
    sign_in(editor, admin_server, EDITOR)
    editor.get_by_label("Chercher (nom, commune, rue, identifiant)").fill("Gambetta")
    editor.get_by_role("button", name="Chercher").click()
    editor.locator(f'a[href="/admin/resources/{RID}"]').first.click()
    editor.wait_for_url(f"**/admin/resources/{RID}")
    phone = editor.get_by_label("Téléphone", exact=True)
    assert phone.input_value() != NEW_PHONE
    phone.fill("0387112299")
    editor.get_by_role("button", name="Enregistrer").click()
    editor.wait_for_selector(".saved")
    assert editor.get_by_label("Téléphone", exact=True).input_value() == NEW_PHONE
    editor.screenshot(path=str(ARTIFACTS / "admin_edit.png"), full_page=True)

    resident = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR").new_page()
    text = open_public_popup(resident, admin_server)
    assert NEW_PHONE in text
    assert resident.locator(f'.gc-popup a[href="tel:{NEW_PHONE.replace(" ", "")}"]').count() == 1

    # A wrong value is refused with the field named, and nothing changes.
    phone = editor.get_by_label("Téléphone", exact=True)
    phone.fill("12")
    editor.get_by_role("button", name="Enregistrer").click()
    alert = editor.get_by_role("alert")
    assert "« Téléphone »" in alert.inner_text()
    assert editor.get_by_label("Téléphone", exact=True).get_attribute("aria-invalid") == "true"


def test_public_report_accepted_by_an_editor(browser: Browser, admin_server: str) -> None:
    resident = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR").new_page()
    open_public_popup(resident, admin_server)
    resident.locator(".gc-popup a", has_text="Signaler une erreur").click()
    resident.wait_for_url(f"**/signaler/{RID}")
    resident.get_by_label("Qu'est-ce qui est faux ?").fill("Les horaires ont changé : fermé le vendredi.")
    resident.get_by_role("button", name="Envoyer").click()
    assert "Merci" in resident.get_by_role("status").inner_text()

    editor = browser.new_context(viewport={"width": 1024, "height": 900}, locale="fr-FR").new_page()
    sign_in(editor, admin_server, EDITOR)
    editor.get_by_role("link", name="Signalements").click()
    item = editor.locator(".reports li", has_text="fermé le vendredi")
    assert item.count() == 1
    item.get_by_role("link", name="Corriger la fiche").click()
    editor.wait_for_url(f"**/admin/resources/{RID}?report=*")
    assert "fermé le vendredi" in editor.locator(".report").inner_text()
    editor.goto(admin_server + "/admin/reports")  # opening the record handled nothing
    assert editor.locator(".reports li", has_text="fermé le vendredi").count() == 1
    editor.screenshot(path=str(ARTIFACTS / "admin_reports.png"), full_page=True)
