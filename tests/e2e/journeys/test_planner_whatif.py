"""The planner's what-if on a 375 px phone, as a person does it from the keyboard: add a place at an
address (the gazetteer), move a place (Tab to its marker, Enter, then an address), remove one (Tab,
Enter), and read the before / after figures per QPV in the table and on the map.
Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from geo_clsm.engine.core import Engine
from tests.e2e.editor_session import serve_app
from tests.e2e.journeys.phone import ARTIFACTS, overflow, phone

URL = "/planning?territory=metz&type=CMP_ADULTE"
QPV_ROWS = 8  # Metz's QPV in the shipped layers


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('whatif') / 'whatif.db'}"
    with serve_app(engine, url) as base:
        yield base


def _metres(text: str) -> int:
    """« 1 234 m » → 1234; « −250 m » → -250."""
    digits = re.sub(r"[^\d]", "", text)
    return (-1 if text.strip().startswith("−") else 1) * int(digits)


def _open(browser: Browser, server: str) -> Page:
    page = phone(browser, lang="fr")
    page.goto(server + URL)
    page.locator("#gc-qpv-table tbody tr").first.wait_for(timeout=30_000)
    page.wait_for_function("() => document.body.getAttribute('data-markers-loaded') !== null", timeout=30_000)
    return page


def _compute(page: Page) -> list[tuple[str, int, int, str]]:
    """Press « Calculer » with the keyboard; the table's rows as seen: (QPV, before m, after m, gap)."""
    page.get_by_role("button", name="Calculer avant / après").press("Enter")
    rows = page.locator("#gc-whatif-table tbody tr")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == QPV_ROWS
    seen = []
    for i in range(QPV_ROWS):
        cells = rows.nth(i).locator("td").all_inner_texts()
        seen.append((rows.nth(i).locator("th").inner_text(), _metres(cells[0]), _metres(cells[1]), cells[2]))
    return seen


def _place_marker(page: Page, *, east: bool = False) -> None:
    """Zoom in with the keyboard until places of the page's type are drawn on their own (a marker is
    named after its type, « CMP adultes »), and focus one, as Tab does: the first, or the one
    farthest east (the CMP nearest Borny, east of Metz's centre)."""
    places = page.locator('.leaflet-marker-pane .leaflet-marker-icon[title="CMP adultes"]')
    page.locator(".folium-map").focus()
    for _ in range(8):
        if places.count() >= (2 if east else 1):
            break
        page.keyboard.press("+")
        page.wait_for_timeout(800)
    assert places.count(), "no CMP adultes drawn on its own"
    if not east:
        places.first.focus()
        return
    xs = [box["x"] if (box := places.nth(i).bounding_box()) else -1.0 for i in range(places.count())]
    places.nth(xs.index(max(xs))).focus()


def _no_overflow(page: Page, step: str) -> None:
    doc, window, offscreen = overflow(page, 375)
    assert doc <= window and not offscreen, (step, doc, window, offscreen)


def test_add_a_place_at_an_address_with_the_keyboard(browser: Browser, server: str) -> None:
    page = _open(browser, server)
    page.get_by_role("button", name="Ajouter un lieu").press("Enter")
    field = page.get_by_label("Adresse ou commune du lieu")
    expect(field).to_be_focused()  # the keyboard goes on where the place is given
    page.keyboard.type("Borny")
    page.keyboard.press("Enter")
    change = page.locator("#gc-whatif-changes li")
    expect(change).to_have_count(1)
    expect(change.first).to_contain_text(re.compile(r"Ajout : CMP adultes n° 1 \(.*Borny", re.I))
    expect(page.locator("#gc-whatif-hint")).to_contain_text("Lieu ajouté")
    rows = _compute(page)
    borny = [r for r in rows if "Borny" in r[0]]
    assert borny and borny[0][2] < borny[0][1] and borny[0][3].startswith("−"), borny  # Borny comes closer
    assert all(after <= before for _, before, after, _ in rows)  # a place added takes nothing away
    closer = sum(1 for r in rows if r[3].startswith("−"))
    expect(page.locator("#gc-whatif-result")).to_contain_text(f"{closer} QPV sur {QPV_ROWS} se rapprochent")
    labels = page.locator(".gc-whatif-label")
    expect(labels).to_have_count(closer)
    expect(labels.filter(has_text="Borny")).to_contain_text("−")
    _no_overflow(page, "add")
    page.screenshot(path=str(ARTIFACTS / "planner_whatif_add_keyboard.png"), full_page=True)
    page.context.close()


def test_move_a_place_chosen_with_the_keyboard(browser: Browser, server: str) -> None:
    page = _open(browser, server)
    page.get_by_role("button", name="Déplacer un lieu").press("Enter")
    expect(page.locator("#gc-whatif-hint")).to_contain_text("Tab jusqu'au lieu, puis Entrée")
    _place_marker(page)
    page.keyboard.press("Enter")
    expect(page.locator("#gc-whatif-hint")).to_contain_text("nouvelle place de ce lieu")
    field = page.get_by_label("Adresse ou commune du lieu")
    expect(field).to_be_focused()
    page.keyboard.type("Borny")
    page.keyboard.press("Enter")
    change = page.locator("#gc-whatif-changes li")
    expect(change).to_have_count(1)
    expect(change.first).to_contain_text("Déplacement : ")
    expect(change.first).to_contain_text("Borny")
    rows = _compute(page)
    moved = [r for r in rows if r[1] != r[2]]
    assert moved, rows  # some QPV see the place come or go
    for qpv, before, after, gap in moved:
        assert gap.startswith("−" if after < before else "+"), (qpv, before, after, gap)
    expect(page.locator(".gc-whatif-label")).to_have_count(len([r for r in moved if r[3] != "0\u202fm"]))
    _no_overflow(page, "move")
    page.screenshot(path=str(ARTIFACTS / "planner_whatif_move_keyboard.png"), full_page=True)
    page.context.close()


def test_remove_a_place_chosen_with_the_keyboard(browser: Browser, server: str) -> None:
    page = _open(browser, server)
    page.get_by_role("button", name="Retirer un lieu").press("Enter")
    _place_marker(page, east=True)
    page.keyboard.press("Enter")
    change = page.locator("#gc-whatif-changes li")
    expect(change).to_have_count(1)
    expect(change.first).to_contain_text("Retrait : ")
    rows = _compute(page)
    assert all(after >= before for _, before, after, _ in rows)  # nothing comes closer without a place
    farther = [r for r in rows if r[2] > r[1]]
    assert farther and all(r[3].startswith("+") for r in farther), rows
    expect(page.locator("#gc-whatif-result")).to_contain_text(f"0 QPV sur {QPV_ROWS} se rapprochent")
    # Undo from the keyboard: the change goes.
    page.get_by_role("button", name=re.compile("^Annuler : Retrait")).press("Enter")
    expect(change).to_have_count(0)
    expect(page.get_by_role("button", name="Calculer avant / après")).to_be_disabled()
    _no_overflow(page, "remove")
    page.screenshot(path=str(ARTIFACTS / "planner_whatif_remove_keyboard.png"), full_page=True)
    page.context.close()
