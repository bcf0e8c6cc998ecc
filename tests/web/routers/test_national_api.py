"""``/api/gaps?scope=communes|departements`` and /planning/france, served from a ``gaps --all``
output written from the reduced synthetic France; 404 before any run, 409 for another format."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from geo_clsm.access.national import compute_national
from geo_clsm.access.national_io import write_national
from geo_clsm.access.params import AccessParams
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from tests.access.test_national_gaps import TYPES, synthetic_national_catalog
from tests.conftest import LAYERS


@pytest.fixture(scope="module")
def national_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("national")
    result = compute_national(synthetic_national_catalog(folder), types=TYPES)
    write_national(result, folder / "gaps_france", params=AccessParams(), seconds=1.0)
    return folder / "gaps_france"


@pytest.fixture(scope="module")
def national_client(engine: Engine, database_url: str, national_dir: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=LAYERS, database_url=database_url, national_gaps_dir=national_dir, tiles_url="none")
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def test_communes_rows_filtered_by_type_and_department(national_client: TestClient) -> None:
    r = national_client.get("/api/gaps", params={"scope": "communes", "type": "CMP"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == 24 and {row["resource_type"] for row in body["rows"]} == {"CMP"}
    assert body["france"][0]["resource_type"] == "CMP" and body["sfca"]["catchments_m"]["CMP"] == 5000
    row = next(x for x in body["rows"] if x["insee_com"] == "97998")
    assert row["nom"] == "synthetic_reunion_a" and row["zone_crs"] == "EPSG:2975"
    assert row["mean_m"] % 10 == 0  # presented: metres to 10 m
    dep = national_client.get("/api/gaps", params={"scope": "communes", "type": "GEM", "dep": "974"}).json()
    assert {x["insee_com"] for x in dep["rows"]} == {"97998", "97999"}
    page = national_client.get("/api/gaps", params={"scope": "communes", "limit": 5, "offset": 5}).json()
    assert page["numberMatched"] == 24 * len(TYPES) and page["numberReturned"] == 5


def test_geojson_of_departments_and_of_one_department(national_client: TestClient) -> None:
    r = national_client.get("/api/gaps", params={"scope": "departements", "type": "CMP", "format": "geojson"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    deps = {f["properties"]["dep"] for f in r.json()["features"]}
    assert deps == {"98", "99", "974"}
    com = national_client.get(
        "/api/gaps", params={"scope": "communes", "type": "CMP", "dep": "99", "format": "geojson"}
    )
    features = com.json()["features"]
    assert len(features) == 20 and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    csv = national_client.get("/api/gaps", params={"scope": "communes", "type": "GEM", "format": "csv"})
    assert csv.text.splitlines()[0].startswith("insee_com,") and len(csv.text.splitlines()) == 25


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"scope": "communes", "dep": "01"}, 404, "département « 01 » inconnu"),
        ({"scope": "communes", "type": "CMP", "format": "geojson"}, 422, "choisir un département"),
        ({"scope": "departements", "format": "geojson"}, 422, "un seul type"),
        ({"scope": "communes", "type": "LIGNE_ECOUTE"}, 422, "lignes nationales"),
        ({"scope": "pays"}, 422, "scope"),
    ],
)
def test_bad_requests_say_what_to_fix(
    national_client: TestClient, params: dict[str, str], status: int, words: str
) -> None:
    r = national_client.get("/api/gaps", params=params)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_planner_page_for_france_is_small(national_client: TestClient) -> None:
    r = national_client.get("/planning/france", params={"type": "GEM", "indicator": "sfca_per_10k"})
    assert r.status_code == 200 and "France entière" in r.text and "3114" in r.text
    data = national_client.get("/api/gaps", params={"scope": "departements", "type": "GEM", "format": "geojson"})
    assert len(r.content) + len(data.content) < 2_000_000
    assert 'src="http' not in r.text and 'href="http' not in r.text  # no asset from another host
    assert national_client.get("/planning/france", params={"indicator": "bogus"}).status_code == 422


def test_without_a_run_the_answer_is_a_french_404_then_409_for_another_format(
    engine: Engine, database_url: str, tmp_path: Path, national_dir: Path
) -> None:
    folder = tmp_path / "gaps_france"
    settings = Settings(data_dir=LAYERS, database_url=database_url, national_gaps_dir=folder, tiles_url="none")
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.get("/api/gaps", params={"scope": "communes"})
        assert r.status_code == 404 and "geo-clsm gaps --all" in r.json()["detail"]
        page = c.get("/planning/france")  # a page saying how to compute it (tests/web/pages/test_national_page.py)
        assert page.headers["content-type"].startswith("text/html") and "geo-clsm gaps --all" in page.text
        assert c.get("/api/gaps").status_code == 200  # the QPV scope does not need the national run
        folder.mkdir()
        summary = json.loads((national_dir / "summary.json").read_text())
        (folder / "summary.json").write_text(json.dumps({**summary, "format_version": 0}))
        r = c.get("/api/gaps", params={"scope": "communes"})
        assert r.status_code == 409 and "relancer « geo-clsm gaps --all »" in r.json()["detail"]
        # A new run is served at once: neither the app nor its HTTP cache keeps the old figures.
        for types, expected in (([ResourceType.GEM], 24), ([ResourceType.GEM, ResourceType.CMP], 48)):
            result = compute_national(synthetic_national_catalog(tmp_path), types=types)
            write_national(result, folder, params=AccessParams(), seconds=1.0)
            r = c.get("/api/gaps", params={"scope": "communes"}, headers={"Accept-Encoding": "gzip"})
            assert r.status_code == 200 and r.json()["numberMatched"] == expected


def test_uncovered_rows_say_why_in_every_format(national_client: TestClient) -> None:
    """GEM is listed only by the synthetic pilot's registry: elsewhere empty figures and the label."""
    label = "non recensé par la couche nationale"
    body = national_client.get("/api/gaps", params={"scope": "communes", "type": "GEM"}).json()
    rows = {r["insee_com"]: r for r in body["rows"]}
    assert rows["97998"]["covered"] is False and rows["97998"]["mean_m"] is None and rows["97998"]["coverage"] == label
    assert rows["99000"]["covered"] is True and rows["99000"]["mean_m"] > 0
    assert body["france"][0]["mean_m"] is None and body["france"][0]["covered"] is False
    deps = national_client.get("/api/gaps", params={"scope": "departements", "type": "GEM"}).json()["rows"]
    by_dep = {r["dep"]: r for r in deps}
    assert by_dep["974"]["coverage"] == label and by_dep["974"]["mean_m"] is None
    assert by_dep["99"]["coverage"].startswith("recensé seulement sur une partie")
    gj = national_client.get("/api/gaps", params={"scope": "departements", "type": "GEM", "format": "geojson"}).json()
    assert {f["properties"]["dep"]: f["properties"]["covered"] for f in gj["features"]} == {
        "98": False,
        "99": False,
        "974": False,
    }
    csv = national_client.get("/api/gaps", params={"scope": "communes", "type": "GEM", "dep": "974", "format": "csv"})
    header, *lines = csv.text.splitlines()
    assert "coverage" in header.split(",") and all(label in line for line in lines) and len(lines) == 2
    fr = national_client.get("/api/gaps", params={"scope": "departements", "type": "GEM", "format": "csv-fr"})
    assert fr.status_code == 200 and label in fr.content.decode("utf-8-sig", errors="replace")
    xlsx = national_client.get("/api/gaps", params={"scope": "communes", "type": "GEM", "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert sum(label in c for c in cells) == 16  # the 16 communes outside the pilot
    page = national_client.get("/planning/france", params={"type": "GEM"}).text
    assert "gc-coverage" in page and "registre local (synthetic_Pilot)" in page and "type non recensé ici" in page
    assert "gc-coverage" not in national_client.get("/planning/france", params={"type": "CMP"}).text
