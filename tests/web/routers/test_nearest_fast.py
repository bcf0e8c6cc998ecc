"""The /api/nearest fast path (answered before routing) gives the FastAPI route's answers, byte for byte."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams
from starlette.types import Message, Receive, Scope, Send

from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.geojson import feature
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.routers import nearest as nearest_module
from geo_clsm.web.routers.nearest import NearestFastPath, parse_params, parse_query_string

LAYERS = Path(__file__).resolve().parents[3] / "layers"

QUERIES = [
    "lat=49.11296&lon=6.22361",  # Borny (a QPV)
    "lat=49.11296&lon=6.22361&k=50",
    "lat=45.6484&lon=0.1562&k=3",  # Angoulême
    "lat=49.1197&lon=6.1955&type=CMP&age=15",
    "lat=49.1197&lon=6.1955&type=GEM&type=CSAPA&max_distance_m=3000",
    "lat=49.1197&lon=6.1955&open_at=2026-11-23T10:00:00%2B01:00",
    "lat=49.1197&lon=6.1955&lang_spoken=en&k=2",
    "lat=49.1197&lon=6.1955&max_distance_m=10",  # nothing that near
    "lat=49.1197&lon=6.1955&type=EMPP&age=70",
    "commune=Metz&k=4",
    "commune=57463",
    # Errors: answered by the route (the fast path hands them over)
    "lat=49.1197",
    "lat=abc&lon=6.19",
    "lat=49.1197&lon=6.1955&k=500",
    "lat=48.0&lon=-30.0",  # outside every territory
    "commune=Saint-Martin",  # homonyms: 409 with candidates
    "commune=Metzzz",
    "address=20%20rue%20Gambetta%2C%2057000%20Metz",
    "",
]


@pytest.fixture(scope="module")
def route_only(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The same app without the fast path: every request goes through FastAPI's routing."""
    db = tmp_path_factory.mktemp("route-only") / "geo_clsm.db"
    app = create_app(Settings(data_dir=LAYERS, database_url=f"sqlite:///{db}"), engine=engine)
    app.user_middleware = [
        m for m in app.user_middleware if not (isinstance(m.cls, type) and issubclass(m.cls, NearestFastPath))
    ]
    assert len(app.user_middleware) == len(create_app(Settings()).user_middleware) - 1  # the fast path out
    with TestClient(app) as c:
        yield c


def _headers(r: Any) -> list[tuple[str, str]]:
    # The CSP nonce is drawn per response: compare the policy with it blanked out.
    return [
        (k, re.sub(r"'nonce-[^']+'", "'nonce-…'", v) if k == "content-security-policy" else v)
        for k, v in r.headers.multi_items()
    ]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_same_status_headers_and_bytes_as_the_route(
    client: TestClient, route_only: TestClient, query: str, method: str
) -> None:
    for encoding in ("identity", "gzip"):
        fast = client.request(method, f"/api/nearest?{query}", headers={"accept-encoding": encoding})
        slow = route_only.request(method, f"/api/nearest?{query}", headers={"accept-encoding": encoding})
        assert fast.status_code == slow.status_code, (query, fast.text)
        assert fast.content == slow.content  # decoded by the client when gzip-encoded
        assert _headers(fast) == _headers(slow)
        assert fast.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _run(fast: NearestFastPath, app: Any, query: bytes) -> tuple[list[Message], list[str]]:
    sent: list[Message] = []
    handed: list[str] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        handed.append(scope["query_string"].decode())

    fast.app = route
    scope = {"type": "http", "method": "GET", "path": "/api/nearest", "query_string": query, "headers": [], "app": app}
    asyncio.run(fast(scope, _receive, send))
    return sent, handed


def test_answers_before_routing_and_hands_errors_to_the_route(client: TestClient, engine: Engine) -> None:
    fast = NearestFastPath(lambda *a: None)  # type: ignore[arg-type]
    sent, handed = _run(fast, client.app, b"lat=49.11296&lon=6.22361&k=2")
    assert handed == []  # answered without the router
    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/json"
    body = orjson.loads(sent[1]["body"])
    assert [f["id"] for f in body["features"]] == [
        r.resource.id for r in engine.nearest(6.22361, 49.11296, NearestQuery(k=2))
    ]
    for query in (b"lat=49.1", b"lat=48.0&lon=-30.0", b"lat=1e999&lon=6.2"):
        sent, handed = _run(fast, client.app, query)
        assert sent == [] and handed == [query.decode()]  # nothing sent: the route answers


