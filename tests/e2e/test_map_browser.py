"""The map in a real headless Chromium (Debian ``chromium``) driven by Playwright.

The app runs in uvicorn on 127.0.0.1 with tiles set to "none"; every request the page makes
is recorded. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if os.environ.get("GEO_CLSM_SKIP_E2E") == "1":  # pragma: no cover - opt-out for machines without Chromium
    pytest.skip("GEO_CLSM_SKIP_E2E=1", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser: Browser, url: str, requests: list[str], **ctx: object) -> Page:
    context = browser.new_context(**ctx)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_function("Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    return page


def _only_local(requests: list[str], base: str) -> None:
    host = urlparse(base).netloc
    foreign = [u for u in requests if not u.startswith("data:") and urlparse(u).netloc != host]
    assert requests and not foreign, foreign


def test_resident_view(browser: Browser, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    page = _open(browser, server + "/", requests, viewport={"width": 1280, "height": 800})
    # Markers render (clusters or single markers).
    assert page.locator(".marker-cluster, .gc-marker").count() > 0
    shown_all = int(page.get_attribute("body", "data-markers-shown") or 0)
    assert shown_all > 3500  # same-site FINESS duplicates are grouped (issue 17)
    # The emergency banner is visible, with its three numbers.
    banner = page.locator(".gc-banner")
    assert banner.is_visible()
    for number in ("3114", "15", "112"):
        assert banner.locator(f'a[href="tel:{number}"]').is_visible()
    # A click on the map lists the nearest resources (a point of Borny, far from any marker at zoom 17).
    page.evaluate("() => { window[GEO_CLSM.map].setView([49.11296, 6.22361], 17, {animate: false}); }")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#gc-results li", timeout=15_000)
    assert page.locator("#gc-results li").count() == 10
    assert "Borny" in page.locator("#gc-status").inner_text()
    first = page.locator("#gc-results li").first.inner_text()
    assert " min à pied" in first
    # A filter changes what is shown: GEM only, then for a teenager.
    page.locator("#gc-filters summary").click()
    page.locator("#gc-no-types").click()
    assert page.get_attribute("body", "data-markers-shown") == "0"
    page.locator('input[name=type][value="GEM"]').check()
    page.wait_for_function("document.body.getAttribute('data-markers-shown') !== '0'")
    gem_only = int(page.get_attribute("body", "data-markers-shown") or 0)
    assert 0 < gem_only < shown_all
    page.wait_for_function(
        "document.querySelectorAll('#gc-results li').length > 0 && "
        "[...document.querySelectorAll('#gc-results li')].every(li => li.innerText.includes('GEM'))"
    )
    # Type and age filters combine: every type, then teenagers only.
    page.locator("#gc-all-types").click()
    page.wait_for_function(f"document.body.getAttribute('data-markers-shown') === '{shown_all}'")
    page.select_option("#gc-age", "ado")
    page.wait_for_function(f"Number(document.body.getAttribute('data-markers-shown')) < {shown_all}")
    teen = int(page.get_attribute("body", "data-markers-shown") or 0)
    page.locator("#gc-no-types").click()
    page.locator('input[name=type][value="CMP_ADULTE"]').check()
    page.wait_for_function("document.body.getAttribute('data-markers-shown') !== null")
    assert int(page.get_attribute("body", "data-markers-shown") or 0) == 0  # adult CMPs do not take a 15-year-old
    page.locator("#gc-all-types").click()
    page.wait_for_function(f"document.body.getAttribute('data-markers-shown') === '{teen}'")
    # The list is keyboard reachable.
    page.locator("#gc-results li button").first.focus()
    assert page.evaluate("document.activeElement.classList.contains('gc-result')")
    page.screenshot(path=str(ARTIFACTS / "resident_desktop.png"))
    _only_local(requests, server)


def test_resident_view_on_a_phone_with_search(browser: Browser, server: str) -> None:
    requests: list[str] = []
    page = _open(
        browser,
        server + "/",
        requests,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        geolocation={"latitude": 45.6473, "longitude": 0.1866},
        permissions=["geolocation"],
    )
    assert page.locator(".gc-banner").is_visible()
    # "Me localiser" uses the browser's position (here a point of QPV Champ de Manœuvre, Soyaux).
    page.click("#gc-locate")
    page.wait_for_function("document.querySelector('#gc-status').innerText.includes('de votre position')")
    assert "Champ De Manœuvre" in page.locator("#gc-status").inner_text()
    assert page.locator("#gc-results li").count() == 10
    page.fill("#gc-q", "Soyaux")
    page.click("#gc-search button[type=submit]")
    page.wait_for_function("document.querySelector('#gc-status').innerText.includes('de Soyaux')", timeout=15_000)
    assert page.locator("#gc-results li").count() == 10
    page.screenshot(path=str(ARTIFACTS / "resident_phone.png"))
    _only_local(requests, server)


def test_planner_view(browser: Browser, server: str) -> None:
    requests: list[str] = []
    page = _open(
        browser,
        server + "/planning?territory=metz&type=CMP&indicator=mean_m",
        requests,
        viewport={"width": 1280, "height": 800},
    )
    assert page.locator("path.leaflet-interactive").count() >= 8 + 46  # QPV polygons and commune outlines
    assert page.locator(".gc-choropleth-legend li").count() >= 2
    assert page.locator('a[href*="format=csv"]').first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "planner.png"))
    _only_local(requests, server)
