"""The map's clusters (issue 28), in a real headless Chromium at phone size: the markers are
clustered by a Web Worker (``static/app/cluster-worker.js``), the page draws only what is in view,
and a person still sees clusters with counts that split when clicked, places with their type's
letter, their popups, places at the same spot fanned out, and a place's popup opened from the list.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

PHONE = {"width": 375, "height": 667}
DRAWN = ".leaflet-marker-pane .marker-cluster, .leaflet-marker-pane .gc-marker"


def _open(browser: Browser, url: str, workers: list[str]) -> Page:
    page = browser.new_context(locale="fr-FR", viewport=PHONE).new_page()
    page.on("worker", lambda w: workers.append(w.url))
    page.goto(url)
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 3500", timeout=60_000)
    page.wait_for_selector(DRAWN, timeout=30_000)
    return page


def _view(page: Page, lat: float, lon: float, zoom: int) -> None:
    page.evaluate(f"() => {{ window[GEO_CLSM.map].setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")


def _in_view(page: Page, selector: str) -> int:
    """The index of the first element of ``selector`` wholly inside the map (off the zoom buttons); -1 if none."""
    return int(
        page.evaluate(
            """sel => {
        const m = document.querySelector('.folium-map').getBoundingClientRect();
        return Array.from(document.querySelectorAll(sel)).findIndex(e => { const r = e.getBoundingClientRect();
          return r.left > m.left + 60 && r.right < m.right - 10 && r.top > m.top + 10 && r.bottom < m.bottom - 30; }); }""",
            selector,
        )
    )


def _counts(page: Page) -> list[int]:
    return [int(x) for x in page.locator(".leaflet-marker-pane .marker-cluster span").all_inner_texts()]


def test_clustered_off_the_main_thread(browser: Browser, server: str) -> None:
    workers: list[str] = []
    page = _open(browser, server + "/", workers)
    # The worker clusters; the page has no clustering library of its own.
    assert any("/static/app/cluster-worker." in u for u in workers), workers
    assert page.evaluate("() => typeof L.MarkerClusterGroup") == "undefined"
    # France's ~4,000 places: a handful of elements in the DOM at the national view, clusters with counts.
    shown = int(page.get_attribute("body", "data-markers-shown") or 0)
    drawn = page.locator(DRAWN).count()
    assert 0 < drawn <= 150, drawn
    assert sum(_counts(page)) + page.locator(".leaflet-marker-pane .gc-marker").count() <= shown
    assert max(_counts(page)) >= 50  # real clusters, not one marker per place


def test_cluster_click_splits_then_a_place_opens(browser: Browser, server: str) -> None:
    page = _open(browser, server + "/", [])
    _view(page, 49.119, 6.176, 9)  # Metz
    page.wait_for_function("() => window[GEO_CLSM.map].getZoom() === 9")
    singles, clusters = ".leaflet-marker-pane .gc-marker", ".leaflet-marker-pane .marker-cluster"
    for _ in range(20):  # click a cluster in view until places show on their own
        page.wait_for_selector(DRAWN)
        if _in_view(page, singles) >= 0:
            break
        zoom = page.evaluate("() => window[GEO_CLSM.map].getZoom()")
        i = _in_view(page, clusters)
        assert i >= 0
        page.locator(clusters).nth(i).click()
        page.wait_for_function(f"() => window[GEO_CLSM.map].getZoom() > {zoom}")
        page.wait_for_function(f"() => document.querySelectorAll('{DRAWN}').length > 1")  # it split
    assert _in_view(page, singles) >= 0
    marker = page.locator(singles).nth(_in_view(page, singles))
    letter = marker.inner_text().strip()
    assert letter  # the type's short label on its colour
    assert marker.locator("span").evaluate("s => s.style.background") != ""
    marker.click()
    popup = page.locator(".leaflet-popup .gc-popup")
    popup.wait_for(timeout=15_000)
    assert "Signaler une erreur" in popup.inner_text()


def test_places_at_one_spot_fan_out(browser: Browser, server: str) -> None:
    page = _open(browser, server + "/", [])
    spot = page.evaluate(
        """async () => {
        const rows = (await (await fetch('/api/markers')).json()).markers, seen = {};
        for (const r of rows) { const k = r[2] + ',' + r[3]; if (seen[k]) { return [r[3], r[2]]; } seen[k] = 1; }
        return null; }"""
    )
    assert spot is not None  # approximate positions (a commune's centre) share a point
    _view(page, spot[0], spot[1], 19)
    cluster = page.locator(".leaflet-marker-pane .marker-cluster").first
    cluster.wait_for()
    n = int(cluster.inner_text())
    before = page.locator(".leaflet-marker-pane .gc-marker").count()
    cluster.click()
    page.wait_for_function(f"() => document.querySelectorAll('.leaflet-marker-pane .gc-marker').length >= {before + n}")
    page.locator(".leaflet-marker-pane .gc-marker").last.click()
    page.locator(".leaflet-popup .gc-popup").wait_for(timeout=15_000)


def test_a_place_opens_from_the_list(browser: Browser, server: str) -> None:
    page = _open(browser, server + "/", [])
    _view(page, 49.11296, 6.22361, 17)  # Borny (Metz)
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#gc-results li button.gc-result", timeout=15_000)
    _view(page, 46.6, 2.4, 5)  # back to France: the place is inside a cluster again
    first = page.locator("#gc-results li button.gc-result").first
    name = first.locator("strong").first.inner_text()
    first.click()
    popup = page.locator(".leaflet-popup .gc-popup")
    popup.wait_for(timeout=15_000)
    page.wait_for_function("n => document.querySelector('.leaflet-popup .gc-popup strong').innerText === n", arg=name)
    assert page.evaluate("() => window[GEO_CLSM.map].getZoom()") > 5
