"""The sector form's map in a real headless Chromium at phone size (375×667), issue 29 item 1: an
editor opens the form, picks two communes by clicking them on the map (the lists beside it tick
them), draws a polygon vertex by vertex, picks the referent CMP by its name, saves, and
``/api/sectors/{id}`` answers with that referent on exactly that extent. The screens read in
French, English and Arabic and pass axe-core. The database holds the FICTITIOUS sectors of
tests/fixtures/sectors; the sector created here is FICTITIOUS too (its id and name say so)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import shapely
from playwright.sync_api import Browser, Page
from shapely.geometry import shape

from geo_clsm.engine.core import Engine
from geo_clsm.store.db import connect, is_empty, upgrade
from geo_clsm.store.sectors import replace_sectors
from geo_clsm.store.users import add_user
from tests.e2e.editor_session import serve_app, sign_in
from tests.sector_fixtures import fictitious_sectors

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
EDITOR = ("editrice-carte@clsm-test.fr", "mot-de-passe-editrice-carte")
ADMIN = ("admin-carte@clsm-test.fr", "mot-de-passe-admin-carte")
GAMBETTA = "metz-cmp-cattp-adultes-gambetta"
PICKED = {"57256": "Gravelotte (57256)", "57707": "Vernéville (57707)"}
"""Two communes of Metz's territory in no fictitious sector: clicked on the map."""
DRAWN_AROUND = (6.03648, 49.08613)
"""Inside Ars-sur-Moselle (57032): the drawn square's centre (lon, lat)."""
NOT_PICKED = (6.15107, 49.1651)
"""Inside Woippy (57751): outside the sector drawn here."""
HALF = 0.01  # the drawn square's half side, degrees (some 20 pixels on the phone's map)


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sector-map-e2e') / 'db.sqlite'}"
    db = connect(url)
    if is_empty(db):
        upgrade(db)
    replace_sectors(db, fictitious_sectors(engine.catalog), author="tests (secteurs fictifs)")
    db.dispose()
    with serve_app(engine, url, EDITOR) as base:
        add_user(connect(url), *ADMIN, role="admin")
        yield base


def _phone(browser: Browser, locale: str = "fr-FR") -> Page:
    context = browser.new_context(viewport={"width": 375, "height": 667}, locale=locale, bypass_csp=True)
    return context.new_page()  # bypass_csp: axe is injected


def _inside(engine: Engine, code: str) -> tuple[float, float]:
    """A point inside a commune (lon, lat)."""
    table = engine.catalog.commune_table
    row = int(np.flatnonzero(table.attrs["insee_com"].astype(str).to_numpy() == code)[0])
    point = table.geometries([row])[0].representative_point()
    return (float(point.x), float(point.y))


