"""Security headers, CSP nonces, request limits, HEAD, CORS and the rate limiter (geo_clsm/web/middleware/security.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.lifecycle import init_state
from geo_clsm.web.middleware import security
from geo_clsm.web.middleware.rate_limit import TokenBucket, rate_limit
from geo_clsm.web.middleware.security import is_page_type, tile_origin

SCENARIO = {"territory": "metz", "changes": [{"action": "add", "type": "GEM", "lon": 6.2236, "lat": 49.1130}]}


def _csp(response: object) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture(scope="module", autouse=True)
def _test_database(database_url: str) -> Iterator[None]:
    """Apps built here use the session's temporary database of record."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GEO_CLSM_DATABASE_URL", database_url)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def osm_client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


PAGE_ONLY = ("referrer-policy", "permissions-policy", "x-frame-options")
LEAN_POLICY = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}


@pytest.mark.parametrize("path", ["/", "/planning", "/docs", "/ogc?f=html", "/sw.js", "/static/app/map.js"])
def test_every_response_carries_the_headers(osm_client: TestClient, path: str) -> None:
    r = osm_client.get(path)
    assert is_page_type(r.headers["content-type"].encode()), r.headers["content-type"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["permissions-policy"].startswith("geolocation=(self)")
    assert r.headers["x-frame-options"] == "DENY"
    csp = _csp(r)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    assert csp["connect-src"] == ["'self'"]
    # no origin but the app's own and the tile server's anywhere in the policy
    origins = {v for vs in csp.values() for v in vs if "://" in v or v.endswith(":")}
    assert origins == {"data:", "https://*.tile.example.org"}


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/api/markers",
        "/api/nearest?lat=49.1197&lon=6.1955&k=2",
        "/api/nearest?lat=1&lon=1",  # an error answer (JSON)
        "/ogc/collections",
        "/ogc/collections/resources/items?limit=1",
        "/nope",
        "/api/territories",
        "/static/app/icon-192.png",
        "/static/app/page.css",
    ],
)
def test_answers_that_are_no_page_carry_only_what_they_need(osm_client: TestClient, path: str) -> None:
    """Issue 33: JSON, GeoJSON, CSV, images, styles: ``nosniff`` and a policy that loads nothing;
    no page-only header (decided by the content type, whatever the path)."""
    r = osm_client.get(path)
    assert not is_page_type(r.headers["content-type"].encode()), r.headers["content-type"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert _csp(r) == LEAN_POLICY
    assert not [h for h in PAGE_ONLY if h in r.headers]


def test_page_types() -> None:
    assert is_page_type(b"text/html; charset=utf-8")
    assert is_page_type(b"Text/JavaScript")
    assert is_page_type(b"image/svg+xml")
    assert not is_page_type(b"application/json")
    assert not is_page_type(b"application/geo+json")
    assert not is_page_type(b"text/csv; charset=utf-8")
    assert not is_page_type(b"application/pdf")
    assert not is_page_type(b"")


def test_page_types_are_decided_the_same_once_remembered() -> None:
    """Issue 33: the decision is remembered per content type (at most 64): the same answers, and
    many types with varying parameters (a multipart boundary) do not grow the memory without bound."""
    for i in range(200):
        assert is_page_type(f"text/html; boundary={i}".encode())
        assert not is_page_type(f"multipart/form-data; boundary={i}".encode())
        assert is_page_type(b"text/html; charset=utf-8") and not is_page_type(b"application/json")
    assert len(security._PAGE_TYPE_SEEN) <= 64


def test_a_nonce_is_drawn_only_for_an_answer_that_uses_one(
    osm_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 33: a JSON answer (most answers) draws no CSP nonce; a page draws one, and its policy
    and its inline tags carry that one."""
    drawn: list[str] = []

    def token(n: int) -> str:
        drawn.append(f"n{len(drawn)}-{'x' * 20}")
        return drawn[-1]

    monkeypatch.setattr(security.secrets, "token_urlsafe", token)
    for path in ("/api/nearest?lat=49.1197&lon=6.1955&k=2", "/api/markers", "/api/territories"):
        assert osm_client.get(path).status_code == 200
    assert drawn == []
    r = osm_client.get("/", headers={"accept-encoding": "identity"})
    assert len(drawn) == 1
    assert f"'nonce-{drawn[0]}'" in _csp(r)["script-src"]
    assert f'nonce="{drawn[0]}"' in r.text


def test_internal_answers_are_never_stored_whatever_their_type(client: TestClient) -> None:
    for path in ("/admin/login", "/api/auth/me", "/api/admin/resources"):
        r = client.get(path)
        assert r.headers["cache-control"] == "no-store", (path, r.status_code, r.headers.get("cache-control"))
        assert r.headers["x-content-type-options"] == "nosniff"


def test_inline_scripts_and_styles_carry_this_responses_nonce(osm_client: TestClient) -> None:
    plain = {"accept-encoding": "identity"}
    pages = [osm_client.get("/", headers=plain), osm_client.get("/", headers=plain)]
    nonces = []
    for r in pages:
        nonce = next(v for v in _csp(r)["script-src"] if v.startswith("'nonce-"))[7:-1]
        assert len(nonce) >= 16
        nonces.append(nonce)
        tags = re.findall(r"<(?:script|style)\b[^>]*>", r.text, flags=re.I)
        assert len(tags) > 3
        assert all(f'nonce="{nonce}"' in t for t in tags), [t for t in tags if nonce not in t][:3]
        assert int(r.headers["content-length"]) == len(r.content)
    assert nonces[0] != nonces[1]  # a fresh nonce per response, though the page is cached


def test_tiles_none_allows_no_other_origin(client: TestClient, engine: Engine) -> None:
    with TestClient(create_app(Settings(tiles_url="none"), engine=engine)) as c:
        assert _csp(c.get("/"))["img-src"] == ["'self'", "data:"]


def test_tile_origin() -> None:
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_origin("https://{s}.tile.osm.fr/{z}/{x}/{y}.png") == "https://*.tile.osm.fr"
    assert tile_origin("http://tiles.intranet:8080/{z}/{x}/{y}.png") == "http://tiles.intranet:8080"
    assert tile_origin("none") is None
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None
    assert tile_origin("https://a.{s}.example.org/{z}/{x}/{y}.png") == "https:"


def test_frame_ancestors_from_the_environment(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setenv("GEO_CLSM_FRAME_ANCESTORS", "https://www.clsm-metz.fr, https://agglo-angouleme.fr")
    settings = Settings()
    assert settings.frame_ancestors == ["https://www.clsm-metz.fr", "https://agglo-angouleme.fr"]
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.get("/")
    assert _csp(r)["frame-ancestors"] == ["https://www.clsm-metz.fr", "https://agglo-angouleme.fr"]
    assert "x-frame-options" not in r.headers


def test_an_origin_that_would_break_the_policy_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_CLSM_FRAME_ANCESTORS", "https://a.fr; script-src *")
    with pytest.raises(ValueError, match="origine invalide"):
        Settings()


def test_no_cors_by_default_and_cors_for_configured_origins(client: TestClient, engine: Engine) -> None:
    r = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    settings = Settings(cors_origins=["https://www.clsm-metz.fr"])
    with TestClient(create_app(settings, engine=engine)) as c:
        ok = c.get("/healthz", headers={"Origin": "https://www.clsm-metz.fr"})
        assert ok.headers["access-control-allow-origin"] == "https://www.clsm-metz.fr"
        other = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("path", ["/", "/planning", "/healthz", "/api/markers", "/api/resources?limit=2", "/ogc"])
def test_head_is_answered_wherever_get_is(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff"


def test_head_on_a_post_only_route_is_405(client: TestClient) -> None:
    assert client.head("/api/scenarios").status_code == 405


def test_long_query_string_is_414_in_french(client: TestClient) -> None:
    r = client.get("/api/resources", params={"q": "x" * 5000})
    assert r.status_code == 414
    assert "ne doit pas dépasser" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.fixture(scope="module")
def small_cap(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(max_body_bytes=1_048_576), engine=engine)) as c:
        yield c


def test_large_body_is_413_in_french(small_cap: TestClient) -> None:
    client = small_cap
    big = b'{"territory": "metz", "changes": [' + b" " * 1_100_000 + b"]}"
    r = client.post("/api/scenarios", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "trop volumineuse" in r.json()["detail"]


def test_large_chunked_body_is_413(small_cap: TestClient) -> None:
    client = small_cap

    def chunks() -> Iterator[bytes]:
        yield b'{"territory": "metz", "changes": ['
        for _ in range(40):
            yield b" " * 32_768
        yield b"]}"

    r = client.post("/api/scenarios", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_scenarios_are_rate_limited_per_client(engine: Engine) -> None:
    settings = Settings(rate_limits={"scenarios": 2})
    with TestClient(create_app(settings, engine=engine)) as c:
        codes = [c.post("/api/scenarios", json=SCENARIO).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.post("/api/scenarios", json=SCENARIO)
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 30  # 2 a minute: one every 30 s
        assert "réessayer dans" in r.json()["detail"]
        assert c.get("/healthz").status_code == 200  # other routes are not limited
    with TestClient(create_app(settings, engine=engine), client=("10.0.0.9", 5000)) as other:
        assert other.post("/api/scenarios", json=SCENARIO).status_code == 200  # a fresh app, a fresh bucket


def test_rate_limit_is_one_line_on_any_route() -> None:
    app = FastAPI()
    init_state(app, Settings())  # the app's state (settings, rate buckets), as create_app sets it up

    @app.get("/ping", dependencies=[rate_limit("ping", per_minute=60, burst=2)])
    def ping() -> dict[str, str]:
        return {"ok": "oui"}

    with TestClient(app, client=("192.0.2.1", 1)) as a, TestClient(app, client=("192.0.2.2", 1)) as b:
        assert [a.get("/ping").status_code for _ in range(3)] == [200, 200, 429]
        assert b.get("/ping").status_code == 200  # keyed by client address


def test_token_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(per_minute=6, capacity=2, clock=lambda: now[0])
    assert bucket.take("a") == 0 and bucket.take("a") == 0
    assert bucket.take("a") == pytest.approx(10.0)  # 6 a minute: one token every 10 s
    now[0] = 10.0
    assert bucket.take("a") == 0
    assert bucket.take("b") == 0


def test_token_bucket_forgets_the_oldest_clients() -> None:
    bucket = TokenBucket(per_minute=1, capacity=1, max_keys=3)
    for key in "abcd":
        bucket.take(key)
    assert len(bucket._buckets) == 3
    assert bucket.take("a") == 0  # forgotten, so a full bucket again
    assert bucket.take("d") > 0


def _form_token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the form carries its CSRF token"
    return m.group(1)


def test_login_api_and_screen_share_one_limit(engine: Engine) -> None:
    settings = Settings(rate_limits={"login": 3})
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        api = [
            c.post("/api/auth/login", json={"email": f"personne{i}@example.invalid", "password": "x"}).status_code
            for i in range(2)
        ]
        assert api == [401, 401]
        token = _form_token(c.get("/admin/login").text)
        form = {"email": "autre@example.invalid", "password": "x", "csrf_token": token}
        assert c.post("/admin/login", data=form).status_code == 401  # the third attempt of this client
        page = c.post("/admin/login", data=form)
        assert page.status_code == 429 and int(page.headers["retry-after"]) >= 1
        assert "réessayer dans" in page.text and page.headers["content-type"].startswith("text/html")
        r = c.post("/api/auth/login", json={"email": "personne9@example.invalid", "password": "x"})
        assert r.status_code == 429 and "réessayer dans" in r.json()["detail"]


def test_reports_api_and_form_share_one_limit(engine: Engine) -> None:
    rid = next(r.id for r in engine.catalog.resources if r.territory == "metz")
    # The honeypot is filled: nothing is stored, and the limit applies all the same.
    body = {"message": "Le numéro a changé (test)", "website": "robot"}
    with TestClient(create_app(Settings(), engine=engine), base_url="https://testserver") as c:
        assert [c.post(f"/api/resources/{rid}/reports", json=body).status_code for _ in range(3)] == [201] * 3
        token = _form_token(c.get(f"/signaler/{rid}").text)
        form = {**body, "csrf_token": token}
        assert [c.post(f"/signaler/{rid}", data=form).status_code for _ in range(2)] == [201, 201]
        page = c.post(f"/signaler/{rid}", data=form)  # the sixth report of this client
        assert page.status_code == 429 and "réessayer dans" in page.text
        assert 600 <= int(page.headers["retry-after"]) <= 720  # one report every 12 minutes
        r = c.post(f"/api/resources/{rid}/reports", json=body)
        assert r.status_code == 429 and "min" in r.json()["detail"]


def test_batch_is_rate_limited(engine: Engine) -> None:
    points = {"points": [{"id": "a", "lat": 49.1197, "lon": 6.1955}]}
    with TestClient(create_app(Settings(rate_limits={"batch": 1}), engine=engine)) as c:
        assert [c.post("/api/nearest/batch", json=points).status_code for _ in range(2)] == [200, 429]


def test_405_allow_lists_every_method(client: TestClient) -> None:
    r = client.request("OPTIONS", "/api/admin/resources")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert "utiliser" in r.json()["detail"]
    r = client.request("PUT", "/api/admin/resources/x")
    assert set(r.headers["allow"].split(", ")) == {"DELETE", "GET", "HEAD", "PATCH"}
    assert client.delete("/api/scenarios").headers["allow"] == "POST"
    assert "adresse inconnue" in client.get("/nulle-part").json()["detail"]


def test_serve_sends_no_server_header() -> None:
    """Issue 33: ``server: uvicorn`` on every answer told a client nothing it needs."""
    from geo_clsm.cli.serve import uvicorn_options

    assert uvicorn_options(Settings())["server_header"] is False
