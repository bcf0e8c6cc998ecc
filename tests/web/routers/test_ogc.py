"""OGC API – Features under /ogc: every declared conformance class is exercised here
(core, geojson, html, oas30, Part 2 crs), and results are compared with /api/resources,
the catalog and pyproj, not with the code that serves them."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import Feature, FeatureCollection
from openapi_spec_validator import validate
from pyproj import Transformer

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.lifecycle import install_engine

CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
DECLARED = {
    CONF + "core",
    CONF + "geojson",
    CONF + "html",
    CONF + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}
COLLECTIONS = ("resources", "qpv", "qpv-indicators", "communes-indicators", "sectors")


def _walk(client: TestClient, url: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every feature reached by following ``next`` links from the first page."""
    feats: list[dict[str, Any]] = []
    r = client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/geo+json")
        body = r.json()
        FeatureCollection.model_validate(body)
        assert body["numberReturned"] == len(body["features"])
        feats += body["features"]
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        if not nxt:
            assert len(feats) == body["numberMatched"]
            return feats
        r = client.get(nxt[0])


def _api_ids(client: TestClient, **params: Any) -> set[str]:
    r = client.get("/api/resources", params={"limit": 5000, **params})
    assert r.status_code == 200 and r.json()["numberMatched"] < 5000
    return {f["id"] for f in r.json()["features"]}


def test_landing_conformance_and_collections(client: TestClient) -> None:
    body = client.get("/ogc").json()
    rels = {lk["rel"]: lk for lk in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert set(client.get("/ogc/conformance").json()["conformsTo"]) == DECLARED
    colls = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in colls] == list(COLLECTIONS)
    for c in colls:
        assert c["itemType"] == "feature" and any(lk["rel"] == "items" for lk in c["links"])
        assert client.get(f"/ogc/collections/{c['id']}").json()["id"] == c["id"]
    metz = colls[0]["extent"]["spatial"]["bbox"][0]
    assert metz[0] < 6.17 < metz[2] and metz[1] < 49.11 < metz[3]


def test_paging_returns_every_resource_exactly_once(client: TestClient) -> None:
    feats = _walk(client, "/ogc/collections/resources/items", {"limit": 700})
    ids = [f["id"] for f in feats]
    assert len(ids) == len(set(ids))
    assert set(ids) == _api_ids(client)
    # prev goes back one page
    page2 = client.get("/ogc/collections/resources/items", params={"limit": 700, "offset": 700}).json()
    prev = next(lk["href"] for lk in page2["links"] if lk["rel"] == "prev")
    assert [f["id"] for f in client.get(prev).json()["features"]] == ids[:700]


@pytest.mark.parametrize("collection", COLLECTIONS[1:])
def test_paging_other_collections(client: TestClient, catalog: Catalog, engine: Engine, collection: str) -> None:
    ids = [f["id"] for f in _walk(client, f"/ogc/collections/{collection}/items", {"limit": 7})]
    assert len(ids) == len(set(ids))
    n_qpv = len(catalog.qpv)
    n_types = len(engine.access["metz"].types)  # the place types (national lines have no indicators)
    pilots_communes = catalog.communes[catalog.communes["territory"].isin(["metz", "angouleme"])]
    expected = {
        "qpv": n_qpv,
        "qpv-indicators": n_qpv * n_types,
        "communes-indicators": len(pilots_communes) * n_types,
        "sectors": 0,  # the shipped layers hold no sector (no public source)
    }
    assert len(ids) == expected[collection]


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "6.10,49.05,6.25,49.15"},
        {"type": "CMP"},
        {"type": "GEM", "bbox": "0.05,45.55,0.25,45.70"},
        {"type": "CMP_ENFANT", "territory": "france"},
        {"insee_com": "57463"},
    ],
)
def test_filters_agree_with_api_resources(client: TestClient, params: dict[str, str]) -> None:
    ogc_ids = {f["id"] for f in _walk(client, "/ogc/collections/resources/items", {"limit": 5000, **params})}
    api_params = {("commune" if k == "insee_com" else k): v for k, v in params.items()}
    assert ogc_ids == _api_ids(client, **api_params)
    assert ogc_ids


def test_indicator_filters(client: TestClient, catalog: Catalog, engine: Engine) -> None:
    metz_qpv = set(catalog.qpv[catalog.qpv["territory"] == "metz"]["code_qp"])
    feats = _walk(client, "/ogc/collections/qpv-indicators/items", {"territory": "metz", "type": "CMP_ENFANT"})
    assert {f["properties"]["code_qp"] for f in feats} == metz_qpv and len(feats) == len(metz_qpv)
    gaps = client.get("/api/gaps", params={"territory": "metz", "type": "CMP_ENFANT"}).json()["rows"]
    by_qp = {row["code_qp"]: row for row in gaps}
    for f in feats:
        assert f["properties"]["mean_m"] == pytest.approx(by_qp[f["properties"]["code_qp"]]["mean_m"])
    feats = _walk(client, "/ogc/collections/communes-indicators/items", {"insee_com": "57463"})
    assert len(feats) == len(engine.access["metz"].types) and {f["properties"]["nom"] for f in feats} == {"Metz"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in feats)