async def _send_nothing(message: Message) -> None:
    raise AssertionError(message)


def test_other_requests_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(f"{scope['method']} {scope['path']}")

    fast = NearestFastPath(inner)
    for method, path, query in (
        ("POST", "/api/nearest", b""),
        ("GET", "/api/nearest/batch", b""),
        ("GET", "/api/nearest/", b""),
        ("GET", "/api/nearest", b"address=20+rue+Gambetta+Metz"),  # may go to the BAN: asked once only
    ):
        scope = {"type": "http", "method": method, "path": path, "query_string": query}
        asyncio.run(fast(scope, _receive, _send_nothing))
    assert seen == ["POST /api/nearest", "GET /api/nearest/batch", "GET /api/nearest/", "GET /api/nearest"]


def test_cached_features_equal_features_built_afresh(engine: Engine) -> None:
    dynamic = {"distance_m": 12.5, "open_now": None}
    for r in engine.catalog.resources:
        expected = feature(r, {**engine.resource_extra(r), **dynamic})
        for _ in range(2):  # built, then from the cache
            got = engine.public_feature(r, dynamic)
            assert got == expected
            assert list(got["properties"]) == list(expected["properties"])  # same order, same bytes
    a = engine.public_feature(engine.catalog.resources[0], {"distance_m": 1.0})
    b = engine.public_feature(engine.catalog.resources[0], {"distance_m": 2.0})
    assert a["properties"]["distance_m"] == 1.0 and b["properties"]["distance_m"] == 2.0


_KEYS = ["lat", "lon", "k", "type", "age", "lang_spoken", "commune", "max_distance_m", "open_at", "x", ""]
_VALUES = ["49.1", "6.2", "-1", "5", "CMP", "GEM", "en", "Metz", "", "abc", "2026-11-23T10:00:00", "1e3"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_KEYS),
            st.one_of(st.sampled_from(_VALUES), st.text(alphabet="a1.=%+é&", max_size=4)),
            st.sampled_from(["=", ""]),
        ),
        max_size=6,
    ),
    st.sampled_from(["&", "&&"]),
)
def test_query_strings_split_as_query_params_splits_them(parts: list[tuple[str, str, str]], sep: str) -> None:
    qs = sep.join(f"{k}{eq}{v}" for k, v, eq in parts).encode("utf-8")
    expected: Any
    try:
        expected = parse_params(QueryParams(qs.decode("latin-1")))
    except RequestValidationError as exc:
        expected = exc.errors()
    try:
        got: Any = parse_query_string(qs)
    except RequestValidationError as exc:
        got = exc.errors()
    assert got == expected, qs


@pytest.mark.parametrize(
    ("query", "status", "answered"),
    [
        ("lat=49.1197", 422, 1),  # lat without lon: fails in the answer builder
        ("lat=48.0&lon=-30.0", 404, 1),  # outside every territory: fails in the backend
        ("lat=abc&lon=6.19", 422, 0),  # fails in the parser
        ("commune=Metzzz", 404, 1),  # unknown commune: fails in the geocoder
    ],
)
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_a_failing_request_is_computed_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, query: str, status: int, answered: int, encoding: str
) -> None:
    """The fast path hands its failure to the route, which raises it: parsed once, answered once."""
    calls: list[str] = []

    def spy(name: str, fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(nearest_module, "parse_query_string", spy("parse", nearest_module.parse_query_string))
    monkeypatch.setattr(nearest_module, "parse_params", spy("parse", nearest_module.parse_params))
    monkeypatch.setattr(nearest_module, "nearest_json", spy("answer", nearest_module.nearest_json))
    r = client.get(f"/api/nearest?{query}", headers={"accept-encoding": encoding})
    assert r.status_code == status, r.text
    assert calls.count("parse") == 1
    assert calls.count("answer") == answered
