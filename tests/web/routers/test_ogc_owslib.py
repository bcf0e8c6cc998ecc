"""A second real client reads /ogc: OWSLib's OGC API – Features client (``owslib.ogcapi.features``)
against the app in uvicorn on 127.0.0.1, beside GDAL (test_ogc_gdal.py): landing page,
conformance, collections, queryables, paged and filtered items, one feature; and an unknown
parameter refused."""

from __future__ import annotations

import httpx
import pytest

features_mod = pytest.importorskip("owslib.ogcapi.features", reason="OWSLib : pip install -e '.[dev]'")


def test_owslib_reads_the_service(server: str) -> None:
    api = features_mod.Features(f"{server}/ogc")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    assert {c["id"] for c in api.collections()["collections"]} == {
        "resources",
        "qpv",
        "qpv-indicators",
        "communes-indicators",
        "sectors",
    }
    assert api.api()["openapi"].startswith("3.0")
    queryables = api.collection_queryables("resources")
    assert {"type", "territory", "insee_com"} <= set(queryables["properties"])


def test_owslib_items_agree_with_api_resources(server: str) -> None:
    api = features_mod.Features(f"{server}/ogc")
    box = [6.10, 49.05, 6.25, 49.15]
    page = api.collection_items("resources", bbox=box, limit=5000)
    expected = httpx.get(
        f"{server}/api/resources", params={"bbox": ",".join(map(str, box)), "limit": 5000}, timeout=60
    ).json()
    assert {f["id"] for f in page["features"]} == {f["id"] for f in expected["features"]}
    assert page["numberMatched"] == expected["numberMatched"] > 0
    cmp = api.collection_items("resources", type="CMP", limit=5000, datetime_="2020-01-01/..")
    cmps = httpx.get(f"{server}/api/resources", params={"type": "CMP", "limit": 5000}, timeout=60).json()
    assert {f["id"] for f in cmp["features"]} == {f["id"] for f in cmps["features"]}
    assert cmp["numberMatched"] == cmps["numberMatched"] > 0  # a valid datetime keeps every item
    one = api.collection_item("resources", page["features"][0]["id"])
    assert one["id"] == page["features"][0]["id"]
    assert any(lk["rel"] == "alternate" and lk["type"] == "text/html" for lk in one["links"])


def test_owslib_unknown_parameter_is_refused(server: str) -> None:
    api = features_mod.Features(f"{server}/ogc")
    with pytest.raises(RuntimeError, match="paramètre inconnu : not_a_parameter"):  # OWSLib: the 400's body
        api.collection_items("resources", not_a_parameter="1")
