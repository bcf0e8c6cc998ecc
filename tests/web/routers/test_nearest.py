"""GET /api/nearest, /api/territories, /docs, and what the request log writes."""

import logging
import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import FeatureCollection
from pyproj import Geod

from geo_clsm.engine.core import Engine

BORNY = {"lat": 49.11296, "lon": 6.22361}  # a point inside QPV Borny (QN05720M)


def _ok(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/api/nearest", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    FeatureCollection.model_validate(body)
    return body


def test_point_query_sorted_with_metric_distances(client: TestClient, engine: Engine) -> None:
    body = _ok(client, **BORNY, k=10)
    feats = body["features"]
    assert len(feats) == 10
    d = [f["properties"]["distance_m"] for f in feats]
    assert d == sorted(d)
    geod = Geod(ellps="GRS80")
    for f in feats:
        lon, lat = f["geometry"]["coordinates"]
        _, _, true_d = geod.inv(BORNY["lon"], BORNY["lat"], lon, lat)
        assert f["properties"]["distance_m"] == pytest.approx(true_d, rel=0.005, abs=0.5)
        assert f["properties"]["walk_minutes"] == pytest.approx(f["properties"]["distance_m"] * 1.3 / 75, abs=0.1)
        assert f["properties"]["walk_minutes_is_estimate"] is True
    assert body["query"]["located_by"] == "coordinates"
    assert body["query"]["territory"] == "metz"
    assert body["query"]["commune"] == {"insee_com": "57463", "nom": "Metz"}
    assert body["query"]["qpv"] == {"code_qp": "QN05720M", "lib_qp": "Borny"}


def test_filters_for_a_15_year_old_in_borny(client: TestClient) -> None:
    feats = _ok(client, **BORNY, type="CMP", age=15, k=5)["features"]
    assert feats
    for f in feats:
        p = f["properties"]
        assert p["type"] in {"CMP", "CMP_ENFANT", "CMP_ADULTE", "HDJ", "HOPITAL_PSY"} or "CMP" in p["services"]
        assert p["type"] != "CMP_ADULTE"
        age = p["audience"]
        assert age["age_min"] is None or age["age_min"] <= 15
    assert feats[0]["id"] in {"metz-centre-winnicott-enfants", "metz-cmp-adolescents-moselle"}


def test_repeatable_type_and_max_distance(client: TestClient) -> None:
    feats = _ok(client, **BORNY, type=["GEM", "CSAPA"], k=50, max_distance_m=3000)["features"]
    assert all(f["properties"]["type"] in {"GEM", "CSAPA"} for f in feats)
    assert all(f["properties"]["distance_m"] <= 3000 for f in feats)


def test_open_at_marks_unknown_hours(client: TestClient) -> None:
    feats = _ok(client, **BORNY, open_at="2026-11-23T10:00:00+01:00")["features"]
    assert {f["properties"]["open_status"] for f in feats} == {"unknown"}


def test_commune_and_address_queries_say_how_they_were_located(client: TestClient) -> None:
    q = _ok(client, commune="Soyaux")["query"]
    assert (q["located_by"], q["method"], q["precision"], q["territory"]) == (
        "commune",
        "offline",
        "commune",
        "angouleme",
    )
    q = _ok(client, address="5 rue Francis Poulenc, 16800 Soyaux")["query"]
    assert (q["located_by"], q["precision"], q["insee_com"]) == ("address", "commune", "16374")
    q = _ok(client, commune="29019")["query"]  # Brest: the national layer answers
    assert q["territory"] == "france" and q["qpv"] is None


def test_every_resource_carries_qpv_and_commune(client: TestClient) -> None:
    feats = client.get("/api/resources", params={"territory": "metz"}).json()["features"]
    assert all("qpv" in f["properties"] and "insee_com" in f["properties"] for f in feats)
    in_qpv = client.get("/api/resources", params={"qpv": "QN05718M"}).json()["features"]
    assert all(f["properties"]["qpv"]["code_qp"] == "QN05718M" for f in in_qpv)
    assert client.get("/api/resources", params={"qpv": "QN00000X"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"lat": 95, "lon": 6.1}, 422, "lat"),
        ({"lat": 49.1, "lon": 200}, 422, "lon"),
        ({"lat": 49.1}, 422, "lat et lon"),
        ({}, 422, "une seule position"),
        ({"lat": 49.1, "lon": 6.2, "commune": "Metz"}, 422, "une seule position"),
        ({"lat": 49.1, "lon": 6.2, "type": "CLINIQUE"}, 422, "CLINIQUE"),
        ({"lat": 49.1, "lon": 6.2, "k": 51}, 422, "maximum 50"),
        ({"lat": 49.1, "lon": 6.2, "k": 0}, 422, "minimum 1"),
        ({"lat": 49.1, "lon": 6.2, "open_at": "lundi"}, 422, "AAAA-MM-JJ"),
        ({"lat": 49.1, "lon": 6.2, "age": -1}, 422, "age"),
        ({"lat": 49.1, "lon": 6.2, "max_distance_m": 0}, 422, "max_distance_m"),
        ({"lat": 52.52, "lon": 13.40}, 404, "hors des territoires"),
        ({"commune": "Atlantis"}, 404, "introuvable"),
        ({"commune": "Sainte-Marie"}, 409, "département"),  # homonyms: candidates to choose from (issue 17)
    ],
)
def test_bad_input_is_4xx_with_a_french_message(
    client: TestClient, params: dict[str, Any], status: int, fragment: str
) -> None:
    r = client.get("/api/nearest", params=params)
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]
    if status == 404 and "hors" in fragment:
        assert any(t.startswith("metz") for t in r.json()["territories"])


