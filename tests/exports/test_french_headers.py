"""csv-fr and XLSX as a planner opens them (issue 27): every header is French (no code such as
``dep`` or ``population_measured``), integers are written without « ,0 », and « Date de
vérification » is empty where no person verified the record."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from tests.conftest import LAYERS
from tests.web.routers.test_national_api import national_dir  # noqa: F401 (fixture)

CODE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")  # a column's code name, never a French header

DOWNLOADS = [
    ("/api/gaps", {"territory": "metz"}),
    ("/api/gaps", {"territory": "metz", "type": "CMP_ADULTE"}),
    ("/api/gaps", {"scope": "departements"}),
    ("/api/gaps", {"scope": "communes", "dep": "99"}),
    ("/api/resources", {"territory": "metz"}),
    ("/api/report/metz", {}),
    ("/api/observatory/metz", {}),
]


@pytest.fixture(scope="module")
def client(engine: Engine, database_url: str, national_dir: Path) -> Iterator[TestClient]:  # noqa: F811
    settings = Settings(data_dir=LAYERS, database_url=database_url, national_gaps_dir=national_dir, tiles_url="none")
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def _csv_fr(client: TestClient, path: str, params: dict[str, str]) -> list[dict[str, str]]:
    r = client.get(path, params={**params, "format": "csv-fr"})
    assert r.status_code == 200, (path, params, r.text[:300])
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(("path", "params"), DOWNLOADS)
def test_every_header_is_french_and_integers_have_no_decimal(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    rows = _csv_fr(client, path, params)
    assert rows, (path, params)
    headers = list(rows[0])
    assert not [h for h in headers if CODE.match(h)], headers
    for row in rows:
        for h, v in row.items():
            assert not re.fullmatch(r"-?\d+,0", v or ""), (h, v)
    r = client.get(path, params={**params, "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)["Données"]
    head = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    assert not [h for h in head if isinstance(h, str) and CODE.match(h)], head
    for values in ws.iter_rows(min_row=2, values_only=True):
        for v in values:
            assert not (isinstance(v, float) and v.is_integer() and abs(v) > 0), values


def test_verification_date_only_where_a_person_verified(client: TestClient) -> None:
    rows = _csv_fr(client, "/api/resources", {"territory": "metz"})
    dates = [r["Date de vérification (date)"] for r in rows]
    assert any(d == "" for d in dates)
    api = client.get("/api/resources", params={"territory": "metz", "limit": 500}).json()["features"]
    verified = {f["id"] for f in api if f["properties"].get("verified_by_person")}
    for r in rows:
        if r["Identifiant"] not in verified:
            assert r["Date de vérification (date)"] == "", r
