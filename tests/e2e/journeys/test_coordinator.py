"""The coordinator's journey in a real Chromium, on a desktop and on a 375 px phone: sign in, open a
record, change its hours with the weekly grid and read the preview in words, save, find the change in
the history in readable French, then handle a resident's report by saving a correction, and find it
among the handled reports. Asserts what is on screen; screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from geo_clsm.engine.core import Engine
from tests.e2e.editor_session import serve_app, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
RID = "metz-cmp-cattp-adultes-metz-nord"
EDITOR = ("coordinatrice@clsm-metz.fr", "mot-de-passe-coordinatrice")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 667}}
# Each run writes other hours, so that each saves a change of its own.
HOURS = {
    "desktop": (("09:00", "12:30"), ("13:30", "17:00"), "Mo-Fr 09:00-12:30,13:30-17:00; PH off"),
    "phone": (("08:30", "12:00"), ("14:00", "18:00"), "Mo-Fr 08:30-12:00,14:00-18:00; PH off"),
}
WORDS = {
    "desktop": "du lundi au vendredi de 9 h à 12 h 30 et de 13 h 30 à 17 h ; fermé les jours fériés",
    "phone": "du lundi au vendredi de 8 h 30 à 12 h et de 14 h à 18 h ; fermé les jours fériés",
}
PHONES = {"desktop": "03 87 11 22 41", "phone": "03 87 11 22 42"}


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own database of record."""
    url = f"sqlite:///{tmp_path_factory.mktemp('coordinator') / 'coordinator.db'}"
    with serve_app(engine, url, EDITOR) as base:
        yield base


def _fits(page: Page, width: int) -> None:
    """Nothing wider than the viewport: no sideways scrolling."""
    scroll = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert scroll <= width, f"page is {scroll} px wide in a {width} px viewport"


def _in_view_horizontally(page: Page, selector: str, width: int) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"coordinator_{name}.png"), full_page=True)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_coordinator_journey(browser: Browser, server: str, device: str) -> None:
    size = VIEWPORTS[device]
    first, second, osm = HOURS[device]

    # A resident reports an error from the public form.
    resident = browser.new_context(viewport=VIEWPORTS["phone"], locale="fr-FR").new_page()
    resident.goto(f"{server}/signaler/{RID}")
    message = f"Le téléphone a changé ({device}) : {PHONES[device]}"
    resident.get_by_label("Qu'est-ce qui est faux ?").fill(message)
    resident.get_by_role("button", name="Envoyer").click()
    expect(resident.get_by_role("status")).to_contain_text("Merci")

    page = browser.new_context(viewport=size, locale="fr-FR").new_page()
    sign_in(page, server, EDITOR)
    # The list starts with the territory's records.
    first_row = page.locator("main table tbody tr").first
    expect(first_row).to_contain_text(re.compile("Metz|Angoulême|Montigny|Woippy|Soyons|Ruelle|Gond|Isle", re.I))

    # Open a record.
    page.get_by_label("Chercher (nom, commune, rue, identifiant)").fill("Metz-Nord")
    page.get_by_label("Chercher (nom, commune, rue, identifiant)").press("Enter")
    page.locator(f'a[href="/admin/resources/{RID}"]').first.click()
    page.wait_for_url(f"**/admin/resources/{RID}")
    expect(page.get_by_label("Type", exact=True)).to_have_value(re.compile("CMP"))
    expect(page.get_by_label("Accessible en fauteuil")).to_be_visible()

    # Change the hours with the grid, from the keyboard (fill, Tab), and read the preview.
    for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi"):
        page.get_by_label(f"{day}, plage 1, de").fill(first[0])
        page.get_by_label(f"{day}, plage 1, à").fill(first[1])
        page.get_by_label(f"{day}, plage 2, de").fill(second[0])
        page.get_by_label(f"{day}, plage 2, à").fill(second[1])
    page.get_by_label("Jours fériés", exact=True).select_option("off")
    page.keyboard.press("Tab")
    preview = page.locator("#hours-preview")
    expect(preview).to_contain_text(WORDS[device], timeout=15_000)
    expect(page.locator("#f-opening_hours")).to_have_value(osm)
    preview.scroll_into_view_if_needed()
    if device == "phone":
        _in_view_horizontally(page, "#hours-preview", size["width"])
        _in_view_horizontally(page, "#hours-4-1-to", size["width"])
    _fits(page, size["width"])
    _shot(page, f"{device}_hours")

    # Save: the form says so and shows the hours read back.
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".saved")).to_contain_text("Fiche enregistrée")
    expect(page.locator("#f-opening_hours")).to_have_value(osm)
    expect(page.locator("#hours-words")).to_have_text(WORDS[device])

    # The history, in readable French.
    page.get_by_role("link", name="Historique").click()
    latest = page.locator("ol.history > li").first
    expect(latest).to_contain_text(f"Fiche modifiée par {EDITOR[0]}")
    row = latest.locator("tr", has=page.locator("th", has_text="Horaires"))
    expect(row).to_contain_text(WORDS[device])
    shown = page.locator("main").inner_text()
    for raw in ("None", "False", "{'", "opening_hours", "update"):
        assert raw not in shown, raw
    _fits(page, size["width"])
    _shot(page, f"{device}_history")

    # Handle the report: correct the record from it, then find it among the handled ones.
    page.get_by_role("link", name="Signalements", exact=True).click()
    item = page.locator(".reports li", has_text=message)
    expect(item).to_have_count(1)
    item.get_by_role("link", name="Corriger la fiche").click()
    page.wait_for_url(f"**/admin/resources/{RID}?report=*")
    expect(page.locator(".report")).to_contain_text("à traiter")
    expect(page.locator(".report")).to_contain_text(message)
    page.get_by_label("Téléphone", exact=True).fill(PHONES[device])
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".report")).to_contain_text("Correction enregistrée")
    page.get_by_role("link", name="Signalements", exact=True).click()
    expect(page.locator(".reports li", has_text=message)).to_have_count(0)
    page.get_by_role("link", name="Traités", exact=True).click()
    handled = page.locator(".reports li", has_text=message)
    expect(handled).to_contain_text(f"Corrigé par {EDITOR[0]}")
    _fits(page, size["width"])
    _shot(page, f"{device}_reports")
