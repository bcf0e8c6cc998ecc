"""``GEO_CLSM_QUERY_BACKEND=postgis``: the API answers from PostGIS what it answers from memory."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_clsm.engine.core import Engine
from geo_clsm.engine.postgis.backend import PostgisBackend
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.web.app import create_app

pytestmark = pytest.mark.pg  # every test here needs PostgreSQL + PostGIS

LAYERS = Path(__file__).resolve().parents[2] / "layers"


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = os.environ.get("GEO_CLSM_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GEO_CLSM_TEST_PG_URL is not set: run the tests through `make test`, which starts PostgreSQL")
        pytest.skip("GEO_CLSM_TEST_PG_URL is not set (run `make test` to start a PostgreSQL)")
    eng = connect(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    eng.dispose()
    return url


@pytest.fixture(scope="module")
def clients(engine: Engine, pg_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    common: dict[str, Any] = {"data_dir": LAYERS, "database_url": pg_url, "reload_interval_s": 0}
    memory = create_app(Settings(**common, query_backend="memory"), engine=engine)
    postgis = create_app(Settings(**common, query_backend="postgis"), engine=engine)
    with TestClient(memory) as a, TestClient(postgis) as b:
        yield a, b


QUERIES = [
    "/api/nearest?lat=49.1197&lon=6.1955",
    "/api/nearest?lat=49.1197&lon=6.1955&type=CMP&age=15&k=8",
    "/api/nearest?lat=45.6484&lon=0.156&type=GEM&lang_spoken=fr",
    "/api/nearest?lat=-20.89&lon=55.45&k=10",
    "/api/nearest?lat=48.85&lon=2.35&type=MDA&max_distance_m=2000",
    "/api/nearest?commune=Angoul%C3%AAme&type=CMP_ENFANT",
    "/api/nearest?lat=45.0&lon=-30.0",
    "/api/nearest?lat=49.08839&lon=6.33054",  # between two generalised outlines: the nearest commune
    "/api/nearest?lat=-21.18048&lon=55.49209&type=CMP",
    "/api/resources?bbox=6.0,49.0,6.35,49.25&type=CMP",
    "/api/resources?bbox=55.2,-21.4,55.9,-20.8",
    "/api/resources?territory=metz&q=cmp&limit=50",
    "/recherche?q=Borny&situation=urgence",
    "/ogc/collections/resources/items?bbox=6.0,49.0,6.35,49.25&type=CMP&limit=20",
    "/ogc/collections/resources/items?territory=metz&offset=10&limit=5",
    "/ogc/collections/resources/items?bbox=640000,6840000,700000,6900000"
    "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2154&limit=50",
    "/ogc/collections/resources/items?insee_com=16015&type=GEM",
]

# Indicators: PostGIS measures them on the database of record (first call: tens of seconds).
INDICATOR_QUERIES = [
    "/api/qpv",
    "/api/qpv?territory=metz&type=CMP&known_audience_only=true",
    "/api/qpv/QN05720M",
    "/api/qpv/QN01603M?known_audience_only=true",
    "/api/gaps",
    "/api/gaps?territory=angouleme&type=GEM&only_zones_blanches=true",
    "/api/gaps?format=csv&type=CMP_ENFANT",
]


@pytest.mark.parametrize("url", QUERIES)
def test_same_response_from_both_backends(clients: tuple[TestClient, TestClient], url: str) -> None:
    memory, postgis = clients
    a, b = memory.get(url), postgis.get(url)
    assert b.status_code == a.status_code
    if a.headers["content-type"].startswith(("application/json", "application/geo+json")):
        x, y = a.json(), b.json()
        for body in (x, y):
            body.pop("timeStamp", None)  # OGC: when the answer was made
        assert y == x
    else:
        assert b.text.replace(_nonce(b.text), "") == a.text.replace(_nonce(a.text), "")


@pytest.mark.parametrize("url", INDICATOR_QUERIES)
def test_same_indicators_from_both_backends(clients: tuple[TestClient, TestClient], url: str) -> None:
    """The figures as published (rounded by ``present``) from the engine and from PostGIS: equal,
    within 0.1 % where a figure sits on a rounding step."""
    memory, postgis = clients
    a, b = memory.get(url), postgis.get(url)
    assert a.status_code == b.status_code == 200
    if "csv" in url:
        x, y = (list(csv.reader(io.StringIO(r.text))) for r in (a, b))
        assert len(x) > 1 and y[0] == x[0] and len(y) == len(x)
        for rx, ry in zip(x[1:], y[1:], strict=True):
            assert _close([_num(v) for v in ry], [_num(v) for v in rx], rel=1e-3)
        return
    assert _close(b.json(), a.json(), rel=1e-3)


def _num(v: str) -> Any:
    try:
        return float(v)
    except ValueError:
        return v


def _close(got: Any, want: Any, *, rel: float) -> bool:
    """Same structure and texts; numbers within ``rel`` (or one unit of their last rounding step)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), (got, want)
        return all(_close(got[k], want[k], rel=rel) for k in want)
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        return all(_close(g, w, rel=rel) for g, w in zip(got, want, strict=True))
    if isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        step = 0.01 if abs(want) < 1 else 1.0  # present() rounds shares to 0.01 or less, metres to 1
        assert got == pytest.approx(want, rel=rel, abs=step), (got, want)
        return True
    assert got == want
    return True


