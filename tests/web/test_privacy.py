"""Privacy, proven: a confidential resource never shows its street or a position other than its
commune's public point, on any public endpoint or export format; logs hold no precise position,
no typed address, no body.

The engine holds the shipped Metz layers plus ``syn-confidential`` from
tests/data/synthetic_resources.csv: a synthetic GEM at « 3 rue Secrète », at a true position
(6.18327, 49.10463) that is not its commune's town hall. Every operation of the OpenAPI document
is called (path parameters filled with the confidential resource where they take one), in every
format it offers, and each answer is searched for the street and the true position (in WGS84
at 3 or more decimals, and in Lambert-93 to the metre).
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.resources import import_resources
from geo_clsm.data.layers import merge_resources
from geo_clsm.engine.core import Engine
from geo_clsm.exports.hsds import hsds_tables
from geo_clsm.model.resource import Resource
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

SECRET_ID = "syn-confidential"
STREET = "rue Secrète"
TRUE_LON, TRUE_LAT = 6.18327, 49.10463  # synthetic: moved off the CSV point, shared with a real CMP

# Query strings tried on every GET operation, beside its defaults (formats, CRS, paging).
VARIANTS = [
    {},
    {"format": "csv"},
    {"format": "csv-fr"},  # the French dialect writes decimal commas: the patterns below take both
    {"format": "xlsx"},  # a zip of XML sheets: every member is searched
    {"f": "json"},
    {"f": "html"},
    {"limit": 10000},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/2154", "limit": 10000},
]
EXTRA = [  # operations with parameters that bring the confidential resource into the answer
    ("GET", "/api/nearest", {"lat": 49.115, "lon": 6.18, "k": 50}),
    ("GET", "/api/nearest", {"lat": 49.115, "lon": 6.18, "k": 50, "type": "GEM"}),
    ("GET", "/api/nearest", {"commune": "Metz", "type": "GEM", "k": 50}),
    ("GET", "/api/nearest", {"address": "3 rue Secrète Metz", "type": "GEM"}),
    ("GET", "/api/resources", {"q": "discret"}),
    ("GET", "/api/resources", {"type": "GEM", "format": "csv"}),
    ("GET", "/api/resources", {"bbox": "6.17,49.10,6.19,49.12"}),
    ("GET", "/ogc/collections/resources/items", {"bbox": "6.17,49.10,6.19,49.12", "limit": 10000}),
    ("GET", "/ogc/collections/resources/items", {"insee_com": "57463", "f": "html", "limit": 10000}),
    ("GET", "/planning", {"territory": "metz", "type": "GEM"}),
    ("GET", "/", {"territory": "metz"}),
    ("GET", "/ogc/api", {}),
    ("GET", "/guide/metz", {"audience": "professionnels"}),
    ("GET", "/guide/metz", {"audience": "jeunes", "layout": "a5"}),
]
SCENARIOS = [
    {"territory": "metz", "changes": [{"action": "remove", "id": SECRET_ID}]},
    {"territory": "metz", "changes": [{"action": "move", "id": SECRET_ID, "lon": 6.19, "lat": 49.12}]},
    {"territory": "metz", "changes": [{"action": "add", "type": "GEM", "lon": 6.2236, "lat": 49.1130}]},
]


@pytest.fixture(scope="module", autouse=True)
def _test_database(database_url: str) -> Iterator[None]:
    """Apps built here use the session's temporary database of record."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GEO_CLSM_DATABASE_URL", database_url)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def secret_engine(catalog: Catalog, data_dir: Path) -> Engine:
    rep = import_resources(data_dir / "synthetic_resources.csv", communes=catalog.mairies, territory="metz")
    (base,) = [r for r in rep.records if r.id == SECRET_ID]
    assert base.position is not None
    moved = base.position.model_copy(update={"lon": TRUE_LON, "lat": TRUE_LAT})
    synthetic = [base.model_copy(update={"position": moved})]
    metz = [r for r in catalog.resources if r.territory == "metz"]
    merged, _ = merge_resources({"metz": metz + synthetic}, {"metz": catalog.territories["metz"]})
    return Engine(
        Catalog(
            data_dir=catalog.data_dir,
            layers=catalog.layers,
            territories={"metz": catalog.territories["metz"]},
            resources=merged,
            qpv=catalog.qpv[catalog.qpv.territory == "metz"],
            communes=catalog.communes[catalog.communes.territory == "metz"],
            mairies=catalog.mairies,
        )
    )


