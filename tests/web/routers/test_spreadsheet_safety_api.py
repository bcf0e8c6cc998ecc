"""Spreadsheet safety through the API (issue 25, item 3): ids a client sends to the batch
endpoint come back neutralised in its CSV answer; the other writers: tests/exports/test_spreadsheet_safety.py."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

BORNY = (6.22361, 49.11296)
LAYERS = Path(__file__).resolve().parents[3] / "layers"
EDITOR = ("editrice-tableurs@synthetic.invalid", "mot-de-passe-synthetique")


def test_batch_csv_neutralises_the_ids_the_client_sent(client: TestClient) -> None:
    body = f'id,lat,lon\n"=HYPERLINK(""http://synthetic.invalid"")",{BORNY[1]},{BORNY[0]}\n@synthetic,52.5,13.4\n'
    r = client.post(
        "/api/nearest/batch",
        content=body.encode(),
        headers={"content-type": "text/csv"},
        params={"format": "csv", "k": 1},
    )
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == ['\'=HYPERLINK("http://synthetic.invalid")', "'@synthetic"]
    assert float(rows[0]["distance_m"]) >= 0  # numbers stay numbers


def test_table_csv_keeps_numbers_unquoted(client: TestClient) -> None:
    r = client.get("/api/gaps", params={"territory": "metz", "type": "CMP", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(not row["mean_m"].startswith("'") for row in rows)


@pytest.fixture(scope="module")
def editor(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sheets') / 'sheets.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="editor")
        r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 200, r.text
        yield c, {"X-CSRF-Token": r.json()["csrf_token"]}


def test_an_edited_name_that_looks_like_a_formula_is_text_in_every_table_download(
    editor: tuple[TestClient, dict[str, str]],
) -> None:
    c, h = editor
    record = {
        "id": "metz-gem-formule-synthetique",
        "type": "GEM",
        "name": '=HYPERLINK("http://synthetic.invalid","GEM synthétique")',
        "phone": "+33 3 00 00 00 00",
        "insee_com": "57463",
        "commune": "Metz",
        "lon": 6.18,
        "lat": 49.11,
        "territory": "metz",
        "source": "test synthétique",
        "last_verified": "2020-01-01",
    }
    r = c.post("/api/admin/resources", json=record, headers=h)
    assert r.status_code == 201, r.text
    params = {"territory": "metz", "type": "GEM"}
    rows = list(csv.DictReader(io.StringIO(c.get("/api/resources", params={**params, "format": "csv"}).text)))
    mine = next(row for row in rows if row["id"] == record["id"])
    assert mine["name"] == "'" + record["name"]
    assert mine["phone"] == "03 00 00 00 00"  # phones are stored in the national form: nothing to prefix
    assert float(mine["lon"]) == pytest.approx(6.18)
    fr = c.get("/api/resources", params={**params, "format": "csv-fr"}).content.decode("utf-8-sig")
    assert f"'{record['name']}".replace('"', '""') in fr
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/api/resources", params={**params, "format": "xlsx"}).content))
    cells = [cell for row in wb["Données"].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert next(cell for cell in cells if cell.value == record["name"]).quotePrefix  # a text cell, as typed
    with zipfile.ZipFile(io.BytesIO(c.get("/api/export/hsds/metz").content)) as zf:
        organizations = list(csv.DictReader(io.StringIO(zf.read("organizations.csv").decode("utf-8"))))
    assert "'" + record["name"] in [o["name"] for o in organizations]
