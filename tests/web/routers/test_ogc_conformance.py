"""OGC API – Features conformance points read from the OGC abstract tests (ets-ogcapi-features10):
unknown query parameters (/req/core/query-param-unknown), ``alternate`` links to the HTML encoding
(/req/core/fc-md-links, /req/core/f-links, /req/html/definition), ``bbox`` and ``datetime``
declared as Part 1 writes them (/req/core/fc-bbox-definition, /req/core/fc-time-definition),
``datetime`` honoured (/req/core/fc-time-response), and Part 3 queryables."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient

from geo_clsm.model.resource_types import ResourceType

ITEMS = "/ogc/collections/resources/items"


@pytest.mark.parametrize(
    "url",
    ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/resources", ITEMS, f"{ITEMS}/x"],
)
def test_unknown_query_parameter_is_a_french_400(client: TestClient, url: str) -> None:
    r = client.get(url, params={"zzz_unknown": "1"})
    assert r.status_code == 400, r.text
    assert "paramètre inconnu : zzz_unknown" in r.json()["detail"]


def test_declared_parameters_still_answer(client: TestClient) -> None:
    r = client.get(ITEMS, params={"limit": 2, "offset": 1, "f": "json", "type": "CMP"})
    assert r.status_code == 200 and r.json()["numberReturned"] == 2


def _alternate_html(links: list[dict[str, str]]) -> str:
    found = [lk["href"] for lk in links if lk["rel"] == "alternate" and lk["type"] == "text/html"]
    assert len(found) == 1, links
    return found[0]


def test_alternate_links_reach_the_html_encoding(client: TestClient) -> None:
    body = client.get("/ogc/collections").json()
    urls = [_alternate_html(body["links"])]
    for c in body["collections"]:
        urls.append(_alternate_html(c["links"]))
    first = client.get(ITEMS, params={"limit": 1}).json()["features"][0]
    feature = client.get(f"{ITEMS}/{first['id']}").json()
    urls.append(_alternate_html(feature["links"]))
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert "<script" not in r.text and "http" not in r.text.split("<body>")[0]  # nothing from another site
    assert feature["properties"]["name"] in client.get(urls[-1]).text


def test_bbox_and_datetime_declared_as_part_1_writes_them(client: TestClient) -> None:
    spec = client.get("/ogc/api").json()
    params = {p["name"]: p for p in spec["paths"]["/ogc/collections/{collectionId}/items"]["get"]["parameters"]}
    bbox = params["bbox"]
    assert bbox["in"] == "query" and bbox["style"] == "form" and bbox["explode"] is False
    assert bbox["schema"]["type"] == "array" and bbox["schema"]["items"] == {"type": "number"}
    sizes = sorted((o["minItems"], o["maxItems"]) for o in bbox["schema"]["oneOf"])
    assert sizes == [(4, 4), (6, 6)]
    when = params["datetime"]
    assert when["schema"] == {"type": "string"} and when["style"] == "form" and when["explode"] is False


def test_six_number_bbox_selects_as_four(client: TestClient) -> None:
    four = client.get(ITEMS, params={"bbox": "6.0,49.0,6.4,49.3", "limit": 5000}).json()
    six = client.get(ITEMS, params={"bbox": "6.0,49.0,-100,6.4,49.3,5000", "limit": 5000}).json()
    assert four["numberMatched"] > 0
    assert [f["id"] for f in six["features"]] == [f["id"] for f in four["features"]]


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00Z", "2026-01-01", "2020-01-01/2030-12-31", "../2030-12-31T00:00:00Z", "2020-01-01/.."]
)
def test_valid_datetime_matches_every_feature_without_time(client: TestClient, value: str) -> None:
    """No collection has a temporal geometry: Part 1 says datetime then matches every feature."""
    every = client.get(ITEMS, params={"limit": 1}).json()["numberMatched"]
    r = client.get(ITEMS, params={"limit": 1, "datetime": value})
    assert r.status_code == 200 and r.json()["numberMatched"] == every


@pytest.mark.parametrize(
    "value", ["hier", "2026-13-01", "2026-01-01T00:00:00", "../..", "2030-01-01/2020-01-01", "a/b/c"]
)
def test_malformed_datetime_is_a_french_400(client: TestClient, value: str) -> None:
    r = client.get(ITEMS, params={"datetime": value})
    assert r.status_code == 400 and r.json()["detail"].startswith("datetime :"), r.text


def test_queryables_of_resources(client: TestClient) -> None:
    coll = client.get("/ogc/collections/resources").json()
    href = next(lk["href"] for lk in coll["links"] if lk["rel"].endswith("/queryables"))
    r = client.get(href)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/schema+json")
    schema = r.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["type"] == "object"
    assert schema["$id"] == href
    assert set(schema["properties"]) == {"geometry", "type", "territory", "insee_com"}
    assert set(schema["properties"]["type"]["enum"]) == {t.value for t in ResourceType}
    # every queryable is a query parameter that filters, and its values pass the schema
    valid = jsonschema.Draft202012Validator(schema)
    for name in ("type", "territory", "insee_com"):
        feats = client.get(ITEMS, params={"limit": 1}).json()["features"]
        value = feats[0]["properties"][name]
        valid.validate({name: value})
        r = client.get(ITEMS, params={name: value, "limit": 1})
        assert r.status_code == 200 and r.json()["numberMatched"] >= 1
    assert not valid.is_valid({"type": "XX"})
    assert client.get("/ogc/collections/resources/queryables", params={"f": "html"}).status_code == 200
