"""A place's popup fits a phone's map (issue 27): at 375×667, in Arabic and French (the first place
found at Borny: a CMP, with its explanation), a tall popup was cut by the map's height and the scale
bar sat over its last line. What is asserted is what is seen: once the popup is scrolled to its end,
its last line (« Signaler une erreur ») is inside the window and the map, and what is drawn at that
line is the popup (no control over it); its title is not under the zoom control.
Screenshots: tests/artifacts/popup-fits-<lang>.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from geo_clsm.i18n import translator

from .phone import BORNY, map_ready, phone, shot, with_lang

# The popup, once it stops moving (the map pans it into view), scrolled to its end: where its last line
# is, where the map is, and what is drawn at the middle of that line and of the title.
_LAST_LINE_JS = """
() => new Promise((done) => {
  const wrapper = () => document.querySelector('.leaflet-popup-content-wrapper');
  let last = null, still = 0;
  const tick = () => {
    const r = wrapper().getBoundingClientRect();
    const key = [r.left, r.top, r.width, r.height].map(Math.round).join(',');
    still = key === last ? still + 1 : 0;
    last = key;
    if (still < 10) { requestAnimationFrame(tick); return; }
    const at = (r) => document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const inPopup = (el) => !!(el && el.closest('.leaflet-popup'));
    const title = document.querySelector('.leaflet-popup-content .gc-popup strong').getBoundingClientRect();
    const titleShown = inPopup(at(title));
    const content = document.querySelector('.leaflet-popup-content');
    content.scrollTop = content.scrollHeight;
    const line = document.querySelector('.leaflet-popup-content .gc-report').getBoundingClientRect();
    const map = document.querySelector('.folium-map').getBoundingClientRect();
    done({
      line: {top: line.top, bottom: line.bottom, left: line.left, right: line.right},
      map: {top: map.top, bottom: map.bottom, left: map.left, right: map.right},
      lineShown: inPopup(at(line)), lineCoveredBy: (at(line) || {}).className || null,
      titleShown: titleShown,
    });
  };
  tick();
})
"""


def _open_first_popup(page: Page, lang: str) -> None:
    page.locator("#gc-q").fill("Borny")
    page.locator("#gc-search button[type=submit]").tap()
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=60_000)
    page.evaluate(
        "() => { window[GEO_CLSM.map].attributionControl.addAttribution('© OpenStreetMap contributors'); }"
    )  # what the real tiles add: a long attribution line
    page.wait_for_function(  # the map framed the answer (a tap during its animation may lose the popup)
        """() => { const m = window[GEO_CLSM.map], b = document.body;
          return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress)
            && b.getAttribute('data-markers-drawn') === b.getAttribute('data-markers-asked'); }""",
        timeout=60_000,
    )
    page.locator("#gc-results li[data-type] button.gc-result").first.tap()
    popup = page.locator(".leaflet-popup-content .gc-popup")
    popup.get_by_text(translator(lang)("Signaler une erreur")).wait_for(state="attached", timeout=60_000)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_tall_popups_last_line_is_on_screen_and_not_covered(browser: Browser, server: str, lang: str) -> None:
    page = phone(browser, lang=lang, geolocation=BORNY, permissions=["geolocation"])
    page.goto(with_lang(server + "/", lang), timeout=120_000)
    map_ready(page)
    _open_first_popup(page, lang)
    seen = page.evaluate(_LAST_LINE_JS)
    shot(page, f"popup-fits-{lang}")
    line, box = seen["line"], seen["map"]
    size = page.viewport_size
    assert size is not None
    assert line["top"] >= 0 and line["bottom"] <= size["height"], seen  # in the window
    assert box["top"] <= line["top"] and line["bottom"] <= box["bottom"], seen  # in the map: not cut
    assert seen["lineShown"], seen  # no control (scale bar, attribution) drawn over it
    assert seen["titleShown"], seen  # nor the zoom control over the title
