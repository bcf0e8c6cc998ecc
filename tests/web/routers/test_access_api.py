"""/api/qpv, /api/qpv/{code}, /api/gaps and POST /api/scenarios on the shipped layers."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection


def test_qpv_geojson_with_indicators(client: TestClient) -> None:
    body = client.get("/api/qpv").json()
    FeatureCollection.model_validate(body)
    assert len(body["features"]) == 13
    borny = next(f for f in body["features"] if f["id"] == "QN05720M")
    ind = borny["properties"]["indicators"]
    assert {"CMP", "GEM", "CSAPA", "MDA"} <= set(ind)
    assert ind["CMP"]["mean_m"] > 0 and 0 <= ind["CMP"]["within_1000m_share"] <= 1
    assert any("estimés" in n for n in body["notes"])
    only = client.get("/api/qpv", params={"territory": "angouleme", "type": "CMP"}).json()
    assert len(only["features"]) == 5
    assert all(set(f["properties"]["indicators"]) == {"CMP"} for f in only["features"])


def test_one_qpv_with_rest_of_territory(client: TestClient) -> None:
    r = client.get("/api/qpv/QN05720M")
    assert r.status_code == 200
    f = Feature.model_validate(r.json())
    assert f.properties is not None
    cmp_ = f.properties["indicators"]["CMP"]
    rest = cmp_["rest_of_territory"]
    assert rest["zone"] == "hors_qpv"
    # Presented figures: metres to 10 m, the ratio (from unrounded distances) to 2 decimals.
    assert cmp_["equity_ratio_mean"] == pytest.approx(cmp_["mean_m"] / rest["mean_m"], abs=0.01)
    assert cmp_["mean_m"] % 10 == 0 and rest["mean_m"] % 10 == 0


def test_gaps_json_and_csv(client: TestClient) -> None:
    body = client.get("/api/gaps", params={"type": "CMP", "territory": "metz"}).json()
    rows = body["rows"]
    assert len(rows) == 8 and [r["gap_rank"] for r in rows] == sorted(r["gap_rank"] for r in rows)
    assert rows[0]["mean_m"] == max(r["mean_m"] for r in rows)
    assert {c["zone"] for c in body["territory_comparison"]} == {"qpv", "hors_qpv"}
    blanks = client.get("/api/gaps", params={"type": "CMP", "only_zones_blanches": True}).json()["rows"]
    assert blanks and all(r["zone_blanche"] for r in blanks)
    r = client.get("/api/gaps", params={"type": "CMP", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert len(table) == 13 and "within_1000m_share" in table[0]


def test_scenario_before_after(client: TestClient) -> None:
    # A CSAPA added inside Borny (a point of its grid): Borny's distance drops, its gap closes.
    body = {"territory": "metz", "changes": [{"action": "add", "type": "CSAPA", "lon": 6.22361, "lat": 49.11296}]}
    r = client.post("/api/scenarios", json=body)
    assert r.status_code == 200, r.text
    rows = {row["code_qp"]: row for row in r.json()["rows"]}
    assert r.json()["types"] == ["CSAPA"]
    borny = rows["QN05720M"]
    assert borny["mean_m_after"] < borny["mean_m_before"] and borny["mean_m_diff"] < 0
    assert borny["zone_blanche_before"] and not borny["zone_blanche_after"]
    assert {"fragile_before", "fragile_after", "n_resources_diff"} <= set(borny)
    assert borny["mean_m_diff"] == borny["mean_m_after"] - borny["mean_m_before"]  # the figures as shown
    # The catalog itself is unchanged.
    again = client.get("/api/qpv/QN05720M").json()["properties"]["indicators"]["CSAPA"]
    assert again["mean_m"] == borny["mean_m_before"]


def test_errors(client: TestClient) -> None:
    assert client.get("/api/qpv/QN00000X").status_code == 404
    r = client.get("/api/gaps", params={"type": "ZZ"})
    assert r.status_code == 422 and "ZZ" in r.json()["detail"]
    assert client.get("/api/gaps", params={"territory": "france"}).status_code == 404
    bad = [
        {"territory": "metz", "changes": []},
        {"territory": "metz", "changes": [{"action": "explode"}]},
        {"territory": "metz", "changes": [{"action": "add", "type": "GEM"}]},
        {"territory": "metz", "changes": [{"action": "add", "type": "GEM", "lon": 13.4, "lat": 52.5}]},
    ]
    for body in bad:
        r = client.post("/api/scenarios", json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post("/api/scenarios", json={"territory": "metz", "changes": [{"action": "remove", "id": "nope"}]})
    assert r.status_code == 404
    r = client.post("/api/scenarios", json={"territory": "lyon", "changes": [{"action": "remove", "id": "x"}]})
    assert r.status_code == 404


def test_gaps_state_uncertainty_and_sfca_parameters(client: TestClient) -> None:
    body = client.get("/api/gaps", params={"territory": "metz", "type": "CMP_ADULTE"}).json()
    for row in body["rows"]:
        assert row["n_sample_points"] > 0 and row["n_resources"] < 100
        assert row["fragile"] is (row["n_resources"] < 3)
        assert "prise" in row["note"] and row["catchment_m"] == 5000
        assert row["mean_m"] % 10 == 0 and round(row["within_1000m_share"], 2) == row["within_1000m_share"]
    assert body["sfca"]["metz"]["catchments_m"]["CMP_ADULTE"] == 5000
    assert body["sfca"]["metz"]["decay"] == "gaussian"
    assert any("gaussienne" in n for n in body["notes"])
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/gaps", params={"territory": "metz", "type": "CMP_ADULTE", "format": "csv"}).text
            )
        )
    )
    by_code = {r["code_qp"]: r for r in csv_rows}
    for row in body["rows"]:  # the same figures in JSON and CSV, no float noise
        assert by_code[row["code_qp"]]["mean_m"] == str(row["mean_m"])
        assert float(by_code[row["code_qp"]]["sfca_per_10k"]) == row["sfca_per_10k"]


def test_known_audience_only_switch(client: TestClient) -> None:
    params = {"territory": "angouleme", "type": "CMP_ADULTE"}
    default = client.get("/api/gaps", params=params).json()
    known = client.get("/api/gaps", params={**params, "known_audience_only": True}).json()
    assert all(r["n_unknown_audience"] >= 1 for r in default["rows"])
    assert all("au public non précisé" in c["note"] for c in default["territory_comparison"])
    assert all(r["n_unknown_audience"] == 0 and r["zone_blanche"] for r in known["rows"])
    assert any("public connu seulement" in n for n in known["notes"])
    one = client.get("/api/qpv/QN01601M", params={"known_audience_only": True})
    assert one.status_code == 200
    assert one.json()["properties"]["indicators"]["CMP_ADULTE"]["n_unknown_audience"] == 0
