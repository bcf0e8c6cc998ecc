"""The pages work in Chromium under the Content-Security-Policy: no violation is reported.

Every page is opened in Debian's Chromium (Playwright); a ``securitypolicyviolation`` listener
installed before any script runs, and the console, record what the policy blocked. The app
serves a tile URL on another (unreachable) origin so that the policy's ``img-src`` names it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

from ..conftest import _free_port

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="module", autouse=True)
def _test_database(database_url: str) -> Iterator[None]:
    """Apps built here use the session's temporary database of record."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GEO_CLSM_DATABASE_URL", database_url)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def tiled_server(engine: Engine) -> Iterator[str]:
    """The app with tiles from 127.0.0.2 (nothing listens there: tiles fail, the policy allows them)."""
    port = _free_port()
    settings = Settings(tiles_url="http://127.0.0.2:9/{z}/{x}/{y}.png")
    srv = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


def _open(browser: Browser, url: str, console: list[str]) -> Page:
    page = browser.new_context().new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.goto(url)
    return page


def _violations(page: Page, console: list[str]) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations")
    return found + [c for c in console if "Content Security Policy" in c or "Refused to" in c]


def test_resident_map_works_under_the_policy(browser: Browser, tiled_server: str) -> None:
    console: list[str] = []
    page = _open(browser, tiled_server + "/", console)
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    page.wait_for_selector(".marker-cluster, .gc-marker", timeout=30_000)
    page.fill("#gc-q", "Borny")
    page.click("#gc-search button[type=submit]")
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=30_000)
    # folium's inline script (a module, with the nonce) ran: its outline layers are drawn
    page.wait_for_selector("body[data-outlines-drawn]", timeout=30_000)
    assert _violations(page, console) == []
    assert not [c for c in console if "Uncaught" in c or "is not defined" in c], console


def test_planner_map_works_under_the_policy(browser: Browser, tiled_server: str) -> None:
    console: list[str] = []
    page = _open(browser, tiled_server + "/planning?territory=metz&type=CMP&indicator=mean_m", console)
    # The map opens on the QPV: a commune outline out of view is an empty path, a QPV is drawn.
    page.locator("path.leaflet-interactive[fill-opacity='0.75']").first.wait_for(timeout=30_000)
    assert page.locator(".leaflet-tile").count() > 0  # tiles requested from the configured origin
    assert _violations(page, console) == []


@pytest.mark.parametrize("path", ["/docs", "/ogc?f=html", "/ogc/collections/resources/items?f=html&limit=3"])
def test_other_pages_under_the_policy(browser: Browser, tiled_server: str, path: str) -> None:
    console: list[str] = []
    page = _open(browser, tiled_server + path, console)
    page.wait_for_load_state("networkidle")
    if path == "/docs":
        page.wait_for_selector(".opblock", timeout=30_000)  # Swagger UI rendered the operations
    assert _violations(page, console) == []


def test_an_injected_inline_script_is_blocked(browser: Browser, tiled_server: str) -> None:
    """The test can fail: a script without this response's nonce is refused and reported."""
    console: list[str] = []
    page = _open(browser, tiled_server + "/ogc?f=html", console)
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in _violations(page, console))
