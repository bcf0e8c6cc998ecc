"""The national planner page as a planner meets it (issue 27): before any ``gaps --all`` a page in
the person's language says how to compute it (not a JSON 404); after, menus show type labels, not
codes, departments have their INSEE names, and the run's date is written in French."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.data.departements import department_label, department_names
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from tests.conftest import LAYERS
from tests.web.routers.test_national_api import national_client, national_dir  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("fr", "Indicateurs pour la France entière : pas encore calculés"),
        ("en", "Indicators for the whole of France: not computed yet"),
        ("ar", "مؤشرات فرنسا بأكملها: لم تُحسب بعد"),
    ],
)
def test_before_any_run_a_page_says_how_to_compute_it(
    engine: Engine, database_url: str, tmp_path: Path, lang: str, title: str
) -> None:
    settings = Settings(
        data_dir=LAYERS, database_url=database_url, national_gaps_dir=tmp_path / "none", tiles_url="none"
    )
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.get("/planning/france", params={"lang": lang})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}"' in r.text and title in r.text
    assert "<code>geo-clsm gaps --all</code>" in r.text
    assert r.text.count('hreflang="') == 2  # the two other languages


def test_department_names_come_from_the_insee_list() -> None:
    names = department_names()
    assert len(names) == 101
    assert names["57"] == "Moselle" and names["2A"] == "Corse-du-Sud" and names["974"] == "La Réunion"
    assert department_label("16", names) == "Charente (16)"
    assert department_label("99", names) == "Département 99"


def test_departments_carry_their_names(national_client: TestClient) -> None:  # noqa: F811
    r = national_client.get("/api/gaps", params={"scope": "departements", "type": "CMP", "format": "geojson"})
    names = {f["properties"]["dep"]: f["properties"]["nom"] for f in r.json()["features"]}
    assert names["974"] == "La Réunion"
    assert names["98"] is None  # a synthetic department has no name: none is invented


def test_menus_show_labels_and_the_date_is_french(national_client: TestClient) -> None:  # noqa: F811
    html = national_client.get("/planning/france", params={"type": "GEM"}).text
    options = [
        (v, unescape(label)) for v, label in re.findall(r'<option value="([A-Z_]+)"[^>]*>([^<]+)</option>', html)
    ]
    assert options and all(value != label for value, label in options), options
    assert ("GEM", "GEM (groupe d'entraide mutuelle)") in options
    assert "CMP_ADULTE" not in re.sub(r'value="[A-Z_]+"', "", html)
    computed = re.search(r"Calcul du (.+?) : \d", html)
    assert computed, html[:2000]
    assert re.fullmatch(
        r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}, "
        r"\d\d:\d\d UTC",
        computed.group(1),
    ), computed.group(1)
