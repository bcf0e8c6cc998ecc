"""GET /api/report/{territory}: HTML, PDF and the JSON figures; French 404 and 422."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from geo_clsm.data.importers.indicators import IndicatorValue
from geo_clsm.store.indicators import replace_indicator


@pytest.fixture(scope="module")
def indicator(client: TestClient) -> str:
    """A synthetic partner indicator stored in the app's database (territory, department, commune, France)."""
    name = "SYNTHETIC taux de recours (test)"
    values = [
        IndicatorValue("territory", "metz", 12.5),
        IndicatorValue("department", "57", 10.25),
        IndicatorValue("commune", "57463", 14.0),
        IndicatorValue("commune", "16015", 99.0),  # Angoulême: not Metz's
        IndicatorValue("france", "FR", 9.75),
    ]
    db = client.app.state.db  # type: ignore[attr-defined]
    replace_indicator(db, values, name=name, source="synthetic (tests)", unit="pour 1 000", at=datetime.now(UTC))
    return name


def test_json_shape_and_figures(client: TestClient, indicator: str) -> None:
    r = client.get("/api/report/metz", params={"format": "json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {
        "territory",
        "population",
        "supply",
        "access",
        "sources",
        "indicators",
        "sectors",
        "waits",
        "freshness",
    }
    assert body["territory"] == "metz"
    assert isinstance(body["population"], int) and body["population"] > 200_000
    scopes = {row["scope"] for row in body["supply"]}
    assert scopes == {"territory", "commune", "qpv", "department", "france"}
    for row in body["supply"]:
        assert set(row) == {"scope", "code", "type", "count", "per_10k", "layer"}
        if row["per_10k"] is not None:
            assert row["per_10k"] >= 0
    assert {row["scope"] for row in body["access"]} == {"qpv", "qpv_ensemble", "hors_qpv", "commune"}
    ranks = [row for row in body["access"] if row["scope"] == "qpv" and row["type"] == "CMP"]
    assert ranks and min(row["gap_rank"] for row in ranks) == 1
    mine = [i for i in body["indicators"] if i["name"] == indicator]
    assert {(i["scope"], i["code"], i["value"]) for i in mine} == {
        ("territory", "metz", 12.5),
        ("department", "57", 10.25),
        ("commune", "57463", 14.0),
    }
    assert all(i["national_value"] == 9.75 for i in mine)
    assert any(s["layer"] == f"indicateur : {indicator}" for s in body["sources"])


def test_html_and_pdf(client: TestClient, indicator: str) -> None:
    r = client.get("/api/report/metz")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="fr">' in html and "Diagnostic territorial en santé mentale" in html
    assert indicator in html and "synthetic (tests)" in html
    assert "http://" not in html.split("<main>")[0] and "https://" not in html.split("<main>")[0]  # nothing loaded
    pdf = client.get("/api/report/metz", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/report/atlantis", 404, "territoire « atlantis » sans diagnostic"),
        ("/api/report/france", 404, "sans diagnostic"),
        ("/api/report/metz?format=xls", 422, "paramètre invalide"),
        ("/api/report/metz?since=hier", 422, "since"),
    ],
)
def test_errors_in_french(client: TestClient, url: str, status: int, words: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
