"""The planner's « Suggérer » on a 375 px phone, in French, English and Arabic: ask for 2 new CMP
for adults in Metz bringing the most residents within 1 km (QPV residents weighing 10 times), watch the computation end, read the suggested sites, the objective before and
after, the effect per QPV in the table and on the map, then download the files and open the page
to print. Screenshots in tests/artifacts/."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from geo_clsm.engine.core import Engine
from tests.e2e.editor_session import serve_app
from tests.e2e.journeys.phone import ARTIFACTS, overflow, phone, with_lang

URL = "/planning?territory=metz&type=CMP_ADULTE"
QPV_ROWS = 8  # Metz's QPV in the shipped layers
WORDS = {
    "fr": {"most": "Le plus d'habitants à moins de…", "within": "Distance de couverture (m)", "weight": "Poids des habitants des QPV", "sites": "Nombre de sites", "go": "Suggérer", "site": "Site suggéré n° ", "done": "Calcul terminé",
           "print": "Page à imprimer", "h1": "Où ouvrir : sites suggérés", "better": "QPV sur"},
    "en": {"most": "The most residents within…", "within": "Coverage distance (m)", "weight": "Weight of QPV residents", "sites": "Number of sites", "go": "Suggest", "site": "Suggested site no. ", "done": "Done",
           "print": "Printable page", "h1": "Where to open: suggested sites", "better": "QPV get closer"},
    "ar": {"most": "أكبر عدد من السكان على بعد أقل من…", "within": "مسافة التغطية (م)", "weight": "وزن سكان الأحياء ذات الأولوية", "sites": "عدد المواقع", "go": "اقترح", "site": "الموقع المقترح رقم ", "done": "انتهى الحساب",
           "print": "صفحة للطباعة", "h1": "أين نفتح: المواقع المقترحة", "better": "من أصل"},
}  # fmt: skip


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('suggest') / 'suggest.db'}"
    with serve_app(engine, url) as base:
        yield base


def _metres(text: str) -> int:
    """« 1 234 m » → 1234; « −250 m » → -250."""
    digits = re.sub(r"[^\d]", "", text)
    return (-1 if text.strip().startswith("−") else 1) * int(digits)


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_suggest_two_sites_and_read_their_effect(browser: Browser, server: str, lang: str) -> None:
    w = WORDS[lang]
    page = phone(browser, lang=lang)
    page.goto(server + with_lang(URL, lang))
    page.locator("#gc-qpv-table tbody tr").first.wait_for(timeout=30_000)
    panel = page.locator("#gc-suggest")
    expect(panel).to_have_attribute("lang", lang)
    expect(panel).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    sites = page.get_by_label(w["sites"])
    sites.fill("2")
    page.get_by_label(w["most"]).check()  # the most residents within 1 km
    page.get_by_label(w["within"]).fill("1000")
    page.get_by_label(w["weight"]).fill("10")  # the QPV's residents first: the sites go where they live
    page.get_by_role("button", name=w["go"], exact=True).click()
    status = page.locator("#gc-suggest-status")
    expect(status).to_contain_text(w["done"], timeout=120_000)

    listed = page.locator("#gc-suggest-sites li")
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text(w["site"] + "1")
    pins = page.locator(".gc-whatif-pin", has_text=w["site"])  # the suggested sites, named on the map
    expect(pins).to_have_count(2)
    objective = page.locator("#gc-suggest-objective").inner_text()
    before, after = (_metres(x) for x in objective.split(":")[-1].split("→"))
    assert after > before, objective  # two new CMP: more residents (weighted) within 1 km

    rows = page.locator("#gc-suggest-table tbody tr")
    expect(rows).to_have_count(QPV_ROWS)
    seen = []
    for i in range(QPV_ROWS):
        cells = rows.nth(i).locator("td").all_inner_texts()
        seen.append((rows.nth(i).locator("th").inner_text(), _metres(cells[0]), _metres(cells[1]), cells[2]))
    assert all(a <= b for _, b, a, _ in seen), seen  # a place added takes nothing away
    closer = sum(1 for r in seen if r[3].startswith("−"))
    assert closer >= 1, seen
    expect(page.locator("#gc-suggest-result")).to_contain_text(w["better"])
    expect(page.locator(".gc-whatif-label")).to_have_count(closer)

    doc, window, offscreen = overflow(page, 375)
    assert doc <= window and not offscreen, (doc, window, offscreen)
    page.screenshot(path=str(ARTIFACTS / f"planner_suggest_{lang}.png"), full_page=True)

    links = {a.get_attribute("href") or "" for a in page.locator("#gc-suggest-result a").all()}
    csv_url = next(u for u in links if "format=csv-fr" in u)
    got = page.request.get(server + csv_url)
    assert got.ok and got.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(got.text().lstrip("\ufeff")), delimiter=";"))
    assert [r[0] for r in table[1:3]] == ["site suggéré n° 1", "site suggéré n° 2"]
    assert {r[2] for r in table if r[0] == "QPV"} == {q for q, *_ in seen}
    assert not any(c.startswith(("=", "+", "@")) for r in table for c in r)  # no cell read as a formula
    xlsx = page.request.get(server + next(u for u in links if "format=xlsx" in u))
    assert xlsx.ok and xlsx.body()[:2] == b"PK"
    geo = page.request.get(server + next(u for u in links if "format=geojson" in u)).json()
    assert len(geo["features"]) == 2 and geo["features"][0]["geometry"]["type"] == "Point"

    page.goto(server + next(u for u in links if "/print" in u))
    expect(page.locator("h1")).to_have_text(w["h1"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("table").nth(0).locator("tbody tr")).to_have_count(2)
    expect(page.locator("table").nth(1).locator("tbody tr")).to_have_count(QPV_ROWS)
    page.screenshot(path=str(ARTIFACTS / f"planner_suggest_print_{lang}.png"), full_page=True)
    page.context.close()
