"""Spreadsheet safety through the API (issue 25, item 3): ids a client sends to the batch
endpoint come back neutralised in its CSV answer; the other writers: tests/geo_clsm/test_spreadsheet_safety.py."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

BORNY = (6.22361, 49.11296)


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
