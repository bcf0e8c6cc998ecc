"""A place opens the link of its campaign message on a phone (375×667, real Chromium): it reads its
record, in French, English or Arabic, with no horizontal scrolling and no WCAG 2.1 A/AA violation
(axe-core), corrects a phone number with an error shown, and confirms with « Tout est exact »;
an expired link says so in French."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page

from geo_clsm.campaigns.sender import send_pending
from geo_clsm.campaigns.service import start_campaign
from geo_clsm.campaigns.smtp import parse_smtp_url
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.db import connect
from geo_clsm.store.schema import campaign_recipients
from geo_clsm.web.app import create_app

from ..campaigns.conftest import LINK, SENDER, Sink, free_port, synthetic_email
from .conftest import axe_violations

LAYERS = Path(__file__).resolve().parents[2] / "layers"
PHONE = {"width": 375, "height": 667}
PUBLIC = "https://carte.exemple-synthetique.invalid"


@dataclass
class Site:
    base: str
    db_url: str
    tokens: dict[str, str]  # record id -> the token its message carried


@pytest.fixture(scope="module")
def site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on its own database; a campaign for four Metz records (synthetic addresses) sent to a
    real SMTP server on localhost, whose messages give the links."""
    url = f"sqlite:///{tmp_path_factory.mktemp('campaign-browser') / 'db.sqlite'}"
    app = create_app(Settings(tiles_url="none", data_dir=LAYERS, database_url=url), engine=engine)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    db = connect(url)
    ids = [r.id for r in engine.catalog.resources if r.territory == "metz"][:4]
    for rid in ids:
        repo.update(db, rid, {"email": synthetic_email(rid)}, author="tests", communes=engine.catalog.mairies)
    start_campaign(db, territory="metz", created_by="tests", link_days=30, remind_after_days=0, ids=ids)
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        smtp = parse_smtp_url(f"smtp://127.0.0.1:{smtp_port}?tls=none")
        assert send_pending(db, smtp=smtp, sender=SENDER, public_url=PUBLIC, lease_s=600).sent == 4
    finally:
        controller.stop()
    tokens = {}
    for rid in ids:
        m = LINK.search(sink.to(synthetic_email(rid))[0].get_content())
        assert m
        tokens[rid] = m.group(1)
    yield Site(f"http://127.0.0.1:{port}", url, tokens)
    srv.should_exit = True
    t.join(timeout=10)


def _phone(browser: Browser, locale: str = "fr-FR") -> Page:
    return browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True).new_page()


def _fits(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_place_corrects_then_confirms_its_record_on_a_phone(browser: Browser, site: Site) -> None:
    rid, token = next(iter(site.tokens.items()))
    with connect(site.db_url).connect() as conn:
        record, _ = repo.get(conn, rid)
    page = _phone(browser)
    page.goto(f"{site.base}/maj/{token}")
    assert page.get_by_role("heading", name="Mettre à jour votre fiche").is_visible()
    assert page.get_by_role("heading", name=record.display_name or record.name).is_visible()
    confirm = page.get_by_role("button", name="Tout est exact")
    assert confirm.is_visible() and _fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "campaign_maj_phone.png"))
    # A wrong phone number: the error is announced and the field marked.
    page.get_by_label("Téléphone").fill("12")
    page.get_by_role("button", name="Envoyer les corrections").click()
    alert = page.get_by_role("alert")
    assert "n'est pas un numéro français" in alert.inner_text()
    assert page.get_by_label("Téléphone").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == [] and _fits(page)
    page.get_by_label("Téléphone").fill("03 87 00 00 09")
    page.get_by_role("button", name="Envoyer les corrections").click()
    assert "transmises à l'équipe du CLSM" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Tout est exact").click()
    assert "la fiche est confirmée" in page.get_by_role("status").inner_text()
    with connect(site.db_url).connect() as conn:
        assert repo.get(conn, rid)[0].last_verified == clock.today()


@pytest.mark.parametrize(
    ("lang", "heading", "button", "direction"),
    [
        ("en", "Update your record", "Everything is correct", "ltr"),
        ("ar", "تحديث بطاقتكم", "كل شيء صحيح", "rtl"),
    ],
)
def test_the_form_in_english_and_arabic(
    browser: Browser, site: Site, lang: str, heading: str, button: str, direction: str
) -> None:
    token = list(site.tokens.values())[1]
    page = _phone(browser, locale=f"{lang}-FR")
    page.goto(f"{site.base}/maj/{token}?lang={lang}")
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("button", name=button).is_visible()
    assert page.evaluate("() => document.documentElement.dir") == direction and _fits(page)
    assert axe_violations(page) == []


def test_an_expired_link_says_so_on_the_phone(browser: Browser, site: Site) -> None:
    rid, token = list(site.tokens.items())[2]
    with connect(site.db_url).begin() as conn:
        conn.execute(
            sa.update(campaign_recipients)
            .where(campaign_recipients.c.resource_id == rid)
            .values(expires_at=datetime.now(UTC) - timedelta(days=1))
        )
    page = _phone(browser)
    response = page.goto(f"{site.base}/maj/{token}")
    assert response is not None and response.status == 410
    assert "Ce lien a expiré" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("button", name="Tout est exact").count() == 0
    assert axe_violations(page) == [] and _fits(page)