def test_confidential_resource_in_nearest(client: TestClient) -> None:
    feats = _ok(client, commune="Angoulême", type="GEM", k=5)["features"]
    gem = next(f for f in feats if f["id"] == "ang-gem-suis-ton-chemin")
    assert gem["properties"]["street"] is None and gem["properties"]["position_precision"] == "commune"


def test_territories(client: TestClient) -> None:
    terr = {t["id"]: t for t in client.get("/api/territories").json()}
    assert terr["metz"]["qpv"] == 8 and terr["angouleme"]["qpv"] == 5
    x0, y0, x1, y1 = terr["metz"]["bbox"]
    assert x0 < 6.1757 < x1 and y0 < 49.1196 < y1


def test_docs_work_offline(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "cdn" not in html.lower()
    for u in urls:
        assert client.get(u).status_code == 200


def test_openapi_parameters_have_descriptions_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        for p in ops.get("get", {}).get("parameters", []):
            assert p.get("description"), (path, p["name"])
            if p["name"] != "format":
                assert p.get("examples") or p["schema"].get("examples") or p.get("example"), (path, p["name"])
            checked += 1
    assert checked > 25


def test_position_is_logged_at_2_decimals_at_most(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="geo_clsm.requests")
    client.get("/api/nearest", params={"lat": 49.123456, "lon": 6.234567, "k": 1})
    client.get("/api/nearest", params={"address": "20 rue Gambetta, 57000 Metz"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "lat=49.12" in text and "lon=6.23" in text
    assert "49.123" not in text and "6.234" not in text and "Gambetta" not in text
    assert re.findall(r"\d+\.\d{3,}", text) == []  # no number logged with 3 decimals or more


def test_index_is_built_once(client: TestClient, engine: Engine) -> None:
    before = id(engine.index)
    for _ in range(3):
        client.get("/api/nearest", params=BORNY)
    assert id(client.app.state.engine.index) == before  # type: ignore[attr-defined]
    assert np.isfinite(len(engine.index))


def test_nearest_documents_every_parameter_it_parses(client: TestClient) -> None:
    """The route parses its query string itself: its OpenAPI parameters still list each one."""
    from dataclasses import fields

    from geo_clsm.web.routers.nearest import NearestParams

    op = client.get("/openapi.json").json()["paths"]["/api/nearest"]["get"]
    assert [p["name"] for p in op["parameters"]] == [f.name for f in fields(NearestParams)]
    assert all(p["in"] == "query" and p["description"] for p in op["parameters"])


def test_nearest_repeated_and_invalid_parameters(client: TestClient) -> None:
    r = client.get("/api/nearest", params=[("lat", "49.12"), ("lon", "6.18"), ("k", "9"), ("k", "2")])
    assert r.status_code == 200 and r.json()["numberReturned"] <= 2  # the last value wins, as before
    r = client.get("/api/nearest", params={"lat": "49.12", "lon": "6.18", "type": "NOPE"})
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "type.0"
    assert r.json()["detail"].startswith("paramètre invalide")
