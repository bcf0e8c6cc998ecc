"""The map in a real headless Chromium (Debian ``chromium``) driven by Playwright.

The app runs in uvicorn on 127.0.0.1 with tiles set to "none"; every request the page makes
is recorded. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _open(browser: Browser, url: str, requests: list[str], **ctx: object) -> Page:
    ctx.setdefault("locale", "fr-FR")  # the page follows the browser's language (Accept-Language)
    context = browser.new_context(**ctx)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_function("() => Number(document.body.getAttribute('data-markers-shown') || 0) > 0", timeout=30_000)
    # MarkerCluster adds its elements in chunks after the list is loaded: wait for the first ones.
    page.wait_for_selector(".marker-cluster, .gc-marker", timeout=30_000)
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
    page.wait_for_function("() => document.body.getAttribute('data-markers-shown') !== '0'")
    gem_only = int(page.get_attribute("body", "data-markers-shown") or 0)
    assert 0 < gem_only < shown_all
    # The only GEMs are in Angoulême, 600 km away: the list says so and offers the national lines (issue 17).
    page.wait_for_function("() => document.querySelector('#gc-status').innerText.includes('Pas de GEM')")
    assert page.locator("#gc-results li").count() == 0
    assert page.locator('#gc-lines a[href="tel:3114"]').is_visible()
    # Type and age filters combine: every type, then teenagers only.
    page.locator("#gc-all-types").click()
    page.wait_for_function(f"() => document.body.getAttribute('data-markers-shown') === '{shown_all}'")
    page.select_option("#gc-age", "ado")
    page.wait_for_function(f"() => Number(document.body.getAttribute('data-markers-shown')) < {shown_all}")
    teen = int(page.get_attribute("body", "data-markers-shown") or 0)
    page.locator("#gc-no-types").click()
    page.locator('input[name=type][value="CMP_ADULTE"]').check()
    page.wait_for_function("() => document.body.getAttribute('data-markers-shown') !== null")
    assert int(page.get_attribute("body", "data-markers-shown") or 0) == 0  # adult CMPs do not take a 15-year-old
    page.locator("#gc-all-types").click()
    page.wait_for_function(f"() => document.body.getAttribute('data-markers-shown') === '{teen}'")
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
    page.wait_for_function("() => document.querySelector('#gc-status').innerText.includes('de votre position')")
    assert "Champ De Manœuvre" in page.locator("#gc-status").inner_text()
    assert page.locator("#gc-results li").count() == 10
    page.fill("#gc-q", "Soyaux")
    page.click("#gc-search button[type=submit]")
    page.wait_for_function("() => document.querySelector('#gc-status').innerText.includes('de Soyaux')", timeout=15_000)
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


def _search(page: Page, text: str) -> None:
    page.fill("#gc-q", text)
    page.click("#gc-search button[type=submit]")


def _inside_view(page: Page) -> bool:
    """Whether the search point and every listed result with a position are inside the map view."""
    return bool(
        page.evaluate(
            """async () => {
        const map = window[GEO_CLSM.map];
        const ids = [...document.querySelectorAll('#gc-results .gc-result')].map(b => b.dataset.id);
        const b = map.getBounds();
        for (const id of ids) {
          const f = await (await fetch('/api/resources/' + encodeURIComponent(id))).json();
          if (f.geometry && !b.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]])) { return false; }
        }
        return ids.length > 0;
      }"""
        )
    )


def test_failed_search_after_a_successful_one(browser: Browser, server: str) -> None:
    requests: list[str] = []
    page = _open(browser, server + "/", requests, viewport={"width": 390, "height": 844}, is_mobile=True)
    # Metric scale only.
    assert page.locator(".leaflet-control-scale-line").count() == 1
    assert page.locator(".leaflet-control-scale-line").inner_text().endswith("m")
    _search(page, "Metz")
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=15_000)
    assert page.locator("#gc-results li").count() == 10
    assert _inside_view(page)  # the map frames the point and the listed results
    _search(page, "Atlantis")
    page.wait_for_function(
        "() => document.querySelector('#gc-status').innerText.includes('introuvable')", timeout=15_000
    )
    assert page.locator("#gc-results li").count() == 0  # the old list is gone
    assert page.locator("#gc-status").inner_text().startswith("lieu « Atlantis » introuvable")
    # A typo gets a suggestion to pick; picking it searches there.
    _search(page, "Woipy")
    page.wait_for_selector(".gc-choice", timeout=15_000)
    page.locator(".gc-choice").first.click()
    page.wait_for_function("() => document.querySelector('#gc-status').innerText.includes('Woippy')", timeout=15_000)
    assert page.locator("#gc-results li").count() == 10
    # An address whose street is unknown offline: located at the town hall, and the page says so.
    _search(page, "1 rue Serpenoise Metz")
    page.wait_for_function("() => !document.querySelector('#gc-notice').hidden", timeout=15_000)
    assert page.locator("#gc-notice").inner_text() == "Adresse non trouvée : recherche autour de la mairie de Metz"
    # Homonyms: a list to choose from.
    _search(page, "Saint-Denis")
    page.wait_for_selector(".gc-choice", timeout=15_000)
    choices = [page.locator(".gc-choice").nth(i).inner_text() for i in range(2)]
    assert sorted(c.split(" — ")[0] for c in choices) == ["Saint-Denis (93)", "Saint-Denis (974)"]
    assert page.locator("#gc-results li").count() == 0
    page.screenshot(path=str(ARTIFACTS / "resident_search_failed.png"))
    _only_local(requests, server)


def test_lyon_teenager_sees_national_lines(browser: Browser, server: str) -> None:
    requests: list[str] = []
    page = _open(browser, server + "/", requests, viewport={"width": 1280, "height": 800})
    page.locator("#gc-filters summary").click()
    page.locator("#gc-no-types").click()
    page.locator('input[name=type][value="MDA"]').check()
    page.locator('input[name=type][value="PAEJ"]').check()
    page.select_option("#gc-age", "ado")
    _search(page, "Lyon 8e")
    page.wait_for_function("() => !document.querySelector('#gc-lines').hidden", timeout=15_000)
    assert "Pas de maison des adolescents ni de point d'écoute (PAEJ) connus près d'ici" in page.inner_text(
        "#gc-status"
    )
    assert page.locator("#gc-results li").count() == 0  # not Metz, 387 km away
    lines = page.locator("#gc-lines .gc-line")
    # Open lines come first (the order depends on the hour): Fil Santé Jeunes is among them or after.
    assert any(lines.nth(i).inner_text().startswith("Fil Santé Jeunes") for i in range(lines.count()))
    assert page.locator('#gc-lines a[href="tel:3114"]').count() == 1
    page.screenshot(path=str(ARTIFACTS / "resident_lyon_lines.png"))
    _only_local(requests, server)


def test_child_known_resources_first(browser: Browser, server: str) -> None:
    requests: list[str] = []
    page = _open(browser, server + "/", requests, viewport={"width": 1280, "height": 800})
    page.locator("#gc-filters summary").click()
    page.select_option("#gc-age", "enfant")
    _search(page, "Soyaux")  # Charente: few resources known to receive an 8-year-old
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=15_000)
    items = page.locator("#gc-results li")
    classes = [items.nth(i).get_attribute("class") or "" for i in range(items.count())]
    sep = classes.index("gc-sep")
    assert sep > 0  # known child resources come first
    assert all(c == "" for c in classes[:sep])
    assert all(c == "gc-unknown-audience" for c in classes[sep + 1 :])
    assert "public non précisé" in items.nth(sep + 1).inner_text()
    _only_local(requests, server)
