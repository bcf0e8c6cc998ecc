"""/api/gaps by psychiatric sector (issue 29, item 3): the sector columns beside each CMP-like QPV
row (the FICTITIOUS Metz sectors stored in the database of record, as an import stores them), in
JSON and in the French spreadsheet CSV; « sectorisation non renseignée », never 0, without sector
data; and the observatory following the sector figures over time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo_clsm.access.present import present
from geo_clsm.access.sectorised import NOT_INFORMED, SECTOR_COLUMNS
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.exports.indicator_files import records
from geo_clsm.observatory.evolution import indicator_changes
from geo_clsm.observatory.snapshots import build_snapshot
from tests.sector_fixtures import app_with_sectors, catalog_with_sectors

NUMBERS = [c for c in SECTOR_COLUMNS if c.endswith(("_m", "_share"))]


@pytest.fixture(scope="module")
def sector_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = f"sqlite:///{tmp_path_factory.mktemp('sector-gaps') / 'geo_clsm.db'}"
    with TestClient(app_with_sectors(db)) as c:
        yield c


def test_gaps_rows_carry_the_sector_figures(sector_client: TestClient, catalog: Catalog) -> None:
    body = sector_client.get("/api/gaps", params={"territory": "metz", "type": ["CMP_ADULTE", "GEM"]}).json()
    rows = {(r["code_qp"], r["resource_type"]): r for r in body["rows"]}
    expected = Engine(catalog_with_sectors(catalog)).access["metz"].sectors
    shown = {
        (r["code_qp"], r["resource_type"]): r
        for r in records(present(expected[expected["resource_type"] == "CMP_ADULTE"]))
    }
    assert len(shown) == 8
    for key, exp in shown.items():
        for col in SECTOR_COLUMNS:
            assert rows[key][col] == exp[col], (key, col)
    falogne = rows[("QN05725N", "CMP_ADULTE")]
    assert falogne["sectorisation"] == "renseignée" and falogne["sector_ids"] == "FICTIF-57G02"
    assert falogne["sector_referent_mean_m"] > falogne["mean_m"]  # its sector's CMP is farther than the nearest
    gem = [r for k, r in rows.items() if k[1] == "GEM"]
    assert gem and all(r["sectorisation"] is None and r["sector_referent_mean_m"] is None for r in gem)
    assert any("secteurs de psychiatrie" in n for n in body["notes"])


def test_gaps_csv_fr_says_not_informed_in_words(sector_client: TestClient) -> None:
    text = sector_client.get("/api/gaps", params={"territory": "metz", "type": "CMPP", "format": "csv-fr"}).text
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table and {r["Sectorisation"] for r in table} == {NOT_INFORMED}  # no CMPP is a referent of the fixture
    assert {r["Distance moyenne au référent du secteur (m)"] for r in table} == {""}  # never 0


def test_without_sector_data_gaps_say_not_informed(client: TestClient) -> None:
    rows = client.get("/api/gaps", params={"territory": "metz", "type": "CMP_ADULTE"}).json()["rows"]
    assert len(rows) == 8
    for r in rows:
        assert r["sectorisation"] == NOT_INFORMED
        assert all(r[c] is None for c in NUMBERS), r


def test_the_observatory_follows_the_sector_figures(catalog: Catalog, engine: Engine) -> None:
    """A snapshot keeps the sector figures; the evolution from « non renseignée » to a sector import
    shows each QPV's distance to its sector's referent appear."""
    before = build_snapshot(engine.access["metz"], catalog.resources, data_version="avant")
    after_result = Engine(catalog_with_sectors(catalog)).access["metz"]
    after = build_snapshot(after_result, catalog.resources, data_version="après")
    row = next(r for r in after.qpv_rows if r["code_qp"] == "QN05725N" and r["resource_type"] == "CMP_ADULTE")
    assert row["sectorisation"] == "renseignée" and row["sector_referent_mean_m"] > 0
    changes = indicator_changes(before, after)
    appeared = changes[(changes["indicator"] == "sector_referent_mean_m") & (changes["resource_type"] == "CMP_ADULTE")]
    assert len(appeared) == 8
    assert appeared["before"].isna().all() and appeared["after"].notna().all()


def test_report_and_guide_routes_read_the_sectors_of_the_database(sector_client: TestClient) -> None:
    guide = sector_client.get("/guide/metz").text
    assert 'id="secteur"' in guide and "FICTIF-57G01" in guide
    assert "Référent du secteur adultes « Secteur fictif Metz-Nord et Woippy » (FICTIF-57G01)" in guide
    report = sector_client.get("/api/report/metz").text
    assert 'id="sectorisation"' in report and "Quartier Falogne (QN05725N)" in report
    figures = sector_client.get("/api/report/metz", params={"format": "json"}).json()
    assert any(r["sectorisation"] == "renseignée" for r in figures["sectors"])


def test_one_qpv_carries_its_sector_figures(sector_client: TestClient) -> None:
    props = sector_client.get("/api/qpv/QN05725N").json()["properties"]
    cmp = props["indicators"]["CMP_ADULTE"]
    assert cmp["sector_ids"] == "FICTIF-57G02" and cmp["sector_referent_mean_m"] > cmp["mean_m"]
    assert props["indicators"]["GEM"]["sectorisation"] is None
