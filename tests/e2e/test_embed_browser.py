"""A CLSM's embed in a real headless Chromium at phone size (issue 31, item 3): Metz declared the
site on one local port; a page served from that origin frames /embed/metz and the map (its markers)
and the emergency banner appear, with no cookie; the same page served from another port, not
declared, is refused by the browser (CSP ``frame-ancestors``): nothing of the map is shown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page

from geo_clsm.engine.core import Engine
from geo_clsm.model.presence import check_presence
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.presence import save_presence

from ..conftest import _free_port
from .serving import serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _host_site(app_base: str) -> tuple[ThreadingHTTPServer, str]:
    """A CLSM's website on its own local origin: one page framing the embed, as the snippet does."""
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site du CLSM (test)</title></head>'
        f'<body><h1>Site du CLSM (test)</h1><iframe id="carte" src="{app_base}/embed/metz?lang=fr&amp;type=CMP" '
        'title="Ressources en santé mentale" width="100%" height="600" style="border:0"></iframe></body></html>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    srv = ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


@pytest.fixture(scope="module")
def sites(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('embed-e2e') / 'db.sqlite'}"
    with serve(Settings(tiles_url="none", database_url=url), engine) as base:
        declared, declared_url = _host_site(base)
        undeclared, undeclared_url = _host_site(base)
        presence = check_presence(
            {
                "display_name": "CLSM de Metz (test)",
                "contact_email": "clsm@metz.example",
                "local_numbers": [{"number": "03 87 00 00 99", "label": "Écoute locale (fictive)"}],
                "embed_origins": [declared_url],
            }
        )
        save_presence(connect(url), "metz", presence)
        yield base, declared_url, undeclared_url
        declared.shutdown()
        undeclared.shutdown()


def _phone(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 375, "height": 667}, locale="fr-FR").new_page()


def _embed_frame(page: Page) -> Frame:
    page.wait_for_selector("#carte")
    found = next((f for f in page.frames if "/embed/metz" in f.url), None)
    assert found is not None, [f.url for f in page.frames]
    return found


HOME = {
    "fr": ("Que faire ?", "Contacter le CLSM"),
    "en": ("What to do?", "Contact the CLSM"),
    "ar": ("ماذا أفعل؟", "الاتصال بالمجلس المحلي للصحة النفسية"),
}


@pytest.mark.parametrize("lang", list(HOME))
def test_the_territory_home_on_a_phone(browser: Browser, sites: tuple[str, str, str], lang: str) -> None:
    page = _phone(browser)
    page.goto(f"{sites[0]}/t/metz?lang={lang}")
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    what, contact = HOME[lang]
    assert page.get_by_role("heading", name=what).is_visible()
    assert page.get_by_text("CLSM de Metz (test)").first.is_visible()
    assert page.locator('.gc-banner a[href="tel:3114"]').is_visible()
    assert page.locator('.gc-banner a[href="tel:0387000099"]').is_visible()  # the local number beside 3114
    page.get_by_role("heading", name=contact).scroll_into_view_if_needed()
    assert page.get_by_role("link", name="clsm@metz.example").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"clsm-home-{lang}-375.png"))


def test_a_declared_site_shows_the_map_and_the_banner(browser: Browser, sites: tuple[str, str, str]) -> None:
    page = _phone(browser)
    page.goto(sites[1])
    frame = _embed_frame(page)
    frame.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    assert frame.locator(".folium-map").is_visible()
    assert frame.get_by_role("link", name="Appeler le 3114, prévention du suicide").is_visible()
    assert frame.get_by_text("CLSM de Metz (test)").first.is_visible()
    assert frame.evaluate("document.cookie") == ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embed-declared-375.png"))
    # « Urgence » answers inside the frame (3114 first); links to our other pages leave the frame.
    frame.get_by_role("link", name="Urgence ou idées suicidaires").click()
    frame.locator("#gc-panel .gc-crisis").wait_for(timeout=15_000)
    assert frame.evaluate("document.querySelector('base').target") == "_top"


def test_an_undeclared_site_is_refused_by_the_browser(browser: Browser, sites: tuple[str, str, str]) -> None:
    page = _phone(browser)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(sites[2])
    page.wait_for_load_state("load")
    # The page around it loads; the frame never shows the app's page (Chromium puts an error page there).
    assert page.get_by_role("heading", name="Site du CLSM (test)").is_visible()
    deadline = time.monotonic() + 15
    while not refused and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert refused, "Chromium did not report the frame-ancestors refusal"
    frame = page.frame_locator("#carte")
    assert frame.locator(".gc-banner").count() == 0
    assert frame.locator(".folium-map").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embed-undeclared-375.png"))
