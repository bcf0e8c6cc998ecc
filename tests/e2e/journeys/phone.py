"""A phone in a real Chromium for the journey tests: a 375×667 touch screen (or 320 / 414 px wide),
the page's language, an optional slow link, and what a person sees (elements on screen).

Screenshots go to tests/artifacts/ (git-ignored), one per step, named after the journey.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Browser, Locator, Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"width": 375, "height": 667}
WIDTHS = (320, 375, 414)
LANGS = ("fr", "en", "ar")
BORNY = {"latitude": 49.11296, "longitude": 6.22361}  # a point inside QPV Borny, Metz

# Elements a person can act on; Leaflet's map pane (markers, popups) moves with the map and is left out,
# its controls (zoom, attribution) are not.
_OFFSCREEN_JS = """
(width) => {
  const out = [];
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.leaflet-map-pane, [aria-hidden="true"]')) continue;  // moving map content; hidden from everyone
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || cs.visibility === 'hidden') continue;
    // A wide table scrolls inside its own region (which must fit): its cells are reached by scrolling it.
    const region = el.closest('table') && el.closest('table').parentElement;
    const box = region && getComputedStyle(region).overflowX !== 'visible' ? region.getBoundingClientRect() : r;
    if (box.left < -1 || box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className || ''} «${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}» [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  return out;
}
"""


def phone(browser: Browser, *, lang: str = "fr", width: int = 375, slow: bool = False, **ctx: Any) -> Page:
    """A new page on a touch phone whose browser speaks ``lang`` (the page also gets ``?lang=``)."""
    locale = {"fr": "fr-FR", "en": "en-GB", "ar": "ar"}[lang]
    context = browser.new_context(
        viewport={"width": width, "height": PHONE["height"]},
        is_mobile=True,
        has_touch=True,
        locale=locale,
        **ctx,
    )
    page = context.new_page()
    if slow:  # a slow mobile link (about 1.6 Mbit/s down, 150 ms latency): what a resident often has
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 90_000},
        )
    return page


def with_lang(url: str, lang: str) -> str:
    return url + ("&" if "?" in url else "?") + "lang=" + lang


def overflow(page: Page, width: int) -> tuple[int, int, list[str]]:
    """(document width, window width, the visible interactive elements not inside [0, width])."""
    sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return int(sw), int(iw), list(page.evaluate(_OFFSCREEN_JS, width))


def inside_viewport(page: Page, selector: str) -> bool:
    """Whether the first element matching ``selector`` is visible and wholly inside the window."""
    loc = page.locator(selector).first
    if not loc.is_visible():
        return False
    box = loc.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["x"] >= -1
        and box["y"] >= -1
        and box["x"] + box["width"] <= size["width"] + 1
        and box["y"] + box["height"] <= size["height"] + 1
    )


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def map_ready(page: Page) -> None:
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=60_000)
    page.wait_for_selector(".marker-cluster, .gc-marker", timeout=60_000)


def serve(engine: Engine, db: Path) -> Iterator[str]:
    """``engine`` served by the app in uvicorn on a free port of 127.0.0.1 (tiles "none")."""
    app = create_app(Settings(tiles_url="none", database_url=f"sqlite:///{db}"), engine=engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


# Each run of an element's text matching a pattern, in the order of the text, with its box on screen.
_RUNS_JS = """
(el, source) => {
  const out = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const re = new RegExp(source, "g");
    let m;
    while ((m = re.exec(node.data))) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const b = r.getBoundingClientRect();
      out.push({text: m[0], left: b.left, right: b.right, top: Math.round(b.top)});
    }
  }
  return out;
}
"""


def runs_on_screen(element: Locator, pattern: str) -> list[dict[str, Any]]:
    """The runs of ``element``'s text matching ``pattern`` (a JavaScript regular expression), in
    the order of the text, each with its ``left``, ``right`` and ``top`` on screen: what a person
    sees where (digit groups of a phone number, the words of a French name on an Arabic page)."""
    runs: list[dict[str, Any]] = element.evaluate(_RUNS_JS, pattern)
    return runs
