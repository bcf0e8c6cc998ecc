"""GET /api/export/hsds/{territory}: a zip that ``frictionless validate`` accepts, holding
every public resource of the territory as the API publishes it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.exports.test_hsds import frictionless_validate, official_validate, read_tables


@pytest.mark.parametrize("territory", ["metz", "angouleme"])
def test_hsds_zip_holds_every_public_resource(client: TestClient, territory: str, tmp_path: Path) -> None:
    r = client.get(f"/api/export/hsds/{territory}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert f"hsds_{territory}.zip" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        zf.extractall(tmp_path)
    official_validate(tmp_path)
    frictionless_validate(tmp_path)
    t = read_tables(tmp_path)
    api = client.get("/api/resources", params={"territory": territory, "limit": 5000}).json()["features"]
    org_of = {
        row["identifier"]: row["organization_id"]
        for row in t["organization_identifier"]
        if row["identifier_type"] == "identifiant geo_clsm"
    }
    assert set(org_of) == {f["id"] for f in api}
    services = {row["organization_id"]: row for row in t["service"]}
    locations = {row["organization_id"]: row for row in t["location"]}
    addresses = {row["location_id"]: row for row in t["address"]}
    linked = {(row["service_id"], row["location_id"]) for row in t["service_at_location"]}
    for f in api:
        org = org_of[f["id"]]
        svc, loc = services[org], locations[org]
        assert svc["name"] == f["properties"]["name"] and (svc["id"], loc["id"]) in linked
        if f["geometry"] is None:
            assert loc["latitude"] == ""
        else:
            lon, lat = f["geometry"]["coordinates"]
            assert (float(loc["longitude"]), float(loc["latitude"])) == pytest.approx((lon, lat), abs=1e-6)
        p = f["properties"]
        expected = p["street"] if p["street"] and p["postcode"] and p["commune"] else None
        assert addresses.get(loc["id"], {}).get("address_1") == expected


def test_confidential_resource_only_at_commune(client: TestClient, tmp_path: Path) -> None:
    r = client.get("/api/export/hsds/angouleme")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        zf.extractall(tmp_path)
    t = read_tables(tmp_path)
    org = next(
        row["organization_id"] for row in t["organization_identifier"] if row["identifier"] == "ang-gem-suis-ton-chemin"
    )
    loc = next(row for row in t["location"] if row["organization_id"] == org)
    assert "confidentielle" in loc["description"] and "commune" in loc["description"]
    assert loc["id"] not in {a["location_id"] for a in t["address"]}


def test_unknown_territory_is_a_french_404(client: TestClient) -> None:
    r = client.get("/api/export/hsds/lyon")
    assert r.status_code == 404 and "territoire inconnu" in r.json()["detail"]