@pytest.fixture(scope="module")
def secret(secret_engine: Engine) -> Resource:
    res = secret_engine.catalog.resources_by_id[SECRET_ID]
    assert res.confidential_address and res.street and STREET in res.street
    assert res.position and (res.position.lon, res.position.lat) == (TRUE_LON, TRUE_LAT)
    pub = res.public_position()
    assert pub and abs(pub.lon - TRUE_LON) + abs(pub.lat - TRUE_LAT) > 0.002  # the town hall is elsewhere
    return res


@pytest.fixture(scope="module")
def secret_client(secret_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(rate_limits={"scenarios": 0})
    with TestClient(create_app(settings, engine=secret_engine)) as c:
        yield c


def _leak_patterns() -> list[re.Pattern[str]]:
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(TRUE_LON, TRUE_LAT)
    return [
        re.compile(re.escape(STREET), re.I),
        re.compile(r"rue%20Secr|rue\+Secr|Secr%C3%A8te", re.I),
        re.compile(r"6[.,]1832[0-9]*|6[.,]183\b"),  # true longitude at 3 decimals or more (dot or comma)
        re.compile(r"49[.,]1046[0-9]*|49[.,]105\b"),  # true latitude
        re.compile(rf"\b{int(x)}([.,]\d+)?\b"),  # Lambert-93, metre
        re.compile(rf"\b{int(y)}([.,]\d+)?\b"),
    ]


def _texts(body: bytes, content_type: str) -> list[str]:
    if "zip" in content_type or body.startswith(b"PK\x03\x04"):  # zip, or an XLSX workbook
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return [z.read(n).decode("utf-8") for n in z.namelist()]
    if content_type.startswith("image/"):  # a chart: its raw bytes (text chunks included) are searched too
        return [body.decode("latin-1")]
    return [body.decode("utf-8")]


def _assert_no_leak(label: str, body: bytes, content_type: str) -> None:
    for text in _texts(body, content_type):
        for pat in _leak_patterns():
            m = pat.search(text)
            assert m is None, f"{label}: « {text[max(0, m.start() - 80) : m.end() + 80]} »"


def test_the_detector_finds_the_secret_in_the_raw_record(secret: Resource) -> None:
    """The test can fail: the full record (internal view) does contain what must not leave."""
    raw = json.dumps(secret.model_dump(mode="json"), ensure_ascii=False).encode()
    with pytest.raises(AssertionError):
        _assert_no_leak("raw", raw, "application/json")


def _fill(path: str, secret_engine: Engine) -> str:
    code_qp = str(secret_engine.catalog.qpv["code_qp"].iloc[0])
    values = {
        "resource_id": SECRET_ID,
        "featureId": SECRET_ID,
        "collectionId": "resources",
        "territory": "metz",
        "code_qp": code_qp,
        "sector_id": "FICTIF-57G01",  # none loaded here: a 404, which must leak nothing either
        "job_id": "calcul-inconnu",  # no suggestion job here: a 404, which must leak nothing either
    }
    if path.startswith("/hsds/"):  # the HSDS ids of the secret resource's service and service_at_location
        tables = hsds_tables([secret_engine.catalog.resources_by_id[SECRET_ID]])
        values["id"] = tables["service_at_location" if "service_at_locations" in path else "service"][0]["id"]
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"add a value for the path parameter of {path} to this test"
    return path


def test_every_operation_in_every_format(secret_client: TestClient, secret_engine: Engine, secret: Resource) -> None:
    spec = secret_client.get("/openapi.json").json()
    calls: list[tuple[str, str, dict[str, object]]] = []
    for path, ops in spec["paths"].items():
        if "/admin" in path or path.rsplit("/", 1)[-1] in ("login", "logout", "me"):
            continue  # editors' operations need a session: not public
        if "get" in ops:
            filled = _fill(path, secret_engine)
            calls += [("GET", filled, v) for v in VARIANTS]
            if "{collectionId}" in path:
                for coll in ("qpv", "qpv-indicators", "communes-indicators", "sectors"):
                    calls.append(("GET", filled.replace("/resources", "/" + coll, 1), {}))
        elif not set(ops) <= {"post", "put", "patch", "delete"}:
            raise AssertionError(f"{path}: a new method, add it to this test")
    calls += EXTRA
    seen_public_point = 0
    ok = 0
    for method, path, params in calls:
        r = secret_client.request(method, path, params=params)
        assert r.status_code < 500, (path, params, r.text[:300])
        ok += r.status_code == 200
        _assert_no_leak(f"{method} {path} {params}", r.content, r.headers.get("content-type", ""))
        seen_public_point += SECRET_ID in r.text
    assert ok > 40 and seen_public_point > 5  # the answers did contain the confidential resource
    for body in SCENARIOS:
        r = secret_client.post("/api/scenarios", json=body)
        assert r.status_code == 200, r.text
        _assert_no_leak(f"POST /api/scenarios {body}", r.content, "application/json")


def test_the_confidential_resource_is_at_its_commune_point(secret_client: TestClient, secret: Resource) -> None:
    pub = secret.public_position()
    assert pub is not None
    feat = secret_client.get(f"/api/resources/{SECRET_ID}").json()
    assert feat["geometry"]["coordinates"] == pytest.approx([pub.lon, pub.lat], abs=1e-6)
    assert not feat["properties"].get("street")
    ogc = secret_client.get(f"/ogc/collections/resources/items/{SECRET_ID}").json()
    assert ogc["geometry"]["coordinates"] == pytest.approx([pub.lon, pub.lat], abs=1e-6)
    markers = secret_client.get("/api/markers").json()
    row = next(m for m in markers["markers"] if m[0] == SECRET_ID)
    assert row[2:4] == pytest.approx([pub.lon, pub.lat], abs=1e-5) and row[4] == 1  # approx: commune precision
    near = secret_client.get("/api/nearest", params={"lat": 49.115, "lon": 6.18, "k": 50, "type": "GEM"}).json()
    hit = next(f for f in near["features"] if f["id"] == SECRET_ID)
    assert hit["geometry"]["coordinates"] == pytest.approx([pub.lon, pub.lat], abs=1e-6)


# --- logs -------------------------------------------------------------------------------------

TYPED_ADDRESS = "17 impasse des Glycines Metz"
SECRET_WORDS = ["Glycines", "motdepasse-tres-secret", "je ne vais pas bien du tout"]


def test_logs_hold_no_precise_position_no_typed_text_no_body(
    secret_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_client.get("/api/nearest", params={"lat": 49.123456, "lon": 6.171234, "k": 3})
    secret_client.get("/api/nearest", params={"address": TYPED_ADDRESS})
    secret_client.get("/api/geocode", params={"q": TYPED_ADDRESS})
    secret_client.get("/api/resources", params={"q": TYPED_ADDRESS})
    secret_client.get("/api/nearest", params={"lat": "49.123456abc", "lon": 6.171234})  # invalid: 422
    secret_client.post(
        "/api/scenarios",
        json={"territory": "metz", "changes": [{"action": "add", "type": "GEM", "lon": 6.171234, "lat": 49.123456}]},
    )
    # a body with what a login or a public report would carry (those routes are being built)
    secret_client.post(
        "/api/scenarios",
        json={"password": "motdepasse-tres-secret", "message": "je ne vais pas bien du tout", "territory": "metz"},
    )
    # httpx's lines are the test client's own (the service calls out with urllib, which logs nothing)
    text = "\n".join(rec.getMessage() for rec in caplog.records if not rec.name.startswith(("httpx", "httpcore")))
    assert "/api/nearest" in text and "lat=49.12" in text  # the request log did write, rounded
    for pattern in (r"49\.123", r"6\.171", r"49\.1234", r"6\.1712"):
        assert not re.search(pattern, text), pattern
    for word in SECRET_WORDS:
        assert word not in text, word