def test_postgis_app_measures_indicators_with_postgis(clients: tuple[TestClient, TestClient]) -> None:
    """The PostGIS app's indicators are its backend's, not the engine's own table."""
    memory, postgis = clients
    assert postgis.get("/api/gaps?territory=metz").status_code == 200
    app: Any = postgis.app
    backend = app.state.backend_for(app.state.engine)
    access = backend.indicators()
    assert access is not app.state.engine.access and sorted(access) == ["angouleme", "metz"]
    mem_app: Any = memory.app
    assert mem_app.state.engine.access is app.state.engine.access  # one shared engine: only the backend differs


def _nonce(html: str) -> str:
    at = html.find('nonce="')
    return "" if at < 0 else html[at + 7 : html.find('"', at + 7)]


def test_postgis_app_serves_with_the_postgis_backend(clients: tuple[TestClient, TestClient]) -> None:
    _, postgis = clients
    app: Any = postgis.app
    assert isinstance(app.state.backend_for(app.state.engine), PostgisBackend)


def test_postgis_backend_on_sqlite_refused_at_start(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=LAYERS, database_url=f"sqlite:///{tmp_path / 'x.db'}", query_backend="postgis")
    with pytest.raises(Exception, match="PostgreSQL"), TestClient(create_app(settings, engine=engine)):
        pass


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_same_batch_from_both_backends(clients: tuple[TestClient, TestClient], fmt: str) -> None:
    """POST /api/nearest/batch answers each point through the app's backend (in the heavy-work pool)."""
    points = [{"id": "borny", "lat": 49.11296, "lon": 6.22361}, {"id": "angouleme", "lat": 45.6487, "lon": 0.156}]
    points.append({"id": "berlin", "lat": 52.5, "lon": 13.4})
    a, b = (c.post("/api/nearest/batch", json={"points": points}, params={"k": 4, "format": fmt}) for c in clients)
    assert a.status_code == b.status_code == 200
    if fmt == "csv":
        assert b.text == a.text and a.text.count("\n") == 4 + 4 + 1 + 1  # header, 4 + 4 resources, berlin
    else:
        assert b.json() == a.json() and a.json()["count"] == 3


@st.composite
def _boxes(draw: st.DrawFn, placed: list[tuple[str, float, float]]) -> tuple[float, float, float, float]:
    """Boxes around Metz or over France, an edge often on a resource's published coordinates."""
    lo_x, hi_x, lo_y, hi_y = draw(st.sampled_from([(5.9, 6.5, 48.9, 49.3), (-5.0, 9.6, 41.3, 51.1)]))

    def coordinate(axis: int, lo: float, hi: float) -> float:
        if draw(st.booleans()):
            return float(draw(st.sampled_from(placed))[axis + 1])
        return draw(st.floats(lo, hi, allow_nan=False))

    xs = sorted([coordinate(0, lo_x, hi_x), coordinate(0, lo_x, hi_x)])
    ys = sorted([coordinate(1, lo_y, hi_y), coordinate(1, lo_y, hi_y)])
    return xs[0], ys[0], xs[1] + (xs[0] == xs[1]) * 1e-6, ys[1] + (ys[0] == ys[1]) * 1e-6


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_bbox_selects_as_brute_force_from_both_backends(
    clients: tuple[TestClient, TestClient], engine: Engine, data: st.DataObject
) -> None:
    """``/ogc`` items and ``/api/resources`` with a bbox, from memory and from PostGIS (GiST ``&&`` then
    the one Area rule): the ids, order and counts of a brute-force pass over the published positions."""
    placed = [(r.id, round(p.lon, 6), round(p.lat, 6)) for r in engine.catalog.resources if (p := r.public_position())]
    x0, y0, x1, y1 = box = data.draw(_boxes(placed))
    want = [rid for rid, x, y in placed if x0 <= x <= x1 and y0 <= y <= y1]
    text = ",".join(repr(v) for v in box)
    for client in clients:
        ogc = client.get("/ogc/collections/resources/items", params={"bbox": text, "limit": 10_000}).json()
        assert [f["id"] for f in ogc["features"]] == want and ogc["numberMatched"] == len(want)
        api = client.get("/api/resources", params={"bbox": text, "limit": 5000}).json()
        assert [f["id"] for f in api["features"]] == want and api["numberMatched"] == len(want)
