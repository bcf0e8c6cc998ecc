"""Table downloads a planner opens in a spreadsheet: XLSX and the French CSV dialect beside the
standard CSV, for /api/gaps and /api/resources (the observatory's series: tests/web/routers/test_observatory_api.py).

Each French file is read back with an independent reader (openpyxl; pandas with ``sep=";"``,
``decimal=","``) and compared with the JSON answer of the same request."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo_clsm.exports.tables import label

GAPS = {"territory": "metz", "type": "CMP"}
CONFIDENTIAL = "ang-gem-suis-ton-chemin"  # a GEM that keeps its location discreet (registry)


def _json_rows(client: TestClient) -> dict[str, dict[str, object]]:
    return {r["code_qp"]: r for r in client.get("/api/gaps", params=GAPS).json()["rows"]}


def test_gaps_french_csv_parses_in_a_french_spreadsheet_dialect(client: TestClient) -> None:
    r = client.get("/api/gaps", params={**GAPS, "format": "csv-fr"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert "_fr.csv" in r.headers["content-disposition"]
    first_line = r.content.decode("utf-8-sig").split("\r\n", 1)[0]
    assert first_line.startswith("Code QPV;QPV;Territoire;")
    df = pd.read_csv(io.BytesIO(r.content), sep=";", decimal=",", encoding="utf-8-sig")
    expected = _json_rows(client)
    assert len(df) == len(expected) == 8
    mean, share = label("mean_m"), label("within_1000m_share")
    assert mean == "Distance moyenne à la ressource la plus proche (m)"
    assert share == "Part du quartier à moins de 1 km (%)"
    assert df[label("sfca_per_10k")].dtype == float  # decimal commas read back as numbers
    for row in df.to_dict("records"):
        j = expected[row["Code QPV"]]
        assert row[mean] == j["mean_m"]
        assert row[share] == pytest.approx(100 * float(j["within_1000m_share"]))  # type: ignore[arg-type]
        assert row[label("sfca_per_10k")] == pytest.approx(j["sfca_per_10k"])
        assert row[label("zone_blanche")] == ("oui" if j["zone_blanche"] else "non")
    # a decimal comma really is in the file (the 2SFCA score has decimals)
    assert any("," in cell for cell in r.content.decode("utf-8-sig").split(";"))


def test_gaps_standard_csv_is_unchanged(client: TestClient) -> None:
    r = client.get("/api/gaps", params={**GAPS, "format": "csv"})
    assert not r.content.startswith(b"\xef\xbb\xbf")
    header = r.text.split("\n", 1)[0]
    assert header.startswith("code_qp,lib_qp,territory,resource_type,mean_m")


def test_gaps_xlsx_has_french_labels_with_units(client: TestClient) -> None:
    r = client.get("/api/gaps", params={**GAPS, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Données", "À lire"]
    ws = wb["Données"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["Code QPV", "QPV", "Territoire"]
    assert "Distance moyenne à la ressource la plus proche (m)" in header
    assert "Temps de marche moyen estimé (min)" in header
    assert "Part du quartier à moins de 500 m (%)" in header
    expected = _json_rows(client)
    assert len(rows) - 1 == len(expected)
    i_code, i_mean = header.index("Code QPV"), header.index(label("mean_m"))
    for row in rows[1:]:
        assert row[i_mean] == expected[str(row[i_code])]["mean_m"]  # a number, not text
    about = [c for row in wb["À lire"].iter_rows(values_only=True) for c in row if c]
    assert "mean_m" in about and "m" in about and any("estimés" in str(c) for c in about)


def test_resources_exports_keep_the_public_view(client: TestClient) -> None:
    geo = client.get(f"/api/resources/{CONFIDENTIAL}").json()
    lon, lat = geo["geometry"]["coordinates"]
    fr = client.get("/api/resources", params={"territory": "angouleme", "format": "csv-fr"})
    df = pd.read_csv(io.BytesIO(fr.content), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code postal": str})
    row = df[df["Identifiant"] == CONFIDENTIAL].iloc[0]
    assert pd.isna(row["Adresse"]) and row["Précision de la position"] == "commune"
    assert (row["Longitude (degrés WGS84)"], row["Latitude (degrés WGS84)"]) == pytest.approx((lon, lat), abs=1e-6)
    assert (
        b"lieu discret" not in fr.content and "NE PAS géolocaliser".encode() not in fr.content
    )  # the registry's internal note
    wb = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/resources", params={"territory": "angouleme", "format": "xlsx"}).content)
    )
    rows = list(wb["Données"].iter_rows(values_only=True))
    header = list(rows[0])
    (secret,) = [r for r in rows if r[0] == CONFIDENTIAL]
    assert secret[header.index("Adresse")] is None
    assert "Date de vérification (date)" in header and "Source" in header
    n_json = client.get("/api/resources", params={"territory": "angouleme"}).json()["numberReturned"]
    assert len(rows) - 1 == len(df) == n_json


def test_unknown_format_is_a_french_422(client: TestClient) -> None:
    r = client.get("/api/gaps", params={"format": "ods"})
    assert r.status_code == 422 and "csv-fr" in r.text