def test_feature_by_id_is_the_public_view(client: TestClient, catalog: Catalog) -> None:
    res = catalog.resources_by_id["ang-gem-suis-ton-chemin"]
    r = client.get("/ogc/collections/resources/items/ang-gem-suis-ton-chemin")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    f = Feature.model_validate(r.json())
    assert f.properties is not None
    # one property per public model field (the audience split into its three parts; positions are the
    # geometry; internal notes never leave the building)
    fields = set(Resource.model_fields) - {"audience", "position", "commune_position", "service_area", "notes"}
    assert fields <= set(f.properties)
    assert {"audience_age_min", "audience_age_max", "audience_groups"} <= set(f.properties)
    assert "notes" not in f.properties
    assert f.properties["street"] is None and f.properties["position_precision"] == "commune"
    assert res.commune_position is not None
    assert r.json()["geometry"]["coordinates"] == pytest.approx([res.commune_position.lon, res.commune_position.lat])
    qp = catalog.qpv.iloc[0]["code_qp"]
    assert client.get(f"/ogc/collections/qpv/items/{qp}").json()["properties"]["code_qp"] == qp
    assert client.get(f"/ogc/collections/qpv-indicators/items/{qp}-CMP").json()["properties"]["resource_type"] == "CMP"


def test_crs_lambert93(client: TestClient) -> None:
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    l93 = "http://www.opengis.net/def/crs/EPSG/0/2154"
    base = client.get("/ogc/collections/resources/items", params={"territory": "metz", "limit": 50})
    assert base.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    r = client.get("/ogc/collections/resources/items", params={"territory": "metz", "limit": 50, "crs": l93})
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{l93}>"
    for a, b in zip(base.json()["features"], r.json()["features"], strict=True):
        if a["geometry"] is None:
            assert b["geometry"] is None
            continue
        x, y = to_l93.transform(*a["geometry"]["coordinates"])
        assert b["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)
    # bbox-crs: a Lambert-93 box around Metz selects what pyproj places inside it
    box = (925_000.0, 6_885_000.0, 937_000.0, 6_895_000.0)
    inside = set()
    for f in _walk(client, "/ogc/collections/resources/items", {"limit": 5000}):
        if f["geometry"] is not None:
            x, y = to_l93.transform(*f["geometry"]["coordinates"])
            if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                inside.add(f["id"])
    params = {"bbox": ",".join(str(v) for v in box), "bbox-crs": l93, "limit": 5000}
    got = {f["id"] for f in client.get("/ogc/collections/resources/items", params=params).json()["features"]}
    assert got == inside and len(inside) >= 5


def test_html(client: TestClient) -> None:
    for url in ("/ogc", "/ogc/collections", "/ogc/collections/qpv", "/ogc/collections/qpv/items"):
        r = client.get(url, params={"f": "html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert 'lang="fr"' in r.text and "3114" in r.text and "<script" not in r.text
    r = client.get("/ogc/collections/resources/items/metz-cmp-cattp-adultes-gambetta", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html") and "CMP adultes" in r.text


def test_openapi_30_definition(client: TestClient) -> None:
    spec = client.get("/ogc/api").json()
    assert spec["openapi"].startswith("3.0")
    validate(spec)
    items = spec["paths"]["/ogc/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000 and "400" in items["responses"]


def test_errors_in_french(client: TestClient) -> None:
    r = client.get("/ogc/collections/nope/items")
    assert r.status_code == 404 and "collection inconnue" in r.json()["detail"]
    r = client.get("/ogc/collections/resources/items/nope")
    assert r.status_code == 404 and "objet inconnu" in r.json()["detail"]
    for params in ({"bbox": "1,2"}, {"bbox": "5,49,4,50"}, {"crs": "EPSG:3857"}, {"limit": 0}, {"type": "XX"}):
        r = client.get("/ogc/collections/resources/items", params=params)
        assert r.status_code == 400, params  # Part 1: an invalid parameter value is a 400
        assert r.json()["detail"]
    r = client.get("/ogc/collections/qpv/items", params={"type": "CMP"})
    assert r.status_code == 400 and "filtre sans objet" in r.json()["detail"]
    # Part 1: a limit above the maximum is not an error, the maximum applies
    r = client.get("/ogc/collections/resources/items", params={"limit": 20_000})
    assert r.status_code == 200 and r.json()["numberReturned"] == min(r.json()["numberMatched"], 10_000)
    r = client.get("/ogc/collections/qpv/items", params={"territory": "lyon"})
    assert r.status_code == 404 and "territoire inconnu" in r.json()["detail"]


def test_served_live_from_the_swapped_engine(engine: Engine) -> None:
    """An editor's change arrives as a new engine: /ogc serves it, with the same privacy rules."""
    synthetic = Resource(
        id="synthetic-ogc-confidential",
        type=ResourceType.GEM,
        name="GEM synthétique (test)",
        street="3 rue Secrète",
        insee_com="57463",
        commune="Metz",
        confidential_address=True,
        position=Position(lon=6.2011, lat=49.1234, precision=PositionPrecision.ADDRESS, source="synthetic"),
        commune_position=Position(lon=6.1759, lat=49.1102, precision=PositionPrecision.COMMUNE, source="synthetic"),
        territory="metz",
        source="synthetic test fixture",
        last_verified=date(2026, 11, 1),
    )
    changed = Engine(dataclasses.replace(engine.catalog, resources=[*engine.catalog.resources, synthetic]))
    app = create_app(Settings(), engine=engine)
    with TestClient(app) as c:
        before = c.get("/ogc/collections/resources/items", params={"territory": "metz"}).json()["numberMatched"]
        install_engine(app, changed)  # the lifecycle's one swap, as after an editor's change
        after = c.get("/ogc/collections/resources/items", params={"territory": "metz"}).json()
        assert after["numberMatched"] == before + 1
        f = c.get("/ogc/collections/resources/items/synthetic-ogc-confidential").json()
        assert f["geometry"]["coordinates"] == [6.1759, 49.1102]
        assert f["properties"]["street"] is None
        assert "Secrète" not in c.get("/ogc/collections/resources/items/synthetic-ogc-confidential?f=html").text
