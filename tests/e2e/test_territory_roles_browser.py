"""An editor of Metz, in a real headless Chromium at phone size: the list shows Metz's records and
none of Angoulême's, a link to Angoulême's record (its internal note too) opens « Accès refusé »,
and a move of Metz's record into Angoulême is refused with the form kept; Angoulême's editor sees
Angoulême's record and its note."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.schema import resources
from geo_clsm.store.users import add_user

from .serving import serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
METZ_RID = "metz-epsm-metz-jury"
ANG_RID = "ang-ch-camille-claudel"
NOTE = "NOTE-INTERNE-SYNTHETIQUE-ANGOULEME"
METZ = ("editrice@clsm-metz.example.fr", "mot-de-passe-metz!")
ANG = ("editeur@clsm-angouleme.example.fr", "mot-de-passe-angouleme")


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('roles-e2e') / 'db.sqlite'}"
    with serve(Settings(tiles_url="none", database_url=url), engine) as base:
        db = connect(url)
        add_user(db, *METZ, role="editor", territories=["metz"])
        add_user(db, *ANG, role="editor", territories=["angouleme"])
        with db.begin() as conn:
            conn.execute(sa.update(resources).where(resources.c.id == ANG_RID).values(notes=NOTE))
        yield base


def _signed_in(browser: Browser, base: str, who: tuple[str, str]) -> Page:
    page = browser.new_context(viewport={"width": 375, "height": 667}, locale="fr-FR").new_page()
    page.goto(base + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/resources")
    return page


def test_an_editor_of_metz_sees_metz_only(browser: Browser, site: str) -> None:
    page = _signed_in(browser, site, METZ)
    body = page.locator("main").inner_text()
    assert "EPSM" in body or "Jury" in body  # Metz's records are listed
    assert "Camille Claudel" not in body
    assert "éditeur : metz" in page.locator("body").inner_text()  # who is signed in, and where
    page.goto(f"{site}/admin/resources?q=claudel")
    assert "Camille Claudel" not in page.locator("main").inner_text()
    page.goto(f"{site}/admin/resources/{ANG_RID}")
    main = page.locator("main").inner_text()
    assert "Accès refusé" in main and "hors de vos territoires" in main and NOTE not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "territory_roles_refused_375.png"), full_page=True)
    page.goto(f"{site}/admin/resources/{ANG_RID}/history")
    assert "Accès refusé" in page.locator("main").inner_text()
    page.context.close()


def test_a_move_into_angouleme_is_refused_on_the_form(browser: Browser, site: str) -> None:
    page = _signed_in(browser, site, METZ)
    page.goto(f"{site}/admin/resources/{METZ_RID}")
    page.locator("#f-territory").select_option("angouleme")  # the record would name Angoulême too
    page.locator("#record-form button.primary").click()
    page.wait_for_load_state()
    assert "Accès refusé" in page.locator("main").inner_text()
    assert "angouleme" in page.locator("main").inner_text()
    page.context.close()


def test_angoulemes_editor_reads_its_record_and_note(browser: Browser, site: str) -> None:
    page = _signed_in(browser, site, ANG)
    page.goto(f"{site}/admin/resources/{ANG_RID}")
    assert page.locator("h1").inner_text().strip() != "Accès refusé"
    assert NOTE in page.content()
    page.context.close()
