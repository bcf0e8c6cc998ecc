"""/healthz and /api/resources against the shipped layers."""

from typing import Any

from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["version"]
    assert body["counts"]["resources_by_territory"]["metz"] == 20
    assert {lay["id"] for lay in body["layers"]} >= {"qpv2024_pilots", "gisco_healthcare_fr_2020"}
    assert all(lay["vintage"] and lay["licence"] for lay in body["layers"])


def _features(body: dict[str, Any]) -> list[dict[str, Any]]:
    FeatureCollection.model_validate(body)
    return list(body["features"])


def test_resources_geojson_has_the_model_fields(client: TestClient) -> None:
    r = client.get("/api/resources", params={"territory": "metz"})
    assert r.status_code == 200
    feats = _features(r.json())
    assert len(feats) == 20 and r.json()["numberMatched"] == 20
    props = feats[0]["properties"]
    for key in (
        "id",
        "type",
        "name",
        "street",
        "postcode",
        "commune",
        "insee_com",
        "phone",
        "email",
        "website",
        "audience",
        "opening_hours",
        "languages",
        "wheelchair",
        "appointment_required",
        "free_of_charge",
        "has_service_area",
        "position_precision",
        "position_source",
        "confidential_address",
        "source",
        "last_verified",
    ):
        assert key in props
    assert "sector" not in props  # retired (issue 29): sectors are data of their own, /api/sectors
    # A record that is not a place has no geometry, and says so.
    clsm = next(f for f in feats if f["id"] == "metz-clsm")
    assert clsm["geometry"] is None and clsm["properties"]["position_precision"] == "none"


def test_pagination_links(client: TestClient) -> None:
    r = client.get("/api/resources", params={"limit": 10, "offset": 10})
    body = r.json()
    assert body["numberReturned"] == 10 and body["numberMatched"] > 3500
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=20" in rels["next"] and "offset=0" in rels["prev"]


def test_filters_combine(client: TestClient) -> None:
    r = client.get("/api/resources", params={"type": "CMP", "age": 15, "territory": "metz"})
    ids = {f["id"] for f in _features(r.json())}
    assert "metz-cmp-adolescents-moselle" in ids
    assert "metz-cmp-cattp-adultes-gambetta" not in ids  # adults only


def test_confidential_resource_never_exposes_address(client: TestClient) -> None:
    r = client.get("/api/resources/ang-gem-suis-ton-chemin")
    assert r.status_code == 200
    f = Feature.model_validate(r.json())
    assert f.properties is not None and f.properties["street"] is None
    assert f.properties["position_precision"] == "commune"
    csv_text = client.get("/api/resources", params={"territory": "angouleme", "format": "csv"}).text
    row = next(line for line in csv_text.splitlines() if line.startswith("ang-gem-suis-ton-chemin"))
    assert ",commune," in row


def test_csv_export(client: TestClient) -> None:
    r = client.get("/api/resources", params={"territory": "metz", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) == 21


def test_errors_are_4xx_in_french(client: TestClient) -> None:
    r = client.get("/api/resources", params={"type": "XX"})
    assert r.status_code == 422 and "valeur inconnue « XX »" in r.json()["detail"]
    assert client.get("/api/resources", params={"limit": 999999}).status_code == 422
    assert client.get("/api/resources", params={"bbox": "a,b"}).status_code == 422
    r = client.get("/api/resources", params={"territory": "lyon"})
    assert r.status_code == 404 and "territoire inconnu" in r.json()["detail"]
    assert client.get("/api/resources/nope").status_code == 404
