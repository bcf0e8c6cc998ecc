"""The HSDS 3.0 API under /hsds: each answer validated against Open Referral's official JSON
schemas (vendored under geo_clsm/exports/hsds_spec/, resolved with a local registry: nothing is
fetched), compared with /api/resources, open to every origin, read-only, French 400s."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from pyproj import Geod
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).resolve().parents[3] / "geo_clsm" / "exports" / "hsds_spec" / "schema"
RAW = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _registry() -> Registry:
    reg: Registry = Registry()
    for path in [*SPEC.glob("*.json"), *SPEC.glob("compiled/*.json")]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        res = DRAFT202012.create_resource(doc)
        rel = path.relative_to(SPEC).as_posix()
        reg = reg.with_resource(RAW + rel, res).with_resource(rel, res)
    return reg


REGISTRY = _registry()
OPENAPI = json.loads((SPEC / "openapi.json").read_text(encoding="utf-8"))


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": name}, registry=REGISTRY)


def _check_page(body: dict[str, Any], item_schema: str) -> None:
    """The answer is the official Page (its schema from schema/openapi.json) whose contents pass ``item_schema``."""
    Draft202012Validator(OPENAPI["components"]["schemas"]["Page"]).validate(body)
    assert body["size"] == len(body["contents"])
    item = _validator(item_schema)
    for content in body["contents"]:
        errors = sorted(item.iter_errors(content), key=str)
        assert not errors, errors[0]


def _all(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        r = client.get(url, params={**params, "page": page, "per_page": 500})
        assert r.status_code == 200, r.text
        assert r.headers["access-control-allow-origin"] == "*"
        body = r.json()
        _check_page(
            body,
            "compiled/service_list.json" if url.endswith("/services") else "compiled/service_at_location_list.json",
        )
        out += body["contents"]
        if body["last_page"]:
            assert len(out) == body["total_items"]
            return out
        page += 1


def test_about_declares_version_and_profile(client: TestClient) -> None:
    r = client.get("/hsds/")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    body = r.json()
    schema = OPENAPI["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    Draft202012Validator(schema).validate(body)
    assert body["version"] == "3.0.0" and body["profile"].startswith("https://github.com/openreferral/specification")


def test_services_are_every_public_resource(client: TestClient) -> None:
    services = _all(client, "/hsds/services")
    api = client.get("/api/resources", params={"limit": 5000}).json()
    assert len(services) == api["numberMatched"] == len({s["id"] for s in services})
    assert sorted(s["name"] for s in services) == sorted(f["properties"]["name"] for f in api["features"])


def test_one_service_and_one_service_at_location_pass_the_official_schemas(client: TestClient) -> None:
    first = client.get("/hsds/services", params={"search": "CMP", "per_page": 1}).json()["contents"][0]
    r = client.get(f"/hsds/services/{first['id']}")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    full = r.json()
    errors = list(_validator("service.json").iter_errors(full))
    assert not errors, errors[0]
    assert full["organization"]["name"] and full["service_at_locations"] and full["attributes"]
    sal_id = full["service_at_locations"][0]["id"]
    sal = client.get(f"/hsds/service_at_locations/{sal_id}").json()
    assert not list(_validator("service_at_location.json").iter_errors(sal))
    assert sal["service_id"] == full["id"]
    _all(client, "/hsds/service_at_locations", search="CMP")


def test_search_and_taxonomy_term(client: TestClient) -> None:
    found = _all(client, "/hsds/services", search="gem")
    assert found and all("gem" in json.dumps(s, ensure_ascii=False).lower() for s in found)
    term = next(a for a in found[0]["attributes"] if a["link_type"] == "service_type")
    code = term["taxonomy_term"]["code"]
    by_term = _all(client, "/hsds/services", taxonomy_term_id=term["taxonomy_term_id"])
    assert by_term and all(any(a["taxonomy_term"]["code"] == code for a in s["attributes"]) for s in by_term)
    api = client.get("/api/resources", params={"limit": 5000}).json()["features"]
    assert len(by_term) == sum(f["properties"]["type"] == code for f in api)


def test_proximity_and_postcode(client: TestClient) -> None:
    lat, lon, metres = 49.1196, 6.1757, 3000.0  # Metz, place d'Armes
    near = _all(client, "/hsds/services", lat=lat, lon=lon, proximity=metres)
    geod = Geod(ellps="GRS80")
    api = client.get("/api/resources", params={"limit": 5000}).json()["features"]

    def dist(feature_lon: float, feature_lat: float) -> float:
        return float(geod.inv(lon, lat, feature_lon, feature_lat)[2])

    inside = {
        f["properties"]["name"] for f in api if f["geometry"] and dist(*f["geometry"]["coordinates"]) <= metres - 5
    }
    names = {s["name"] for s in near}
    assert inside and inside <= names  # every resource well inside the circle is found
    for s in near:
        loc = s["service_at_locations"][0]["location"]
        assert dist(loc["longitude"], loc["latitude"]) <= metres + 5  # and none well outside
    ds = [
        dist(
            s["service_at_locations"][0]["location"]["longitude"], s["service_at_locations"][0]["location"]["latitude"]
        )
        for s in near
    ]
    assert ds == sorted(ds) or all(math.isclose(a, b, abs_tol=5) for a, b in zip(ds, sorted(ds), strict=True))
    by_postcode = _all(client, "/hsds/services", postcode="57000")
    assert by_postcode and all(
        any(
            a["postal_code"] == "57000"
            for sal in s["service_at_locations"]
            for a in sal["location"].get("addresses", [])
        )
        for s in by_postcode
    )


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"per_page": 10_000},
        {"lat": 49.1},
        {"proximity": 100},
        {"lat": 40.0, "lon": -100.0},
        {"postcode": "Metz"},
        {"taxonomy_term_id": "nope"},
        {"unknown": "1"},
    ],
)
def test_bad_parameters_are_french_400(client: TestClient, params: dict[str, Any]) -> None:
    r = client.get("/hsds/services", params=params)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] and r.headers["access-control-allow-origin"] == "*"


def test_read_only_and_unknown_ids(client: TestClient) -> None:
    assert client.post("/hsds/services", json={}).status_code == 405
    assert client.delete("/hsds/services/x").status_code == 405
    r = client.get("/hsds/services/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and "service inconnu" in r.json()["detail"]
    assert r.headers["access-control-allow-origin"] == "*"