def _click_map(page: Page, lon: float, lat: float) -> None:
    """A click on the map where (lon, lat) is drawn, as a person clicks there."""
    box = page.locator("#sector-map").bounding_box()
    assert box is not None
    x, y = page.evaluate(
        "([lat, lon]) => { const p = document.getElementById('sector-map').sectorMap"
        ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    assert 0 <= x <= box["width"] and 0 <= y <= box["height"], "the place is not on the map's screen"
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_an_editor_picks_communes_draws_a_polygon_and_a_referent_on_a_phone(
    browser: Browser, site: str, engine: Engine, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    page = _phone(browser)
    sign_in(page, site, EDITOR)
    page.goto(site + "/admin/sectors/new")
    page.get_by_label("Identifiant (ex. 57G03)").fill("FICTIF-57G31")
    page.get_by_label("Nom", exact=True).fill("Secteur fictif dessiné sur la carte")
    page.get_by_label("Territoire").select_option("metz")
    page.locator('#sector-map[data-ready="metz"]').wait_for()
    map_el = page.locator("#sector-map")
    map_el.scroll_into_view_if_needed()
    status = page.locator("#s-map-status")
    for code, label in PICKED.items():
        assert not page.get_by_label(label).is_checked()
        _click_map(page, *_inside(engine, code))
        assert status.inner_text() == f"{label} ajouté à l’étendue"
        assert page.get_by_label(label).is_checked()  # the list beside the map says the same
    summary = page.locator("#s-summary").inner_text()
    assert all(label in summary for label in PICKED.values())
    # a third click on a picked commune takes it out; a fourth puts it back
    _click_map(page, *_inside(engine, "57707"))
    assert not page.get_by_label(PICKED["57707"]).is_checked()
    _click_map(page, *_inside(engine, "57707"))
    assert page.get_by_label(PICKED["57707"]).is_checked()

    # a QPV is picked the same way once the map's clicks pick QPV; a second click takes it out again
    page.get_by_label("ajoute ou retire un QPV").check()
    borny = engine.catalog.qpv[engine.catalog.qpv["code_qp"] == "QN05720M"]
    qpv_label = f"{borny['lib_qp'].iloc[0]} (QN05720M)"
    inside_borny = borny.geometry.iloc[0].representative_point()
    _click_map(page, inside_borny.x, inside_borny.y)
    assert page.get_by_label(qpv_label).is_checked() and status.inner_text() == f"{qpv_label} ajouté à l’étendue"
    _click_map(page, inside_borny.x, inside_borny.y)
    assert not page.get_by_label(qpv_label).is_checked()

    page.get_by_label("place un sommet du polygone").check()
    lon, lat = DRAWN_AROUND
    square = [(lon - HALF, lat - HALF), (lon + HALF, lat - HALF), (lon + HALF, lat + HALF), (lon - HALF, lat + HALF)]
    map_el.scroll_into_view_if_needed()
    for vertex in [*square, (lon, lat + 2 * HALF)]:
        _click_map(page, *vertex)
    assert status.inner_text() == "Polygone en cours : 5 sommet(s)"
    page.get_by_role("button", name="Retirer le dernier sommet").click()
    assert status.inner_text() == "Polygone en cours : 4 sommet(s)"
    page.get_by_role("button", name="Terminer le polygone").click()
    wkt = page.get_by_label("Polygone dessiné (WKT, longitude latitude ; facultatif)").input_value()
    assert wkt.startswith("POLYGON ((")
    assert not page.get_by_label(PICKED["57256"]).is_disabled()  # drawing ticked nothing else
    assert page.locator('input[name="communes"]:checked').count() == 2

    referent = engine.catalog.resources_by_id[GAMBETTA]
    name = referent.display_name or referent.name
    option = page.locator("#s-ref-1 option", has_text=name).first
    label = option.inner_text()
    assert "CMP" in label and (referent.commune or "") in label  # by name, type and commune
    page.get_by_label("Référent 1").select_option(label=label)
    page.get_by_role("button", name="Ajouter un référent").click()
    assert page.get_by_label("Référent 4").is_visible()  # one more list, left empty: not saved
    assert axe(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sector_map_phone.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer le secteur").click()
    page.wait_for_url("**/admin/sectors?saved=FICTIF-57G31")

    got = httpx.get(f"{site}/api/sectors/FICTIF-57G31", timeout=30).json()
    assert got["properties"]["referents"] == [GAMBETTA]
    extent = shape(got["geometry"])
    for code in PICKED:
        assert extent.covers(shapely.Point(_inside(engine, code))), code
    assert extent.covers(shapely.Point(DRAWN_AROUND))
    assert not extent.covers(shapely.Point(NOT_PICKED))
    drawn = shapely.from_wkt(wkt)  # the square as clicked, to the pixel
    square_drawn = shapely.box(lon - HALF, lat - HALF, lon + HALF, lat + HALF)
    assert shapely.hausdorff_distance(drawn, square_drawn) < HALF / 2  # a click lands within a few pixels
    assert extent.intersection(drawn).area == pytest.approx(drawn.area, rel=1e-4)

    page.goto(site + "/admin/sectors/FICTIF-57G31")  # the form shows what was saved
    assert all(page.get_by_label(label).is_checked() for label in PICKED.values())
    assert page.get_by_label("Référent 1").input_value() == GAMBETTA


LANGS = {
    "en": ("en-GB", "ltr", "New sector", "Referent 1", "Finish the polygon", "adds or removes a commune"),
    "ar": ("ar", "rtl", "قطاع جديد", "المرجع 1", "إنهاء المضلع", "تضيف بلدية أو تزيلها"),
    "fr": ("fr-FR", "ltr", "Nouveau secteur", "Référent 1", "Terminer le polygone", "ajoute ou retire une commune"),
}


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_the_sector_form_reads_in_each_language_and_passes_axe(
    browser: Browser, site: str, lang: str, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    locale, direction, heading, referent, finish, mode = LANGS[lang]
    page = _phone(browser, locale)
    sign_in(page, site, EDITOR, lang=lang, query=f"?lang={lang}")
    page.goto(f"{site}/admin/sectors/FICTIF-57G02?lang={lang}")
    assert page.locator("html").get_attribute("dir") == direction
    page.locator('#sector-map[data-ready="metz"]').wait_for()
    assert page.get_by_label(referent).input_value() == "metz-cmp-cattp-adultes-montigny"
    assert page.get_by_role("button", name=finish).is_visible()
    assert page.get_by_label(mode).is_visible()
    assert axe(page) == []
    page.get_by_role("link", name={"en": "All sectors", "ar": "كل القطاعات", "fr": "Tous les secteurs"}[lang]).click()
    page.wait_for_url("**/admin/sectors*")
    page.get_by_role("link", name=heading).click()
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert axe(page) == []


def test_an_admin_sees_holes_and_overlaps_in_words_and_on_a_map(
    browser: Browser, site: str, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    page = _phone(browser)
    sign_in(page, site, ADMIN)
    page.goto(site + "/admin/sectors")
    checks = page.get_by_role("region", name="Contrôles — metz")
    assert "Gravelotte (57256), dans aucun secteur" in checks.locator("ul.holes").inner_text()
    assert checks.get_by_text("Aucun lieu dans deux secteurs du même public.").is_visible()
    drawn = page.locator("#checks-map-metz path.leaflet-interactive, #checks-map-metz path")
    drawn.first.wait_for(state="attached")
    assert drawn.count() > 4  # the sectors and the communes left out
    assert "en orange les communes hors secteur" in page.locator("figure figcaption").first.inner_text()
    assert axe(page) == []
