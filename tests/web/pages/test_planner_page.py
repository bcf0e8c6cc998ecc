"""The planner page's QPV table: same figures as tooltips and exports, fragile rows greyed out."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.pages.planner import COLUMNS
from geo_clsm.web.pages.planner_sectors import SECTOR_COLUMNS


@pytest.fixture(scope="module")
def no_tiles(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(tiles_url="none"), engine=engine)) as c:
        yield c


def _tooltips(page: str) -> dict[str, dict[str, str]]:
    """The QPV features' properties inlined in the page (the tooltips' source), by code."""
    out = {}
    for m in re.finditer(r'"properties": (\{[^{}]*"t_mean_m"[^{}]*\})', page):
        props = json.loads(m.group(1))
        out[props["code_qp"]] = props
    return out


def _table(page: str) -> dict[str, dict[str, str]]:
    """Cell texts of the QPV table, by QPV code and column."""
    rows = {}
    for code, cells in re.findall(r'<tr data-code="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        texts = [html.unescape(t) for t in re.findall(r"<td data-value=\"[^\"]*\">(.*?)</td>", cells)]
        rows[code] = dict(zip([c for c, _ in (*COLUMNS, *SECTOR_COLUMNS)], texts, strict=True))  # a CMP: by sector too
    return rows


def test_table_tooltips_and_csv_show_the_same_figures(no_tiles: TestClient) -> None:
    page = no_tiles.get("/planning", params={"territory": "metz", "type": "CMP_ADULTE", "indicator": "sfca_per_10k"})
    assert page.status_code == 200
    text = page.text
    table, tips = _table(text), _tooltips(text)
    assert len(table) == 8 and set(table) == set(tips)
    for code, row in table.items():
        for col, _ in COLUMNS:
            assert row[col] == tips[code][f"t_{col}"], (code, col)
    gaps = no_tiles.get("/api/gaps", params={"territory": "metz", "type": "CMP_ADULTE"}).json()["rows"]
    for r in gaps:
        shown = table[r["code_qp"]]
        assert shown["mean_m"] == f"{r['mean_m']:,} m".replace(",", "\u202f")
        assert shown["within_1000m_share"] == f"{round(r['within_1000m_share'] * 100)} %"
        assert shown["n_resources"] == str(r["n_resources"])
    assert 'aria-sort="ascending"' in text and text.count('aria-sort="none"') == len(COLUMNS) + len(SECTOR_COLUMNS)
    assert re.search(r"/static/app/planning\.[0-9a-f]{10}\.js", text)
    assert re.search(r"/static/app/planning\.[0-9a-f]{10}\.css", text)
    figures = [v for row in table.values() for v in row.values()]
    assert not [v for v in figures if re.search(r"\d[.,]\d{4,}", v)]  # no float noise in the figures


def test_fragile_rows_greyed_and_known_audience_switch(no_tiles: TestClient) -> None:
    text = no_tiles.get("/planning", params={"territory": "angouleme", "type": "HOPITAL_PSY"}).text
    gaps = no_tiles.get("/api/gaps", params={"territory": "angouleme", "type": "HOPITAL_PSY"}).json()["rows"]
    fragile = {r["code_qp"] for r in gaps if r["fragile"]}
    greyed = set(re.findall(r'<tr data-code="([^"]+)" class=gc-fragile>', text))
    assert fragile and greyed == fragile  # one psychiatric hospital around Angoulême
    assert "valeur fragile (moins de 3 ressources à portée)" in text
    known = no_tiles.get(
        "/planning", params={"territory": "angouleme", "type": "CMP_ADULTE", "known_audience_only": True}
    ).text
    assert 'name="known_audience_only" value="true" checked' in known
    assert "known_audience_only=true" in known  # the downloads follow the switch
    default = no_tiles.get("/planning", params={"territory": "angouleme", "type": "CMP_ADULTE"}).text
    assert "au public non précisé" in default


def test_evolution_chart_spreadsheet_downloads_and_report_links(no_tiles: TestClient) -> None:
    no_tiles.app.state.recorder.wait()  # type: ignore[attr-defined]  # the start-up snapshot
    page = no_tiles.get("/planning", params={"territory": "metz", "type": "GEM", "indicator": "sfca_per_10k"}).text
    ((src, alt),) = re.findall(r'<img src="(/api/observatory/[^"]+)"[^>]*alt="Graphique : ([^"]+)"', page)
    assert "type=GEM" in src and "indicator=sfca_per_10k" in src and "Offre pour 10" in alt
    img = no_tiles.get(html.unescape(src))
    assert img.status_code == 200 and img.content.startswith(b"\x89PNG")
    links = [html.unescape(h) for h in re.findall(r'<a href="(/api/[^"]+)"', page)]
    assert "/api/report/metz" in links and "/api/report/metz?format=pdf" in links
    kinds = {}
    for href in links:
        if href.startswith("/api/report/"):
            continue  # the report (issue 11, part 1) is served by its own router
        r = no_tiles.get(href)
        assert r.status_code == 200, href
        kinds[href.rsplit("format=", 1)[-1] if "format=" in href else "json"] = r.headers["content-type"]
    assert kinds["xlsx"].startswith("application/vnd.openxmlformats") and kinds["csv-fr"].startswith("text/csv")
